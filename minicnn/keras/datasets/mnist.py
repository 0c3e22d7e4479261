"""``keras.datasets.mnist``: the MNIST digits shipped inside minicnn (no download)."""
from ...data import load_mnist
from .._compat import require_default


def load_data(path="mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 (60000, 28, 28), (60000,), (10000, 28, 28), (10000,)."""
    require_default("datasets.mnist.load_data", "path", path, "mnist.npz", "minicnn ships MNIST; call load_data()")
    return load_mnist()
