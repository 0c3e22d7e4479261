"""``keras.preprocessing``: ``image`` (Keras's legacy ``ImageDataGenerator``, ``load_img``,
``img_to_array``) and ``image_dataset_from_directory``."""
from .._compat import module_getattr
from . import image
from ...data.image_folder import image_dataset_from_directory

__getattr__ = module_getattr(__name__, {}, "available: preprocessing.image.ImageDataGenerator, "
                             "preprocessing.image_dataset_from_directory")
