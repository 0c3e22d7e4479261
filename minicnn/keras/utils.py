"""``keras.utils``: ``to_categorical`` (also as ``np_utils.to_categorical``) and ``set_random_seed``."""
import random
import types

import numpy as np

from ..data import to_categorical
from ..rng import set_seed
from ._compat import module_getattr

__all__ = ["to_categorical", "set_random_seed", "normalize", "np_utils"]


def set_random_seed(seed):
    """Seed minicnn's generator (weights, dropout, shuffling), NumPy's global one and Python's
    ``random``, as Keras's ``set_random_seed`` seeds Python, NumPy and its backend."""
    set_seed(seed)
    random.seed(seed)


def normalize(x, axis=-1, order=2):
    """Keras's ``utils.normalize``: ``x / ||x||_order`` along ``axis`` (L2 over the last axis by
    default); a zero norm leaves zeros (Keras divides by the norm with zeros replaced by 1)."""
    x = np.asarray(x)
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


#: ``from keras.utils import np_utils`` (Keras 2's location of to_categorical)
np_utils = types.ModuleType("np_utils", "Keras 2's home of to_categorical.")
np_utils.to_categorical = to_categorical

__getattr__ = module_getattr(__name__, {
    "plot_model": "use model.summary()",
    "image_dataset_from_directory": "use minicnn.data.load_image_folder(path)",
    "load_img": "use minicnn.data.load_image_folder(path)",
    "img_to_array": "use numpy.asarray(image, dtype='float32')",
}, "available: utils.to_categorical, utils.set_random_seed, utils.normalize")
