"""minicnn's Keras API: the subset of ``tensorflow.keras`` the classic CNN lessons use.

Change only the import and a Keras lesson runs on minicnn::

    from minicnn.keras import layers, models, optimizers, datasets, utils   # was: from tensorflow.keras import ...
    import minicnn.keras as keras                                          # was: import keras

Models are ``minicnn.Sequential`` objects, so everything minicnn offers (``feature_maps``,
gradient checks, plots, saving) works on them. Anything outside the subset raises
NotImplementedError naming the missing piece and the nearest supported one. TensorFlow is
never imported; ``minicnn.interop`` converts models to and from real Keras.
"""
from . import (activations, backend, callbacks, constraints, datasets, initializers, layers, losses, metrics,
               models, optimizers, preprocessing, regularizers, utils)
from ._compat import module_getattr
from .engine import Input, KerasTensor
from .models import Model, Sequential

__version__ = "3.0.0-minicnn"

__all__ = ["Input", "KerasTensor", "Model", "Sequential", "activations", "backend", "callbacks", "constraints",
           "datasets", "initializers", "layers", "losses", "metrics", "models", "optimizers", "preprocessing",
           "regularizers", "utils"]

__getattr__ = module_getattr(__name__, {
    "applications": "build the network with models.Sequential (see minicnn.architectures)",
    "mixed_precision": "train in float32",
    "ops": "use NumPy on the arrays model.predict returns",
    "saving": "use model.save / models.load_model",
}, "available: " + ", ".join(__all__))
