"""``keras.datasets.fashion_mnist``: Fashion-MNIST via ``minicnn.data.load_fashion_mnist``."""
from ...data import load_fashion_mnist


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 (60000, 28, 28), (60000,), (10000, 28, 28), (10000,)."""
    return load_fashion_mnist()
