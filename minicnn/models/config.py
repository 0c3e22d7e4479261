"""Model configs: Keras's functional config of a graph, and layers rebuilt from their specs.

    {"name": ..., "layers": [{"class_name": "InputLayer", "name": ..., "config": {"batch_shape": [...]}},
                             {"class_name": "Conv2D", "name": ..., "config": {...},
                              "inbound_nodes": [[[producer name, node index, 0], ...], ...]}, ...],
     "input_layers": [[name, 0, 0], ...], "output_layers": [[name, node index, 0], ...],
     "multi_input": bool, "multi_output": bool}

A tensor is named as in Keras: the layer that produced it and which of its calls (node). A shared
layer has one entry with several inbound nodes. Unknown keys and layer classes are errors.
"""
from ..layers import LAYER_CLASSES
from ..layers.symbolic import Input, connect

FORMAT_VERSION = 1


def graph_config(model):
    """Keras's functional config: layers with their inbound nodes, and the model's inputs and
    outputs as ``[layer name, node index, 0]`` (an Input's "layer" is its InputLayer)."""
    names = tensor_names(model)
    layers = [{"class_name": "InputLayer", "name": names[id(t)][0],
               "config": {"batch_shape": [None] + list(t.shape[1:]), "name": names[id(t)][0]}}
              for t in model._inputs]
    for layer in model.layers:
        inbound = [[list(names[id(t)]) for t in node.inputs] for node in model._nodes if node.layer is layer]
        layers.append({"class_name": type(layer).__name__, "name": layer.name, "config": layer.get_config(),
                       "inbound_nodes": inbound})
    return {"name": model.name, "layers": layers,
            "input_layers": [list(names[id(t)]) for t in model._inputs],
            "output_layers": [list(names[id(t)]) for t in model._outputs],
            "multi_input": model._multi_input, "multi_output": model._multi_output}


def tensor_names(model):
    """tensor id -> (layer name, node index, 0), Keras's way of naming a tensor in a config."""
    names = {}
    for k, t in enumerate(model._inputs):
        names[id(t)] = (t.name or ("input_layer" if k == 0 else f"input_layer_{k}"), 0, 0)
    count = {}
    for node in model._nodes:
        i = count.get(id(node.layer), 0)
        count[id(node.layer)] = i + 1
        names[id(node.output)] = (node.layer.name, i, 0)
    return names


def graph_from_config(cls, config):
    """A new ``cls`` (Model) from :func:`graph_config` output (new, untrained layers)."""
    unknown = set(config) - {"name", "layers", "input_layers", "output_layers", "multi_input", "multi_output"}
    if unknown:
        raise ValueError(f"unknown model config keys {sorted(unknown)}")
    tensors, pending = {}, []
    for spec in config["layers"]:
        if not isinstance(spec, dict):
            raise ValueError(f"a layer spec must be an object, got {spec!r}")
        if spec.get("class_name") == "InputLayer":
            if set(spec) != {"class_name", "name", "config"}:
                raise ValueError(f"bad InputLayer spec {spec!r}")
            shape = spec["config"]["batch_shape"][1:]
            tensors[(spec["name"], 0, 0)] = Input(shape, name=spec["name"])
            continue
        if set(spec) != {"class_name", "name", "config", "inbound_nodes"}:
            raise ValueError(f"a layer spec needs class_name, name, config and inbound_nodes, got {sorted(spec)}")
        layer = layer_from_spec({"class_name": spec["class_name"], "config": spec["config"]})
        pending.append((layer, spec["inbound_nodes"]))
    # connect nodes once their inputs exist (a shared layer's later nodes may wait for others)
    remaining = [(layer, i, node_inputs) for layer, inbound in pending for i, node_inputs in enumerate(inbound)]
    while remaining:
        progress = []
        for layer, i, node_inputs in remaining:
            keys = [tuple(k) for k in node_inputs]
            if all(k in tensors for k in keys):
                args = [tensors[k] for k in keys]
                tensors[(layer.name, i, 0)] = connect(layer, args if layer.multi_input else args[0])
                progress.append((layer, i, node_inputs))
        if not progress:
            raise ValueError(f"the model config's nodes cannot be connected: {remaining}")
        remaining = [r for r in remaining if r not in progress]
    try:
        inputs = [tensors[tuple(k)] for k in config["input_layers"]]
        outputs = [tensors[tuple(k)] for k in config["output_layers"]]
    except KeyError as err:
        raise ValueError(f"the model config names an unknown tensor {err}") from None
    return cls(inputs if config.get("multi_input") else inputs[0],
               outputs if config.get("multi_output") else outputs[0], name=config.get("name", "model"))


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



