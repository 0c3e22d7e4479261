"""minicnn layers: Keras's names, arguments and defaults, NHWC float32 activations."""
from .activation import ELU, Activation, LeakyReLU, PReLU, ReLU, Softmax
from .base import Layer
from .conv import Conv2D
from .dense import Dense, Flatten
from .dropout import Dropout
from .noise import GaussianNoise, SpatialDropout2D
from .normalization import BatchNormalization
from .pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPool2D,
                      MaxPooling2D)
from .reshaping import Cropping2D, Permute, Rescaling, Reshape, UpSampling2D, ZeroPadding2D

__all__ = ["Layer", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D",
           "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Dense", "Flatten", "ReLU", "Softmax", "Activation",
           "Dropout", "BatchNormalization", "ZeroPadding2D", "Cropping2D", "UpSampling2D", "Reshape", "Permute",
           "Rescaling", "SpatialDropout2D", "GaussianNoise", "LeakyReLU", "PReLU", "ELU"]

#: class name -> class, for rebuilding models from JSON
LAYER_CLASSES = {name: globals()[name] for name in __all__ if name != "Layer"}
