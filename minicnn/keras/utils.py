"""``keras.utils``: ``to_categorical`` (also as ``np_utils.to_categorical``), ``set_random_seed`` and
``image_dataset_from_directory``."""
import types

from ..data import image_dataset_from_directory, to_categorical
from ..rng import set_seed
from ._compat import module_getattr

__all__ = ["to_categorical", "set_random_seed", "np_utils", "image_dataset_from_directory"]


def set_random_seed(seed):
    """Seed minicnn's generator (weights, dropout, shuffling) and NumPy's global one."""
    set_seed(seed)


#: ``from keras.utils import np_utils`` (Keras 2's location of to_categorical)
np_utils = types.ModuleType("np_utils", "Keras 2's home of to_categorical.")
np_utils.to_categorical = to_categorical

__getattr__ = module_getattr(__name__, {
    "plot_model": "use model.summary()",
    "normalize": "scale the arrays with NumPy (e.g. x / 255.0)",
    "load_img": "use minicnn.data.load_image_folder(path)",
    "img_to_array": "use numpy.asarray(image, dtype='float32')",
}, "available: utils.to_categorical, utils.set_random_seed")
