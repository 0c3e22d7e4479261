"""minicnn's models: ``Sequential`` (a chain of layers).

    sequential.py  the model's structure: layers, weights, forward and backward, config
    training.py    one batch: train_step (the output head, hooks), evaluate, predict
    fit.py         the epoch loop and its batch source (arrays or generators)
    checks.py      every input check
    summary.py     Keras's summary table

``minicnn.saving`` builds on these (``save``/``load_model``); nothing here imports it at load time.
"""
from .fit import TrainingDiverged
from .sequential import FORMAT_VERSION, Sequential, layer_from_spec

__all__ = ["Sequential", "TrainingDiverged", "FORMAT_VERSION", "layer_from_spec"]
