"""TensorFlow's tensor functions that CNN lessons call around Keras, on NumPy arrays.

Every function returns a NumPy array (an ndarray subclass that also has TensorFlow's ``.numpy()``)
with TensorFlow's dtype rules: Python ints become int32 (int64 when they do not fit), Python floats
float32, NumPy arrays keep their dtype. Converting Python values is strict as in TensorFlow
(``[1.5]`` to int32 is a TypeError); NumPy arrays are cast. One deliberate difference: a Python
int out of the requested integer range is a ValueError, where TensorFlow wraps it around.
"""
import numpy as np

from ..keras.engine import eager
from .dtypes import as_numpy_dtype

_INT32 = np.iinfo(np.int32)


def _python_default_dtype(array):
    """TensorFlow's dtype for a converted Python value (``array = np.asarray(value)``)."""
    if array.dtype.kind == "i":
        fits = array.size == 0 or (_INT32.min <= array.min() and array.max() <= _INT32.max)
        return np.dtype(np.int32 if fits else np.int64)
    if array.dtype.kind == "f":
        return np.dtype(np.float32)
    return array.dtype


def _python_array(value):
    try:
        array = np.asarray(value)
    except ValueError:
        array = None
    if array is None or array.dtype == object:
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {value!r}")
    if array.dtype.kind not in "biufc":
        raise ValueError(f"minicnn.tf converts numbers only, got {value!r} (dtype {array.dtype})")
    return array


def _cast_python(array, dtype, value):
    """Convert a Python value's array to ``dtype`` the way TensorFlow does: bool and int widen, floats
    do not become ints or bools; an int out of range is a ValueError."""
    order = "biufc"
    if order.index(array.dtype.kind) > order.index(dtype.kind) or (dtype.kind == "b" and array.dtype.kind != "b"):
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    if dtype.kind in "iu" and array.size:
        info = np.iinfo(dtype)
        if array.min() < info.min or array.max() > info.max:
            raise ValueError(f"{value!r} does not fit in {dtype.name} ([{info.min}, {info.max}]); TensorFlow would "
                             "wrap it around")
    return array.astype(dtype)


def as_array(value, dtype=None, dtype_hint=None):
    """The NumPy array of ``value`` (see the module docstring for the dtype rules)."""
    dtype = as_numpy_dtype(dtype, "dtype")
    dtype_hint = as_numpy_dtype(dtype_hint, "dtype_hint")
    if isinstance(value, np.ndarray) or isinstance(value, np.generic) or hasattr(value, "__array__"):
        array = np.asarray(value)
        target = dtype or dtype_hint
        return array if target is None or array.dtype == target else array.astype(target)
    array = _python_array(value)
    if dtype is not None:
        return _cast_python(array, dtype, value)
    if dtype_hint is not None:
        try:
            return _cast_python(array, dtype_hint, value)
        except (TypeError, ValueError):
            pass
    return array.astype(_python_default_dtype(array))


def convert_to_tensor(value, dtype=None, dtype_hint=None, name=None):
    """``tf.convert_to_tensor``: ``value`` as a NumPy array of ``dtype`` (else ``dtype_hint`` when the
    value converts to it, else TensorFlow's default for the value)."""
    return eager(as_array(value, dtype, dtype_hint))


def constant(value, dtype=None, shape=None, name=None):
    """``tf.constant``: like ``convert_to_tensor``; ``shape`` reshapes the value, or fills it when the
    value is a single number."""
    array = as_array(value, dtype)
    if shape is not None:
        shape = tuple(int(d) for d in np.atleast_1d(shape)) if np.ndim(shape) else (int(shape),)
        if array.size == 1:
            array = np.full(shape, array.reshape(()), dtype=array.dtype)
        elif array.size == int(np.prod(shape)):
            array = array.reshape(shape)
        else:
            raise TypeError(f"tf.constant: the value has {array.size} elements, but shape {shape} has "
                            f"{int(np.prod(shape))}")
    return eager(array)


def cast(x, dtype, name=None):
    """``tf.cast``: ``x`` converted to ``dtype`` (floats to ints truncate toward zero)."""
    dtype = as_numpy_dtype(dtype)
    if dtype is None:
        raise ValueError("tf.cast needs a dtype, e.g. tf.cast(x, tf.float32)")
    return eager(as_array(x).astype(dtype))


def _axis(axis, ndim, what, extra=0):
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)) or not -(ndim + extra) <= axis < ndim + extra:
        raise ValueError(f"{what}: axis must be an int in [{-(ndim + extra)}, {ndim + extra}), got {axis!r} for an "
                         f"input with {ndim} dimensions")
    return int(axis)


def argmax(input, axis=None, output_type=np.int64, name=None):
    """``tf.argmax``: index of the largest value along ``axis`` (0 when None, as TensorFlow);
    the first one on ties; NaN is never the largest."""
    x = as_array(input)
    if x.ndim == 0:
        raise ValueError("tf.argmax needs an input with at least one dimension")
    axis = _axis(0 if axis is None else axis, x.ndim, "tf.argmax")
    output_type = as_numpy_dtype(output_type, "output_type")
    if output_type not in (np.dtype(np.int32), np.dtype(np.int64)):
        raise ValueError(f"tf.argmax output_type must be tf.int32 or tf.int64, got {output_type}")
    if x.shape[axis] == 0:
        raise ValueError(f"tf.argmax: reduction axis {axis} is empty in shape {x.shape}")
    if x.dtype.kind == "f":
        x = np.where(np.isnan(x), -np.inf, x)
    return eager(np.argmax(x, axis=axis).astype(output_type))


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """``tf.one_hot``: a new axis (last by default) of length ``depth`` holding ``on_value`` (1) at each
    index and ``off_value`` (0) elsewhere; indices outside ``[0, depth)`` give all ``off_value``, as in
    TensorFlow. The dtype is ``dtype``, else that of ``on_value``/``off_value``, else float32."""
    indices = as_array(indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"tf.one_hot indices must be integers (uint8, int8, int32, int64), got {indices.dtype}")
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 0:
        raise ValueError(f"tf.one_hot depth must be a non-negative int, got {depth!r}")
    dtype = as_numpy_dtype(dtype)
    values = {k: None if v is None else as_array(v, dtype_hint=dtype)
              for k, v in (("on_value", on_value), ("off_value", off_value))}
    for key, value in values.items():
        if value is not None and dtype is not None and value.dtype != dtype:
            raise TypeError(f"dtype {value.dtype} of {key} does not match dtype parameter {dtype}")
    given = [v for v in values.values() if v is not None]
    if len(given) == 2 and given[0].dtype != given[1].dtype:
        raise TypeError(f"dtype of on_value ({given[0].dtype}) and off_value ({given[1].dtype}) must agree")
    dtype = dtype or (given[0].dtype if given else np.dtype(np.float32))
    on = 1 if values["on_value"] is None else values["on_value"]
    off = 0 if values["off_value"] is None else values["off_value"]
    axis = -1 if axis is None else axis
    if axis != -1:
        axis = _axis(axis, indices.ndim, "tf.one_hot", extra=1)
        if axis < 0:
            raise ValueError(f"tf.one_hot: axis must be -1 or in [0, {indices.ndim}], got {axis}")
    hot = indices[..., None] == np.arange(int(depth))
    return eager(np.moveaxis(np.where(hot, on, off).astype(dtype), -1, axis))


def expand_dims(input, axis, name=None):
    """``tf.expand_dims``: a new axis of length 1 at ``axis`` (in ``[-rank - 1, rank]``)."""
    x = as_array(input)
    return eager(np.expand_dims(x, _axis(axis, x.ndim, "tf.expand_dims", extra=1)))
