"""Sequential: a stack of layers with Keras's compile / fit / evaluate / predict / summary.

The training step is in ``training.py``, the epoch loop in ``fit.py``, the input checks in
``checks.py`` and the summary table in ``summary.py``.
"""
import json

import numpy as np

from ..callbacks import History
from ..checks import shape_tuple
from ..layers import LAYER_CLASSES
from ..layers.base import Layer, snake_case
from ..rng import new_generator
from .checks import InputChecks
from .fit import EpochLoop
from .summary import summary_table
from .training import Trainer

FORMAT_VERSION = 1


class Sequential(EpochLoop, Trainer, InputChecks):
    def __init__(self, layers=None, name="sequential"):
        self.name = name
        self.layers = []
        self.built = False
        self.input_shape = None
        self.optimizer = None
        self.loss = None
        self.metrics = []
        self.stop_training = False
        self.history = History()
        self.rng = new_generator()
        #: JSON-serialisable facts saved with the model (e.g. ``class_names``), see ``save``
        self.metadata = {}
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ structure
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential.add expects a minicnn layer, got {layer!r}")
        if layer.name is None:
            base = snake_case(type(layer).__name__)
            taken = {l.name for l in self.layers}
            layer.name = base
            k = 1
            while layer.name in taken:
                layer.name = f"{base}_{k}"
                k += 1
        elif layer.name in {l.name for l in self.layers}:
            raise ValueError(f"a layer named {layer.name!r} is already in the model")
        self.layers.append(layer)
        self.built = False
        if self.layers[0]._requested_input_shape is not None:
            self.build()

    def build(self, input_shape=None):
        """Size every layer for inputs of ``input_shape`` (no batch axis); by default the first
        layer's ``input_shape`` argument."""
        if not self.layers:
            raise ValueError("the model has no layers")
        if input_shape is None:
            input_shape = self.layers[0]._requested_input_shape
            if input_shape is None:
                raise ValueError("the model's input shape is unknown: pass input_shape= to the first layer, "
                                 "call build(input_shape) or fit/predict on data")
        shape = shape_tuple(input_shape, "input_shape")
        self.input_shape = shape
        for layer in self.layers:
            if layer.built and layer.input_shape == shape:
                shape = layer.output_shape
            else:
                shape = layer.build(shape)
        self.output_shape = shape
        self.built = True
        self.layers[0].needs_input_grad = False
        return self

    @property
    def trainable_layers(self):
        return [layer for layer in self.layers if layer.trainable and layer.params]

    def parameters(self):
        """``[(key, param, grad)]`` for every trainable parameter, keys ``"<layer>/<param>"``."""
        return [(f"{layer.name}/{k}", p, layer.grads[k]) for layer in self.trainable_layers
                for k, p in layer.params.items()]

    def count_params(self):
        return sum(layer.count_params() for layer in self.layers)

    def get_weights(self):
        return [w for layer in self.layers for w in layer.get_weights()]

    def set_weights(self, weights):
        weights = list(weights)
        expected = sum(len(layer.params) + len(layer.state) for layer in self.layers)
        if len(weights) != expected:
            raise ValueError(f"the model has {expected} weight arrays, got {len(weights)}")
        for layer in self.layers:
            k = len(layer.params) + len(layer.state)
            layer.set_weights(weights[:k])
            weights = weights[k:]

    def cast(self, dtype):
        """Convert every layer (and optimizer state) to ``dtype``: float64 for gradient checks."""
        for layer in self.layers:
            layer.cast(dtype)
        if self.optimizer is not None:
            self.optimizer.cast(dtype)
        return self

    @property
    def dtype(self):
        return self.layers[0].dtype if self.layers else np.dtype("float32")

    # ------------------------------------------------------------------ forward and backward
    def _forward(self, x, training):
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def _backward(self, d):
        layers = self.layers
        if self.fused_softmax:
            d = layers[-1].backward_logits(d)
            layers = layers[:-1]
        for layer in reversed(layers):
            d = layer.backward(d)
        return d

    def feature_maps(self, x):
        """Each layer's activation for inputs ``x`` (inference mode): ``[(layer name, array)]``."""
        x = self._as_float(self._check_x(x))
        maps = []
        for layer in self.layers:
            x = layer.forward(x, False)
            maps.append((layer.name, x.copy()))
        return maps

    # ------------------------------------------------------------------ summary and config
    def summary(self, print_fn=print):
        """Keras's table: layer (type), output shape, parameter count, then the totals."""
        if not self.built:
            self.build()
        print_fn("\n".join(summary_table(self)))

    def get_config(self):
        return {"name": self.name,
                "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self.layers],
                "input_shape": None if self.input_shape is None else list(self.input_shape)}

    def to_json(self):
        return json.dumps({"class_name": "Sequential", "format_version": FORMAT_VERSION,
                           "config": self.get_config()})

    @classmethod
    def from_config(cls, config):
        unknown = set(config) - {"name", "layers", "input_shape"}
        if unknown:
            raise ValueError(f"unknown model config keys {sorted(unknown)}")
        if not isinstance(config.get("layers"), list):
            raise ValueError(f"model config 'layers' must be a list of layer specs, got {config.get('layers')!r}")
        model = cls(name=config.get("name", "sequential"))
        for spec in config["layers"]:
            model.add(layer_from_spec(spec))
        if config.get("input_shape") is not None and not model.built:
            model.build(config["input_shape"])
        return model

    # ------------------------------------------------------------------ persistence (minicnn.saving)
    def save(self, path, metadata=None):
        """Architecture, weights, optimizer state, RNG state and ``metadata`` (default
        ``self.metadata``) in one ``.npz`` file written atomically to exactly ``path``, whatever
        its suffix. ``minicnn.load_model(path)`` restores it; see ``minicnn.saving``."""
        from ..saving import save_model
        save_model(self, path, metadata)

    def save_weights(self, path):
        """Weights only, to exactly ``path`` (any suffix: ``"model.h5"`` works; it is an npz inside)."""
        from ..saving import save_weights
        save_weights(self, path)

    def load_weights(self, path):
        """Load weights written by ``save_weights`` or ``save``; ValueError on an architecture mismatch."""
        from ..saving import load_weights
        load_weights(self, path)


def layer_from_spec(spec):
    """A new layer from ``{"class_name": ..., "config": {...}}`` (unknown classes and keys are errors)."""
    if not isinstance(spec, dict) or set(spec) != {"class_name", "config"}:
        raise ValueError(f"a layer spec must be {{'class_name': ..., 'config': {{...}}}}, got {spec!r}")
    class_name = spec.get("class_name")
    if class_name not in LAYER_CLASSES:
        raise ValueError(f"unknown layer class {class_name!r}; expected one of {sorted(LAYER_CLASSES)}")
    try:
        return LAYER_CLASSES[class_name].from_config(spec["config"])
    except TypeError as err:
        raise ValueError(f"bad config for layer {class_name}: {err}") from None
