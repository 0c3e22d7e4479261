"""Special functions NumPy lacks, for the exact GELU: ``erf``, and the exact GELU itself fused.

``erf_reference`` is ``math.erf`` applied to each element (the definition, slow);
``erf`` is the same call compiled by numba over the flat array (same numbers: numba's
``math.erf`` is the C library's ``erf``).
"""
import math

import numpy as np

from numba import njit

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


# ----------------------------------------------------------------------------- exact GELU, fused
# forward  y  = x * Phi(x),                   Phi(x) = 0.5 * (1 + erf(x / sqrt 2))
# backward dx = dy * (Phi(x) + x * phi(x)),   phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
# One pass each over the flat arrays, on kernels.parallel's workers (chunks of the flat array).
# float32 evaluates erf with the rational approximation TensorFlow / Eigen use for float32
# (``_erf_float32``: odd degree-13 over even degree-8 polynomial on [-4, 4], erf = +-1 beyond;
# within a few float32 ulps of erf) and the backward's exp with ``_exp_nonpositive`` (Cephes'
# expf: under one float32 ulp), both of which numba vectorizes (the C library's expf is one scalar
# call per element: the backward measured 4x slower with it); float64 calls ``math.erf`` and
# ``math.exp``.
_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


_ERF_ALPHA = (-2.72614225801306e-10, 2.77068142495902e-08, -2.10102402082508e-06, -5.69250639462346e-05,
              -7.34990630326855e-04, -2.95459980854025e-03, -1.60960333262415e-02)
_ERF_BETA = (-1.45660718464996e-05, -2.13374055278905e-04, -1.68282697438203e-03, -7.37332916720468e-03,
             -1.42647390514189e-02)


@njit(inline="always", cache=True)
def _erf_float32(v):
    v = min(max(v, np.float32(-4.0)), np.float32(4.0))
    v2 = v * v
    a, b = _ERF_ALPHA, _ERF_BETA
    p = np.float32(a[0])
    for k in range(1, 7):
        p = p * v2 + np.float32(a[k])
    q = np.float32(b[0])
    for k in range(1, 5):
        q = q * v2 + np.float32(b[k])
    return v * p / q


_LOG2E = 1.4426950408889634
_LN2_HI, _LN2_LO = 0.693359375, -2.12194440e-4   # ln 2 = hi + lo, hi with few mantissa bits (exact n * hi)
_EXP_P = (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1)


@njit(inline="always", cache=True)
def _exp_nonpositive(t):
    """exp(t) in float32 for t <= 0 (t < -87 gives exp(-87), about 1.6e-38).

    Cephes' expf: t = n ln 2 + r with n = round(t / ln 2), |r| <= ln 2 / 2; exp(r) = 1 + r +
    r^2 P(r) with a degree-5 P; exp(t) = 2^n exp(r), 2^n by :func:`_pow2_nonpositive`
    (a table of the 127 powers measured 1.4x slower in the GELU backward on AMD Zen 2: a gather)."""
    t = max(t, np.float32(-87.0))
    n = np.floor(t * np.float32(_LOG2E) + np.float32(0.5))
    r = (t - n * np.float32(_LN2_HI)) - n * np.float32(_LN2_LO)
    p = np.float32(_EXP_P[0])
    for k in range(1, 6):
        p = p * r + np.float32(_EXP_P[k])
    return (p * r * r + r + np.float32(1.0)) * _pow2_nonpositive(np.int32(-n))


@njit(inline="always", cache=True)
def _pow2_nonpositive(k):
    """2^-k for an integer 0 <= k <= 126, exactly: the product of 2^-(2^j) over the set bits j of k
    (seven selects and products, which vectorize where a table lookup is a gather)."""
    one = np.float32(1.0)
    s = np.float32(0.5) if k & 1 else one
    s *= np.float32(0.25) if k & 2 else one
    s *= np.float32(2.0 ** -4) if k & 4 else one
    s *= np.float32(2.0 ** -8) if k & 8 else one
    s *= np.float32(2.0 ** -16) if k & 16 else one
    s *= np.float32(2.0 ** -32) if k & 32 else one
    s *= np.float32(2.0 ** -64) if k & 64 else one
    return s


@kernel
def _exp_nonpositive_flat(t, out):
    for i in range(t.shape[0]):
        out[i] = _exp_nonpositive(t[i])


def exp_nonpositive(t):
    """``exp(t)`` for float32 ``t <= 0`` by :func:`_exp_nonpositive` (the backward's exp), for tests."""
    t = np.ascontiguousarray(t, dtype=np.float32)
    if (t > 0).any():
        raise ValueError(f"exp_nonpositive expects t <= 0, got a maximum of {t.max()}")
    out = np.empty_like(t)
    _exp_nonpositive_flat(t.reshape(-1), out.reshape(-1))
    return out


def gelu_reference(x):
    return 0.5 * x * (1 + erf_reference(x / np.sqrt(2.0)))


def gelu_backward_reference(x, dy):
    return dy * (0.5 * (1 + erf_reference(x / np.sqrt(2.0))) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi))


@kernel
def _gelu_flat(x, out):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = 0.5 * v * (1.0 + math.erf(v * _INV_SQRT2))


@kernel
def _gelu_backward_flat(x, dy, out):
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = dy[i] * (0.5 * (1.0 + math.erf(v * _INV_SQRT2)) + v * math.exp(-0.5 * v * v) * _INV_SQRT_2PI)


@kernel
def _gelu_flat32(x, out):
    half, one, c = np.float32(0.5), np.float32(1.0), np.float32(_INV_SQRT2)
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = half * v * (one + _erf_float32(v * c))


@kernel
def _gelu_backward_flat32(x, dy, out):
    half, one, c, d = np.float32(0.5), np.float32(1.0), np.float32(_INV_SQRT2), np.float32(_INV_SQRT_2PI)
    for i in range(x.shape[0]):
        v = x[i]
        out[i] = dy[i] * (half * (one + _erf_float32(v * c)) + v * _exp_nonpositive(-half * v * v) * d)


def _flat_chunks(fn, arrays, out):
    """``fn(*arrays, out)`` on pieces of the flat arrays, on the workers. Each piece is passed as
    its own slice so the kernel loops over ``range(len)``: indexing by ``range(start, stop)`` made
    numba keep its negative-index checks, which blocked vectorization (2.8x slower for ``2 * x``,
    measured on AMD Zen 5)."""
    from .parallel import WORKERS, chunk_bounds, map_chunks
    n = out.size
    step = max(1 << 16, -(-n // WORKERS))
    map_chunks(lambda c, w: fn(*[a[c[0]:c[1]] for a in arrays], out[c[0]:c[1]]), chunk_bounds(n, step))


def gelu(x):
    """Exact GELU ``x * Phi(x)`` elementwise (as :func:`gelu_reference`); same dtype as ``x``."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    _flat_chunks(_gelu_flat32 if x.dtype == np.float32 else _gelu_flat, (x.reshape(-1),), out.reshape(-1))
    return out


def gelu_backward(x, dy):
    """``dy * GELU'(x)`` (as :func:`gelu_backward_reference`), in one pass."""
    x = np.ascontiguousarray(x)
    dy = np.ascontiguousarray(dy, dtype=x.dtype)
    out = np.empty_like(x)
    _flat_chunks(_gelu_backward_flat32 if x.dtype == np.float32 else _gelu_backward_flat,
                 (x.reshape(-1), dy.reshape(-1)), out.reshape(-1))
    return out
