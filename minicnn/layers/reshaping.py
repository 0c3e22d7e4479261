"""Layers without weights that move values around or rescale them, as Keras 3 defines them.

Shapes are NHWC, ``(N, H, W, C)``; each backward pass is the adjoint (transpose) of its forward map.

* ``ZeroPadding2D(padding)``, ``padding = ((top, bottom), (left, right))``::

      y[n, i + top, j + left, c] = x[n, i, j, c]      (zeros elsewhere), shape (N, H+top+bottom, W+left+right, C)
      dx[n, i, j, c] = dy[n, i + top, j + left, c]

* ``Cropping2D(cropping)``, ``cropping = ((top, bottom), (left, right))``::

      y[n, i, j, c] = x[n, i + top, j + left, c],     shape (N, H-top-bottom, W-left-right, C)
      dx[n, i + top, j + left, c] = dy[n, i, j, c]    (zeros on the cropped border)

* ``UpSampling2D(size=(sh, sw), interpolation)``, output (N, sh*H, sw*W, C):

  - ``'nearest'``: ``y[n, i, j, c] = x[n, i // sh, j // sw, c]``; ``dx`` sums ``dy`` over each
    ``sh x sw`` block.
  - ``'bilinear'`` (Keras resizes with ``tf.image.resize``: half-pixel centres, no antialiasing).
    Along an axis of ``n`` inputs and ``m = s*n`` outputs, output ``o`` samples the input at
    ``t = (o + 0.5) * n/m - 0.5`` between ``lower = max(floor(t), 0)`` and
    ``upper = min(ceil(t), n-1)`` with weight ``lam = t - floor(t)`` on ``upper``. In matrix form
    ``A[o, lower] += 1 - lam``, ``A[o, upper] += lam`` and, per sample and channel,

        Y = A_h X A_w^T;      dX = A_h^T dY A_w.

    The forward pass computes it as TensorFlow does (lerp along the width, then the height, in
    float32 weights), so outputs match Keras to the bit.

* ``Reshape(target_shape)`` (one entry may be -1) and ``Permute(dims)`` (1-based axes after the
  batch axis): ``y = x.reshape((N,) + target_shape)``, ``dx = dy.reshape(x.shape)``;
  ``y = x.transpose((0,) + dims)``, ``dx = dy.transpose(inverse permutation)``.

* ``Rescaling(scale, offset=0.0)``: ``y = x * scale + offset`` (in training and inference);
  ``dx = dy * scale``. ``scale``/``offset`` are numbers or per-channel sequences that broadcast
  against the input's trailing axes.

The ``*_reference`` functions at the end are plain loops over output pixels: the definitions the
vectorised code is tested against.
"""
import math
import numbers

import numpy as np

from ..checks import non_negative_int, positive_int
from .base import Layer

# ------------------------------------------------------------------ argument checks


def _int_pair(value, name):
    """``3 -> (3, 3)``, ``(1, 2) -> (1, 2)``: two non-negative ints."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        value = (value, value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be an int or a tuple of 2 non-negative ints, got {value!r}")
    return tuple(non_negative_int(v, name) for v in value)


def spatial_pairs(value, name):
    """Keras's 2-D padding/cropping argument as ``((top, bottom), (left, right))``.

    An int applies to all four sides; ``(h, w)`` is symmetric per axis; ``((t, b), (l, r))`` is explicit.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        value = non_negative_int(value, name)
        return (value, value), (value, value)
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ValueError(f"{name} must be an int, a tuple of 2 ints or a tuple of 2 tuples of 2 ints "
                         f"((top, bottom), (left, right)), got {value!r}")
    return _int_pair(value[0], f"1st entry of {name}"), _int_pair(value[1], f"2nd entry of {name}")


def _as_lists(pairs):
    return [list(p) for p in pairs]


# ------------------------------------------------------------------ padding and cropping
class ZeroPadding2D(Layer):
    """Zero rows and columns around each image: ``(N, H, W, C) -> (N, H+t+b, W+l+r, C)``."""

    def __init__(self, padding=(1, 1), **kwargs):
        super().__init__(**kwargs)
        self.padding = spatial_pairs(padding, "padding")

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        (top, bottom), (left, right) = self.padding
        h, w, c = input_shape
        return h + top + bottom, w + left + right, c

    def forward(self, x, training=False):
        self.check_input(x)
        (top, bottom), (left, right) = self.padding
        n, h, w, c = x.shape
        y = np.zeros((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
        y[:, top:top + h, left:left + w] = x
        return y

    def backward(self, dy):
        (top, _), (left, _) = self.padding
        h, w, _ = self.input_shape
        return np.ascontiguousarray(dy[:, top:top + h, left:left + w])

    def get_config(self):
        return {**super().get_config(), "padding": _as_lists(self.padding)}


class Cropping2D(Layer):
    """Remove rows and columns at the borders: ``(N, H, W, C) -> (N, H-t-b, W-l-r, C)``."""

    def __init__(self, cropping=((0, 0), (0, 0)), **kwargs):
        super().__init__(**kwargs)
        self.cropping = spatial_pairs(cropping, "cropping")

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        (top, bottom), (left, right) = self.cropping
        h, w, c = input_shape
        if top + bottom >= h or left + right >= w:
            raise ValueError("Values in `cropping` argument should be smaller than the corresponding spatial "
                             f"dimension of the input. Received: input_shape={(None,) + tuple(input_shape)}, "
                             f"cropping={self.cropping}")
        return h - top - bottom, w - left - right, c

    def forward(self, x, training=False):
        self.check_input(x)
        (top, _), (left, _) = self.cropping
        out_h, out_w, _ = self.output_shape
        return np.ascontiguousarray(x[:, top:top + out_h, left:left + out_w])

    def backward(self, dy):
        (top, _), (left, _) = self.cropping
        out_h, out_w, _ = self.output_shape
        dx = np.zeros((dy.shape[0],) + self.input_shape, dtype=dy.dtype)
        dx[:, top:top + out_h, left:left + out_w] = dy
        return dx

    def get_config(self):
        return {**super().get_config(), "cropping": _as_lists(self.cropping)}


# ------------------------------------------------------------------ bilinear resizing
def bilinear_taps(in_size, out_size):
    """TensorFlow's half-pixel bilinear sampling along one axis (``ResizeBilinear``,
    ``half_pixel_centers=True``): ``(lower, upper, lam)``, one entry per output index, with
    ``t = (o + 0.5) * in/out - 0.5`` computed in float32, ``lower = max(floor t, 0)``,
    ``upper = min(ceil t, in-1)``, ``lam = t - floor t`` (the weight of ``upper``)."""
    scale = np.float32(in_size) / np.float32(out_size)
    t = (np.arange(out_size, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(t)
    lower = np.maximum(floor.astype(np.int64), 0)
    upper = np.minimum(np.ceil(t).astype(np.int64), in_size - 1)
    return lower, upper, (t - floor).astype(np.float32)


def bilinear_matrix(in_size, out_size, dtype=np.float64):
    """The ``(out_size, in_size)`` interpolation matrix ``A`` of :func:`bilinear_taps`
    (``A[o, lower] += 1 - lam``, ``A[o, upper] += lam``; each row sums to 1)."""
    lower, upper, lam = bilinear_taps(in_size, out_size)
    a = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    np.add.at(a, (rows, lower), 1 - lam.astype(dtype))
    np.add.at(a, (rows, upper), lam.astype(dtype))
    return a


def resize_bilinear(x, out_h, out_w):
    """``(N, H, W, C) -> (N, out_h, out_w, C)``, as ``tf.image.resize(x, (out_h, out_w))``: for each
    output pixel ``top = tl + (tr - tl) * lam_w``, ``bottom = bl + (br - bl) * lam_w``,
    ``y = top + (bottom - top) * lam_h`` (TensorFlow's order of operations)."""
    x = np.asarray(x)
    lo_h, hi_h, lam_h = bilinear_taps(x.shape[1], out_h)
    lo_w, hi_w, lam_w = bilinear_taps(x.shape[2], out_w)
    lam_h = lam_h.astype(x.dtype)[:, None, None]
    lam_w = lam_w.astype(x.dtype)[:, None]
    top_rows, bottom_rows = x[:, lo_h], x[:, hi_h]
    top = top_rows[:, :, lo_w] + (top_rows[:, :, hi_w] - top_rows[:, :, lo_w]) * lam_w
    bottom = bottom_rows[:, :, lo_w] + (bottom_rows[:, :, hi_w] - bottom_rows[:, :, lo_w]) * lam_w
    return top + (bottom - top) * lam_h


def resize_bilinear_backward(dy, in_h, in_w):
    """The adjoint of :func:`resize_bilinear`: ``dX = A_h^T dY A_w`` per sample and channel."""
    a_h = bilinear_matrix(in_h, dy.shape[1], dy.dtype)
    a_w = bilinear_matrix(in_w, dy.shape[2], dy.dtype)
    rows = np.einsum("oh,nopc->nhpc", a_h, dy, optimize=True)
    return np.einsum("pw,nhpc->nhwc", a_w, rows, optimize=True)


class UpSampling2D(Layer):
    """Repeat (``'nearest'``) or interpolate (``'bilinear'``) rows and columns:
    ``(N, H, W, C) -> (N, sh*H, sw*W, C)``."""

    INTERPOLATIONS = ("nearest", "bilinear")
    KERAS_ONLY = ("bicubic", "lanczos3", "lanczos5")

    def __init__(self, size=(2, 2), interpolation="nearest", **kwargs):
        super().__init__(**kwargs)
        if isinstance(size, numbers.Integral) and not isinstance(size, (bool, np.bool_)):
            size = (size, size)
        if not isinstance(size, (tuple, list)) or len(size) != 2:
            raise ValueError(f"size must be an int or a tuple of 2 positive ints, got {size!r}")
        self.size = tuple(positive_int(s, "size entry") for s in size)
        if not isinstance(interpolation, str):
            raise ValueError(f"interpolation must be a string, got {interpolation!r}")
        self.interpolation = interpolation.lower()
        if self.interpolation in self.KERAS_ONLY:
            raise NotImplementedError(f"UpSampling2D(interpolation={interpolation!r}) is not implemented in "
                                      "minicnn; use interpolation='bilinear' or 'nearest'")
        if self.interpolation not in self.INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {self.INTERPOLATIONS + self.KERAS_ONLY}, "
                             f"got {interpolation!r}")

    def compute_output_shape(self, input_shape):
        self.require_image_input(input_shape)
        h, w, c = input_shape
        return self.size[0] * h, self.size[1] * w, c

    def forward(self, x, training=False):
        self.check_input(x)
        out_h, out_w, _ = self.output_shape
        if self.interpolation == "nearest":
            return np.repeat(np.repeat(x, self.size[0], axis=1), self.size[1], axis=2)
        return resize_bilinear(x, out_h, out_w)

    def backward(self, dy):
        h, w, c = self.input_shape
        sh, sw = self.size
        if self.interpolation == "nearest":
            return dy.reshape(dy.shape[0], h, sh, w, sw, c).sum(axis=(2, 4))
        return resize_bilinear_backward(dy, h, w)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size), "interpolation": self.interpolation}


# ------------------------------------------------------------------ reshape and permute
class Reshape(Layer):
    """``(N, *input_shape) -> (N, *target_shape)`` in C order; one entry of ``target_shape`` may be -1."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        if isinstance(target_shape, numbers.Integral) and not isinstance(target_shape, (bool, np.bool_)):
            target_shape = (target_shape,)
        if not isinstance(target_shape, (tuple, list)) or not all(
                isinstance(d, numbers.Integral) and not isinstance(d, (bool, np.bool_)) for d in target_shape):
            raise ValueError(f"target_shape must be a tuple of ints, got {target_shape!r}")
        target_shape = tuple(int(d) for d in target_shape)
        if any(d < 1 and d != -1 for d in target_shape) or target_shape.count(-1) > 1:
            raise ValueError("Each dimension in `target_shape` must be a positive integer, or `-1` for a single "
                             f"unknown dimension. Received: target_shape={target_shape}")
        self.target_shape = target_shape

    def compute_output_shape(self, input_shape):
        size = math.prod(input_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 not in self.target_shape:
            if known != size:
                raise ValueError("The total size of the tensor must be unchanged. Received: "
                                 f"input_shape={tuple(input_shape)}, target_shape={self.target_shape}")
            return self.target_shape
        if size % known:
            raise ValueError("The total size of the tensor must be unchanged, inferring the -1 requires "
                             f"{size} to be divisible by {known}. Received: input_shape={tuple(input_shape)}, "
                             f"target_shape={self.target_shape}")
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def forward(self, x, training=False):
        self.check_input(x)
        return x.reshape((x.shape[0],) + self.output_shape)

    def backward(self, dy):
        return dy.reshape((dy.shape[0],) + self.input_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Reorder the non-batch axes: ``dims`` is a permutation of ``1..k`` (``(2, 1)`` swaps two axes)."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise ValueError(f"dims must be a tuple of ints, got {dims!r}") from None
        if sorted(dims) != list(range(1, len(dims) + 1)) or not all(
                isinstance(d, numbers.Integral) and not isinstance(d, (bool, np.bool_)) for d in dims):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={dims}")
        self.dims = tuple(int(d) for d in dims)
        self.axes = (0,) + self.dims
        self.inverse_axes = tuple(int(a) for a in np.argsort(self.axes))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != len(self.dims):
            raise ValueError(f"Permute(dims={self.dims}) expects inputs with {len(self.dims)} axes after the batch "
                             f"axis, got an input shape of {(None,) + tuple(input_shape)}")
        return tuple(input_shape[d - 1] for d in self.dims)

    def forward(self, x, training=False):
        self.check_input(x)
        return np.ascontiguousarray(x.transpose(self.axes))

    def backward(self, dy):
        return np.ascontiguousarray(dy.transpose(self.inverse_axes))

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}


# ------------------------------------------------------------------ rescaling
def _scale_value(value, name):
    """A finite number, or a sequence of them (per channel), kept as Python floats for the config."""
    array = np.asarray(value)
    if array.dtype.kind not in "fiu" or array.ndim > 3 or not np.isfinite(array).all():
        raise ValueError(f"{name} must be a finite number or a sequence of finite numbers (one per channel), "
                         f"got {value!r}")
    return float(array) if array.ndim == 0 else array.astype(float).tolist()


class Rescaling(Layer):
    """``y = x * scale + offset`` in training and inference (``Rescaling(1/255)`` maps [0, 255] to [0, 1]).
    Integer inputs (uint8 images) are converted to the layer's dtype first, as Keras does."""

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _scale_value(scale, "scale")
        self.offset = _scale_value(offset, "offset")

    def compute_output_shape(self, input_shape):
        for name in ("scale", "offset"):
            shape = np.shape(getattr(self, name))
            try:
                broadcast = np.broadcast_shapes(tuple(input_shape), shape)
            except ValueError:
                broadcast = None
            if broadcast != tuple(input_shape):
                raise ValueError(f"Rescaling {name} of shape {shape} does not broadcast against inputs of shape "
                                 f"{(None,) + tuple(input_shape)}")
        return input_shape

    def forward(self, x, training=False):
        self.check_input(x)
        scale = np.asarray(self.scale, dtype=self.dtype)
        offset = np.asarray(self.offset, dtype=self.dtype)
        return np.asarray(x, dtype=self.dtype) * scale + offset

    def backward(self, dy):
        return dy * np.asarray(self.scale, dtype=dy.dtype)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


# ------------------------------------------------------------------ plain loop references
def zero_padding_reference(x, padding):
    """ZeroPadding2D by loops: ``y[n, i + top, j + left, c] = x[n, i, j, c]``."""
    (top, bottom), (left, right) = padding
    n, h, w, c = x.shape
    y = np.zeros((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
    for b in range(n):
        for i in range(h):
            for j in range(w):
                for k in range(c):
                    y[b, i + top, j + left, k] = x[b, i, j, k]
    return y


def cropping_reference(x, cropping):
    """Cropping2D by loops: ``y[n, i, j, c] = x[n, i + top, j + left, c]``."""
    (top, bottom), (left, right) = cropping
    n, h, w, c = x.shape
    y = np.empty((n, h - top - bottom, w - left - right, c), dtype=x.dtype)
    for b in range(n):
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                for k in range(c):
                    y[b, i, j, k] = x[b, i + top, j + left, k]
    return y


def upsampling_reference(x, size, interpolation):
    """UpSampling2D by loops over output pixels (nearest: copy; bilinear: the four taps)."""
    n, h, w, c = x.shape
    sh, sw = size
    y = np.empty((n, sh * h, sw * w, c), dtype=np.float64)
    for i in range(sh * h):
        for j in range(sw * w):
            if interpolation == "nearest":
                y[:, i, j] = x[:, i // sh, j // sw]
                continue
            t, u = (i + 0.5) / sh - 0.5, (j + 0.5) / sw - 0.5   # the input position sampled
            i0, j0 = math.floor(t), math.floor(u)
            a, b = t - i0, u - j0                               # weights of the next row / column
            rows = (max(i0, 0), min(i0 + 1, h - 1))
            cols = (max(j0, 0), min(j0 + 1, w - 1))
            y[:, i, j] = ((1 - a) * (1 - b) * x[:, rows[0], cols[0]] + (1 - a) * b * x[:, rows[0], cols[1]]
                          + a * (1 - b) * x[:, rows[1], cols[0]] + a * b * x[:, rows[1], cols[1]])
    return y
