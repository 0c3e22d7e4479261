"""Special functions NumPy lacks, for the exact GELU: ``erf``.

``erf_reference`` is ``math.erf`` applied to each element (the definition, slow);
``erf`` is the same call compiled by numba over the flat array (same numbers: numba's
``math.erf`` is the C library's ``erf``).
"""
import math

import numpy as np

from .jit import kernel


@kernel
def _erf_flat(x, out):
    for i in range(x.shape[0]):
        out[i] = math.erf(x[i])


def erf(x):
    """Elementwise error function ``erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt``; same dtype as ``x``."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    _erf_flat(x.reshape(-1), out.reshape(-1))
    return out


def erf_reference(x):
    x = np.asarray(x)
    return np.vectorize(math.erf, otypes=[x.dtype])(x)
