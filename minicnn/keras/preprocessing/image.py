"""``keras.preprocessing.image``: Keras's legacy ``ImageDataGenerator``, on ``minicnn.data``'s.

Every option of Keras 3's ``keras.src.legacy.preprocessing.image.ImageDataGenerator`` (channels
last): rotation, shifts, shear, zoom, channel shift, brightness, flips, ``fill_mode`` 'nearest' /
'constant' / 'reflect' / 'wrap', ``rescale``, ``preprocessing_function``, featurewise / samplewise
statistics with ``fit``, ZCA whitening, ``validation_split`` with ``subset=``; ``flow`` (labels
optional) and ``flow_from_directory``. The geometric part is one bilinear affine warp per image,
composed and sampled as Keras (through scipy.ndimage) does; see ``minicnn.data.augment``.

Shifts are drawn exactly as Keras draws them, including a Keras quirk: on channels-last images
``height_shift_range`` (scaled by the height) moves content left/right and ``width_shift_range``
(scaled by the width) up/down (keras-team/keras#17398, tensorflow/tensorflow#82838). An int range
``r`` draws from the integers -(r-1)..r-1, a list from its entries times a random sign, a float
uniformly from [-r, r] (a fraction of the size when below 1). The random numbers come from
minicnn's seeded generators, not NumPy's global state, so the draws are not Keras's own.
"""
import numbers

import numpy as np

from ...data.augment import DirectoryIterator, NumpyArrayIterator  # noqa: F401 (Keras names)
from ...data.augment import ImageDataGenerator as _CoreGenerator
from ...data.image_folder import load_image
from .._compat import module_getattr, not_implemented, require_default


class ImageDataGenerator(_CoreGenerator):
    """Keras's ``ImageDataGenerator(...)``, same arguments, order and defaults."""

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        if data_format not in (None, "channels_last"):
            raise not_implemented(f"ImageDataGenerator(data_format={data_format!r})", "use channels_last (NHWC)")
        require_default("ImageDataGenerator", "dtype", dtype if dtype != "float32" else None, None,
                        "batches are float32")
        if interpolation_order != 1:
            raise not_implemented(f"ImageDataGenerator(interpolation_order={interpolation_order!r})",
                                  "leave interpolation_order=1 (bilinear)")
        super().__init__(fill_mode=fill_mode, cval=cval, horizontal_flip=horizontal_flip,
                         rotation_range=rotation_range, shear_range=shear_range, zoom_range=zoom_range,
                         channel_shift_range=channel_shift_range, brightness_range=brightness_range,
                         vertical_flip=vertical_flip, rescale=rescale, preprocessing_function=preprocessing_function,
                         featurewise_center=featurewise_center, samplewise_center=samplewise_center,
                         featurewise_std_normalization=featurewise_std_normalization,
                         samplewise_std_normalization=samplewise_std_normalization, zca_whitening=zca_whitening,
                         zca_epsilon=zca_epsilon, validation_split=validation_split)
        self.width_shift_range = _keras_shift_range(width_shift_range, "width_shift_range")
        self.height_shift_range = _keras_shift_range(height_shift_range, "height_shift_range")
        self.data_format = "channels_last"
        self.dtype = "float32"

    def _draw_translations(self, height, width, n, rng):
        # Keras: tx from height_shift_range (times the height), ty from width_shift_range.
        return (_keras_draw_shift(self.height_shift_range, height, n, rng),
                _keras_draw_shift(self.width_shift_range, width, n, rng))

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        require_default("ImageDataGenerator.flow", "save_to_dir", save_to_dir, None, "use save_to_dir=None")
        if isinstance(x, (tuple, list)):
            raise not_implemented("flow((x, x_misc))", "pass one image array as x")
        return super().flow(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed, subset=subset,
                            sample_weight=sample_weight, ignore_class_split=ignore_class_split)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        require_default("ImageDataGenerator.flow_from_directory", "save_to_dir", save_to_dir, None,
                        "use save_to_dir=None")
        return super().flow_from_directory(directory, target_size=target_size, color_mode=color_mode,
                                           classes=classes, class_mode=class_mode, batch_size=batch_size,
                                           shuffle=shuffle, seed=seed, subset=subset, interpolation=interpolation,
                                           follow_links=follow_links, keep_aspect_ratio=keep_aspect_ratio)

    def flow_from_dataframe(self, *args, **kwargs):
        raise not_implemented("ImageDataGenerator.flow_from_dataframe", "use flow_from_directory (class folders)")


def _keras_shift_range(value, name):
    """Keras accepts a number >= 0 or a 1-D list of numbers."""
    if isinstance(value, (list, tuple, np.ndarray)):
        values = np.asarray(value, dtype=np.float64)
        if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
            raise ValueError(f"{name} must be a number or a 1-D list of numbers, got {value!r}")
        return list(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a non-negative number or a list of numbers, got {value!r}")
    return value


def _keras_draw_shift(shift_range, size, n, rng):
    """Keras's ``get_random_transform`` rule for one shift, for ``n`` images (float64 (n,))."""
    if isinstance(shift_range, list):
        values = np.asarray(shift_range, dtype=np.float64)
        shift = rng.choice(values, n) * rng.choice([-1.0, 1.0], n)
        return shift * size if values.max() < 1 else shift
    if not shift_range:
        return np.zeros(n)
    if isinstance(shift_range, numbers.Integral):
        return rng.integers(0, int(shift_range), n).astype(np.float64) * rng.choice([-1.0, 1.0], n)
    shift = rng.uniform(-shift_range, shift_range, n)
    return shift * size if shift_range < 1 else shift


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """The image at ``path`` as uint8 (h, w, c) NumPy array (Keras returns a PIL image; use
    ``img_to_array`` on either). Resized to ``target_size`` (height, width) as Keras does."""
    return load_image(path, target_size, resize="stretch", color_mode=color_mode, interpolation=interpolation,
                      keep_aspect_ratio=keep_aspect_ratio)


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image or array as float32 (h, w, c) (a 2-D image gets a channel axis)."""
    if data_format not in (None, "channels_last"):
        raise not_implemented(f"img_to_array(data_format={data_format!r})", "use channels_last")
    array = np.asarray(img, dtype=np.float32 if dtype is None else dtype)
    return array[:, :, None] if array.ndim == 2 else array


__getattr__ = module_getattr(__name__, {
    "array_to_img": "use matplotlib or PIL on the array",
}, "available: preprocessing.image.ImageDataGenerator, load_img, img_to_array")
