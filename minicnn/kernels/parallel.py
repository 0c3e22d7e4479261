"""Independent chunks of a layer's work on a few Python threads.

A convolution over a batch splits into chunks of samples (see ``conv.samples_per_chunk``) whose
im2col, matrix products and col2im are independent. Running the chunks on ``WORKERS`` threads, each
with *single-threaded* BLAS, uses both cores of a 2-core machine with one fork/join per layer,
instead of OpenBLAS's own threads that meet at a barrier inside every product (which, on a shared
machine, stalls for a whole time slice whenever one of them is not scheduled). The numba kernels
are compiled ``nogil`` and NumPy's matmul releases the GIL, so the threads really run in parallel.

Chunks are dealt round-robin (worker ``w`` gets chunks ``w, w + WORKERS, ...``, the calling thread
is worker 0), so per-worker partial sums are added in a fixed order: results are deterministic.
``MINICNN_CHUNK_THREADS`` overrides ``WORKERS`` (default: the BLAS thread count, i.e.
``OPENBLAS_NUM_THREADS``); 1 runs everything on the calling thread.

Small batches (one cache-sized chunk) are split too, into :data:`SPLIT_PARTS` pieces fixed by the
shapes (:func:`split_bounds`): convolutions by samples, mid-sized products by rows or columns,
BatchNormalization by rows, pooling by samples, optimizer updates by elements. The pieces never
depend on the thread count, so a training step gives bitwise the same numbers on 1 or 2 threads.
"""
import contextvars
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from . import blas

WORKERS = max(1, int(os.environ.get("MINICNN_CHUNK_THREADS", blas.BLAS_THREADS)))
_pool = None


def map_chunks(fn, chunks):
    """``[fn(chunk, worker) for chunk in chunks]`` (in chunk order), spread over the workers."""
    global _pool
    blas.single_threaded()  # chunk products run single-threaded (concurrently when workers > 1)
    if _inside.worker:  # called from a chunk already running on a worker: run here (no nested pool)
        return [fn(c, 0) for c in chunks]
    caller = threading.get_ident()
    _caller.ident = caller
    workers = min(WORKERS, len(chunks))
    if workers < 2:
        return [fn(c, 0) for c in chunks]
    if _pool is None:
        _pool = ThreadPoolExecutor(max_workers=WORKERS - 1, thread_name_prefix="minicnn-chunk")

    def share(w):
        _caller.ident = caller
        _inside.worker = w > 0
        try:
            return [fn(c, w) for c in chunks[w::workers]]
        finally:
            _inside.worker = False

    # each worker runs in a copy of the caller's context: NumPy's errstate (fit's) holds there too
    futures = [_pool.submit(contextvars.copy_context().run, share, w) for w in range(1, workers)]
    results = [share(0)] + [f.result() for f in futures]
    ordered = [None] * len(chunks)
    for w, part in enumerate(results):
        ordered[w::workers] = part
    return ordered


def sum_chunks(fn, chunks):
    """``(sum of fn(c)[0], sum of fn(c)[1], ...)`` over ``chunks``, on the workers, in a fixed order.

    ``fn(chunk, worker)`` returns a tuple of arrays (a chunk's partial gradients). The chunks are cut
    into ``SPLIT_PARTS`` runs of consecutive chunks (:func:`split_bounds`: by the chunk count only);
    each run is summed in chunk order on one worker, then the runs in order. So only one partial sum
    per run is alive at a time (not one per chunk) and the result never depends on the thread count.
    ``fn``'s arrays may be scratch: they are copied before the next chunk runs.
    """
    def run(group, worker):
        total = None
        for chunk in chunks[group[0]:group[1]]:
            part = fn(chunk, worker)
            if total is None:
                total = tuple(np.array(p, copy=True) for p in part)
            else:
                for acc, p in zip(total, part):
                    acc += p
        return total

    groups = split_bounds(len(chunks), len(chunks), minimum=2)  # SPLIT_PARTS runs from 2 chunks on
    totals = map_chunks(run, groups)
    result = totals[0]
    for total in totals[1:]:  # in group order: deterministic
        for acc, p in zip(result, total):
            acc += p
    return result


def chunk_bounds(n, step):
    """``[(start, stop), ...]`` covering ``range(n)`` in steps of ``step``."""
    return [(start, min(start + step, n)) for start in range(0, n, step)]


#: Independent work of this many FLOPs or more is cut into SPLIT_PARTS pieces for the workers. Waking
#: an idle worker measured about 130 us on the 2-core VM, so a piece must carry a few tenths of a ms.
SPLIT_MIN_FLOPS = float(os.environ.get("MINICNN_SPLIT_MIN_FLOPS", 4e7))
#: The same for elementwise work (BatchNormalization, pooling, optimizer updates), in elements.
SPLIT_MIN_ELEMENTS = int(os.environ.get("MINICNN_SPLIT_MIN_ELEMENTS", 2**20))
#: How many pieces: fixed (not the thread count), so that results never depend on the threads.
#: ``MINICNN_SPLIT_PARTS=1`` turns the splitting of small batches off (for A/B measurements).
SPLIT_PARTS = max(1, int(os.environ.get("MINICNN_SPLIT_PARTS", 2)))


def split_bounds(n, work, minimum=None):
    """``SPLIT_PARTS`` nearly equal ``(start, stop)`` ranges of ``range(n)`` when ``work`` is at least
    ``minimum`` (default :data:`SPLIT_MIN_FLOPS`, for work counted in FLOPs), else one range."""
    if work < (SPLIT_MIN_FLOPS if minimum is None else minimum) or n < 2 or SPLIT_PARTS < 2:
        return [(0, n)]
    return chunk_bounds(n, -(-n // SPLIT_PARTS))


_scratch = {}


def shared_scratch(name, worker, shape, dtype):
    """A scratch array shared by every layer, one per (name, worker, calling thread, dtype).

    For buffers whose contents die within one layer call (the columns of a multi-chunk
    convolution, dZ, dZ @ K^T): layers run one after another, so one buffer per worker serves them
    all instead of one per layer. Keyed by the thread that called :func:`map_chunks` as well, so
    models trained concurrently in different threads never share one.
    """
    key = (name, worker, _caller.ident, np.dtype(dtype).str)
    size = int(np.prod(shape))
    buf = _scratch.get(key)
    if buf is None or buf.size < size:
        buf = _scratch[key] = np.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)


class _Caller(threading.local):
    """The thread that entered :func:`map_chunks` (its workers use that thread's buffers)."""
    ident = None


_caller = _Caller()


class _Inside(threading.local):
    """True on a pool thread while it runs a chunk."""
    worker = False


_inside = _Inside()
