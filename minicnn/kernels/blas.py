"""Matrix products with a thread count chosen per product.

NumPy's OpenBLAS starts its worker threads for every product above a tiny size. On a 2-core machine
shared with other processes this is a trap: when the worker is not scheduled the caller waits a
whole time slice, and a product of 35 MFLOP measured 0.8 ms on one thread but 23 ms on two.
Products below :data:`MULTITHREAD_MIN_FLOPS` therefore run on one thread; bigger ones (where the
second core pays even with some waiting) use the thread count OpenBLAS was started with
(``OPENBLAS_NUM_THREADS``). The numbers are the same either way: only the thread count changes.

``MINICNN_GEMM_MT_MIN_FLOPS`` overrides the threshold (0 = always all threads, as plain NumPy).
If NumPy's BLAS is not OpenBLAS the switch is a no-op and :func:`matmul` is ``np.matmul``.
"""
import ctypes
import glob
import os

import numpy as np

#: products with fewer floating-point operations (2*m*n*k) than this run single-threaded
MULTITHREAD_MIN_FLOPS = float(os.environ.get("MINICNN_GEMM_MT_MIN_FLOPS", 2e8))


def _find_openblas():
    libs = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libs, "libscipy_openblas*.so*"))):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for suffix in ("64_", "", "_64_"):
            setter = getattr(lib, f"scipy_openblas_set_num_threads{suffix}", None)
            getter = getattr(lib, f"scipy_openblas_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return setter, getter
    return None, None


_set_threads, _get_threads = _find_openblas()
BLAS_THREADS = _get_threads() if _get_threads is not None else 1
_current = [BLAS_THREADS]


def _use_threads(n):
    if _set_threads is not None and _current[0] != n:
        _set_threads(n)
        _current[0] = n


def single_threaded():
    """Make the next products single-threaded (before running products on several Python threads)."""
    _use_threads(1)


def matmul(a, b, out=None):
    """``np.matmul(a, b, out=out)`` for 2-D ``a`` (m, k) and ``b`` (k, n), one thread when small."""
    flops = 2.0 * a.shape[0] * a.shape[1] * b.shape[1]
    _use_threads(BLAS_THREADS if flops >= MULTITHREAD_MIN_FLOPS else 1)
    return np.matmul(a, b, out=out)
