"""``keras.utils``: ``to_categorical`` (also as ``np_utils.to_categorical``), ``set_random_seed``,
``normalize``, ``image_dataset_from_directory`` and ``plot_model`` (drawn with matplotlib; no graphviz
or pydot needed)."""
import random
import sys
import types
import warnings

import numpy as np

from ..data import image_dataset_from_directory, to_categorical
from ..rng import set_seed
from ._compat import module_getattr, require_default

__all__ = ["to_categorical", "set_random_seed", "normalize", "np_utils", "plot_model",
           "image_dataset_from_directory"]


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


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True,
               rankdir="TB", expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False,
               **kwargs):
    """Keras's ``plot_model``: the model's graph written to ``to_file`` (PNG); returns the matplotlib
    Figure (Keras returns an IPython image)."""
    from ..plots import plot_model as _plot_model
    for argument, value in (("show_dtype", show_dtype), ("expand_nested", expand_nested),
                            ("show_layer_activations", show_layer_activations), ("show_trainable", show_trainable)):
        require_default("plot_model", argument, value, False, "draw names and shapes only")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to plot_model: {kwargs}")
    return _plot_model(model, to_file, show_shapes=show_shapes, show_layer_names=show_layer_names,
                       rankdir=rankdir, dpi=dpi)


__getattr__ = module_getattr(__name__, {
    "load_img": "use minicnn.data.load_image_folder(path)",
    "img_to_array": "use numpy.asarray(image, dtype='float32')",
}, "available: utils.to_categorical, utils.set_random_seed, utils.normalize")
