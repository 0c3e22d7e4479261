"""A diagnosis in words from the pattern of the errors of a failed tensor.

Tried in order; every pattern that fits is reported:

* all-zero analytic gradient where the numeric one is not: the gradient is never written;
* ``analytic = c x numeric`` everywhere (least-squares fit leaves < 1e-3 unexplained):
  ``c = -1`` is a flipped sign, another ``c`` a missing or extra factor (``1/c`` named);
* ``analytic = numeric`` with its axes permuted or its spatial axes flipped (only when every
  coordinate was checked): a transposed gradient or a kernel rotated by 180 degrees;
* on an image tensor ``(N, H, W, C)`` or a kernel, errors only within a few pixels of the
  border while the interior is right: the padding in the backward pass;
* zero analytic values at part of the coordinates: part of the gradient is never written.
"""
import itertools

import numpy as np

from .core import STRADDLE

FIT = 1e-3


def _fraction(c):
    """``c`` as a short expression: 0.5 -> '1/2', 2 -> '2', 0.0123 -> '0.0123'."""
    for k in range(2, 1025):
        if abs(1 / c - k) < 1e-3 * k:
            return f"1/{k}"
    if abs(c - round(c)) < 1e-3 * abs(c):
        return f"{round(c)}"
    return f"{c:.4g}"


def ratio_diagnosis(a, n, what="everywhere"):
    """The constant-ratio / flipped-sign / never-written diagnosis of ``a`` against ``n``, or None."""
    na, nn = np.linalg.norm(a), np.linalg.norm(n)
    if nn == 0:
        return None if na == 0 else ("the numeric gradient is zero (the output does not depend on this tensor) "
                                     "but the backward pass writes a nonzero gradient")
    if na <= 1e-12 * nn:
        return ("the analytic gradient is zero " + what + " but the numeric one is not "
                f"(max |numeric| {np.abs(n).max():.2e}): the gradient is never written")
    c = float(a @ n / (n @ n))
    if np.linalg.norm(a - c * n) > FIT * na or abs(c - 1) < FIT:  # no constant ratio, or ratio 1: not the pattern
        return None
    if abs(c + 1) < FIT:
        return f"analytic = -1 x numeric {what}: a flipped sign"
    sign = "a flipped sign and " if c < 0 else ""
    c_abs = abs(c)
    factor = (f"a missing factor of {_fraction(1 / c_abs)}?" if c_abs < 1
              else f"an extra factor of {_fraction(c_abs)} (a missing {_fraction(1 / c_abs)})?")
    return f"analytic = {c:.4g} x numeric {what}: {sign}{factor}"


def _permutation_diagnosis(check, a_full, n_full):
    shape = check.shape
    base = np.linalg.norm(a_full - n_full)
    na = np.linalg.norm(a_full)
    candidates = []
    for perm in itertools.permutations(range(len(shape))):
        if perm == tuple(range(len(shape))):
            continue
        moved = n_full.transpose(perm)
        if moved.shape == shape:
            candidates.append((moved, f"numeric transposed (axes {perm}): a transposed gradient"))
        candidates.append((np.ascontiguousarray(moved).reshape(shape),
                           f"numeric transposed (axes {perm}) then reshaped to {shape}: the gradient was computed "
                           "in the transposed layout and reshaped instead of transposed"))
    if len(shape) == 4:  # a conv kernel (kh, kw, C, F)
        candidates.append((n_full[::-1, ::-1], "numeric with the kernel rotated by 180 degrees: convolution "
                                               "where the forward pass computes a correlation (or back)"))
    for cand, text in candidates:
        if np.linalg.norm(a_full - cand) <= FIT * na and base > FIT * na:
            return f"analytic = {text}"
    return None


def _border_diagnosis(check, bad, judged):
    shape = check.shape
    if len(shape) not in (3, 4) or check.mode != "coordinates":
        return None
    # image tensors (N, H, W, C) have spatial axes 1, 2; kernels (kh, kw, C, F) axes 0, 1
    axes = (1, 2) if check.name.split("/")[-1] != "kernel" and len(shape) == 4 else (0, 1)
    idx = np.unravel_index(check.coords, shape)
    hh, ww = shape[axes[0]], shape[axes[1]]
    dist = np.minimum.reduce([idx[axes[0]], hh - 1 - idx[axes[0]], idx[axes[1]], ww - 1 - idx[axes[1]]])
    if not bad.any():
        return None
    width = int(dist[bad].max()) + 1
    interior = judged & (dist >= width)
    if width > max(1, min(hh, ww) // 4) or not interior.any() or bad[interior].any():
        return None
    ring = f"the outer {width} pixel{'s' if width > 1 else ''} of each {hh}x{ww} image"
    return (f"errors only at the image border ({int(bad.sum())} wrong coordinates, all in {ring}; "
            f"{int(interior.sum())} interior coordinates right): the padding in the backward pass?")


def diagnose(check):
    """Sentences that say what kind of bug the errors of ``check`` (a failed TensorCheck) point to."""
    judged = check.kind != STRADDLE
    a, n = check.analytic[judged], check.numeric[judged]
    found = []
    what = "everywhere" if check.mode == "coordinates" else "in every random direction"
    ratio = ratio_diagnosis(a, n, what)
    if ratio:
        found.append(ratio)
    full = check.mode == "coordinates" and judged.all() and len(check.coords) == int(np.prod(check.shape))
    if not ratio and full and len(check.shape) >= 2:
        order = np.argsort(check.coords)
        perm = _permutation_diagnosis(check, a[order].reshape(check.shape), n[order].reshape(check.shape))
        if perm:
            found.append(perm)
    bad = judged & (check.rel > check.tolerance)
    if not found:
        border = _border_diagnosis(check, bad, judged)
        if border:
            found.append(border)
    if not found:
        zero = bad & (check.analytic == 0)
        if zero.any():
            found.append(f"the analytic gradient is exactly zero at {int(zero.sum())} of {int(bad.sum())} wrong "
                         "coordinates: part of the gradient is never written")
        if not ratio and bad.any():
            sub = ratio_diagnosis(check.analytic[bad], check.numeric[bad], "at the wrong coordinates")
            if sub:
                found.append(sub + f" ({int(bad.sum())} of {int(judged.sum())} coordinates wrong)")
    if not found:
        corr = float(np.corrcoef(a, n)[0, 1]) if len(a) > 1 and np.std(a) > 0 and np.std(n) > 0 else float("nan")
        found.append(f"no simple pattern: {int(bad.sum())} of {int(judged.sum())} coordinates wrong, correlation "
                     f"of analytic and numeric {corr:.3f}" + ("" if full else "; check every coordinate "
                                                             "(max_coords=None) to test for a transposed gradient"))
    return found
