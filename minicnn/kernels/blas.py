"""Matrix products with a thread count chosen per product.

NumPy's BLAS starts its worker threads for every product above a tiny size. On a 2-core machine
shared with other processes this is a trap: when the worker is not scheduled the caller waits a
whole time slice, and a product of 35 MFLOP measured 0.8 ms on one thread but 23 ms on two.
Products below :data:`MULTITHREAD_MIN_FLOPS` therefore run on one thread; bigger ones (where the
second core pays even with some waiting) use the thread count the BLAS was started with
(``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS``). The numbers are the same either way: only the
thread count changes.

The thread count is switched through threadpoolctl (OpenBLAS, MKL or BLIS, whichever NumPy
loaded). ``MINICNN_GEMM_MT_MIN_FLOPS`` overrides the threshold (0 = always all threads, as plain
NumPy). If threadpoolctl finds no BLAS the switch is a no-op and :func:`matmul` is ``np.matmul``.
"""
import os

import numpy as np
from threadpoolctl import ThreadpoolController

#: products with fewer floating-point operations (2*m*n*k) than this run single-threaded
MULTITHREAD_MIN_FLOPS = float(os.environ.get("MINICNN_GEMM_MT_MIN_FLOPS", 2e8))

#: threadpoolctl's controllers of the BLAS libraries NumPy loaded (usually one OpenBLAS)
_BLAS = ThreadpoolController().select(user_api="blas").lib_controllers
BLAS_THREADS = max([lib.num_threads for lib in _BLAS] or [1])
_current = [BLAS_THREADS]


def _use_threads(n):
    if _current[0] != n:
        for lib in _BLAS:
            lib.set_num_threads(n)
        _current[0] = n


def single_threaded():
    """Make the next products single-threaded (before running products on several Python threads)."""
    _use_threads(1)


def multithreaded(flops):
    """True for a product of ``flops`` FLOPs that :func:`matmul` runs on all the BLAS's threads."""
    return flops >= MULTITHREAD_MIN_FLOPS


def matmul(a, b, out=None):
    """``np.matmul(a, b, out=out)`` for 2-D ``a`` (m, k) and ``b`` (k, n), one thread when small.

    Mid-sized products (``parallel.SPLIT_MIN_FLOPS`` up to :data:`MULTITHREAD_MIN_FLOPS`, e.g. a
    dense layer on a batch of 32) are cut into ``parallel.SPLIT_PARTS`` blocks of the result, each a
    single-threaded product on one of the ``parallel`` workers: both cores work with one
    fork/join. The blocks are rows when ``a`` is the larger operand and columns otherwise (each
    block then re-reads only the smaller operand), and the same on any thread count.
    """
    from .parallel import map_chunks, split_bounds
    m, n = a.shape[0], b.shape[1]
    flops = 2.0 * m * a.shape[1] * n
    if multithreaded(flops):
        _use_threads(BLAS_THREADS)
        return np.matmul(a, b, out=out)
    by_rows = m >= n
    blocks = split_bounds(m if by_rows else n, flops)
    if len(blocks) == 1:
        _use_threads(1)
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty((m, n), dtype=np.result_type(a, b))
    if by_rows:
        map_chunks(lambda r, worker: np.matmul(a[r[0]:r[1]], b, out=out[r[0]:r[1]]), blocks)
    else:
        map_chunks(lambda c, worker: np.matmul(a, b[:, c[0]:c[1]], out=out[:, c[0]:c[1]]), blocks)
    return out


# ----------------------------------------------------------------------------- which kernel runs
#: environment variables that make OpenBLAS run one CPU's kernel instead of the one it detects
OPENBLAS_PIN_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
#: OpenBLAS kernels (threadpoolctl's ``architecture``) that use AVX-512
AVX512_OPENBLAS_CORES = frozenset({"SkylakeX", "Cooperlake", "SapphireRapids"})


def describe():
    """NumPy's BLAS libraries as threadpoolctl reports them: a list of ``{"internal_api", "version",
    "architecture", "num_threads"}`` (architecture is the OpenBLAS kernel running, e.g. ``"SkylakeX"``;
    None for libraries that do not report one)."""
    return [{"internal_api": lib.internal_api, "version": lib.version,
             "architecture": lib.info().get("architecture"), "num_threads": lib.num_threads} for lib in _BLAS]


def kernel_warnings(libraries, cpu_has_avx512, environ=os.environ):
    """Why the BLAS in ``libraries`` (from :func:`describe`) is slower than this CPU allows, as
    sentences; empty when it runs the kernel it would pick itself.

    * ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE`` set: OpenBLAS runs the named core's kernel.
      Some machines set them for old OpenBLAS builds; a current one picks a faster kernel unpinned.
    * an OpenBLAS kernel without AVX-512 on a CPU with it (``cpu_has_avx512``), however it came about.
    """
    reasons = []
    for lib in libraries:
        if lib["internal_api"] != "openblas":
            continue
        arch = lib.get("architecture") or "unknown"
        pinned = [f"{var}={environ[var]}" for var in OPENBLAS_PIN_VARS if var in environ]
        if pinned:
            reasons.append(f"{' and '.join(pinned)} force{'s' if len(pinned) == 1 else ''} OpenBLAS "
                           f"{lib['version']} onto its {arch} kernel (a current OpenBLAS picks its own: run with "
                           f"`env -u {' -u '.join(OPENBLAS_PIN_VARS)}`)")
        elif cpu_has_avx512 and arch not in AVX512_OPENBLAS_CORES:
            reasons.append(f"OpenBLAS {lib['version']} runs its {arch} kernel, without AVX-512, on a CPU that has it")
    return reasons
