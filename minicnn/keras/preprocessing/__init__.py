"""``keras.preprocessing``: ``image.ImageDataGenerator`` (shifts, horizontal flips, rescale)."""
from .._compat import module_getattr
from . import image

__getattr__ = module_getattr(__name__, {}, "available: preprocessing.image.ImageDataGenerator")
