"""The seed architectures of the classic CNN lessons, by name.

* ``mnist``: Conv2D(32, 3x3, relu), MaxPool 2x2, Flatten, Dense(100, relu), Dense(10, softmax)
  — 542,230 parameters; trained with SGD(0.01, momentum=0.9), batch 32.
* ``cifar_small``: the TensorFlow CNN tutorial — Conv32-Pool-Conv64-Pool-Conv64-Flatten-Dense64-
  Dense10 ('valid' padding), 122,570 parameters; Adam, batch 32.
* ``cifar_bn``: two Conv(32, 'same')+BN, pool, Dropout 0.3, two Conv(64)+BN, pool, Dropout 0.5,
  two Conv(128)+BN, pool, Dropout 0.5, Flatten, Dense(128, relu), Dropout 0.5, Dense(10, softmax);
  Adam, batch 64.
"""
from .layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from .models import Sequential


def mnist(input_shape=(28, 28, 1), num_classes=10):
    return Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=input_shape),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(100, activation="relu"),
        Dense(num_classes, activation="softmax"),
    ], name="mnist")


def cifar_small(input_shape=(32, 32, 3), num_classes=10):
    return Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=input_shape),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Conv2D(64, (3, 3), activation="relu"),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(num_classes, activation="softmax"),
    ], name="cifar_small")


def cifar_bn(input_shape=(32, 32, 3), num_classes=10):
    layers = []
    for i, (filters, dropout) in enumerate(((32, 0.3), (64, 0.5), (128, 0.5))):
        extra = {"input_shape": input_shape} if i == 0 else {}
        layers += [Conv2D(filters, (3, 3), activation="relu", padding="same", **extra), BatchNormalization(),
                   Conv2D(filters, (3, 3), activation="relu", padding="same"), BatchNormalization(),
                   MaxPooling2D((2, 2)), Dropout(dropout)]
    layers += [Flatten(), Dense(128, activation="relu"), Dropout(0.5), Dense(num_classes, activation="softmax")]
    return Sequential(layers, name="cifar_bn")


#: name -> (builder, recommended optimizer config, batch size)
BUILTIN = {
    "mnist": (mnist, {"name": "sgd", "learning_rate": 0.01, "momentum": 0.9}, 32),
    "cifar_small": (cifar_small, {"name": "adam", "learning_rate": 0.001}, 32),
    "cifar_bn": (cifar_bn, {"name": "adam", "learning_rate": 0.001}, 64),
}


def build(name, input_shape=None, num_classes=10):
    """A fresh, uncompiled built-in model by name."""
    if name not in BUILTIN:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(BUILTIN)}")
    builder = BUILTIN[name][0]
    return builder(num_classes=num_classes) if input_shape is None else builder(input_shape, num_classes)
