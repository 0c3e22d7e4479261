"""Weight initializers with Keras's names and formulas.

``fan_in``/``fan_out`` follow Keras: for a conv kernel (kh, kw, in, out) they are
``kh*kw*in`` and ``kh*kw*out``; for a dense kernel (in, out), ``in`` and ``out``.

* ``glorot_uniform``: U(-l, l), ``l = sqrt(6 / (fan_in + fan_out))`` (Keras's default)
* ``he_uniform``:     U(-l, l), ``l = sqrt(6 / fan_in)``
* ``he_normal``:      truncated normal (re-drawn beyond 2 std) with
  ``std = sqrt(2 / fan_in) / 0.87962566103423978`` (Keras's correction for the truncation)
* ``zeros``, ``ones``
"""
import numpy as np

from .rng import global_generator


def compute_fans(shape):
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return receptive * shape[-2], receptive * shape[-1]


def _truncated_normal(rng, std, shape):
    values = rng.standard_normal(shape)
    bad = np.abs(values) > 2.0
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > 2.0
    return values * std


def glorot_uniform(shape, rng):
    fan_in, fan_out = compute_fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape)


def he_uniform(shape, rng):
    fan_in, _ = compute_fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, shape)


def he_normal(shape, rng):
    fan_in, _ = compute_fans(shape)
    return _truncated_normal(rng, np.sqrt(2.0 / fan_in) / 0.87962566103423978, shape)


def zeros(shape, rng):
    return np.zeros(shape)


def ones(shape, rng):
    return np.ones(shape)


INITIALIZERS = {"glorot_uniform": glorot_uniform, "he_uniform": he_uniform, "he_normal": he_normal,
                "zeros": zeros, "ones": ones}


def initialize(name, shape, dtype):
    """Draw an array of ``shape`` and ``dtype`` with the named initializer from the global generator."""
    if name not in INITIALIZERS:
        raise ValueError(f"unknown initializer {name!r}; expected one of {sorted(INITIALIZERS)}")
    return INITIALIZERS[name](tuple(shape), global_generator()).astype(dtype)
