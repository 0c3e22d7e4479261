"""Fused elementwise kernels: one pass over memory where plain NumPy needs several.

* ``bias_act(z, bias, relu)``: in place ``z += bias`` then, if ``relu``, ``z = max(z, 0)``;
  z is (rows, F), bias (F,) or None.
* ``relu_mask_bias_grad(dy, y, relu, dz, db)``: ``dz = dy * [y > 0]`` (or ``dy`` when not relu)
  and ``db = sum of dz over rows`` (db may be None): ReLU backward and the bias gradient at once.
* ``dropout_apply(x, bits, rate)``: with ``u = (bits >> 8) / 2^24`` (uint32 random bits -> uniform
  on [0, 1) in steps of 2^-24, the grid of NumPy's float32 uniform), ``y = x * [u >= rate] / (1 - rate)``
  and the flags ``[u >= rate]`` (uint8); ``dropout_backward(dy, keep, rate)``: ``dx = dy * keep / (1 - rate)``.
* ``sgd_momentum_update`` / ``adam_update``: one in-place pass per parameter for the update
  formulas of ``minicnn.optimizers`` (NumPy needs 3-6 passes and temporaries).
* ``batchnorm_forward_train / batchnorm_backward_train``: per-channel statistics and normalization
  (see :mod:`minicnn.layers.normalization` for the formulas), rows split over the workers with
  per-piece float64 sums added in a fixed order; xhat is recomputed from x instead of stored.

Each has a NumPy ``*_reference`` beside it; tests check that they agree.
"""
import math

import numpy as np

from . import parallel
from .jit import kernel
from .parallel import map_chunks, split_bounds


# ----------------------------------------------------------------------------- references
def bias_act_reference(z, bias, relu):
    out = z if bias is None else z + bias
    return np.maximum(out, 0) if relu else out


def relu_mask_bias_grad_reference(dy, y, relu):
    dz = dy * (y > 0) if relu else dy.copy()
    return dz, dz.sum(axis=0)


def batchnorm_forward_train_reference(x2d, gamma, beta, epsilon):
    mean = x2d.mean(axis=0)
    var = ((x2d - mean) ** 2).mean(axis=0)
    inv_std = 1.0 / np.sqrt(var + epsilon)
    xhat = (x2d - mean) * inv_std
    return xhat * gamma + beta, xhat, mean, var, inv_std


def dropout_reference(x, bits, rate):
    u = (bits >> 8).astype(np.float64) / 2.0**24     # exact: 24-bit integers over a power of two
    keep = u >= rate
    return x * (keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - rate))), keep.astype(np.uint8)


def batchnorm_inference_reference(x2d, mean, inv_std, gamma, beta):
    return (x2d - mean) * inv_std * gamma + beta


def batchnorm_backward_train_reference(dy, xhat, gamma, inv_std):
    m = dy.shape[0]
    dbeta = dy.sum(axis=0)
    dgamma = (dy * xhat).sum(axis=0)
    dx = gamma * inv_std / m * (m * dy - dbeta - xhat * dgamma)
    return dx, dgamma, dbeta


def sgd_momentum_update_reference(param, grad, velocity, lr, momentum, nesterov):
    velocity *= momentum
    velocity -= lr * grad
    if nesterov:
        param += momentum * velocity - lr * grad
    else:
        param += velocity


def sgd_torch_update_reference(param, grad, velocity, lr, momentum, nesterov, weight_decay):
    """torch.optim.SGD: the velocity holds gradients; weight decay is added to the gradient."""
    g = grad + weight_decay * param
    velocity *= momentum
    velocity += g
    param -= lr * (g + momentum * velocity) if nesterov else lr * velocity


def adam_update_reference(param, grad, m, v, lr_t, one_minus_b1, one_minus_b2, epsilon):
    m += (grad - m) * one_minus_b1
    v += (grad * grad - v) * one_minus_b2
    param -= lr_t * m / (np.sqrt(v) + epsilon)


# ----------------------------------------------------------------------------- kernels
@kernel
def _sgd_momentum_kernel(param, grad, velocity, lr, momentum, nesterov):
    p, g, vel = param.reshape(-1), grad.reshape(-1), velocity.reshape(-1)
    for i in range(p.size):
        v = vel[i] * momentum - lr * g[i]
        vel[i] = v
        p[i] += momentum * v - lr * g[i] if nesterov else v


@kernel
def _sgd_torch_kernel(param, grad, velocity, lr, momentum, nesterov, weight_decay):
    p, g, vel = param.reshape(-1), grad.reshape(-1), velocity.reshape(-1)
    for i in range(p.size):
        gi = g[i] + weight_decay * p[i]
        v = vel[i] * momentum + gi
        vel[i] = v
        p[i] -= lr * (gi + momentum * v) if nesterov else lr * v


@kernel
def _adam_kernel(param, grad, m, v, lr_t, one_minus_b1, one_minus_b2, epsilon):
    p, g, mf, vf = param.reshape(-1), grad.reshape(-1), m.reshape(-1), v.reshape(-1)
    for i in range(p.size):
        gi = g[i]
        mi = mf[i] + (gi - mf[i]) * one_minus_b1
        vi = vf[i] + (gi * gi - vf[i]) * one_minus_b2
        mf[i] = mi
        vf[i] = vi
        p[i] -= lr_t * mi / (np.sqrt(vi) + epsilon)


def _elementwise(kernel_fn, arrays, *scalars):
    """``kernel_fn(*flat arrays, *scalars)`` over the flattened C-contiguous ``arrays``, in
    ``parallel.split_bounds`` pieces on the workers when large (elementwise: the same numbers)."""
    flat = [a.reshape(-1) for a in arrays]
    pieces = split_bounds(flat[0].size, flat[0].size, parallel.SPLIT_MIN_ELEMENTS)
    if len(pieces) == 1:
        kernel_fn(*flat, *scalars)
        return
    map_chunks(lambda p, worker: kernel_fn(*[a[p[0]:p[1]] for a in flat], *scalars), pieces)


def sgd_momentum_update(param, grad, velocity, lr, momentum, nesterov=False):
    """In place, as :func:`sgd_momentum_update_reference`; scalars are cast to the param's dtype."""
    t = param.dtype.type
    _elementwise(_sgd_momentum_kernel, (param, np.ascontiguousarray(grad), velocity), t(lr), t(momentum),
                 bool(nesterov))


def sgd_torch_update(param, grad, velocity, lr, momentum, nesterov, weight_decay):
    """In place, as :func:`sgd_torch_update_reference`; scalars are cast to the param's dtype."""
    t = param.dtype.type
    _sgd_torch_kernel(param, np.ascontiguousarray(grad), velocity, t(lr), t(momentum), bool(nesterov), t(weight_decay))


def adam_update(param, grad, m, v, lr_t, one_minus_b1, one_minus_b2, epsilon):
    """In place, as :func:`adam_update_reference`; scalars are cast to the param's dtype."""
    t = param.dtype.type
    _elementwise(_adam_kernel, (param, np.ascontiguousarray(grad), m, v), t(lr_t), t(one_minus_b1),
                 t(one_minus_b2), t(epsilon))


@kernel
def _bias_act_kernel(z, bias, has_bias, relu):
    rows, f = z.shape
    for r in range(rows):
        for j in range(f):
            v = z[r, j] + bias[j] if has_bias else z[r, j]
            if relu and v < 0:
                v = 0
            z[r, j] = v


@kernel
def _relu_mask_bias_grad_kernel(dy, y, relu, dz, db):
    rows, f = dy.shape
    acc = np.zeros(f, dtype=dy.dtype)  # a local accumulator: no aliasing, so the loop vectorizes
    zero = dy.dtype.type(0)
    for r in range(rows):
        for j in range(f):
            g = dy[r, j]
            if relu and not (y[r, j] > 0):
                g = zero
            dz[r, j] = g
            acc[j] += g
    db[:] = acc


@kernel
def _bn_sum_kernel(x, out):
    rows, c = x.shape
    acc = np.zeros(c, dtype=np.float64)  # local accumulators (no aliasing with x): the loops vectorize
    for r in range(rows):
        for j in range(c):
            acc[j] += x[r, j]
    out[:] = acc


@kernel
def _bn_sqdev_kernel(x, mean, out):
    rows, c = x.shape
    acc = np.zeros(c, dtype=np.float64)
    for r in range(rows):
        for j in range(c):
            d = x[r, j] - mean[j]
            acc[j] += d * d
    out[:] = acc


@kernel
def _bn_affine_kernel(x, mean, inv_std, gamma, beta, y):
    rows, c = x.shape
    for r in range(rows):
        for j in range(c):
            y[r, j] = (x[r, j] - mean[j]) * inv_std[j] * gamma[j] + beta[j]


@kernel
def _bn_backward_sums_kernel(dy, x, mean, inv_std, out_sb, out_sg):
    rows, c = dy.shape
    sb = np.zeros(c, dtype=np.float64)
    sg = np.zeros(c, dtype=np.float64)
    for r in range(rows):
        for j in range(c):
            g = dy[r, j]
            sb[j] += g
            sg[j] += g * ((x[r, j] - mean[j]) * inv_std[j])
    out_sb[:] = sb
    out_sg[:] = sg


@kernel
def _bn_backward_dx_kernel(dy, x, mean, inv_std, scale, mean_db, mean_dg, dx):
    rows, c = dy.shape
    for r in range(rows):
        for j in range(c):
            xhat = (x[r, j] - mean[j]) * inv_std[j]
            dx[r, j] = (dy[r, j] - mean_db[j] - xhat * mean_dg[j]) * scale[j]


@kernel
def _dropout_kernel(x, bits, threshold, scale, y, keep):
    flat_x = x.reshape(-1)
    flat_b = bits.reshape(-1)
    flat_y = y.reshape(-1)
    flat_k = keep.reshape(-1)
    for i in range(flat_x.size):
        if (flat_b[i] >> 8) >= threshold:
            flat_k[i] = 1
            flat_y[i] = flat_x[i] * scale
        else:
            flat_k[i] = 0
            flat_y[i] = 0


@kernel
def _dropout_backward_kernel(dy, keep, scale, dx):
    flat_dy = dy.reshape(-1)
    flat_k = keep.reshape(-1)
    flat_dx = dx.reshape(-1)
    for i in range(flat_dy.size):
        flat_dx[i] = flat_dy[i] * scale if flat_k[i] else 0


# ----------------------------------------------------------------------------- wrappers
def bias_act(z, bias, relu):
    """In place on the C-contiguous 2-D ``z``; returns ``z``."""
    _bias_act_kernel(z, z[0, :0] if bias is None else bias, bias is not None, relu)
    return z


def relu_mask_bias_grad(dy, y, relu, dz=None, db=None):
    """Returns ``(dz, db)``; ``dz``/``db`` may be preallocated (``dz`` may be ``dy`` itself)."""
    dy = np.ascontiguousarray(dy)
    dz = np.empty_like(dy) if dz is None else dz
    db = np.empty(dy.shape[1], dtype=dy.dtype) if db is None else db
    _relu_mask_bias_grad_kernel(dy, dy if y is None else y, relu, dz, db)
    return dz, db


def _row_pieces(x2d):
    """Fixed row ranges of a (rows, C) array for the workers (``parallel.split_bounds``)."""
    return split_bounds(x2d.shape[0], x2d.size, parallel.SPLIT_MIN_ELEMENTS)


def _column_sums(kernel_fn, pieces, arrays, *args, count=1):
    """``count`` float64 per-column sums, each piece's partial sums by ``kernel_fn`` on a worker, added
    in piece order (deterministic whatever the thread count)."""
    acc = np.zeros((count, len(pieces), arrays[0].shape[1]))

    def run(piece, worker):
        i, (start, stop) = piece
        kernel_fn(*[a[start:stop] for a in arrays], *args, *acc[:, i])

    map_chunks(run, list(enumerate(pieces)))
    return list(acc.sum(axis=1))


def _rows_map(kernel_fn, pieces, row_arrays, args, out):
    map_chunks(lambda p, w: kernel_fn(*[a[p[0]:p[1]] for a in row_arrays], *args, out[p[0]:p[1]]), pieces)
    return out


def batchnorm_forward_train(x2d, gamma, beta, epsilon):
    """Returns ``(y, mean, var, inv_std)`` for the C-contiguous (rows, C) ``x2d``: the statistics in
    two passes (mean, then the mean squared deviation; float64 sums), y in a third. xhat is not
    stored: :func:`batchnorm_backward_train` recomputes it from x. Rows split over the workers."""
    rows = x2d.shape[0]
    pieces = _row_pieces(x2d)
    mean = (_column_sums(_bn_sum_kernel, pieces, (x2d,))[0] / rows).astype(x2d.dtype)
    var = (_column_sums(_bn_sqdev_kernel, pieces, (x2d,), mean)[0] / rows).astype(x2d.dtype)
    inv_std = (1.0 / np.sqrt(var + epsilon)).astype(x2d.dtype)
    y = _rows_map(_bn_affine_kernel, pieces, (x2d,), (mean, inv_std, gamma, beta), np.empty_like(x2d))
    return y, mean, var, inv_std


def batchnorm_inference(x2d, mean, inv_std, gamma, beta):
    """``(x - mean) * inv_std * gamma + beta`` in one pass (the inference-mode forward)."""
    return _rows_map(_bn_affine_kernel, _row_pieces(x2d), (x2d,), (mean, inv_std, gamma, beta), np.empty_like(x2d))


def batchnorm_backward_train(dy, x2d, mean, gamma, inv_std):
    """Returns ``(dx, dgamma, dbeta)`` (formula in :func:`batchnorm_backward_train_reference`, with
    ``xhat = (x - mean) * inv_std`` recomputed on the fly). Rows split over the workers."""
    dy = np.ascontiguousarray(dy)
    rows = dy.shape[0]
    pieces = _row_pieces(dy)
    dbeta, dgamma = _column_sums(_bn_backward_sums_kernel, pieces, (dy, x2d), mean, inv_std, count=2)
    scale = (gamma * inv_std).astype(dy.dtype)
    means = ((dbeta / rows).astype(dy.dtype), (dgamma / rows).astype(dy.dtype))
    dx = _rows_map(_bn_backward_dx_kernel, pieces, (dy, x2d), (mean, inv_std, scale) + means, np.empty_like(dy))
    return dx, dgamma.astype(dy.dtype), dbeta.astype(dy.dtype)


def dropout_apply(x, bits, rate):
    """``(y, keep)`` with ``keep = (bits >> 8) / 2^24 >= rate`` (uint8) and ``y = x * keep / (1 - rate)``;
    ``bits``: uint32 random bits of x's shape. ``u >= rate`` is ``bits >> 8 >= ceil(rate 2^24)``."""
    x = np.ascontiguousarray(x)
    if bits.dtype != np.uint32 or bits.shape != x.shape:
        raise ValueError(f"dropout_apply expects uint32 bits of shape {x.shape}, got {bits.dtype} {bits.shape}")
    y = np.empty_like(x)
    keep = np.empty(x.shape, dtype=np.uint8)
    threshold = np.uint32(math.ceil(rate * 2.0**24))
    _dropout_kernel(x, np.ascontiguousarray(bits), threshold, x.dtype.type(1.0 / (1.0 - rate)), y, keep)
    return y, keep


def dropout_backward(dy, keep, rate):
    dy = np.ascontiguousarray(dy)
    dx = np.empty_like(dy)
    _dropout_backward_kernel(dy, keep, dy.dtype.type(1.0 / (1.0 - rate)), dx)
    return dx
