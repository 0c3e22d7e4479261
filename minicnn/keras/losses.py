"""``keras.losses``: Keras's loss classes and functions, computed by ``minicnn.losses``.

The classes take Keras's arguments (``from_logits``, ``label_smoothing``, ``reduction``, ``delta``;
``name`` and ``dtype`` are accepted and ignored). The functions return per-sample losses, as
Keras's do; passed to ``compile`` they select the class. With a softmax or sigmoid output the
model computes the cross-entropies from that activation's inputs, as Keras does.
"""
from .. import losses as _core
from ._compat import module_getattr, not_implemented, require_default

_ADVICE = ("minicnn implements the cross-entropies ('sparse_categorical_crossentropy', "
           "'categorical_crossentropy', 'binary_crossentropy') and 'mean_squared_error', "
           "'mean_absolute_error' and 'huber'")


def _keras_only(owner, kwargs, **defaults):
    """Drop Keras's display arguments; insist on the defaults minicnn implements; refuse the rest."""
    for argument, default in defaults.items():
        require_default(owner, argument, kwargs.pop(argument, default), default, f"use {argument}={default!r}")
    kwargs.pop("name", None)
    kwargs.pop("dtype", None)
    if kwargs:
        raise TypeError(f"{owner} got unexpected keyword arguments {sorted(kwargs)}")


class SparseCategoricalCrossentropy(_core.SparseCategoricalCrossentropy):
    def __init__(self, from_logits=False, reduction="sum_over_batch_size", **kwargs):
        _keras_only("SparseCategoricalCrossentropy", kwargs, ignore_class=None)
        super().__init__(from_logits=from_logits, reduction=reduction)


class CategoricalCrossentropy(_core.CategoricalCrossentropy):
    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="sum_over_batch_size", **kwargs):
        _keras_only("CategoricalCrossentropy", kwargs, axis=-1)
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, reduction=reduction)


class BinaryCrossentropy(_core.BinaryCrossentropy):
    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="sum_over_batch_size", **kwargs):
        _keras_only("BinaryCrossentropy", kwargs, axis=-1)
        super().__init__(from_logits=from_logits, label_smoothing=label_smoothing, reduction=reduction)


class MeanSquaredError(_core.MeanSquaredError):
    def __init__(self, reduction="sum_over_batch_size", **kwargs):
        _keras_only("MeanSquaredError", kwargs)
        super().__init__(reduction=reduction)


class MeanAbsoluteError(_core.MeanAbsoluteError):
    def __init__(self, reduction="sum_over_batch_size", **kwargs):
        _keras_only("MeanAbsoluteError", kwargs)
        super().__init__(reduction=reduction)


class Huber(_core.Huber):
    def __init__(self, delta=1.0, reduction="sum_over_batch_size", **kwargs):
        _keras_only("Huber", kwargs)
        super().__init__(delta=delta, reduction=reduction)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample loss for integer labels, shape (batch,)."""
    _keras_only("sparse_categorical_crossentropy", {"ignore_class": ignore_class, "axis": axis},
                ignore_class=None, axis=-1)
    return _core.SparseCategoricalCrossentropy(from_logits, reduction="none")(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample loss for one-hot labels, shape (batch,)."""
    _keras_only("categorical_crossentropy", {"axis": axis}, axis=-1)
    return _core.CategoricalCrossentropy(from_logits, label_smoothing, reduction="none")(y_true, y_pred)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample loss (mean over the last axis), shape (batch,)."""
    _keras_only("binary_crossentropy", {"axis": axis}, axis=-1)
    return _core.BinaryCrossentropy(from_logits, label_smoothing, reduction="none")(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """Per-sample mean of squared errors over the last axis, shape (batch,)."""
    return _core.MeanSquaredError(reduction="none")(y_true, y_pred)


def mean_absolute_error(y_true, y_pred):
    """Per-sample mean of absolute errors over the last axis, shape (batch,)."""
    return _core.MeanAbsoluteError(reduction="none")(y_true, y_pred)


def huber(y_true, y_pred, delta=1.0):
    """Per-sample Huber loss (mean over the last axis), shape (batch,)."""
    return _core.Huber(delta, reduction="none")(y_true, y_pred)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error

_FUNCTIONS = {sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
              categorical_crossentropy: CategoricalCrossentropy,
              binary_crossentropy: BinaryCrossentropy,
              mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError, huber: Huber,
              _core.sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
              _core.categorical_crossentropy: CategoricalCrossentropy,
              _core.binary_crossentropy: BinaryCrossentropy}
_NAMES = {"sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
          "categorical_crossentropy": CategoricalCrossentropy,
          "binary_crossentropy": BinaryCrossentropy,
          "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError, "MSE": MeanSquaredError,
          "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
          "huber": Huber, "huber_loss": Huber}
_NAMES.update({cls.__name__: cls for cls in set(_NAMES.values())})


def get(identifier):
    """A minicnn loss object for a Keras loss name, function or object."""
    if isinstance(identifier, _core.Loss):
        return identifier
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if callable(identifier) and identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if identifier is None:
        raise ValueError("compile needs a loss, e.g. loss='sparse_categorical_crossentropy'")
    raise not_implemented(f"loss={getattr(identifier, '__name__', identifier)!r}", _ADVICE)


__getattr__ = module_getattr(__name__, {}, _ADVICE)
