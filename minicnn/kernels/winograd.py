"""Winograd F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplications.

Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016). The output is cut
into 2x2 tiles. Tile ``t = (b, ti, tj)`` reads the 4x4 patch ``d_t`` of the zero-padded input that
starts at row ``2 ti``, column ``2 tj``, and for one input channel and one filter

    y_t = A^T [ (G g G^T) * (B^T d_t B) ] A          (``*`` elementwise, g the 3x3 kernel)

with the constant matrices :data:`BT` (4x4), :data:`G` (4x3) and :data:`AT` (2x4). Write
``V_t = B^T d_t B`` and ``U = G g G^T``: 16 numbers per tile and channel, 16 per channel pair. The
sum over input channels at each of the 16 points ``k = (xi, nu)`` is one matrix product over all
tiles:

    M[k] (T, F) = V[k] (T, C) @ U[k] (C, F),        y_t = A^T M_t A

16 products with inner dimension C do ``16 T C F`` multiplications where im2col's one product
(4T rows, inner dimension 9C) does ``36 T C F``.

Backward is the chain rule through these linear maps, nothing approximate. With ``dY_t`` the 2x2
output gradient of tile t (0 where the tile hangs over the output's edge):

    dM_t = A dY_t A^T
    dU[k] = V[k]^T @ dM[k],     dg = G^T dU G                     (kernel gradient)
    dV[k] = dM[k] @ U[k]^T,     dd_t = B dV_t B^T                 (input gradient)

and ``dd_t`` is added into dx at the tile's 4x4 patch. Neighbouring patches overlap by two rows or
columns, so a pixel of dx collects up to four tiles' contributions (the adjoint of the overlapping
reads, as col2im is the adjoint of im2col).

:func:`conv2d_winograd_reference` and :func:`conv2d_winograd_backward_reference` state this with
einsums over one tile position at a time. The engine (:func:`conv2d_winograd_forward`,
:func:`conv2d_winograd_backward`) does the same chunk by chunk of samples on the
``kernels.parallel`` workers: a numba transform writes V for the chunk (16, T, C), NumPy's matmul
runs the 16 products, a numba transform writes y (or dx). The chunks depend on the shapes only and
the per-chunk kernel gradients are added in chunk order, so results are deterministic.
"""
import numpy as np
from numba import njit

from . import parallel
from .fused import bias_act, relu_mask_bias_grad
from .jit import kernel
from .parallel import chunk_bounds, map_chunks, shared_scratch

#: The transforms of F(2x2, 3x3) (Lavin and Gray, section 4.1).
BT = np.array([[1, 0, -1, 0],
               [0, 1, 1, 0],
               [0, -1, 1, 0],
               [0, 1, 0, -1]], dtype=np.float64)
G = np.array([[1, 0, 0],
              [0.5, 0.5, 0.5],
              [0.5, -0.5, 0.5],
              [0, 0, 1]], dtype=np.float64)
AT = np.array([[1, 1, 1, 0],
               [0, 1, -1, -1]], dtype=np.float64)

#: Upper bound on one chunk's transformed input and output (V and M, bytes): cache-sized.
CHUNK_BUDGET_BYTES = 16 * 2**20  # measured best of 4, 8, 16 MB on the speedrun shapes


def applies(geom):
    """True for the window Winograd F(2x2, 3x3) computes: 3x3, stride 1 (any padding)."""
    return (geom.kh, geom.kw, geom.sh, geom.sw) == (3, 3, 1, 1)


def tile_grid(geom):
    """``(th, tw)``: 2x2 output tiles down and across (the last row/column of tiles may hang over)."""
    return -(-geom.out_h // 2), -(-geom.out_w // 2)


def pad_for_tiles(x, geom, out=None):
    """x (N, H, W, C) zero-padded to (N, 2 th + 2, 2 tw + 2, C), the image at (pad_top, pad_left):
    every tile's 4x4 patch lies inside. ``out``: an array of that shape to fill instead of a new one."""
    th, tw = tile_grid(geom)
    n, h, w, c = x.shape
    xp = np.empty((n, 2 * th + 2, 2 * tw + 2, c), dtype=x.dtype) if out is None else out
    xp[...] = 0
    xp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w] = x
    return xp


def kernel_transform(kernel):
    """U = G g G^T for every channel pair: (3, 3, C, F) -> (4, 4, C, F)."""
    return np.einsum("xi,ijcf,yj->xycf", G, kernel, G).astype(kernel.dtype)


def kernel_grad_transform(du):
    """dg = G^T dU G: (4, 4, C, F) -> (3, 3, C, F), the adjoint of :func:`kernel_transform`."""
    return np.einsum("xi,xycf,yj->ijcf", G, du, G).astype(du.dtype)


# ----------------------------------------------------------------------------- references
def conv2d_winograd_reference(x, kernel, geom):
    """The convolution by F(2x2, 3x3), one tile position at a time. x: (N, H, W, C), kernel
    (3, 3, C, F) -> (N, out_h, out_w, F); equals ``conv.conv2d_reference`` without bias."""
    th, tw = tile_grid(geom)
    xp = pad_for_tiles(x, geom)
    u = kernel_transform(kernel)
    y = np.zeros((x.shape[0], 2 * th, 2 * tw, kernel.shape[3]), dtype=np.result_type(x, kernel))
    for ti in range(th):
        for tj in range(tw):
            d = xp[:, 2 * ti:2 * ti + 4, 2 * tj:2 * tj + 4, :]             # (N, 4, 4, C)
            v = np.einsum("xr,nrsc,ys->nxyc", BT, d, BT)                    # B^T d B
            m = np.einsum("nxyc,xycf->nxyf", v, u)                          # sum over c of U * V
            y[:, 2 * ti:2 * ti + 2, 2 * tj:2 * tj + 2] = np.einsum("ax,nxyf,by->nabf", AT, m, AT)
    return y[:, :geom.out_h, :geom.out_w]


def conv2d_winograd_backward_reference(dz, x, kernel, geom):
    """``(dkernel (3, 3, C, F), dx (N, H, W, C))`` of :func:`conv2d_winograd_reference` from dz
    (N, out_h, out_w, F), by the formulas of the module docstring."""
    n, h, w, c = x.shape
    th, tw = tile_grid(geom)
    xp = pad_for_tiles(x, geom)
    u = kernel_transform(kernel)
    dzp = np.zeros((n, 2 * th, 2 * tw, dz.shape[3]), dtype=dz.dtype)
    dzp[:, :geom.out_h, :geom.out_w] = dz
    du = np.zeros_like(u)
    dxp = np.zeros_like(xp)
    for ti in range(th):
        for tj in range(tw):
            d = xp[:, 2 * ti:2 * ti + 4, 2 * tj:2 * tj + 4, :]
            v = np.einsum("xr,nrsc,ys->nxyc", BT, d, BT)
            dm = np.einsum("ax,nabf,by->nxyf", AT, dzp[:, 2 * ti:2 * ti + 2, 2 * tj:2 * tj + 2], AT)  # A dY A^T
            du += np.einsum("nxyc,nxyf->xycf", v, dm)
            dv = np.einsum("nxyf,xycf->nxyc", dm, u)
            dxp[:, 2 * ti:2 * ti + 4, 2 * tj:2 * tj + 4, :] += np.einsum("xr,nxyc,ys->nrsc", BT, dv, BT)  # B dV B^T
    dx = dxp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w]
    return kernel_grad_transform(du), np.ascontiguousarray(dx)


# ----------------------------------------------------------------------------- numba transforms
@kernel
def _input_transform_kernel(xp, v):
    """v[t, k, c] = (B^T d_t B)[k] for the 4x4 patches of the padded chunk xp (n, 2th+2, 2tw+2, C)."""
    n, hp, wp, c = xp.shape
    th, tw = (hp - 2) // 2, (wp - 2) // 2
    for b in range(n):
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                r, q = 2 * ti, 2 * tj
                for ch in range(c):
                    # rows: B^T d  (t0 = d0 - d2, t1 = d1 + d2, t2 = d2 - d1, t3 = d1 - d3), per column s
                    a0 = xp[b, r, q, ch] - xp[b, r + 2, q, ch]
                    a1 = xp[b, r, q + 1, ch] - xp[b, r + 2, q + 1, ch]
                    a2 = xp[b, r, q + 2, ch] - xp[b, r + 2, q + 2, ch]
                    a3 = xp[b, r, q + 3, ch] - xp[b, r + 2, q + 3, ch]
                    b0 = xp[b, r + 1, q, ch] + xp[b, r + 2, q, ch]
                    b1 = xp[b, r + 1, q + 1, ch] + xp[b, r + 2, q + 1, ch]
                    b2 = xp[b, r + 1, q + 2, ch] + xp[b, r + 2, q + 2, ch]
                    b3 = xp[b, r + 1, q + 3, ch] + xp[b, r + 2, q + 3, ch]
                    c0 = xp[b, r + 2, q, ch] - xp[b, r + 1, q, ch]
                    c1 = xp[b, r + 2, q + 1, ch] - xp[b, r + 1, q + 1, ch]
                    c2 = xp[b, r + 2, q + 2, ch] - xp[b, r + 1, q + 2, ch]
                    c3 = xp[b, r + 2, q + 3, ch] - xp[b, r + 1, q + 3, ch]
                    e0 = xp[b, r + 1, q, ch] - xp[b, r + 3, q, ch]
                    e1 = xp[b, r + 1, q + 1, ch] - xp[b, r + 3, q + 1, ch]
                    e2 = xp[b, r + 1, q + 2, ch] - xp[b, r + 3, q + 2, ch]
                    e3 = xp[b, r + 1, q + 3, ch] - xp[b, r + 3, q + 3, ch]
                    # columns: (B^T d) B, the same pattern along each row
                    v[t, 0, ch] = a0 - a2
                    v[t, 1, ch] = a1 + a2
                    v[t, 2, ch] = a2 - a1
                    v[t, 3, ch] = a1 - a3
                    v[t, 4, ch] = b0 - b2
                    v[t, 5, ch] = b1 + b2
                    v[t, 6, ch] = b2 - b1
                    v[t, 7, ch] = b1 - b3
                    v[t, 8, ch] = c0 - c2
                    v[t, 9, ch] = c1 + c2
                    v[t, 10, ch] = c2 - c1
                    v[t, 11, ch] = c1 - c3
                    v[t, 12, ch] = e0 - e2
                    v[t, 13, ch] = e1 + e2
                    v[t, 14, ch] = e2 - e1
                    v[t, 15, ch] = e1 - e3


@kernel
def _output_transform_kernel(m, th, tw, y):
    """y[b, 2ti + a, 2tj + b'] = (A^T M_t A)[a, b'] where it lies inside y (n, out_h, out_w, F)."""
    n, out_h, out_w, f = y.shape
    for b in range(n):
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                r, q = 2 * ti, 2 * tj
                down, right = r + 1 < out_h, q + 1 < out_w
                for ch in range(f):
                    # A^T M: row 0 = m0 + m1 + m2, row 1 = m1 - m2 - m3 (over the 4 rows of M_t)
                    p0 = m[t, 0, ch] + m[t, 4, ch] + m[t, 8, ch]
                    p1 = m[t, 1, ch] + m[t, 5, ch] + m[t, 9, ch]
                    p2 = m[t, 2, ch] + m[t, 6, ch] + m[t, 10, ch]
                    p3 = m[t, 3, ch] + m[t, 7, ch] + m[t, 11, ch]
                    s0 = m[t, 4, ch] - m[t, 8, ch] - m[t, 12, ch]
                    s1 = m[t, 5, ch] - m[t, 9, ch] - m[t, 13, ch]
                    s2 = m[t, 6, ch] - m[t, 10, ch] - m[t, 14, ch]
                    s3 = m[t, 7, ch] - m[t, 11, ch] - m[t, 15, ch]
                    y[b, r, q, ch] = p0 + p1 + p2
                    if right:
                        y[b, r, q + 1, ch] = p1 - p2 - p3
                    if down:
                        y[b, r + 1, q, ch] = s0 + s1 + s2
                        if right:
                            y[b, r + 1, q + 1, ch] = s1 - s2 - s3


@kernel
def _output_grad_transform_kernel(dz, th, tw, dm):
    """dm[t, k, f] = (A dY_t A^T)[k], dY_t the tile's 2x2 of dz (n, out_h, out_w, F), 0 outside."""
    n, out_h, out_w, f = dz.shape
    zero = dz.dtype.type(0)
    for b in range(n):
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                r, q = 2 * ti, 2 * tj
                down, right = r + 1 < out_h, q + 1 < out_w
                for ch in range(f):
                    g00 = dz[b, r, q, ch]
                    g01 = dz[b, r, q + 1, ch] if right else zero
                    g10 = dz[b, r + 1, q, ch] if down else zero
                    g11 = dz[b, r + 1, q + 1, ch] if down and right else zero
                    # A dY: rows (g0, g0 + g1, g0 - g1, -g1); then (.) A^T: the same along each row
                    _a_row(dm, t, 0, ch, g00, g01)
                    _a_row(dm, t, 4, ch, g00 + g10, g01 + g11)
                    _a_row(dm, t, 8, ch, g00 - g10, g01 - g11)
                    _a_row(dm, t, 12, ch, -g10, -g11)


@njit(inline="always", cache=True)
def _a_row(dm, t, k, ch, h0, h1):
    """One row of A dY A^T: the 2-vector (h0, h1) times A^T, into points k..k+3."""
    dm[t, k, ch] = h0
    dm[t, k + 1, ch] = h0 + h1
    dm[t, k + 2, ch] = h0 - h1
    dm[t, k + 3, ch] = -h1


@kernel
def _input_grad_transform_kernel(dv, th, tw, dxp):
    """dxp (n, 2th+2, 2tw+2, C) = sum over tiles of B dV_t B^T placed at the tile's 4x4 patch."""
    n, hp, wp, c = dxp.shape
    zero = dxp.dtype.type(0)
    for b in range(n):
        dxp[b] = zero
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                r, q = 2 * ti, 2 * tj
                for ch in range(c):
                    # B dV over rows: (v0, v1 - v2 + v3, -v0 + v1 + v2, -v3), column by column
                    c00 = dv[t, 0, ch]
                    c10 = dv[t, 4, ch] - dv[t, 8, ch] + dv[t, 12, ch]
                    c20 = -dv[t, 0, ch] + dv[t, 4, ch] + dv[t, 8, ch]
                    c30 = -dv[t, 12, ch]
                    c01 = dv[t, 1, ch]
                    c11 = dv[t, 5, ch] - dv[t, 9, ch] + dv[t, 13, ch]
                    c21 = -dv[t, 1, ch] + dv[t, 5, ch] + dv[t, 9, ch]
                    c31 = -dv[t, 13, ch]
                    c02 = dv[t, 2, ch]
                    c12 = dv[t, 6, ch] - dv[t, 10, ch] + dv[t, 14, ch]
                    c22 = -dv[t, 2, ch] + dv[t, 6, ch] + dv[t, 10, ch]
                    c32 = -dv[t, 14, ch]
                    c03 = dv[t, 3, ch]
                    c13 = dv[t, 7, ch] - dv[t, 11, ch] + dv[t, 15, ch]
                    c23 = -dv[t, 3, ch] + dv[t, 7, ch] + dv[t, 11, ch]
                    c33 = -dv[t, 15, ch]
                    # then (.) B^T along each row: (c0, c1 - c2 + c3, -c0 + c1 + c2, -c3)
                    dxp[b, r, q, ch] += c00
                    dxp[b, r, q + 1, ch] += c01 - c02 + c03
                    dxp[b, r, q + 2, ch] += -c00 + c01 + c02
                    dxp[b, r, q + 3, ch] += -c03
                    dxp[b, r + 1, q, ch] += c10
                    dxp[b, r + 1, q + 1, ch] += c11 - c12 + c13
                    dxp[b, r + 1, q + 2, ch] += -c10 + c11 + c12
                    dxp[b, r + 1, q + 3, ch] += -c13
                    dxp[b, r + 2, q, ch] += c20
                    dxp[b, r + 2, q + 1, ch] += c21 - c22 + c23
                    dxp[b, r + 2, q + 2, ch] += -c20 + c21 + c22
                    dxp[b, r + 2, q + 3, ch] += -c23
                    dxp[b, r + 3, q, ch] += c30
                    dxp[b, r + 3, q + 1, ch] += c31 - c32 + c33
                    dxp[b, r + 3, q + 2, ch] += -c30 + c31 + c32
                    dxp[b, r + 3, q + 3, ch] += -c33


# ----------------------------------------------------------------------------- engine
def winograd_chunks(batch, geom, channels, filters, itemsize):
    """Cache-sized chunks of the batch (V and M of a chunk within :data:`CHUNK_BUDGET_BYTES`), and at
    least ``parallel.SPLIT_PARTS`` of them when the work is large enough (shapes only)."""
    th, tw = tile_grid(geom)
    per_sample = 16 * th * tw * (channels + filters) * itemsize
    step = int(max(1, min(batch, CHUNK_BUDGET_BYTES // max(per_sample, 1))))
    flops = 2.0 * 16 * batch * th * tw * channels * filters
    return chunk_bounds(batch, min(step, parallel.split_bounds(batch, flops)[0][1]))


def _by_point(a):
    """The (16, tiles, channels) view of a tile-major (tiles, 16, channels) array, for the 16 products.

    The transforms work tile-major (each tile's 16 points side by side in memory): written
    point-major, the 16 output streams of the input transform sit a power of two apart and thrash
    the cache (measured 5x slower). BLAS reads the strided view at no extra cost."""
    return a.transpose(1, 0, 2)


def _padded_scratch(x, geom, samples, worker):
    """The worker's (samples, 2 th + 2, 2 tw + 2, C) buffer of padded images (or their gradient)."""
    th, tw = tile_grid(geom)
    return shared_scratch("wino_xp", worker, (samples, 2 * th + 2, 2 * tw + 2, x.shape[3]), x.dtype)


def _transformed_input(x, geom, start, stop, worker):
    """V of samples ``start:stop``, tile-major (tiles, 16, C), in the worker's scratch."""
    th, tw = tile_grid(geom)
    xp = pad_for_tiles(x[start:stop], geom, out=_padded_scratch(x, geom, stop - start, worker))
    v = shared_scratch("wino_v", worker, ((stop - start) * th * tw, 16, x.shape[3]), x.dtype)
    _input_transform_kernel(xp, v)
    return v


def conv2d_winograd_forward(x, kernel, bias, relu, geom):
    """As ``conv.conv2d_forward`` for a 3x3 stride-1 ``geom``: Z = conv(x, kernel) + bias (then
    max(Z, 0) if ``relu``). x (N, H, W, C) C-contiguous, kernel (3, 3, C, F) -> (N, out_h, out_w, F)."""
    n, _, _, c = x.shape
    f = kernel.shape[3]
    th, tw = tile_grid(geom)
    u = kernel_transform(kernel).reshape(16, c, f)
    z = np.empty((n, geom.out_h, geom.out_w, f), dtype=x.dtype)

    def run(chunk, worker):
        start, stop = chunk
        v = _transformed_input(x, geom, start, stop, worker)
        m = shared_scratch("wino_m", worker, (v.shape[0], 16, f), x.dtype)
        np.matmul(_by_point(v), u, out=_by_point(m))
        _output_transform_kernel(m, th, tw, z[start:stop])
        bias_act(z[start:stop].reshape(-1, f), bias, relu)

    map_chunks(run, winograd_chunks(n, geom, c, f, x.itemsize))
    return z


def conv2d_winograd_backward(dy, y, relu, x, kernel, geom, input_grad=True):
    """As ``conv.conv2d_backward`` for a 3x3 stride-1 ``geom``: ``(dkernel, dbias, dx or None)``
    by the formulas of the module docstring (dZ = dy * [y > 0] with ``relu``)."""
    n, h, w, c = x.shape
    f = kernel.shape[3]
    th, tw = tile_grid(geom)
    u_t = np.ascontiguousarray(kernel_transform(kernel).reshape(16, c, f).transpose(0, 2, 1))  # U^T
    dy = np.ascontiguousarray(dy, dtype=x.dtype)
    dx = np.empty_like(x) if input_grad else None

    def run(chunk, worker):
        start, stop = chunk
        dy2d = dy[start:stop].reshape(-1, f)
        dz2d, db = relu_mask_bias_grad(dy2d, None if y is None else y[start:stop].reshape(-1, f), relu,
                                       dz=shared_scratch("dz", worker, dy2d.shape, x.dtype))
        tiles = (stop - start) * th * tw
        dm = shared_scratch("wino_m", worker, (tiles, 16, f), x.dtype)
        _output_grad_transform_kernel(dz2d.reshape(stop - start, geom.out_h, geom.out_w, f), th, tw, dm)
        v = _transformed_input(x, geom, start, stop, worker)
        du = np.matmul(_by_point(v).transpose(0, 2, 1), _by_point(dm))       # (16, C, F)
        if input_grad:
            dv = v                                                           # V is no longer needed
            np.matmul(_by_point(dm), u_t, out=_by_point(dv))
            dxp = _padded_scratch(x, geom, stop - start, worker)
            _input_grad_transform_kernel(dv, th, tw, dxp)
            dx[start:stop] = dxp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w]
        return du, db

    parts = map_chunks(run, winograd_chunks(n, geom, c, f, x.itemsize))
    du, db = parts[0]
    for du_part, db_part in parts[1:]:  # in chunk order: deterministic
        du += du_part
        db += db_part
    return kernel_grad_transform(du.reshape(4, 4, c, f)), db, dx
