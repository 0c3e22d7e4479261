"""Sequential: a stack of layers, the graph model whose graph is a chain.

Every tensor has one consumer, so backward sums nothing (``graph.py``). ``add`` appends a layer;
``build`` sizes the layers and records the chain of nodes.
"""
from ..checks import shape_tuple
from ..layers.base import Layer, snake_case
from ..layers.symbolic import Node
from .config import layer_from_spec
from .graph import Model, unique_name


class Sequential(Model):
    json_class = "Sequential"

    def __init__(self, layers=None, name="sequential"):
        self._reset(name)
        for layer in layers or []:
            self.add(layer)

    # ------------------------------------------------------------------ structure
    def add(self, layer):
        if not isinstance(layer, Layer):
            raise ValueError(f"Sequential.add expects a minicnn layer, got {layer!r}")
        if layer.multi_input:
            raise ValueError(f"{type(layer).__name__} merges several inputs; build a graph with "
                             "minicnn.Model(inputs, outputs) instead of Sequential")
        if layer.name is None:
            layer.name = unique_name(snake_case(type(layer).__name__), {l.name for l in self.layers})
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
        tensor = inputs = self.tensor_class(shape)
        for layer in self.layers:
            if not (layer.built and layer.input_shape == shape):
                layer.build(shape)
            shape = layer.output_shape
            previous, tensor = tensor, Node(layer, [tensor], shape, self.tensor_class).output
            layer._call_input, layer._call_output = previous, tensor  # layer.input / layer.output
        self._set_graph([inputs], [tensor])
        return self

    # ------------------------------------------------------------------ summary and config
    def summary(self, print_fn=print, line_length=None, positions=None):
        """Keras's table: layer (type), output shape, parameter count, then the totals."""
        super().summary(print_fn, line_length=line_length, positions=positions)

    def get_config(self):
        return {"name": self.name,
                "layers": [{"class_name": type(l).__name__, "config": l.get_config()} for l in self.layers],
                "input_shape": None if self.input_shape is None else list(self.input_shape)}

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
