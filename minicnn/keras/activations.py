"""``keras.activations``: Keras 3's activation functions, computed with NumPy.

Each function takes an array (or a list) and returns a NumPy array, with Keras's arguments and
defaults (``leaky_relu(x, negative_slope=0.2)``, ``gelu(x, approximate=False)``, ...). Passed as
``activation=`` the function selects the layer's built-in activation of the same name;
``functools.partial(gelu, approximate=True)`` or an activation layer without weights
(``layers.LeakyReLU(0.1)``) selects it with those arguments. The formulas and their derivatives
are in ``minicnn.layers.activation``.
"""
import functools

from ..layers import activation as _core
from ..layers.base import Layer as _Layer
from ._compat import module_getattr, not_implemented

relu, relu6, leaky_relu = _core.relu, _core.relu6, _core.leaky_relu
elu, selu, gelu = _core.elu, _core.selu, _core.gelu
sigmoid, tanh, softplus = _core.sigmoid, _core.tanh, _core.softplus
silu = swish = _core.silu
softmax = _core.softmax


def linear(x):
    return x


#: function -> its activation name (swish is silu, as in Keras)
_NAMES = {relu: "relu", relu6: "relu6", leaky_relu: "leaky_relu", elu: "elu", selu: "selu", gelu: "gelu",
          sigmoid: "sigmoid", tanh: "tanh", softplus: "softplus", silu: "silu", softmax: "softmax",
          linear: "linear"}
SUPPORTED = tuple(sorted(_core.ACTIVATIONS))
_ADVICE = f"supported activations: {', '.join(SUPPORTED)} (nearest: 'relu'; for probabilities: 'softmax')"


def get(identifier):
    """The activation spec (``minicnn.layers.activation``) for a name, one of this module's
    functions (or a ``functools.partial`` of one with keyword arguments), an activation layer
    without weights, or None."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in _core.ACTIVATIONS:
            return identifier
        raise not_implemented(f"activation={identifier!r}", _ADVICE)
    if isinstance(identifier, (dict, _Layer)):
        return _core.activation_spec(identifier)
    if isinstance(identifier, functools.partial) and identifier.func in _NAMES and not identifier.args:
        name = _NAMES[identifier.func]
        return _core.activation_spec({"name": name, **identifier.keywords}) if identifier.keywords else name
    try:
        if identifier in _NAMES:
            return _NAMES[identifier]
    except TypeError:  # unhashable
        pass
    raise not_implemented(f"activation={getattr(identifier, '__name__', identifier)!r} (custom activation "
                          "callables)", _ADVICE)


def serialize(activation):
    return _core.activation_spec(get(activation))


__getattr__ = module_getattr(__name__, {}, _ADVICE)
