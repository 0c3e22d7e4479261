"""``keras.datasets.cifar10``: CIFAR-10 via ``minicnn.data.load_cifar10``, labels shaped (n, 1) as in Keras."""
from ...data import load_cifar10


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 (50000, 32, 32, 3), uint8 (50000, 1), and 10000 test."""
    (x_train, y_train), (x_test, y_test), _ = load_cifar10()
    return (x_train, y_train.reshape(-1, 1)), (x_test, y_test.reshape(-1, 1))
