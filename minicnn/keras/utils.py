"""``keras.utils``: ``to_categorical`` (also as ``np_utils.to_categorical``) and ``set_random_seed``."""
import sys
import types
import warnings

from ..data import to_categorical
from ..rng import set_seed
from ._compat import module_getattr

__all__ = ["to_categorical", "set_random_seed", "np_utils"]


def set_random_seed(seed):
    """Seed minicnn's generator (weights, dropout, shuffling) and NumPy's global one."""
    set_seed(seed)


def _np_utils_to_categorical(y, num_classes=None):
    """Keras 2's ``keras.utils.np_utils.to_categorical``: ``keras.utils.to_categorical`` with a
    DeprecationWarning (Keras 3 removed the ``np_utils`` module)."""
    warnings.warn("keras.utils.np_utils.to_categorical is Keras 2's location; Keras 3 removed the np_utils "
                  "module: use keras.utils.to_categorical", DeprecationWarning, stacklevel=2)
    return to_categorical(y, num_classes)


_np_utils_to_categorical.__name__ = _np_utils_to_categorical.__qualname__ = "to_categorical"

#: ``from keras.utils import np_utils`` / ``from keras.utils.np_utils import to_categorical``
#: (Keras 2's location of to_categorical)
np_utils = types.ModuleType(__name__ + ".np_utils", "Keras 2's home of to_categorical (removed in Keras 3).")
np_utils.to_categorical = _np_utils_to_categorical
np_utils.__getattr__ = module_getattr(np_utils.__name__, {}, "available: utils.np_utils.to_categorical "
                                                             "(Keras 3: utils.to_categorical)")
sys.modules[np_utils.__name__] = np_utils

__getattr__ = module_getattr(__name__, {
    "plot_model": "use model.summary()",
    "image_dataset_from_directory": "use minicnn.data.load_image_folder(path)",
    "normalize": "scale the arrays with NumPy (e.g. x / 255.0)",
    "load_img": "use minicnn.data.load_image_folder(path)",
    "img_to_array": "use numpy.asarray(image, dtype='float32')",
}, "available: utils.to_categorical, utils.set_random_seed")
