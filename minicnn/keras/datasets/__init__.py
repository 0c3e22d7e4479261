"""``keras.datasets``: ``mnist``, ``fashion_mnist`` and ``cifar10`` with Keras's shapes and dtypes.

``load_data()`` returns ``(x_train, y_train), (x_test, y_test)``: uint8 images (n, 28, 28) with
uint8 labels (n,) for the MNIST family, uint8 images (n, 32, 32, 3) with uint8 labels (n, 1) for
CIFAR-10. MNIST ships with minicnn; the others are read or downloaded as ``minicnn.data`` does
(directory ``$MINICNN_DATA``, else ``~/.cache/minicnn``).
"""
from .._compat import module_getattr
from . import cifar10, fashion_mnist, mnist

__all__ = ["mnist", "fashion_mnist", "cifar10"]

__getattr__ = module_getattr(__name__, {"cifar100": "use datasets.cifar10",
                                        "imdb": "minicnn builds image classifiers: use datasets.mnist",
                                        "reuters": "minicnn builds image classifiers: use datasets.mnist",
                                        "boston_housing": "minicnn builds image classifiers: use datasets.mnist",
                                        "california_housing": "minicnn builds image classifiers: use datasets.mnist"},
                             "available: datasets.mnist, datasets.fashion_mnist, datasets.cifar10")
