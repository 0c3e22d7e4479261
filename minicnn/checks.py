"""Argument checks for the public API: each raises a ValueError naming the argument, what was
expected and what came. Nothing is coerced: ``True`` is not an int, ``"0.5"`` is not a number,
``6.9`` is not a size."""
import math
import numbers

import numpy as np


def positive_int(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


def non_negative_int(value, name):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 0:
        raise ValueError(f"{name} must be a non-negative int, got {value!r}")
    return int(value)


def real_number(value, name, low=-math.inf, high=math.inf, low_open=False, high_open=False):
    """A finite real number in the interval [low, high] (``*_open`` makes that end open)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    value = float(value)
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        interval = (f"{'(' if low_open or low == -math.inf else '['}{low:g}, "
                    f"{high:g}{')' if high_open or high == math.inf else ']'}")
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


def shape_tuple(shape, name):
    """A shape of positive ints, e.g. ``input_shape``; ``[28, 28, 1] -> (28, 28, 1)``."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{name} must be a tuple of positive ints, got {shape!r}") from None
    return tuple(positive_int(d, f"{name} entry") for d in dims)


FLOAT_DTYPES = (np.dtype("float32"), np.dtype("float64"))


def float_dtype(dtype, name="dtype"):
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        dtype = None
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"{name} must be float32 or float64, got {dtype!r}")
    return dtype
