"""Gather, crop, flip and normalize a batch of uint8 images in one pass (airbench's augmentation).

For batch row b, with ``i = index[b]``, shifts ``(dy[b], dx[b])`` in ``0..2p`` and ``flip[b]``:

    out[b, y, x, c] = (padded[i, dy + y, dx + x', c] - mean[c]) * inv_std[c]
    x' = W - 1 - x if flip[b] else x

``padded``: (N, H + 2p, W + 2p, C) uint8, the reflect-padded set; ``out``: (B, H, W, C) float32.
Flipping the cropped window equals airbench's order (crop, then flip the whole batch).
:func:`crop_flip_normalize_reference` is the NumPy version.
"""
import numpy as np

from .jit import kernel


def crop_flip_normalize_reference(padded, index, dy, dx, flip, mean, inv_std, out_hw):
    h, w = out_hw
    rows = []
    for i, y0, x0, f in zip(index, dy, dx, flip):
        crop = padded[i, y0:y0 + h, x0:x0 + w].astype(np.float32)
        rows.append(crop[:, ::-1] if f else crop)
    return ((np.stack(rows) - mean) * inv_std).astype(np.float32)


@kernel
def _crop_flip_kernel(padded, index, dy, dx, flip, mean, inv_std, out):
    b_count, h, w, c_count = out.shape
    for b in range(b_count):
        i, y0, x0 = index[b], dy[b], dx[b]
        for y in range(h):
            for x in range(w):
                xs = x0 + (w - 1 - x if flip[b] else x)
                for c in range(c_count):
                    out[b, y, x, c] = (np.float32(padded[i, y0 + y, xs, c]) - mean[c]) * inv_std[c]


def crop_flip_normalize(padded, index, dy, dx, flip, mean, inv_std, out_hw, out=None):
    """As :func:`crop_flip_normalize_reference`, into ``out`` (float32, (B, H, W, C)) if given."""
    h, w = out_hw
    if out is None:
        out = np.empty((len(index), h, w, padded.shape[3]), dtype=np.float32)
    _crop_flip_kernel(padded, np.ascontiguousarray(index, dtype=np.int64), np.ascontiguousarray(dy, dtype=np.int64),
                      np.ascontiguousarray(dx, dtype=np.int64), np.ascontiguousarray(flip, dtype=np.bool_),
                      np.asarray(mean, dtype=np.float32), np.asarray(inv_std, dtype=np.float32), out)
    return out
