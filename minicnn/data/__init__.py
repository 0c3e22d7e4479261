"""Datasets, preprocessing and augmentation for minicnn.

Loaders (uint8 images, NHWC or (n, 28, 28) for the MNIST family):
    load_mnist()                         built-in MNIST digits
    load_fashion_mnist(data_dir=None)    local files, Debian package, or download
    load_cifar10(data_dir=None)          cifar-10-batches-py/ or cifar-10-python.tar.gz
    load_image_folder(path, ...)         one sub-folder per class, JPEG/PNG
    load_image(path, ...)                one image file, converted as load_image_folder does
    image_dataset_from_directory(path)   Keras's: batches read from class folders (ImageDataset)
    read_idx(path)                       any IDX file, gzip or not

Preprocessing: to_categorical, scale_images, Standardizer, train_test_split,
validation_split. Augmentation: ImageDataGenerator (Keras's legacy generator: one affine
warp per image for rotation, shifts, shear, zoom, flips; channel shift, brightness, featurewise
statistics; ``flow``, ``flow_from_directory``), random_crop. Data directory: ``data_dir=``, else ``$MINICNN_DATA``, else
``~/.cache/minicnn`` (resolve_data_dir).

Note: ``minicnn.data.download`` is the ``download`` function here; import the module's
other names with ``from minicnn.data.download import DownloadError``.
"""
from .augment import DirectoryIterator, ImageDataGenerator, NumpyArrayIterator, random_crop
from .cifar import CIFAR10_CLASS_NAMES, load_cifar10
from .download import DownloadError, download
from .idx import read_idx
from .image_folder import ImageDataset, image_dataset_from_directory, load_image, load_image_folder
from .mnist import FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES, load_fashion_mnist, load_mnist
from .paths import resolve_data_dir
from .preprocessing import Standardizer, scale_images, to_categorical, train_test_split, validation_split
from .safe_pickle import ForbiddenGlobalError, RestrictedUnpickler

__all__ = [
    "CIFAR10_CLASS_NAMES", "DirectoryIterator", "DownloadError", "FASHION_MNIST_CLASS_NAMES", "ForbiddenGlobalError",
    "ImageDataGenerator", "ImageDataset", "MNIST_CLASS_NAMES", "NumpyArrayIterator", "RestrictedUnpickler",
    "Standardizer", "download", "image_dataset_from_directory", "load_cifar10", "load_fashion_mnist", "load_image", "load_image_folder",
    "load_mnist", "read_idx", "random_crop", "resolve_data_dir", "scale_images",
    "to_categorical", "train_test_split", "validation_split",
]
