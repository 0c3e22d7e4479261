"""``keras.preprocessing.image.ImageDataGenerator`` on top of ``minicnn.data.ImageDataGenerator``.

Supported: ``width_shift_range``, ``height_shift_range``, ``horizontal_flip``, ``fill_mode``
('nearest', 'constant'), ``cval`` and ``rescale`` (applied after the random transform, as Keras
does). Shifts are whole pixels (see ``minicnn.data.augment``). Other options (rotation, zoom,
shear, brightness, featurewise statistics, ...) raise NotImplementedError.
"""
from ...data import ImageDataGenerator as _CoreGenerator
from .._compat import module_getattr, not_implemented, require_default

_SHIFTS = "use width_shift_range / height_shift_range and horizontal_flip"
_UNSUPPORTED = {  # argument: (Keras default, nearest supported)
    "featurewise_center": (False, "standardize the arrays before flow (minicnn.data.Standardizer)"),
    "samplewise_center": (False, "standardize the arrays before flow (minicnn.data.Standardizer)"),
    "featurewise_std_normalization": (False, "standardize the arrays before flow (minicnn.data.Standardizer)"),
    "samplewise_std_normalization": (False, "standardize the arrays before flow (minicnn.data.Standardizer)"),
    "zca_whitening": (False, "standardize the arrays before flow (minicnn.data.Standardizer)"),
    "zca_epsilon": (1e-6, "leave zca_epsilon at its default"),
    "rotation_range": (0, _SHIFTS), "brightness_range": (None, _SHIFTS), "shear_range": (0.0, _SHIFTS),
    "zoom_range": (0.0, _SHIFTS), "channel_shift_range": (0.0, _SHIFTS), "vertical_flip": (False, _SHIFTS),
    "preprocessing_function": (None, "transform the arrays before flow"),
    "validation_split": (0.0, "split the arrays yourself (minicnn.data.train_test_split)"),
    "interpolation_order": (1, "leave interpolation_order at its default"),
}


class ImageDataGenerator(_CoreGenerator):
    def __init__(self, width_shift_range=0.0, height_shift_range=0.0, horizontal_flip=False, fill_mode="nearest",
                 cval=0.0, rescale=None, data_format=None, dtype=None, **kwargs):
        for argument, value in kwargs.items():
            if argument not in _UNSUPPORTED:
                raise TypeError(f"ImageDataGenerator got an unexpected keyword argument {argument!r}")
            default, nearest = _UNSUPPORTED[argument]
            require_default("ImageDataGenerator", argument, value, default, nearest)
        if data_format not in (None, "channels_last"):
            raise not_implemented(f"ImageDataGenerator(data_format={data_format!r})", "use channels_last (NHWC)")
        require_default("ImageDataGenerator", "dtype", dtype if dtype != "float32" else None, None,
                        "batches are float32")
        super().__init__(width_shift_range=width_shift_range, height_shift_range=height_shift_range,
                         horizontal_flip=horizontal_flip, fill_mode=fill_mode, cval=cval)
        self.rescale = rescale

    def random_transform_batch(self, x, rng=None):
        out = super().random_transform_batch(x, rng)
        if self.rescale:
            out *= self.rescale
        return out

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Keras computes featurewise statistics here; minicnn's supported options need none."""

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        for argument, value, default in (("sample_weight", sample_weight, None), ("save_to_dir", save_to_dir, None),
                                         ("subset", subset, None)):
            require_default("ImageDataGenerator.flow", argument, value, default, f"use {argument}=None")
        return super().flow(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)


__getattr__ = module_getattr(__name__, {
    "load_img": "use minicnn.data.load_image_folder(path)",
    "img_to_array": "use numpy.asarray(image, dtype='float32')",
    "array_to_img": "use matplotlib or PIL on the array",
}, "available: preprocessing.image.ImageDataGenerator")
