"""Random image augmentation for NHWC batches, following Keras's ``ImageDataGenerator``.

``ImageDataGenerator`` draws, for every image, the parameters Keras's legacy generator draws
(``get_random_transform``) and applies them as Keras's ``apply_transform`` does, in this order:

1. **one affine warp** (rotation, shift, shear, zoom and both flips composed into one 2x3
   matrix, ``transform_matrices``), bilinear, by the numba kernel ``minicnn.kernels.affine``
   with scipy.ndimage's sampling (pixel centres at integer indices) and ``fill_mode``
   'nearest', 'constant' (``cval``), 'reflect' or 'wrap';
2. ``channel_shift_range``: one intensity added to every channel, clipped to the image's
   min/max (Keras's ``apply_channel_shift``);
3. ``brightness_range``: Keras's ``apply_brightness_shift`` (a PIL ``ImageEnhance.Brightness``
   on the uint8-cast image: ``trunc(u8 * float32(b))`` clipped to 0..255; images outside
   [0, 255] are scaled to it and back);

then ``standardize``: ``preprocessing_function`` (per image), ``rescale``, samplewise then
featurewise centering / std normalization (statistics from ``fit(x)``), ZCA whitening.

Shifts in this core class are whole pixels, as before (the Keras facade
``minicnn.keras.preprocessing.image`` draws them exactly as Keras does):

* ``width_shift_range`` / ``height_shift_range``: a float in [0, 1) is a fraction of the
  width/height: the shift is drawn uniformly from [-range, range], multiplied by the size and
  rounded to a whole number of pixels. A whole number >= 1 is a number of pixels: the shift is
  drawn uniformly from the integers -range..range (Keras draws from -(range-1)..range-1).
  Other floats >= 1 are pixels drawn uniformly from [-range, range], then rounded.
  Output pixel (i, j) of an image shifted by (dy, dx) is the input pixel (i - dy, j - dx)
  (positive dy moves content down).
* ``rotation_range`` (degrees), ``shear_range`` (degrees), ``zoom_range`` (a float z means
  [1 - z, 1 + z]; or a pair [lo, hi], zoom factors drawn independently per axis; > 1 shows a
  smaller image), ``channel_shift_range``, ``brightness_range`` ([lo, hi]) are drawn uniformly
  as in Keras; ``horizontal_flip`` / ``vertical_flip`` each with probability 0.5.

When an image batch needs no rotation, shear or zoom (and ``fill_mode`` is 'nearest' or
'constant', no vertical flip), the whole-pixel shifts and flips take an exact shortcut,
``shift_flip`` (a copy kernel; the affine warp gives the same numbers, which a test checks).

The standard CIFAR recipe "zero-pad by 4, take a random 32x32 crop, random flip" is
exactly ``ImageDataGenerator(width_shift_range=4, height_shift_range=4,
fill_mode="constant", horizontal_flip=True)``: a crop at offset (oy, ox) of the padded
image is a shift by (4 - oy, 4 - ox) with zero fill. ``random_crop`` does it alone.
"""
import math
import numbers
import os
import warnings

import numpy as np
from numba import prange

from ..checks import real_number
from ..kernels.affine import affine_warp
from ..kernels.jit import kernel

FILL_MODES = ("nearest", "constant", "reflect", "wrap")
_TRANSFORM_KEYS = ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal", "flip_vertical",
                   "channel_shift_intensity", "brightness")


class ImageDataGenerator:
    """Keras-style random augmentation and standardization of NHWC image batches (see the
    module docstring). ``seed`` seeds the ``numpy.random.Generator`` used by
    ``random_transform_batch``; ``flow`` / ``flow_from_directory`` iterators derive theirs.

    The first six arguments keep their positions; the others are keyword-only.
    """

    def __init__(self, width_shift_range=0.0, height_shift_range=0.0, horizontal_flip=False,
                 fill_mode="nearest", cval=0.0, seed=None, *, rotation_range=0, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, brightness_range=None, vertical_flip=False,
                 rescale=None, preprocessing_function=None, featurewise_center=False,
                 samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6,
                 validation_split=0.0, interpolation_order=1):
        self.width_shift_range = _check_shift_range(width_shift_range, "width_shift_range")
        self.height_shift_range = _check_shift_range(height_shift_range, "height_shift_range")
        self.horizontal_flip = bool(horizontal_flip)
        self.vertical_flip = bool(vertical_flip)
        if fill_mode not in FILL_MODES:
            raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
        self.fill_mode = fill_mode
        self.cval = float(_real(cval, "cval"))
        self.rotation_range = _non_negative(rotation_range, "rotation_range")
        self.shear_range = _non_negative(shear_range, "shear_range")
        self.channel_shift_range = _non_negative(channel_shift_range, "channel_shift_range")
        self.zoom_range = _check_zoom_range(zoom_range)
        self.brightness_range = _check_pair(brightness_range, "brightness_range")
        self.rescale = None if rescale is None else _real(rescale, "rescale")
        if preprocessing_function is not None and not callable(preprocessing_function):
            raise ValueError(f"preprocessing_function must be callable, got {preprocessing_function!r}")
        self.preprocessing_function = preprocessing_function
        if interpolation_order != 1:
            raise ValueError(f"only bilinear warps are implemented: interpolation_order must be 1, "
                             f"got {interpolation_order!r}")
        self.interpolation_order = 1
        self.featurewise_center = bool(featurewise_center)
        self.samplewise_center = bool(samplewise_center)
        self.featurewise_std_normalization = bool(featurewise_std_normalization)
        self.samplewise_std_normalization = bool(samplewise_std_normalization)
        self.zca_whitening = bool(zca_whitening)
        self.zca_epsilon = float(zca_epsilon)
        if self.zca_whitening:
            if not self.featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides "
                              "setting of `featurewise_center`.", stacklevel=2)
            if self.featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides "
                              "setting of `featurewise_std_normalization`.", stacklevel=2)
        if self.featurewise_std_normalization and not self.featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which "
                          "overrides setting of `featurewise_center`.", stacklevel=2)
        if self.samplewise_std_normalization and not self.samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which "
                          "overrides setting of `samplewise_center`.", stacklevel=2)
        validation_split = _real(validation_split, "validation_split")
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"validation_split must be strictly between 0 and 1, got {validation_split!r}")
        self._validation_split = float(validation_split)
        self.mean = self.std = self.zca_whitening_matrix = None
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    # ----- drawing the parameters ---------------------------------------------------------
    def get_random_transform_batch(self, img_shape, n, rng=None):
        """Random parameters for ``n`` images of shape ``img_shape`` (h, w, c): a dict of (n,)
        arrays with Keras's keys (``theta``, ``tx``, ``ty``, ``shear``, ``zx``, ``zy``,
        ``flip_horizontal``, ``flip_vertical``, ``channel_shift_intensity``, ``brightness``;
        the last two None when unused). ``tx`` moves content along the columns (left for
        tx > 0), ``ty`` along the rows, as in ``apply_transform``."""
        rng = self.rng if rng is None else rng
        height, width = int(img_shape[0]), int(img_shape[1])
        zeros = np.zeros(n)
        theta = rng.uniform(-self.rotation_range, self.rotation_range, n) if self.rotation_range else zeros
        tx, ty = self._draw_translations(height, width, n, rng)
        shear = rng.uniform(-self.shear_range, self.shear_range, n) if self.shear_range else zeros
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx = zy = np.ones(n)
        else:
            zx, zy = rng.uniform(self.zoom_range[0], self.zoom_range[1], (2, n))
        flip_h = rng.random(n) < 0.5 if self.horizontal_flip else np.zeros(n, bool)
        flip_v = rng.random(n) < 0.5 if self.vertical_flip else np.zeros(n, bool)
        shift = (rng.uniform(-self.channel_shift_range, self.channel_shift_range, n)
                 if self.channel_shift_range else None)
        brightness = rng.uniform(*self.brightness_range, n) if self.brightness_range is not None else None
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_h, "flip_vertical": flip_v,
                "channel_shift_intensity": shift, "brightness": brightness}

    def _draw_translations(self, height, width, n, rng):
        """(tx, ty) for ``n`` images: whole-pixel shifts (module docstring). A shift that moves
        content by +dx columns is tx = -dx in ``apply_transform``'s terms."""
        shift_y = _draw_shifts(self.height_shift_range, height, n, rng)
        shift_x = _draw_shifts(self.width_shift_range, width, n, rng)
        return -shift_x.astype(np.float64), -shift_y.astype(np.float64)

    def get_random_transform(self, img_shape, seed=None):
        """Keras's single-image form: a dict of Python scalars (``seed`` seeds a fresh
        generator; without it the generator's own ``rng`` is used)."""
        rng = self.rng if seed is None else np.random.default_rng(seed)
        batch = self.get_random_transform_batch(img_shape, 1, rng)
        return {k: (None if v is None else v[0].item()) for k, v in batch.items()}

    # ----- applying them ------------------------------------------------------------------
    def apply_transform_batch(self, x, params):
        """Apply per-image ``params`` (as from ``get_random_transform_batch``) to ``x``
        (n, h, w, c). Returns a new float32 array."""
        x = _check_images(x)
        n, height, width, _ = x.shape
        p = _batch_params(params, n)
        if _only_whole_shifts(p) and self.fill_mode in ("nearest", "constant") and not p["flip_vertical"].any():
            # exact shortcut: ty, tx whole pixels, content moves by (-ty, -tx)
            out = shift_flip(x, -p["ty"].astype(np.int64), -p["tx"].astype(np.int64),
                             p["flip_horizontal"], self.fill_mode, self.cval)
        else:
            matrices = transform_matrices(p, height, width)
            out = affine_warp(x, matrices, self.fill_mode, self.cval)
        if p["channel_shift_intensity"] is not None:
            out = apply_channel_shift(out, p["channel_shift_intensity"])
        if p["brightness"] is not None:
            out = apply_brightness_shift(out, p["brightness"])
        return out

    def apply_transform(self, x, transform_parameters):
        """Keras's ``apply_transform`` for one image (h, w, c): missing keys mean no change."""
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError(f"apply_transform expects one image (height, width, channels), got shape {x.shape}")
        return self.apply_transform_batch(x[None], transform_parameters)[0]

    def random_transform(self, x, seed=None):
        """One image (h, w, c), randomly transformed (float32)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def random_transform_batch(self, x, rng=None):
        """Randomly transform each image of ``x`` (n, h, w, c), any numeric dtype.

        Returns a new float32 array of the same shape; ``x`` is not modified. Draws
        from ``rng`` if given, else from the generator's own seeded ``self.rng``.
        Standardization (``rescale`` ...) is separate: ``standardize``.
        """
        x = _check_images(x)
        return self.apply_transform_batch(x, self.get_random_transform_batch(x.shape[1:], len(x), rng))

    def standardize(self, x):
        """Keras's ``standardize`` on one image (h, w, c) or a batch (n, h, w, c), in place
        when ``x`` is float32 (returns the result): ``preprocessing_function`` (called per
        image), ``rescale``, samplewise centering / std, featurewise centering / std, ZCA."""
        x = np.asarray(x)
        single = x.ndim == 3
        batch = np.array(x[None] if single else x, dtype=np.float32, copy=not (x.dtype == np.float32 and not single))
        if batch.ndim != 4:
            raise ValueError(f"expected images of shape (n, height, width, channels), got shape {x.shape}")
        if self.preprocessing_function is not None:
            for k in range(len(batch)):
                result = np.asarray(self.preprocessing_function(batch[k]))
                if result.shape != batch[k].shape:
                    raise ValueError(f"preprocessing_function must return an image of shape {batch[k].shape}, "
                                     f"got {result.shape}")
                batch[k] = result
        if self.rescale:
            batch *= np.float32(self.rescale)
        if self.samplewise_center:
            batch -= batch.mean(axis=(1, 2, 3), keepdims=True)
        if self.samplewise_std_normalization:
            batch /= batch.std(axis=(1, 2, 3), keepdims=True) + np.float32(1e-6)
        if self.featurewise_center:
            if self.mean is None:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been "
                              "fit on any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
            else:
                batch -= self.mean
        if self.featurewise_std_normalization:
            if self.std is None:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                              "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
            else:
                batch /= self.std + np.float32(1e-6)
        if self.zca_whitening:
            if self.zca_whitening_matrix is None:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on "
                              "any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
            else:
                flat = batch.reshape(len(batch), -1) @ self.zca_whitening_matrix
                batch = flat.reshape(batch.shape).astype(np.float32)
        return batch[0] if single else batch

    def augment_batch(self, x, rng=None):
        """``standardize(random_transform_batch(x, rng))``: what the iterators yield."""
        return self.standardize(self.random_transform_batch(x, rng))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the featurewise statistics from sample images ``x`` (n, h, w, c), as Keras:
        on ``x * rescale`` (randomly transformed ``rounds`` times if ``augment``),
        ``mean`` / ``std`` per channel (shape (1, 1, c)), std after centering, and the ZCA
        matrix ``u diag(sqrt(n) / (s + zca_epsilon)) u^T`` from the SVD of the centred data."""
        x = np.array(_check_images(x), dtype=np.float32)
        if not np.all(np.isfinite(x)):
            raise ValueError("fit: the images contain NaN or infinity")
        if self.rescale:
            x *= np.float32(self.rescale)
        if augment:
            rng = self.rng if seed is None else np.random.default_rng(seed)
            x = np.concatenate([self.random_transform_batch(x, rng) for _ in range(int(rounds))])
        if self.featurewise_center:
            self.mean = np.mean(x, axis=(0, 1, 2)).reshape(1, 1, -1)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=(0, 1, 2)).reshape(1, 1, -1)
            x /= self.std + np.float32(1e-6)
        if self.zca_whitening:
            flat = x.reshape(len(x), -1)
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            s_inv = np.sqrt(len(x)) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv) @ u.T

    # ----- iterators ----------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, seed=None, subset=None, sample_weight=None,
             ignore_class_split=False):
        """An endless iterator of augmented batches ``(x_batch float32, y_batch)`` (or
        ``x_batch`` alone without ``y``). See ``NumpyArrayIterator``. ``seed`` seeds its
        shuffling and augmentation; without it, the iterator draws its own seed from ``self.rng``.
        ``subset`` ('training' / 'validation') keeps the last / first ``validation_split``
        fraction of the arrays, as Keras does (an error if the two parts hold different classes,
        unless ``ignore_class_split``)."""
        x = _check_images(x)
        if subset is not None:
            x, y, sample_weight = self._split_arrays(x, y, sample_weight, subset, ignore_class_split)
        if seed is None:
            seed = int(self.rng.integers(2**63))
        return NumpyArrayIterator(self, x, y, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                  sample_weight=sample_weight)

    def _split_arrays(self, x, y, sample_weight, subset, ignore_class_split):
        if subset not in ("training", "validation"):
            raise ValueError(f"subset must be 'training' or 'validation', got {subset!r}")
        if not self._validation_split:
            raise ValueError("subset= needs ImageDataGenerator(validation_split=...) between 0 and 1")
        split = int(len(x) * self._validation_split)
        if y is not None:
            y = np.asarray(y)
            if len(y) != len(x):
                raise ValueError(f"x and y must have the same number of samples, got shapes {x.shape} and {y.shape}")
            if not ignore_class_split and not np.array_equal(np.unique(y[:split]), np.unique(y[split:])):
                raise ValueError("Training and validation subsets have different number of classes after the "
                                 "split. If your numpy arrays are sorted by the label, you might want to shuffle "
                                 "them (or pass ignore_class_split=True).")
        part = slice(None, split) if subset == "validation" else slice(split, None)
        pick = lambda a: None if a is None else np.asarray(a)[part]  # noqa: E731
        return x[part], pick(y), pick(sample_weight)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, subset=None,
                            interpolation="nearest", follow_links=False, keep_aspect_ratio=False, verbose=True):
        """An endless ``DirectoryIterator`` over ``directory/<class>/<images>`` (see there)."""
        if seed is None:
            seed = int(self.rng.integers(2**63))
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 classes=classes, class_mode=class_mode, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, subset=subset, interpolation=interpolation,
                                 follow_links=follow_links, keep_aspect_ratio=keep_aspect_ratio, verbose=verbose)


def transform_matrices(params, height, width):
    """The (n, 2, 3) sampling matrices of Keras's ``apply_affine_transform`` for (n,) parameter
    arrays, composed exactly as Keras composes them, then the flips folded in.

    In Keras's (x, y) frame (x = columns, y = rows, for channels-last images):
    ``M = R(theta) T(tx, ty) Sh(shear) Z(zx, zy)`` with ``R = [[cos, -sin], [sin, cos]]``,
    ``T`` a translation by (tx, ty), ``Sh = [[1, -sin(shear)], [0, cos(shear)]]`` and
    ``Z = diag(zx, zy)`` (angles in degrees), conjugated by a shift to the centre
    ``(h/2 - 0.5, w/2 - 0.5)`` (Keras pairs the first coordinate with the height, so on
    non-square images the centre is off; kept for parity), then the axes are swapped to
    (row, col) for sampling. A horizontal flip of the result reads column w-1-j instead of j
    (the matrix's column 1 negated, its offset moved), a vertical flip row h-1-i."""
    p = _batch_params(params, None)
    n = len(p["theta"])
    theta, shear = np.deg2rad(p["theta"]), np.deg2rad(p["shear"])
    eye = np.broadcast_to(np.eye(3), (n, 3, 3))
    rotation = eye.copy()
    rotation[:, 0, 0], rotation[:, 0, 1] = np.cos(theta), -np.sin(theta)
    rotation[:, 1, 0], rotation[:, 1, 1] = np.sin(theta), np.cos(theta)
    shift = eye.copy()
    shift[:, 0, 2], shift[:, 1, 2] = p["tx"], p["ty"]
    shearing = eye.copy()
    shearing[:, 0, 1], shearing[:, 1, 1] = -np.sin(shear), np.cos(shear)
    zoom = eye.copy()
    zoom[:, 0, 0], zoom[:, 1, 1] = p["zx"], p["zy"]
    o_x, o_y = height / 2 - 0.5, width / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    m = offset @ (rotation @ shift @ shearing @ zoom) @ reset
    m = m[:, [1, 0, 2]][:, :, [1, 0, 2]]  # Keras's swap: (x, y) -> (row, col)
    out = m[:, :2, :].copy()
    flip_h, flip_v = p["flip_horizontal"], p["flip_vertical"]
    out[flip_h, :, 2] += (width - 1) * out[flip_h, :, 1]
    out[flip_h, :, 1] *= -1
    out[flip_v, :, 2] += (height - 1) * out[flip_v, :, 0]
    out[flip_v, :, 0] *= -1
    return out


def apply_channel_shift(x, intensity):
    """Keras's ``apply_channel_shift`` per image of ``x`` (n, h, w, c) float32, in place:
    ``clip(x + intensity[k], min(x[k]), max(x[k]))``."""
    lo = x.min(axis=(1, 2, 3), keepdims=True)
    hi = x.max(axis=(1, 2, 3), keepdims=True)
    x += np.asarray(intensity, dtype=np.float32).reshape(-1, 1, 1, 1)
    return np.clip(x, lo, hi, out=x)


def apply_brightness_shift(x, brightness):
    """Keras's ``apply_brightness_shift(x, b, scale=False)`` per image of ``x`` (n, h, w, c),
    without the PIL round trip: images inside [0, 255] become ``trunc(u8 * float32(b))``
    clipped to 0..255 with ``u8 = uint8(x)`` (truncated), which is what PIL's
    ``ImageEnhance.Brightness`` computes; an image with values outside [0, 255] is first
    mapped to [0, 255] by ``(x - min) / (max - min) * 255``, then mapped back."""
    if x.shape[-1] not in (1, 3, 4):
        raise ValueError(f"brightness_range needs 1, 3 or 4 channels (as PIL images), got {x.shape[-1]}")
    out = np.empty(x.shape, dtype=np.float32)
    for k in range(len(x)):
        image = x[k].astype(np.float32)
        lo, hi = image.min(), image.max()
        scaled = lo < 0 or hi > 255
        if scaled:
            image = image - lo
            top = image.max()
            if top != 0:
                image /= top
            image *= 255
        u8 = image.astype(np.uint8)
        bright = np.clip(np.trunc(u8 * np.float32(brightness[k])), 0, 255).astype(np.float32)
        out[k] = bright / 255 * (hi - lo) + lo if scaled else bright
    return out


def _batch_params(params, n):
    """Keras-style parameters (scalars or (n,) arrays, keys may be missing) as (n,) arrays."""
    unknown = set(params) - set(_TRANSFORM_KEYS)
    if unknown:
        raise ValueError(f"unknown transform parameters {sorted(unknown)}; expected some of {_TRANSFORM_KEYS}")
    if n is None:
        n = max((np.size(v) for v in params.values() if v is not None), default=1)
    defaults = {"theta": 0.0, "tx": 0.0, "ty": 0.0, "shear": 0.0, "zx": 1.0, "zy": 1.0}
    out = {}
    for key, default in defaults.items():
        value = params.get(key)
        out[key] = np.broadcast_to(np.asarray(default if value is None else value, dtype=np.float64), (n,))
    for key in ("flip_horizontal", "flip_vertical"):
        out[key] = np.broadcast_to(np.asarray(bool(params.get(key)) if np.ndim(params.get(key, False)) == 0
                                              else params[key], dtype=bool), (n,))
    for key in ("channel_shift_intensity", "brightness"):
        value = params.get(key)
        out[key] = None if value is None else np.broadcast_to(np.asarray(value, dtype=np.float64), (n,))
    return out


def _only_whole_shifts(p):
    return (not p["theta"].any() and not p["shear"].any() and np.all(p["zx"] == 1) and np.all(p["zy"] == 1)
            and np.all(p["tx"] == np.round(p["tx"])) and np.all(p["ty"] == np.round(p["ty"])))


class _BatchIterator:
    """Shared endless-pass logic of the iterators: ``len(it)`` batches per pass, each pass visits
    every sample once (a fresh order when ``shuffle``); ``next(it)`` and ``it[i]`` give batches."""

    def _init_order(self, n, batch_size, shuffle, seed):
        if n == 0:
            raise ValueError("cannot iterate over an empty set of samples")
        if int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.n = n
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.order = None
        self.position = 0

    def __len__(self):
        return math.ceil(self.n / self.batch_size)

    def __iter__(self):
        return self

    def __next__(self):
        if self.position == 0 or self.order is None:
            self.on_epoch_end()
        indices = self.order[self.position:self.position + self.batch_size]
        self.position += self.batch_size
        if self.position >= self.n:
            self.position = 0
        return self._batch(indices)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"batch index {index} out of range for {len(self)} batches")
        if self.order is None:
            self.on_epoch_end()
        return self._batch(self.order[index * self.batch_size:(index + 1) * self.batch_size])

    def on_epoch_end(self):
        """Draw the sample order of the next pass."""
        self.order = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)

    def reset(self):
        """Start a new pass at the next batch."""
        self.position = 0


class NumpyArrayIterator(_BatchIterator):
    """Endless augmented batches over ``(x, y)``, like Keras's NumpyArrayIterator.

    ``len(it)`` is the number of batches per pass, ``ceil(n / batch_size)``; the last
    batch of a pass may be smaller. Each pass visits every sample exactly once, in a
    fresh random order when ``shuffle`` is true. ``next(it)`` returns
    ``(x_batch, y_batch)``: float32 (b, h, w, c) and ``y[indices]`` unchanged, or only
    ``x_batch`` when ``y`` is None (and ``(x, y, w)`` with ``sample_weight``).
    """

    def __init__(self, generator, x, y=None, batch_size=32, shuffle=True, seed=None, sample_weight=None):
        self.x = _check_images(x)
        self.y = None if y is None else np.asarray(y)
        if self.y is not None and (self.y.ndim == 0 or len(self.y) != len(self.x)):
            raise ValueError(f"x and y must have the same number of samples, got shapes {self.x.shape} and {self.y.shape}")
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        if self.sample_weight is not None and self.sample_weight.shape != (len(self.x),):
            raise ValueError(f"sample_weight must have shape ({len(self.x)},), got {self.sample_weight.shape}")
        if len(self.x) == 0:
            raise ValueError("cannot iterate over an empty array")
        self.generator = generator
        self._init_order(len(self.x), batch_size, shuffle, seed)

    def _batch(self, indices):
        x_batch = self.generator.augment_batch(self.x[indices], rng=self.rng)
        if self.y is None:
            return x_batch
        if self.sample_weight is None:
            return x_batch, self.y[indices]
        return x_batch, self.y[indices], self.sample_weight[indices]


class DirectoryIterator(_BatchIterator):
    """Endless augmented batches read from ``directory/<class>/<image files>``, like Keras's.

    Classes are the sorted sub-folder names (or ``classes``, a list fixing names and order);
    files with Keras's image extensions (png, jpg, jpeg, bmp, ppm, tif, tiff) are listed
    recursively in sorted order. ``subset`` takes the first ('validation') or the rest
    ('training') ``validation_split`` fraction of each class's files. Images are read per
    batch with Pillow, converted to ``color_mode`` ('rgb', 'rgba', 'grayscale') and resized
    to ``target_size`` (height, width) with ``interpolation`` (Keras's default 'nearest').

    Yields ``(x_batch, y_batch)``; ``class_mode``: 'categorical' (one-hot float32),
    'sparse' / 'binary' (float32 class index), 'input' (y is a copy of x), None (x alone).
    Attributes as in Keras: ``class_indices``, ``classes`` (int32 label per file),
    ``filenames`` (relative to ``directory``), ``filepaths``, ``samples``, ``num_classes``,
    ``image_shape``.
    """

    CLASS_MODES = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb",
                 classes=None, class_mode="categorical", batch_size=32, shuffle=True, seed=None,
                 subset=None, interpolation="nearest", follow_links=False, keep_aspect_ratio=False,
                 verbose=True):
        from .image_folder import COLOR_MODES, list_class_files, _check_image_size, check_interpolation

        if class_mode not in self.CLASS_MODES:
            raise ValueError(f"class_mode must be one of {self.CLASS_MODES}, got {class_mode!r}")
        if color_mode not in COLOR_MODES:
            raise ValueError(f"color_mode must be one of {tuple(COLOR_MODES)}, got {color_mode!r}")
        self.target_size = _check_image_size(target_size)
        self.interpolation = check_interpolation(interpolation)
        self.keep_aspect_ratio = bool(keep_aspect_ratio)
        split = None
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"subset must be 'training' or 'validation', got {subset!r}")
            fraction = image_data_generator._validation_split if image_data_generator else 0.0
            if not fraction:
                raise ValueError("subset= needs ImageDataGenerator(validation_split=...) between 0 and 1")
            split = (0.0, fraction) if subset == "validation" else (fraction, 1.0)
        self.directory = str(directory)
        self.image_data_generator = image_data_generator
        self.color_mode = color_mode
        self.class_mode = class_mode
        self.subset = subset
        self.filenames, labels, self.class_indices = list_class_files(directory, classes, split, follow_links)
        self.classes = np.asarray(labels, dtype=np.int32)
        self.num_classes = len(self.class_indices)
        self.samples = len(self.filenames)
        self.filepaths = [os.path.join(self.directory, f) for f in self.filenames]
        self.image_shape = self.target_size + ({"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode],)
        self.dtype = np.float32
        if verbose:
            print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        if self.samples == 0:
            self.n, self.batch_size, self.order, self.position = 0, int(batch_size), np.arange(0), 0
            return
        self._init_order(self.samples, batch_size, shuffle, seed)

    @property
    def labels(self):
        return self.classes

    def __len__(self):
        return math.ceil(self.n / self.batch_size) if self.n else 0

    def __next__(self):
        if self.n == 0:
            raise ValueError(f"no images found under {self.directory}")
        return super().__next__()

    def load(self, indices):
        """The images ``indices`` as float32 (b, h, w, c), before any transform."""
        from .image_folder import load_image

        batch = np.empty((len(indices),) + self.image_shape, dtype=np.float32)
        for i, j in enumerate(indices):
            batch[i] = load_image(self.filepaths[j], self.target_size, resize="stretch", color_mode=self.color_mode,
                                  interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
        return batch

    def _batch(self, indices):
        x_batch = self.load(indices)
        if self.image_data_generator is not None:
            x_batch = self.image_data_generator.augment_batch(x_batch, rng=self.rng)
        labels = self.classes[indices]
        if self.class_mode == "input":
            return x_batch, x_batch.copy()
        if self.class_mode in ("binary", "sparse"):
            return x_batch, labels.astype(np.float32)
        if self.class_mode == "categorical":
            y = np.zeros((len(indices), self.num_classes), dtype=np.float32)
            y[np.arange(len(indices)), labels] = 1.0
            return x_batch, y
        return x_batch


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


def _real(value, name):
    return real_number(value, name)


def _non_negative(value, name):
    return real_number(value, name, low=0.0)


def _check_zoom_range(zoom_range):
    """Keras's rule: a number z means [1 - z, 1 + z]; a pair [lo, hi] is used as given."""
    if isinstance(zoom_range, numbers.Real) and not isinstance(zoom_range, bool):
        z = real_number(zoom_range, "zoom_range")
        return [1 - z, 1 + z]
    pair = _check_pair(zoom_range, "zoom_range")
    if pair is None:
        raise ValueError("zoom_range must be a number or a pair [lower, upper], got None")
    return pair


def _check_pair(value, name):
    """None, or a list [lo, hi] of two finite numbers with lo <= hi."""
    if value is None:
        return None
    if not isinstance(value, (tuple, list, np.ndarray)) or len(value) != 2:
        raise ValueError(f"{name} must be a tuple or list of two floats, got {value!r}")
    lo, hi = (real_number(v, name + " entry") for v in value)
    if lo > hi:
        raise ValueError(f"{name} must be [lower, upper] with lower <= upper, got {value!r}")
    return [lo, hi]
