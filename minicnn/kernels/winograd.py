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
axis innermost (so they vectorize); for F(4x4, 3x3) the matrices are written into the kernels,
and the generic kernels are their reference. The chunks depend on the shapes only and the per-chunk kernel
gradients are added in a fixed order (``parallel.sum_chunks``), so results are deterministic.
"""
import numpy as np
from numba import njit

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

#: Upper bound on one chunk's transformed input and output (V and M, bytes), so that both workers'
#: chunks stay in the last-level cache: on the 2-core AMD EPYC (Zen 2, 16 MB L3) VM, 4 MB chunks
#: ran the 24- to 64-channel layers of the speedrun 1.2-1.4x faster than 16 MB ones.
CHUNK_BUDGET_BYTES = 4 * 2**20
#: ... but at least this many tiles per chunk (the rows of the a^2 products): with 256 channels a
#: 4 MB chunk holds 56 tiles of 7x7 images, and its products ran 1.3x slower than at 192 tiles.
CHUNK_MIN_TILES = 192


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


# ----------------------------------------------------------------------------- F(4x4, 3x3) written out
# The same four transforms for :data:`F4` with the matrices' entries written into the code and their
# common terms shared (B^T d in 14 operations instead of 22 multiply-adds): each value is loaded
# once and stored once per pass, where the generic kernels above add into ``rows`` once per
# non-zero entry. The constants are float32, so float32 data stays float32 (a float64 literal
# would promote every product). The generic kernels are their reference
# (tests/kernels/test_winograd.py).

@njit(inline="always", cache=True, error_model="numpy")
def _bt_f4(d0, d1, d2, d3, d4, d5):
    """B^T d for F4.bt = [[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]]."""
    two, four, five = np.float32(2), np.float32(4), np.float32(5)
    p, q = d4 - four * d2, d3 - four * d1
    s, u = d4 - d2, two * (d3 - d1)
    return four * d0 - five * d2 + d4, p + q, p - q, s + u, s - u, four * d1 - five * d3 + d5


@njit(inline="always", cache=True, error_model="numpy")
def _b_f4(v0, v1, v2, v3, v4, v5):
    """B v = (F4.bt)^T v: the columns of B^T, (4 v0, -4 v1 + 4 v2 - 2 v3 + 2 v4 + 4 v5, ...)."""
    two, four, five = np.float32(2), np.float32(4), np.float32(5)
    s12, d12, s34, d34 = v1 + v2, v1 - v2, v3 + v4, v3 - v4
    return (four * v0, four * (v5 - d12) - two * d34, -five * v0 - four * s12 - s34,
            d12 + two * d34 - five * v5, v0 + s12 + s34, v5)


@njit(inline="always", cache=True, error_model="numpy")
def _at_f4(m0, m1, m2, m3, m4, m5):
    """A^T m for F4.at = [[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0], [0, 1, -1, 8, -8, 1]]."""
    two, four, eight = np.float32(2), np.float32(4), np.float32(8)
    s12, d12, s34, d34 = m1 + m2, m1 - m2, m3 + m4, m3 - m4
    return m0 + s12 + s34, d12 + two * d34, s12 + four * s34, d12 + eight * d34 + m5


@njit(inline="always", cache=True, error_model="numpy")
def _a_f4(y0, y1, y2, y3):
    """A y = (F4.at)^T y: (y0, y0 + y1 + y2 + y3, y0 - y1 + y2 - y3, y0 + 2 y1 + 4 y2 + 8 y3,
    y0 - 2 y1 + 4 y2 - 8 y3, y3)."""
    two, four, eight = np.float32(2), np.float32(4), np.float32(8)
    even, odd = y0 + y2, y1 + y3
    even4, odd4 = y0 + four * y2, two * y1 + eight * y3
    return y0, even + odd, even - odd, even4 + odd4, even4 - odd4, y3


# The output transform's second pass and the input-gradient transform's second pass are one call
# per row of the 4 x 4 (or 6 x 6) tile to an inlined helper, written out, not a ``for`` loop over
# the rows (the output-gradient transform still has its loops, not rewritten). LLVM left those loops
# rolled, and its vectorized channel loop then ran 2-3x slower (AMD Zen 5; the same numbers bit for
# bit). The input-gradient transform builds each tile's 6 x 6 in a local buffer and adds it to dx
# in runs of 6 C contiguous values, instead of six read-modify-write streams per channel (1.3-1.9x).
# Loops over C alone are short when C is small (16, 32), so every first pass runs over longer
# contiguous runs, through views indexed from 0: the input transform's over a whole row of tiles
# (the padded row's wp C values; overlapping columns once), the output transform's and the
# input-gradient transform's over the 6 C values of a row of M_t or dV_t, the output-gradient
# transform's over the tile's 4 F values of an image row. Per value, one thread, 224 to 896 tiles,
# AMD Zen 5, interleaved runs, the same numbers bit for bit: input 0.45 -> 0.22 ns at 16 channels,
# 0.26 -> 0.16 at 32, 0.19 -> 0.15 at 64; output 0.26-0.34 -> 0.13-0.14 at 16, 0.18 -> 0.11-0.12 at
# 32; output gradient 0.14-0.16 -> 0.11-0.12 at 32; input gradient 0.39-0.44 -> 0.37-0.40 at 32; all
# about level from 128 channels. A row-wide first pass for the output-gradient transform measured no
# faster than this (slower from 64 channels), and for the input gradient the adjoint of the input
# transform's form (per tile, then row-wide) was slower.

@kernel
def _input_transform_f4_kernel(xp, v):
    """:func:`_input_transform_kernel` for F4: v[t, 6 x + y, c] = (B^T d_t B)[x, y].

    B^T d runs over a whole row of tiles at once: rows[x] = sum_r bt[x, r] xp[b, 4 ti + r] over the
    padded row's (wp C) contiguous values, one long loop, and each column shared by two neighbouring
    tiles is transformed once. Then each tile's 6 columns of ``rows`` give its V = rows B."""
    n, hp, wp, c = xp.shape
    th, tw = (hp - 2) // 4, (wp - 2) // 4
    rows = np.empty((6, wp * c), dtype=v.dtype)
    q0, q1, q2, q3, q4, q5 = rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]
    for b in range(n):
        for ti in range(th):
            r0 = 4 * ti
            x0, x1, x2 = xp[b, r0].reshape(-1), xp[b, r0 + 1].reshape(-1), xp[b, r0 + 2].reshape(-1)
            x3, x4, x5 = xp[b, r0 + 3].reshape(-1), xp[b, r0 + 4].reshape(-1), xp[b, r0 + 5].reshape(-1)
            for e in range(wp * c):                 # rows = B^T d for the row of tiles
                q0[e], q1[e], q2[e], q3[e], q4[e], q5[e] = _bt_f4(x0[e], x1[e], x2[e], x3[e], x4[e], x5[e])
            for tj in range(tw):                    # V = rows B, tile by tile, row x by row x
                vt = v[(b * th + ti) * tw + tj]
                base = 4 * tj * c
                for x in range(6):
                    q = rows[x]
                    p0, p1, p2 = q[base:base + c], q[base + c:base + 2 * c], q[base + 2 * c:base + 3 * c]
                    p3, p4, p5 = q[base + 3 * c:base + 4 * c], q[base + 4 * c:base + 5 * c], q[base + 5 * c:base + 6 * c]
                    o0, o1, o2 = vt[6 * x], vt[6 * x + 1], vt[6 * x + 2]
                    o3, o4, o5 = vt[6 * x + 3], vt[6 * x + 4], vt[6 * x + 5]
                    for ch in range(c):
                        o0[ch], o1[ch], o2[ch], o3[ch], o4[ch], o5[ch] = _bt_f4(p0[ch], p1[ch], p2[ch],
                                                                                p3[ch], p4[ch], p5[ch])


@njit(inline="always", cache=True, error_model="numpy")
def _at_row(rows, i, y, b, r, s0, f):
    """``y[b, r, s0:s0 + 4] = rows[i] A``: row i of the tile's second pass."""
    for ch in range(f):
        e0, e1, e2, e3 = _at_f4(rows[i, 0, ch], rows[i, 1, ch], rows[i, 2, ch],
                                rows[i, 3, ch], rows[i, 4, ch], rows[i, 5, ch])
        y[b, r, s0, ch], y[b, r, s0 + 1, ch], y[b, r, s0 + 2, ch], y[b, r, s0 + 3, ch] = e0, e1, e2, e3


@kernel
def _output_transform_f4_kernel(mt, th, tw, y):
    """:func:`_output_transform_kernel` for F4: y[b, 4 ti + i, 4 tj + j] = (A^T M_t A)[i, j] inside y."""
    n, out_h, out_w, f = y.shape
    rows = np.empty((4, 6, f), dtype=y.dtype)
    g0, g1, g2, g3 = rows[0].reshape(-1), rows[1].reshape(-1), rows[2].reshape(-1), rows[3].reshape(-1)
    edge = np.empty((1, 4, 4, f), dtype=y.dtype)   # a tile over the output's edge goes through this
    for b in range(n):
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                m = mt[t].reshape(-1)               # rows = A^T M: one loop over the 6 F values of a row
                m0, m1, m2 = m[0:6 * f], m[6 * f:12 * f], m[12 * f:18 * f]
                m3, m4, m5 = m[18 * f:24 * f], m[24 * f:30 * f], m[30 * f:36 * f]
                for e in range(6 * f):
                    g0[e], g1[e], g2[e], g3[e] = _at_f4(m0[e], m1[e], m2[e], m3[e], m4[e], m5[e])
                r0, s0 = 4 * ti, 4 * tj
                hi, wj = min(4, out_h - r0), min(4, out_w - s0)
                if hi == 4 and wj == 4:             # y = rows A, row by row
                    _at_row(rows, 0, y, b, r0, s0, f)
                    _at_row(rows, 1, y, b, r0 + 1, s0, f)
                    _at_row(rows, 2, y, b, r0 + 2, s0, f)
                    _at_row(rows, 3, y, b, r0 + 3, s0, f)
                else:                               # ... inside the output only
                    _at_row(rows, 0, edge, 0, 0, 0, f)
                    _at_row(rows, 1, edge, 0, 1, 0, f)
                    _at_row(rows, 2, edge, 0, 2, 0, f)
                    _at_row(rows, 3, edge, 0, 3, 0, f)
                    for i in range(hi):
                        for j in range(wj):
                            y[b, r0 + i, s0 + j] = edge[0, i, j]


@kernel
def _output_grad_transform_f4_kernel(dzp, dm):
    """:func:`_output_grad_transform_kernel` for F4 from the output gradient zero-padded to whole
    tiles, dzp (n, 4 th, 4 tw, F): dm[t, 6 x + y, f] = (A dY_t A^T)[x, y]."""
    n, hp, wp, f = dzp.shape
    th, tw = hp // 4, wp // 4
    rows = np.empty((6, 4, f), dtype=dm.dtype)
    g0, g1, g2 = rows[0].reshape(-1), rows[1].reshape(-1), rows[2].reshape(-1)
    g3, g4, g5 = rows[3].reshape(-1), rows[4].reshape(-1), rows[5].reshape(-1)
    for b in range(n):
        for ti in range(th):
            r0 = 4 * ti
            y0, y1 = dzp[b, r0].reshape(-1), dzp[b, r0 + 1].reshape(-1)
            y2, y3 = dzp[b, r0 + 2].reshape(-1), dzp[b, r0 + 3].reshape(-1)
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                lo, hi = 4 * tj * f, 4 * (tj + 1) * f   # rows = A dY: one loop over the tile's 4 F values of a row
                d0, d1, d2, d3 = y0[lo:hi], y1[lo:hi], y2[lo:hi], y3[lo:hi]
                for e in range(4 * f):
                    g0[e], g1[e], g2[e], g3[e], g4[e], g5[e] = _a_f4(d0[e], d1[e], d2[e], d3[e])
                for x in range(6):                  # dM = rows A^T, row by row
                    for ch in range(f):
                        e0, e1, e2, e3, e4, e5 = _a_f4(rows[x, 0, ch], rows[x, 1, ch], rows[x, 2, ch], rows[x, 3, ch])
                        dm[t, 6 * x, ch], dm[t, 6 * x + 1, ch], dm[t, 6 * x + 2, ch] = e0, e1, e2
                        dm[t, 6 * x + 3, ch], dm[t, 6 * x + 4, ch], dm[t, 6 * x + 5, ch] = e3, e4, e5


@njit(inline="always", cache=True, error_model="numpy")
def _b_row(rows, r, dd, c):
    """``dd[r] = rows[r] B^T``: row r of the tile's second pass."""
    for ch in range(c):
        e0, e1, e2, e3, e4, e5 = _b_f4(rows[r, 0, ch], rows[r, 1, ch], rows[r, 2, ch],
                                       rows[r, 3, ch], rows[r, 4, ch], rows[r, 5, ch])
        dd[r, 0, ch], dd[r, 1, ch], dd[r, 2, ch] = e0, e1, e2
        dd[r, 3, ch], dd[r, 4, ch], dd[r, 5, ch] = e3, e4, e5


@kernel
def _input_grad_transform_f4_kernel(dv, th, tw, dxp):
    """:func:`_input_grad_transform_kernel` for F4: dxp = sum over tiles of B dV_t B^T at the patches."""
    n, hp, wp, c = dxp.shape
    rows = np.empty((6, 6, c), dtype=dxp.dtype)
    g0, g1, g2 = rows[0].reshape(-1), rows[1].reshape(-1), rows[2].reshape(-1)
    g3, g4, g5 = rows[3].reshape(-1), rows[4].reshape(-1), rows[5].reshape(-1)
    dd = np.empty((6, 6, c), dtype=dxp.dtype)      # one tile's B dV_t B^T
    for b in range(n):
        dxp[b] = 0
        for ti in range(th):
            for tj in range(tw):
                t = (b * th + ti) * tw + tj
                r0, s0 = 4 * ti, 4 * tj
                d = dv[t].reshape(-1)               # rows = B dV: one loop over the 6 C values of a row
                d0, d1, d2 = d[0:6 * c], d[6 * c:12 * c], d[12 * c:18 * c]
                d3, d4, d5 = d[18 * c:24 * c], d[24 * c:30 * c], d[30 * c:36 * c]
                for e in range(6 * c):
                    g0[e], g1[e], g2[e], g3[e], g4[e], g5[e] = _b_f4(d0[e], d1[e], d2[e], d3[e], d4[e], d5[e])
                _b_row(rows, 0, dd, c)              # dd = rows B^T, row by row
                _b_row(rows, 1, dd, c)
                _b_row(rows, 2, dd, c)
                _b_row(rows, 3, dd, c)
                _b_row(rows, 4, dd, c)
                _b_row(rows, 5, dd, c)
                for r in range(6):                  # added at the patch, one row of 6 C values at a time
                    patch = dxp[b, r0 + r, s0:s0 + 6].reshape(-1)
                    tile = dd[r].reshape(-1)
                    for e in range(6 * c):
                        patch[e] += tile[e]


def input_transform(xp, tr, v):
    """v (tiles, a^2, C) = B^T d_t B for every a x a patch of xp: the written-out kernel for F4."""
    if tr is F4:
        _input_transform_f4_kernel(xp, v)
    else:
        _input_transform_kernel(xp, tr.bt.astype(xp.dtype), tr.m, v)


def output_transform(mt, tr, th, tw, y):
    """y = A^T M_t A for every tile, inside y (n, out_h, out_w, F)."""
    if tr is F4:
        _output_transform_f4_kernel(mt, th, tw, y)
    else:
        _output_transform_kernel(mt, tr.at.astype(y.dtype), th, tw, y)


def output_grad_transform(dz, tr, th, tw, dm, worker):
    """dm (tiles, a^2, F) = A dY_t A^T of the output gradient dz (n, out_h, out_w, F)."""
    if tr is F4:
        n, out_h, out_w, f = dz.shape
        if (out_h, out_w) == (4 * th, 4 * tw) and dz.flags.c_contiguous:
            dzp = dz                                # whole tiles already: no padded copy
        else:
            dzp = shared_scratch("wino_dzp", worker, (n, 4 * th, 4 * tw, f), dz.dtype)
            dzp[:, out_h:] = 0
            dzp[:, :out_h, out_w:] = 0
            dzp[:, :out_h, :out_w] = dz
        _output_grad_transform_f4_kernel(dzp, dm)
    else:
        _output_grad_transform_kernel(dz, tr.at.astype(dz.dtype), th, tw, dm)


def input_grad_transform(dv, tr, th, tw, dxp):
    """dxp = sum over tiles of B dV_t B^T at each tile's patch (dxp zeroed first)."""
    if tr is F4:
        _input_grad_transform_f4_kernel(dv, th, tw, dxp)
    else:
        _input_grad_transform_kernel(dv, tr.bt.astype(dxp.dtype), tr.m, th, tw, dxp)


# ----------------------------------------------------------------------------- engine
def winograd_chunks(batch, geom, channels, filters, itemsize, tr=ENGINE):
    """Cache-sized chunks of the batch (V and M of a chunk within :data:`CHUNK_BUDGET_BYTES`, unless
    that leaves fewer than :data:`CHUNK_MIN_TILES` tiles), and at least ``parallel.SPLIT_PARTS`` of
    them when the work is large enough (shapes only)."""
    th, tw = tile_grid(geom, tr)
    points = tr.a * tr.a
    per_sample = points * th * tw * (channels + filters) * itemsize
    step = max(CHUNK_BUDGET_BYTES // max(per_sample, 1), -(-CHUNK_MIN_TILES // (th * tw)))
    step = int(max(1, min(batch, step)))
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
    input_transform(xp, tr, v)
    return v


def conv2d_winograd_forward(x, kernel, bias, relu, geom, tr=ENGINE):
    """As ``conv.conv2d_forward`` for a 3x3 stride-1 ``geom``: Z = conv(x, kernel) + bias (then
    max(Z, 0) if ``relu``). x (N, H, W, C) C-contiguous, kernel (3, 3, C, F) -> (N, out_h, out_w, F)."""
    n, _, _, c = x.shape
    f = kernel.shape[3]
    th, tw = tile_grid(geom, tr)
    points = tr.a * tr.a
    u = kernel_transform(kernel, tr).reshape(points, c, f)
    z = np.empty((n, geom.out_h, geom.out_w, f), dtype=x.dtype)

    def run(chunk, worker):
        start, stop = chunk
        v = _transformed_input(x, geom, start, stop, worker, tr)
        mt = shared_scratch("wino_m", worker, (v.shape[0], points, f), x.dtype)
        np.matmul(_by_point(v), u, out=_by_point(mt))
        output_transform(mt, tr, th, tw, z[start:stop])
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
    dy = np.ascontiguousarray(dy, dtype=x.dtype)
    dx = np.empty_like(x) if input_grad else None

    def run(chunk, worker):
        start, stop = chunk
        dy2d = dy[start:stop].reshape(-1, f)
        dz2d, db = relu_mask_bias_grad(dy2d, None if y is None else y[start:stop].reshape(-1, f), relu,
                                       dz=shared_scratch("dz", worker, dy2d.shape, x.dtype))
        tiles = (stop - start) * th * tw
        dm = shared_scratch("wino_m", worker, (tiles, points, f), x.dtype)
        output_grad_transform(dz2d.reshape(stop - start, geom.out_h, geom.out_w, f), tr, th, tw, dm, worker)
        v = _transformed_input(x, geom, start, stop, worker, tr)
        du = np.matmul(_by_point(v).transpose(0, 2, 1), _by_point(dm),       # (a^2, C, F)
                       out=shared_scratch("wino_du", worker, (points, c, f), x.dtype))
        if input_grad:
            dv = v                                                           # V is no longer needed
            np.matmul(_by_point(dm), u_t, out=_by_point(dv))
            dxp = _padded_scratch(x, geom, stop - start, worker, tr)
            input_grad_transform(dv, tr, th, tw, dxp)
            dx[start:stop] = dxp[:, geom.pad_top:geom.pad_top + h, geom.pad_left:geom.pad_left + w]
        return du, db

    du, db = sum_chunks(run, winograd_chunks(n, geom, c, f, x.itemsize, tr))
    return kernel_grad_transform(du.reshape(tr.a, tr.a, c, f), tr), db, dx
