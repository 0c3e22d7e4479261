"""2-D convolution (cross-correlation, as in every CNN library) over NHWC images.

    y[b, i, j, f] = bias[f] + sum_{di, dj, c} x_pad[b, i*sh + di, j*sw + dj, c] * kernel[di, dj, c, f]

with the kernel in Keras layout ``(kh, kw, C, F)``. The fast path is im2col followed by one
2-D matrix product per chunk of the batch; the chunk is sized so that the column matrix stays
under :data:`COLS_BUDGET_BYTES` whatever the batch size.
"""
import numpy as np

from .im2col import im2col
from .padding import WindowGeometry, normalize_padding, normalize_tuple

#: Upper bound on the im2col buffer of one chunk (bytes). Larger batches are processed in chunks.
#: Small enough to stay in cache: a 3x3 'same' conv 32->32 on 64 CIFAR images (75 MB of columns)
#: measured 108 ms of CPU per forward+backward with 4 MB chunks against 168 ms with 64 MB.
COLS_BUDGET_BYTES = 4 * 2**20


def samples_per_chunk(batch, geom, channels, itemsize, budget=None):
    """How many samples' columns fit in the budget (at least 1, at most ``batch``)."""
    budget = COLS_BUDGET_BYTES if budget is None else budget
    per_sample = geom.out_h * geom.out_w * geom.kh * geom.kw * channels * itemsize
    return int(max(1, min(batch, budget // max(per_sample, 1))))


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
    w2d = kernel.reshape(-1, kernel.shape[3]).astype(dtype, copy=False)
    n = x.shape[0]
    y = np.empty((n, geom.out_h, geom.out_w, kernel.shape[3]), dtype=dtype)
    step = samples_per_chunk(n, geom, x.shape[3], x.itemsize)
    for start in range(0, n, step):
        cols = im2col(x[start:start + step], geom)
        y[start:start + step] = (cols @ w2d).reshape(-1, geom.out_h, geom.out_w, kernel.shape[3])
    if bias is not None:
        y += bias
    return y
