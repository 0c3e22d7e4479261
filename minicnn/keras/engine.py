"""Symbolic tensors for Keras's functional style, restricted to chains.

``Input(shape)`` returns a :class:`KerasTensor`; calling a ``minicnn.keras`` layer on one builds
the layer (creating its weights, as Keras does) and returns a new KerasTensor that remembers the
layer and its input. ``Model(inputs, outputs)`` walks these links back from the outputs: a chain
(each layer applied once, to the previous output) becomes a ``minicnn.Sequential``; anything
else (a layer applied twice, outputs on separate branches) is refused with NotImplementedError.
"""
import numpy as np

from ._compat import _as_shape, not_implemented


class KerasTensor:
    """A placeholder for a batch of activations: ``shape`` has ``None`` for the batch axis."""

    def __init__(self, shape, layer=None, parent=None, name=None, dtype="float32"):
        self.shape = (None,) + tuple(shape)
        self.dtype = dtype
        self.name = name
        self._layer = layer      # the layer that produced this tensor (None for an Input)
        self._parent = parent    # that layer's input tensor

    def path(self):
        """``(root tensor, [layer, ...])``: the layers applied, in order, from the root Input."""
        layers, tensor = [], self
        while tensor._layer is not None:
            layers.append(tensor._layer)
            tensor = tensor._parent
        return tensor, layers[::-1]

    def __repr__(self):
        source = "Input" if self._layer is None else self._layer.name or type(self._layer).__name__
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, source={source}>"

    def _refuse(self, *args, **kwargs):
        raise not_implemented("arithmetic on symbolic tensors (e.g. x + y, or merging branches)",
                              "build a chain of layers; minicnn models are Sequential")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __getitem__ = _refuse


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


def symbolic_call(layer, tensor):
    """Apply ``layer`` to a KerasTensor: build the layer for its shape, return the output tensor."""
    shape = tuple(tensor.shape[1:])
    if getattr(layer, "_keras_called", False):
        raise not_implemented(f"applying layer {layer.name or type(layer).__name__} more than once (shared "
                              "layers)", "create a new layer for each use; minicnn models are chains")
    if layer.built:
        if layer.input_shape != shape:
            raise ValueError(f"layer {layer.name or type(layer).__name__} was built for inputs of shape "
                             f"{(None,) + layer.input_shape}, got {tensor.shape}")
        out_shape = layer.output_shape
    else:
        out_shape = layer.build(shape)
    out = KerasTensor(out_shape, layer, tensor, dtype=tensor.dtype)
    layer._keras_called = True
    set_io(layer, tensor, out)
    return out


def set_io(layer, tensor, out):
    """Record ``layer.input``/``layer.output`` as Keras layers have them."""
    layer._keras_input, layer._keras_output = tensor, out
    if not isinstance(layer, KerasLayer):  # a plain minicnn layer in a Keras model
        layer.input, layer.output = tensor, out


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
        if isinstance(inputs, KerasTensor):
            return symbolic_call(self, inputs)
        if isinstance(inputs, (list, tuple)):
            raise not_implemented("layers with several inputs (merging)", "build a chain of layers")
        x = np.asarray(inputs)
        if x.dtype != self.dtype:
            x = x.astype(self.dtype)
        return eager(self.forward(x, training=bool(training)))

    @property
    def input(self):
        return _io(self, "_keras_input", "input")

    @property
    def output(self):
        return _io(self, "_keras_output", "output")


def _io(layer, attribute, what):
    value = getattr(layer, attribute, None)
    if value is None:
        raise AttributeError(f"The layer {layer.name or type(layer).__name__} has never been called and thus has "
                             f"no defined {what}.")
    return value
