"""Max and average pooling over NHWC images, forward and backward.

Max pooling: ``y[b, i, j, c] = max over the window of x`` where padded positions never win
(they count as -inf). Backward routes each window's gradient to exactly *one* input, the first
maximum in row-major window order (as ``argmax`` picks it), so a tie never double-counts:

    dx[b, argmax_y, argmax_x, c] += dy[b, i, j, c]

Average pooling divides by the number of *real* pixels in the window (TensorFlow's 'same'
convention: padding is not counted). Backward spreads ``dy / count`` over those pixels.

References (plain loops over the window) sit beside the numba kernels (see
``minicnn.kernels.jit``); tests check that they agree.
"""
import numpy as np
from numba import prange

from .jit import kernel


# ----------------------------------------------------------------------------- references
def _window_bounds(i, j, geom, h, w):
    y0 = i * geom.sh - geom.pad_top
    x0 = j * geom.sw - geom.pad_left
    return max(y0, 0), min(y0 + geom.kh, h), max(x0, 0), min(x0 + geom.kw, w)


def max_pool_reference(x, geom):
    """x: (N, H, W, C) -> (y: (N, out_h, out_w, C), argmax: (N, out_h, out_w, C) int64 flat index y*W+x)."""
    n, h, w, c = x.shape
    y = np.empty((n, geom.out_h, geom.out_w, c), dtype=x.dtype)
    argmax = np.empty((n, geom.out_h, geom.out_w, c), dtype=np.int64)
    for i in range(geom.out_h):
        for j in range(geom.out_w):
            r0, r1, c0, c1 = _window_bounds(i, j, geom, h, w)
            window = x[:, r0:r1, c0:c1, :].reshape(n, -1, c)       # (N, window pixels, C)
            k = window.argmax(axis=1)                                # first maximum
            y[:, i, j, :] = np.take_along_axis(window, k[:, None, :], axis=1)[:, 0, :]
            argmax[:, i, j, :] = (r0 + k // (c1 - c0)) * w + (c0 + k % (c1 - c0))
    return y, argmax


def max_pool_backward_reference(dy, argmax, x_shape):
    """Scatter-add each dy entry into the one input that won its window."""
    n, h, w, c = x_shape
    dx = np.zeros((n, h * w, c), dtype=dy.dtype)
    b_idx = np.arange(n)[:, None, None, None]
    c_idx = np.arange(c)[None, None, None, :]
    np.add.at(dx, (np.broadcast_to(b_idx, dy.shape), argmax, np.broadcast_to(c_idx, dy.shape)), dy)
    return dx.reshape(x_shape)


def avg_pool_reference(x, geom):
    """x: (N, H, W, C) -> (N, out_h, out_w, C), mean over the real pixels of each window."""
    n, h, w, c = x.shape
    y = np.empty((n, geom.out_h, geom.out_w, c), dtype=x.dtype)
    for i in range(geom.out_h):
        for j in range(geom.out_w):
            r0, r1, c0, c1 = _window_bounds(i, j, geom, h, w)
            y[:, i, j, :] = x[:, r0:r1, c0:c1, :].mean(axis=(1, 2))
    return y


def avg_pool_backward_reference(dy, x_shape, geom):
    """dx[window pixels] += dy / (number of real pixels in the window)."""
    n, h, w, c = x_shape
    dx = np.zeros(x_shape, dtype=dy.dtype)
    for i in range(geom.out_h):
        for j in range(geom.out_w):
            r0, r1, c0, c1 = _window_bounds(i, j, geom, h, w)
            dx[:, r0:r1, c0:c1, :] += (dy[:, i, j, :] / ((r1 - r0) * (c1 - c0)))[:, None, None, :]
    return dx


# ----------------------------------------------------------------------------- numba kernels
@kernel
def _max_pool_kernel(x, kh, kw, sh, sw, pad_top, pad_left, y, argmax):
    n, h, w, c = x.shape
    out_h, out_w = y.shape[1], y.shape[2]
    for b in prange(n):
        for i in range(out_h):
            r0 = max(i * sh - pad_top, 0)
            r1 = min(i * sh - pad_top + kh, h)
            for j in range(out_w):
                c0 = max(j * sw - pad_left, 0)
                c1 = min(j * sw - pad_left + kw, w)
                for ch in range(c):
                    best = x[b, r0, c0, ch]
                    best_idx = r0 * w + c0
                    for r in range(r0, r1):
                        for q in range(c0, c1):
                            v = x[b, r, q, ch]
                            if v > best:  # strict: the first maximum wins ties
                                best = v
                                best_idx = r * w + q
                    y[b, i, j, ch] = best
                    argmax[b, i, j, ch] = best_idx


@kernel
def _max_pool_backward_kernel(dy, argmax, dx):
    n, h, w, c = dx.shape
    out_h, out_w = dy.shape[1], dy.shape[2]
    for b in prange(n):
        dx[b] = 0.0
        for i in range(out_h):
            for j in range(out_w):
                for ch in range(c):
                    k = argmax[b, i, j, ch]
                    dx[b, k // w, k % w, ch] += dy[b, i, j, ch]


@kernel
def _avg_pool_kernel(x, kh, kw, sh, sw, pad_top, pad_left, y):
    n, h, w, c = x.shape
    out_h, out_w = y.shape[1], y.shape[2]
    for b in prange(n):
        for i in range(out_h):
            r0 = max(i * sh - pad_top, 0)
            r1 = min(i * sh - pad_top + kh, h)
            for j in range(out_w):
                c0 = max(j * sw - pad_left, 0)
                c1 = min(j * sw - pad_left + kw, w)
                inv = 1.0 / ((r1 - r0) * (c1 - c0))
                for ch in range(c):
                    s = 0.0
                    for r in range(r0, r1):
                        for q in range(c0, c1):
                            s += x[b, r, q, ch]
                    y[b, i, j, ch] = s * inv


@kernel
def _avg_pool_backward_kernel(dy, kh, kw, sh, sw, pad_top, pad_left, dx):
    n, h, w, c = dx.shape
    out_h, out_w = dy.shape[1], dy.shape[2]
    for b in prange(n):
        dx[b] = 0.0
        for i in range(out_h):
            r0 = max(i * sh - pad_top, 0)
            r1 = min(i * sh - pad_top + kh, h)
            for j in range(out_w):
                c0 = max(j * sw - pad_left, 0)
                c1 = min(j * sw - pad_left + kw, w)
                inv = 1.0 / ((r1 - r0) * (c1 - c0))
                for ch in range(c):
                    g = dy[b, i, j, ch] * inv
                    for r in range(r0, r1):
                        for q in range(c0, c1):
                            dx[b, r, q, ch] += g


def max_pool(x, geom):
    """Fast max pooling: returns ``(y, argmax)`` as :func:`max_pool_reference` does (argmax int32)."""
    n, _, _, c = x.shape
    y = np.empty((n, geom.out_h, geom.out_w, c), dtype=x.dtype)
    argmax = np.empty((n, geom.out_h, geom.out_w, c), dtype=np.int32)
    _max_pool_kernel(np.ascontiguousarray(x), geom.kh, geom.kw, geom.sh, geom.sw,
                     geom.pad_top, geom.pad_left, y, argmax)
    return y, argmax


def max_pool_backward(dy, argmax, x_shape):
    dx = np.empty(x_shape, dtype=dy.dtype)
    _max_pool_backward_kernel(np.ascontiguousarray(dy), argmax, dx)
    return dx


def avg_pool(x, geom):
    n, _, _, c = x.shape
    y = np.empty((n, geom.out_h, geom.out_w, c), dtype=x.dtype)
    _avg_pool_kernel(np.ascontiguousarray(x), geom.kh, geom.kw, geom.sh, geom.sw,
                     geom.pad_top, geom.pad_left, y)
    return y


def avg_pool_backward(dy, x_shape, geom):
    dx = np.empty(x_shape, dtype=dy.dtype)
    _avg_pool_backward_kernel(np.ascontiguousarray(dy), geom.kh, geom.kw, geom.sh, geom.sw,
                              geom.pad_top, geom.pad_left, dx)
    return dx


# ----------------------------------------------------------------------------- 2x2 / stride 2 fast path
def is_2x2(geom):
    """True when the window is 2x2 with stride 2 and no padding: :func:`max_pool_2x2` applies."""
    return (geom.kh, geom.kw, geom.sh, geom.sw, geom.pad_top, geom.pad_left, geom.pad_bottom,
            geom.pad_right) == (2, 2, 2, 2, 0, 0, 0, 0)


@kernel
def _max_pool_2x2_kernel(x, y, which):
    n, h, w, c = x.shape
    out_h, out_w = y.shape[1], y.shape[2]
    for b in range(n):
        for i in range(out_h):
            for j in range(out_w):
                for ch in range(c):
                    best = x[b, 2 * i, 2 * j, ch]
                    k = 0
                    v = x[b, 2 * i, 2 * j + 1, ch]
                    if v > best:
                        best = v
                        k = 1
                    v = x[b, 2 * i + 1, 2 * j, ch]
                    if v > best:
                        best = v
                        k = 2
                    v = x[b, 2 * i + 1, 2 * j + 1, ch]
                    if v > best:
                        best = v
                        k = 3
                    y[b, i, j, ch] = best
                    which[b, i, j, ch] = k


@kernel
def _max_pool_2x2_backward_kernel(dy, which, dx):
    n, h, w, c = dx.shape
    out_h, out_w = dy.shape[1], dy.shape[2]
    zero = dx.dtype.type(0)
    for b in range(n):
        for r in range(h):  # row by row: dx is written in memory order
            i = r // 2
            if i >= out_h:  # odd height: the last row never wins
                dx[b, r] = zero
                continue
            for q in range(w):
                j = q // 2
                if j >= out_w:  # odd width: the last column never wins
                    dx[b, r, q, :] = zero
                    continue
                pos = (r - 2 * i) * 2 + (q - 2 * j)
                for ch in range(c):
                    dx[b, r, q, ch] = dy[b, i, j, ch] if which[b, i, j, ch] == pos else zero


def max_pool_2x2(x):
    """2x2 max pooling with stride 2, 'valid': ``(y, which)`` where ``which`` (int8, 0..3) is the
    row-major position of the first maximum inside each window. Same ``y`` as :func:`max_pool`."""
    n, h, w, c = x.shape
    y = np.empty((n, h // 2, w // 2, c), dtype=x.dtype)
    which = np.empty(y.shape, dtype=np.int8)
    x = np.ascontiguousarray(x)
    _over_samples(lambda a, b: _max_pool_2x2_kernel(x[a:b], y[a:b], which[a:b]), n)
    return y, which


def _over_samples(fn, n):
    """``fn(start, stop)`` over chunks of the batch on ``kernels.parallel``'s workers (one per worker)."""
    from .parallel import WORKERS, chunk_bounds, map_chunks
    map_chunks(lambda c, w: fn(*c), chunk_bounds(n, max(1, -(-n // WORKERS))))


def max_pool_2x2_backward(dy, which, x_shape):
    """Gradient of :func:`max_pool_2x2`: each dy goes to its window's first maximum, 0 elsewhere."""
    dx = np.empty(x_shape, dtype=dy.dtype)
    dy = np.ascontiguousarray(dy)
    _over_samples(lambda a, b: _max_pool_2x2_backward_kernel(dy[a:b], which[a:b], dx[a:b]), x_shape[0])
    return dx


def max_pool_2x2_argmax_reference(which, x_shape):
    """The flat ``y * W + x`` argmax of :func:`max_pool_reference` from the 2x2 window positions."""
    n, h, w, c = x_shape
    i = np.arange(which.shape[1])[None, :, None, None]
    j = np.arange(which.shape[2])[None, None, :, None]
    return (2 * i + which // 2) * w + 2 * j + which % 2
