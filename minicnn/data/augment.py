"""Random image augmentation for NHWC batches: shifts, horizontal flips, random crops.

``ImageDataGenerator`` follows Keras's class of the same name for the options it has:

* ``width_shift_range`` / ``height_shift_range``: a float in [0, 1) is a fraction of
  the width/height: the shift is drawn uniformly from [-range, range], multiplied by
  the size and, unlike Keras (which interpolates sub-pixel shifts), rounded to a whole
  number of pixels. A whole number >= 1 is a number of pixels: the shift is drawn
  uniformly from the integers -range..range (Keras draws from -(range-1)..range-1).
  Other floats >= 1 are pixels drawn uniformly from [-range, range], then rounded.
* ``horizontal_flip``: each image is mirrored left-right with probability 0.5.
* ``fill_mode``: ``"nearest"`` repeats the edge pixel into the uncovered area;
  ``"constant"`` fills it with ``cval``.

Every image is first shifted, then flipped; output pixel (i, j) of an image shifted by
(dy, dx) is the input pixel (i - dy, j - dx) (positive dy moves content down).

The standard CIFAR recipe "zero-pad by 4, take a random 32x32 crop, random flip" is
exactly ``ImageDataGenerator(width_shift_range=4, height_shift_range=4,
fill_mode="constant", horizontal_flip=True)``: a crop at offset (oy, ox) of the padded
image is a shift by (4 - oy, 4 - ox) with zero fill. ``random_crop`` does it alone.

The work is done by one numba kernel (``_shift_flip_kernel``, parallel over images);
``shift_flip_reference`` is the plain NumPy version the tests compare it with.
"""
import math
import numbers

import numpy as np
from numba import prange

from ..kernels.jit import kernel

FILL_MODES = ("nearest", "constant")


class ImageDataGenerator:
    """Keras-style random shifts and flips for NHWC image batches (see module docstring).

    ``seed`` seeds the ``numpy.random.Generator`` used by ``random_transform_batch``.
    """

    def __init__(self, width_shift_range=0.0, height_shift_range=0.0, horizontal_flip=False,
                 fill_mode="nearest", cval=0.0, seed=None):
        self.width_shift_range = _check_shift_range(width_shift_range, "width_shift_range")
        self.height_shift_range = _check_shift_range(height_shift_range, "height_shift_range")
        self.horizontal_flip = bool(horizontal_flip)
        if fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        self.fill_mode = fill_mode
        self.cval = float(cval)
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def random_transform_batch(self, x, rng=None):
        """Randomly shift and flip each image of ``x`` (n, h, w, c), any numeric dtype.

        Returns a new float32 array of the same shape; ``x`` is not modified. Draws
        from ``rng`` if given, else from the generator's own seeded ``self.rng``.
        """
        x = _check_images(x)
        rng = self.rng if rng is None else rng
        n, height, width, _ = x.shape
        shift_y = _draw_shifts(self.height_shift_range, height, n, rng)
        shift_x = _draw_shifts(self.width_shift_range, width, n, rng)
        flip = rng.random(n) < 0.5 if self.horizontal_flip else np.zeros(n, dtype=bool)
        return shift_flip(x, shift_y, shift_x, flip, self.fill_mode, self.cval)

    def flow(self, x, y=None, batch_size=32, shuffle=True, seed=None):
        """An endless iterator of augmented batches ``(x_batch float32, y_batch)``.

        See ``NumpyArrayIterator``. ``seed`` seeds its shuffling and augmentation;
        without it, the iterator draws its own seed from ``self.rng``.
        """
        if seed is None:
            seed = int(self.rng.integers(2**63))
        return NumpyArrayIterator(self, x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)


class NumpyArrayIterator:
    """Endless augmented batches over ``(x, y)``, like Keras's NumpyArrayIterator.

    ``len(it)`` is the number of batches per pass, ``ceil(n / batch_size)``; the last
    batch of a pass may be smaller. Each pass visits every sample exactly once, in a
    fresh random order when ``shuffle`` is true. ``next(it)`` returns
    ``(x_batch, y_batch)``: float32 (b, h, w, c) and ``y[indices]`` unchanged, or only
    ``x_batch`` when ``y`` is None.
    """

    def __init__(self, generator, x, y=None, batch_size=32, shuffle=True, seed=None):
        self.x = _check_images(x)
        self.y = None if y is None else np.asarray(y)
        if self.y is not None and (self.y.ndim == 0 or len(self.y) != len(self.x)):
            raise ValueError(f"x and y must have the same number of samples, got shapes {self.x.shape} and {self.y.shape}")
        if len(self.x) == 0:
            raise ValueError("cannot iterate over an empty array")
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.generator = generator
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.rng = np.random.default_rng(seed)
        self.order = None
        self.position = 0

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __iter__(self):
        return self

    def __next__(self):
        if self.position == 0:
            n = len(self.x)
            self.order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        indices = self.order[self.position:self.position + self.batch_size]
        self.position += self.batch_size
        if self.position >= len(self.x):
            self.position = 0
        x_batch = self.generator.random_transform_batch(self.x[indices], rng=self.rng)
        return x_batch if self.y is None else (x_batch, self.y[indices])

    def reset(self):
        """Start a new pass at the next batch."""
        self.position = 0


def random_crop(x, padding=4, rng=None):
    """Zero-pad each image of ``x`` (n, h, w, c) by ``padding`` and crop a random h x w.

    The crop offset is uniform over the (2 * padding + 1)^2 positions; implemented as a
    random shift by -padding..padding with zero fill. ``rng``: a
    ``numpy.random.Generator``, a seed, or None. Returns float32 of the shape of ``x``.
    """
    x = _check_images(x)
    if int(padding) != padding or padding < 0:
        raise ValueError(f"padding must be a non-negative integer, got {padding!r}")
    rng = np.random.default_rng(rng)
    n = len(x)
    shift_y = rng.integers(-padding, padding, size=n, endpoint=True)
    shift_x = rng.integers(-padding, padding, size=n, endpoint=True)
    return shift_flip(x, shift_y, shift_x, np.zeros(n, dtype=bool), "constant", 0.0)


def shift_flip(x, shift_y, shift_x, flip, fill_mode="nearest", cval=0.0):
    """Shift image k of ``x`` (n, h, w, c) by (shift_y[k], shift_x[k]), then mirror it
    left-right if ``flip[k]``. Returns float32 (n, h, w, c); the fast numba path."""
    x = np.ascontiguousarray(x)
    out = np.empty(x.shape, dtype=np.float32)
    _shift_flip_kernel(
        x,
        np.ascontiguousarray(shift_y, dtype=np.int64),
        np.ascontiguousarray(shift_x, dtype=np.int64),
        np.ascontiguousarray(flip, dtype=np.bool_),
        fill_mode == "constant",
        np.float32(cval),
        out,
    )
    return out


def shift_flip_reference(x, shift_y, shift_x, flip, fill_mode="nearest", cval=0.0):
    """Plain NumPy version of ``shift_flip`` (pad, slice, mirror), for testing."""
    x = np.asarray(x)
    n, height, width, _ = x.shape
    out = np.empty(x.shape, dtype=np.float32)
    for k in range(n):
        dy, dx = int(shift_y[k]), int(shift_x[k])
        py, px = abs(dy), abs(dx)
        pad = ((py, py), (px, px), (0, 0))
        if fill_mode == "constant":
            padded = np.pad(x[k].astype(np.float32), pad, mode="constant", constant_values=cval)
        else:
            padded = np.pad(x[k].astype(np.float32), pad, mode="edge")
        shifted = padded[py - dy:py - dy + height, px - dx:px - dx + width]
        out[k] = shifted[:, ::-1] if flip[k] else shifted
    return out


@kernel
def _shift_flip_kernel(x, shift_y, shift_x, flip, constant_fill, cval, out):
    """out[k, i, j] = x[k, i - dy, j' - dx] with j' = w - 1 - j if flipped else j.

    Out-of-image sources are clamped to the edge, or give ``cval`` if ``constant_fill``.
    """
    n, height, width, channels = x.shape
    for k in prange(n):
        # Source column of each output column; -1 marks "outside, fill with cval".
        source_cols = np.empty(width, np.int64)
        for j in range(width):
            sj = (width - 1 - j if flip[k] else j) - shift_x[k]
            if sj < 0 or sj >= width:
                sj = -1 if constant_fill else min(max(sj, 0), width - 1)
            source_cols[j] = sj
        for i in range(height):
            si = i - shift_y[k]
            if si < 0 or si >= height:
                if constant_fill:
                    out[k, i, :, :] = cval
                    continue
                si = min(max(si, 0), height - 1)
            source_row = x[k, si]
            out_row = out[k, i]
            for j in range(width):
                sj = source_cols[j]
                if sj < 0:
                    for c in range(channels):
                        out_row[j, c] = cval
                else:
                    for c in range(channels):
                        out_row[j, c] = source_row[sj, c]


def _check_shift_range(value, name):
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or value < 0 \
            or not math.isfinite(value):
        raise ValueError(f"{name} must be a non-negative number, got {value!r}")
    return value


def _draw_shifts(shift_range, size, n, rng):
    """Integer shifts (n,) for one axis of length ``size`` (rules in the module docstring)."""
    if shift_range == 0:
        return np.zeros(n, dtype=np.int64)
    if shift_range < 1:
        return np.rint(rng.uniform(-shift_range, shift_range, size=n) * size).astype(np.int64)
    if float(shift_range).is_integer():
        pixels = int(shift_range)
        return rng.integers(-pixels, pixels, size=n, endpoint=True)
    return np.rint(rng.uniform(-shift_range, shift_range, size=n)).astype(np.int64)


def _check_images(x):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"expected images of shape (n, height, width, channels), got shape {x.shape}")
    if x.dtype.kind not in "iuf":
        raise ValueError(f"expected numeric images, got dtype {x.dtype}")
    return x
