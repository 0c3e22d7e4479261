"""im2col and col2im for NHWC images: the two data movements behind a convolution.

``im2col`` lays every receptive field out as one row:

    cols[(b * out_h + i) * out_w + j, (di * kw + dj) * C + c]
        = x_padded[b, i * sh + di, j * sw + dj, c]

so that a convolution with a kernel of Keras layout ``(kh, kw, C, F)`` is one matrix product
``cols @ kernel.reshape(kh * kw * C, F)``. Zero padding is implicit: reads outside the image
give 0, no padded copy is made.

``col2im`` is the *adjoint* of im2col, not its inverse: every column entry is added back into
the pixel it was read from, so overlapping windows (stride < kernel) accumulate. It maps the
gradient of the columns to the gradient of the image.

Each has a readable NumPy reference (``*_reference``) that documents the math, and a numba
kernel (a loop over the batch, see ``minicnn.kernels.jit``) that the layers use; tests check
that the two agree. im2col of one channel has a kernel of its own, which fills the columns window
offset by window offset (a run of kw*C values is too short to copy well when C is 1).
"""
import numpy as np
from numba import prange

from .jit import kernel


# ----------------------------------------------------------------------------- references
def im2col_reference(x, geom):
    """x: (N, H, W, C) -> cols: (N * out_h * out_w, kh * kw * C). Plain NumPy, loops over the window."""
    n, h, w, c = x.shape
    xp = np.pad(x, ((0, 0), (geom.pad_top, geom.pad_bottom), (geom.pad_left, geom.pad_right), (0, 0)))
    cols = np.empty((n, geom.out_h, geom.out_w, geom.kh, geom.kw, c), dtype=x.dtype)
    for di in range(geom.kh):
        for dj in range(geom.kw):
            rows = slice(di, di + geom.sh * (geom.out_h - 1) + 1, geom.sh)
            columns = slice(dj, dj + geom.sw * (geom.out_w - 1) + 1, geom.sw)
            cols[:, :, :, di, dj, :] = xp[:, rows, columns, :]
    return cols.reshape(n * geom.out_h * geom.out_w, geom.kh * geom.kw * c)


def col2im_reference(cols, x_shape, geom):
    """cols: (N * out_h * out_w, kh * kw * C) -> dx: x_shape. Adds each entry back (adjoint of im2col)."""
    n, h, w, c = x_shape
    cols = cols.reshape(n, geom.out_h, geom.out_w, geom.kh, geom.kw, c)
    dxp = np.zeros((n, h + geom.pad_top + geom.pad_bottom, w + geom.pad_left + geom.pad_right, c),
                   dtype=cols.dtype)
    for di in range(geom.kh):
        for dj in range(geom.kw):
            rows = slice(di, di + geom.sh * (geom.out_h - 1) + 1, geom.sh)
            columns = slice(dj, dj + geom.sw * (geom.out_w - 1) + 1, geom.sw)
            dxp[:, rows, columns, :] += cols[:, :, :, di, dj, :]
    return dxp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w, :]


# ----------------------------------------------------------------------------- numba kernels
@kernel
def _im2col_kernel(x, kh, kw, sh, sw, pad_top, pad_left, out_h, out_w, cols):
    # A window row (di) inside the image is kw*C contiguous values of x: copied as one run.
    # The copies go through views that start at the run (dst, src) and are indexed from 0: with
    # offsets inside the index (cols[row, base + t]) numba keeps its negative-index checks and LLVM
    # cannot vectorize the copy (1.6-5.6x slower for 3 to 64 channels, measured on Zen 5).
    n, h, w, c = x.shape
    run = kw * c
    for b in prange(n):
        xb = x[b].reshape(h, w * c)
        for i in range(out_h):
            for j in range(out_w):
                cols_row = cols[(b * out_h + i) * out_w + j]
                x0 = j * sw - pad_left
                inside = x0 >= 0 and x0 + kw <= w
                for di in range(kh):
                    y = i * sh - pad_top + di
                    dst = cols_row[di * run:(di + 1) * run]
                    if y < 0 or y >= h:
                        for t in range(run):
                            dst[t] = 0.0
                    elif inside:
                        src = xb[y, x0 * c:x0 * c + run]
                        for t in range(run):
                            dst[t] = src[t]
                    else:
                        src = xb[y]
                        for dj in range(kw):
                            xx = x0 + dj
                            for ch in range(c):
                                dst[dj * c + ch] = src[xx * c + ch] if 0 <= xx < w else 0.0


@kernel
def _im2col_one_channel_kernel(x, kh, kw, sh, sw, pad_top, pad_left, out_h, out_w, cols):
    # C == 1: runs of kw values are too short to copy well; instead, for each window offset
    # (di, dj), fill the column cols[rows of output row i, di*kw + dj] from one image row
    # (2x faster than the runs on 28x28 MNIST images).
    n, h, w, _ = x.shape
    for b in prange(n):
        xb = x[b].reshape(h, w)
        for i in range(out_h):
            block = cols[(b * out_h + i) * out_w:(b * out_h + i + 1) * out_w]
            for di in range(kh):
                y = i * sh - pad_top + di
                for dj in range(kw):
                    dst = block[:, di * kw + dj]
                    if y < 0 or y >= h:
                        for j in range(out_w):
                            dst[j] = 0.0
                    else:
                        src = xb[y]
                        for j in range(out_w):
                            xx = j * sw - pad_left + dj
                            dst[j] = src[xx] if 0 <= xx < w else 0.0


@kernel
def _col2im_kernel(cols, kh, kw, sh, sw, pad_top, pad_left, out_h, out_w, dx):
    # Views indexed from 0, as in _im2col_kernel.
    n, h, w, c = dx.shape
    run = kw * c
    for b in prange(n):  # each b writes only dx[b]: safe when compiled parallel
        dxb = dx[b].reshape(h, w * c)
        dxb[:, :] = 0.0
        for i in range(out_h):
            for j in range(out_w):
                cols_row = cols[(b * out_h + i) * out_w + j]
                x0 = j * sw - pad_left
                inside = x0 >= 0 and x0 + kw <= w
                for di in range(kh):
                    y = i * sh - pad_top + di
                    if y < 0 or y >= h:
                        continue
                    src = cols_row[di * run:(di + 1) * run]
                    if inside:
                        dst = dxb[y, x0 * c:x0 * c + run]
                        for t in range(run):
                            dst[t] += src[t]
                    else:
                        dst = dxb[y]
                        for dj in range(kw):
                            xx = x0 + dj
                            if 0 <= xx < w:
                                for ch in range(c):
                                    dst[xx * c + ch] += src[dj * c + ch]


def im2col(x, geom, out=None):
    """Fast im2col. x: (N, H, W, C) C-contiguous -> (N * out_h * out_w, kh * kw * C).

    ``out`` may be a preallocated buffer of at least that many elements and x's dtype; it is reused.
    """
    n, _, _, c = x.shape
    shape = (n * geom.out_h * geom.out_w, geom.kh * geom.kw * c)
    cols = _buffer(out, shape, x.dtype)
    fill = _im2col_one_channel_kernel if c == 1 else _im2col_kernel
    fill(np.ascontiguousarray(x), geom.kh, geom.kw, geom.sh, geom.sw,
         geom.pad_top, geom.pad_left, geom.out_h, geom.out_w, cols)
    return cols


def col2im(cols, x_shape, geom, out=None):
    """Fast col2im (adjoint of im2col). cols: (N * out_h * out_w, kh * kw * C) -> (N, H, W, C)."""
    dx = _buffer(out, x_shape, cols.dtype)
    _col2im_kernel(np.ascontiguousarray(cols), geom.kh, geom.kw, geom.sh, geom.sw,
                   geom.pad_top, geom.pad_left, geom.out_h, geom.out_w, dx)
    return dx


def _buffer(out, shape, dtype):
    size = int(np.prod(shape))
    if out is not None and out.dtype == dtype and out.size >= size:
        return out.reshape(-1)[:size].reshape(shape)
    return np.empty(shape, dtype=dtype)
