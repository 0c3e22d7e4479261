"""Hand-made image filters (sharpen, blur, edge detection) on the engine's own convolution.

Every filter is a small kernel applied by :func:`convolve2d`, which calls
:func:`minicnn.kernels.conv.conv2d` (the convolution the CNN layers use) on an edge-replicated copy
of the image, so the output has the input's height and width and borders behave as if the image
continued with its outermost pixels (a constant image stays constant, no dark frame appears).

Convention: **true convolution**, as in image processing (``scipy.ndimage.convolve``, textbooks):
the kernel is flipped before the sliding dot product,

    out[i, j, c] = sum_{u, v} k[u, v] * img_pad[i + (kh-1) - u, j + (kw-1) - v, c]
                 = sum_{u, v} k[u, v] * img[i - (u - kh//2), j - (v - kw//2), c]   (edges replicated)

whereas CNN layers compute the cross-correlation (no flip). Symmetric kernels (blur, sharpen) give
the same result either way; for the antisymmetric Sobel kernels the flip decides the sign, and the
kernels below are written so that, *after* the flip,

* ``gx > 0`` where the intensity increases to the right (with the column index ``j``),
* ``gy > 0`` where the intensity increases downwards (with the row index ``i``),

and the gradient direction ``arctan2(gy, gx)`` is measured from the +column axis towards the
+row axis (clockwise on screen), in radians in (-pi, pi].

Images: ``(H, W)`` or ``(H, W, C)``, uint8 or any real dtype, finite. Outputs are float32 in the
input's units (a uint8 image gives values on the 0..255 scale, *not clipped*: sharpening
overshoots below 0 and above 255; clip for display). Edge detectors (:func:`sobel`,
:func:`canny`) work on one channel: a 3-channel image is first turned into luma
``0.299 R + 0.587 G + 0.114 B`` (ITU-R 601-2, as Pillow's "L" mode).
"""
import math

import numpy as np

from .kernels.conv import conv2d

__all__ = ["convolve2d", "sharpen", "box_blur", "gaussian_kernel", "gaussian_blur", "sobel", "canny",
           "to_grayscale", "SOBEL_X", "SOBEL_Y", "sharpen_kernel"]

#: Sobel kernels in the convolution convention (flipped when applied): see the module docstring.
SOBEL_X = np.array([[1, 0, -1],
                    [2, 0, -2],
                    [1, 0, -1]], dtype=np.float32)
SOBEL_Y = SOBEL_X.T.copy()

LUMA_WEIGHTS = np.array([0.299, 0.587, 0.114])


# ------------------------------------------------------------------ validation

def _check_image(image, name="image"):
    """Validated float64 view of ``image`` as (H, W, C), and whether it was 2-D."""
    a = np.asarray(image)
    if a.ndim not in (2, 3):
        raise ValueError(f"{name}: expected an image of shape (H, W) or (H, W, C), received shape {a.shape}")
    if a.dtype.kind not in "uif":
        raise ValueError(f"{name}: expected a uint8 or real-valued image, received dtype {a.dtype}")
    if 0 in a.shape:
        raise ValueError(f"{name}: expected a non-empty image, received shape {a.shape}")
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        raise ValueError(f"{name}: expected finite pixel values, received {a[bad]} at index {bad}")
    return (a[:, :, None], True) if a.ndim == 2 else (a, False)


def _check_kernel(kernel):
    k = np.asarray(kernel)
    if k.ndim != 2 or 0 in k.shape or k.dtype.kind not in "uif":
        raise ValueError(f"kernel: expected a real 2-D array (kh, kw), received shape {k.shape}, dtype {k.dtype}")
    if k.shape[0] % 2 == 0 or k.shape[1] % 2 == 0:
        raise ValueError(f"kernel: expected odd height and width (so the output is centered), "
                         f"received shape {k.shape}")
    k = k.astype(np.float64)
    if not np.isfinite(k).all():
        raise ValueError("kernel: expected finite values, received NaN or inf")
    return k


def _check_odd_size(size, name):
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1 or size % 2 == 0:
        raise ValueError(f"{name}: expected a positive odd integer, received {size!r}")
    return int(size)


def _check_positive(value, name, allow_zero=False):
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = "a finite number >= 0" if allow_zero else "a finite number > 0"
        raise ValueError(f"{name}: expected {bound}, received {value!r}")
    return float(value)


# ------------------------------------------------------------------ convolution

def _convolve(img, kernel):
    """True convolution of validated (H, W, C) float64 ``img`` with validated odd ``kernel``: (H, W, C) float64."""
    kh, kw = kernel.shape
    padded = np.pad(img, ((kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)), mode="edge")
    # Channels become the batch axis of conv2d, each convolved with the same one-channel kernel.
    batch = np.ascontiguousarray(padded.transpose(2, 0, 1)[..., None])          # (C, H+kh-1, W+kw-1, 1)
    flipped = np.ascontiguousarray(kernel[::-1, ::-1])[:, :, None, None]        # (kh, kw, 1, 1)
    out = conv2d(batch, flipped, padding="valid")                                # (C, H, W, 1)
    return out[..., 0].transpose(1, 2, 0)


def convolve2d(image, kernel):
    """Convolve each channel of ``image`` with the 2-D ``kernel`` (true convolution, flipped kernel),
    'same' output size, edge-replicated borders (module docstring).

    Args:
        image: (H, W) or (H, W, C), uint8 or real, finite.
        kernel: (kh, kw) with kh and kw odd.
    Returns:
        float32 array of the image's shape.
    """
    return _apply(image, _check_kernel(kernel))


def _apply(image, kernel):
    """convolve2d for an already validated kernel (same shapes and dtype rules)."""
    img, was_2d = _check_image(image)
    out = _convolve(img, kernel)
    return (out[:, :, 0] if was_2d else out).astype(np.float32)


# ------------------------------------------------------------------ smoothing and sharpening

def sharpen_kernel(amount=1.0):
    """3x3 sharpening kernel ``identity + amount * (identity - 4-neighbour mean) * 4``:

        [[0, -a, 0], [-a, 1 + 4a, -a], [0, -a, 0]]

    ``amount=1`` is the classic ``[[0,-1,0],[-1,5,-1],[0,-1,0]]``. The weights sum to 1, so flat
    regions are unchanged and only local differences are amplified."""
    a = _check_positive(amount, "amount", allow_zero=True)
    return np.array([[0.0, -a, 0.0], [-a, 1.0 + 4.0 * a, -a], [0.0, -a, 0.0]])


def sharpen(image, amount=1.0):
    """Sharpen each channel with :func:`sharpen_kernel` ``(amount)``; float32, same shape, not clipped."""
    return _apply(image, sharpen_kernel(amount))


def box_blur(image, size=3):
    """Mean over a ``size`` x ``size`` window (``size`` odd) of each channel; float32, same shape."""
    size = _check_odd_size(size, "size")
    return _apply(image, np.full((size, size), 1.0 / size**2))


def gaussian_kernel(ksize=5, sigma=1.0):
    """Normalized 2-D Gaussian ``g(u) g(v)`` with ``g(u) ∝ exp(-u^2 / (2 sigma^2))``,
    ``u = -(ksize//2) .. ksize//2``; weights sum to 1. Shape (ksize, ksize), float64."""
    ksize = _check_odd_size(ksize, "ksize")
    sigma = _check_positive(sigma, "sigma")
    u = np.arange(ksize) - ksize // 2
    g = np.exp(-(u**2) / (2.0 * sigma**2))
    g /= g.sum()
    return np.outer(g, g)


def gaussian_blur(image, ksize=5, sigma=1.0):
    """Convolve each channel with :func:`gaussian_kernel` ``(ksize, sigma)``; float32, same shape."""
    return _apply(image, gaussian_kernel(ksize, sigma))


# ------------------------------------------------------------------ edges

def to_grayscale(image):
    """(H, W) float32 luma of an (H, W), (H, W, 1) or (H, W, 3) image (weights 0.299, 0.587, 0.114)."""
    img, _ = _check_image(image)
    if img.shape[2] == 1:
        return img[:, :, 0].astype(np.float32)
    if img.shape[2] == 3:
        return (img @ LUMA_WEIGHTS).astype(np.float32)
    raise ValueError(f"image: expected 1 or 3 channels for a grayscale conversion, received {img.shape[2]}")


def _gradients(gray):
    """Sobel (gx, gy) of a validated (H, W) float64 image, float64."""
    g = gray[:, :, None]
    return _convolve(g, SOBEL_X.astype(np.float64))[:, :, 0], _convolve(g, SOBEL_Y.astype(np.float64))[:, :, 0]


def sobel(image):
    """Sobel gradient of the (luma of the) image.

    Returns ``(magnitude, direction)``, both float32 (H, W): ``magnitude = sqrt(gx^2 + gy^2)`` and
    ``direction = arctan2(gy, gx)`` in radians (signs in the module docstring: a dark-to-bright step
    from left to right has direction 0, from top to bottom direction pi/2). On a [0, 1] image a unit
    step edge has magnitude 4 on the two columns (rows) beside it.
    """
    gray = to_grayscale(image).astype(np.float64)
    gx, gy = _gradients(gray)
    return np.hypot(gx, gy).astype(np.float32), np.arctan2(gy, gx).astype(np.float32)


# Neighbour offsets (drow, dcol) along the gradient for the four quantized directions
# 0°, 45°, 90°, 135° (angles from +column towards +row).
_NMS_OFFSETS = ((0, 1), (1, 1), (1, 0), (1, -1))


def _non_maximum_suppression(magnitude, gx, gy):
    """Keep a pixel when its magnitude is a maximum along the quantized gradient direction:
    ``m > m(behind)`` and ``m >= m(ahead)`` (the asymmetry keeps exactly one pixel of a
    two-pixel plateau, as a symmetric step edge produces). Returns the thinned magnitude."""
    h, w = magnitude.shape
    angle = np.degrees(np.arctan2(gy, gx)) % 180.0
    sector = (np.floor((angle + 22.5) / 45.0).astype(np.int64)) % 4
    padded = np.pad(magnitude, 1)
    keep = np.zeros((h, w), dtype=bool)
    for s, (dr, dc) in enumerate(_NMS_OFFSETS):
        ahead = padded[1 + dr:1 + dr + h, 1 + dc:1 + dc + w]
        behind = padded[1 - dr:1 - dr + h, 1 - dc:1 - dc + w]
        keep |= (sector == s) & (magnitude > behind) & (magnitude >= ahead)
    return np.where(keep, magnitude, 0.0)


def _hysteresis(strong, weak):
    """Strong pixels plus every weak pixel 8-connected to a strong one through weak pixels."""
    h, w = strong.shape
    edges = strong.copy()
    stack = [tuple(p) for p in np.argwhere(strong)]
    while stack:
        r, c = stack.pop()
        for rr in range(max(r - 1, 0), min(r + 2, h)):
            for cc in range(max(c - 1, 0), min(c + 2, w)):
                if weak[rr, cc] and not edges[rr, cc]:
                    edges[rr, cc] = True
                    stack.append((rr, cc))
    return edges


def canny(image, low=0.2, high=0.5, sigma=1.0):
    """Canny edge detector: Gaussian smoothing, Sobel gradients, non-maximum suppression, double
    threshold, hysteresis. Returns a bool (H, W) edge map.

    Args:
        image: (H, W), (H, W, 1) or (H, W, 3) (luma taken), uint8 or real. uint8 images are scaled
            to [0, 1] first, so the thresholds mean the same for both.
        low, high: thresholds on the Sobel magnitude of the smoothed image (in units of a [0, 1]
            image, where a sharp unit step has magnitude 4); pixels >= ``high`` are edges, pixels
            >= ``low`` are edges when connected (8-neighbourhood) to one. ``0 <= low <= high``.
        sigma: standard deviation of the Gaussian (kernel size ``2 * ceil(3 sigma) + 1``);
            0 skips smoothing.
    """
    low = _check_positive(low, "low", allow_zero=True)
    high = _check_positive(high, "high", allow_zero=True)
    if low > high:
        raise ValueError(f"low: expected low <= high, received low={low}, high={high}")
    sigma = _check_positive(sigma, "sigma", allow_zero=True)
    is_uint8 = np.asarray(image).dtype == np.uint8
    gray = to_grayscale(image).astype(np.float64) / (255.0 if is_uint8 else 1.0)
    if sigma > 0:
        gray = _convolve(gray[:, :, None], gaussian_kernel(2 * math.ceil(3 * sigma) + 1, sigma))[:, :, 0]
    gx, gy = _gradients(gray)
    thin = _non_maximum_suppression(np.hypot(gx, gy), gx, gy)
    # A tiny tolerance keeps float rounding from deciding a pixel sitting exactly on a threshold.
    tol = 1e-9 * max(1.0, float(thin.max()))
    return _hysteresis(thin >= high - tol, thin >= low - tol) & (thin > 0)
