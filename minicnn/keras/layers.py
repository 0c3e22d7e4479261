"""``keras.layers``: the layers minicnn implements, with Keras's arguments and defaults.

Each class is the minicnn layer of the same name (so models built from them are ordinary
``minicnn.Sequential`` models and save/load as such), plus Keras's constructor signature and
the functional style: ``x = Conv2D(32, 3, activation="relu")(inputs)``. Every Keras argument
is accepted; one minicnn does not implement (``dilation_rate != 1``, ``kernel_regularizer``,
``activation="tanh"``, ``data_format="channels_first"``, ...) raises NotImplementedError naming
it and the nearest supported alternative.
"""
import inspect

from .. import layers as _core
from . import activations as _activations
from . import initializers as _initializers
from ._compat import (check_data_format, check_layer_kwargs, module_getattr, no_regularizers, not_implemented,
                      require_default)
from .engine import Input, InputLayer, KerasLayer, KerasTensor

__all__ = ["Input", "InputLayer", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D",
           "GlobalMaxPooling2D", "GlobalMaxPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D", "Dense",
           "Flatten", "Dropout", "BatchNormalization", "Activation", "ReLU", "Softmax",
           "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomContrast", "Layer", "KerasTensor"]

Layer = _core.Layer


class Conv2D(KerasLayer, _core.Conv2D):
    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        check_data_format("Conv2D", data_format)
        require_default("Conv2D", "dilation_rate", dilation_rate, (1, 1), "use dilation_rate=1 (a larger "
                        "kernel_size or strides covers a wider area)")
        require_default("Conv2D", "groups", groups, 1, "use groups=1 (an ordinary convolution)")
        no_regularizers("Conv2D", kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         activation=_activations.get(activation), use_bias=use_bias,
                         kernel_initializer=_initializers.get(kernel_initializer, "kernel_initializer"),
                         bias_initializer=_initializers.get(bias_initializer, "bias_initializer"),
                         **check_layer_kwargs("Conv2D", kwargs))


class Dense(KerasLayer, _core.Dense):
    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, **kwargs):
        no_regularizers("Dense", kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                        kernel_constraint=kernel_constraint, bias_constraint=bias_constraint)
        require_default("Dense", "lora_rank", lora_rank, None, "train the full kernel (lora_rank=None)")
        super().__init__(units, activation=_activations.get(activation), use_bias=use_bias,
                         kernel_initializer=_initializers.get(kernel_initializer, "kernel_initializer"),
                         bias_initializer=_initializers.get(bias_initializer, "bias_initializer"),
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
        for argument, value, default in (("center", center, True), ("scale", scale, True),
                                         ("beta_initializer", beta_initializer, "zeros"),
                                         ("gamma_initializer", gamma_initializer, "ones"),
                                         ("moving_mean_initializer", moving_mean_initializer, "zeros"),
                                         ("moving_variance_initializer", moving_variance_initializer, "ones"),
                                         ("synchronized", synchronized, False)):
            require_default("BatchNormalization", argument, value, default, f"use the default {argument}={default!r}")
        no_regularizers("BatchNormalization", beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
                        beta_constraint=beta_constraint, gamma_constraint=gamma_constraint)
        super().__init__(axis=-1, momentum=momentum, epsilon=epsilon, **check_layer_kwargs("BatchNormalization",
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
        for argument, value, default in (("max_value", max_value, None), ("negative_slope", negative_slope, 0.0),
                                         ("threshold", threshold, 0.0)):
            require_default("ReLU", argument, value, default, "use the plain ReLU()")
        super().__init__(**check_layer_kwargs("ReLU", kwargs))


class Softmax(KerasLayer, _core.Softmax):
    def __init__(self, axis=-1, **kwargs):
        require_default("Softmax", "axis", axis, -1, "use axis=-1 (over the classes)")
        super().__init__(axis=-1, **check_layer_kwargs("Softmax", kwargs))


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


_MERGING = "minicnn models are chains without merging; use Sequential"
_NEAREST = {
    "Conv1D": "use Conv2D", "Conv3D": "use Conv2D", "Conv2DTranspose": "use Conv2D",
    "SeparableConv2D": "use Conv2D", "DepthwiseConv2D": "use Conv2D",
    "MaxPooling1D": "use MaxPooling2D", "MaxPool1D": "use MaxPooling2D", "MaxPooling3D": "use MaxPooling2D",
    "AveragePooling1D": "use AveragePooling2D", "AvgPool1D": "use AveragePooling2D",
    "LeakyReLU": "use ReLU", "PReLU": "use ReLU", "ELU": "use ReLU",
    "LayerNormalization": "use BatchNormalization", "GroupNormalization": "use BatchNormalization",
    "UnitNormalization": "use BatchNormalization",
    "SpatialDropout2D": "use Dropout", "GaussianNoise": "use Dropout", "GaussianDropout": "use Dropout",
    "AlphaDropout": "use Dropout",
    "Reshape": "use Flatten", "Permute": "use Flatten", "ZeroPadding2D": "use Conv2D(padding='same')",
    "Cropping2D": "crop the arrays before fit", "UpSampling2D": "use Conv2D",
    "Rescaling": "divide the images by 255 before fit (x / 255.0)",
    "Normalization": "standardize the arrays before fit (minicnn.data.Standardizer)",
    "RandomCrop": "use RandomTranslation or preprocessing.image.ImageDataGenerator(width_shift_range=...)",
    "Add": _MERGING, "Concatenate": _MERGING, "Multiply": _MERGING, "Average": _MERGING, "Maximum": _MERGING,
    "Subtract": _MERGING, "Dot": _MERGING, "add": _MERGING, "concatenate": _MERGING,
    "Lambda": "use the built-in layers (custom computations are not supported)",
    "Embedding": "minicnn builds image CNNs: use Conv2D and Dense", "LSTM": "minicnn builds image CNNs: use Conv2D",
    "GRU": "minicnn builds image CNNs: use Conv2D", "SimpleRNN": "minicnn builds image CNNs: use Conv2D",
}
__getattr__ = module_getattr(__name__, _NEAREST, "supported layers: " + ", ".join(__all__[2:-2]))
