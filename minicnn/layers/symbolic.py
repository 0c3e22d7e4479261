"""Symbolic tensors: how a graph model is written down before it runs.

``Input(shape)`` returns a :class:`SymbolicTensor`. Calling a layer on symbolic tensors,
``y = layer(x)`` or ``z = Add()([x, y])``, builds the layer for their shapes and records a
:class:`Node`: one application of the layer, with its input tensors and its output tensor.
Calling the same layer again records another node (a shared layer: one set of weights, two
uses). ``minicnn.Model(inputs, outputs)`` walks these records back from the outputs.
"""
from ..checks import shape_tuple


class SymbolicTensor:
    """A placeholder for a batch of activations: ``shape`` has ``None`` for the batch axis;
    ``node`` is the layer application that produces it (None for an ``Input``)."""

    def __init__(self, shape, node=None, name=None, dtype="float32"):
        self.shape = (None,) + tuple(shape)
        self.dtype = dtype
        self.name = name
        self.node = node

    @property
    def _layer(self):
        return None if self.node is None else self.node.layer

    def __repr__(self):
        source = "Input" if self.node is None else self.node.layer.name or type(self.node.layer).__name__
        return f"<{type(self).__name__} shape={self.shape}, dtype={self.dtype}, source={source}>"


class Node:
    """One application of ``layer`` to ``inputs`` (a list of SymbolicTensors), giving ``output``."""

    def __init__(self, layer, inputs, output_shape, tensor_class):
        self.layer, self.inputs = layer, list(inputs)
        self.output = tensor_class(output_shape, self, dtype=self.inputs[0].dtype)

    def __repr__(self):
        return f"Node({self.layer.name}, inputs={[t.shape for t in self.inputs]})"


def Input(shape=None, name=None, dtype="float32"):
    """A symbolic model input of ``shape`` (no batch axis), e.g. ``Input((32, 32, 3))``."""
    if shape is None:
        raise ValueError("Input needs shape=, e.g. Input(shape=(28, 28, 1))")
    return SymbolicTensor(shape_tuple(shape, "Input(shape=...)"), name=name, dtype=dtype)


def is_symbolic(inputs):
    if isinstance(inputs, SymbolicTensor):
        return True
    return isinstance(inputs, (list, tuple)) and len(inputs) > 0 and all(isinstance(t, SymbolicTensor)
                                                                        for t in inputs)


def connect(layer, inputs):
    """Apply ``layer`` to symbolic ``inputs`` (one tensor, or a list for a merge layer): build the
    layer for their shapes, record the node, return its output tensor."""
    several = isinstance(inputs, (list, tuple))
    if several != layer.multi_input:
        expected = "a list of tensors" if layer.multi_input else "one tensor"
        raise ValueError(f"layer {layer.name or type(layer).__name__} takes {expected}, got {inputs!r}")
    tensors = list(inputs) if several else [inputs]
    shapes = [tuple(t.shape[1:]) for t in tensors]
    shape = shapes if several else shapes[0]
    if layer.built:
        if layer.input_shape != shape:
            raise ValueError(f"layer {layer.name or type(layer).__name__} was built for inputs of shape "
                             f"{_batch_shapes(layer.input_shape)}, got {_batch_shapes(shape)}")
        out_shape = layer.output_shape
    else:
        out_shape = layer.build(shape)
    out = Node(layer, tensors, out_shape, type(tensors[0])).output
    if getattr(layer, "_call_output", None) is None:  # layer.input / layer.output: its first call's
        layer._call_input, layer._call_output = inputs, out
    return out


def _batch_shapes(shape):
    if isinstance(shape, list):
        return [(None,) + tuple(s) for s in shape]
    return (None,) + tuple(shape)
