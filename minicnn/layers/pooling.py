"""Pooling layers over NHWC inputs.

* ``MaxPooling2D`` (alias ``MaxPool2D``): max over each window; backward sends each window's
  gradient to its first maximum only, so ties never double-count.
* ``AveragePooling2D``: mean over the real pixels of each window ('same' padding not counted).
* ``GlobalMaxPooling2D`` / ``GlobalAveragePooling2D``: over all of H and W, ``(N, H, W, C) -> (N, C)``.
"""
import numpy as np

from ..kernels import avg_pool, avg_pool_backward, max_pool, max_pool_backward
from ..kernels.pooling import is_2x2, max_pool_2x2, max_pool_2x2_backward
from ..kernels.padding import WindowGeometry, normalize_padding, normalize_tuple
from .base import Layer


class _Pooling2D(Layer):
    def __init__(self, pool_size=2, strides=None, padding="valid", **kwargs):
        super().__init__(**kwargs)
        self.pool_size = normalize_tuple(pool_size, 2, "pool_size")
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, 2, "strides")
        self.padding = normalize_padding(padding)

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        h, w, c = input_shape
        self.geom = WindowGeometry(h, w, self.pool_size, self.strides, self.padding)
        return self.geom.out_h, self.geom.out_w, c

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "strides": list(self.strides),
                "padding": self.padding}


class MaxPooling2D(_Pooling2D):
    """2x2 windows with stride 2 and no padding take a fast path that keeps the winner's position
    inside its window (int8) instead of a flat index; the results are the same."""

    def forward(self, x, training=False):
        self.check_input(x)
        self.x_shape = x.shape
        self._fast = is_2x2(self.geom)
        if self._fast:
            y, self.which = max_pool_2x2(np.asarray(x))
            self.argmax = None
        else:
            y, self.argmax = max_pool(np.asarray(x), self.geom)
        return y

    def backward(self, dy):
        if self._fast:
            return max_pool_2x2_backward(dy, self.which, self.x_shape)
        return max_pool_backward(dy, self.argmax, self.x_shape)

    def kink_state(self):
        """The winner of each window (position inside a 2x2 window on the fast path)."""
        if not hasattr(self, "_fast"):
            return []
        return [self.which if self._fast else self.argmax]


class AveragePooling2D(_Pooling2D):
    def forward(self, x, training=False):
        self.check_input(x)
        self.x_shape = x.shape
        return avg_pool(np.asarray(x), self.geom)

    def backward(self, dy):
        return avg_pool_backward(dy, self.x_shape, self.geom)


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D


class _GlobalPooling2D(Layer):
    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        return (input_shape[2],)


class GlobalAveragePooling2D(_GlobalPooling2D):
    """y = mean over H, W;  dx = dy / (H*W) broadcast over H, W."""

    def forward(self, x, training=False):
        self.check_input(x)
        self.x_shape = x.shape
        return x.mean(axis=(1, 2))

    def backward(self, dy):
        n, h, w, c = self.x_shape
        return np.broadcast_to((dy / (h * w))[:, None, None, :], self.x_shape).copy()


class GlobalMaxPooling2D(_GlobalPooling2D):
    """y = max over H, W;  dx = dy at the first maximum of each channel, 0 elsewhere."""

    def forward(self, x, training=False):
        self.check_input(x)
        n, h, w, c = self.x_shape = x.shape
        flat = x.reshape(n, h * w, c)
        self.argmax = flat.argmax(axis=1)                                   # (N, C)
        return np.take_along_axis(flat, self.argmax[:, None, :], axis=1)[:, 0, :]

    def backward(self, dy):
        n, h, w, c = self.x_shape
        dx = np.zeros((n, h * w, c), dtype=dy.dtype)
        np.put_along_axis(dx, self.argmax[:, None, :], dy[:, None, :], axis=1)
        return dx.reshape(self.x_shape)

    def kink_state(self):
        return [self.argmax] if hasattr(self, "argmax") else []
