"""``keras.initializers``: the initializers minicnn implements, as Keras classes and names.

Keras's names ('glorot_uniform', 'he_normal', ...) and classes (``GlorotUniform()``, ...) both
work; minicnn draws them from its global generator (``keras.utils.set_random_seed``).
"""
from .. import initializers as _core
from ._compat import module_getattr, not_implemented

_ADVICE = "supported: 'glorot_uniform', 'he_uniform', 'he_normal', 'zeros', 'ones' (nearest: 'glorot_uniform')"


class Initializer:
    name = None

    def __init__(self, seed=None):
        if seed is not None:
            raise not_implemented(f"initializers.{type(self).__name__}(seed={seed!r})",
                                  "seed everything with keras.utils.set_random_seed(seed)")

    def get_config(self):
        return {}


class GlorotUniform(Initializer):
    name = "glorot_uniform"


class HeUniform(Initializer):
    name = "he_uniform"


class HeNormal(Initializer):
    name = "he_normal"


class Zeros(Initializer):
    name = "zeros"

    def __init__(self):
        super().__init__()


class Ones(Zeros):
    name = "ones"


def get(identifier, owner="initializer"):
    """minicnn's initializer name for a Keras name or initializer object."""
    if isinstance(identifier, Initializer):
        return identifier.name
    if isinstance(identifier, str):
        name = {"GlorotUniform": "glorot_uniform", "HeUniform": "he_uniform", "HeNormal": "he_normal",
                "Zeros": "zeros", "Ones": "ones"}.get(identifier, identifier)
        if name in _core.INITIALIZERS:
            return name
    raise not_implemented(f"{owner}={identifier!r}", _ADVICE)


__getattr__ = module_getattr(__name__, {}, _ADVICE)
