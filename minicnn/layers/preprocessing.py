"""Keras 3's random image preprocessing layers: active only in training, the identity at inference.

Each draws its random numbers from its own generator (``seed``, else a child of minicnn's global
one, like Dropout) and applies, per image of the batch (b, h, w, c):

* ``RandomFlip(mode)``: with probability 1/2 the image is mirrored; for
  'horizontal_and_vertical' (the default) one draw flips both axes together, as Keras 3 does.
* ``RandomTranslation(height_factor, width_factor)``: a shift by (dy, dx) = (u_h * h, u_w * w),
  u drawn uniformly from the factor's range: output (i, j) samples input (i - dy, j - dx).
* ``RandomRotation(factor)``: a rotation by theta = 360 u degrees about the centre
  (c_r, c_c) = ((h - 1) / 2, (w - 1) / 2): input col = cos t (j - c_c) - sin t (i - c_r) + c_c,
  input row = sin t (j - c_c) + cos t (i - c_r) + c_r.
* ``RandomZoom(height_factor, width_factor=None)``: zoom z = 1 + u per axis (the same z for
  both without ``width_factor``): input row = z_h (i - c_r) + c_r (z > 1 shows more of the image).
* ``RandomContrast(factor, value_range=(0, 255))``: y = clip((x - m) f + m, value_range) with m
  the image's per-channel mean over (h, w) and f drawn from [1 - lower, 1 + upper].

A number ``factor`` f means the range [-f, f] (RandomContrast: [0, f], Keras 3's rule), a pair
[lo, hi] is used as given. The geometric layers sample bilinearly (or, with
``interpolation="nearest"``, read the nearest pixel, halves rounded away from zero as
TensorFlow does) with Keras 3's fill modes
('reflect' default, 'wrap', 'constant' with ``fill_value``, 'nearest'), all three through one
affine warp per image (``minicnn.kernels.affine``; Keras's 'constant' and 'wrap' are the kernel's
'grid-constant' and 'grid-wrap').

Backward passes (they have no weights): a preprocessing layer is usually the model's first layer,
whose input gradient nobody needs (``needs_input_grad`` is False and backward returns None).
Otherwise the input gradient is exact: flips flip dy; the warps apply their adjoint
(``affine_warp_backward``); contrast gives dx = f dz + (1 - f) mean_hw(dz) with dz = dy where the
clip is inactive (0 where it clips; ``kink_state`` reports that mask).
"""
import numbers

import numpy as np

from ..kernels.affine import affine_warp, affine_warp_backward
from ..rng import new_generator
from .base import Layer

FILL_MODES = {"reflect": "reflect", "wrap": "grid-wrap", "constant": "grid-constant", "nearest": "nearest"}
FLIP_MODES = ("horizontal", "vertical", "horizontal_and_vertical")
INTERPOLATIONS = {"bilinear": 1, "nearest": 0}  # the warp's order


class _RandomImageLayer(Layer):
    """Shared machinery: identity unless ``training``; ``self.rng``; image inputs only."""

    stochastic = True

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.rng = new_generator(seed)
        self._applied = False

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        return input_shape

    def forward(self, x, training=False):
        x = np.asarray(x)
        self.check_input(x)
        x = np.asarray(x, dtype=self.dtype)
        self._applied = bool(training)
        return self._augment(x) if training else x

    def backward(self, dy):
        if not self.needs_input_grad:
            return None
        return self._augment_backward(np.asarray(dy, dtype=self.dtype)) if self._applied else dy

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


class _AffineLayer(_RandomImageLayer):
    """A random affine warp per image; subclasses give ``_matrices(n, h, w)`` in (row, col) form."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {tuple(FILL_MODES)}, got {fill_mode!r}")
        if interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {tuple(INTERPOLATIONS)}, got {interpolation!r}")
        if not _is_number(fill_value):
            raise ValueError(f"fill_value must be a number, got {fill_value!r}")
        self.fill_mode = fill_mode
        self.interpolation = interpolation
        self.fill_value = float(fill_value)
        self.matrices = None

    def _augment(self, x):
        n, height, width, _ = x.shape
        self.matrices = self._matrices(n, height, width)
        return affine_warp(x, self.matrices, FILL_MODES[self.fill_mode], self.fill_value, dtype=self.dtype,
                           order=INTERPOLATIONS[self.interpolation])

    def _augment_backward(self, dy):
        return affine_warp_backward(dy, self.matrices, dy.shape[1:3], FILL_MODES[self.fill_mode],
                                    order=INTERPOLATIONS[self.interpolation])

    def get_config(self):
        return {**super().get_config(), "fill_mode": self.fill_mode, "interpolation": self.interpolation,
                "fill_value": self.fill_value}


def keras_transform_to_matrices(transform):
    """Keras's 8-number transforms [a0, a1, a2, b0, b1, b2, c0, c1] (output (x, y) reads input
    (a0 x + a1 y + a2, b0 x + b1 y + b2), x = column; c0 = c1 = 0 here) as (n, 2, 3) (row, col)
    matrices for ``affine_warp``."""
    t = np.atleast_2d(np.asarray(transform, dtype=np.float64))
    if t.shape[1] != 8 or np.any(t[:, 6:] != 0):
        raise ValueError(f"expected affine (not projective) transforms of shape (n, 8), got {t.shape}")
    a0, a1, a2, b0, b1, b2 = t[:, :6].T
    return np.stack([np.stack([b1, b0, b2], axis=1), np.stack([a1, a0, a2], axis=1)], axis=1)


def _factor_range(factor, name, low=-1.0, high=1.0, low_open=False):
    """Keras's factor rule: f -> [-|f|, |f|], [lo, hi] -> sorted; every entry within bounds."""
    def check(value):
        if not _is_number(value):
            raise ValueError(f"{name} must be a number or a list of two numbers, got {factor!r}")
        if value > high or value < low or (low_open and value == low):
            interval = f"{'(' if low_open else '['}{low:g}, {high:g}]"
            raise ValueError(f"{name} must be a number (or a list of two numbers) in the range {interval}, "
                             f"got {factor!r}")
        return float(value)

    if isinstance(factor, (list, tuple)):
        if len(factor) != 2:
            raise ValueError(f"{name} must be a number or a list of two numbers, got {factor!r}")
        return sorted(check(v) for v in factor)
    value = abs(check(factor))
    return [-value, value]


def _base_factor(factor, low, high):
    """Keras 3's ``BaseImagePreprocessingLayer._set_factor``: f in [low, high] -> [max(-|f|, low),
    |f|]; a pair [a, b] with a <= high and b >= low -> sorted."""
    message = f"factor must be a number (or a list of two numbers) in the range [{low:g}, {high:g}], got {factor!r}"
    if isinstance(factor, (list, tuple)):
        if len(factor) != 2 or not all(_is_number(v) for v in factor) or factor[0] > high or factor[1] < low:
            raise ValueError(message)
        return sorted(float(v) for v in factor)
    if not _is_number(factor) or factor < low or factor > high:
        raise ValueError(message)
    return [max(-abs(float(factor)), low), abs(float(factor))]


def _listed(factor):
    """A factor as JSON keeps it: pairs as lists."""
    return list(factor) if isinstance(factor, tuple) else factor


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)


class RandomFlip(_RandomImageLayer):
    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in FLIP_MODES:
            raise ValueError(f"RandomFlip mode must be one of {FLIP_MODES}, got {mode!r}")
        self.mode = mode
        self.flips = None

    def _flip(self, x):
        out = x.copy()
        f = self.flips
        if self.mode in ("horizontal", "horizontal_and_vertical"):
            out[f] = out[f][:, :, ::-1]
        if self.mode in ("vertical", "horizontal_and_vertical"):
            out[f] = out[f][:, ::-1]
        return out

    def _augment(self, x):
        self.flips = self.rng.random(len(x)) <= 0.5
        return self._flip(x)

    def _augment_backward(self, dy):
        return self._flip(dy)  # a flip is its own transpose

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


class RandomTranslation(_AffineLayer):
    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_range(height_factor, "height_factor")
        self.width_lower, self.width_upper = _factor_range(width_factor, "width_factor")

    def _matrices(self, n, height, width):
        dy = self.rng.uniform(self.height_lower, self.height_upper, n) * height
        dx = self.rng.uniform(self.width_lower, self.width_upper, n) * width
        ones, zeros = np.ones(n), np.zeros(n)
        return keras_transform_to_matrices(np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1))

    def get_config(self):
        return {**super().get_config(), "height_factor": _listed(self.height_factor),
                "width_factor": _listed(self.width_factor)}


class RandomRotation(_AffineLayer):
    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         **kwargs)
        self.factor = _base_factor(factor, -1.0, 1.0)

    def _matrices(self, n, height, width):
        angle = np.deg2rad(self.rng.uniform(self.factor[0] * 360.0, self.factor[1] * 360.0, n))
        return rotation_matrices(angle, height, width)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor)}


def rotation_matrices(angle, height, width):
    """Keras 3's ``_compute_affine_matrix`` for rotations by ``angle`` (radians, (n,)) about the
    image centre, as (n, 2, 3) (row, col) matrices."""
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = np.cos(angle), np.sin(angle)
    zeros = np.zeros_like(angle)
    a0, a1, b0, b1 = cos, -sin, sin, cos
    a2 = cx - cx * a0 - cy * a1
    b2 = cy - cx * b0 - cy * b1
    return keras_transform_to_matrices(np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1))


class RandomZoom(_AffineLayer):
    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = _factor_range(height_factor, "height_factor", low_open=True)
        if width_factor is not None:
            self.width_lower, self.width_upper = _factor_range(width_factor, "width_factor", low_open=True)

    def _matrices(self, n, height, width):
        zoom_h = self.rng.uniform(1.0 + self.height_lower, 1.0 + self.height_upper, n)
        zoom_w = zoom_h if self.width_factor is None else self.rng.uniform(1.0 + self.width_lower,
                                                                           1.0 + self.width_upper, n)
        zeros = np.zeros(n)
        x_offset = (width - 1.0) / 2.0 * (1.0 - zoom_w)
        y_offset = (height - 1.0) / 2.0 * (1.0 - zoom_h)
        return keras_transform_to_matrices(np.stack([zoom_w, zeros, x_offset, zeros, zoom_h, y_offset, zeros, zeros],
                                                    axis=1))

    def get_config(self):
        return {**super().get_config(), "height_factor": _listed(self.height_factor),
                "width_factor": _listed(self.width_factor)}


class RandomContrast(_RandomImageLayer):
    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = _base_factor(factor, 0.0, 1.0)
        try:
            low, high = (float(v) for v in value_range)
        except (TypeError, ValueError):
            raise ValueError(f"value_range must be (low, high), got {value_range!r}") from None
        if not low < high:
            raise ValueError(f"value_range must be (low, high) with low < high, got {value_range!r}")
        self.value_range = (low, high)
        self.contrast = None
        self.inside = None

    def _augment(self, x):
        n = len(x)
        f = self.rng.uniform(1.0 - self.factor[0], 1.0 + self.factor[1], n).astype(self.dtype).reshape(n, 1, 1, 1)
        mean = x.mean(axis=(1, 2), keepdims=True)
        z = (x - mean) * f + mean
        low, high = self.value_range
        self.contrast = f
        self.inside = (z > low) & (z < high)
        return np.clip(z, low, high).astype(self.dtype, copy=False)

    def _augment_backward(self, dy):
        dz = dy * self.inside
        f = self.contrast
        return dz * f + (1 - f) * dz.mean(axis=(1, 2), keepdims=True)

    def kink_state(self):
        return [] if self.inside is None or not self._applied else [self.inside]

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "value_range": list(self.value_range)}
