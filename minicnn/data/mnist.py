"""MNIST (built into the package) and Fashion-MNIST (local files or download).

Both return ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays of shapes
(60000, 28, 28), (60000,), (10000, 28, 28), (10000,), like ``keras.datasets``.
"""
from pathlib import Path

import numpy as np

from .download import DownloadError
from .download import download as download_file
from .idx import read_idx
from .paths import DATA_DIR_ENV_VAR, resolve_data_dir

#: The four IDX files of MNIST and Fashion-MNIST, in the order they are returned.
IDX_FILE_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

MNIST_CLASS_NAMES = tuple(str(digit) for digit in range(10))
FASHION_MNIST_CLASS_NAMES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)

BUILTIN_MNIST_DIR = Path(__file__).resolve().parent / "mnist"
#: Official MNIST files (not needed: minicnn ships MNIST), with their published md5s.
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
FASHION_MNIST_SUBDIR = "fashion-mnist"
#: Where Debian's ``dataset-fashion-mnist`` package installs the files.
SYSTEM_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")

_mnist_cache = None


def load_mnist():
    """Load the MNIST digits shipped inside minicnn (no download, no data dir).

    Returns ``(x_train, y_train), (x_test, y_test)``: uint8 arrays of shapes
    (60000, 28, 28), (60000,), (10000, 28, 28), (10000,); labels are the digits 0..9.
    The files are parsed once per process; each call returns fresh writable copies.
    """
    global _mnist_cache
    if _mnist_cache is None:
        arrays = _read_idx_set(BUILTIN_MNIST_DIR)
        for array in arrays:
            array.flags.writeable = False
        _mnist_cache = arrays
    x_train, y_train, x_test, y_test = (array.copy() for array in _mnist_cache)
    return (x_train, y_train), (x_test, y_test)


def load_fashion_mnist(data_dir=None, download=True):
    """Load Fashion-MNIST; class names are ``FASHION_MNIST_CLASS_NAMES``.

    Looks for the four IDX files (``IDX_FILE_NAMES``) in ``<data dir>/fashion-mnist/``
    (data dir: ``data_dir``, else ``$MINICNN_DATA``, else ``~/.cache/minicnn``), then in
    ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``). If
    neither holds all four, downloads the missing ones into the first (md5-checked)
    unless ``download=False``. If the files cannot be had, raises ``DownloadError``
    (or ``FileNotFoundError`` when ``download=False``) naming the files and where to
    put them.

    Returns ``(x_train, y_train), (x_test, y_test)``, uint8, shapes as for MNIST.
    """
    own_dir = resolve_data_dir(data_dir) / FASHION_MNIST_SUBDIR
    for candidate in (own_dir, SYSTEM_FASHION_MNIST_DIR):
        if all((candidate / name).is_file() for name in IDX_FILE_NAMES):
            x_train, y_train, x_test, y_test = _read_idx_set(candidate)
            return (x_train, y_train), (x_test, y_test)
    missing = [name for name in IDX_FILE_NAMES if not (own_dir / name).is_file()]
    how_to_fix = (
        f"put {', '.join(missing)} (from {FASHION_MNIST_URL}) into {own_dir} "
        f"(set ${DATA_DIR_ENV_VAR} or pass data_dir= to use another directory), "
        f"or install Debian's dataset-fashion-mnist package ({SYSTEM_FASHION_MNIST_DIR})"
    )
    if not download:
        raise FileNotFoundError(f"Fashion-MNIST not found: {how_to_fix}")
    for name in missing:
        try:
            download_file(FASHION_MNIST_URL + name, own_dir / name, FASHION_MNIST_MD5[name])
        except DownloadError as err:
            raise DownloadError(f"Fashion-MNIST download failed: {err}\nTo fix: {how_to_fix}") from err
    x_train, y_train, x_test, y_test = _read_idx_set(own_dir)
    return (x_train, y_train), (x_test, y_test)


def _read_idx_set(directory):
    """Read the four ``IDX_FILE_NAMES`` of ``directory``: [x_train, y_train, x_test, y_test].

    Checks that images are uint8 (n, h, w), labels uint8 (n,) with values 0..9, and
    that each label file matches its image file's length.
    """
    arrays = []
    for images_name, labels_name in zip(IDX_FILE_NAMES[::2], IDX_FILE_NAMES[1::2]):
        images_path, labels_path = Path(directory) / images_name, Path(directory) / labels_name
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.dtype != np.uint8 or images.ndim != 3:
            raise ValueError(
                f"{images_path}: expected uint8 images of shape (n, height, width), "
                f"found {images.dtype} data of shape {images.shape}"
            )
        if labels.dtype != np.uint8 or labels.shape != images.shape[:1]:
            raise ValueError(
                f"{labels_path}: expected uint8 labels of shape {images.shape[:1]} to match "
                f"{images_path.name}, found {labels.dtype} data of shape {labels.shape}"
            )
        if labels.size and labels.max() > 9:
            raise ValueError(f"{labels_path}: expected labels 0..9, found {int(labels.max())}")
        arrays += [images, labels]
    return arrays
