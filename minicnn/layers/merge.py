"""Merge layers: several inputs of one shape, one output (Keras's names).

Each takes a list ``[x_1, ..., x_n]`` of arrays of the same shape (N, ...) (Concatenate: equal
except along ``axis``) and returns ``y``; ``backward(dy)`` returns the list ``[dx_1, ..., dx_n]``.

* Add:         ``y = sum_i x_i``                 ``dx_i = dy``
* Subtract:    ``y = x_1 - x_2``                 ``dx_1 = dy,  dx_2 = -dy``
* Multiply:    ``y = prod_i x_i``                ``dx_i = dy * prod_{j != i} x_j``
* Average:     ``y = (1/n) sum_i x_i``           ``dx_i = dy / n``
* Maximum:     ``y = max_i x_i``                 ``dx_i = dy * [i = argmax_j x_j]`` (ties: the first)
* Concatenate: ``y = [x_1 | ... | x_n]`` along ``axis``; ``dx_i`` = the slice of ``dy`` that ``x_i``
  filled.

In a graph model a merge layer is where branches meet; where one tensor feeds several layers,
the model adds up their gradients (the fan-out rule, ``minicnn.models.graph``). Gradients are
returned without copying (Add hands every input the same ``dy``): layers never write into the
gradient they receive.
"""
import numpy as np

from .base import Layer


class MergeLayer(Layer):
    """Base of the merge layers: ``build`` takes the list of input shapes."""

    multi_input = True
    #: fewest inputs the layer takes (Subtract: exactly 2)
    min_inputs = 1

    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(f"{type(self).__name__} takes a list of inputs, got an input shape of {input_shape!r}")
        shapes = [tuple(int(d) for d in s) for s in input_shape]
        if len(shapes) < self.min_inputs:
            raise ValueError(f"{type(self).__name__} needs at least {self.min_inputs} inputs, got {len(shapes)}")
        self.input_shape = shapes
        self.output_shape = tuple(self.compute_output_shape(shapes))
        self.built = True
        return self.output_shape

    def compute_output_shape(self, shapes):
        if any(s != shapes[0] for s in shapes):
            raise ValueError(f"{type(self).__name__} needs inputs of one shape, got "
                             f"{[(None,) + s for s in shapes]}")
        return shapes[0]

    def check_input(self, xs):
        if not isinstance(xs, (list, tuple)):
            raise ValueError(f"{type(self).__name__} takes a list of arrays, got {type(xs).__name__}")
        if not self.built:
            self.build([x.shape[1:] for x in xs])
        got = [tuple(x.shape[1:]) for x in xs]
        if got != self.input_shape or len({x.shape[0] for x in xs}) != 1:
            raise ValueError(f"layer {self.name or type(self).__name__} expects inputs of shapes "
                             f"{[(None,) + s for s in self.input_shape]}, got {[x.shape for x in xs]}")



def _sum(xs):
    """``x_1 + ... + x_n`` in a new array (the inputs are never written)."""
    y = xs[0] + xs[1] if len(xs) > 1 else xs[0].copy()
    for x in xs[2:]:
        y += x
    return y


class Add(MergeLayer):
    def forward(self, xs, training=False):
        self.check_input(xs)
        self.n = len(xs)
        return _sum(xs)

    def backward(self, dy):
        return [dy] * self.n


class Subtract(MergeLayer):
    min_inputs = 2

    def compute_output_shape(self, shapes):
        if len(shapes) != 2:
            raise ValueError(f"Subtract takes exactly 2 inputs, got {len(shapes)}")
        return super().compute_output_shape(shapes)

    def forward(self, xs, training=False):
        self.check_input(xs)
        return xs[0] - xs[1]

    def backward(self, dy):
        return [dy, -dy]


class Multiply(MergeLayer):
    def forward(self, xs, training=False):
        self.check_input(xs)
        self.xs = list(xs)
        y = xs[0].copy()
        for x in xs[1:]:
            y *= x
        return y

    def backward(self, dy):
        grads = []
        for i in range(len(self.xs)):
            g = dy.copy()
            for j, x in enumerate(self.xs):
                if j != i:
                    g *= x
            grads.append(g)
        return grads


class Average(MergeLayer):
    def forward(self, xs, training=False):
        self.check_input(xs)
        self.n = len(xs)
        y = _sum(xs)
        y *= y.dtype.type(1.0 / self.n)
        return y

    def backward(self, dy):
        d = dy * dy.dtype.type(1.0 / self.n)
        return [d] * self.n


class Maximum(MergeLayer):
    """Element-wise maximum; the gradient goes to the first input holding the maximum. Its kink
    is where two inputs are equal: ``kink_state`` is the winner index of the last forward."""

    def forward(self, xs, training=False):
        self.check_input(xs)
        self.winner = np.argmax(np.stack(xs), axis=0).astype(np.int8 if len(xs) < 128 else np.int32)
        return np.maximum.reduce(xs)

    def backward(self, dy):
        zero = dy.dtype.type(0)
        return [np.where(self.winner == i, dy, zero) for i in range(len(self.input_shape))]

    def kink_state(self):
        return [self.winner]


class Concatenate(MergeLayer):
    """Concatenation along ``axis`` (Keras's: counted with the batch axis, default -1)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
            raise ValueError(f"Concatenate axis must be an integer, got {axis!r}")
        self.axis = int(axis)

    def _feature_axis(self, rank):
        """The axis within a sample's shape (no batch axis)."""
        axis = self.axis + rank + 1 if self.axis < 0 else self.axis
        if not 1 <= axis <= rank:
            raise ValueError(f"Concatenate(axis={self.axis}) does not fit inputs of rank {rank + 1} "
                             "(the batch axis cannot be concatenated)")
        return axis - 1

    def compute_output_shape(self, shapes):
        ranks = {len(s) for s in shapes}
        if len(ranks) != 1:
            raise ValueError(f"Concatenate needs inputs of one rank, got {[(None,) + s for s in shapes]}")
        a = self._feature_axis(ranks.pop())
        rest = {s[:a] + s[a + 1:] for s in shapes}
        if len(rest) != 1:
            raise ValueError(f"Concatenate(axis={self.axis}) needs inputs whose shapes match except along the "
                             f"axis, got {[(None,) + s for s in shapes]}")
        out = list(shapes[0])
        out[a] = sum(s[a] for s in shapes)
        return tuple(out)

    def forward(self, xs, training=False):
        self.check_input(xs)
        a = self._feature_axis(len(self.input_shape[0])) + 1
        self.bounds = np.cumsum([0] + [x.shape[a] for x in xs])
        return np.concatenate(xs, axis=a)

    def backward(self, dy):
        a = self._feature_axis(len(self.input_shape[0])) + 1
        index = [slice(None)] * dy.ndim
        grads = []
        for start, stop in zip(self.bounds[:-1], self.bounds[1:]):
            index[a] = slice(int(start), int(stop))
            grads.append(dy[tuple(index)])
        return grads

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def _merge(cls, inputs, **kwargs):
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"{cls.__name__.lower()}() takes a list of inputs, got {type(inputs).__name__}")
    return cls(**kwargs)(list(inputs))


def add(inputs, **kwargs):
    """``Add()(inputs)``."""
    return _merge(Add, inputs, **kwargs)


def subtract(inputs, **kwargs):
    """``Subtract()(inputs)``."""
    return _merge(Subtract, inputs, **kwargs)


def multiply(inputs, **kwargs):
    """``Multiply()(inputs)``."""
    return _merge(Multiply, inputs, **kwargs)


def average(inputs, **kwargs):
    """``Average()(inputs)``."""
    return _merge(Average, inputs, **kwargs)


def maximum(inputs, **kwargs):
    """``Maximum()(inputs)``."""
    return _merge(Maximum, inputs, **kwargs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis)(inputs)``."""
    return _merge(Concatenate, inputs, axis=axis, **kwargs)
