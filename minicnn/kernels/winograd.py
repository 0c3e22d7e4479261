"""Winograd F(m x m, 3x3): a 3x3 stride-1 convolution with fewer multiplications.

Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (CVPR 2016). The output is cut
into m x m tiles. Tile ``t = (b, ti, tj)`` reads the a x a patch ``d_t`` (a = m + 2) of the
zero-padded input that starts at row ``m ti``, column ``m tj``, and for one input channel and one
filter

    y_t = A^T [ (G g G^T) * (B^T d_t B) ] A          (``*`` elementwise, g the 3x3 kernel)

with constant matrices B^T (a x a), G (a x 3) and A^T (m x a) (a :class:`Transform`). Write
``V_t = B^T d_t B`` and ``U = G g G^T``: a^2 numbers per tile and channel, a^2 per channel pair. The
sum over input channels at each of the a^2 points ``k = (xi, nu)`` is one matrix product over all
tiles:

    M[k] (T, F) = V[k] (T, C) @ U[k] (C, F),        y_t = A^T M_t A

a^2 products with inner dimension C do ``a^2 T C F`` multiplications for the ``m^2 T`` output
pixels, where im2col's one product (inner dimension 9C) does ``9 m^2 T C F``: 2.25x fewer with
F(2x2, 3x3) (:data:`F2`, 4x4 patches), 4x fewer with F(4x4, 3x3) (:data:`F4`, 6x6 patches), less
the tiles that hang over the image's edge. The engine uses :data:`ENGINE` = F(4x4, 3x3).

Backward is the chain rule through these linear maps, nothing approximate. With ``dY_t`` the m x m
output gradient of tile t (0 where the tile hangs over the output's edge):

    dM_t = A dY_t A^T
    dU[k] = V[k]^T @ dM[k],     dg = G^T dU G                     (kernel gradient)
    dV[k] = dM[k] @ U[k]^T,     dd_t = B dV_t B^T                 (input gradient)

and ``dd_t`` is added into dx at the tile's a x a patch. Neighbouring patches overlap by two rows
or columns, so a pixel of dx collects the contributions of up to four tiles (the adjoint of the
overlapping reads, as col2im is the adjoint of im2col).

:func:`conv2d_winograd_reference` and :func:`conv2d_winograd_backward_reference` state this with
einsums over one tile position at a time. The engine (:func:`conv2d_winograd_forward`,
:func:`conv2d_winograd_backward`) does the same chunk by chunk of samples on the
``kernels.parallel`` workers: a numba transform writes V for the chunk (T, a^2, C), NumPy's matmul
runs the a^2 products, a numba transform writes y (or dx). The transforms are the same small
matrix products as the references, looping over the matrices' non-zero entries with the channel
axis innermost (so they vectorize). The chunks depend on the shapes only and the per-chunk kernel
gradients are added in a fixed order (``parallel.sum_chunks``), so results are deterministic.
"""
import numpy as np

from . import parallel
from .fused import bias_act, relu_mask_bias_grad
from .jit import kernel
from .parallel import chunk_bounds, map_chunks, shared_scratch, sum_chunks


class Transform:
    """The matrices of F(m x m, 3x3): ``bt`` (a, a), ``g`` (a, 3), ``at`` (m, a), with a = m + 2."""

    def __init__(self, name, bt, g, at):
        self.name = name
        self.bt, self.g, self.at = (np.array(mat, dtype=np.float64) for mat in (bt, g, at))
        self.m, self.a = self.at.shape

    def __repr__(self):
        return f"<Winograd {self.name}>"


#: F(2x2, 3x3), interpolation points 0, 1, -1 and infinity (Lavin and Gray, section 4.1).
F2 = Transform("F(2x2, 3x3)",
               bt=[[1, 0, -1, 0],
                   [0, 1, 1, 0],
                   [0, -1, 1, 0],
                   [0, 1, 0, -1]],
               g=[[1, 0, 0],
                  [0.5, 0.5, 0.5],
                  [0.5, -0.5, 0.5],
                  [0, 0, 1]],
               at=[[1, 1, 1, 0],
                   [0, 1, -1, -1]])

#: F(4x4, 3x3), points 0, 1, -1, 2, -2 and infinity (Lavin and Gray, section 4.2).
F4 = Transform("F(4x4, 3x3)",
               bt=[[4, 0, -5, 0, 1, 0],
                   [0, -4, -4, 1, 1, 0],
                   [0, 4, -4, -1, 1, 0],
                   [0, -2, -1, 2, 1, 0],
                   [0, 2, -1, -2, 1, 0],
                   [0, 4, 0, -5, 0, 1]],
               g=[[1 / 4, 0, 0],
                  [-1 / 6, -1 / 6, -1 / 6],
                  [-1 / 6, 1 / 6, -1 / 6],
                  [1 / 24, 1 / 12, 1 / 6],
                  [1 / 24, -1 / 12, 1 / 6],
                  [0, 0, 1]],
               at=[[1, 1, 1, 1, 1, 0],
                   [0, 1, -1, 2, -2, 0],
                   [0, 1, 1, 4, 4, 0],
                   [0, 1, -1, 8, -8, 1]])

#: The transform the engine uses: 4x fewer multiplications than im2col on whole tiles.
ENGINE = F4

#: Upper bound on one chunk's transformed input and output (V and M, bytes): cache-sized.
CHUNK_BUDGET_BYTES = 16 * 2**20


def applies(geom):
    """True for the window Winograd F(m x m, 3x3) computes: 3x3, stride 1 (any padding)."""
    return (geom.kh, geom.kw, geom.sh, geom.sw) == (3, 3, 1, 1)


def tile_grid(geom, tr=ENGINE):
    """``(th, tw)``: m x m output tiles down and across (the last row/column may hang over)."""
    return -(-geom.out_h // tr.m), -(-geom.out_w // tr.m)


def pad_for_tiles(x, geom, tr=ENGINE, out=None):
    """x (N, H, W, C) zero-padded to (N, m th + 2, m tw + 2, C), the image at (pad_top, pad_left):
    every tile's a x a patch lies inside. ``out``: an array of that shape to fill instead of a new one."""
    th, tw = tile_grid(geom, tr)
    n, h, w, c = x.shape
    xp = np.empty((n, tr.m * th + 2, tr.m * tw + 2, c), dtype=x.dtype) if out is None else out
    xp[...] = 0
    xp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w] = x
    return xp


def kernel_transform(kernel, tr=ENGINE):
    """U = G g G^T for every channel pair: (3, 3, C, F) -> (a, a, C, F)."""
    return _sandwich(tr.g.astype(kernel.dtype), kernel)


def kernel_grad_transform(du, tr=ENGINE):
    """dg = G^T dU G: (a, a, C, F) -> (3, 3, C, F), the adjoint of :func:`kernel_transform`."""
    return _sandwich(tr.g.T.astype(du.dtype), du)


def _sandwich(mat, arr):
    """``mat arr mat^T`` over the two leading (spatial) axes of arr (p, p, C, F), mat (q, p) -> (q, q, C, F).

    Two small products in arr's dtype: the sums of ``einsum("xi,ijcf,yj->xycf", mat, arr, mat)``,
    which took 10 ms a call for 256 -> 256 channels."""
    q, p = mat.shape
    c, f = arr.shape[2:]
    rows = (mat @ arr.reshape(p, p * c * f)).reshape(q, p, c * f)   # mat over the first axis
    return np.matmul(mat, rows).reshape(q, q, c, f)                   # then over the second


# ----------------------------------------------------------------------------- references
def conv2d_winograd_reference(x, kernel, geom, tr=ENGINE):
    """The convolution by ``tr``, one tile position at a time. x: (N, H, W, C), kernel
    (3, 3, C, F) -> (N, out_h, out_w, F); equals ``conv.conv2d_reference`` without bias."""
    m, a = tr.m, tr.a
    th, tw = tile_grid(geom, tr)
    xp = pad_for_tiles(x, geom, tr)
    u = kernel_transform(kernel, tr)
    y = np.zeros((x.shape[0], m * th, m * tw, kernel.shape[3]), dtype=np.result_type(x, kernel))
    for ti in range(th):
        for tj in range(tw):
            d = xp[:, m * ti:m * ti + a, m * tj:m * tj + a, :]                 # (N, a, a, C)
            v = np.einsum("xr,nrsc,ys->nxyc", tr.bt, d, tr.bt)                 # B^T d B
            mm = np.einsum("nxyc,xycf->nxyf", v, u)                            # sum over c of U * V
            y[:, m * ti:m * ti + m, m * tj:m * tj + m] = np.einsum("ix,nxyf,jy->nijf", tr.at, mm, tr.at)
    return y[:, :geom.out_h, :geom.out_w]


def conv2d_winograd_backward_reference(dz, x, kernel, geom, tr=ENGINE):
    """``(dkernel (3, 3, C, F), dx (N, H, W, C))`` of :func:`conv2d_winograd_reference` from dz
    (N, out_h, out_w, F), by the formulas of the module docstring."""
    m, a = tr.m, tr.a
    n, h, w, c = x.shape
    th, tw = tile_grid(geom, tr)
    xp = pad_for_tiles(x, geom, tr)
    u = kernel_transform(kernel, tr)
    dzp = np.zeros((n, m * th, m * tw, dz.shape[3]), dtype=dz.dtype)
    dzp[:, :geom.out_h, :geom.out_w] = dz
    du = np.zeros_like(u)
    dxp = np.zeros_like(xp)
    for ti in range(th):
        for tj in range(tw):
            d = xp[:, m * ti:m * ti + a, m * tj:m * tj + a, :]
            v = np.einsum("xr,nrsc,ys->nxyc", tr.bt, d, tr.bt)
            dy_t = dzp[:, m * ti:m * ti + m, m * tj:m * tj + m]
            dm = np.einsum("ix,nijf,jy->nxyf", tr.at, dy_t, tr.at)                        # A dY A^T
            du += np.einsum("nxyc,nxyf->xycf", v, dm)
            dv = np.einsum("nxyf,xycf->nxyc", dm, u)
            dxp[:, m * ti:m * ti + a, m * tj:m * tj + a, :] += np.einsum("xr,nxyc,ys->nrsc", tr.bt, dv, tr.bt)  # B dV B^T
    dx = dxp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w]
    return kernel_grad_transform(du, tr), np.ascontiguousarray(dx)


# ----------------------------------------------------------------------------- numba transforms
# Each kernel is a pair of small matrix products per tile, the first over the patch's rows into
# ``rows`` (a, a, C), the second over its columns; only the matrices' non-zero entries are visited
# and the channel axis is the inner loop.

@kernel
def _input_transform_kernel(xp, bt, m, v):
    """v[t, x a + y, c] = (B^T d_t B)[x, y] for the a x a patches (every m pixels) of xp (n, hp, wp, C)."""
    n, hp, wp, c = xp.shape
    a = bt.shape[0]
    th, tw = (hp - 2) // m, (wp - 2) // m
    rows = np.empty((a, a, c), dtype=v.dtype)
    for b in range(n):
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                r0, s0 = m * ti, m * tj
                rows[:] = 0
                for x in range(a):                  # rows = B^T d
                    for r in range(a):
                        coef = bt[x, r]
                        if coef != 0:
                            for s in range(a):
                                for ch in range(c):
                                    rows[x, s, ch] += coef * xp[b, r0 + r, s0 + s, ch]
                v[t] = 0
                for x in range(a):                  # V = rows B
                    for y in range(a):
                        for s in range(a):
                            coef = bt[y, s]
                            if coef != 0:
                                for ch in range(c):
                                    v[t, x * a + y, ch] += coef * rows[x, s, ch]


@kernel
def _output_transform_kernel(mt, at, th, tw, y):
    """y[b, m ti + i, m tj + j] = (A^T M_t A)[i, j] where it lies inside y (n, out_h, out_w, F)."""
    n, out_h, out_w, f = y.shape
    m, a = at.shape
    rows = np.empty((m, a, f), dtype=y.dtype)
    for b in range(n):
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                rows[:] = 0
                for i in range(m):                  # rows = A^T M
                    for x in range(a):
                        coef = at[i, x]
                        if coef != 0:
                            for yy in range(a):
                                for ch in range(f):
                                    rows[i, yy, ch] += coef * mt[t, x * a + yy, ch]
                for i in range(min(m, out_h - m * ti)):      # y = rows A, inside the output only
                    for j in range(min(m, out_w - m * tj)):
                        out = y[b, m * ti + i, m * tj + j]
                        out[:] = 0
                        for yy in range(a):
                            coef = at[j, yy]
                            if coef != 0:
                                for ch in range(f):
                                    out[ch] += coef * rows[i, yy, ch]


@kernel
def _output_grad_transform_kernel(dz, at, th, tw, dm):
    """dm[t, x a + y, f] = (A dY_t A^T)[x, y], dY_t the tile's m x m of dz (n, out_h, out_w, F), 0 outside."""
    n, out_h, out_w, f = dz.shape
    m, a = at.shape
    rows = np.empty((a, m, f), dtype=dm.dtype)
    for b in range(n):
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                hi, wj = min(m, out_h - m * ti), min(m, out_w - m * tj)
                rows[:] = 0
                for x in range(a):                  # rows = A dY (rows of dY outside the output are 0)
                    for i in range(hi):
                        coef = at[i, x]
                        if coef != 0:
                            for j in range(wj):
                                for ch in range(f):
                                    rows[x, j, ch] += coef * dz[b, m * ti + i, m * tj + j, ch]
                dm[t] = 0
                for x in range(a):                  # dM = rows A^T
                    for y in range(a):
                        for j in range(wj):
                            coef = at[j, y]
                            if coef != 0:
                                for ch in range(f):
                                    dm[t, x * a + y, ch] += coef * rows[x, j, ch]


@kernel
def _input_grad_transform_kernel(dv, bt, m, th, tw, dxp):
    """dxp (n, m th + 2, m tw + 2, C) = sum over tiles of B dV_t B^T placed at the tile's a x a patch."""
    n, hp, wp, c = dxp.shape
    a = bt.shape[0]
    rows = np.empty((a, a, c), dtype=dxp.dtype)
    for b in range(n):
        dxp[b] = 0
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                r0, s0 = m * ti, m * tj
                rows[:] = 0
                for x in range(a):                  # rows = B dV  (rows[r] = sum_x bt[x, r] dV[x])
                    for r in range(a):
                        coef = bt[x, r]
                        if coef != 0:
                            for y in range(a):
                                for ch in range(c):
                                    rows[r, y, ch] += coef * dv[t, x * a + y, ch]
                for r in range(a):                  # dd = rows B^T, added at the patch
                    for s in range(a):
                        out = dxp[b, r0 + r, s0 + s]
                        for y in range(a):
                            coef = bt[y, s]
                            if coef != 0:
                                for ch in range(c):
                                    out[ch] += coef * rows[r, y, ch]


# ----------------------------------------------------------------------------- engine
def winograd_chunks(batch, geom, channels, filters, itemsize, tr=ENGINE):
    """Cache-sized chunks of the batch (V and M of a chunk within :data:`CHUNK_BUDGET_BYTES`), and at
    least ``parallel.SPLIT_PARTS`` of them when the work is large enough (shapes only)."""
    th, tw = tile_grid(geom, tr)
    points = tr.a * tr.a
    per_sample = points * th * tw * (channels + filters) * itemsize
    step = int(max(1, min(batch, CHUNK_BUDGET_BYTES // max(per_sample, 1))))
    flops = 2.0 * points * batch * th * tw * channels * filters
    return chunk_bounds(batch, min(step, parallel.split_bounds(batch, flops)[0][1]))


def _by_point(arr):
    """The (a^2, tiles, channels) view of a tile-major (tiles, a^2, channels) array, for the products.

    The transforms work tile-major (each tile's points side by side in memory): written
    point-major, the output streams of the input transform sit a power of two apart and thrash
    the cache. BLAS reads the strided view at little extra cost."""
    return arr.transpose(1, 0, 2)


def _padded_scratch(x, geom, samples, worker, tr):
    """The worker's (samples, m th + 2, m tw + 2, C) buffer of padded images (or their gradient)."""
    th, tw = tile_grid(geom, tr)
    return shared_scratch("wino_xp", worker, (samples, tr.m * th + 2, tr.m * tw + 2, x.shape[3]), x.dtype)


def _transformed_input(x, geom, start, stop, worker, tr):
    """V of samples ``start:stop``, tile-major (tiles, a^2, C), in the worker's scratch."""
    th, tw = tile_grid(geom, tr)
    xp = pad_for_tiles(x[start:stop], geom, tr, out=_padded_scratch(x, geom, stop - start, worker, tr))
    v = shared_scratch("wino_v", worker, ((stop - start) * th * tw, tr.a * tr.a, x.shape[3]), x.dtype)
    _input_transform_kernel(xp, tr.bt.astype(x.dtype), tr.m, v)
    return v


def conv2d_winograd_forward(x, kernel, bias, relu, geom, tr=ENGINE):
    """As ``conv.conv2d_forward`` for a 3x3 stride-1 ``geom``: Z = conv(x, kernel) + bias (then
    max(Z, 0) if ``relu``). x (N, H, W, C) C-contiguous, kernel (3, 3, C, F) -> (N, out_h, out_w, F)."""
    n, _, _, c = x.shape
    f = kernel.shape[3]
    th, tw = tile_grid(geom, tr)
    points = tr.a * tr.a
    u = kernel_transform(kernel, tr).reshape(points, c, f)
    at = tr.at.astype(x.dtype)
    z = np.empty((n, geom.out_h, geom.out_w, f), dtype=x.dtype)

    def run(chunk, worker):
        start, stop = chunk
        v = _transformed_input(x, geom, start, stop, worker, tr)
        mt = shared_scratch("wino_m", worker, (v.shape[0], points, f), x.dtype)
        np.matmul(_by_point(v), u, out=_by_point(mt))
        _output_transform_kernel(mt, at, th, tw, z[start:stop])
        bias_act(z[start:stop].reshape(-1, f), bias, relu)

    map_chunks(run, winograd_chunks(n, geom, c, f, x.itemsize, tr))
    return z


def conv2d_winograd_backward(dy, y, relu, x, kernel, geom, input_grad=True, tr=ENGINE):
    """As ``conv.conv2d_backward`` for a 3x3 stride-1 ``geom``: ``(dkernel, dbias, dx or None)``
    by the formulas of the module docstring (dZ = dy * [y > 0] with ``relu``)."""
    n, h, w, c = x.shape
    f = kernel.shape[3]
    th, tw = tile_grid(geom, tr)
    points = tr.a * tr.a
    u_t = np.ascontiguousarray(kernel_transform(kernel, tr).reshape(points, c, f).transpose(0, 2, 1))  # U^T
    at, bt = tr.at.astype(x.dtype), tr.bt.astype(x.dtype)
    dy = np.ascontiguousarray(dy, dtype=x.dtype)
    dx = np.empty_like(x) if input_grad else None

    def run(chunk, worker):
        start, stop = chunk
        dy2d = dy[start:stop].reshape(-1, f)
        dz2d, db = relu_mask_bias_grad(dy2d, None if y is None else y[start:stop].reshape(-1, f), relu,
                                       dz=shared_scratch("dz", worker, dy2d.shape, x.dtype))
        tiles = (stop - start) * th * tw
        dm = shared_scratch("wino_m", worker, (tiles, points, f), x.dtype)
        _output_grad_transform_kernel(dz2d.reshape(stop - start, geom.out_h, geom.out_w, f), at, th, tw, dm)
        v = _transformed_input(x, geom, start, stop, worker, tr)
        du = np.matmul(_by_point(v).transpose(0, 2, 1), _by_point(dm),       # (a^2, C, F)
                       out=shared_scratch("wino_du", worker, (points, c, f), x.dtype))
        if input_grad:
            dv = v                                                           # V is no longer needed
            np.matmul(_by_point(dm), u_t, out=_by_point(dv))
            dxp = _padded_scratch(x, geom, stop - start, worker, tr)
            _input_grad_transform_kernel(dv, bt, tr.m, th, tw, dxp)
            dx[start:stop] = dxp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w]
        return du, db

    du, db = sum_chunks(run, winograd_chunks(n, geom, c, f, x.itemsize, tr))
    return kernel_grad_transform(du.reshape(tr.a, tr.a, c, f), tr), db, dx
