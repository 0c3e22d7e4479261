"""``keras.losses``: sparse and categorical cross-entropy, with Keras's arguments.

The classes are minicnn's losses (mean over the batch, Keras's ``sum_over_batch_size``). The
functions return per-sample losses as Keras's do; passed to ``compile`` they select the class.
With a softmax output and ``from_logits=False`` the model computes the loss from the softmax's
inputs (the stable form Keras also uses when training).
"""
import numpy as np

from .. import losses as _core
from ._compat import module_getattr, not_implemented, require_default

_ADVICE = ("minicnn implements classification losses only: use 'sparse_categorical_crossentropy' "
           "(integer labels) or 'categorical_crossentropy' (one-hot labels)")


def _check(owner, reduction, kwargs):
    require_default(owner, "reduction", reduction, "sum_over_batch_size", "use the mean over the batch (default)")
    for argument, default in (("ignore_class", None), ("label_smoothing", 0.0), ("axis", -1)):
        require_default(owner, argument, kwargs.pop(argument, default), default, f"use {argument}={default!r}")
    kwargs.pop("name", None)
    kwargs.pop("dtype", None)
    if kwargs:
        raise TypeError(f"{owner} got unexpected keyword arguments {sorted(kwargs)}")


class SparseCategoricalCrossentropy(_core.SparseCategoricalCrossentropy):
    def __init__(self, from_logits=False, reduction="sum_over_batch_size", **kwargs):
        _check("SparseCategoricalCrossentropy", reduction, kwargs)
        super().__init__(from_logits=from_logits)


class CategoricalCrossentropy(_core.CategoricalCrossentropy):
    def __init__(self, from_logits=False, reduction="sum_over_batch_size", **kwargs):
        _check("CategoricalCrossentropy", reduction, kwargs)
        super().__init__(from_logits=from_logits)


def _per_sample(target, y_pred, from_logits):
    y_pred = np.asarray(y_pred, dtype=np.float64)
    if from_logits:
        logp = _core.log_softmax(y_pred)
    else:
        p = y_pred / y_pred.sum(axis=-1, keepdims=True)
        logp = np.log(np.clip(p, _core.EPSILON, 1 - _core.EPSILON))
    return -(target * logp).sum(axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Per-sample loss for integer labels, shape (batch,)."""
    _check("sparse_categorical_crossentropy", "sum_over_batch_size", {"ignore_class": ignore_class, "axis": axis})
    y_pred = np.asarray(y_pred)
    return _per_sample(SparseCategoricalCrossentropy().targets(y_true, y_pred.shape[-1]), y_pred, from_logits)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Per-sample loss for one-hot labels, shape (batch,)."""
    _check("categorical_crossentropy", "sum_over_batch_size", {"label_smoothing": label_smoothing, "axis": axis})
    y_pred = np.asarray(y_pred)
    return _per_sample(CategoricalCrossentropy().targets(y_true, y_pred.shape[-1]), y_pred, from_logits)


_FUNCTIONS = {sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
              categorical_crossentropy: CategoricalCrossentropy,
              _core.sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
              _core.categorical_crossentropy: CategoricalCrossentropy}
_NAMES = {"sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
          "categorical_crossentropy": CategoricalCrossentropy,
          "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
          "CategoricalCrossentropy": CategoricalCrossentropy}


def get(identifier):
    """A minicnn loss object for a Keras loss name, function or object."""
    if isinstance(identifier, _core._CrossEntropy):
        return identifier
    if isinstance(identifier, str) and identifier in _NAMES:
        return _NAMES[identifier]()
    if callable(identifier) and identifier in _FUNCTIONS:
        return _FUNCTIONS[identifier]()
    if identifier is None:
        raise ValueError("compile needs a loss, e.g. loss='sparse_categorical_crossentropy'")
    raise not_implemented(f"loss={getattr(identifier, '__name__', identifier)!r}", _ADVICE)


__getattr__ = module_getattr(__name__, {}, _ADVICE)
