"""Random regularization layers, active only in training (identity at inference), seeded like Dropout.

* ``SpatialDropout2D(rate)``: drops whole feature maps. One draw per sample and channel,
  inverted scaling as Dropout::

      mask[n, 0, 0, c] = (u[n, c] >= rate) / (1 - rate),  u ~ U[0, 1);   y = x * mask;   dx = dy * mask

  (``mask`` broadcasts over H and W.) Inputs are NHWC, ``(N, H, W, C)``.

* ``GaussianNoise(stddev)``: additive zero-mean noise, any input shape::

      y = x + stddev * z,  z ~ N(0, 1) drawn per element;   dx = dy

Both draw from their own generator ``self.rng`` (``seed=`` makes it repeatable; otherwise a child
of the global generator, so ``minicnn.set_seed`` repeats runs), and the gradient checks replay the
same draw for every evaluation.
"""
import numpy as np

from ..checks import real_number
from ..rng import new_generator
from .base import Layer
from .dropout import Dropout


class SpatialDropout2D(Dropout):
    """Dropout of whole channels of NHWC images. ``keep`` holds the last training mask's kept flags
    with shape (N, 1, 1, C); ``mask`` (from Dropout) is ``keep / (1 - rate)``."""

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        return input_shape

    def forward(self, x, training=False):
        self.check_input(x)
        if not training or self.rate == 0.0:
            self.keep = None
            return x
        n, _, _, c = x.shape
        self.keep = (self.rng.random((n, c), dtype=np.float32) >= self.rate).reshape(n, 1, 1, c)
        return x * self.mask.astype(x.dtype, copy=False)

    def backward(self, dy):
        return dy if self.keep is None else dy * self.mask.astype(dy.dtype, copy=False)


class GaussianNoise(Layer):
    """Adds ``stddev * N(0, 1)`` noise in training; ``stddev`` in [0, 1] as Keras requires."""

    stochastic = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = real_number(stddev, "GaussianNoise stddev", 0.0, 1.0)
        self.seed = seed
        self.rng = new_generator(seed)

    def forward(self, x, training=False):
        self.check_input(x)
        if not training or self.stddev == 0.0:
            return x
        noise = self.rng.standard_normal(x.shape, dtype=np.float32)
        return x + (noise * np.float32(self.stddev)).astype(x.dtype, copy=False)

    def backward(self, dy):
        return dy

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
