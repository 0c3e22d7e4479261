"""Losses with Keras 3's formulas: cross-entropies (sparse, categorical, binary) and regression losses.

Every loss computes one value per sample from the model's output ``p`` (N, K) and the labels, then
reduces them as Keras does (``reduction``): ``"sum_over_batch_size"`` / ``"mean"`` (the default:
sum / N), ``"sum"``, or ``"none"`` (the per-sample values; for calling a loss directly, not for
training). Each also returns the gradient of the reduced value.

Which tensor a cross-entropy reads (Keras's rule, ``keras/src/backend/tensorflow/nn.py``): a softmax
or sigmoid output keeps its pre-activation ``z`` (Keras's ``_keras_logits``), and the tensor keeps
it through layers that return their input unchanged (``Activation('linear')``, Dropout at inference).
When the model's output carries such logits, every cross-entropy uses them, whatever
``from_logits`` says (with ``from_logits=True`` that silently fixes a mistake, so a warning is given
once). Otherwise it reads the output itself: logits if ``from_logits``, probabilities if not.

From logits ``z`` (softmax for the categorical losses, sigmoid for the binary one), with targets
``t`` (one-hot rows; label smoothing makes them ``t (1 - s) + s / K``):

    categorical:  L_n = -sum_j t_j log softmax(z)_j       dL_n/dz = softmax(z) sum_j t_j - t
    binary:       L_n = mean_j max(z,0) - z t + log(1 + exp(-|z|))     dL_n/dz_j = (sigmoid(z_j) - t_j) / K

From probabilities, with ``clip(v) = min(max(v, 1e-7), 1 - 1e-7)`` whose derivative is 1 inside
[1e-7, 1 - 1e-7] and 0 outside (``inside``; both bounds rounded to the model's dtype, as Keras clips):

    sparse (clip, log, then log-softmax):  c = clip(p), S = sum_j c_j
        L_n = -sum_j t_j log(c_j / S)       dL_n/dp_k = inside_k (-t_k / c_k + (sum_j t_j) / S)
    categorical (normalize, then clip):    s = sum_j p_j, q = p / s, c = clip(q), g = -t / c * inside
        L_n = -sum_j t_j log c_j            dL_n/dp_k = (g_k - sum_j g_j q_j) / s
    binary:  c = clip(p),  L_n = -mean_j t_j log c_j + (1 - t_j) log(1 - c_j)
        dL_n/dp_j = inside_j (-t_j / c_j + (1 - t_j) / (1 - c_j)) / K

A row whose probabilities sum to 0 (a ReLU head that outputs all zeros) has no normalized form: Keras
returns NaN for it with one-hot labels. minicnn uses the sparse form for such rows, so the loss is
finite and equal for one-hot and integer labels (log K for an all-zero row, with zero gradient, as
clipping gives).

Regression losses, with ``e = p - t``, averaged over the last axis as Keras does:

    mean_squared_error   L_n = mean_j e_j^2       dL_n/dp_j = 2 e_j / K
    mean_absolute_error  L_n = mean_j |e_j|       dL_n/dp_j = sign(e_j) / K
    huber (delta d)      L_n = mean_j (e^2 / 2 if |e| <= d else d |e| - d^2 / 2)
                         dL_n/dp_j = (e_j if |e_j| <= d else d sign(e_j)) / K
"""
import warnings
from dataclasses import dataclass

import numpy as np

from .checks import real_number

EPSILON = 1e-7
REDUCTIONS = ("sum_over_batch_size", "mean", "sum", "none")


def log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def sigmoid(z):
    """``1 / (1 + exp(-z))`` without overflow for large negative ``z``."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


@dataclass
class OutputLogits:
    """Keras's ``_keras_logits``: the pre-activation ``values`` of the softmax or sigmoid
    (``activation``) whose output reached the model's output unchanged (a model finds them:
    ``minicnn.models.training``)."""
    values: np.ndarray
    activation: str


def clip_bounds(dtype):
    """``(1e-7, 1 - 1e-7)`` rounded to ``dtype``, as Keras clips in the model's precision: in float32
    the upper bound is 0.99999988, so a clipped ``-log(1 - c)`` is 15.94, not 16.12."""
    low, high = np.array([EPSILON, 1 - EPSILON], dtype=dtype)
    return float(low), float(high)


def _clip_with_mask(v, bounds):
    """``clip(v)`` to ``bounds`` and where its derivative is 1."""
    low, high = bounds
    return np.clip(v, low, high), (v >= low) & (v <= high)


def _same_rank_targets(y, shape, owner):
    """Targets as a float array of ``shape`` (N, K); ``(N,)`` labels go with ``(N, 1)`` outputs, as Keras."""
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":
        raise ValueError(f"{owner} expects numeric labels, got dtype {y.dtype}")
    if y.ndim == 1 and len(shape) == 2 and shape[1] == 1:
        y = y[:, None]
    if y.shape != tuple(shape):
        raise ValueError(f"{owner} expects labels of shape {tuple(shape)} (the model's output shape), got {y.shape}")
    y = y.astype(np.float64)
    if not np.isfinite(y).all():
        raise ValueError("labels contain NaN or inf")
    return y


class Loss:
    """Base class: per-sample values and their gradient (``per_sample``), reduced by ``reduction``.

    ``compute(outputs, y, logits)`` is what a model calls: it returns ``(loss, gradient, at_logits)``,
    the gradient being with respect to ``logits.values`` when ``at_logits`` and to ``outputs``
    otherwise."""
    name = None
    #: cross-entropies read Keras's logits when the output carries them; regression losses never do
    reads_logits = False

    def __init__(self, reduction="sum_over_batch_size"):
        if reduction is None:
            reduction = "none"
        if reduction not in REDUCTIONS:
            raise ValueError(f"unknown reduction {reduction!r}; expected one of {REDUCTIONS}")
        self.reduction = reduction

    # ---------------------------------------------------------------- subclass interface
    def targets(self, y, shape):
        """Validate labels for outputs of ``shape`` (N, K) and return them as a float matrix (N, K)."""
        raise NotImplementedError

    def per_sample(self, inputs, target, from_logits, bounds):
        """Per-sample values ``L_n`` (N,) and ``dL_n/dinputs`` (N, K) for ``inputs`` read as logits
        (``from_logits``) or as the output itself, probabilities being clipped to ``bounds``."""
        raise NotImplementedError

    # ---------------------------------------------------------------- shared
    def compute(self, outputs, y, logits=None):
        """``(reduced loss, gradient, at_logits)`` for the model's ``outputs`` and its :class:`OutputLogits`."""
        if outputs.ndim != 2:
            raise ValueError(f"{self.name} expects outputs of shape (batch, units), got {outputs.shape}")
        at_logits = self.reads_logits and logits is not None
        if at_logits:
            if getattr(self, "from_logits", False):
                self._warn_from_logits(logits.activation)
            inputs, from_logits = logits.values, True
        else:
            inputs, from_logits = outputs, getattr(self, "from_logits", False)
        target = self.targets(y, inputs.shape)
        values, grad = self.per_sample(inputs.astype(np.float64, copy=False), target, from_logits,
                                       clip_bounds(inputs.dtype))
        loss, grad = self._reduce(values, grad)
        return loss, grad.astype(inputs.dtype, copy=False), at_logits

    def value_and_grad(self, outputs, y, logits=None):
        """``(loss, dloss/dinputs)``; see :meth:`compute`."""
        return self.compute(outputs, y, logits)[:2]

    def _reduce(self, values, grad):
        if self.reduction == "none":
            return values, grad
        if self.reduction == "sum":
            return float(values.sum()), grad
        n = max(values.shape[0], 1)
        return float(values.sum()) / n, grad / n

    def _warn_from_logits(self, activation):
        if getattr(self, "_warned", False):
            return
        self._warned = True
        warnings.warn(f"{self.name} received from_logits=True, but the model's output is produced by a "
                      f"{activation}, so it does not hold logits: the loss uses the {activation}'s inputs, as "
                      f"Keras does. Remove from_logits=True, or remove the final {activation} if your model "
                      "should output logits.", UserWarning, stacklevel=4)

    def __call__(self, y_true, y_pred):
        """The loss of predictions ``y_pred`` (N, K): probabilities, or logits if ``from_logits``."""
        y_pred = np.asarray(y_pred, dtype=np.float64)
        if y_pred.ndim == 1 and not self.reads_logits:
            y_pred = y_pred[:, None]
        if y_pred.ndim != 2:
            what = "classes" if self.reads_logits else "units"
            raise ValueError(f"predictions must have shape (batch, {what}), got {y_pred.shape}")
        return self.compute(y_pred, y_true)[0]

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}


class _CrossEntropy(Loss):
    reads_logits = True

    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="sum_over_batch_size"):
        super().__init__(reduction)
        self.from_logits = bool(from_logits)
        self.label_smoothing = real_number(label_smoothing, "label_smoothing", 0.0, 1.0)

    def smooth(self, onehot):
        """Keras's label smoothing: ``t (1 - s) + s / K``."""
        s = self.label_smoothing
        return onehot if not s else onehot * (1.0 - s) + s / onehot.shape[-1]

    def per_sample(self, inputs, target, from_logits, bounds):
        if from_logits:  # Keras uses a sigmoid's logits as softmax logits too
            logp = log_softmax(inputs)
            values = -(target * logp).sum(axis=-1)
            grad = np.exp(logp) * target.sum(axis=-1, keepdims=True) - target
            return values, grad
        return self.per_sample_from_probabilities(inputs, target, bounds)

    @staticmethod
    def clip_log_softmax(p, target, bounds):
        """The sparse form from probabilities: ``-sum t log(clip(p) / sum clip(p))`` and its gradient."""
        c, inside = _clip_with_mask(p, bounds)
        total = c.sum(axis=-1, keepdims=True)
        values = -(target * np.log(c / total)).sum(axis=-1)
        grad = inside * (-target / c + target.sum(axis=-1, keepdims=True) / total)
        return values, grad

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(_CrossEntropy):
    """Labels are integers in [0, K), shape (N,) or (N, 1). ``label_smoothing`` is a minicnn
    extension (Keras has it on the one-hot loss only); it smooths the one-hot rows the same way."""
    name = "sparse_categorical_crossentropy"

    def targets(self, y, shape):
        labels = sparse_labels(y, shape[-1])
        if labels.shape[0] != shape[0]:
            raise ValueError(f"got {shape[0]} predictions but {labels.shape[0]} labels")
        onehot = np.zeros(shape, dtype=np.float64)
        onehot[np.arange(shape[0]), labels] = 1.0
        return self.smooth(onehot)

    def per_sample_from_probabilities(self, p, target, bounds):
        return self.clip_log_softmax(p, target, bounds)


class CategoricalCrossentropy(_CrossEntropy):
    """Labels are one-hot (or soft) rows of shape (N, K)."""
    name = "categorical_crossentropy"

    def targets(self, y, shape):
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[1] != shape[-1]:
            raise ValueError(f"categorical_crossentropy expects one-hot labels of shape (batch, {shape[-1]}), "
                             f"got {y.shape}; for integer labels use sparse_categorical_crossentropy")
        if y.shape[0] != shape[0]:
            raise ValueError(f"got {shape[0]} predictions but {y.shape[0]} labels")
        if y.dtype.kind not in "biuf" or not np.isfinite(y).all():
            raise ValueError(f"labels must be finite numbers, got dtype {y.dtype}"
                             + (" with NaN or inf" if y.dtype.kind in "biuf" else ""))
        return self.smooth(y.astype(np.float64))

    def per_sample_from_probabilities(self, p, target, bounds):
        total = p.sum(axis=-1, keepdims=True)
        degenerate = (total == 0)[:, 0]
        safe_total = np.where(total == 0, 1.0, total)
        q = p / safe_total
        c, inside = _clip_with_mask(q, bounds)
        values = -(target * np.log(c)).sum(axis=-1)
        g = np.where(inside, -target / c, 0.0)
        grad = (g - (g * q).sum(axis=-1, keepdims=True)) / safe_total
        if degenerate.any():  # no normalized form: the sparse form (see the module docstring)
            values[degenerate], grad[degenerate] = self.clip_log_softmax(p[degenerate], target[degenerate], bounds)
        return values, grad


class BinaryCrossentropy(_CrossEntropy):
    """Labels in [0, 1] of the output's shape, e.g. (N,) or (N, 1) for a ``Dense(1, activation='sigmoid')``
    head; label smoothing gives ``t (1 - s) + s / 2``. Averaged over the last axis, as Keras."""
    name = "binary_crossentropy"

    def smooth(self, t):
        s = self.label_smoothing
        return t if not s else t * (1.0 - s) + 0.5 * s

    def targets(self, y, shape):
        t = _same_rank_targets(y, shape, "binary_crossentropy")
        if t.size and (t.min() < 0 or t.max() > 1):
            bad = np.unravel_index(int(np.flatnonzero((t < 0) | (t > 1))[0]), t.shape)
            raise ValueError(f"binary_crossentropy expects labels in [0, 1], got {t[bad]} at index "
                             f"{tuple(int(i) for i in bad)}; for class indices use sparse_categorical_crossentropy")
        return self.smooth(t)

    def per_sample(self, inputs, target, from_logits, bounds):
        k = inputs.shape[-1]
        if from_logits:  # Keras uses a softmax's logits as sigmoid logits too
            z = inputs
            values = (np.maximum(z, 0) - z * target + np.log1p(np.exp(-np.abs(z)))).mean(axis=-1)
            return values, (sigmoid(z) - target) / k
        c, inside = _clip_with_mask(inputs, bounds)
        values = -(target * np.log(c) + (1 - target) * np.log(1 - c)).mean(axis=-1)
        return values, inside * (-target / c + (1 - target) / (1 - c)) / k


class _Regression(Loss):
    def targets(self, y, shape):
        return _same_rank_targets(y, shape, self.name)

    def per_sample(self, inputs, target, from_logits, bounds):
        error = inputs - target
        values, grad = self.elementwise(error)
        return values.mean(axis=-1), grad / inputs.shape[-1]


class MeanSquaredError(_Regression):
    name = "mean_squared_error"

    def elementwise(self, e):
        return e * e, 2 * e


class MeanAbsoluteError(_Regression):
    name = "mean_absolute_error"

    def elementwise(self, e):
        return np.abs(e), np.sign(e)


class Huber(_Regression):
    name = "huber"

    def __init__(self, delta=1.0, reduction="sum_over_batch_size"):
        super().__init__(reduction)
        self.delta = real_number(delta, "Huber delta", 0.0, low_open=True)

    def elementwise(self, e):
        d = self.delta
        small = np.abs(e) <= d
        return (np.where(small, 0.5 * e * e, d * np.abs(e) - 0.5 * d * d),
                np.where(small, e, d * np.sign(e)))

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


def sparse_labels(y, num_classes):
    """Integer labels (N,) from (N,) or (N, 1) input; ValueError for out-of-range or non-integer values."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"sparse labels must have shape (batch,) or (batch, 1), got {y.shape}; "
                         "one-hot labels go with categorical_crossentropy")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.issubdtype(y.dtype, np.floating) or not np.all(np.mod(y, 1) == 0):
            raise ValueError(f"sparse labels must be integers, got dtype {y.dtype} with values like {y[:3]}")
        y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = int(np.flatnonzero((y < 0) | (y >= num_classes))[0])
        raise ValueError(f"label {y[bad]} at index {bad} is outside [0, {num_classes}) "
                         f"for a model with {num_classes} outputs")
    return y


def _loss_function(cls, doc):
    def function(y_true, y_pred, from_logits=False):
        return cls(from_logits=from_logits)(y_true, y_pred)
    function.__name__ = cls.name
    function.__doc__ = doc
    return function


sparse_categorical_crossentropy = _loss_function(SparseCategoricalCrossentropy, "Mean sparse cross-entropy.")
categorical_crossentropy = _loss_function(CategoricalCrossentropy, "Mean categorical cross-entropy.")
binary_crossentropy = _loss_function(BinaryCrossentropy, "Mean binary cross-entropy.")

_CLASSES = (SparseCategoricalCrossentropy, CategoricalCrossentropy, BinaryCrossentropy, MeanSquaredError,
            MeanAbsoluteError, Huber)
_BY_NAME = {cls.name: cls for cls in _CLASSES}
_ALIASES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "huber_loss": "huber"}
_FUNCTIONS = {sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
              categorical_crossentropy: CategoricalCrossentropy, binary_crossentropy: BinaryCrossentropy}


def get(loss):
    """A loss object from a name (Keras's, e.g. ``"binary_crossentropy"``, ``"mse"``), a loss object,
    or one of the module-level loss functions."""
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str) and _ALIASES.get(loss, loss) in _BY_NAME:
        return _BY_NAME[_ALIASES.get(loss, loss)]()
    if callable(loss) and loss in _FUNCTIONS:
        return _FUNCTIONS[loss]()
    raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(_BY_NAME) + sorted(_ALIASES)} or a loss "
                     "object from minicnn.losses")


def from_config(config):
    """The loss saved by ``get_config``; KeyError for an unknown name, TypeError for unknown keys."""
    config = dict(config)
    return _BY_NAME[config.pop("name")](**config)
