"""``keras.activations``: the activations minicnn layers implement (relu, softmax, linear).

The functions compute on NumPy arrays; passed as ``activation=`` they select the layer's
built-in activation (the same as the string names).
"""
import numpy as np

from ..layers.activation import softmax as _softmax
from ._compat import module_getattr, not_implemented

SUPPORTED = ("relu", "softmax", "linear")
_ADVICE = "supported activations: 'relu', 'softmax', 'linear' (nearest: 'relu'; for probabilities: 'softmax')"


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    if negative_slope != 0.0 or max_value is not None or threshold != 0.0:
        raise not_implemented("activations.relu with negative_slope, max_value or threshold",
                              "use the plain relu(x)")
    return np.maximum(x, 0)


def softmax(x, axis=-1):
    if axis != -1:
        raise not_implemented(f"activations.softmax(axis={axis})", "use axis=-1")
    x = np.asarray(x)
    return _softmax(x if x.dtype.kind == "f" else x.astype(np.float32))


def linear(x):
    return x


def get(identifier):
    """The activation's name for a string, one of this module's functions, or None."""
    if identifier is None:
        return None
    for name in SUPPORTED:
        if identifier == name or identifier is globals()[name]:
            return name
    if isinstance(identifier, str):
        raise not_implemented(f"activation={identifier!r}", _ADVICE)
    raise not_implemented(f"activation={getattr(identifier, '__name__', identifier)!r} (custom activation "
                          "callables)", _ADVICE)


__getattr__ = module_getattr(__name__, {}, _ADVICE)
