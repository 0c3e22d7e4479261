"""Activation layers: ReLU, Softmax and ``Activation(name)``.

* ReLU:    ``y = max(x, 0)``;       backward ``dx = dy * [y > 0]`` (derivative 0 at the kink, as TF)
* Softmax: ``y = exp(x - max x) / sum exp(x - max x)`` over the last axis;
  backward ``dx = y * (dy - sum(dy * y))``. Followed by a cross-entropy loss, the model skips
  this and uses the fused gradient ``p - onehot`` instead (see ``minicnn.losses``).
"""
import numpy as np

from .base import Layer

ACTIVATIONS = (None, "linear", "relu", "softmax")


def softmax(z):
    """Numerically stable softmax over the last axis."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    e /= e.sum(axis=-1, keepdims=True)
    return e


class ReLU(Layer):
    def forward(self, x, training=False):
        self.check_input(x)
        self.y = np.maximum(x, 0)
        return self.y

    def backward(self, dy):
        return dy * (self.y > 0)

    def kink_state(self):
        return [self.y > 0] if hasattr(self, "y") else []


class Softmax(Layer):
    """Softmax over the last axis (``axis=-1`` only)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if axis != -1:
            raise NotImplementedError(f"Softmax supports axis=-1 only, got axis={axis}")
        self.axis = -1
        self.logits = None

    def forward(self, x, training=False):
        self.check_input(x)
        self.logits = x
        self.y = softmax(x)
        return self.y

    def backward(self, dy):
        return self.y * (dy - (dy * self.y).sum(axis=-1, keepdims=True))

    def backward_logits(self, dz):
        return dz

    ends_in_softmax = True

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class Activation(Layer):
    """``Activation("relu" | "softmax" | "linear")``: the named activation as a layer."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        if activation not in ACTIVATIONS or activation is None:
            raise ValueError(f"unknown activation {activation!r}; expected one of 'relu', 'softmax', 'linear'")
        self.activation = activation
        self._inner = activation_layer(activation)

    @property
    def ends_in_softmax(self):
        return self.activation == "softmax"

    @property
    def logits(self):
        return getattr(self._inner, "logits", None)

    def forward(self, x, training=False):
        self.check_input(x)
        if self._inner is None:
            return x
        return self._inner.forward(x, training)

    def backward(self, dy):
        return dy if self._inner is None else self._inner.backward(dy)

    def kink_state(self):
        return [] if self._inner is None else self._inner.kink_state()

    def backward_logits(self, dz):
        return dz

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}


def activation_layer(name):
    """The layer object for an ``activation=`` argument, or None for linear."""
    if name in (None, "linear"):
        return None
    if name == "relu":
        return ReLU()
    if name == "softmax":
        return Softmax()
    raise ValueError(f"unknown activation {name!r}; expected one of None, 'linear', 'relu', 'softmax'")
