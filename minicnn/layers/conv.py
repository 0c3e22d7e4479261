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
gradient is skipped when ``needs_input_grad`` is False (a model's first layer). The batch is
processed in cache-sized chunks (``kernels.conv.COLS_BUDGET_BYTES``), spread over
``kernels.parallel.WORKERS`` threads when there are several.
"""
import numpy as np

from ..checks import positive_int
from ..kernels import col2im, im2col
from ..kernels.blas import matmul
from ..kernels.conv import samples_per_chunk
from ..kernels.fused import bias_act, relu_mask_bias_grad
from ..kernels.parallel import chunk_bounds, map_chunks, shared_scratch
from ..kernels.padding import WindowGeometry, normalize_padding, normalize_tuple
from .base import ActivationMixin, KernelBiasMixin, Layer


class Conv2D(ActivationMixin, KernelBiasMixin, Layer):
    def __init__(self, filters, kernel_size, strides=1, padding="valid", activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, activity_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.filters = positive_int(filters, "filters")
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding)
        self._init_kernel_bias(use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                               kernel_constraint, bias_constraint, activity_regularizer)
        self._init_activation(activation)
        self._cols = None          # the last forward's columns when it was one chunk
        self._cols_base = None     # the columns buffer kept for a one-chunk forward
        self._cols_cached = False  # True when _cols holds the whole batch's columns

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        h, w, _ = input_shape
        self.geom = WindowGeometry(h, w, self.kernel_size, self.strides, self.padding)
        return self.geom.out_h, self.geom.out_w, self.filters

    def build(self, input_shape):
        out = super().build(input_shape)
        self._add_kernel_and_bias(self.kernel_size + (input_shape[2], self.filters), self.filters)
        return out

    def _chunk(self, n):
        return samples_per_chunk(n, self.geom, self.input_shape[2], self.dtype.itemsize)

    def forward(self, x, training=False):
        self.check_input(x)
        x = np.ascontiguousarray(x, dtype=self.dtype)
        self.x = x
        n = x.shape[0]
        g = self.geom
        bias = self.params["bias"] if self.use_bias else None
        relu = self.activation == "relu"
        k2d = self.params["kernel"].reshape(-1, self.filters)
        z = np.empty((n, g.out_h, g.out_w, self.filters), dtype=self.dtype)
        chunks = chunk_bounds(n, self._chunk(n))
        self._cols_cached = len(chunks) == 1  # one chunk: its columns are kept for backward

        def run(chunk, worker):
            start, stop = chunk
            cols = self._im2col(x[start:stop], worker)
            z2d = z[start:stop].reshape(-1, self.filters)
            if len(chunks) == 1:
                matmul(cols, k2d, out=z2d)
            else:
                np.matmul(cols, k2d, out=z2d)
            bias_act(z2d, bias, relu)

        map_chunks(run, chunks)
        return self._output(z, training, relu_applied=relu)

    def _backward(self, dy, y, relu):
        """Gradients from the output gradient ``dy``; with ``relu`` it is masked by ``y > 0`` first
        (fused with the bias gradient). Chunk by chunk: columns (recomputed unless cached), the
        kernel gradient, and dx = col2im(dZ @ K^T) unless ``needs_input_grad`` is False."""
        x = self.x
        n = x.shape[0]
        g = self.geom
        f = self.filters
        dy = np.ascontiguousarray(dy, dtype=self.dtype)
        k2d = self.params["kernel"].reshape(-1, f)
        dx = np.empty_like(x) if self.needs_input_grad else None
        chunks = chunk_bounds(n, self._chunk(n))
        gemm = matmul if len(chunks) == 1 else np.matmul

        def run(chunk, worker):
            start, stop = chunk
            dy2d = dy[start:stop].reshape(-1, f)
            dz2d, db = relu_mask_bias_grad(dy2d, None if y is None else y[start:stop].reshape(-1, f), relu,
                                           dz=self._scratch("dz", worker, dy2d.shape))
            cols = self._cols if self._cols_cached else self._im2col(x[start:stop], worker)
            dk = gemm(cols.T, dz2d)
            if dx is not None:
                dcols = gemm(dz2d, k2d.T, out=self._scratch("dcols", worker, (dz2d.shape[0], k2d.shape[0])))
                col2im(dcols, (stop - start,) + x.shape[1:], g, out=dx[start:stop])
            return dk, db

        parts = map_chunks(run, chunks)
        dk = parts[0][0]
        db = parts[0][1]
        for dk_part, db_part in parts[1:]:
            dk += dk_part
            db += db_part
        self.grads["kernel"][...] = dk.reshape(self.params["kernel"].shape)
        if self.use_bias:
            self.grads["bias"][...] = db
        return dx

    def _scratch(self, name, worker, shape):
        """Scratch reused across steps and never returned: shared by all layers
        (``kernels.parallel.shared_scratch``), except the columns of a one-chunk forward, which
        the layer keeps for its backward pass."""
        if name != "cols" or not self._cols_cached:
            return shared_scratch(name, worker, shape, self.dtype)
        size = int(np.prod(shape))
        if self._cols_base is None or self._cols_base.size < size or self._cols_base.dtype != self.dtype:
            self._cols_base = np.empty(size, dtype=self.dtype)
        return self._cols_base[:size].reshape(shape)

    def _im2col(self, x_chunk, worker=0):
        """Columns of ``x_chunk`` in a reusable buffer (see :meth:`_scratch`)."""
        g = self.geom
        rows = x_chunk.shape[0] * g.out_h * g.out_w
        cols = im2col(x_chunk, g, out=self._scratch("cols", worker, (rows, g.kh * g.kw * x_chunk.shape[3])))
        if worker == 0:
            self._cols = cols
        return cols

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding, "activation": self.activation,
                **self._kernel_bias_config()}
