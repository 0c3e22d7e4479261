"""Activations with Keras 3's formulas: as functions, as layers, and as ``activation=`` specs.

Each activation is a function of the pre-activation ``x`` (elementwise unless noted) with its
derivative; ``backward`` returns ``dx = dy * f'(x)``. Derivatives at kinks follow TensorFlow
(ReLU-like masks use strict comparisons, so f'(0) = 0 for ReLU).

================  ===========================================  ======================================
name              forward ``y = f(x)``                         derivative ``f'(x)``
================  ===========================================  ======================================
relu              ``max(x, 0)``                                ``[x > 0]``
ReLU(max_value,   ``min(x if x > t else 0, max_value)``        ``[t < x < max_value] (and x > 0 when
negative_slope=a,   ``- a * max(t - x, 0)``                    clipping) + a * [x < t]``
threshold=t)
leaky_relu        ``x if x > 0 else a * x`` (a = 0.2; the      ``1 if x > 0 else a``
                  LeakyReLU layer's default is 0.3)
PReLU             ``max(x, 0) - alpha * max(-x, 0)``,          ``[x > 0] + alpha * [x < 0]`` (0 at 0);
                  alpha trainable, shape input_shape with      ``dL/dalpha = sum dy * min(x, 0)`` over
                  ``shared_axes`` set to 1                     the batch and shared axes
elu               ``x if x > 0 else alpha * (exp(x) - 1)``     ``1 if x > 0 else alpha * exp(x)``
selu              ``scale * elu(x, alpha)``, alpha =           ``scale * (1 if x > 0 else
                  1.67326324..., scale = 1.05070098...           alpha * exp(x))``
sigmoid           ``1 / (1 + exp(-x))`` (stable form)          ``y * (1 - y)``
tanh              ``tanh(x)``                                  ``1 - y^2``
softplus          ``log(1 + exp(x))`` (``logaddexp(0, x)``)    ``sigmoid(x)``
silu / swish      ``x * sigmoid(x)``                           ``s * (1 + x * (1 - s))``, s = sigmoid(x)
gelu              ``0.5 x (1 + erf(x / sqrt 2))`` (Keras's     ``0.5 (1 + erf(x / sqrt 2))
                  default, ``approximate=False``)              + x exp(-x^2 / 2) / sqrt(2 pi)``
gelu approximate  ``0.5 x (1 + tanh(u))``, u = sqrt(2/pi)      ``0.5 (1 + t) + 0.5 x (1 - t^2) u'``,
                  ``(x + 0.044715 x^3)``                       t = tanh(u), u' = sqrt(2/pi)(1 + 3*0.044715 x^2)
softmax           ``exp(x - max x) / sum exp(x - max x)`` over ``dx = y * (dy - sum(dy * y))`` over
                  ``axis``                                     the same axes
================  ===========================================  ======================================

Heads: a layer ending in softmax (``ends_in_softmax``) or sigmoid (``ends_in_sigmoid``) keeps
``logits`` (its last input) and has ``backward_logits(dz)`` (dz is already dL/dlogits), so the
model can use the fused, stable cross-entropies instead of differentiating through the
activation (see ``minicnn.losses``).

An ``activation=`` argument (Dense, Conv2D, Activation) is a *spec*: None, a name from
:data:`ACTIVATIONS`, or ``{"name": name, **arguments}`` (e.g. ``{"name": "leaky_relu",
"negative_slope": 0.1}``, ``{"name": "gelu", "approximate": True}``), JSON as it stands, or an
activation layer without weights (``LeakyReLU(0.1)``), which is turned into its spec.
"""
import numpy as np

from .. import constraints as constraints_module
from .. import initializers
from .. import regularizers as regularizers_module
from ..kernels import special
from ..kernels.special import erf
from .base import Layer

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = 0.7978845608028654
_SQRT_2 = 1.4142135623730951
_GELU_CUBIC = 0.044715


def _float_array(x):
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float32)


# ---------------------------------------------------------------------- functions (NumPy in, NumPy out)
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Keras's ``relu``: ``max(x, 0)``; with ``threshold`` t, ``x if x > t else 0``; clipped to
    ``[0, max_value]``; minus ``negative_slope * max(t - x, 0)`` (Keras's order of operations)."""
    x = _float_array(x)
    y = np.maximum(x, 0) if threshold == 0 else np.where(x > threshold, x, 0)
    if max_value is not None:
        y = np.clip(y, 0, max_value)
    if negative_slope != 0:
        y = y - negative_slope * np.maximum(threshold - x, 0)
    return y


def relu_derivative(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """``f'(x)`` of :func:`relu` with the same arguments (0 at the kinks, as TensorFlow)."""
    passed = x > threshold
    if max_value is not None:
        passed &= (x > 0) & (x < max_value)
    d = passed.astype(x.dtype)
    if negative_slope != 0:
        d += negative_slope * (x < threshold)
    return d


def relu6(x):
    return relu(x, max_value=6.0)


def leaky_relu(x, negative_slope=0.2):
    x = _float_array(x)
    return np.where(x > 0, x, negative_slope * x)


def elu(x, alpha=1.0):
    x = _float_array(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def selu(x):
    return SELU_SCALE * elu(x, SELU_ALPHA)


def sigmoid(x):
    """``1 / (1 + exp(-x))`` without overflow: ``e / (1 + e)`` with ``e = exp(x)`` for x < 0."""
    x = _float_array(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def tanh(x):
    return np.tanh(_float_array(x))


def softplus(x):
    return np.logaddexp(0, _float_array(x))


def silu(x):
    x = _float_array(x)
    return x * sigmoid(x)


swish = silu


def gelu(x, approximate=False):
    x = _float_array(x)
    if approximate:
        return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x ** 3)))
    return 0.5 * x * (1 + erf(x / _SQRT_2))


def softmax(z, axis=-1):
    """Numerically stable softmax over ``axis`` (an int or a tuple of axes)."""
    z = _float_array(z)
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


# ---------------------------------------------------------------------- layers
class ElementwiseActivation(Layer):
    """Base of the activation layers: ``forward`` keeps ``x`` (also exposed as ``logits``) and
    ``y = function(x)``; ``backward(dy) = dy * derivative(x, y)``. Subclasses set ``name_in_spec``
    (their name in :data:`ACTIVATIONS`) and ``arguments`` (their constructor arguments)."""

    name_in_spec = None
    arguments = ()
    ends_in_softmax = False
    ends_in_sigmoid = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.logits = None

    def function(self, x):
        raise NotImplementedError

    def derivative(self, x, y):
        raise NotImplementedError

    def forward(self, x, training=False):
        self.check_input(x)
        self.logits = x
        self.y = self.function(x)
        return self.y

    def backward(self, dy):
        return dy * self.derivative(self.logits, self.y)

    def backward_logits(self, dz):
        return dz

    def kink_state(self):
        """The decisions of the last forward pass (``[]`` before one): see :meth:`decisions`."""
        return [] if self.logits is None else self.decisions(self.logits)

    def decisions(self, x):
        """The masks of the branches ``derivative`` takes for inputs ``x``; smooth activations have none.
        Each mask is False at the kink itself when the derivative there is the left side's."""
        return []

    def spec_arguments(self):
        return {name: getattr(self, name) for name in self.arguments}

    def get_config(self):
        return {**super().get_config(), **self.spec_arguments()}


def _non_negative(owner, name, value, allow_none=False):
    if value is None and allow_none:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or value < 0:
        raise ValueError(f"{name} of a {owner} layer must be a float >= 0"
                         f"{' or None' if allow_none else ''}, got {name}={value!r}")
    return float(value)


class ReLU(ElementwiseActivation):
    """Keras's ReLU layer: ``ReLU()`` is ``max(x, 0)``; ``ReLU(max_value=6)`` clips at 6,
    ``negative_slope`` and ``threshold`` as in :func:`relu` (all >= 0, as Keras requires)."""

    name_in_spec = "relu"
    arguments = ("max_value", "negative_slope", "threshold")

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _non_negative("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _non_negative("ReLU", "negative_slope", negative_slope)
        self.threshold = _non_negative("ReLU", "threshold", threshold)
        self.plain = self.max_value is None and self.negative_slope == 0 and self.threshold == 0

    def function(self, x):
        if self.plain:
            return np.maximum(x, 0)
        return relu(x, self.negative_slope, self.max_value, self.threshold)

    def derivative(self, x, y):
        if self.plain:
            return y > 0
        return relu_derivative(x, self.negative_slope, self.max_value, self.threshold)

    def decisions(self, x):
        """``x > t`` (passed), ``x < t`` when the slope there is not 0, and the clip at ``max_value``.
        At ``x == t`` a plain ReLU's mask equals its left side's, so the gradient check judges the
        derivative 0 there against the left slope."""
        t = self.threshold
        masks = [x > t]
        if self.negative_slope != 0:
            masks.append(x < t)
        if self.max_value is not None:
            masks += [x > 0, x < self.max_value]
        return masks


class LeakyReLU(ElementwiseActivation):
    """``x if x > 0 else negative_slope * x`` (Keras's default negative_slope=0.3 for the layer;
    Keras 2's ``alpha=`` is accepted with a DeprecationWarning by ``minicnn.keras.layers``)."""

    name_in_spec = "leaky_relu"
    arguments = ("negative_slope",)

    def __init__(self, negative_slope=0.3, **kwargs):
        super().__init__(**kwargs)
        self.negative_slope = _non_negative("LeakyReLU", "negative_slope", negative_slope)

    def function(self, x):
        return leaky_relu(x, self.negative_slope)

    def derivative(self, x, y):
        return np.where(x > 0, 1, self.negative_slope).astype(x.dtype)

    def decisions(self, x):
        return [x > 0]


class ELU(ElementwiseActivation):
    name_in_spec = "elu"
    arguments = ("alpha",)

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def function(self, x):
        return elu(x, self.alpha)

    def derivative(self, x, y):
        return np.where(x > 0, 1, self.alpha * np.exp(np.minimum(x, 0))).astype(x.dtype)

    def decisions(self, x):  # f' jumps from alpha to 1 at 0 unless alpha == 1
        return [x > 0]


class SELU(ElementwiseActivation):
    """Used through ``Activation("selu")`` (Keras has no SELU layer)."""

    name_in_spec = "selu"

    def function(self, x):
        return selu(x)

    def derivative(self, x, y):
        return SELU_SCALE * np.where(x > 0, 1, SELU_ALPHA * np.exp(np.minimum(x, 0))).astype(x.dtype)

    def decisions(self, x):  # f' jumps from scale * alpha to scale at 0
        return [x > 0]


class Sigmoid(ElementwiseActivation):
    """Used through ``Activation("sigmoid")`` or ``activation="sigmoid"`` (Keras has no Sigmoid
    layer). ``ends_in_sigmoid``: the binary cross-entropy can start from ``logits``."""

    name_in_spec = "sigmoid"
    ends_in_sigmoid = True

    def function(self, x):
        return sigmoid(x)

    def derivative(self, x, y):
        return y * (1 - y)


class Tanh(ElementwiseActivation):
    name_in_spec = "tanh"

    def function(self, x):
        return tanh(x)

    def derivative(self, x, y):
        return 1 - y * y


class Softplus(ElementwiseActivation):
    name_in_spec = "softplus"

    def function(self, x):
        return softplus(x)

    def derivative(self, x, y):
        return sigmoid(x)


class SiLU(ElementwiseActivation):
    name_in_spec = "silu"

    def function(self, x):
        return silu(x)

    def derivative(self, x, y):
        s = sigmoid(x)
        return s * (1 + x * (1 - s))


class GELU(ElementwiseActivation):
    """``approximate=False`` (Keras's default for ``activation="gelu"``) uses erf; True the tanh form."""

    name_in_spec = "gelu"
    arguments = ("approximate",)

    def __init__(self, approximate=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(approximate, (bool, np.bool_)):
            raise ValueError(f"gelu's approximate must be True or False, got {approximate!r}")
        self.approximate = bool(approximate)

    def function(self, x):
        if not self.approximate:  # one fused pass (kernels.special); the same formula
            return special.gelu(x)
        return gelu(x, self.approximate)

    def backward(self, dy):
        if not self.approximate:
            return special.gelu_backward(self.logits, dy)
        return super().backward(dy)

    def derivative(self, x, y):
        if self.approximate:
            t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_CUBIC * x ** 3))
            du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * x * x)
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du
        return 0.5 * (1 + erf(x / _SQRT_2)) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


class PReLU(Layer):
    """Parametric ReLU: ``y = max(x, 0) - alpha * max(-x, 0)`` with a trainable ``alpha`` of shape
    ``input_shape`` where the (1-based, batch = 0) ``shared_axes`` have size 1.

    Backward: ``dx = dy * ([x > 0] + alpha * [x < 0])``, so 0 at the kink x = 0 as in Keras on
    TensorFlow (``relu(x) - alpha * relu(-x)``, and relu' is 0 at 0; PyTorch takes alpha there);
    ``dL/dalpha = sum(dy * min(x, 0))`` over the batch axis and ``shared_axes``.
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers_module.get(alpha_regularizer)
        self.alpha_constraint = constraints_module.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) or a < 1 for a in axes):
                raise ValueError(f"PReLU's shared_axes are axes of the input counting the batch as 0, so ints "
                                 f">= 1, got shared_axes={shared_axes!r}")
            self.shared_axes = [int(a) for a in axes]

    def build(self, input_shape):
        out = super().build(input_shape)
        shape = list(self.input_shape)
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise ValueError(f"PReLU shared_axes={self.shared_axes} refers to axis {axis}, but the inputs "
                                 f"{(None,) + self.input_shape} have axes 1..{len(shape)}")
            shape[axis - 1] = 1
        self.add_param("alpha", initializers.initialize(self.alpha_initializer, tuple(shape), self.dtype),
                       regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        return out

    def forward(self, x, training=False):
        self.check_input(x)
        self.x = x
        return np.maximum(x, 0) - self.params["alpha"] * np.maximum(-x, 0)

    def backward(self, dy):
        x = self.x
        alpha = self.params["alpha"]
        self.grads["alpha"][...] = (dy * np.minimum(x, 0)).sum(axis=(0,) + tuple(self.shared_axes or ()),
                                                              keepdims=True)[0]
        self.add_regularization_gradients()
        return dy * ((x > 0) + alpha * (x < 0))

    def kink_state(self):
        """``[x > 0, x < 0]``: at x = 0 the derivative 0 is neither side's slope (1 and alpha), so both
        masks flip there, and the gradient check counts the coordinate as unverifiable instead of
        judging it against one side (as for ``ReLU(negative_slope=a)``, the same function)."""
        x = getattr(self, "x", None)
        return [x > 0, x < 0] if x is not None else []

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers_module.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints_module.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}


class Softmax(ElementwiseActivation):
    """Softmax over ``axis`` (an int or a list of ints, counted with the batch axis as in Keras;
    default -1, the classes). Backward: ``dx = y * (dy - sum(dy * y))`` over the same axes.
    Followed by a cross-entropy loss over the last axis, the model skips this and uses the fused
    gradient ``p - onehot`` instead (see ``minicnn.losses``)."""

    name_in_spec = "softmax"
    arguments = ("axis",)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, (int, np.integer)) for a in axes):
            raise ValueError(f"Softmax axis must be an int or a list of ints, got axis={axis!r}")
        self.axis = [int(a) for a in axes] if isinstance(axis, (list, tuple)) else int(axis)
        self._axes = tuple(int(a) for a in axes)

    def compute_output_shape(self, input_shape):
        rank = len(input_shape) + 1
        if any(not -rank <= a < rank for a in self._axes):
            raise ValueError(f"Softmax axis={self.axis} is out of range for inputs {(None,) + tuple(input_shape)}")
        return input_shape

    @property
    def ends_in_softmax(self):
        """True for a softmax over the last axis only (what the fused cross-entropy computes)."""
        if len(self._axes) != 1:
            return False
        return self._axes[0] == -1 or (self.input_shape is not None and self._axes[0] == len(self.input_shape))

    def function(self, x):
        return softmax(x, self._axes)

    def backward(self, dy):
        return self.y * (dy - (dy * self.y).sum(axis=self._axes, keepdims=True))


#: name -> (layer class, arguments) for every activation name minicnn implements
ACTIVATIONS = {
    "linear": None,
    "relu": (ReLU, {}),
    "relu6": (ReLU, {"max_value": 6.0}),
    "leaky_relu": (LeakyReLU, {"negative_slope": 0.2}),
    "elu": (ELU, {}),
    "selu": (SELU, {}),
    "gelu": (GELU, {}),
    "sigmoid": (Sigmoid, {}),
    "tanh": (Tanh, {}),
    "softplus": (Softplus, {}),
    "silu": (SiLU, {}),
    "swish": (SiLU, {}),
    "softmax": (Softmax, {}),
}


def _unknown(activation):
    return ValueError(f"unknown activation {activation!r}; expected None, one of {sorted(ACTIVATIONS)}, "
                      "{'name': <one of those>, **arguments}, or an activation layer without weights")


def activation_spec(activation):
    """The JSON spec of an ``activation=`` argument (see the module docstring); ValueError when unknown."""
    if activation is None or (isinstance(activation, str) and activation in ACTIVATIONS):
        return activation
    if isinstance(activation, ElementwiseActivation):
        arguments = activation.spec_arguments()
        if arguments == activation_layer(activation.name_in_spec).spec_arguments():
            return activation.name_in_spec
        return {"name": activation.name_in_spec, **arguments}
    if isinstance(activation, dict) and activation.get("name") in ACTIVATIONS and activation["name"] != "linear":
        activation_layer(activation)  # validates the arguments
        return dict(activation)
    if isinstance(activation, Layer):
        raise ValueError(f"activation={type(activation).__name__}(...) has weights or is not an activation; add it "
                         "as a layer of its own after this one")
    raise _unknown(activation)


def activation_layer(spec):
    """A new layer computing the activation ``spec``, or None for linear (no activation)."""
    if spec is None or spec == "linear":
        return None
    if isinstance(spec, dict):
        name, arguments = spec.get("name"), {k: v for k, v in spec.items() if k != "name"}
    else:
        name, arguments = spec, {}
    if not isinstance(name, str) or name not in ACTIVATIONS or name == "linear":
        raise _unknown(spec)
    cls, defaults = ACTIVATIONS[name]
    unknown = set(arguments) - set(cls.arguments)
    if unknown:
        raise ValueError(f"activation {name!r} takes the arguments {list(cls.arguments)}, got {sorted(unknown)}")
    return cls(**{**defaults, **arguments})


class Activation(Layer):
    """``Activation(name)``: the named activation (any of :data:`ACTIVATIONS`, or a spec) as a layer."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activation_spec(activation) or "linear"  # None is linear, as in Keras
        self._inner = activation_layer(self.activation)

    @property
    def ends_in_softmax(self):
        return bool(getattr(self._inner, "ends_in_softmax", False))

    @property
    def ends_in_sigmoid(self):
        return bool(getattr(self._inner, "ends_in_sigmoid", False))

    @property
    def logits(self):
        return getattr(self._inner, "logits", None)

    def forward(self, x, training=False):
        self.check_input(x)
        if self._inner is None:
            return x
        return self._inner.forward(x, training)

    def backward(self, dy):
        return dy if self._inner is None else self._inner.backward(dy)

    def kink_state(self):
        return [] if self._inner is None else self._inner.kink_state()

    def backward_logits(self, dz):
        return dz

    def cast(self, dtype):
        super().cast(dtype)
        if self._inner is not None:
            self._inner.cast(dtype)
        return self

    def get_config(self):
        return {**super().get_config(), "activation": self.activation}
