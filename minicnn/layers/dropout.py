"""Dropout (inverted): in training each unit is kept with probability ``1 - rate`` and scaled by
``1 / (1 - rate)``, so the expectation is unchanged; at inference it is the identity.

    mask = (u >= rate) / (1 - rate),  u ~ U[0, 1);   y = x * mask;   dx = dy * mask

with u drawn as 32 random bits per unit, ``u = (bits >> 8) / 2^24`` (uniform on [0, 1) in steps of
2^-24, the grid of NumPy's float32 uniform), and ``u >= rate`` tested on the integers.

The layer keeps the kept/dropped flags as uint8 (``keep``) and applies them with the scale in one
numba pass each way (``kernels.fused.dropout_apply``); ``mask`` rebuilds the float mask on demand.
"""
import numpy as np

from ..kernels.fused import dropout_apply, dropout_backward
from ..checks import real_number
from ..rng import new_generator, random_uint32
from .base import Layer


class Dropout(Layer):
    stochastic = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = real_number(rate, "Dropout rate", 0.0, 1.0, high_open=True)
        self.seed = seed
        self.rng = new_generator(seed)
        self.keep = None

    @property
    def mask(self):
        """The last training forward's ``keep / (1 - rate)`` (None after an inference call)."""
        if self.keep is None:
            return None
        return self.keep.astype(self.dtype) * self.dtype.type(1.0 / (1.0 - self.rate))

    def forward(self, x, training=False):
        self.check_input(x)
        if not training or self.rate == 0.0:
            self.keep = None
            return x
        bits = random_uint32(self.rng, x.shape)
        y, self.keep = dropout_apply(np.asarray(x, dtype=self.dtype), bits, self.rate)
        return y

    def backward(self, dy):
        return dy if self.keep is None else dropout_backward(np.asarray(dy, dtype=self.dtype), self.keep, self.rate)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
