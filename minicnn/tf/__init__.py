"""``import minicnn.tf as tf``: the TensorFlow names CNN lessons use around Keras, so a lesson written
against ``import tensorflow as tf`` runs with only its import line changed.

* ``tf.keras`` is ``minicnn.keras`` (also ``from minicnn.tf.keras import layers``);
* ``tf.nn.relu`` / ``softmax`` / ``sigmoid`` / ``tanh``, usable as ``activation=``;
* ``tf.random.set_seed``;
* ``tf.convert_to_tensor`` / ``tf.constant`` (``dtype``, ``dtype_hint``), ``tf.cast``, ``tf.argmax``,
  ``tf.one_hot``, ``tf.expand_dims``: NumPy arrays in, NumPy arrays out, with TensorFlow's dtype rules;
* ``tf.image.resize`` (bilinear with half-pixel centres, or nearest);
* ``tf.__version__`` and the dtypes ``tf.float32``, ``tf.int64``, ... (NumPy dtypes).

Anything else raises NotImplementedError naming what to use instead. TensorFlow is never imported.
"""
import importlib
import importlib.abc
import importlib.util
import sys

from .. import keras
from ..keras._compat import module_getattr
from . import dtypes, image, nn, random
from ._tensors import argmax, cast, constant, convert_to_tensor, expand_dims, one_hot
from .dtypes import DTYPES

__version__ = "2.16.0-minicnn"

globals().update(DTYPES)   # tf.float32, tf.int32, tf.uint8, tf.bool, ...
half, double = dtypes.half, dtypes.double

__all__ = ["keras", "nn", "random", "image", "dtypes", "convert_to_tensor", "constant", "cast", "argmax", "one_hot",
           "expand_dims", *DTYPES]


class _KerasAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports of ``minicnn.tf.keras[.x]`` give the module ``minicnn.keras[.x]`` itself (never a second copy)."""

    PREFIX = __name__ + ".keras"

    def find_spec(self, fullname, path=None, target=None):
        if fullname == self.PREFIX or fullname.startswith(self.PREFIX + "."):
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(keras.__name__ + spec.name[len(self.PREFIX):])

    def exec_module(self, module):
        pass


if not any(isinstance(finder, _KerasAlias) for finder in sys.meta_path):
    sys.meta_path.insert(0, _KerasAlias())
sys.modules.setdefault(_KerasAlias.PREFIX, keras)

_NUMPY = "use NumPy on the arrays (minicnn.tf tensors are NumPy arrays)"
__getattr__ = module_getattr("tf", {
    "data": "pass NumPy arrays (or a generator / ImageDataGenerator.flow) to model.fit",
    "GradientTape": "minicnn computes gradients in each layer's backward(): train with model.fit, check gradients "
                    "with minicnn.gradcheck",
    "function": "remove the @tf.function decorator (minicnn runs eagerly)",
    "Variable": "use NumPy arrays (layer weights: layer.get_weights() / set_weights())",
    "config": "minicnn runs on the CPU and needs no device configuration",
    "distribute": "minicnn trains on one CPU: drop the distribution strategy",
    "device": "minicnn runs on the CPU: drop the tf.device block",
    "saved_model": "use model.save(path) / keras.models.load_model(path)",
    "lite": "use model.save(path)",
    "io": "use minicnn.data.load_image(path)",
    "summary": "use keras.callbacks.TensorBoard",
    "math": _NUMPY + ", e.g. numpy.exp", "reduce_mean": "use numpy.mean", "reduce_sum": "use numpy.sum",
    "reduce_max": "use numpy.max", "reshape": "use numpy.reshape", "squeeze": "use numpy.squeeze",
    "concat": "use numpy.concatenate", "stack": "use numpy.stack", "zeros": "use numpy.zeros",
    "ones": "use numpy.ones", "range": "use numpy.arange", "shape": "use numpy.shape (or x.shape)",
    "matmul": "use numpy.matmul (or a @ b)", "transpose": "use numpy.transpose", "Tensor": "use numpy.ndarray",
    "string": "minicnn.tf holds numbers only: keep strings in Python lists",
}, "available: " + ", ".join(n for n in __all__ if n not in DTYPES) + ", __version__ and the dtypes (tf.float32, "
   "...); " + _NUMPY)
