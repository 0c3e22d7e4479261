"""Dense (fully connected) and Flatten.

Dense over the last axis, kernel (in, out) as in Keras:

    z = x @ kernel + bias;  y = activation(z)
    dL/dkernel = x^T @ dZ;  dL/dbias = sum_rows dZ;  dL/dx = dZ @ kernel^T

Flatten: ``(N, H, W, C) -> (N, H*W*C)`` in C order (as Keras with channels_last); backward
reshapes the gradient back.
"""
import numpy as np

from .. import initializers
from .base import ActivationMixin, Layer


class Dense(ActivationMixin, Layer):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(units, (int, np.integer)) or units < 1:
            raise ValueError(f"units must be a positive int, got {units!r}")
        self.units = int(units)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self._init_activation(activation)

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError("Dense expects inputs with at least one feature axis, got a scalar per sample")
        return tuple(input_shape[:-1]) + (self.units,)

    def build(self, input_shape):
        out = super().build(input_shape)
        self.add_param("kernel", initializers.initialize(self.kernel_initializer,
                                                         (input_shape[-1], self.units), self.dtype))
        if self.use_bias:
            self.add_param("bias", initializers.initialize(self.bias_initializer, (self.units,), self.dtype))
        return out

    def forward(self, x, training=False):
        self.check_input(x)
        self.x = np.asarray(x, dtype=self.dtype)
        z = self.x @ self.params["kernel"]
        if self.use_bias:
            z += self.params["bias"]
        return self._activate(z, training)

    def backward_logits(self, dz):
        x2d = self.x.reshape(-1, self.x.shape[-1])
        dz2d = dz.reshape(-1, self.units)
        np.matmul(x2d.T, dz2d, out=self.grads["kernel"])
        if self.use_bias:
            dz2d.sum(axis=0, out=self.grads["bias"])
        return dz @ self.params["kernel"].T if self.needs_input_grad else None

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}


class Flatten(Layer):
    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        self.check_input(x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return dy.reshape(self.x_shape)
