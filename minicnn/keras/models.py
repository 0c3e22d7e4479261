"""``keras.models``: ``Sequential`` and the functional ``Model(inputs, outputs)``, minicnn models
(``minicnn.Sequential`` / the graph ``minicnn.Model``) with Keras's method signatures.

* ``Sequential([...])`` / ``.add()`` accept ``Input(shape)`` (or ``InputLayer``) as the first entry.
* ``Model(inputs, outputs)`` is any graph of layers: branches, merges (``layers.add``,
  ``layers.concatenate``...), shared layers, several inputs and outputs, and feature-extraction
  models such as ``Model(inputs=model.inputs, outputs=[l.output for l in model.layers])``;
  calling or predicting returns one array per output.
* ``compile``/``fit``/``evaluate``/``predict``/``summary`` take Keras's arguments, including
  per-output losses (``{'name': loss}`` or a list) and ``loss_weights``; History keys are Keras's
  (``loss``, the metric's name, ``<output>_loss``/``<output>_accuracy``, ``val_`` versions);
  arguments minicnn does not implement (``sample_weight``, ``class_weight``, ...) raise
  NotImplementedError.
"""
import json

import numpy as np

from ..callbacks import LearningRateScheduler, ReduceLROnPlateau
from ..layers.symbolic import SymbolicTensor
from ..models import Model as _CoreModel
from ..models import MODEL_CLASSES
from ..models.training import flat_metrics
from ..models import Sequential as _CoreSequential
from ..data.image_folder import ImageDataset
from . import losses as _losses
from . import optimizers as _optimizers
from ._compat import module_getattr, not_implemented, require_default
from ._keras2 import Keras2Model
from .engine import InputLayer, KerasTensor, eager


def _verbose(verbose):
    return 1 if verbose == "auto" else int(verbose)


def _refuse_extras(owner, **given):
    """NotImplementedError for any of Keras's optional arguments given a non-default value."""
    for argument, (value, default, nearest) in given.items():
        require_default(owner, argument, value, default, nearest)


class Model(Keras2Model, _CoreModel):
    """The functional model ``Model(inputs, outputs)``: a graph of layers (``minicnn.models.graph``)."""

    tensor_class = KerasTensor

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Model: {kwargs}")
        if inputs is None or outputs is None:
            raise not_implemented("subclassing keras.Model with a call() method",
                                  "use Sequential([...]) or the functional Model(inputs, outputs)")
        if isinstance(inputs, dict) or isinstance(outputs, dict):
            raise not_implemented("models with named (dict) inputs or outputs", "pass tensors or lists of tensors")
        tensors = (list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]) + \
            (list(outputs) if isinstance(outputs, (list, tuple)) else [outputs])
        if not all(isinstance(t, SymbolicTensor) for t in tensors):
            raise ValueError("Model(inputs, outputs) expects KerasTensors from keras.Input and layer calls, "
                             f"got inputs={inputs!r}, outputs={outputs!r}")
        super().__init__(inputs, outputs, name=name or "functional")

    def _reset(self, name):
        super()._reset(name)
        self._declared_shape = None
        self._metric_name = None

    # ------------------------------------------------------------------ Keras's symbolic attributes
    @property
    def inputs(self):
        self.input  # noqa: B018 -- the error when unbuilt
        return list(self._inputs)

    @property
    def input(self):
        if not self._inputs:
            raise AttributeError(f"The model {self.name} has no defined input yet: give it an Input(shape) or an "
                                 "input_shape=")
        return list(self._inputs) if self._multi_input else self._inputs[0]

    @property
    def outputs(self):
        self.input  # noqa: B018 -- the same error when unbuilt
        return list(self._outputs)

    @property
    def output(self):
        outputs = self.outputs
        return outputs if self._multi_output else outputs[0]

    # ------------------------------------------------------------------ Keras API
    def __call__(self, inputs, training=None, mask=None):
        if isinstance(inputs, SymbolicTensor) or (isinstance(inputs, (list, tuple)) and inputs
                                                   and isinstance(inputs[0], SymbolicTensor)):
            raise not_implemented("calling a model on a symbolic tensor (nested models)",
                                  "call its layers on the tensor, or build one Model from them")
        out = self._forward(self._as_float(self._check_x(inputs)), bool(training))
        return [eager(o) for o in out] if self._multi_output else eager(out)

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        _refuse_extras("compile", weighted_metrics=(weighted_metrics, None, "use metrics=['accuracy']"),
                       steps_per_execution=(steps_per_execution, 1, "leave steps_per_execution=1"))
        if isinstance(loss, dict):
            loss = {k: _losses.get(v) for k, v in loss.items()}
        elif isinstance(loss, (list, tuple)):
            loss = [_losses.get(v) for v in loss]
        else:
            loss = _losses.get(loss)
        super().compile(_optimizers.get(optimizer), loss, metrics=[] if metrics is None else metrics,
                        loss_weights=loss_weights)
        # 'acc' is logged as minicnn's 'accuracy' and renamed back here (_rename_logs)
        self._metric_name = "acc" if "acc" in flat_metrics(metrics) else None
        if self._metric_name:  # kept in saved files, so History keys survive load_model
            self.metadata["keras_metric_name"] = self._metric_name
        else:
            self.metadata.pop("keras_metric_name", None)
        return None

    @property
    def metrics_names(self):
        if self._multi_output:
            return ["loss"] + [f"{n}_loss" for n in self.output_names] + self.metric_keys()
        return list(self._rename_logs({key: None for key in ["loss"] + self.metric_keys()}))

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
        history = super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=_verbose(verbose),
                              callbacks=callbacks, validation_split=validation_split,
                              validation_data=validation_data, shuffle=shuffle, initial_epoch=initial_epoch,
                              steps_per_epoch=steps_per_epoch)
        learning_rate = history.history.get("learning_rate")
        history.history = self._keras_logs(history.history)
        if learning_rate is not None and any(isinstance(cb, (LearningRateScheduler, ReduceLROnPlateau))
                                             for cb in callbacks):
            history.history["learning_rate"] = learning_rate  # Keras logs it when such a callback runs
        return history

    def _rename_logs(self, logs):
        """A batch's or epoch's logs with the accuracy keys under the name the user compiled with
        (``acc``), so callbacks can monitor those names."""
        if logs is not None and "learning_rate" in logs:  # Keras logs it only when an LR callback sets it
            logs = {k: v for k, v in logs.items() if k != "learning_rate"}
        if logs is None or not self._metric_name or self._metric_name == "accuracy":
            return logs
        renamed = {}
        for key, value in logs.items():
            for prefix in ("", "val_"):
                if key == prefix + "accuracy":
                    key = prefix + self._metric_name
            renamed[key] = value
        return renamed

    def _keras_logs(self, logs):
        """minicnn's epoch logs renamed and ordered as Keras's: loss and the metrics sorted by name, then
        their val_ versions sorted (with several outputs: loss and the per-output keys, then their val_ versions)."""
        if self._multi_output:
            return {k: v for k, v in logs.items() if k != "learning_rate"}
        renamed = self._rename_logs({key: logs[key] for key in logs
                                     if key.removeprefix("val_") in self.metric_keys() + ["loss"]})
        train = sorted(k for k in renamed if not k.startswith("val_"))
        return {key: renamed[key] for key in train + sorted(k for k in renamed if k.startswith("val_"))}

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """``[loss, metrics in compile order...]`` (the loss alone without metrics); a dict with
        ``return_dict=True``."""
        _refuse_extras("evaluate", sample_weight=(sample_weight, None, "evaluate without sample weights"))
        if y is None and _is_dataset(x):
            x, y = _dataset_arrays(x)
        elif y is None and x is not None and not isinstance(x, np.ndarray) and hasattr(x, "__next__"):
            x, y, batch_size = _draw_batches(x, steps)
        result = super().evaluate(x, y, batch_size=32 if batch_size is None else batch_size,
                                  verbose=_verbose(verbose), callbacks=callbacks)
        if not return_dict:
            return result
        values = result if isinstance(result, list) else [result]
        if self._multi_output:
            return dict(zip(self.metrics_names, values))
        return self._keras_logs(dict(zip(["loss"] + self.metric_keys(), values)))

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        require_default("predict", "steps", steps, None, "predict on arrays, all of them")
        batch_size = 32 if batch_size is None else int(batch_size)
        if _is_dataset(x):
            x = _dataset_arrays(x, labels=False)
        return super().predict(x, batch_size=batch_size, callbacks=callbacks)

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        for argument, value in (("expand_nested", expand_nested), ("show_trainable", show_trainable)):
            require_default("summary", argument, value, False, "models hold no nested models; all layers train")
        require_default("summary", "layer_range", layer_range, None, "print the whole table")
        super().summary(print_fn=print_fn or print, line_length=line_length, positions=positions)

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


class Sequential(Model, _CoreSequential):
    """``Sequential([layers])``: a linear stack; the first entry may be ``Input(shape)``."""

    def __init__(self, layers=None, name=None, trainable=True):
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
        if isinstance(layer, _CoreModel):
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
        return _CoreSequential.build(self, input_shape)


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
    """A ``minicnn.keras`` model holding the layers, compiled state and RNG of ``model`` (a
    ``minicnn.Sequential`` or ``minicnn.Model``), so the Keras methods apply to it."""
    if isinstance(model, Model):
        return model
    if isinstance(model, _CoreSequential):
        keras = Sequential(name=model.name)
        for layer in model.layers:
            keras.add(layer)
        if model.built and not keras.built:
            keras.build(model.input_shape)
    else:
        keras = Model(model.inputs if model._multi_input else model.inputs[0],
                      model.outputs if model._multi_output else model.outputs[0], name=model.name)
    keras.optimizer, keras.loss, keras.metrics, keras.rng = model.optimizer, model.loss, model.metrics, model.rng
    keras.loss_weights = model.loss_weights
    keras.metadata = dict(model.metadata)
    keras._metric_name = model.metadata.get("keras_metric_name", "accuracy") if model.metrics else None
    return keras


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved with ``model.save(filepath)``."""
    require_default("load_model", "custom_objects", custom_objects, None, "minicnn has no custom objects")
    from .. import load_model as _load
    return keras_model(_load(filepath))


def model_from_json(json_string, custom_objects=None):
    """A fresh (uncompiled, newly initialized) model from ``model.to_json()``, minicnn's or real Keras's
    (Sequential models and functional chains of the layers minicnn implements)."""
    spec = json.loads(json_string)
    if isinstance(spec, dict) and "format_version" not in spec:  # Keras's own JSON (keras.Model.to_json)
        from ..keras_format import model_from_keras_config
        return model_from_keras_config(spec, "the JSON string")
    if spec.get("class_name") not in MODEL_CLASSES:
        raise not_implemented(f"model_from_json for {spec.get('class_name')!r}", "use minicnn's to_json output")
    return keras_model(MODEL_CLASSES[spec["class_name"]].from_config(spec["config"]))


def clone_model(model, input_tensors=None, clone_function=None):
    """Same architecture, freshly initialized weights (as Keras's clone_model)."""
    _refuse_extras("clone_model", input_tensors=(input_tensors, None, "clone without new inputs"),
                   clone_function=(clone_function, None, "clone without a clone_function"))
    return model_from_json(model.to_json())


__getattr__ = module_getattr(__name__, {}, "available: models.Sequential, models.Model, models.load_model, "
                                          "models.model_from_json, models.clone_model")

