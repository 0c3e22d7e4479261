"""``tf.nn``: the activations CNN lessons pass to layers, as the same callables as
``minicnn.keras.activations`` (so ``Dense(10, activation=tf.nn.softmax)`` selects the built-in
softmax). They compute on NumPy arrays::

    relu(x)    = max(x, 0)
    softmax(x) = exp(x - max x) / sum(exp(x - max x))   over the last axis
    sigmoid(x) = 1 / (1 + exp(-x))                      (computed as (1 + tanh(x / 2)) / 2: no overflow)
    tanh(x)    = (exp(x) - exp(-x)) / (exp(x) + exp(-x))

``sigmoid`` and ``tanh`` are ``minicnn.keras.activations``' functions when that module has them;
otherwise they are the NumPy functions below (named ``sigmoid`` and ``tanh``), which layers refuse
as activations until minicnn.keras.activations supports them.
"""
import numpy as np

from ..keras import activations as _activations
from ..keras._compat import module_getattr


def _float(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * _float(x)))


def _tanh(x):
    return np.tanh(_float(x))


_sigmoid.__name__ = _sigmoid.__qualname__ = "sigmoid"
_tanh.__name__ = _tanh.__qualname__ = "tanh"

relu = _activations.relu
softmax = _activations.softmax
# vars(): the activations module's __getattr__ raises NotImplementedError for names it lacks
sigmoid = vars(_activations).get("sigmoid", _sigmoid)
tanh = vars(_activations).get("tanh", _tanh)

__all__ = ["relu", "softmax", "sigmoid", "tanh"]

__getattr__ = module_getattr("tf.nn", {
    "conv2d": "use keras.layers.Conv2D", "max_pool2d": "use keras.layers.MaxPooling2D",
    "max_pool": "use keras.layers.MaxPooling2D", "avg_pool2d": "use keras.layers.AveragePooling2D",
    "dropout": "use keras.layers.Dropout", "batch_normalization": "use keras.layers.BatchNormalization",
    "softmax_cross_entropy_with_logits": "use keras.losses.CategoricalCrossentropy(from_logits=True)",
    "sparse_softmax_cross_entropy_with_logits": "use keras.losses.SparseCategoricalCrossentropy(from_logits=True)",
}, "available: tf.nn.relu, tf.nn.softmax, tf.nn.sigmoid, tf.nn.tanh")
