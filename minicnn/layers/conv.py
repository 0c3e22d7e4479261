"""Conv2D: 2-D convolution over NHWC inputs with a Keras-layout kernel (kh, kw, C, F).

Forward (per chunk of the batch, see ``minicnn.kernels.conv``):

    cols = im2col(x)                       # (N*out_h*out_w, kh*kw*C)
    z    = cols @ K + bias                 # K = kernel.reshape(kh*kw*C, F)
    y    = activation(z)

Backward, with ``dZ = dL/dz`` reshaped to (N*out_h*out_w, F):

    dL/dkernel = (cols^T @ dZ).reshape(kh, kw, C, F)
    dL/dbias   = sum of dZ over rows
    dL/dx      = col2im(dZ @ K^T)          # col2im is the adjoint of im2col
"""
import numpy as np

from .. import initializers
from ..kernels import col2im, im2col
from ..kernels.conv import samples_per_chunk
from ..kernels.padding import WindowGeometry, normalize_padding, normalize_tuple
from .base import ActivationMixin, Layer


class Conv2D(ActivationMixin, Layer):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(filters, (int, np.integer)) or filters < 1:
            raise ValueError(f"filters must be a positive int, got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self._init_activation(activation)
        self._cols = None          # reusable im2col buffer
        self._cols_cached = False  # True when _cols holds the whole batch's columns

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        h, w, _ = input_shape
        self.geom = WindowGeometry(h, w, self.kernel_size, self.strides, self.padding)
        return self.geom.out_h, self.geom.out_w, self.filters

    def build(self, input_shape):
        out = super().build(input_shape)
        shape = self.kernel_size + (input_shape[2], self.filters)
        self.add_param("kernel", initializers.initialize(self.kernel_initializer, shape, self.dtype))
        if self.use_bias:
            self.add_param("bias", initializers.initialize(self.bias_initializer, (self.filters,), self.dtype))
        return out

    def _chunk(self, n):
        return samples_per_chunk(n, self.geom, self.input_shape[2], self.dtype.itemsize)

    def forward(self, x, training=False):
        self.check_input(x)
        x = np.ascontiguousarray(x, dtype=self.dtype)
        self.x = x
        n = x.shape[0]
        g = self.geom
        k2d = self.params["kernel"].reshape(-1, self.filters)
        step = self._chunk(n)
        z = np.empty((n, g.out_h, g.out_w, self.filters), dtype=self.dtype)
        for start in range(0, n, step):
            self._cols = im2col(x[start:start + step], g, out=self._cols)
            np.matmul(self._cols, k2d, out=z[start:start + step].reshape(-1, self.filters))
        self._cols_cached = step >= n
        if self.use_bias:
            z += self.params["bias"]
        return self._activate(z, training)

    def backward_logits(self, dz):
        x = self.x
        n = x.shape[0]
        g = self.geom
        k2d = self.params["kernel"].reshape(-1, self.filters)
        dz = np.ascontiguousarray(dz, dtype=self.dtype)
        dk = np.zeros_like(k2d)
        dx = np.empty_like(x) if self.needs_input_grad else None
        step = self._chunk(n)
        for start in range(0, n, step):
            cols = self._cols if self._cols_cached else im2col(x[start:start + step], g, out=self._cols)
            self._cols = cols
            dz2d = dz[start:start + step].reshape(-1, self.filters)
            dk += cols.T @ dz2d
            if dx is not None:
                col2im(dz2d @ k2d.T, x[start:start + step].shape, g, out=dx[start:start + step])
        self.grads["kernel"][...] = dk.reshape(self.params["kernel"].shape)
        if self.use_bias:
            self.grads["bias"][...] = dz.reshape(-1, self.filters).sum(axis=0)
        return dx

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding, "activation": self.activation,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}
