"""2-D convolution (cross-correlation, as in every CNN library) over NHWC images, forward and backward.

    y[b, i, j, f] = bias[f] + sum_{di, dj, c} x_pad[b, i*sh + di, j*sw + dj, c] * kernel[di, dj, c, f]

with the kernel in Keras layout ``(kh, kw, C, F)``. With ``cols = im2col(x)`` (one row per output
pixel, see :mod:`minicnn.kernels.im2col`) and ``K = kernel.reshape(kh*kw*C, F)``:

    forward:   Z  = cols @ K + bias
    backward:  dK = cols^T @ dZ,   dbias = sum_rows dZ,   dx = col2im(dZ @ K^T)

For a stride-1 convolution the input gradient is itself a convolution: the output gradient,
padded by ``k - 1 - pad`` on each side, correlated with the kernel flipped in both spatial axes and
with its channel axes swapped (:func:`flipped_kernel`):

    dx[b, y, x, c] = sum_{di, dj, f} dZ_pad[b, y + di, x + dj, f] * kernel[kh-1-di, kw-1-dj, c, f]

i.e. ``dx = im2col(dZ) @ K_flip``: a product with inner dimension ``kh*kw*F`` instead of ``F`` and
no col2im. :func:`conv2d_backward` takes that path where it measured faster ('same' padding,
``F <= C``: see :func:`uses_flipped_input_grad`); :func:`input_grad_reference` (the col2im form)
and :func:`input_grad_flipped_reference` (the convolution form, plain loops) document both.

A 3x3 stride-1 convolution with enough channels (:func:`uses_winograd`, forward and backward each
where it measured faster) takes Winograd F(4x4, 3x3) instead (:mod:`minicnn.kernels.winograd`): 36
products with inner dimension C in place of one with 9C over 16 times the rows, up to 4x fewer
multiplications (``MINICNN_WINOGRAD=0`` turns it off, for A/B measurements).

Engine (:func:`conv2d_forward`, :func:`conv2d_backward`): the batch is cut into chunks of samples
whose columns stay under :data:`COLS_BUDGET_BYTES` (cache-sized), and small batches with enough
work into at least ``parallel.SPLIT_PARTS`` chunks, so that both cores work on them; the chunks run on
``kernels.parallel`` workers. The chunking depends on the shapes only, never on the thread count,
so a step gives the same numbers on 1 or 2 threads; the per-chunk kernel gradients are added in
a fixed order (``parallel.sum_chunks``). A layer's columns are kept from forward to backward when
they fit :data:`KEEP_COLS_BYTES`; otherwise backward recomputes them chunk by chunk in shared scratch.
"""
import numpy as np

import os

from . import blas, winograd
from .fused import bias_act, relu_mask_bias_grad
from .im2col import col2im, col2im_reference, im2col
from .padding import WindowGeometry, normalize_padding, normalize_tuple
from . import parallel
from .parallel import chunk_bounds, map_chunks, shared_scratch, sum_chunks

#: Upper bound on the im2col buffer of one chunk (bytes). Larger batches are processed in chunks.
#: Small enough to stay in cache: a 3x3 'same' conv 32->32 on 64 CIFAR images (75 MB of columns)
#: measured 108 ms of CPU per forward+backward with 4 MB chunks against 168 ms with 64 MB.
COLS_BUDGET_BYTES = 4 * 2**20
#: A layer keeps its whole batch's columns for backward (instead of recomputing them) up to this size.
KEEP_COLS_BYTES = 8 * 2**20
#: A backward without input gradient (a model's first layer), in one chunk whose products run on
#: one thread (:func:`uses_filter_grad_blocks`), takes the ReLU mask, dZ and ``cols^T @ dZ`` this
#: many rows at a time, so that each block of dZ is still in cache when its product reads it. On the
#: 2-core AMD EPYC Zen 5 VM, mnist's first layer at batch 32 (21,632 rows of 9 columns, one chunk)
#: took 0.27-0.32 ms against 0.38-0.51 ms in one pass, 0.70-0.80 against 0.77-1.33 ms with the
#: caches flushed first (interleaved runs). In several chunks on the workers the blocks' Python
#: calls contend for the GIL: CIFAR's first layers (two chunks) measured up to 1.5x slower by
#: blocks, so they keep one pass per chunk. The forward by blocks (``cols @ K`` and bias/ReLU)
#: measured 1.2-1.5x slower on mnist's layer. On the AMD EPYC Zen 3 VM (512 KiB L2, a slower core)
#: the same backward measured the other way, standalone in 5 rounds: 0.80-1.02 ms by 1024-row
#: blocks against 0.58-0.78 ms in one pass; which is faster depends on the CPU, and this stays.
FILTER_GRAD_BLOCK_ROWS = 1024
#: 3x3 stride-1 convolutions with at least this many input channels and filters take Winograd
#: F(4x4, 3x3) (:mod:`minicnn.kernels.winograd`), one threshold per pass. Measured against im2col
#: on the 2-core AMD EPYC (Zen 2) VM: from 16 channels both passes are faster (forward 1.2-2x,
#: backward 1.4-2.9x; the speedrun's 24 -> 64 on 31x31 at batch 1024, cifar_bn's layers at batch 64
#: from 32 -> 32 on 32x32, 16 -> 16 and 16 -> 32), level at 32 -> 64 on 15x15 ('valid', batch 32),
#: and the forward 1.3x slower at 8 -> 16. (On a Sapphire Rapids VM, before the written-out F4
#: transforms and the 4 MB chunks, the forward was 1.1-1.2x slower than im2col below 64 channels.)
WINOGRAD_FORWARD_MIN_CHANNELS = 16
WINOGRAD_BACKWARD_MIN_CHANNELS = 16
WINOGRAD = os.environ.get("MINICNN_WINOGRAD", "1") == "1"
#: The dtypes that take Winograd: float32, the training dtype. float64, the dtype of gradient checks,
#: keeps im2col's direct sums, which give exactly tied outputs for tied inputs; Winograd's transforms
#: break such ties at rounding level, and the gradient checker then gave a false FAIL (1.2e-6
#: against a 1e-6 tolerance) on a tied input to cifar_bn (ones with a dozen 0 and +-0.5, now
#: tests/gradcheck/test_kinks.py) whose 32-channel layer took Winograd.
WINOGRAD_DTYPES = (np.dtype(np.float32),)


def samples_per_chunk(batch, geom, channels, itemsize, budget=None):
    """How many samples' columns fit in the budget (at least 1, at most ``batch``)."""
    budget = COLS_BUDGET_BYTES if budget is None else budget
    per_sample = geom.out_h * geom.out_w * geom.kh * geom.kw * channels * itemsize
    return int(max(1, min(batch, budget // max(per_sample, 1))))


def conv_chunks(batch, geom, channels, filters, itemsize):
    """``[(start, stop), ...]``: cache-sized chunks of the batch, and at least ``parallel.SPLIT_PARTS``
    of them when the forward product has ``parallel.SPLIT_MIN_FLOPS`` or more (shapes only: the
    same on any thread count)."""
    step = samples_per_chunk(batch, geom, channels, itemsize)
    flops = 2.0 * batch * geom.out_h * geom.out_w * geom.kh * geom.kw * channels * filters
    return chunk_bounds(batch, min(step, parallel.split_bounds(batch, flops)[0][1]))


def uses_filter_grad_blocks(chunks, geom, channels, filters):
    """True where a backward without input gradient goes :data:`FILTER_GRAD_BLOCK_ROWS` rows at a
    time: one chunk (so one thread: in several chunks on the workers the blocks' Python calls
    contend for the GIL) with products below the BLAS's multithreading size."""
    rows = (chunks[-1][1] - chunks[0][0]) * geom.out_h * geom.out_w
    return len(chunks) == 1 and not blas.multithreaded(2.0 * rows * geom.kh * geom.kw * channels * filters)


# ----------------------------------------------------------------------------- references
def conv2d_reference(x, kernel, bias, geom):
    """Plain loops over output positions. x: (N, H, W, C), kernel: (kh, kw, C, F) -> (N, out_h, out_w, F)."""
    n, h, w, c = x.shape
    f = kernel.shape[3]
    xp = np.pad(x, ((0, 0), (geom.pad_top, geom.pad_bottom), (geom.pad_left, geom.pad_right), (0, 0)))
    y = np.zeros((n, geom.out_h, geom.out_w, f), dtype=np.result_type(x, kernel))
    for i in range(geom.out_h):
        for j in range(geom.out_w):
            patch = xp[:, i * geom.sh:i * geom.sh + geom.kh, j * geom.sw:j * geom.sw + geom.kw, :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    if bias is not None:
        y += bias
    return y


def input_grad_reference(dz, kernel, x_shape, geom):
    """dx = col2im(dZ @ K^T). dz: (N, out_h, out_w, F) -> dx: x_shape (any stride)."""
    f = kernel.shape[3]
    return col2im_reference(dz.reshape(-1, f) @ kernel.reshape(-1, f).T, x_shape, geom)


def flipped_kernel(kernel):
    """``kernel[kh-1-di, kw-1-dj, c, f]`` laid out as (kh, kw, F, C): the kernel of the input gradient."""
    return np.ascontiguousarray(kernel[::-1, ::-1].transpose(0, 1, 3, 2))


def input_grad_geometry(geom, height, width):
    """The window of ``dx = conv(dZ, flipped_kernel)`` for a stride-1 ``geom`` over (height, width)
    inputs: padding ``k - 1 - pad`` on each side, output (height, width)."""
    if (geom.sh, geom.sw) != (1, 1):
        raise ValueError(f"the input gradient is a convolution for stride 1 only, got strides {(geom.sh, geom.sw)}")
    return WindowGeometry.from_pads((geom.kh, geom.kw), (1, 1),
                                    (geom.kh - 1 - geom.pad_top, geom.kh - 1 - geom.pad_bottom,
                                     geom.kw - 1 - geom.pad_left, geom.kw - 1 - geom.pad_right), (height, width))


def input_grad_flipped_reference(dz, kernel, x_shape, geom):
    """dx as the convolution of dZ with the flipped kernel (stride 1), by the plain loops of
    :func:`conv2d_reference`. Equals :func:`input_grad_reference`."""
    return conv2d_reference(dz, flipped_kernel(kernel), None, input_grad_geometry(geom, x_shape[1], x_shape[2]))


def uses_flipped_input_grad(geom, channels, filters):
    """True where :func:`conv2d_backward` computes dx as a convolution of dZ: stride 1, output as
    large as the input ('same'), and ``F <= C``. (With more filters than channels, or 'valid'
    padding, im2col of dZ moves more memory than col2im and measured slower.)"""
    return (geom.sh, geom.sw) == (1, 1) and geom.pad_top + geom.pad_bottom == geom.kh - 1 \
        and geom.pad_left + geom.pad_right == geom.kw - 1 and filters <= channels


def uses_winograd(geom, channels, filters, backward=False, dtype=np.float32):
    """True where the engine computes the convolution's forward (or, with ``backward``, its
    gradients) by Winograd F(4x4, 3x3): switched on (:data:`WINOGRAD`), a dtype of
    :data:`WINOGRAD_DTYPES`, a 3x3 stride-1 window and at least :data:`WINOGRAD_FORWARD_MIN_CHANNELS`
    (:data:`WINOGRAD_BACKWARD_MIN_CHANNELS`) channels in and out. The two passes are independent:
    the gradients are the same either way."""
    least = WINOGRAD_BACKWARD_MIN_CHANNELS if backward else WINOGRAD_FORWARD_MIN_CHANNELS
    return WINOGRAD and np.dtype(dtype) in WINOGRAD_DTYPES and winograd.applies(geom) \
        and min(channels, filters) >= least


# ----------------------------------------------------------------------------- engine
class ConvWorkspace:
    """What one Conv2D layer carries from its forward to its backward pass besides its input:
    the columns of the whole batch when they fit :data:`KEEP_COLS_BYTES` (else None)."""

    def __init__(self):
        self.cols = None        # (N*out_h*out_w, kh*kw*C) view of the last forward's columns, or None
        self._base = None

    def keep(self, shape, dtype):
        size = int(np.prod(shape))
        if self._base is None or self._base.size < size or self._base.dtype != dtype:
            self._base = np.empty(size, dtype=dtype)
        self.cols = self._base[:size].reshape(shape)
        return self.cols


def _columns(x, geom, start, stop, worker, work):
    """im2col of samples ``start:stop`` into the kept columns (if any) or the worker's scratch."""
    rows_per_sample = geom.out_h * geom.out_w
    if work is not None and work.cols is not None:
        out = work.cols[start * rows_per_sample:stop * rows_per_sample]
    else:
        out = shared_scratch("cols", worker, ((stop - start) * rows_per_sample, geom.kh * geom.kw * x.shape[3]),
                             x.dtype)
    return im2col(x[start:stop], geom, out=out)


def conv2d_forward(x, kernel, bias, relu, geom, work=None):
    """Z = im2col(x) @ K + bias (then max(Z, 0) if ``relu``), chunk by chunk.

    x: (N, H, W, C) C-contiguous, kernel: (kh, kw, C, F), bias: (F,) or None -> (N, out_h, out_w, F).
    ``work`` (a :class:`ConvWorkspace`) keeps the columns for :func:`conv2d_backward` when they fit.
    Where :func:`uses_winograd`, the same convolution by Winograd F(4x4, 3x3) (no columns).
    """
    n, _, _, c = x.shape
    f = kernel.shape[3]
    if work is not None:
        work.cols = None
    if uses_winograd(geom, c, f, dtype=x.dtype):
        return winograd.conv2d_winograd_forward(x, kernel, bias, relu, geom)
    k2d = kernel.reshape(-1, f)
    z = np.empty((n, geom.out_h, geom.out_w, f), dtype=x.dtype)
    chunks = conv_chunks(n, geom, c, f, x.itemsize)
    if work is not None and uses_winograd(geom, c, f, backward=True, dtype=x.dtype):
        work = None  # the backward takes Winograd: no columns to keep for it
    if work is not None:
        total = n * geom.out_h * geom.out_w * geom.kh * geom.kw * c * x.itemsize
        if total <= KEEP_COLS_BYTES or len(chunks) == 1:
            work.keep((n * geom.out_h * geom.out_w, geom.kh * geom.kw * c), x.dtype)
    gemm = blas.matmul if len(chunks) == 1 else np.matmul  # several chunks: one BLAS thread each

    def run(chunk, worker):
        start, stop = chunk
        cols = _columns(x, geom, start, stop, worker, work)
        z2d = z[start:stop].reshape(-1, f)
        gemm(cols, k2d, out=z2d)
        bias_act(z2d, bias, relu)

    map_chunks(run, chunks)
    return z


def _filter_grad_by_blocks(cols, dy2d, y2d, relu, worker):
    """``(cols^T @ dZ, sum of dZ over rows)`` with ``dZ = dy * [y > 0]`` (or dy), computed
    :data:`FILTER_GRAD_BLOCK_ROWS` rows at a time (block partial sums added in row order)."""
    rows, f = dy2d.shape
    dk = np.zeros((cols.shape[1], f), dtype=dy2d.dtype)
    db = np.zeros(f, dtype=dy2d.dtype)
    dz = shared_scratch("dz", worker, (min(rows, FILTER_GRAD_BLOCK_ROWS), f), dy2d.dtype)
    part = np.empty_like(dk)
    for lo in range(0, rows, FILTER_GRAD_BLOCK_ROWS):
        hi = min(lo + FILTER_GRAD_BLOCK_ROWS, rows)
        dz_block, db_block = relu_mask_bias_grad(dy2d[lo:hi], None if y2d is None else y2d[lo:hi], relu,
                                                 dz=dz[:hi - lo])
        dk += np.matmul(cols[lo:hi].T, dz_block, out=part)
        db += db_block
    return dk, db


def conv2d_backward(dy, y, relu, x, kernel, geom, work=None, input_grad=True):
    """Gradients of :func:`conv2d_forward` from the output gradient ``dy`` (N, out_h, out_w, F).

    With ``relu``, ``dZ = dy * [y > 0]`` (``y`` the forward's output), else ``dZ = dy``; then
    ``dK = cols^T @ dZ``, ``dbias = sum dZ`` and, if ``input_grad``, dx (col2im of ``dZ @ K^T``, or
    the flipped-kernel convolution of dZ where :func:`uses_flipped_input_grad`). Without the input
    gradient and where :func:`uses_filter_grad_blocks`, dZ and dK go :data:`FILTER_GRAD_BLOCK_ROWS`
    rows at a time.
    Returns ``(dkernel (kh, kw, C, F), dbias (F,), dx (N, H, W, C) or None)``.
    """
    n, h, w, c = x.shape
    f = kernel.shape[3]
    if uses_winograd(geom, c, f, backward=True, dtype=x.dtype):
        return winograd.conv2d_winograd_backward(dy, y, relu, x, kernel, geom, input_grad)
    k2d = kernel.reshape(-1, f)
    dy = np.ascontiguousarray(dy, dtype=x.dtype)
    dx = np.empty_like(x) if input_grad else None
    flipped = input_grad and uses_flipped_input_grad(geom, c, f)
    if flipped:
        k_flip = flipped_kernel(kernel).reshape(-1, c)
        geom_t = input_grad_geometry(geom, h, w)
    chunks = conv_chunks(n, geom, c, f, x.itemsize)
    gemm = blas.matmul if len(chunks) == 1 else np.matmul
    by_blocks = not input_grad and uses_filter_grad_blocks(chunks, geom, c, f)

    def run(chunk, worker):
        start, stop = chunk
        dy2d = dy[start:stop].reshape(-1, f)
        y2d = None if y is None else y[start:stop].reshape(-1, f)
        cols = _columns(x, geom, start, stop, worker, None) if work is None or work.cols is None else \
            work.cols[start * geom.out_h * geom.out_w:stop * geom.out_h * geom.out_w]
        if by_blocks:
            return _filter_grad_by_blocks(cols, dy2d, y2d, relu, worker)
        dz2d, db = relu_mask_bias_grad(dy2d, y2d, relu, dz=shared_scratch("dz", worker, dy2d.shape, x.dtype))
        dk = gemm(cols.T, dz2d)
        if flipped:
            dz4 = dz2d.reshape(stop - start, geom.out_h, geom.out_w, f)
            dz_cols = im2col(dz4, geom_t, out=shared_scratch("dz_cols", worker, ((stop - start) * h * w, k_flip.shape[0]),
                                                             x.dtype))
            gemm(dz_cols, k_flip, out=dx[start:stop].reshape(-1, c))
        elif input_grad:
            dcols = gemm(dz2d, k2d.T, out=shared_scratch("dcols", worker, (dz2d.shape[0], k2d.shape[0]), x.dtype))
            col2im(dcols, (stop - start, h, w, c), geom, out=dx[start:stop])
        return dk, db

    dk, db = sum_chunks(run, chunks)
    return dk.reshape(kernel.shape), db, dx


def conv2d(x, kernel, bias=None, strides=1, padding="valid"):
    """Functional convolution with the engine's fast path. Shapes as in :func:`conv2d_reference`."""
    x = np.asarray(x)
    kernel = np.asarray(kernel)
    if x.ndim != 4 or kernel.ndim != 4 or x.shape[3] != kernel.shape[2]:
        raise ValueError(f"conv2d expects x (N, H, W, C) and kernel (kh, kw, C, F) with the same C, "
                         f"got x {x.shape} and kernel {kernel.shape}")
    geom = WindowGeometry(x.shape[1], x.shape[2], kernel.shape[:2], normalize_tuple(strides, 2, "strides"),
                          normalize_padding(padding))
    dtype = np.result_type(x, kernel)
    x = np.ascontiguousarray(x, dtype=dtype)
    kernel = np.ascontiguousarray(kernel, dtype=dtype)
    bias = None if bias is None else np.ascontiguousarray(bias, dtype=dtype)
    return conv2d_forward(x, kernel, bias, False, geom)
