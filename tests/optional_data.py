"""Where the tests find the real datasets that do not ship with minicnn.

Each function returns the location of one dataset, or skips the calling test with a message that
names the missing file and how to get it. The built-in MNIST needs none of this. Search order:

* CIFAR-10 (official python version): the data directory, i.e. ``$MINICNN_DATA`` or else
  ``~/.cache/minicnn`` (``minicnn.data.paths``), holding ``cifar-10-batches-py/`` or
  ``cifar-10-python.tar.gz``;
* the CIFAR-10 JPEG tree ``cifar-10-jpeg.tar.gz`` (``train/<class>/NNNN.jpg``, the project's
  development copy): ``$MINICNN_CIFAR_JPEG``, then the data directory, then ``../shared/data/``
  beside the checkout;
* Fashion-MNIST: Debian's ``dataset-fashion-mnist`` package (``/usr/share/datasets/fashion-mnist``).
"""
import os
from pathlib import Path

import pytest

from minicnn.data import mnist
from minicnn.data.paths import resolve_data_dir

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR_JPEG = "cifar-10-jpeg.tar.gz"
REPO_ROOT = Path(__file__).resolve().parents[1]


def cifar10_dir():
    """The data directory holding CIFAR-10's ``cifar-10-batches-py/`` or its tarball."""
    root = resolve_data_dir()
    if (root / "cifar-10-batches-py").is_dir() or (root / "cifar-10-python.tar.gz").is_file():
        return root
    pytest.skip(f"CIFAR-10 not found: neither {root}/cifar-10-batches-py/ nor {root}/cifar-10-python.tar.gz "
                f"exists. Download {CIFAR10_URL} into a folder and set MINICNN_DATA to that folder "
                "(or run minicnn.data.load_cifar10() once on a machine with internet access)")


def cifar_jpeg_tarball():
    """The CIFAR-10 JPEG tree archive ``cifar-10-jpeg.tar.gz``."""
    candidates = [os.environ.get("MINICNN_CIFAR_JPEG"), resolve_data_dir() / CIFAR_JPEG,
                  REPO_ROOT.parent / "shared" / "data" / CIFAR_JPEG]
    for path in candidates:
        if path and Path(path).is_file():
            return Path(path)
    pytest.skip(f"{CIFAR_JPEG} not found (looked at $MINICNN_CIFAR_JPEG, {resolve_data_dir() / CIFAR_JPEG} and "
                f"{REPO_ROOT.parent / 'shared' / 'data' / CIFAR_JPEG}). It is CIFAR-10 as a JPEG folder tree "
                "(train/<class>/*.jpg), the project's development data; set MINICNN_CIFAR_JPEG to its path")


def fashion_mnist_dir():
    """Debian's Fashion-MNIST IDX files."""
    if mnist.SYSTEM_FASHION_MNIST_DIR.is_dir():
        return mnist.SYSTEM_FASHION_MNIST_DIR
    pytest.skip(f"Fashion-MNIST not found at {mnist.SYSTEM_FASHION_MNIST_DIR}: install Debian's package "
                "(apt-get install dataset-fashion-mnist), or let minicnn.data.load_fashion_mnist() download "
                "it into the data directory on a machine with internet access")
