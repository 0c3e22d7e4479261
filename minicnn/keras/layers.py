"""``keras.layers``: the layers minicnn implements, with Keras's arguments and defaults.

Each class is the minicnn layer of the same name (so models built from them are ordinary
``minicnn.Sequential`` models and save/load as such), plus Keras's constructor signature and
the functional style: ``x = Conv2D(32, 3, activation="relu")(inputs)``. Every Keras argument
is accepted; one minicnn does not implement (``dilation_rate != 1``, ``beta_regularizer``,
``activation="softsign"``, ``data_format="channels_first"``, ...) raises NotImplementedError naming
it and the nearest supported alternative.
"""
import inspect
import warnings

from .. import layers as _core
from . import activations as _activations
from . import constraints as _constraints
from . import initializers as _initializers
from . import regularizers as _regularizers
from ._compat import (check_data_format, check_layer_kwargs, module_getattr, no_regularizers, not_implemented,
                      require_default)
from .engine import Input, InputLayer, KerasLayer, KerasTensor

__all__ = ["Input", "InputLayer", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D",
           "GlobalMaxPooling2D", "GlobalMaxPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D", "Dense",
           "Flatten", "Dropout", "BatchNormalization", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
           "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Reshape", "Permute", "Rescaling", "SpatialDropout2D",
           "GaussianNoise", "Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate", "add", "subtract",
           "multiply", "average", "maximum", "concatenate", "RandomFlip", "RandomTranslation",
           "RandomRotation", "RandomZoom", "RandomContrast", "Convolution2D",
           "Layer", "KerasTensor"]

Layer = _core.Layer


def _weight_arguments(kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, kernel_constraint,
                      bias_constraint, activity_regularizer):
    """Keras's kernel/bias initializer, regularizer and constraint arguments as minicnn objects."""
    return {"activity_regularizer": _regularizers.get(activity_regularizer, "activity_regularizer"),
            "kernel_initializer": _initializers.get(kernel_initializer, "kernel_initializer"),
            "bias_initializer": _initializers.get(bias_initializer, "bias_initializer"),
            "kernel_regularizer": _regularizers.get(kernel_regularizer, "kernel_regularizer"),
            "bias_regularizer": _regularizers.get(bias_regularizer, "bias_regularizer"),
            "kernel_constraint": _constraints.get(kernel_constraint, "kernel_constraint"),
            "bias_constraint": _constraints.get(bias_constraint, "bias_constraint")}


class Conv2D(KerasLayer, _core.Conv2D):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 **kwargs):
        check_data_format("Conv2D", data_format)
        require_default("Conv2D", "dilation_rate", dilation_rate, (1, 1), "use dilation_rate=1 (a larger "
                        "kernel_size or strides covers a wider area)")
        require_default("Conv2D", "groups", groups, 1, "use groups=1 (an ordinary convolution)")
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         activation=_activations.get(activation), use_bias=use_bias,
                         **_weight_arguments(kernel_initializer, bias_initializer, kernel_regularizer,
                                             bias_regularizer, kernel_constraint, bias_constraint,
                                             activity_regularizer),
                         **check_layer_kwargs("Conv2D", kwargs))


class Dense(KerasLayer, _core.Dense):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, lora_rank=None, **kwargs):
        require_default("Dense", "lora_rank", lora_rank, None, "train the full kernel (lora_rank=None)")
        super().__init__(units, activation=_activations.get(activation), use_bias=use_bias,
                         **_weight_arguments(kernel_initializer, bias_initializer, kernel_regularizer,
                                             bias_regularizer, kernel_constraint, bias_constraint,
                                             activity_regularizer),
                         **check_layer_kwargs("Dense", kwargs))


def _pooling(core_class):
    class Pooling(KerasLayer, core_class):
        def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, name=None, **kwargs):
            check_data_format(core_class.__name__, data_format)
            super().__init__(pool_size=pool_size, strides=strides, padding=padding,
                             **check_layer_kwargs(core_class.__name__, {"name": name, **kwargs}))
    Pooling.__name__ = Pooling.__qualname__ = core_class.__name__
    Pooling.__doc__ = core_class.__doc__
    return Pooling


def _global_pooling(core_class):
    class GlobalPooling(KerasLayer, core_class):
        def __init__(self, data_format=None, keepdims=False, **kwargs):
            check_data_format(core_class.__name__, data_format)
            require_default(core_class.__name__, "keepdims", keepdims, False,
                            "use keepdims=False (outputs of shape (batch, channels))")
            super().__init__(**check_layer_kwargs(core_class.__name__, kwargs))
    GlobalPooling.__name__ = GlobalPooling.__qualname__ = core_class.__name__
    GlobalPooling.__doc__ = core_class.__doc__
    return GlobalPooling


MaxPooling2D = MaxPool2D = _pooling(_core.MaxPooling2D)
AveragePooling2D = AvgPool2D = _pooling(_core.AveragePooling2D)
GlobalMaxPooling2D = GlobalMaxPool2D = _global_pooling(_core.GlobalMaxPooling2D)
GlobalAveragePooling2D = GlobalAvgPool2D = _global_pooling(_core.GlobalAveragePooling2D)


class Flatten(KerasLayer, _core.Flatten):
    def __init__(self, data_format=None, **kwargs):
        check_data_format("Flatten", data_format)
        super().__init__(**check_layer_kwargs("Flatten", kwargs))


class Dropout(KerasLayer, _core.Dropout):
    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        require_default("Dropout", "noise_shape", noise_shape, None,
                        "use noise_shape=None (an independent mask per unit)")
        super().__init__(rate, seed=seed, **check_layer_kwargs("Dropout", kwargs))


class BatchNormalization(KerasLayer, _core.BatchNormalization):
    """Keras's BatchNormalization over the last (channel) axis; ``axis`` may also be given as the
    positive index of the last axis (3 for images), checked when the layer is built."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        if isinstance(axis, (list, tuple)) and len(axis) == 1:
            axis = axis[0]
        if not isinstance(axis, int) or axis == 0 or axis < -1:
            raise not_implemented(f"BatchNormalization(axis={axis!r})", "use axis=-1 (the channels of NHWC images)")
        for argument, value, default in (("beta_initializer", beta_initializer, "zeros"),
                                         ("gamma_initializer", gamma_initializer, "ones"),
                                         ("moving_mean_initializer", moving_mean_initializer, "zeros"),
                                         ("moving_variance_initializer", moving_variance_initializer, "ones"),
                                         ("synchronized", synchronized, False)):
            require_default("BatchNormalization", argument, value, default, f"use the default {argument}={default!r}")
        no_regularizers("BatchNormalization", beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                        beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        super().__init__(axis=-1, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
                         **check_layer_kwargs("BatchNormalization",
                                                                                           kwargs))
        self._keras_axis = axis

    def build(self, input_shape):
        if self._keras_axis not in (-1, len(input_shape)):
            raise not_implemented(f"BatchNormalization(axis={self._keras_axis}) on inputs of shape "
                                  f"{(None,) + tuple(input_shape)}", "normalize the last axis: axis=-1")
        return super().build(input_shape)


class Activation(KerasLayer, _core.Activation):
    def __init__(self, activation, **kwargs):
        name = _activations.get(activation)
        super().__init__(name or "linear", **check_layer_kwargs("Activation", kwargs))


class ReLU(KerasLayer, _core.ReLU):
    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(max_value=max_value, negative_slope=negative_slope, threshold=threshold,
                         **check_layer_kwargs("ReLU", kwargs))


class LeakyReLU(KerasLayer, _core.LeakyReLU):
    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("LeakyReLU(alpha=...) is Keras 2's spelling; Keras 3 calls it negative_slope=...",
                          DeprecationWarning, stacklevel=2)
        super().__init__(negative_slope=negative_slope, **check_layer_kwargs("LeakyReLU", kwargs))


class PReLU(KerasLayer, _core.PReLU):
    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(alpha_initializer=_initializers.get(alpha_initializer, "alpha_initializer"),
                         alpha_regularizer=_regularizers.get(alpha_regularizer, "alpha_regularizer"),
                         alpha_constraint=_constraints.get(alpha_constraint, "alpha_constraint"),
                         shared_axes=shared_axes, **check_layer_kwargs("PReLU", kwargs))


class ELU(KerasLayer, _core.ELU):
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(alpha=alpha, **check_layer_kwargs("ELU", kwargs))


class Softmax(KerasLayer, _core.Softmax):
    def __init__(self, axis=-1, **kwargs):
        super().__init__(axis=axis, **check_layer_kwargs("Softmax", kwargs))


class ZeroPadding2D(KerasLayer, _core.ZeroPadding2D):
    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        check_data_format("ZeroPadding2D", data_format)
        super().__init__(padding, **check_layer_kwargs("ZeroPadding2D", kwargs))


class Cropping2D(KerasLayer, _core.Cropping2D):
    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        check_data_format("Cropping2D", data_format)
        super().__init__(cropping, **check_layer_kwargs("Cropping2D", kwargs))


class UpSampling2D(KerasLayer, _core.UpSampling2D):
    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        check_data_format("UpSampling2D", data_format)
        super().__init__(size, interpolation=interpolation, **check_layer_kwargs("UpSampling2D", kwargs))


class Reshape(KerasLayer, _core.Reshape):
    def __init__(self, target_shape, **kwargs):
        super().__init__(target_shape, **check_layer_kwargs("Reshape", kwargs))


class Permute(KerasLayer, _core.Permute):
    def __init__(self, dims, **kwargs):
        super().__init__(dims, **check_layer_kwargs("Permute", kwargs))


class Rescaling(KerasLayer, _core.Rescaling):
    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(scale, offset, **check_layer_kwargs("Rescaling", kwargs))


class SpatialDropout2D(KerasLayer, _core.SpatialDropout2D):
    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        check_data_format("SpatialDropout2D", data_format)
        super().__init__(rate, seed=seed, **check_layer_kwargs("SpatialDropout2D", kwargs))


class GaussianNoise(KerasLayer, _core.GaussianNoise):
    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(stddev, seed=seed, **check_layer_kwargs("GaussianNoise", kwargs))


#: Keras 2's argument names for Convolution2D (Keras 1's, converted by Keras 2's legacy interface)
_KERAS1_CONV_ARGUMENTS = {"nb_filter": "filters", "subsample": "strides", "border_mode": "padding",
                          "dim_ordering": "data_format", "init": "kernel_initializer",
                          "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
                          "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint", "bias": "use_bias"}
_KERAS1_DIM_ORDERING = {"tf": "channels_last", "th": "channels_first", "default": None}


def Convolution2D(*args, **kwargs):
    """Keras 2's alias of ``Conv2D``, removed in Keras 3 (DeprecationWarning).

    As in Keras 2, the Keras 1 forms are converted too, each with a warning naming the new
    spelling: ``Convolution2D(32, 3, 3)`` (rows and columns as two ints) is ``Conv2D(32, (3, 3))``,
    ``nb_row``/``nb_col`` become ``kernel_size``, and ``nb_filter``, ``border_mode``, ``subsample``,
    ``init``, ``dim_ordering``, ``W_regularizer``, ``bias``, ... their Keras 2 names. Returns a
    ``Conv2D`` (so models save and load as Conv2D)."""
    warnings.warn("keras.layers.Convolution2D is Keras 2's alias of Conv2D and was removed in Keras 3: "
                  "use keras.layers.Conv2D", DeprecationWarning, stacklevel=2)
    args, converted = list(args), []
    if len(args) > 3:
        raise TypeError(f"Convolution2D takes at most 3 positional arguments (filters, rows, cols), got {len(args)}")
    if len(args) == 3:
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in args[1:]):
            raise TypeError("Convolution2D(filters, rows, cols): rows and cols must be ints; pass strides= as a "
                            f"keyword argument, got {args[1:]!r}")
        if {"padding", "strides", "data_format"} & set(kwargs):
            raise ValueError("Convolution2D(filters, rows, cols, ...) with Keras 2 keyword arguments: give "
                             "kernel_size=(rows, cols) instead of two positional ints")
        args = [args[0], (args[1], args[2])]
        converted.append(("kernel_size", "nb_row, nb_col"))
    if "nb_row" in kwargs or "nb_col" in kwargs:
        if "nb_row" not in kwargs or "nb_col" not in kwargs or len(args) > 1:
            raise TypeError("Convolution2D: give both nb_row and nb_col (or kernel_size=(rows, cols))")
        kwargs["kernel_size"] = (kwargs.pop("nb_row"), kwargs.pop("nb_col"))
        converted.append(("kernel_size", "nb_row, nb_col"))
    for old, new in _KERAS1_CONV_ARGUMENTS.items():
        if old in kwargs:
            if new in kwargs:
                raise TypeError(f"Convolution2D got both {old}= (Keras 1) and {new}= (Keras 2)")
            value = kwargs.pop(old)
            kwargs[new] = _KERAS1_DIM_ORDERING.get(value, value) if old == "dim_ordering" else value
            converted.append((new, old))
    for new, old in converted:
        warnings.warn(f"Convolution2D: {old}= is Keras 1's argument; use Conv2D({new}=...) (Keras 2 and 3)",
                      DeprecationWarning, stacklevel=2)
    return Conv2D(*args, **kwargs)


def _merging(core_class):
    class Merge(KerasLayer, core_class):
        def __init__(self, **kwargs):
            super().__init__(**check_layer_kwargs(core_class.__name__, kwargs))
    Merge.__name__ = Merge.__qualname__ = core_class.__name__
    Merge.__doc__ = core_class.__doc__
    return Merge


Add = _merging(_core.Add)
Subtract = _merging(_core.Subtract)
Multiply = _merging(_core.Multiply)
Average = _merging(_core.Average)
Maximum = _merging(_core.Maximum)


class Concatenate(KerasLayer, _core.Concatenate):
    __doc__ = _core.Concatenate.__doc__

    def __init__(self, axis=-1, **kwargs):
        super().__init__(axis=axis, **check_layer_kwargs("Concatenate", kwargs))


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)
    merge.__name__ = merge.__qualname__ = cls.__name__.lower()
    merge.__doc__ = f"``layers.{cls.__name__}(**kwargs)(inputs)``."
    return merge


add, subtract, multiply, average, maximum, concatenate = (_functional(c) for c in (Add, Subtract, Multiply, Average,
                                                                                   Maximum, Concatenate))


def _random_image_layer(core_class):
    """Keras 3's random preprocessing layer: Keras's arguments (plus ``data_format``); called
    eagerly without ``training`` it augments, as Keras's ``call(data, training=True)`` does."""
    _own_arguments = set(inspect.signature(core_class.__init__).parameters) - {"self", "kwargs"}

    class RandomImageLayer(KerasLayer, core_class):
        def __init__(self, *args, data_format=None, **kwargs):
            check_data_format(core_class.__name__, data_format)
            own = {k: kwargs.pop(k) for k in list(kwargs) if k in _own_arguments}
            super().__init__(*args, **own, **check_layer_kwargs(core_class.__name__, kwargs))

        def __call__(self, inputs, training=None, **kwargs):
            return super().__call__(inputs, training=True if training is None else training, **kwargs)
    RandomImageLayer.__name__ = RandomImageLayer.__qualname__ = core_class.__name__
    RandomImageLayer.__doc__ = core_class.__doc__
    return RandomImageLayer


RandomFlip = _random_image_layer(_core.RandomFlip)
RandomTranslation = _random_image_layer(_core.RandomTranslation)
RandomRotation = _random_image_layer(_core.RandomRotation)
RandomZoom = _random_image_layer(_core.RandomZoom)
RandomContrast = _random_image_layer(_core.RandomContrast)


_NEAREST = {
    "Conv1D": "use Conv2D", "Conv3D": "use Conv2D", "Conv2DTranspose": "use Conv2D",
    "SeparableConv2D": "use Conv2D", "DepthwiseConv2D": "use Conv2D",
    "MaxPooling1D": "use MaxPooling2D", "MaxPool1D": "use MaxPooling2D", "MaxPooling3D": "use MaxPooling2D",
    "AveragePooling1D": "use AveragePooling2D", "AvgPool1D": "use AveragePooling2D",
    "ThresholdedReLU": "use ReLU(threshold=...)",
    "LayerNormalization": "use BatchNormalization", "GroupNormalization": "use BatchNormalization",
    "UnitNormalization": "use BatchNormalization",
    "GaussianDropout": "use GaussianNoise or Dropout", "AlphaDropout": "use Dropout",
    "Normalization": "standardize the arrays before fit (minicnn.data.Standardizer)",
    "RandomCrop": "use RandomTranslation or preprocessing.image.ImageDataGenerator(width_shift_range=...)",
    "Dot": "use Multiply then a Dense layer", "Minimum": "use Maximum on negated branches",
    "Lambda": "use the built-in layers (custom computations are not supported)",
    "Embedding": "minicnn builds image CNNs: use Conv2D and Dense", "LSTM": "minicnn builds image CNNs: use Conv2D",
    "GRU": "minicnn builds image CNNs: use Conv2D", "SimpleRNN": "minicnn builds image CNNs: use Conv2D",
}
__getattr__ = module_getattr(__name__, _NEAREST, "supported layers: " + ", ".join(__all__[2:-3]))
