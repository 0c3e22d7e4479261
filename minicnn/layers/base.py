"""The layer interface every minicnn layer implements.

A layer

* is configured by its constructor (Keras argument names) and sized by
  ``build(input_shape) -> output_shape`` (shapes without the batch axis);
* computes ``forward(x, training) -> y`` and keeps whatever its backward pass needs;
* computes ``backward(dy) -> dx`` for the most recent forward call, and writes the gradient
  of every parameter into ``grads`` (same keys as ``params``). It never updates weights:
  that is the optimizer's job, which only reads ``params`` and ``grads``;
* may hold non-trainable ``state`` (BatchNormalization's moving statistics).
"""
import re

import numpy as np

from ..checks import float_dtype, shape_tuple
from .symbolic import connect, is_symbolic


def snake_case(name):
    """``MaxPooling2D -> max_pooling2d``, ``BatchNormalization -> batch_normalization`` (Keras's names)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("2_d", "2d")


class Layer:
    """Base class. Subclasses set ``params``/``grads``/``state`` in ``build`` and implement
    ``compute_output_shape``, ``forward``, ``backward`` and ``get_config``."""

    #: layers that draw random numbers (Dropout) set this and own ``self.rng``
    stochastic = False
    #: merge layers (``minicnn.layers.merge``) take a list of inputs and return a list of gradients
    multi_input = False

    def __init__(self, name=None, input_shape=None, dtype="float32", trainable=True):
        self.name = name
        self.input_shape = None if input_shape is None else shape_tuple(input_shape, "input_shape")
        self.output_shape = None
        self.dtype = float_dtype(dtype)
        self.trainable = bool(trainable)
        self.params = {}
        self.grads = {}
        self.state = {}
        #: param key -> regularizer (``minicnn.regularizers``) / constraint (``minicnn.constraints``)
        self.regularizers = {}
        self.constraints = {}
        self.built = False
        self._requested_input_shape = self.input_shape
        #: False for a model's first layer: its backward then skips the input gradient nobody uses
        self.needs_input_grad = True
        #: keys of single parameters frozen with :meth:`freeze` (the layer's other ones still train)
        self.frozen = set()

    # ------------------------------------------------------------------ shapes
    def build(self, input_shape):
        """Create parameters for inputs of ``input_shape`` (no batch axis); return the output shape."""
        input_shape = shape_tuple(input_shape, "input_shape")
        if self._requested_input_shape is not None and input_shape != self._requested_input_shape:
            raise ValueError(f"layer {self.name or type(self).__name__} was declared with "
                             f"input_shape={self._requested_input_shape} but receives {input_shape}")
        self.input_shape = input_shape
        self.output_shape = tuple(self.compute_output_shape(input_shape))
        self.built = True
        return self.output_shape

    def compute_output_shape(self, input_shape):
        return input_shape

    def require_image_input(self, input_shape):
        """ValueError unless ``input_shape`` is (height, width, channels)."""
        if len(input_shape) != 3:
            raise ValueError(f"{type(self).__name__} expects inputs of shape (batch, height, width, channels), "
                             f"got an input shape of {(None,) + tuple(input_shape)}")

    def check_input(self, x):
        """Raise a ValueError naming the expected and received shape when ``x`` doesn't fit."""
        if not self.built:
            self.build(x.shape[1:])
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"layer {self.name or type(self).__name__} expects inputs of shape "
                             f"(batch, {', '.join(map(str, self.input_shape))}), got {x.shape}")

    # ------------------------------------------------------------------ computation
    def forward(self, x, training=False):
        raise NotImplementedError

    def backward(self, dy):
        raise NotImplementedError

    def __call__(self, x, training=False):
        """On arrays: ``forward``. On symbolic tensors (``minicnn.Input``): a new graph node."""
        if is_symbolic(x):
            return connect(self, x)
        return self.forward(x, training=training)

    def kink_state(self):
        """The discrete decisions of the LAST forward pass, as a list of integer/bool arrays
        (ReLU's mask ``x > 0``, max-pool's winner index per window, ...). A gradient check compares
        them between the evaluations at w+h and w-h: where they differ, the coordinate crosses a
        kink. Smooth layers return ``[]`` (this default); a layer with a kink overrides it."""
        return []
    @property
    def input(self):
        """The symbolic input of the layer's first call (a list for a merge layer), as in Keras."""
        return self._symbolic("_call_input", "input")

    @property
    def output(self):
        """The symbolic output of the layer's first call: ``Model(inputs, layer.output)`` extracts it."""
        return self._symbolic("_call_output", "output")

    def _symbolic(self, attribute, what):
        value = getattr(self, attribute, None)
        if value is None:
            raise AttributeError(f"The layer {self.name or type(self).__name__} has never been called and thus has "
                                 f"no defined {what}.")
        return value

    # ------------------------------------------------------------------ parameters
    def add_param(self, key, value, regularizer=None, constraint=None):
        """A trainable parameter; ``regularizer`` adds ``regularizer(param)`` to the loss (and its
        gradient in backward), ``constraint`` projects the parameter after each optimizer step."""
        self.params[key] = np.ascontiguousarray(value, dtype=self.dtype)
        self.grads[key] = np.zeros_like(self.params[key])
        self.regularizers.pop(key, None)
        self.constraints.pop(key, None)
        if regularizer is not None:
            self.regularizers[key] = regularizer
        if constraint is not None:
            self.constraints[key] = constraint

    def freeze(self, *keys):
        """Freeze single parameters (``layer.freeze("kernel")``): the optimizer no longer updates them
        (:meth:`trainable_params`), while the layer's other parameters train. Keras has
        ``trainable=False`` for a whole layer only; this is its per-parameter form (minicnn's name).
        Their gradients are still computed (and stay correct). Not saved with the model."""
        unknown = [k for k in keys if k not in self.params]
        if unknown:
            raise ValueError(f"layer {self.name or type(self).__name__} has no parameter {unknown[0]!r}; "
                             f"it has {sorted(self.params)}")
        self.frozen.update(keys)

    def unfreeze(self, *keys):
        """Undo :meth:`freeze` for ``keys`` (all frozen parameters without arguments)."""
        self.frozen.difference_update(keys or set(self.frozen))

    def trainable_params(self):
        """``{key: param}`` of the parameters the optimizer updates: none when ``trainable=False``,
        otherwise every parameter not frozen with :meth:`freeze`."""
        if not self.trainable:
            return {}
        return {k: p for k, p in self.params.items() if k not in self.frozen}

    # ------------------------------------------------------------------ penalties and constraints
    def regularization_loss(self):
        """The weight penalties (``kernel_regularizer=...``) plus :meth:`activity_loss`, 0.0 without
        any. As in Keras, weight penalties count for trainable layers only, activity penalties
        always, and both in the training and in the evaluation loss."""
        weights = 0.0 if not self.trainable else sum(reg(self.params[key]) for key, reg in self.regularizers.items())
        return float(weights + self.activity_loss())

    def activity_loss(self):
        """The ``activity_regularizer`` penalty of the last forward pass (0.0 for layers without one)."""
        return 0.0

    def add_regularization_gradients(self):
        """``grads[key] += d penalty / d param`` for each regularized parameter. ``backward`` calls
        it after writing the data gradient: the penalty's gradient is part of the gradient (the
        optimizer then treats it like any other); it is not a separate weight update."""
        for key, reg in self.regularizers.items():
            self.grads[key] += reg.gradient(self.params[key])

    def apply_constraints(self):
        """Project each constrained parameter in place (``kernel_constraint=...``); the model calls it
        after every optimizer step, as Keras's optimizer does after applying the gradients."""
        for key, constraint in self.constraints.items():
            self.params[key][...] = constraint(self.params[key])

    def count_params(self):
        return int(sum(p.size for p in self.params.values()) + sum(s.size for s in self.state.values()))

    def count_trainable_params(self):
        return int(sum(p.size for p in self.trainable_params().values()))

    def get_weights(self):
        """Parameters then state, in Keras's order for the layer (e.g. kernel, bias; gamma, beta,
        moving_mean, moving_variance)."""
        return [p.copy() for p in self.params.values()] + [s.copy() for s in self.state.values()]

    def set_weights(self, weights):
        targets = list(self.params.items()) + list(self.state.items())
        if len(weights) != len(targets):
            raise ValueError(f"layer {self.name} has {len(targets)} weight arrays "
                             f"({', '.join(k for k, _ in targets)}), got {len(weights)}")
        for (key, target), value in zip(targets, weights):
            value = np.asarray(value)
            if value.shape != target.shape:
                raise ValueError(f"layer {self.name}: weight {key!r} has shape {target.shape}, got {value.shape}")
            if value.dtype.kind not in "fiu" or not np.isfinite(value).all():
                raise ValueError(f"layer {self.name}: weight {key!r} must be finite real numbers, got dtype "
                                 f"{value.dtype}" + ("" if value.dtype.kind not in "fiu" else " with NaN or inf"))
            target[...] = value

    def cast(self, dtype):
        """Convert parameters, gradients and state to ``dtype`` (float64 for gradient checks)."""
        self.dtype = float_dtype(dtype)
        for store in (self.params, self.grads, self.state):
            for key in store:
                store[key] = np.ascontiguousarray(store[key], dtype=self.dtype)
        return self

    # ------------------------------------------------------------------ config
    def get_config(self):
        """JSON-serialisable constructor arguments (Keras's names)."""
        config = {"name": self.name, "trainable": self.trainable}
        if self._requested_input_shape is not None:
            config["input_shape"] = list(self._requested_input_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, output_shape={self.output_shape})"


class ActivationMixin:
    """For layers with an ``activation=`` argument (Dense, Conv2D): ``forward`` applies the linear
    part then the activation; ``backward_logits`` starts from the gradient of the pre-activation,
    which the fused softmax / sigmoid cross-entropies provide. ``logits`` holds the last
    pre-activation. ``activation`` is the activation's JSON spec (``minicnn.layers.activation``).

    A ReLU is fused into the layer's own kernels: the layer applies it in place with the bias and
    passes ``relu_applied=True`` to :meth:`_output`; ``backward`` then hands the kept output to the
    layer's ``_backward(dy, y, relu)``, which masks ``dy`` by ``y > 0`` in the same pass as the bias
    gradient. Other activations run as separate layers (``self._activation``).

    After ``_backward`` has written the data gradients, the weight penalties' gradients are added
    (:meth:`Layer.add_regularization_gradients`), on both paths.

    ``activity_regularizer`` (Keras's): the penalty ``reg(y) / batch`` of the layer's output ``y``
    joins the loss (:meth:`activity_loss`), and its gradient ``reg.gradient(y) / batch``, taken
    through the activation's backward, joins ``dL/dz`` in ``backward_logits`` (on both paths)."""

    def _init_activation(self, activation):
        from .activation import activation_layer, activation_spec
        self.activation = activation_spec(activation)
        self._activation = activation_layer(self.activation)
        self.logits = None

    def _output(self, z, training, relu_applied):
        """The layer's output from the pre-activation ``z`` (already rectified if ``relu_applied``)."""
        if relu_applied:  # z is the output, kept for the backward mask
            self.logits, self.y = None, z
            out = z
        else:
            self.logits = z
            out = z if self._activation is None else self._activation.forward(z, training)
        self._activity_output = out if self.activity_regularizer is not None else None
        return out

    def activity_loss(self):
        out = getattr(self, "_activity_output", None)
        return 0.0 if out is None else self.activity_regularizer(out) / out.shape[0]

    def _activity_gradient(self):
        out = self._activity_output
        return self.activity_regularizer.gradient(out) / out.shape[0]

    def backward(self, dy):
        if self.activation == "relu":
            if self.activity_regularizer is not None:
                dy = dy + self._activity_gradient()
            dx = self._backward(dy, self.y, True)
            self.add_regularization_gradients()
            return dx
        dz = dy if self._activation is None else self._activation.backward(dy)
        return self.backward_logits(dz)

    def backward_logits(self, dz):
        """From ``dz = dL/dz`` of the data loss (what the fused softmax / sigmoid heads provide, and
        what ``backward`` passes on); the activity penalty's part, ``activation'(z) * reg'(y) / batch``,
        is added here."""
        if self.activity_regularizer is not None:
            g = self._activity_gradient()
            dz = dz + (g if self._activation is None else self._activation.backward(g))
        dx = self._backward(dz, None, False)
        self.add_regularization_gradients()
        return dx

    def activation_kink_state(self):
        """The activation's decisions in the last forward pass (the fused ReLU's ``y > 0``, a
        LeakyReLU's sign mask, ...); ``[]`` for smooth activations."""
        if self.activation == "relu":
            return [self.y > 0] if getattr(self, "y", None) is not None else []
        return [] if self._activation is None else self._activation.kink_state()

    kink_state = activation_kink_state

    def cast(self, dtype):
        super().cast(dtype)
        if self._activation is not None:
            self._activation.cast(dtype)
        return self

    @property
    def ends_in_softmax(self):
        return bool(getattr(self._activation, "ends_in_softmax", False))

    @property
    def ends_in_sigmoid(self):
        return bool(getattr(self._activation, "ends_in_sigmoid", False))


class KernelBiasMixin:
    """The ``kernel``/``bias`` weights of Dense and Conv2D with Keras's initializer, regularizer and
    constraint arguments (objects from ``minicnn.initializers``, ``minicnn.regularizers``,
    ``minicnn.constraints``, or their names), and the output's ``activity_regularizer``."""

    def _init_kernel_bias(self, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                          bias_regularizer, kernel_constraint, bias_constraint, activity_regularizer=None):
        from .. import constraints, initializers, regularizers
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.activity_regularizer = regularizers.get(activity_regularizer)

    def _add_kernel_and_bias(self, kernel_shape, units):
        from .. import initializers
        self.add_param("kernel", initializers.initialize(self.kernel_initializer, kernel_shape, self.dtype),
                       self.kernel_regularizer, self.kernel_constraint)
        if self.use_bias:
            self.add_param("bias", initializers.initialize(self.bias_initializer, (units,), self.dtype),
                           self.bias_regularizer, self.bias_constraint)

    def _kernel_bias_config(self):
        from .. import constraints, initializers, regularizers
        return {"use_bias": self.use_bias,
                "kernel_initializer": initializers.serialize(self.kernel_initializer),
                "bias_initializer": initializers.serialize(self.bias_initializer),
                "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": regularizers.serialize(self.bias_regularizer),
                "kernel_constraint": constraints.serialize(self.kernel_constraint),
                "bias_constraint": constraints.serialize(self.bias_constraint),
                "activity_regularizer": regularizers.serialize(self.activity_regularizer)}
