"""Conv2D: 2-D convolution over NHWC inputs with a Keras-layout kernel (kh, kw, C, F).

Forward (per chunk of the batch, see ``minicnn.kernels.conv``):

    cols = im2col(x)                       # (N*out_h*out_w, kh*kw*C)
    z    = cols @ K + bias                 # K = kernel.reshape(kh*kw*C, F)
    y    = activation(z)

Backward, with ``dZ = dL/dz`` reshaped to (N*out_h*out_w, F):

    dL/dkernel = (cols^T @ dZ).reshape(kh, kw, C, F)
    dL/dbias   = sum of dZ over rows
    dL/dx      = col2im(dZ @ K^T)          # col2im is the adjoint of im2col
               = conv(pad(dZ), flip(K))    # stride 1: a convolution with the flipped kernel

Fast paths (same numbers up to float32 rounding, in ``minicnn.kernels.conv``): the bias and a
ReLU are applied in one pass in place (for a ReLU layer ``logits`` is then None and the ReLU output
is kept for the mask), and the ReLU mask and the bias gradient in one pass on the way back; for
stride 1 and 'same' padding dx may be computed as the convolution of dZ with the flipped kernel
(the same dx, without col2im); a 3x3 stride-1 convolution with 32 or more channels in and out is
computed by Winograd F(4x4, 3x3) (``minicnn.kernels.winograd``, the same three gradients by the
chain rule through its transforms). The input gradient is skipped when ``needs_input_grad`` is False
(a model's first layer). Chunking, threads and scratch buffers live in the kernels.
"""
import numpy as np

from ..checks import positive_int
from ..kernels.conv import ConvWorkspace, conv2d_backward, conv2d_forward
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
        self._work = ConvWorkspace()  # what the kernels carry from forward to backward (the columns)

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        h, w, _ = input_shape
        self.geom = WindowGeometry(h, w, self.kernel_size, self.strides, self.padding)
        return self.geom.out_h, self.geom.out_w, self.filters

    def build(self, input_shape):
        out = super().build(input_shape)
        self._add_kernel_and_bias(self.kernel_size + (input_shape[2], self.filters), self.filters)
        return out

    def forward(self, x, training=False):
        self.check_input(x)
        self.x = np.ascontiguousarray(x, dtype=self.dtype)
        relu = self.activation == "relu"
        z = conv2d_forward(self.x, self.params["kernel"], self.params["bias"] if self.use_bias else None, relu,
                           self.geom, self._work)
        return self._output(z, training, relu_applied=relu)

    def _backward(self, dy, y, relu):
        """Gradients from the output gradient ``dy``; with ``relu`` it is masked by ``y > 0`` first
        (fused with the bias gradient); dx only if ``needs_input_grad``."""
        dk, db, dx = conv2d_backward(dy, y, relu, self.x, self.params["kernel"], self.geom, self._work,
                                     input_grad=self.needs_input_grad)
        self.grads["kernel"][...] = dk
        if self.use_bias:
            self.grads["bias"][...] = db
        return dx

    def get_config(self):
        return {**super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
                "strides": list(self.strides), "padding": self.padding, "activation": self.activation,
                **self._kernel_bias_config()}
