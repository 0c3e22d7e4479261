"""The one numba decorator every kernel uses.

Kernels are compiled with ``cache=True`` (compiled code is kept on disk, so a second run starts
fast). They are written with ``prange`` over the batch but compiled *serial* by default: on a
2-core machine NumPy's BLAS already uses both cores for the matrix products, and a second thread
pool (numba's) fighting OpenBLAS's spinning workers made a training step 3x slower in our
measurements. Set ``MINICNN_PARALLEL_KERNELS=1`` before importing minicnn to compile them parallel.

They use NumPy's error model (``error_model="numpy"``): a float division by zero gives inf or nan,
as in NumPy, instead of raising ZeroDivisionError. Python's model tests every divisor inside the
loop, and that branch keeps LLVM from vectorizing it: GELU's float32 forward (a rational
function) measured 5x slower with it.
"""
import os

from numba import njit

PARALLEL = os.environ.get("MINICNN_PARALLEL_KERNELS", "0") == "1"


def kernel(fn):
    """``numba.njit(cache=True, parallel=PARALLEL, nogil=True, error_model="numpy")``: without the
    GIL, so that ``kernels.parallel`` can run kernels on several Python threads."""
    return njit(cache=True, parallel=PARALLEL, nogil=True, error_model="numpy")(fn)
