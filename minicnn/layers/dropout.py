"""Dropout (inverted): in training each unit is kept with probability ``1 - rate`` and scaled by
``1 / (1 - rate)``, so the expectation is unchanged; at inference it is the identity.

    mask = (u >= rate) / (1 - rate),  u ~ U[0, 1);   y = x * mask;   dx = dy * mask
"""
import numpy as np

from ..rng import new_generator
from .base import Layer


class Dropout(Layer):
    stochastic = True

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"Dropout rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.seed = seed
        self.rng = new_generator(seed)
        self.mask = None

    def forward(self, x, training=False):
        self.check_input(x)
        if not training or self.rate == 0.0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=np.float32) >= self.rate
        self.mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - self.rate))
        return x * self.mask

    def backward(self, dy):
        return dy if self.mask is None else dy * self.mask

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
