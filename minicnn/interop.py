"""Convert models between minicnn and Keras (TensorFlow is the optional extra ``bench``).

    from minicnn.interop import from_keras, to_keras
    ours = from_keras(keras_model)     # a minicnn.keras Sequential (a minicnn.Sequential)
    theirs = to_keras(ours)            # a keras.Sequential with the same weights

Architecture and weights are copied; the layouts already agree (conv kernel (kh, kw, in, out),
dense kernel (in, out), BatchNormalization gamma, beta, moving_mean, moving_variance), so weights
are copied as they are. Compiled state (optimizer, loss) is not copied. Keras is imported inside
these functions only: ``import minicnn`` never imports TensorFlow.
"""
import inspect

import numpy as np

#: Keras layer class -> the constructor arguments copied from its config (weights are copied
#: separately, so initializers are left out)
_ARGUMENTS = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups",
               "activation", "use_bias", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
               "kernel_constraint", "bias_constraint"),
    "Dense": ("units", "activation", "use_bias", "kernel_regularizer", "bias_regularizer", "activity_regularizer",
              "kernel_constraint", "bias_constraint"),
    "MaxPooling2D": ("pool_size", "strides", "padding", "data_format"),
    "AveragePooling2D": ("pool_size", "strides", "padding", "data_format"),
    "GlobalMaxPooling2D": ("data_format", "keepdims"),
    "GlobalAveragePooling2D": ("data_format", "keepdims"),
    "Flatten": ("data_format",),
    "Dropout": ("rate", "noise_shape", "seed"),
    "BatchNormalization": ("axis", "momentum", "epsilon", "center", "scale", "beta_regularizer",
                           "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized"),
    "Activation": ("activation",),
    "ReLU": ("max_value", "negative_slope", "threshold"),
    "Softmax": ("axis",),
    "ZeroPadding2D": ("padding", "data_format"),
    "Cropping2D": ("cropping", "data_format"),
    "UpSampling2D": ("size", "data_format", "interpolation"),
    "Reshape": ("target_shape",),
    "Permute": ("dims",),
    "Rescaling": ("scale", "offset"),
    "SpatialDropout2D": ("rate", "data_format", "seed"),
    "GaussianNoise": ("stddev", "seed"),
    "Add": (), "Subtract": (), "Multiply": (), "Average": (), "Maximum": (),
    "Concatenate": ("axis",),
}
_ALIASES = {"MaxPool2D": "MaxPooling2D", "AvgPool2D": "AveragePooling2D", "GlobalMaxPool2D": "GlobalMaxPooling2D",
            "GlobalAvgPool2D": "GlobalAveragePooling2D"}


def _import_keras():
    try:
        import keras
    except ImportError:
        try:
            from tensorflow import keras
        except ImportError:
            raise ImportError("minicnn.interop needs Keras: install the optional extra with "
                              "`pip install minicnn[bench]` (tensorflow-cpu)") from None
    return keras


def _is_chain(keras_model):
    """True for a Keras Sequential model or a functional model that is a chain of layers."""
    if type(keras_model).__name__ == "Sequential":
        return True
    if len(keras_model.inputs) != 1 or len(keras_model.outputs) != 1:
        return False
    previous = keras_model.inputs[0]
    for layer in (l for l in keras_model.layers if type(l).__name__ != "InputLayer"):
        if len(layer._inbound_nodes) != 1 or layer.input is not previous:
            return False
        previous = layer.output
    return previous is keras_model.outputs[0]


def _our_layer(layer, dtype):
    """The ``minicnn.keras`` layer with ``layer``'s Keras configuration (weights not yet copied)."""
    from .keras import layers as our_layers
    class_name = _ALIASES.get(type(layer).__name__, type(layer).__name__)
    if class_name not in _ARGUMENTS:
        raise NotImplementedError(f"from_keras: Keras layer {class_name} ({layer.name}) is not implemented in "
                                  f"minicnn; supported layers: {', '.join(sorted(_ARGUMENTS))}")
    config = layer.get_config()
    kwargs = {key: config[key] for key in _ARGUMENTS[class_name] if key in config}
    kwargs = {key: (tuple(v) if isinstance(v, list) else v) for key, v in kwargs.items()}
    return getattr(our_layers, class_name)(**kwargs, name=layer.name, trainable=layer.trainable, dtype=str(dtype))


def _keras_dtype(tensor):
    return np.dtype(str(tensor.dtype).replace("<dtype: '", "").rstrip("'>"))


def _graph_from_keras(keras_model):
    """A ``minicnn.keras.Model`` with the graph of the functional ``keras_model``, walked back from
    its outputs through each tensor's ``_keras_history`` (layer, node index)."""
    from .keras import Input, models
    dtype = _keras_dtype(keras_model.inputs[0])
    tensors = {id(t): Input(tuple(int(d) for d in t.shape[1:]), dtype=str(dtype)) for t in keras_model.inputs}
    layers = {}

    def convert(t):
        if id(t) in tensors:
            return tensors[id(t)]
        op, node_index = t._keras_history.operation, t._keras_history.node_index
        if type(op).__name__ == "InputLayer":
            raise ValueError(f"from_keras: the output depends on {op.name}, which is not among the model's inputs")
        node = op._inbound_nodes[node_index]
        args = [convert(a) for a in node.input_tensors]
        if id(op) not in layers:
            layers[id(op)] = (op, _our_layer(op, dtype))
        ours = layers[id(op)][1]
        tensors[id(t)] = ours(args if ours.multi_input else args[0])
        return tensors[id(t)]

    outputs = [convert(t) for t in keras_model.outputs]
    inputs = [tensors[id(t)] for t in keras_model.inputs]
    model = models.Model(inputs if len(inputs) > 1 else inputs[0], outputs if len(outputs) > 1 else outputs[0],
                         name=keras_model.name)
    for theirs, ours in layers.values():
        ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return model


def from_keras(keras_model):
    """A ``minicnn.keras`` model with the architecture and weights of ``keras_model``: a Sequential
    for a Keras Sequential model or functional chain, a graph ``Model`` for any other functional
    model (branches, merges, shared layers, several inputs/outputs). Layers or arguments minicnn
    lacks raise NotImplementedError naming them.
    """
    from .keras import Input, models
    if not keras_model.built or not keras_model.inputs:
        raise ValueError("from_keras needs a built Keras model with a known input shape (give it keras.Input)")
    if not _is_chain(keras_model):
        return _graph_from_keras(keras_model)
    layers = [layer for layer in keras_model.layers if type(layer).__name__ != "InputLayer"]
    input_shape = tuple(int(d) for d in keras_model.inputs[0].shape[1:])
    dtype = _keras_dtype(keras_model.inputs[0])
    converted = [_our_layer(layer, dtype) for layer in layers]
    model = models.Sequential([Input(input_shape, dtype=str(dtype))] + converted, name=keras_model.name)
    for ours, theirs in zip(model.layers, layers):
        ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return model


def to_keras(model):
    """A ``keras.Sequential`` (for a ``minicnn.Sequential``) or functional ``keras.Model`` (for a graph
    ``minicnn.Model``) with the architecture and weights of the built minicnn ``model``."""
    keras = _import_keras()
    if not model.built:
        raise ValueError("to_keras needs a built model: give its first layer input_shape= or call build()")
    dtype = str(model.dtype)
    if type(model).json_class == "Sequential":
        layers = [keras.Input(shape=model.input_shape, dtype=dtype)] + [_keras_layer(keras, l, dtype)
                                                                        for l in model.layers]
        keras_model = keras.Sequential(layers, name=model.name)
        for ours, theirs in zip(model.layers, keras_model.layers):
            theirs.set_weights(ours.get_weights())
        return keras_model
    tensors = {id(t): keras.Input(shape=t.shape[1:], dtype=dtype) for t in model.inputs}
    layers = {}
    for node in model._nodes:  # topological order: every input tensor is converted before use
        layer = node.layer
        if id(layer) not in layers:
            layers[id(layer)] = _keras_layer(keras, layer, dtype)
        args = [tensors[id(t)] for t in node.inputs]
        tensors[id(node.output)] = layers[id(layer)](args if layer.multi_input else args[0])
    inputs = [tensors[id(t)] for t in model.inputs]
    outputs = [tensors[id(t)] for t in model.outputs]
    keras_model = keras.Model(inputs if model._multi_input else inputs[0],
                              outputs if model._multi_output else outputs[0], name=model.name)
    for layer in model.layers:
        layers[id(layer)].set_weights(layer.get_weights())
    return keras_model


def _keras_layer(keras, layer, dtype):
    """The Keras layer with ``layer``'s configuration (weights are copied once it is built)."""
    class_name = _ALIASES.get(type(layer).__name__, type(layer).__name__)
    if class_name not in _ARGUMENTS:
        raise NotImplementedError(f"to_keras: layer {class_name} has no Keras counterpart here")
    config = {key: value for key, value in layer.get_config().items() if key != "input_shape"}
    signature = inspect.signature(getattr(keras.layers, class_name))
    accepts_kwargs = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    config = {k: v for k, v in config.items() if k in signature.parameters or (accepts_kwargs and k in
                                                                              ("name", "trainable"))}
    return getattr(keras.layers, class_name)(**config, dtype=dtype)
