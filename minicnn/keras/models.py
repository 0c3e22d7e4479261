"""``keras.models``: ``Sequential`` and the functional ``Model(inputs, outputs)``, both
``minicnn.Sequential`` models with Keras's method signatures.

* ``Sequential([...])`` / ``.add()`` accept ``Input(shape)`` (or ``InputLayer``) as the first entry.
* ``Model(inputs, outputs)`` accepts chains: every layer applied once to the previous output.
  ``outputs`` may be a list of tensors along one chain (a feature-extraction model such as
  ``Model(inputs=model.inputs, outputs=[l.output for l in model.layers])``); calling or
  predicting then returns one array per output. Branching and merging raise NotImplementedError.
* ``compile``/``fit``/``evaluate``/``predict``/``summary`` take Keras's arguments; History keys
  are Keras's (``loss``, the metric's name, ``val_`` versions); arguments minicnn does not
  implement (``sample_weight``, ``class_weight``, ...) raise NotImplementedError.
"""
import json
import warnings

import numpy as np

from ..callbacks import Callback, LearningRateScheduler, ReduceLROnPlateau
from ..data.image_folder import ImageDataset
from ..model import Sequential as _CoreSequential
from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optimizers
from ._compat import module_getattr, not_implemented, require_default
from .engine import InputLayer, KerasTensor, eager, set_io


def _verbose(verbose):
    return 1 if verbose == "auto" else int(verbose)


def _refuse_extras(owner, **given):
    """NotImplementedError for any of Keras's optional arguments given a non-default value."""
    for argument, (value, default, nearest) in given.items():
        require_default(owner, argument, value, default, nearest)


class Model(_CoreSequential):
    """The functional model ``Model(inputs, outputs)`` restricted to chains (see the module docstring)."""

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Model: {kwargs}")
        if inputs is None or outputs is None:
            raise not_implemented("subclassing keras.Model with a call() method",
                                  "use Sequential([...]) or the functional Model(inputs, outputs)")
        self._keras_setup()
        if isinstance(inputs, dict) or isinstance(outputs, dict):
            raise not_implemented("models with named (dict) inputs or outputs", "pass tensors or lists of tensors")
        if isinstance(inputs, (list, tuple)):
            if len(inputs) != 1:
                raise not_implemented(f"models with {len(inputs)} inputs", "use one Input")
            inputs = inputs[0]
        self._multi_output = isinstance(outputs, (list, tuple))
        output_list = list(outputs) if self._multi_output else [outputs]
        if not output_list or not all(isinstance(t, KerasTensor) for t in [inputs] + output_list):
            raise ValueError("Model(inputs, outputs) expects KerasTensors from keras.Input and layer calls, "
                             f"got inputs={inputs!r}, outputs={outputs!r}")
        chain, depths = _chain(inputs, output_list)
        super().__init__(name=name or "functional")
        for layer in chain:
            super().add(layer)
        self._input_tensor, self._output_tensors, self._depths = inputs, output_list, depths
        self.build(inputs.shape[1:])

    def _keras_setup(self):
        self._input_tensor = None
        self._output_tensors = None
        self._depths = None
        self._multi_output = False
        self._declared_shape = None
        self._metric_name = None

    # ------------------------------------------------------------------ Keras's symbolic attributes
    @property
    def inputs(self):
        return [self.input]

    @property
    def input(self):
        if self._input_tensor is None:
            raise AttributeError(f"The model {self.name} has no defined input yet: give it an Input(shape) or an "
                                 "input_shape=")
        return self._input_tensor

    @property
    def outputs(self):
        self.input  # noqa: B018 -- the same error when unbuilt
        return list(self._output_tensors)

    @property
    def output(self):
        outputs = self.outputs
        return outputs if self._multi_output else outputs[0]

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")

    # ------------------------------------------------------------------ several outputs
    @property
    def _several_outputs(self):
        return self._depths is not None and (self._multi_output or self._depths[0] != len(self.layers))

    def _forward_outputs(self, x, training):
        wanted = set(self._depths)
        found = {0: x.copy()} if 0 in wanted else {}
        for depth, layer in enumerate(self.layers, 1):
            x = layer.forward(x, training)
            if depth in wanted:
                found[depth] = x.copy()
        outs = [found[d] for d in self._depths]
        return outs if self._multi_output else outs[0]

    def _refuse_training(self, what):
        if self._several_outputs:
            raise not_implemented(f"{what} on a model with several outputs",
                                  "train the single-output model, then build the feature-extraction model from it")

    # ------------------------------------------------------------------ Keras API
    def __call__(self, inputs, training=None, mask=None):
        if isinstance(inputs, KerasTensor):
            raise not_implemented("calling a model on a symbolic tensor (nested models)",
                                  "add the layers themselves to one Sequential model")
        x = self._as_float(self._check_x(inputs))
        if self._several_outputs:
            out = self._forward_outputs(x, bool(training))
            return [eager(o) for o in out] if self._multi_output else eager(out)
        return eager(self._forward(x, bool(training)))

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        self._refuse_training("compile")
        _refuse_extras("compile", loss_weights=(loss_weights, None, "use a single loss"),
                       weighted_metrics=(weighted_metrics, None, "use metrics=['accuracy']"),
                       steps_per_execution=(steps_per_execution, 1, "leave steps_per_execution=1"))
        names = _metrics.metric_names(metrics)
        super().compile(_optimizers.get(optimizer), _losses.get(loss), metrics=["accuracy"] if names else [])
        self._metric_name = names[0] if names else None
        if names:  # kept in saved files, so History keys survive load_model
            self.metadata["keras_metric_name"] = self._metric_name
        else:
            self.metadata.pop("keras_metric_name", None)
        return None

    @property
    def metrics_names(self):
        return ["loss"] + ([self._metric_name] if self._metric_name else [])

    @property
    def weights(self):
        """Every weight array (parameters, then BatchNorm statistics, layer by layer), live: writing into
        one changes the model. Keras returns Variables; minicnn's weights are NumPy arrays."""
        return [w for layer in self.layers for w in list(layer.params.values()) + list(layer.state.values())]

    @property
    def trainable_weights(self):
        return [p for _, p, _ in self.parameters()]

    @property
    def non_trainable_weights(self):
        trainable = {id(p) for p in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trainable]

    def predict_on_batch(self, x):
        return self.predict(x, batch_size=max(len(x), 1))

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Keras's fit on arrays or on a generator of batches (``ImageDataGenerator.flow``)."""
        self._refuse_training("fit")
        _refuse_extras("fit", class_weight=(class_weight, None, "balance the classes in the data"),
                       sample_weight=(sample_weight, None, "repeat or drop samples in the data"),
                       validation_batch_size=(validation_batch_size, None, "batch_size is used for validation too"),
                       validation_freq=(validation_freq, 1, "validate every epoch (validation_freq=1)"))
        if isinstance(x, tuple) and y is None and len(x) == 2:
            x, y = x
        if _is_dataset(validation_data):
            validation_data = _dataset_arrays(validation_data)
        elif hasattr(validation_data, "__next__"):  # a generator (flow_from_directory): its batches, drawn once
            validation_data = _draw_batches(validation_data, validation_steps)[:2]
        elif validation_steps is not None:
            raise not_implemented("validation_steps with array validation_data", "validate on all the arrays")
        if validation_data is not None and not isinstance(validation_data, (tuple, list)):
            raise not_implemented("validation_data as a generator or dataset", "pass arrays (x_val, y_val)")
        if validation_data is not None and len(validation_data) == 3:
            raise not_implemented("validation_data with sample weights", "pass (x_val, y_val)")
        callbacks = list(callbacks or [])
        keras_callbacks = [_KerasLogNames(cb, self._rename_logs) for cb in callbacks]
        history = super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=_verbose(verbose),
                              callbacks=keras_callbacks, validation_split=validation_split,
                              validation_data=validation_data, shuffle=shuffle, initial_epoch=initial_epoch,
                              steps_per_epoch=steps_per_epoch)
        learning_rate = history.history.get("learning_rate")
        history.history = self._keras_logs(history.history)
        if learning_rate is not None and any(isinstance(cb, (LearningRateScheduler, ReduceLROnPlateau))
                                             for cb in callbacks):
            history.history["learning_rate"] = learning_rate  # Keras logs it when such a callback runs
        return history

    def _rename_logs(self, logs):
        """A batch's or epoch's logs with the accuracy keys under the metric name the user compiled
        with (``acc``, ``sparse_categorical_accuracy``...), so callbacks can monitor those names."""
        if logs is None or not self._metric_name or self._metric_name == "accuracy":
            return logs
        renamed = {}
        for key, value in logs.items():
            for prefix in ("", "val_"):
                if key == prefix + "accuracy":
                    key = prefix + self._metric_name
            renamed[key] = value
        return renamed

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, initial_epoch=0, **kwargs):
        """Keras 2's deprecated spelling of ``fit(generator, ...)``."""
        warnings.warn("Model.fit_generator is deprecated; use Model.fit, which supports generators",
                      DeprecationWarning, stacklevel=2)
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, initial_epoch=initial_epoch, **kwargs)

    def _keras_logs(self, logs):
        """minicnn's epoch logs renamed and ordered as Keras's: accuracy, loss, val_accuracy, val_loss."""
        keys = []
        for prefix in ("", "val_"):
            if self._metric_name:
                keys.append((prefix + self._metric_name, prefix + "accuracy"))
            keys.append((prefix + "loss", prefix + "loss"))
        return {keras_key: logs[key] for keras_key, key in keys if key in logs}

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """``[loss, accuracy]`` (the loss alone without metrics); a dict with ``return_dict=True``."""
        self._refuse_training("evaluate")
        _refuse_extras("evaluate", sample_weight=(sample_weight, None, "evaluate without sample weights"),
                       callbacks=(callbacks, None, "evaluate without callbacks"))
        if y is None and _is_dataset(x):
            x, y = _dataset_arrays(x)
        elif y is None and x is not None and not isinstance(x, np.ndarray) and hasattr(x, "__next__"):
            x, y, batch_size = _draw_batches(x, steps)
        result = super().evaluate(x, y, batch_size=32 if batch_size is None else batch_size,
                                  verbose=_verbose(verbose))
        if not return_dict:
            return result
        values = result if self.metrics else [result]
        return self._keras_logs(dict(zip(["loss", "accuracy"], values)))

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        require_default("predict", "steps", steps, None, "predict on arrays, all of them")
        require_default("predict", "callbacks", callbacks, None, "call the model in a loop yourself")
        batch_size = 32 if batch_size is None else int(batch_size)
        if _is_dataset(x):
            x = _dataset_arrays(x, labels=False)
        if not self._several_outputs:
            return super().predict(x, batch_size=batch_size)
        x = self._check_x(x)
        parts = [self._forward_outputs(self._as_float(x[i:i + batch_size]), False)
                 for i in range(0, len(x), batch_size)]
        if not self._multi_output:
            return np.concatenate(parts)
        return [np.concatenate([p[k] for p in parts]) for k in range(len(self._depths))]

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        super().summary(print_fn=print_fn or print)

    def save(self, filepath, overwrite=True, **kwargs):
        require_default("save", "overwrite", overwrite, True, "check os.path.exists(filepath) first")
        for argument, value in kwargs.items():
            require_default("save", argument, value, None, "model.save(filepath): the file holds the model, "
                                                            "its optimizer state and its RNG state")
        super().save(filepath)

    def save_weights(self, filepath, overwrite=True):
        require_default("save_weights", "overwrite", overwrite, True, "check os.path.exists(filepath) first")
        super().save_weights(filepath)

    def load_weights(self, filepath, skip_mismatch=False):
        require_default("load_weights", "skip_mismatch", skip_mismatch, False, "load weights of matching shapes")
        super().load_weights(filepath)


class Sequential(Model):
    """``Sequential([layers])``: a linear stack; the first entry may be ``Input(shape)``."""

    def __init__(self, layers=None, name=None, trainable=True):
        self._keras_setup()
        _CoreSequential.__init__(self, name=name or "sequential")
        for layer in layers or []:
            self.add(layer)

    def add(self, layer, rebuild=True):
        if isinstance(layer, InputLayer):
            layer = layer.output
        if isinstance(layer, KerasTensor):
            if self.layers or self._declared_shape is not None:
                raise ValueError("an Input can only be the first entry of a Sequential model")
            self._declared_shape = layer.shape[1:]
            return
        if isinstance(layer, _CoreSequential):
            raise not_implemented("adding a model to a Sequential model (nested models)", "add its layers one by one")
        super().add(layer)
        if not self.built and self._declared_shape is not None:
            self.build()

    def pop(self, rebuild=True):
        if not self.layers:
            raise TypeError("There are no layers in the model.")
        layer = self.layers.pop()
        self.built = False
        if self.layers and (self._declared_shape or self.layers[0]._requested_input_shape):
            self.build()
        return layer

    def build(self, input_shape=None):
        if input_shape is None and self._declared_shape is not None:
            input_shape = self._declared_shape
        elif input_shape is not None and len(input_shape) > 0 and input_shape[0] is None:
            input_shape = tuple(input_shape)[1:]  # Keras's build takes the batch axis too
        elif (input_shape is not None and self._declared_shape is not None
              and len(input_shape) == len(self._declared_shape) + 1):
            input_shape = tuple(input_shape)[1:]
        super().build(input_shape)
        tensor = self._input_tensor = KerasTensor(self.input_shape)
        for layer in self.layers:
            out = KerasTensor(layer.output_shape, layer, tensor)
            set_io(layer, tensor, out)
            tensor = out
        self._output_tensors, self._depths = [tensor], [len(self.layers)]
        return self


def _chain(inputs, outputs):
    """The layers from ``inputs`` to the deepest of ``outputs`` and each output's depth along them."""
    paths = []
    for tensor in outputs:
        root, layers = tensor.path()
        if root is not inputs:
            # ``inputs`` may be an intermediate tensor: cut the path there
            t, cut = tensor, []
            while t is not None and t is not inputs:
                cut.append(t._layer)
                t = t._parent
            if t is None:
                raise ValueError(f"output {tensor!r} is not computed from the model's inputs {inputs!r}")
            layers = cut[::-1]
        paths.append(layers)
    chain = max(paths, key=len)
    for layers in paths:
        if any(a is not b for a, b in zip(layers, chain)):
            raise not_implemented("branching models (outputs on separate branches of the graph)",
                                  "build a chain: each layer applied once to the previous layer's output")
    if len({id(layer) for layer in chain}) != len(chain):
        raise not_implemented("applying a layer more than once (shared layers)", "create a new layer for each use")
    return chain, [len(layers) for layers in paths]


def _is_dataset(x):
    """A finite, re-iterable source of batches (``image_dataset_from_directory``'s ImageDataset)."""
    return isinstance(x, ImageDataset)


def _dataset_arrays(dataset, labels=True):
    """One pass of a dataset as arrays: ``(x, y)``, or the images alone (labels dropped)."""
    batches = list(dataset)
    if not batches:
        raise ValueError("the dataset yields no batches")
    if not isinstance(batches[0], tuple):
        if labels:
            raise ValueError("the dataset yields images without labels (label_mode=None); labels are needed here")
        return np.concatenate(batches)
    images = np.concatenate([b[0] for b in batches])
    return (images, np.concatenate([b[1] for b in batches])) if labels else images


def _draw_batches(generator, steps):
    if steps is None:
        if not hasattr(generator, "__len__"):
            raise ValueError("steps is required to evaluate a generator without len()")
        steps = len(generator)
    xs, ys = zip(*(next(generator) for _ in range(int(steps))))
    return np.concatenate(xs), np.concatenate(ys), len(xs[0])


def keras_model(model):
    """A ``minicnn.keras`` Sequential holding the layers, compiled state and RNG of ``model`` (a
    ``minicnn.Sequential``), so the Keras methods apply to it."""
    if isinstance(model, Model):
        return model
    keras = Sequential(name=model.name)
    for layer in model.layers:
        keras.add(layer)
    if model.built and not keras.built:
        keras.build(model.input_shape)
    keras.optimizer, keras.loss, keras.metrics, keras.rng = model.optimizer, model.loss, model.metrics, model.rng
    keras.metadata = dict(model.metadata)
    keras._metric_name = model.metadata.get("keras_metric_name", "accuracy") if model.metrics else None
    return keras


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved with ``model.save(filepath)``."""
    require_default("load_model", "custom_objects", custom_objects, None, "minicnn has no custom objects")
    from .. import load_model as _load
    return keras_model(_load(filepath))


def model_from_json(json_string, custom_objects=None):
    """A fresh (uncompiled, newly initialized) model from ``model.to_json()``."""
    spec = json.loads(json_string)
    if spec.get("class_name") != "Sequential":
        raise not_implemented(f"model_from_json for {spec.get('class_name')!r}", "use minicnn's to_json output")
    return Sequential.from_config(spec["config"])


def clone_model(model, input_tensors=None, clone_function=None):
    """Same architecture, freshly initialized weights (as Keras's clone_model)."""
    _refuse_extras("clone_model", input_tensors=(input_tensors, None, "clone without new inputs"),
                   clone_function=(clone_function, None, "clone without a clone_function"))
    return Sequential.from_config(json.loads(model.to_json())["config"])


__getattr__ = module_getattr(__name__, {}, "available: models.Sequential, models.Model, models.load_model, "
                                          "models.model_from_json, models.clone_model")


class _KerasLogNames(Callback):
    """Runs a user's callback with the logs renamed by ``rename`` (see ``Model._rename_logs``)."""

    def __init__(self, inner, rename):
        super().__init__()
        self.inner, self.rename = inner, rename

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.inner.set_params(params)

    def on_train_begin(self, logs=None):
        self.inner.on_train_begin(self.rename(logs))

    def on_train_end(self, logs=None):
        self.inner.on_train_end(self.rename(logs))

    def on_epoch_begin(self, epoch, logs=None):
        self.inner.on_epoch_begin(epoch, self.rename(logs))

    def on_epoch_end(self, epoch, logs=None):
        self.inner.on_epoch_end(epoch, self.rename(logs))

    def on_train_batch_begin(self, batch, logs=None):
        self.inner.on_train_batch_begin(batch, self.rename(logs))

    def on_train_batch_end(self, batch, logs=None):
        self.inner.on_train_batch_end(batch, self.rename(logs))
