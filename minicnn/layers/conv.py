"""Conv2D: 2-D convolution over NHWC inputs with a Keras-layout kernel (kh, kw, C, F).

Forward (per chunk of the batch, see ``minicnn.kernels.conv``):

    cols = im2col(x)                       # (N*out_h*out_w, kh*kw*C)
    z    = cols @ K + bias                 # K = kernel.reshape(kh*kw*C, F)
    y    = activation(z)

Backward, with ``dZ = dL/dz`` reshaped to (N*out_h*out_w, F):

    dL/dkernel = (cols^T @ dZ).reshape(kh, kw, C, F)
    dL/dbias   = sum of dZ over rows
    dL/dx      = col2im(dZ @ K^T)          # col2im is the adjoint of im2col

Fast paths (same numbers up to float32 rounding): the bias and a ReLU are applied in one pass in
place (``kernels.fused.bias_act``; for a ReLU layer ``logits`` is then None and the ReLU output is
kept for the mask), and the ReLU mask and the bias gradient in one pass on the way back. The input
gradient is skipped when ``needs_input_grad`` is False (a model's first layer).
"""
import numpy as np

from .. import initializers
from ..kernels import col2im, im2col
from ..kernels.blas import matmul
from ..kernels.conv import samples_per_chunk
from ..kernels.fused import bias_act, relu_mask_bias_grad
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
        self._cols = None          # the last chunk's columns (a view of _cols_base)
        self._cols_base = None     # reusable im2col buffer
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

    @property
    def _fused_relu(self):
        return self.activation == "relu"

    def forward(self, x, training=False):
        self.check_input(x)
        x = np.ascontiguousarray(x, dtype=self.dtype)
        self.x = x
        n = x.shape[0]
        g = self.geom
        bias = self.params["bias"] if self.use_bias else None
        relu = self._fused_relu
        k2d = self.params["kernel"].reshape(-1, self.filters)
        step = self._chunk(n)
        z = np.empty((n, g.out_h, g.out_w, self.filters), dtype=self.dtype)
        for start in range(0, n, step):
            cols = self._im2col(x[start:start + step])
            matmul(cols, k2d, out=z[start:start + step].reshape(-1, self.filters))
        self._cols_cached = step >= n
        bias_act(z.reshape(-1, self.filters), bias, relu)
        if relu:  # ReLU applied in place above: z is the layer's output
            self.logits, self.y = None, z
            return z
        return self._activate(z, training)

    def backward(self, dy):
        if not self._fused_relu:
            return super().backward(dy)
        return self._backward(dy, self.y, True)

    def backward_logits(self, dz):
        return self._backward(dz, None, False)

    def _backward(self, dy, y, relu):
        """Gradients from the output gradient ``dy``; with ``relu`` it is masked by ``y > 0`` first."""
        x = self.x
        n = x.shape[0]
        g = self.geom
        dy = np.ascontiguousarray(dy, dtype=self.dtype)
        dz, db = relu_mask_bias_grad(dy.reshape(-1, self.filters), None if y is None else y.reshape(-1, self.filters),
                                     relu, dz=self._dz_buffer(dy.size))
        if self.use_bias:
            self.grads["bias"][...] = db
        k2d = self.params["kernel"].reshape(-1, self.filters)
        dk = self.grads["kernel"].reshape(k2d.shape)
        step = self._chunk(n)
        rows = g.out_h * g.out_w
        for start in range(0, n, step):
            cols = self._cols if self._cols_cached else self._im2col(x[start:start + step])
            dz2d = dz[start * rows:(start + step) * rows]
            if start == 0:
                matmul(cols.T, dz2d, out=dk)
            else:
                dk += matmul(cols.T, dz2d)
        return self._input_grad(dz, n, x.shape) if self.needs_input_grad else None

    def _input_grad(self, dz, n, x_shape):
        """dx = col2im(dZ @ K^T), chunk by chunk (the column buffer is reused)."""
        g = self.geom
        k2d_t = self.params["kernel"].reshape(-1, self.filters).T
        dx = np.empty(x_shape, dtype=self.dtype)
        step = self._chunk(n)
        rows = g.out_h * g.out_w
        for start in range(0, n, step):
            stop = min(start + step, n)
            dcols = self._dcols_buffer((stop - start) * rows, k2d_t.shape[1])
            matmul(dz[start * rows:stop * rows], k2d_t, out=dcols)
            col2im(dcols, (stop - start,) + x_shape[1:], g, out=dx[start:stop])
        return dx

    def _im2col(self, x_chunk):
        """Columns of ``x_chunk`` in the layer's reusable buffer (sized for the largest chunk)."""
        g = self.geom
        size = x_chunk.shape[0] * g.out_h * g.out_w * g.kh * g.kw * x_chunk.shape[3]
        if self._cols_base is None or self._cols_base.size < size or self._cols_base.dtype != self.dtype:
            self._cols_base = np.empty(size, dtype=self.dtype)
        self._cols = im2col(x_chunk, g, out=self._cols_base)
        return self._cols

    def _dz_buffer(self, size):
        """Scratch for the masked output gradient, reused across steps (never returned)."""
        buf = getattr(self, "_dz", None)
        if buf is None or buf.size < size or buf.dtype != self.dtype:
            buf = self._dz = np.empty(size, dtype=self.dtype)
        return buf[:size].reshape(-1, self.filters)

    def _dcols_buffer(self, rows, width):
        """Scratch for dZ @ K^T, reused across steps (col2im consumes it at once)."""
        size = rows * width
        buf = getattr(self, "_dcols", None)
        if buf is None or buf.size < size or buf.dtype != self.dtype:
            buf = self._dcols = np.empty(size, dtype=self.dtype)
        return buf[:size].reshape(rows, width)

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding, "activation": self.activation,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "bias_initializer": self.bias_initializer}
