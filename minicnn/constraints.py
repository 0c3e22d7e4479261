"""Weight constraints with Keras 3's formulas (``kernel_constraint=``, ``bias_constraint=``),
applied to the weights after every optimizer step (``Layer.apply_constraints``).

With ``norms = sqrt(sum(w^2, axis, keepdims=True))`` and ``epsilon = 1e-7`` (Keras's
``backend.epsilon()``):

* ``MaxNorm(max_value=2, axis=0)``:  ``w * clip(norms, 0, max_value) / (epsilon + norms)``
* ``MinMaxNorm(min_value=0, max_value=1, rate=1, axis=0)``:
  ``w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (epsilon + norms)``
* ``UnitNorm(axis=0)``:  ``w / (epsilon + norms)``
* ``NonNeg()``:  ``max(w, 0)``

``axis=0`` is Keras's default for every kernel: for a Dense kernel (in, out) it constrains each
unit's incoming weights. For a Conv2D kernel (kh, kw, in, out) Keras's default still takes the
norms over ``kh`` only; Keras's documentation says to pass ``axis=[0, 1, 2]`` to constrain each
filter. minicnn computes exactly what Keras computes in both cases. Even under the limit the
weights shrink by ``norms / (epsilon + norms)``, as in Keras.
"""
import numpy as np

from .configurable import Configurable, lookup, serialize  # noqa: F401 (serialize is API)

EPSILON = 1e-7


def _axis(axis):
    if isinstance(axis, (list, tuple)):
        if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in axis):
            raise ValueError(f"axis must be an int or a list of ints, got axis={axis!r}")
        return [int(a) for a in axis]
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise ValueError(f"axis must be an int or a list of ints, got axis={axis!r}")
    return int(axis)


class Constraint(Configurable):
    """``constraint(w) -> projected w`` (a new array of w's dtype)."""

    def __call__(self, w):
        raise NotImplementedError


def _norms(w, axis):
    return np.sqrt(np.square(w).sum(axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=True))


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value = float(max_value)
        self.axis = _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (np.clip(norms, 0, self.max_value) / (EPSILON + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate = float(min_value), float(max_value), float(rate)
        self.axis = _axis(axis)

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = self.rate * np.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = _axis(axis)

    def __call__(self, w):
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class NonNeg(Constraint):
    def __call__(self, w):
        return np.maximum(w, 0)


max_norm, min_max_norm, unit_norm, non_neg = MaxNorm, MinMaxNorm, UnitNorm, NonNeg
CLASSES = {cls.__name__: cls for cls in (MaxNorm, MinMaxNorm, UnitNorm, NonNeg)}
NAMES = {**CLASSES, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm, "unit_norm": UnitNorm, "non_neg": NonNeg}


def get(identifier):
    """None, a Constraint, a name ('max_norm', 'non_neg', 'MaxNorm', ...) or a saved config dict."""
    return lookup(identifier, "constraint", Constraint, NAMES, CLASSES, "constraints.max_norm(3)")
