"""``tf.image.resize``: TensorFlow 2's resize with its defaults (half-pixel centres, no antialiasing).

``images``: ``(H, W, C)`` or ``(N, H, W, C)``; ``size``: ``(new_height, new_width)``.

* ``method="bilinear"`` (the default): along each axis output ``o`` samples the input at
  ``t = (o + 0.5) * in/out - 0.5``, clamped to the edge pixels, with linear weights (see
  :func:`minicnn.layers.reshaping.bilinear_taps`). Returns float32, as TensorFlow does for any input dtype.
* ``method="nearest"``: ``y[o] = x[min(floor((o + 0.5) * in/out), in - 1)]``; keeps the dtype.
* ``preserve_aspect_ratio=True``: scales both axes by ``min(new_h / h, new_w / w)`` (rounded to
  the nearest even, in float32, as TensorFlow).
"""
import numpy as np

from ..keras._compat import module_getattr, not_implemented
from ..layers.reshaping import resize_bilinear
from ._tensors import as_array


class ResizeMethod:
    """``tf.image.ResizeMethod``: the method names ``tf.image.resize`` takes."""
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


_OTHER_METHODS = ("bicubic", "area", "lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def _nearest_indices(in_size, out_size):
    scale = np.float32(in_size) / np.float32(out_size)
    t = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale
    return np.minimum(np.floor(t).astype(np.int64), in_size - 1)


def _target_size(size, height, width, preserve_aspect_ratio):
    try:
        dims = tuple(size)
    except TypeError:
        dims = ()
    if len(dims) != 2 or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) for d in dims):
        raise ValueError(f"size must be 2 ints (new_height, new_width), got {size!r}")
    if min(dims) < 1:
        raise ValueError(f"size must be positive (new_height, new_width), got {tuple(int(d) for d in dims)}")
    if not preserve_aspect_ratio:
        return int(dims[0]), int(dims[1])
    scale = min(np.float32(dims[0]) / np.float32(height), np.float32(dims[1]) / np.float32(width))
    return int(np.round(scale * np.float32(height))), int(np.round(scale * np.float32(width)))


def resize(images, size, method="bilinear", preserve_aspect_ratio=False, antialias=False, name=None):
    """``tf.image.resize(images, size)`` on NumPy arrays (see the module docstring)."""
    x = as_array(images)
    if x.ndim not in (3, 4):
        raise ValueError(f"'images' must have either 3 or 4 dimensions ((height, width, channels) or (batch, "
                         f"height, width, channels)), got shape {x.shape}")
    if x.dtype.kind not in "fiub":
        raise ValueError(f"images must be numbers, got dtype {x.dtype}")
    if not isinstance(method, str) or method not in ("bilinear", "nearest") + _OTHER_METHODS:
        raise ValueError(f"Resize method is not implemented: {method!r}; use one of tf.image.ResizeMethod's names")
    if method in _OTHER_METHODS:
        raise not_implemented(f"tf.image.resize(method={method!r})", "use method='bilinear' or 'nearest'")
    if antialias:
        raise not_implemented("tf.image.resize(antialias=True)", "use antialias=False (TensorFlow's default)")
    batch = x if x.ndim == 4 else x[None]
    out_h, out_w = _target_size(size, batch.shape[1], batch.shape[2], preserve_aspect_ratio)
    if method == "nearest":
        out = batch[:, _nearest_indices(batch.shape[1], out_h)][:, :, _nearest_indices(batch.shape[2], out_w)]
    else:
        out = resize_bilinear(batch.astype(np.float32, copy=False), out_h, out_w)
    return out if x.ndim == 4 else out[0]


__getattr__ = module_getattr("tf.image", {
    "flip_left_right": "flip with NumPy (images[:, :, ::-1]) or keras.layers.RandomFlip / ImageDataGenerator",
    "random_flip_left_right": "use keras.preprocessing.image.ImageDataGenerator(horizontal_flip=True)",
    "rgb_to_grayscale": "use NumPy: images @ [0.2989, 0.587, 0.114]",
    "decode_jpeg": "use minicnn.data.load_image(path)", "decode_png": "use minicnn.data.load_image(path)",
    "convert_image_dtype": "use tf.cast(images, tf.float32) / 255.0",
}, "available: tf.image.resize")
