"""minicnn layers: Keras's names, arguments and defaults, NHWC float32 activations."""
from .activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from .base import Layer
from .conv import Conv2D
from .dense import Dense, Flatten
from .dropout import Dropout
from .noise import GaussianNoise, SpatialDropout2D
from .merge import (Add, Average, Concatenate, Maximum, MergeLayer, Multiply, Subtract, add, average,
                    concatenate, maximum, multiply, subtract)
from .normalization import BatchNormalization
from .pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPool2D,
                      MaxPooling2D)
from .preprocessing import RandomContrast, RandomFlip, RandomRotation, RandomTranslation, RandomZoom
from .reshaping import Cropping2D, Permute, Rescaling, Reshape, UpSampling2D, ZeroPadding2D

__all__ = ["Layer", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D",
           "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Dense", "Flatten", "ReLU", "Softmax", "Activation",
           "LeakyReLU", "PReLU", "ELU",
           "Dropout", "BatchNormalization", "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Reshape", "Permute",
           "Rescaling", "SpatialDropout2D", "GaussianNoise", "Add", "Subtract", "Multiply", "Average", "Maximum",
           "Concatenate", "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomContrast"]

#: class name -> class, for rebuilding models from JSON
LAYER_CLASSES = {name: globals()[name] for name in __all__ if name != "Layer"}

#: the functional forms of the merge layers: ``add([a, b])`` is ``Add()([a, b])``
__all__ += ["MergeLayer", "add", "subtract", "multiply", "average", "maximum", "concatenate"]
