"""Weight penalties with Keras 3's formulas (``kernel_regularizer=``, ``bias_regularizer=``).

===============  ==========================================  =====================================
regularizer      penalty added to the loss                   gradient added to ``grads``
===============  ==========================================  =====================================
``L1(l1=0.01)``  ``l1 * sum(|w|)``                           ``l1 * sign(w)`` (0 at w = 0, as TF)
``L2(l2=0.01)``  ``l2 * sum(w^2)`` (no 1/2: Keras's form)    ``2 * l2 * w``
``L1L2(l1=0,     ``l1 * sum(|w|) + l2 * sum(w^2)``           the sum of both
l2=0)``
===============  ==========================================  =====================================

``l1``, ``l2`` and ``l1_l2`` are the same classes (Keras's lower-case aliases). As strings,
``"l1"``/``"L1"`` and ``"l2"``/``"L2"`` mean the default 0.01, and ``"l1l2"``/``"L1L2"`` mean
``L1L2()`` whose defaults are 0 (Keras 3.15's behaviour: its docstring promises 0.01 for both,
and it refuses the string ``"l1_l2"``, so minicnn refuses it too). The penalty is summed over the whole tensor, not averaged over the batch: the
model adds the sum of every layer's penalty to each batch's mean loss, in training and in
``evaluate``, as Keras does.
"""
import numpy as np

from .configurable import Configurable, lookup, serialize  # noqa: F401 (serialize is API)


def _factor(value, name):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not np.isfinite(value) \
            or value < 0:
        raise ValueError(f"{name} must be a finite float >= 0, got {name}={value!r}")
    return float(value)


class Regularizer(Configurable):
    """``regularizer(w) -> penalty`` (a float) and ``regularizer.gradient(w) -> d penalty / dw``."""

    def __call__(self, w):
        raise NotImplementedError

    def gradient(self, w):
        raise NotImplementedError


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _factor(0.0 if l1 is None else l1, "l1")
        self.l2 = _factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, w):
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(w).sum())
        if self.l2:
            penalty += self.l2 * float(np.square(w).sum())
        return penalty

    def gradient(self, w):
        g = np.zeros_like(w)
        if self.l1:
            g += self.l1 * np.sign(w)
        if self.l2:
            g += (2 * self.l2) * w
        return g

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=0.01 if l1 is None else l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=0.01 if l2 is None else l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2
CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}
#: string identifiers, with Keras's defaults for them
NAMES = {"l1": L1, "L1": L1, "l2": L2, "L2": L2, "l1l2": L1L2, "L1L2": L1L2}


def get(identifier):
    """None, a Regularizer, a name ('l1', 'l2', 'l1_l2', 'L2', ...) or a saved config dict."""
    return lookup(identifier, "regularizer", Regularizer, NAMES, CLASSES, "regularizers.l2(0.01)")
