"""``keras.backend``: the few functions lessons call (minicnn has one backend: NumPy)."""
from ._compat import module_getattr, not_implemented


def clear_session():
    """Nothing to clear: minicnn keeps no global graph. (Present so lessons run unchanged.)"""


def image_data_format():
    return "channels_last"


def set_image_data_format(data_format):
    if data_format != "channels_last":
        raise not_implemented(f"set_image_data_format({data_format!r})", "minicnn is channels_last (NHWC) only")


def floatx():
    return "float32"


def backend():
    return "numpy"


__getattr__ = module_getattr(__name__, {}, "use NumPy on the arrays model.predict returns")
