"""``keras.initializers``: Keras 3's initializer classes and names (``minicnn.initializers``).

Names (``'glorot_uniform'``, ``'he_normal'``, ``'HeNormal'``, ...) and objects
(``RandomNormal(stddev=0.01, seed=1)``, ...) both work, with Keras 3's seeding: an object with a
seed returns the same values on every call; names draw from the global generator
(``keras.utils.set_random_seed``).
"""
from .. import initializers as _core
from ._compat import keras_get, module_getattr

Initializer = _core.Initializer
GlorotUniform = glorot_uniform = _core.GlorotUniform
GlorotNormal = glorot_normal = _core.GlorotNormal
HeUniform = he_uniform = _core.HeUniform
HeNormal = he_normal = _core.HeNormal
LecunUniform = lecun_uniform = _core.LecunUniform
LecunNormal = lecun_normal = _core.LecunNormal
RandomNormal = random_normal = _core.RandomNormal
RandomUniform = random_uniform = _core.RandomUniform
TruncatedNormal = truncated_normal = _core.TruncatedNormal
VarianceScaling = variance_scaling = _core.VarianceScaling
Constant = constant = _core.Constant
Zeros = zeros = _core.Zeros
Ones = ones = _core.Ones

_ADVICE = ("supported: " + ", ".join(sorted(_core.CLASSES)) + " and their snake_case names "
           "(nearest: 'glorot_uniform')")


get = keras_get(_core.get, 'initializer', _ADVICE)


serialize = _core.serialize
__getattr__ = module_getattr(__name__, {"Orthogonal": "use GlorotUniform", "Identity": "use GlorotUniform"},
                             _ADVICE)
