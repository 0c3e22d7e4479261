"""Small graph models shared by the graph tests: a ResNet (identity and projection shortcuts) and
an Inception block (concatenated branches), written with minicnn's functional API."""
import minicnn
from minicnn.layers import (AveragePooling2D, BatchNormalization, Conv2D, Dense, Flatten, GlobalAveragePooling2D,
                            MaxPooling2D, ReLU, add, concatenate)


def residual_block(x, filters, strides=1):
    """conv-BN-ReLU-conv-BN plus a shortcut: the identity, or a strided 1x1 conv + BN (a projection)
    when the shape changes; then ReLU."""
    y = Conv2D(filters, 3, strides=strides, padding="same")(x)
    y = ReLU()(BatchNormalization()(y))
    y = BatchNormalization()(Conv2D(filters, 3, padding="same")(y))
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = BatchNormalization()(Conv2D(filters, 1, strides=strides)(x))
    return ReLU()(add([shortcut, y]))


def resnet(input_shape=(8, 8, 3), classes=3):
    inputs = minicnn.Input(input_shape)
    x = Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = residual_block(x, 4)             # identity shortcut
    x = residual_block(x, 6, strides=2)  # projection shortcut
    outputs = Dense(classes, activation="softmax")(GlobalAveragePooling2D()(x))
    return minicnn.Model(inputs, outputs, name="resnet")


def inception(input_shape=(6, 6, 3), classes=4):
    inputs = minicnn.Input(input_shape)
    a = Conv2D(3, 1, activation="relu")(inputs)
    b = Conv2D(3, 3, padding="same", activation="relu")(Conv2D(2, 1, activation="relu")(inputs))
    c = Conv2D(2, 1, activation="relu")(MaxPooling2D(3, strides=1, padding="same")(inputs))
    d = AveragePooling2D(3, strides=1, padding="same")(inputs)
    x = concatenate([a, b, c, d])
    x = Flatten()(MaxPooling2D(2)(x))
    outputs = Dense(classes, activation="softmax")(x)
    return minicnn.Model(inputs, outputs, name="inception")
