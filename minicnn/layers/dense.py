"""Dense (fully connected) and Flatten.

Dense over the last axis, kernel (in, out) as in Keras:

    z = x @ kernel + bias;  y = activation(z)
    dL/dkernel = x^T @ dZ;  dL/dbias = sum_rows dZ;  dL/dx = dZ @ kernel^T

Flatten: ``(N, H, W, C) -> (N, H*W*C)`` in C order (as Keras with channels_last); backward
reshapes the gradient back.

Fast path: the products go through ``kernels.blas.matmul`` (one BLAS thread for small products);
the bias and a ReLU are applied in one in-place pass (``logits`` is then None), and the ReLU mask
and the bias gradient in one pass on the way back.
"""
import numpy as np

from ..checks import positive_int
from ..kernels.blas import matmul
from ..kernels.fused import bias_act, relu_mask_bias_grad
from .base import ActivationMixin, KernelBiasMixin, Layer


class Dense(ActivationMixin, KernelBiasMixin, Layer):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, activity_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.units = positive_int(units, "units")
        self._init_kernel_bias(use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                               kernel_constraint, bias_constraint, activity_regularizer)
        self._init_activation(activation)

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 1:
            raise ValueError("Dense expects inputs with at least one feature axis, got a scalar per sample")
        return tuple(input_shape[:-1]) + (self.units,)

    def build(self, input_shape):
        out = super().build(input_shape)
        self._add_kernel_and_bias((input_shape[-1], self.units), self.units)
        return out

    def forward(self, x, training=False):
        self.check_input(x)
        self.x = np.asarray(x, dtype=self.dtype)
        x2d = self.x.reshape(-1, self.x.shape[-1])
        z = matmul(x2d, self.params["kernel"])
        relu = self.activation == "relu"
        bias_act(z, self.params["bias"] if self.use_bias else None, relu)
        z = z.reshape(self.x.shape[:-1] + (self.units,))
        return self._output(z, training, relu_applied=relu)

    def _backward(self, dy, y, relu):
        x2d = self.x.reshape(-1, self.x.shape[-1])
        dy2d = np.ascontiguousarray(dy, dtype=self.dtype).reshape(-1, self.units)
        if relu:
            dz2d, db = relu_mask_bias_grad(dy2d, y.reshape(-1, self.units), True, dz=self._dz_buffer(dy2d.shape))
        else:
            dz2d, db = dy2d, None
        matmul(x2d.T, dz2d, out=self.grads["kernel"])
        if self.use_bias:
            if db is None:
                dz2d.sum(axis=0, out=self.grads["bias"])
            else:
                self.grads["bias"][...] = db
        if not self.needs_input_grad:
            return None
        return matmul(dz2d, self.params["kernel"].T).reshape(self.x.shape)

    def _dz_buffer(self, shape):
        """Scratch for the masked gradient, reused across steps (never returned)."""
        buf = getattr(self, "_dz", None)
        size = shape[0] * shape[1]
        if buf is None or buf.size < size or buf.dtype != self.dtype:
            buf = self._dz = np.empty(size, dtype=self.dtype)
        return buf[:size].reshape(shape)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                **self._kernel_bias_config()}


class Flatten(Layer):
    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        self.check_input(x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy):
        return dy.reshape(self.x_shape)
