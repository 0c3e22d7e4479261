"""One affine warp per image, bilinear, with scipy.ndimage's boundary modes.

For image k of ``x`` (n, h, w, c) and its matrix ``m = matrices[k]`` (2, 3), output pixel
(i, j) samples the input at the (row, col) position

    r = m[0, 0] * i + m[0, 1] * j + m[0, 2]
    s = m[1, 0] * i + m[1, 1] * j + m[1, 2]

(``scipy.ndimage.affine_transform(image, m[:, :2], m[:, 2], order=1)``: coordinates are array
indices, pixel (i, j)'s centre is at (i, j); every channel uses the same position). The value is
bilinear along both axes:

    out = (1-fr)(1-fs) X[r0, s0] + (1-fr) fs X[r0, s0+1] + fr (1-fs) X[r0+1, s0] + fr fs X[r0+1, s0+1]

with r0 = floor(r), fr = r - r0 (same for s), where X extends the image beyond its edges by
``fill_mode`` (per axis, n = that axis's length):

* ``"nearest"``: the position is clamped to [0, n-1]  (aaaa|abcd|dddd).
* ``"reflect"``: half-sample symmetric, X[-1] = X[0], X[n] = X[n-1]  (dcba|abcd|dcba).
* ``"constant"`` (scipy's 'constant', what Keras's ImageDataGenerator uses): a position outside
  [0, n-1] on either axis gives ``cval`` for the whole output pixel; no blending with cval.
* ``"wrap"`` (scipy's 'wrap', what ImageDataGenerator's ``fill_mode='wrap'`` gets): the position
  is taken modulo n - 1, so the last pixel and the first coincide (abcd|bcd|bcd...), not the
  abcd|abcd that Keras's docstring draws; a negative exact multiple of n - 1 maps to n - 1.
* ``"grid-constant"`` (Keras 3's preprocessing layers' 'constant', TensorFlow's): taps outside
  the image read ``cval`` and are blended like pixels.
* ``"grid-wrap"`` (Keras 3's layers' 'wrap'): periodic with period n (abcd|abcd|abcd).

``affine_warp`` is the numba kernel (parallel over images); ``affine_warp_reference`` is the
plain loop version; ``affine_warp_backward`` (and its reference) is the gradient with respect to
the image, the warp's adjoint; and ``affine_transform_2d_reference`` the same thing with scipy's
``affine_transform(input, matrix, offset, order=1, mode, cval)`` signature for one 2-D array.
"""
import math

import numpy as np
from numba import njit, prange

from .jit import kernel

FILL_MODES = {"nearest": 0, "constant": 1, "reflect": 2, "wrap": 3, "grid-constant": 4, "grid-wrap": 5}


def fill_mode_code(fill_mode):
    """The kernel's integer code for ``fill_mode`` (a ValueError names the valid ones)."""
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {tuple(FILL_MODES)}, got {fill_mode!r}")
    return FILL_MODES[fill_mode]


def affine_warp(x, matrices, fill_mode="nearest", cval=0.0, output_size=None, dtype=np.float32, order=1):
    """Warp image k of ``x`` (n, h, w, c) by ``matrices[k]`` (n, 2, 3) (module docstring).

    Returns a new (n, h, w, c) array of ``dtype`` (float32, or float64 for gradient checks), or
    (n, oh, ow, c) with ``output_size=(oh, ow)``; the fast numba path. ``order=0`` reads the
    nearest pixel instead (``_round``; TensorFlow's 'nearest' interpolation).
    """
    x, matrices = _check(x, matrices)
    out = np.empty(_output_shape(x, output_size), dtype=np.dtype(dtype))
    _warp_kernel(x, matrices, fill_mode_code(fill_mode), float(cval), out, False, _check_order(order, fill_mode))
    return out


def affine_warp_reference(x, matrices, fill_mode="nearest", cval=0.0, output_size=None, order=1):
    """Plain-loop version of ``affine_warp``: every output pixel samples ``_sample_reference``."""
    x, matrices = _check(x, matrices)
    mode = fill_mode_code(fill_mode)
    _check_order(order, fill_mode)
    out = np.empty(_output_shape(x, output_size), dtype=np.float32)
    n, height, width, channels = out.shape
    for k in range(n):
        m = matrices[k]
        for i in range(height):
            for j in range(width):
                r = m[0, 0] * i + m[0, 1] * j + m[0, 2]
                s = m[1, 0] * i + m[1, 1] * j + m[1, 2]
                for ch in range(channels):
                    out[k, i, j, ch] = _sample_reference(x[k, :, :, ch], r, s, mode, float(cval), order)
    return out


def affine_transform_2d_reference(image, matrix, offset=0.0, order=1, mode="constant", cval=0.0,
                                  output_shape=None, **unused):
    """``scipy.ndimage.affine_transform`` for a 2-D ``image`` and a (2, 2) ``matrix``, order 1
    only, by ``affine_warp_reference`` (returns float64 of the image's shape)."""
    if order != 1 or np.ndim(image) != 2 or np.shape(matrix) != (2, 2):
        raise ValueError("affine_transform_2d_reference: only 2-D images, (2, 2) matrices and order=1")
    m = np.concatenate([np.asarray(matrix, float), np.broadcast_to(offset, (2,)).reshape(2, 1)], axis=1)
    warped = affine_warp_reference(np.asarray(image, np.float64)[None, :, :, None], m[None], mode, cval)
    return warped[0, :, :, 0].astype(np.float64)


def _sample_reference(channel, r, s, mode, cval, order=1):
    """Bilinear sample of the 2-D ``channel`` at (r, s), extended by ``mode`` (module docstring);
    with ``order=0`` the pixel nearest to (r, s)."""
    height, width = channel.shape
    if order == 0:
        ri, si = _tap(_round(r), height, mode), _tap(_round(s), width, mode)
        return cval if ri < 0 or si < 0 else float(channel[ri, si])
    r, s = _position(r, height, mode), _position(s, width, mode)
    if math.isnan(r) or math.isnan(s):
        return cval
    r0, s0 = math.floor(r), math.floor(s)
    fr, fs = r - r0, s - s0
    total = 0.0
    for dr, wr in ((0, 1.0 - fr), (1, fr)):
        for ds, ws in ((0, 1.0 - fs), (1, fs)):
            if wr * ws == 0.0:
                continue  # a zero-weight tap may lie outside: skip it (as scipy weighs it by 0)
            ri, si = _tap(r0 + dr, height, mode), _tap(s0 + ds, width, mode)
            total += wr * ws * (cval if ri < 0 or si < 0 else float(channel[ri, si]))
    return total


# The per-axis rules below are shared by the reference and (compiled) by the kernel.
NEAREST, CONSTANT, REFLECT, WRAP, GRID_CONSTANT, GRID_WRAP = range(6)


def _round(u):
    """The nearest integer, halves away from zero (C's round, which TensorFlow uses)."""
    return math.floor(u + 0.5) if u >= 0 else -math.floor(0.5 - u)


def _position(u, n, mode):
    """Map position ``u`` on an axis of length n before interpolating; NaN means "the whole
    output pixel is cval" (scipy's 'constant' outside [0, n-1])."""
    if mode == NEAREST:
        return min(max(u, 0.0), n - 1.0)
    if mode == CONSTANT:
        return u if 0.0 <= u <= n - 1.0 else math.nan
    if mode == WRAP:  # scipy's 'wrap': modulo n - 1 (C integer division truncates)
        if n <= 1:
            return 0.0
        period = n - 1
        if u < 0:
            return u + period * (int(-u / period) + 1)
        if u > n - 1:
            return u - period * int(u / period)
    return u


def _tap(index, n, mode):
    """The pixel that integer position ``index`` reads on an axis of length n; -1 means cval."""
    if 0 <= index < n:
        return index
    if mode == GRID_CONSTANT:
        return -1
    if mode == GRID_WRAP:
        return index % n
    if mode == REFLECT:
        m = index % (2 * n)
        return m if m < n else 2 * n - 1 - m
    return min(max(index, 0), n - 1)  # nearest / constant / wrap: only zero-weight taps get here


_position_jit = njit(cache=True, nogil=True)(_position)
_tap_jit = njit(cache=True, nogil=True)(_tap)


_round_jit = njit(cache=True, nogil=True)(_round)


@njit(cache=True, nogil=True)
def _axis_taps(u, n, mode, order):
    """Along one axis: (inside, first tap, second tap, weight of the second tap) for position u;
    inside is False when scipy's 'constant' makes the whole pixel cval. Order 0: one tap."""
    if order == 0:
        a = _tap_jit(_round_jit(u), n, mode)
        return True, a, a, 0.0
    if 0.0 <= u < n - 1.0:  # both taps inside the image: every mode agrees (the common case)
        u0 = int(u)
        return True, u0, u0 + 1, u - u0
    u = _position_jit(u, n, mode)
    if math.isnan(u):
        return False, 0, 0, 0.0
    u0 = math.floor(u)
    f = u - u0
    a = _tap_jit(u0, n, mode)
    b = _tap_jit(u0 + 1, n, mode) if f != 0.0 else a
    return True, a, b, f


@njit(cache=True, nogil=True)
def _pixel_taps(m, i, j, height, width, mode, order):
    """Output pixel (i, j) under matrix m: (inside, rows ra rb, cols sa sb, weights w00 w01 w10
    w11, fill). A tap that reads ``cval`` (grid-constant) gets weight 0 and a valid index, and
    its weight goes to ``fill``, so the value is sum(w * x[taps]) + fill * cval without branches."""
    in_r, ra, rb, fr = _axis_taps(m[0, 0] * i + m[0, 1] * j + m[0, 2], height, mode, order)
    in_s, sa, sb, fs = _axis_taps(m[1, 0] * i + m[1, 1] * j + m[1, 2], width, mode, order)
    # per-axis weights, zero for a tap outside (only grid-constant has such taps: index -1)
    ua, ub = (1.0 - fr if ra >= 0 else 0.0), (fr if rb >= 0 else 0.0)
    va, vb = (1.0 - fs if sa >= 0 else 0.0), (fs if sb >= 0 else 0.0)
    fill = 1.0 - (ua + ub) * (va + vb) if mode == GRID_CONSTANT else 0.0
    inside = in_r
    if not in_s:
        inside = False
    return inside, max(ra, 0), max(rb, 0), max(sa, 0), max(sb, 0), ua * va, ua * vb, ub * va, ub * vb, fill


@kernel
def _warp_kernel(image, matrices, mode, cval, warped, adjoint, order):
    """Forward (``adjoint`` False): warped[k, i, j] = bilinear sample of image[k].
    Adjoint: image[k, tap] += weight * warped[k, i, j] (image must start at zero)."""
    height, width = image.shape[1], image.shape[2]
    n, out_height, out_width, channels = warped.shape
    for k in prange(n):
        m = matrices[k]
        for i in range(out_height):
            for j in range(out_width):
                inside, ra, rb, sa, sb, w00, w01, w10, w11, fill = _pixel_taps(m, i, j, height, width, mode, order)
                if adjoint:
                    if inside:
                        for ch in range(channels):
                            g = warped[k, i, j, ch]
                            image[k, ra, sa, ch] += w00 * g
                            image[k, ra, sb, ch] += w01 * g
                            image[k, rb, sa, ch] += w10 * g
                            image[k, rb, sb, ch] += w11 * g
                elif not inside:
                    for ch in range(channels):
                        warped[k, i, j, ch] = cval
                else:
                    constant = fill * cval
                    for ch in range(channels):
                        warped[k, i, j, ch] = (w00 * image[k, ra, sa, ch] + w01 * image[k, ra, sb, ch]
                                               + w10 * image[k, rb, sa, ch] + w11 * image[k, rb, sb, ch] + constant)


def affine_warp_backward(dy, matrices, input_size, fill_mode="nearest", order=1):
    """The gradient of ``affine_warp`` with respect to its input: the adjoint (transpose) of
    the linear map x -> warp(x), which scatters each ``dy[k, i, j]`` back to the four pixels
    output (i, j) read, with the same bilinear weights (taps that read ``cval`` get nothing):

        dx[k, tap] += w_tap(i, j) * dy[k, i, j]

    ``dy`` (n, oh, ow, c); ``input_size`` (h, w) of the warped images. Returns ``dx`` (n, h, w, c)
    in ``dy``'s float dtype."""
    dy = np.ascontiguousarray(dy)
    if dy.dtype not in (np.float32, np.float64):
        dy = dy.astype(np.float32)
    matrices = np.ascontiguousarray(matrices, dtype=np.float64)
    height, width = (int(v) for v in input_size)
    dx = np.zeros((dy.shape[0], height, width, dy.shape[3]), dtype=dy.dtype)
    _warp_kernel(dx, matrices, fill_mode_code(fill_mode), 0.0, dy, True, _check_order(order, fill_mode))
    return dx


def affine_warp_backward_reference(dy, matrices, input_size, fill_mode="nearest", order=1):
    """``affine_warp_backward`` from the definition: column p of the warp's matrix is the warp of
    the unit image e_p (cval = 0 makes the map linear), so ``dx[p] = sum(dy * warp(e_p))``."""
    dy = np.asarray(dy, dtype=np.float64)
    height, width = (int(v) for v in input_size)
    n, out_h, out_w, channels = dy.shape
    dx = np.zeros((n, height, width, channels))
    for k in range(n):
        for r in range(height):
            for c in range(width):
                unit = np.zeros((1, height, width, 1))
                unit[0, r, c, 0] = 1.0
                column = affine_warp_reference(unit, matrices[k:k + 1], fill_mode, 0.0, (out_h, out_w), order)
                column = column[0, :, :, 0]
                dx[k, r, c, :] = np.tensordot(column, dy[k], axes=([0, 1], [0, 1]))
    return dx


def _check_order(order, fill_mode):
    if order not in (0, 1):
        raise ValueError(f"order must be 0 (nearest) or 1 (bilinear), got {order!r}")
    if order == 0 and fill_mode in ("constant", "wrap"):
        raise ValueError(f"order=0 is implemented for the modes 'nearest', 'reflect', 'grid-constant' and "
                         f"'grid-wrap' (Keras 3's layers), not scipy's {fill_mode!r}")
    return int(order)


def _output_shape(x, output_size):
    if output_size is None:
        return x.shape
    oh, ow = (int(v) for v in output_size)
    if oh < 1 or ow < 1:
        raise ValueError(f"output_size must be two positive integers, got {output_size!r}")
    return (x.shape[0], oh, ow, x.shape[3])


def _check(x, matrices):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"expected images of shape (n, height, width, channels), got shape {x.shape}")
    if x.dtype.kind not in "iuf":
        raise ValueError(f"expected numeric images, got dtype {x.dtype}")
    matrices = np.ascontiguousarray(matrices, dtype=np.float64)
    if matrices.shape != (len(x), 2, 3):
        raise ValueError(f"expected matrices of shape ({len(x)}, 2, 3), got shape {matrices.shape}")
    if not np.all(np.isfinite(matrices)):
        raise ValueError("affine matrices contain NaN or infinity")
    x = np.ascontiguousarray(x)
    if not x.flags.writeable:  # the shared forward/adjoint kernel types its image as writable
        x = x.copy()
    return x, matrices
