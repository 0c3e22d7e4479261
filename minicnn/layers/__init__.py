"""minicnn layers: Keras's names, arguments and defaults, NHWC float32 activations."""
from .activation import Activation, ReLU, Softmax
from .base import Layer
from .conv import Conv2D
from .dense import Dense, Flatten
from .dropout import Dropout
from .normalization import BatchNormalization
from .pooling import (AveragePooling2D, AvgPool2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPool2D,
                      MaxPooling2D)
from .preprocessing import RandomContrast, RandomFlip, RandomRotation, RandomTranslation, RandomZoom

__all__ = ["Layer", "Conv2D", "MaxPooling2D", "MaxPool2D", "AveragePooling2D", "AvgPool2D",
           "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Dense", "Flatten", "ReLU", "Softmax", "Activation",
           "Dropout", "BatchNormalization",
           "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomContrast"]

#: class name -> class, for rebuilding models from JSON
LAYER_CLASSES = {name: globals()[name] for name in __all__ if name != "Layer"}
