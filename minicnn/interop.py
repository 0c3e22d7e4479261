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


def _keras_chain(keras_model):
    """The layers of a Keras Sequential model or functional chain, without its InputLayer."""
    layers = [layer for layer in keras_model.layers if type(layer).__name__ != "InputLayer"]
    if type(keras_model).__name__ != "Sequential":
        if len(keras_model.inputs) != 1 or len(keras_model.outputs) != 1:
            raise NotImplementedError("from_keras: models with several inputs or outputs are not implemented in "
                                      "minicnn; convert a chain (one input, one output)")
        previous = keras_model.inputs[0]
        for layer in layers:
            if len(layer._inbound_nodes) != 1 or layer.input is not previous:
                raise NotImplementedError(f"from_keras: layer {layer.name} is not applied once to the previous "
                                          "layer's output (branching or shared layers are not implemented in "
                                          "minicnn); convert a chain of layers")
            previous = layer.output
        if previous is not keras_model.outputs[0]:
            raise NotImplementedError("from_keras: the model's output is not its last layer's output")
    return layers


def from_keras(keras_model):
    """A ``minicnn.keras.Sequential`` with the architecture and weights of ``keras_model``.

    ``keras_model``: a built Keras Sequential model or functional chain. Layers or arguments minicnn
    lacks raise NotImplementedError naming them.
    """
    from .keras import Input, models
    from .keras import layers as our_layers
    layers = _keras_chain(keras_model)
    if not keras_model.built or not keras_model.inputs:
        raise ValueError("from_keras needs a built Keras model with a known input shape (give it keras.Input)")
    input_shape = tuple(int(d) for d in keras_model.inputs[0].shape[1:])
    dtype = np.dtype(str(keras_model.inputs[0].dtype).replace("<dtype: '", "").rstrip("'>"))
    converted = []
    for layer in layers:
        class_name = _ALIASES.get(type(layer).__name__, type(layer).__name__)
        if class_name not in _ARGUMENTS:
            raise NotImplementedError(f"from_keras: Keras layer {class_name} ({layer.name}) is not implemented in "
                                      f"minicnn; supported layers: {', '.join(sorted(_ARGUMENTS))}")
        config = layer.get_config()
        kwargs = {key: config[key] for key in _ARGUMENTS[class_name] if key in config}
        kwargs = {key: (tuple(v) if isinstance(v, list) else v) for key, v in kwargs.items()}
        converted.append(getattr(our_layers, class_name)(**kwargs, name=layer.name, trainable=layer.trainable,
                                                         dtype=str(dtype)))
    model = models.Sequential([Input(input_shape, dtype=str(dtype))] + converted, name=keras_model.name)
    for ours, theirs in zip(model.layers, layers):
        ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return model


def to_keras(model):
    """A ``keras.Sequential`` with the architecture and weights of the built minicnn ``model``."""
    keras = _import_keras()
    if not model.built:
        raise ValueError("to_keras needs a built model: give its first layer input_shape= or call build()")
    dtype = str(model.dtype)
    layers = [keras.Input(shape=model.input_shape, dtype=dtype)]
    for layer in model.layers:
        class_name = _ALIASES.get(type(layer).__name__, type(layer).__name__)
        if class_name not in _ARGUMENTS:
            raise NotImplementedError(f"to_keras: layer {class_name} has no Keras counterpart here")
        config = {key: value for key, value in layer.get_config().items() if key != "input_shape"}
        signature = inspect.signature(getattr(keras.layers, class_name))
        accepts_kwargs = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        config = {k: v for k, v in config.items() if k in signature.parameters or (accepts_kwargs and k in
                                                                                  ("name", "trainable"))}
        layers.append(getattr(keras.layers, class_name)(**config, dtype=dtype))
    keras_model = keras.Sequential(layers, name=model.name)
    for ours, theirs in zip(model.layers, keras_model.layers):
        theirs.set_weights(ours.get_weights())
    return keras_model
