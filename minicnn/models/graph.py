"""Model: a directed acyclic graph of layers (Keras's functional model).

    inputs  = minicnn.Input((32, 32, 3))
    x       = Conv2D(16, 3, padding="same", activation="relu")(inputs)
    y       = Conv2D(16, 3, padding="same")(x)
    z       = minicnn.layers.add([x, y])          # x is used twice: by the conv and by the add
    outputs = Dense(10, activation="softmax")(GlobalAveragePooling2D()(z))
    model   = minicnn.Model(inputs, outputs)

Each layer application is a node: a layer, its input tensors, its output tensor. A model may
have several inputs and outputs; a tensor may feed several layers; a layer may be applied more
than once (a shared layer: one set of weights, several nodes).

Forward runs the nodes in topological order (every node after the nodes producing its inputs).
Backward runs them in reverse order, and this is the rule that makes graphs work:

    THE FAN-OUT RULE. When a tensor t feeds several consumers c_1 .. c_k, the loss depends on t
    through each of them, so by the multivariate chain rule

        dL/dt = sum_i  (dL/dt as seen through c_i)

    Backward therefore ADDS the gradients that the consumers send back to t, and t's producer
    runs its backward only after all its consumers have (reverse topological order guarantees
    it). A shared layer is the same rule applied to weights: its weight gradient is the sum over
    its nodes. In ``x + f(x)`` (a residual block) x receives dy from the add directly plus
    f's backward of dy: the gradient flows around f unchanged, the point of a ResNet.

A chain (``Sequential``) is the graph where every tensor has one consumer: nothing is summed.
"""
import copy
import json

import numpy as np

from ..callbacks import History
from ..layers.base import snake_case
from ..layers.symbolic import SymbolicTensor
from ..rng import new_generator
from .checks import InputChecks
from .config import FORMAT_VERSION, graph_config, graph_from_config, tensor_names
from .fit import EpochLoop
from .summary import summary_table
from .training import Trainer



class Model(EpochLoop, Trainer, InputChecks):
    """``Model(inputs, outputs)``: the graph of layers between symbolic ``inputs`` (one tensor from
    ``minicnn.Input`` or a list) and ``outputs`` (one tensor or a list)."""

    #: the class of the symbolic tensors the model creates (Sequential's chain)
    tensor_class = SymbolicTensor

    def __init__(self, inputs=None, outputs=None, name="model"):
        self._reset(name)
        if inputs is None and outputs is None:
            return
        # a list of one input takes one array, as in Keras; a list of outputs gives a list of arrays
        self._multi_input = isinstance(inputs, (list, tuple)) and len(inputs) != 1
        self._multi_output = isinstance(outputs, (list, tuple))
        inputs = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        outputs = list(outputs) if self._multi_output else [outputs]
        for t in inputs + outputs:
            if not isinstance(t, SymbolicTensor):
                raise ValueError(f"Model(inputs, outputs) expects symbolic tensors (minicnn.Input and layer "
                                 f"calls), got {t!r}")
        if not outputs or not inputs:
            raise ValueError("Model(inputs, outputs) needs at least one input and one output")
        self._set_graph(inputs, outputs)

    def _reset(self, name):
        self.name = name
        self.layers = []
        self.built = False
        self.input_shape = None
        self.output_shape = None
        self.optimizer = None
        self.loss = None
        self.loss_weights = None
        self.metrics = []
        self.stop_training = False
        self.history = History()
        self.rng = new_generator()
        #: JSON-serialisable facts saved with the model (e.g. ``class_names``), see ``save``
        self.metadata = {}
        self._inputs, self._outputs, self._nodes = [], [], []
        self._multi_input = self._multi_output = False
        self._shared, self._consumers = set(), {}

    # ------------------------------------------------------------------ the graph
    def _set_graph(self, inputs, outputs):
        """Order the nodes between ``inputs`` and ``outputs`` topologically; name and size the layers."""
        if len({id(t) for t in inputs}) != len(inputs):
            raise ValueError("a tensor appears twice among the model's inputs")
        nodes = topological_nodes(inputs, outputs)
        layers = []
        for node in nodes:
            if all(node.layer is not l for l in layers):
                layers.append(node.layer)
        taken = set()
        for layer in layers:
            if layer.name is None:
                layer.name = unique_name(snake_case(type(layer).__name__), taken)
            elif layer.name in taken:
                raise ValueError(f"two different layers are named {layer.name!r}; layer names must be unique")
            taken.add(layer.name)
        self._inputs, self._outputs, self._nodes, self.layers = inputs, outputs, nodes, layers
        self._index()
        input_ids = {id(t) for t in inputs}
        for layer in layers:  # a layer that only reads model inputs need not compute their gradient
            layer.needs_input_grad = layer.multi_input or any(
                id(t) not in input_ids for node in nodes if node.layer is layer for t in node.inputs)
        shapes = [tuple(t.shape[1:]) for t in inputs]
        self.input_shape = shapes if self._multi_input else shapes[0]
        out_shapes = [tuple(t.shape[1:]) for t in outputs]
        self.output_shape = out_shapes if self._multi_output else out_shapes[0]
        self.built = True

    def _index(self):
        """Look-ups by object id: shared layers, and how many nodes consume each tensor."""
        uses, consumers = {}, {}
        for node in self._nodes:
            uses[id(node.layer)] = uses.get(id(node.layer), 0) + 1
            for t in node.inputs:
                consumers[id(t)] = consumers.get(id(t), 0) + 1
        self._shared = {k for k, n in uses.items() if n > 1}
        self._consumers = consumers

    def __getstate__(self):
        state = dict(vars(self))
        state.pop("_shared", None)
        state.pop("_consumers", None)
        return state

    def __setstate__(self, state):  # copies (deepcopy, check_model) have new ids
        vars(self).update(state)
        self._index()

    @property
    def inputs(self):
        """The model's symbolic input tensors (a list)."""
        return list(self._inputs)

    @property
    def outputs(self):
        """The model's symbolic output tensors (a list)."""
        return list(self._outputs)

    @property
    def output_names(self):
        """The names of the layers producing the outputs (Keras's keys for per-output losses)."""
        return [t.node.layer.name if t.node is not None else t.name or f"input_{k}" for k, t in enumerate(self._outputs)]

    def _output_heads(self):
        """``[(output tensor, producing layer or None)]``."""
        return [(t, None if t.node is None else t.node.layer) for t in self._outputs]

    # ------------------------------------------------------------------ forward and backward
    def _run(self, x, training):
        """Run the nodes on ``x`` (an array, or a list for several inputs); the dict tensor id -> value."""
        xs = x if self._multi_input else [x]
        values = {id(t): v for t, v in zip(self._inputs, xs)}
        shared = self._shared
        # the nodes whose layer returned its input object unchanged: Keras's logits pass through those
        self._passed_through = {}
        # backward starts at the outputs unless _loss_and_grad finds that a loss read logits
        self._heads_at_logits = [None] * len(self._outputs)
        for node in self._nodes:
            layer = node.layer
            args = [values[id(t)] for t in node.inputs]
            out = layer.forward(args if layer.multi_input else args[0], training)
            values[id(node.output)] = out
            self._passed_through[id(node)] = not layer.multi_input and out is args[0]
            if shared and id(layer) in shared:
                node.cache = _layer_cache(layer)
        return values

    def _forward(self, x, training):
        values = self._run(x, training)
        outs = [values[id(t)] for t in self._outputs]
        return outs if self._multi_output else outs[0]

    def _backward(self, d):
        """Backward from ``d`` (what ``_loss_and_grad`` returned) through every node in reverse
        order, adding the gradients of tensors with several consumers (the fan-out rule). Returns
        the gradient w.r.t. the input (a list for several inputs; None where no layer needed it)."""
        grads = {}  # tensor id -> dL/dtensor, summed over the consumers seen so far
        seeds, done = self._head_backward(d)  # the output head (training.py)
        for tensors, ds in seeds:
            send_back(grads, tensors, ds)
        shared = {id(l): [] for l in self.layers if id(l) in self._shared}
        reached = set()
        for node in reversed(self._nodes):
            if id(node) in done:
                reached.add(id(node.layer))
                continue
            g = grads.pop(id(node.output), None)
            if g is None:  # nothing below the loss depends on this node
                continue
            layer = node.layer
            if id(layer) in shared:
                _restore_cache(layer, node.cache)
            dx = layer.backward(g)
            reached.add(id(layer))
            if id(layer) in shared:
                shared[id(layer)].append({k: v.copy() for k, v in layer.grads.items()})
            send_back(grads, node.inputs, dx if layer.multi_input else [dx])
        for layer in self.layers:
            if id(layer) in shared and shared[id(layer)]:
                for key, g in layer.grads.items():  # a shared layer's weights: summed over its nodes
                    g[...] = sum(part[key] for part in shared[id(layer)])
            elif id(layer) not in reached:  # a branch the loss does not depend on
                for g in layer.grads.values():
                    g[...] = 0
        dx = [grads.get(id(t)) for t in self._inputs]
        return dx if self._multi_input else dx[0]

    def feature_maps(self, x):
        """Each node's activation for inputs ``x`` (inference mode): ``[(layer name, array)]`` in
        topological order (a shared layer appears once per use)."""
        x = self._check_x(x)
        values = self._run(self._as_float(x) if not self._multi_input else [self._as_float(v) for v in x], False)
        return [(node.layer.name, values[id(node.output)].copy()) for node in self._nodes]

    # ------------------------------------------------------------------ weights
    def get_layer(self, name=None, index=None):
        """The layer called ``name`` (or at position ``index`` of ``layers``)."""
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[l.name for l in self.layers]}.")

    @property
    def trainable_layers(self):
        return [layer for layer in self.layers if layer.trainable and layer.params]

    def parameters(self):
        """``[(key, param, grad)]`` for every trainable parameter, keys ``"<layer>/<param>"``."""
        return [(f"{layer.name}/{k}", p, layer.grads[k]) for layer in self.trainable_layers
                for k, p in layer.trainable_params().items()]

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

    # ------------------------------------------------------------------ summary and config
    def summary(self, print_fn=print, line_length=None, positions=None):
        """Keras's table: layer (type), output shape, parameter count (and, for a graph, "Connected
        to"), then the totals."""
        if not self.built:
            self.build()
        print_fn("\n".join(summary_table(self, line_length=line_length, positions=positions)))

    def get_config(self):
        """Keras's functional config (see ``config.py``)."""
        return graph_config(self)

    def _tensor_names(self):
        return tensor_names(self)

    def to_json(self):
        return json.dumps({"class_name": type(self).json_class, "format_version": FORMAT_VERSION,
                           "config": self.get_config()})

    json_class = "Model"

    @classmethod
    def from_config(cls, config):
        """Rebuild the graph from :meth:`get_config` (new, untrained layers)."""
        return graph_from_config(cls, config)

    # ------------------------------------------------------------------ persistence (minicnn.saving)
    def save(self, path, metadata=None):
        """Architecture, weights, optimizer state, RNG state and ``metadata`` (default
        ``self.metadata``) in one file written atomically to exactly ``path``: minicnn's ``.npz``
        (any suffix but Keras's), or for ``.keras`` / ``.h5`` Keras's format (h5py needed; chains
        only; see ``minicnn.keras_format``). ``minicnn.load_model(path)`` restores it."""
        from ..saving import save_model
        save_model(self, path, metadata)

    def save_weights(self, path):
        """Weights only, to exactly ``path``: Keras's HDF5 weights for ``.weights.h5`` / ``.h5``, else an npz."""
        from ..saving import save_weights
        save_weights(self, path)

    def load_weights(self, path):
        """Load weights written by ``save_weights`` or ``save``; ValueError on an architecture mismatch."""
        from ..saving import load_weights
        load_weights(self, path)


def topological_nodes(inputs, outputs):
    """The nodes between ``inputs`` and ``outputs``, each after the nodes producing its inputs
    (depth-first from the outputs, in the order the graph was written)."""
    stop = {id(t) for t in inputs}
    order, seen = [], set()
    stack = [(t, False) for t in reversed(outputs)]
    while stack:
        t, expanded = stack.pop()
        if id(t) in stop:
            continue
        if t.node is None:
            raise ValueError(f"an output depends on the input {t!r}, which is not among the model's inputs")
        if id(t.node) in seen:
            continue
        if expanded:
            seen.add(id(t.node))
            order.append(t.node)
            continue
        stack.append((t, True))
        stack.extend((p, False) for p in reversed(t.node.inputs))
    return order


def unique_name(base, taken):
    """``base``, or ``base_1``, ``base_2``... (Keras's naming) when taken."""
    name, k = base, 1
    while name in taken:
        name = f"{base}_{k}"
        k += 1
    return name


def send_back(grads, tensors, ds):
    """Add the gradients ``ds`` into ``grads`` for ``tensors`` (the fan-out rule). The sum is a new
    array: a gradient may be shared (Add hands the same ``dy`` to all its inputs)."""
    for t, g in zip(tensors, ds):
        if g is None:
            continue
        previous = grads.get(id(t))
        grads[id(t)] = g if previous is None else previous + g


_KEEP = ("params", "grads", "state", "rng", "name", "trainable", "needs_input_grad", "_call_input", "_call_output")


def _layer_cache(layer):
    """A copy of what a shared layer's forward left for its backward (everything but its weights
    and graph links): the next node's forward overwrites the layer's own copy."""
    return {k: copy.deepcopy(v) for k, v in vars(layer).items()
            if k not in _KEEP and not isinstance(v, SymbolicTensor)}


def _restore_cache(layer, cache):
    vars(layer).update(cache)
