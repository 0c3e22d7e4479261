"""Sequential: a stack of layers with Keras's compile / fit / evaluate / predict / summary.

One training step (``train_on_batch``):

    out  = layer_n(... layer_1(x))                         # forward, training=True
    L, d = loss(out, y)                                    # fused softmax cross-entropy when the
                                                           # last layer ends in a softmax
    L   += regularization_loss()                           # the layers' weight penalties, as Keras
    d    = layer_k.backward(d) for k = n .. 1              # every layer fills its grads (penalty
                                                           # gradients included)
    optimizer.apply_gradients(params, grads)               # the only place weights change
    apply_constraints()                                    # then kernel_constraint=..., as Keras
"""
import json
import signal
import sys
import threading

import numpy as np

from . import losses as losses_module
from . import metrics as metrics_module
from . import optimizers as optimizers_module
from . import tta as test_time_augmentation
from .callbacks import CallbackList, History, ProgressLogger
from .checks import non_negative_int, positive_int, shape_tuple
from .layers import LAYER_CLASSES
from .layers.base import Layer, snake_case
from .rng import new_generator

FORMAT_VERSION = 1
_ACCURACY_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


class TrainingDiverged(RuntimeError):
    pass


class Sequential:
    def __init__(self, layers=None, name="sequential"):
        self.name = name
        self.layers = []
        self.built = False
        self.input_shape = None
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self.stop_training = False
        self.history = History()
        self.rng = new_generator()
        #: JSON-serialisable facts saved with the model (e.g. ``class_names``), see ``save``
        self.metadata = {}
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ structure
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential.add expects a minicnn layer, got {layer!r}")
        if layer.name is None:
            base = snake_case(type(layer).__name__)
            taken = {l.name for l in self.layers}
            layer.name = base
            k = 1
            while layer.name in taken:
                layer.name = f"{base}_{k}"
                k += 1
        elif layer.name in {l.name for l in self.layers}:
            raise ValueError(f"a layer named {layer.name!r} is already in the model")
        self.layers.append(layer)
        self.built = False
        if self.layers[0]._requested_input_shape is not None:
            self.build()

    def build(self, input_shape=None):
        """Size every layer for inputs of ``input_shape`` (no batch axis); by default the first
        layer's ``input_shape`` argument."""
        if not self.layers:
            raise ValueError("the model has no layers")
        if input_shape is None:
            input_shape = self.layers[0]._requested_input_shape
            if input_shape is None:
                raise ValueError("the model's input shape is unknown: pass input_shape= to the first layer, "
                                 "call build(input_shape) or fit/predict on data")
        shape = shape_tuple(input_shape, "input_shape")
        self.input_shape = shape
        for layer in self.layers:
            if layer.built and layer.input_shape == shape:
                shape = layer.output_shape
            else:
                shape = layer.build(shape)
        self.output_shape = shape
        self.built = True
        self.layers[0].needs_input_grad = False
        return self

    @property
    def trainable_layers(self):
        return [layer for layer in self.layers if layer.trainable and layer.params]

    def parameters(self):
        """``[(key, param, grad)]`` for every trainable parameter, keys ``"<layer>/<param>"``."""
        return [(f"{layer.name}/{k}", p, layer.grads[k]) for layer in self.trainable_layers
                for k, p in layer.trainable_params().items()]

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self):
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        weights = list(weights)
        expected = sum(len(layer.params) + len(layer.state) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"the model has {expected} weight arrays, got {len(weights)}")
        for layer in self.layers:
            k = len(layer.params) + len(layer.state)
            layer.set_weights(weights[:k])
            weights = weights[k:]

    def cast(self, dtype):
        """Convert every layer (and optimizer state) to ``dtype``: float64 for gradient checks."""
        for layer in self.layers:
            layer.cast(dtype)
        if self.optimizer is not None:
            self.optimizer.cast(dtype)
        return self

    @property
    def dtype(self):
        return self.layers[0].dtype if self.layers else np.dtype("float32")

    # ------------------------------------------------------------------ compile
    def compile(self, optimizer, loss, metrics=("accuracy",)):
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses_module.get(loss)
        if self.loss.reduction == "none":
            raise ValueError(f"{self.loss.name} with reduction='none' gives one loss per sample, which training "
                             "cannot minimise; use reduction='sum_over_batch_size' (the default) or 'sum'")
        metrics = [] if metrics is None else list(metrics)
        for m in metrics:
            if m not in _ACCURACY_NAMES:
                raise ValueError(f"unsupported metric {m!r}; minicnn tracks 'accuracy' "
                                 "(use minicnn.metrics for others after predict)")
        self.metrics = ["accuracy"] if metrics else []
        return self

    # ------------------------------------------------------------------ data checks
    def _ensure_built(self, x):
        if not self.built:
            self.build(x.shape[1:] if self.layers[0]._requested_input_shape is None else None)

    def _check_x(self, x, what="inputs"):
        x = np.asarray(x)
        if x.ndim == 0 or x.shape[0] == 0:
            raise ValueError(f"{what} hold no samples (shape {x.shape})")
        self._ensure_built(x)
        if x.ndim != len(self.input_shape) + 1 or x.shape[1:] != self.input_shape:
            hint = ""
            if x.shape[1:] == self.input_shape[:-1] and self.input_shape[-1] == 1:
                hint = "; add the channel axis with x[..., None]"
            raise ValueError(f"the model expects {what} of shape (batch, {', '.join(map(str, self.input_shape))}), "
                             f"got {x.shape}{hint}")
        if x.dtype.kind not in "biuf":
            raise ValueError(f"{what} must be numeric, got dtype {x.dtype}")
        return x

    def _check_finite(self, x, what="inputs"):
        """ValueError at the first NaN/inf; checked in slices so no dataset-sized mask is built."""
        if x.dtype.kind != "f":
            return
        step = max(1, (1 << 22) // max(1, int(np.prod(x.shape[1:]))))
        for start in range(0, x.shape[0], step):
            part = x[start:start + step]
            if not np.isfinite(part).all():
                bad = np.argwhere(~np.isfinite(part))[0]
                bad[0] += start
                raise ValueError(f"{what} contain NaN or inf (first at index {tuple(int(i) for i in bad)}: "
                                 f"{x[tuple(bad)]})")

    def _check_y(self, y, n):
        y = np.asarray(y)
        if y.shape[0] != n:
            raise ValueError(f"got {n} inputs but {y.shape[0]} labels")
        self.loss.targets(y, (n,) + tuple(self.output_shape))
        return y

    def _require_compiled(self):
        if self.optimizer is None or self.loss is None:
            raise RuntimeError("compile(optimizer, loss) the model before training or evaluating it")

    def _as_float(self, x):
        return np.ascontiguousarray(x, dtype=self.dtype)

    # ------------------------------------------------------------------ one batch
    def _forward(self, x, training):
        # which layers returned their input object unchanged: Keras's logits pass through those
        self._passed_through = []
        for layer in self.layers:
            y = layer.forward(x, training)
            self._passed_through.append(y is x)
            x = y
        return x

    def _loss_and_grad(self, out, y):
        """The loss at the model's output and its gradient, read from the logits of a final softmax or
        sigmoid when the loss takes them (``minicnn.losses``); remembers where the gradient starts."""
        logits = losses_module.output_logits(self.layers, self._passed_through)
        loss, d, at_logits = self.loss.compute(out, y, logits)
        self._backward_from = (logits.layer_index, True) if at_logits else (len(self.layers) - 1, False)
        return loss + self.regularization_loss(), d

    def regularization_loss(self):
        """The sum of every layer's weight penalties (``kernel_regularizer=...``), which Keras adds to
        the loss in training and in evaluation; their gradients are added in the layers' backward."""
        return sum(layer.regularization_loss() for layer in self.layers)

    def apply_constraints(self):
        """Project constrained weights (``kernel_constraint=...``) after an optimizer step, as Keras."""
        for layer in self.trainable_layers:
            layer.apply_constraints()

    def _backward(self, d):
        start, at_logits = self._backward_from
        if at_logits:  # the layers after it passed the tensor through unchanged
            d = self.layers[start].backward_logits(d)
            start -= 1
        for layer in reversed(self.layers[:start + 1]):
            d = layer.backward(d)
        return d

    def _correct(self, out, y):
        return metrics_module.count_correct(out, y)

    def _train_step(self, x, y):
        out = self._forward(x, True)
        loss, d = self._loss_and_grad(out, y)
        if not np.isfinite(loss):
            return loss, self._correct(out, y)
        self._backward(d)
        self.optimizer.apply_gradients(self.parameters())
        self.apply_constraints()
        return loss, self._correct(out, y)

    def train_on_batch(self, x, y):
        """One optimizer step on one batch; returns ``[loss, accuracy]`` (or the loss without metrics)."""
        self._require_compiled()
        x = self._check_x(x)
        self._check_finite(x)
        y = self._check_y(y, x.shape[0])
        loss, correct = self._train_step(self._as_float(x), y)
        return [loss, correct / x.shape[0]] if self.metrics else loss

    def test_on_batch(self, x, y):
        self._require_compiled()
        return self.evaluate(x, y, batch_size=len(x), verbose=0)

    # ------------------------------------------------------------------ inference
    def predict(self, x, batch_size=32, verbose=0, tta=0):
        """Outputs of the last layer (probabilities for a softmax model), shape (N,) + output_shape;
        ``tta=1|2`` averages them over mirrored / shifted views (``minicnn.tta``)."""
        if tta:
            return test_time_augmentation.predict(self, x, tta, positive_int(batch_size, "batch_size"))
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        out = np.empty((x.shape[0],) + self.output_shape, dtype=self.dtype)
        for start in range(0, x.shape[0], batch_size):
            out[start:start + batch_size] = self._forward(self._as_float(x[start:start + batch_size]), False)
        return out

    def __call__(self, x, training=False):
        return self._forward(self._as_float(self._check_x(x)), training)

    def evaluate(self, x, y, batch_size=32, verbose=1, tta=0):
        """Mean loss and accuracy over ``(x, y)``: ``[loss, accuracy]`` (the loss alone without metrics);
        ``tta=1|2``: of the test-time-augmented outputs (``minicnn.tta``), returned without printing."""
        self._require_compiled()
        if tta:
            return test_time_augmentation.evaluate(self, x, self._check_y(y, len(x)), tta,
                                                  positive_int(batch_size, "batch_size"))
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        y = self._check_y(y, x.shape[0])
        total_loss, correct = 0.0, 0
        for start in range(0, x.shape[0], batch_size):
            xb, yb = self._as_float(x[start:start + batch_size]), y[start:start + batch_size]
            out = self._forward(xb, False)
            total_loss += self._loss_and_grad(out, yb)[0] * len(xb)
            correct += self._correct(out, yb)
        n = max(x.shape[0], 1)
        result = [total_loss / n, correct / n] if self.metrics else total_loss / n
        if verbose:
            shown = result if self.metrics else [result]
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(["loss", "accuracy"], shown)))
        return result

    def feature_maps(self, x):
        """Each layer's activation for inputs ``x`` (inference mode): ``[(layer name, array)]``."""
        x = self._as_float(self._check_x(x))
        maps = []
        for layer in self.layers:
            x = layer.forward(x, False)
            maps.append((layer.name, x.copy()))
        return maps

    # ------------------------------------------------------------------ fit
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None):
        """Train for ``epochs`` epochs; returns a :class:`History`.

        ``x, y`` are arrays (batched by index each epoch, the dataset is never copied), or ``x`` is a
        generator/iterator of ``(x_batch, y_batch)`` (e.g. ``ImageDataGenerator.flow``) with
        ``steps_per_epoch`` (default ``len(x)``). ``validation_split`` holds out the *last* fraction of
        the arrays, as Keras does. A non-finite loss stops training with a message naming the epoch and
        step, leaving finite weights; Ctrl-C stops after the current batch and returns the history so far.
        """
        self._require_compiled()
        batch_size = 32 if batch_size is None else positive_int(batch_size, "batch_size")
        epochs = non_negative_int(epochs, "epochs")
        initial_epoch = non_negative_int(initial_epoch, "initial_epoch")
        if steps_per_epoch is not None:
            steps_per_epoch = positive_int(steps_per_epoch, "steps_per_epoch")
        generator = y is None and x is not None and not isinstance(x, np.ndarray) and hasattr(x, "__iter__")
        if generator:
            if validation_split:
                raise ValueError("validation_split needs arrays; pass validation_data with a generator")
            if steps_per_epoch is None:
                if not hasattr(x, "__len__"):
                    raise ValueError("steps_per_epoch is required for a generator without len()")
                steps_per_epoch = len(x)
            batches = iter(x)
            steps = int(steps_per_epoch)
            n_train = None
        else:
            if y is None:
                raise ValueError("fit needs labels y with array inputs")
            x = self._check_x(x)
            self._check_finite(x)
            y = self._check_y(y, x.shape[0])
            if validation_split:
                if validation_data is not None:
                    raise ValueError("pass validation_split or validation_data, not both")
                if not 0.0 < validation_split < 1.0:
                    raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
                split = int(x.shape[0] * (1.0 - validation_split))
                validation_data = (x[split:], y[split:])
                x, y = x[:split], y[:split]
            n_train = x.shape[0]
            if n_train == 0:
                raise ValueError("no training samples")
            steps = -(-n_train // batch_size) if steps_per_epoch is None else int(steps_per_epoch)
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (x_val, y_val)")
            val_x = self._check_x(validation_data[0], "validation inputs")
            self._check_finite(val_x, "validation inputs")
            val_y = self._check_y(validation_data[1], val_x.shape[0])

        self.history = History()
        self.history.params = {"epochs": epochs, "steps": steps, "batch_size": batch_size, "verbose": verbose}
        progress = [ProgressLogger(verbose)] if verbose else []
        cbs = CallbackList([self.history] + progress + list(callbacks or []), self)
        self.stop_training = False
        cbs.on_train_begin()
        # overflow in a diverging step is reported once by _handle_divergence, not as NumPy warnings
        with _StopOnInterrupt() as interrupt, np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(initial_epoch, epochs):
                cbs.on_epoch_begin(epoch)
                snapshot = self._snapshot()
                order = self.rng.permutation(n_train) if (n_train and shuffle) else None
                seen = total_loss = correct = 0
                for step in range(steps):
                    if generator:
                        xb, yb = next(batches)
                        xb = self._check_x(xb)
                        self._check_finite(xb)
                        yb = self._check_y(yb, xb.shape[0])
                    else:
                        start = (step * batch_size) % n_train
                        if order is not None:
                            idx = order[start:start + batch_size]
                            xb, yb = x[idx], y[idx]
                        else:
                            xb, yb = x[start:start + batch_size], y[start:start + batch_size]
                    cbs.on_train_batch_begin(step)
                    loss, ok = self._train_step(self._as_float(xb), yb)
                    if not np.isfinite(loss):
                        self._handle_divergence(epoch, step, loss, snapshot)
                        break
                    seen += len(xb)
                    total_loss += loss * len(xb)
                    correct += ok
                    logs = {"loss": total_loss / seen, "size": len(xb)}
                    if self.metrics:
                        logs["accuracy"] = correct / seen
                    cbs.on_train_batch_end(step, logs)
                    if interrupt.requested:
                        break
                if interrupt.requested or self.history.stopped_reason == "nan":
                    self.history.stopped_reason = self.history.stopped_reason or "interrupted"
                    if interrupt.requested:
                        print(f"Interrupted during epoch {epoch + 1}, step {step + 1}: training stopped "
                              "after the current batch.", file=sys.stderr)
                    break
                logs = {"loss": total_loss / seen}
                if self.metrics:
                    logs["accuracy"] = correct / seen
                if validation_data is not None:
                    val = self.evaluate(val_x, val_y, batch_size=batch_size, verbose=0)
                    logs["val_loss"] = val[0] if self.metrics else val
                    if self.metrics:
                        logs["val_accuracy"] = val[1]
                logs["learning_rate"] = self.optimizer.learning_rate
                cbs.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
        cbs.on_train_end()
        return self.history

    def _snapshot(self):
        """Copies of every weight (BatchNorm statistics included) and of the optimizer state."""
        return self.get_weights(), {k: np.array(v) for k, v in self.optimizer.get_state().items()}

    def _handle_divergence(self, epoch, step, loss, snapshot):
        # The diverging step may have left weights that are finite but overflow, or BatchNorm
        # statistics that are not finite (they update in the forward pass): roll everything back to
        # the start of the epoch, the last weights known to give finite losses.
        weights, optimizer_state = snapshot
        self.set_weights(weights)
        self.optimizer.set_state(optimizer_state)
        kept = f"the weights from the start of epoch {epoch + 1} were restored"
        print(f"Training stopped: the loss became {loss} at epoch {epoch + 1}, step {step + 1}; {kept}. "
              "Try a smaller learning rate.", file=sys.stderr)
        self.history.stopped_reason = "nan"
        self.stop_training = True

    # ------------------------------------------------------------------ summary and config
    def summary(self, print_fn=print):
        """Keras's table: layer (type), output shape, parameter count, then the totals."""
        if not self.built:
            self.build()
        rows = [(f"{l.name} ({type(l).__name__})", str((None,) + tuple(l.output_shape)), f"{l.count_params():,}")
                for l in self.layers]
        widths = [max(31, *(len(r[0]) for r in rows)), max(22, *(len(r[1]) for r in rows)), 13]
        fancy = _can_print("┏━┳┓┃┡╇┩│└┴┘")
        h, top, mid, bot, v, hv = (("━", "┏┳┓", "┡╇┩", "└┴┘", "┃", "│") if fancy else
                                   ("-", "+++", "+++", "+++", "|", "|"))
        light = "─" if fancy else "-"

        def line(chars, fill):
            return chars[0] + chars[1].join(fill * (w + 2) for w in widths) + chars[2]

        def row(cells, sep):
            return (sep + " " + cells[0].ljust(widths[0]) + " " + sep + " " + cells[1].ljust(widths[1]) + " "
                    + sep + " " + cells[2].rjust(widths[2]) + " " + sep)

        total = self.count_params()
        trainable = sum(l.count_trainable_params() for l in self.layers)
        itemsize = self.dtype.itemsize
        out = [f'Model: "{self.name}"', line(top, h), row(("Layer (type)", "Output Shape", "Param #"), v),
               line(mid, h)]
        out += [row(r, hv) for r in rows]
        out.append(line(bot, light))
        out += [f" Total params: {total:,} ({_human_bytes(total * itemsize)})",
                f" Trainable params: {trainable:,} ({_human_bytes(trainable * itemsize)})",
                f" Non-trainable params: {total - trainable:,} ({_human_bytes((total - trainable) * itemsize)})"]
        print_fn("\n".join(out))

    def get_config(self):
        return {"name": self.name,
                "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self.layers],
                "input_shape": None if self.input_shape is None else list(self.input_shape)}

    def to_json(self):
        return json.dumps({"class_name": "Sequential", "format_version": FORMAT_VERSION,
                           "config": self.get_config()})

    # ------------------------------------------------------------------ persistence (minicnn.saving)
    def save(self, path, metadata=None):
        """Architecture, weights, optimizer state, RNG state and ``metadata`` (default
        ``self.metadata``) in one ``.npz`` file written atomically to exactly ``path``, whatever
        its suffix. ``minicnn.load_model(path)`` restores it; see ``minicnn.saving``."""
        from .saving import save_model
        save_model(self, path, metadata)

    def save_weights(self, path):
        """Weights only, to exactly ``path`` (any suffix: ``"model.h5"`` works; it is an npz inside)."""
        from .saving import save_weights
        save_weights(self, path)

    def load_weights(self, path):
        """Load weights written by ``save_weights`` or ``save``; ValueError on an architecture mismatch."""
        from .saving import load_weights
        load_weights(self, path)

    @classmethod
    def from_config(cls, config):
        unknown = set(config) - {"name", "layers", "input_shape"}
        if unknown:
            raise ValueError(f"unknown model config keys {sorted(unknown)}")
        if not isinstance(config.get("layers"), list):
            raise ValueError(f"model config 'layers' must be a list of layer specs, got {config.get('layers')!r}")
        model = cls(name=config.get("name", "sequential"))
        for spec in config["layers"]:
            if not isinstance(spec, dict) or set(spec) != {"class_name", "config"}:
                raise ValueError(f"a layer spec must be {{'class_name': ..., 'config': {{...}}}}, got {spec!r}")
            class_name = spec.get("class_name")
            if class_name not in LAYER_CLASSES:
                raise ValueError(f"unknown layer class {class_name!r}; expected one of {sorted(LAYER_CLASSES)}")
            try:
                model.add(LAYER_CLASSES[class_name].from_config(spec["config"]))
            except TypeError as err:
                raise ValueError(f"bad config for layer {class_name}: {err}") from None
        if config.get("input_shape") is not None and not model.built:
            model.build(config["input_shape"])
        return model


class _StopOnInterrupt:
    """Turn Ctrl-C during fit into a request to stop after the current batch (main thread only;
    elsewhere KeyboardInterrupt behaves as usual)."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:  # a second Ctrl-C interrupts at once
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False


def _can_print(chars):
    try:
        chars.encode(sys.stdout.encoding or "ascii")
        return True
    except (UnicodeEncodeError, LookupError):
        return False


def _human_bytes(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.2f} {unit}"
        n /= 1024
