"""``tf.dtypes``: TensorFlow's dtype names as NumPy dtypes (``tf.float32 == np.dtype("float32")``).

``as_numpy_dtype(d)`` accepts these, strings (``"float32"``), NumPy types and TensorFlow's own
DType objects (anything with ``as_numpy_dtype``).
"""
import numpy as np

from ..keras._compat import module_getattr

NAMES = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
         "bool", "complex64", "complex128")
DTYPES = {name: np.dtype(name) for name in NAMES}
globals().update(DTYPES)   # float32 = np.dtype("float32"), ..., bool = np.dtype("bool")
half, double = DTYPES["float16"], DTYPES["float64"]


def as_numpy_dtype(dtype, argument="dtype"):
    """The NumPy dtype for ``dtype`` (None stays None); ValueError for a non-numeric one."""
    if dtype is None:
        return None
    dtype = getattr(dtype, "as_numpy_dtype", dtype)
    try:
        result = np.dtype(dtype)
    except TypeError:
        result = None
    if result is None or result not in DTYPES.values():
        raise ValueError(f"{argument} must be one of tf.{', tf.'.join(NAMES)} (or their names), got {dtype!r}")
    return result


__getattr__ = module_getattr("tf.dtypes", {"string": "minicnn.tf holds numbers only: keep strings in Python lists"},
                             "available dtypes: " + ", ".join(NAMES))
