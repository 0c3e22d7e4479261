"""minicnn: a from-scratch convolutional neural network engine in NumPy and numba.

    import minicnn
    from minicnn.layers import Conv2D, MaxPool2D, Flatten, Dense
    model = minicnn.Sequential([Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
                                MaxPool2D(2), Flatten(), Dense(100, activation="relu"),
                                Dense(10, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy")

Graphs (residual connections, branches, several inputs/outputs) with the functional API:
``minicnn.Model(inputs, outputs)`` on tensors from ``minicnn.Input`` and layer calls (see
``minicnn.models.graph``).
"""
from . import callbacks, data, gradcheck, initializers, layers, lookahead, losses, metrics, optimizers, plots, tta
from .models import Input, Model, Sequential
from .rng import set_seed
from .saving import model_from_json

__version__ = "0.1.0"


from .saving import load_model


__all__ = ["Sequential", "Model", "Input", "layers", "optimizers", "losses", "callbacks", "load_model",
           "model_from_json", "set_seed", "data", "gradcheck", "metrics", "plots", "initializers", "lookahead", "tta"]
