"""Symbolic tensors for Keras's functional style.

``Input(shape)`` returns a :class:`KerasTensor` (a ``minicnn`` symbolic tensor); calling a
``minicnn.keras`` layer on one (or on a list, for a merge layer) builds the layer, creating its
weights as Keras does, and records a node. ``Model(inputs, outputs)`` is the graph of those nodes
(``minicnn.models.graph``): branches, merges, shared layers, several inputs and outputs.
"""
import numpy as np

from ..layers import merge as _merge
from ..layers.symbolic import SymbolicTensor, connect, is_symbolic
from ._compat import _as_shape, not_implemented


class KerasTensor(SymbolicTensor):
    """A placeholder for a batch of activations: ``shape`` has ``None`` for the batch axis.
    ``a + b``, ``a - b`` and ``a * b`` on two tensors are ``layers.add/subtract/multiply``."""

    def _merge(self, other, cls):
        if not isinstance(other, SymbolicTensor):
            raise not_implemented("arithmetic between a symbolic tensor and a constant",
                                  "use tensors from layer calls on both sides")
        return cls()([self, other])

    def __add__(self, other):
        return self._merge(other, _merge.Add)

    def __sub__(self, other):
        return self._merge(other, _merge.Subtract)

    def __mul__(self, other):
        return self._merge(other, _merge.Multiply)

    def _refuse(self, *args, **kwargs):
        raise not_implemented("this arithmetic on symbolic tensors", "use layers.add, subtract, multiply or "
                              "concatenate")

    __radd__ = __rsub__ = __rmul__ = __truediv__ = __getitem__ = _refuse


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """``keras.Input``: a symbolic input of ``shape`` (no batch axis), e.g. ``Input((28, 28, 1))``."""
    if batch_shape is not None:
        shape = tuple(batch_shape)[1:]
    if shape is None:
        raise ValueError("Input needs shape=, e.g. Input(shape=(28, 28, 1))")
    for argument, value in (("sparse", sparse), ("tensor", tensor)):
        if value:
            raise not_implemented(f"Input({argument}=...)", "use a dense Input(shape)")
    if dtype not in (None, "float32", "float64"):
        raise not_implemented(f"Input(dtype={dtype!r})", "use dtype='float32'")
    return KerasTensor(_as_shape(shape, "Input(shape=...)"), name=name, dtype=dtype or "float32")


class InputLayer:
    """``keras.layers.InputLayer``: accepted as the first entry of a Sequential model."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
                 input_shape=None, **kwargs):
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to InputLayer: {kwargs}")
        self.name = name
        self.output = Input(shape if shape is not None else input_shape, batch_size, dtype, sparse,
                            batch_shape, name)


def symbolic_call(layer, inputs):
    """Apply ``layer`` to KerasTensors: build the layer for their shapes, return the output tensor
    (``layer.input``/``layer.output`` are those of its first call)."""
    return connect(layer, inputs)


class EagerArray(np.ndarray):
    """What calling a layer or a model on arrays returns: a NumPy array that also has Keras's
    ``.numpy()`` (as lessons write ``model(x).numpy()``)."""

    def numpy(self):
        return np.asarray(self)


def eager(array):
    return np.asarray(array).view(EagerArray)


class KerasLayer:
    """Mixin for the ``minicnn.keras.layers`` classes: ``layer(tensor)`` works on KerasTensors (the
    functional style) and on arrays (eager: ``layer(x, training=False)``); ``input``/``output``."""

    def __call__(self, inputs, training=None, **kwargs):
        if kwargs:
            raise not_implemented(f"calling a layer with {sorted(kwargs)}", "call layer(x) or layer(x, training=...)")
        if is_symbolic(inputs):
            return symbolic_call(self, inputs)
        if isinstance(inputs, (list, tuple)):
            return eager(self.forward([np.asarray(x, dtype=self.dtype) for x in inputs], training=bool(training)))
        x = np.asarray(inputs)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        return eager(self.forward(x, training=bool(training)))
