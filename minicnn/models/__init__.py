"""minicnn's models: the graph ``Model(inputs, outputs)`` and ``Sequential`` (a chain).

    graph.py       Model: the graph, topological forward, backward with THE FAN-OUT RULE
    sequential.py  Sequential: the chain; add / build
    training.py    one batch: train_step (the output head, hooks), evaluate, predict
    fit.py         the epoch loop and its batch source (arrays or generators)
    checks.py      every input check
    summary.py     Keras's summary table
    config.py      configs: Keras's functional config of a graph, layers from specs

``minicnn.saving`` builds on these (``save``/``load_model``); nothing here imports it at load time.
"""
from ..layers.symbolic import Input, SymbolicTensor
from .fit import TrainingDiverged
from .config import FORMAT_VERSION, layer_from_spec
from .graph import Model
from .sequential import Sequential

#: class name in a saved architecture -> model class
MODEL_CLASSES = {"Sequential": Sequential, "Model": Model}

__all__ = ["Model", "Sequential", "Input", "SymbolicTensor", "TrainingDiverged", "FORMAT_VERSION",
           "layer_from_spec", "MODEL_CLASSES"]
