"""The layer interface every minicnn layer implements.

A layer

* is configured by its constructor (Keras argument names) and sized by
  ``build(input_shape) -> output_shape`` (shapes without the batch axis);
* computes ``forward(x, training) -> y`` and keeps whatever its backward pass needs;
* computes ``backward(dy) -> dx`` for the most recent forward call, and writes the gradient
  of every parameter into ``grads`` (same keys as ``params``). It never updates weights:
  that is the optimizer's job, which only reads ``params`` and ``grads``;
* may hold non-trainable ``state`` (BatchNormalization's moving statistics).
"""
import re

import numpy as np

from ..checks import float_dtype, shape_tuple
from .symbolic import connect, is_symbolic


def snake_case(name):
    """``MaxPooling2D -> max_pooling2d``, ``BatchNormalization -> batch_normalization`` (Keras's names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("2_d", "2d")


class Layer:
    """Base class. Subclasses set ``params``/``grads``/``state`` in ``build`` and implement
    ``compute_output_shape``, ``forward``, ``backward`` and ``get_config``."""

    #: layers that draw random numbers (Dropout) set this and own ``self.rng``
    stochastic = False
    #: merge layers (``minicnn.layers.merge``) take a list of inputs and return a list of gradients
    multi_input = False

    def __init__(self, name=None, input_shape=None, dtype="float32", trainable=True):
        self.name = name
        self.input_shape = None if input_shape is None else shape_tuple(input_shape, "input_shape")
        self.output_shape = None
        self.dtype = float_dtype(dtype)
        self.trainable = bool(trainable)
        self.params = {}
        self.grads = {}
        self.state = {}
        self.built = False
        self._requested_input_shape = self.input_shape
        #: False for a model's first layer: its backward then skips the input gradient nobody uses
        self.needs_input_grad = True

    # ------------------------------------------------------------------ shapes
    def build(self, input_shape):
        """Create parameters for inputs of ``input_shape`` (no batch axis); return the output shape."""
        input_shape = shape_tuple(input_shape, "input_shape")
        if self._requested_input_shape is not None and input_shape != self._requested_input_shape:
            raise ValueError(f"layer {self.name or type(self).__name__} was declared with "
                             f"input_shape={self._requested_input_shape} but receives {input_shape}")
        self.input_shape = input_shape
        self.output_shape = tuple(self.compute_output_shape(input_shape))
        self.built = True
        return self.output_shape

    def compute_output_shape(self, input_shape):
        return input_shape

    def require_image_input(self, input_shape):
        """ValueError unless ``input_shape`` is (height, width, channels)."""
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} expects inputs of shape (batch, height, width, channels), "
                             f"got an input shape of {(None,) + tuple(input_shape)}")

    def check_input(self, x):
        """Raise a ValueError naming the expected and received shape when ``x`` doesn't fit."""
        if not self.built:
            self.build(x.shape[1:])
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"layer {self.name or type(self).__name__} expects inputs of shape "
                             f"(batch, {', '.join(map(str, self.input_shape))}), got {x.shape}")

    # ------------------------------------------------------------------ computation
    def forward(self, x, training=False):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def __call__(self, x, training=False):
        """On arrays: ``forward``. On symbolic tensors (``minicnn.Input``): a new graph node."""
        if is_symbolic(x):
            return connect(self, x)
        return self.forward(x, training=training)

    @property
    def input(self):
        """The symbolic input of the layer's first call (a list for a merge layer), as in Keras."""
        return self._symbolic("_call_input", "input")

    @property
    def output(self):
        """The symbolic output of the layer's first call: ``Model(inputs, layer.output)`` extracts it."""
        return self._symbolic("_call_output", "output")

    def _symbolic(self, attribute, what):
        value = getattr(self, attribute, None)
        if value is None:
            raise AttributeError(f"The layer {self.name or type(self).__name__} has never been called and thus has "
                                 f"no defined {what}.")
        return value

    # ------------------------------------------------------------------ parameters
    def add_param(self, key, value):
        self.params[key] = np.ascontiguousarray(value, dtype=self.dtype)
        self.grads[key] = np.zeros_like(self.params[key])

    def count_params(self):
        return int(sum(p.size for p in self.params.values()) + sum(s.size for s in self.state.values()))

    def count_trainable_params(self):
        return int(sum(p.size for p in self.params.values())) if self.trainable else 0

    def get_weights(self):
        """Parameters then state, in Keras's order for the layer (e.g. kernel, bias; gamma, beta,
        moving_mean, moving_variance)."""
        return [p.copy() for p in self.params.values()] + [s.copy() for s in self.state.values()]

    def set_weights(self, weights):
        targets = list(self.params.items()) + list(self.state.items())
        if len(weights) != len(targets):
            raise ValueError(f"layer {self.name} has {len(targets)} weight arrays "
                             f"({', '.join(k for k, _ in targets)}), got {len(weights)}")
        for (key, target), value in zip(targets, weights):
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(f"layer {self.name}: weight {key!r} has shape {target.shape}, got {value.shape}")
            if value.dtype.kind not in "fiu" or not np.isfinite(value).all():
                raise ValueError(f"layer {self.name}: weight {key!r} must be finite real numbers, got dtype "
                                 f"{value.dtype}" + ("" if value.dtype.kind not in "fiu" else " with NaN or inf"))
            target[...] = value

    def cast(self, dtype):
        """Convert parameters, gradients and state to ``dtype`` (float64 for gradient checks)."""
        self.dtype = float_dtype(dtype)
        for store in (self.params, self.grads, self.state):
            for key in store:
                store[key] = np.ascontiguousarray(store[key], dtype=self.dtype)
        return self

    # ------------------------------------------------------------------ config
    def get_config(self):
        """JSON-serialisable constructor arguments (Keras's names)."""
        config = {"name": self.name, "trainable": self.trainable}
        if self._requested_input_shape is not None:
            config["input_shape"] = list(self._requested_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, output_shape={self.output_shape})"


class ActivationMixin:
    """For layers with an ``activation=`` argument (Dense, Conv2D): ``forward`` applies the linear
    part then the activation; ``backward_logits`` starts from the gradient of the pre-activation,
    which the fused softmax cross-entropy provides. ``logits`` holds the last pre-activation.

    A ReLU is fused into the layer's own kernels: the layer applies it in place with the bias and
    passes ``relu_applied=True`` to :meth:`_output`; ``backward`` then hands the kept output to the
    layer's ``_backward(dy, y, relu)``, which masks ``dy`` by ``y > 0`` in the same pass as the bias
    gradient. Other activations run as separate layers."""

    def _init_activation(self, activation):
        from .activation import activation_layer
        self.activation = activation
        self._activation = activation_layer(activation)
        self.logits = None

    def _output(self, z, training, relu_applied):
        """The layer's output from the pre-activation ``z`` (already rectified if ``relu_applied``)."""
        if relu_applied:  # z is the output, kept for the backward mask
            self.logits, self.y = None, z
            return z
        self.logits = z
        return z if self._activation is None else self._activation.forward(z, training)

    def backward(self, dy):
        if self.activation == "relu":
            return self._backward(dy, self.y, True)
        dz = dy if self._activation is None else self._activation.backward(dy)
        return self.backward_logits(dz)

    def backward_logits(self, dz):
        return self._backward(dz, None, False)

    @property
    def ends_in_softmax(self):
        return self.activation == "softmax"
