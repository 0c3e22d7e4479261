"""Output sizes and padding for sliding windows (convolution and pooling).

Keras/TensorFlow conventions, per spatial axis of length ``n`` with window ``k`` and stride ``s``:

* ``'valid'``: no padding, ``out = (n - k) // s + 1`` (an error if ``n < k``).
* ``'same'``:  ``out = ceil(n / s)``, ``pad_total = max((out - 1) * s + k - n, 0)``,
  ``pad_before = pad_total // 2`` and the extra pixel, when ``pad_total`` is odd, goes
  *after* (bottom/right). PyTorch's symmetric padding differs exactly in that case.
"""


def normalize_tuple(value, n, name):
    """``3 -> (3, 3)``; ``(3, 2) -> (3, 2)``; anything else is a ValueError naming ``name``."""
    if isinstance(value, int) and not isinstance(value, bool):
        values = (value,) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(values) != n or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values):
        raise ValueError(f"{name} must be a positive int or a tuple of {n} positive ints, got {value!r}")
    return values


def normalize_padding(padding):
    """Return ``'valid'`` or ``'same'`` (case-insensitive), else a ValueError."""
    if isinstance(padding, str) and padding.lower() in ("valid", "same"):
        return padding.lower()
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")


def window_output_length(n, k, s, padding):
    """Return ``(out, pad_before, pad_after)`` for one spatial axis (see module docstring)."""
    if padding == "valid":
        if n < k:
            raise ValueError(
                f"input size {n} is smaller than the window size {k} with padding='valid'; "
                "use padding='same' or a larger input")
        return (n - k) // s + 1, 0, 0
    if padding == "same":
        out = -(-n // s)
        pad_total = max((out - 1) * s + k - n, 0)
        return out, pad_total // 2, pad_total - pad_total // 2
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")


class WindowGeometry:
    """Everything a 2-D sliding-window kernel needs, computed once per input shape.

    Attributes: ``kh, kw`` window, ``sh, sw`` strides, ``pad_top, pad_bottom, pad_left,
    pad_right``, ``out_h, out_w``.
    """

    __slots__ = ("kh", "kw", "sh", "sw", "pad_top", "pad_bottom", "pad_left", "pad_right",
                 "out_h", "out_w")

    def __init__(self, height, width, window, strides, padding):
        self.kh, self.kw = window
        self.sh, self.sw = strides
        self.out_h, self.pad_top, self.pad_bottom = window_output_length(height, self.kh, self.sh, padding)
        self.out_w, self.pad_left, self.pad_right = window_output_length(width, self.kw, self.sw, padding)

    @classmethod
    def from_pads(cls, window, strides, pads, out):
        """A geometry with explicit ``pads = (top, bottom, left, right)`` and ``out = (out_h, out_w)``
        (for derived convolutions, e.g. the input gradient as a convolution of the output gradient)."""
        geom = cls.__new__(cls)
        geom.kh, geom.kw = window
        geom.sh, geom.sw = strides
        geom.pad_top, geom.pad_bottom, geom.pad_left, geom.pad_right = pads
        geom.out_h, geom.out_w = out
        return geom

    def __repr__(self):
        return (f"WindowGeometry(window=({self.kh}, {self.kw}), strides=({self.sh}, {self.sw}), "
                f"pads=(top={self.pad_top}, bottom={self.pad_bottom}, left={self.pad_left}, "
                f"right={self.pad_right}), out=({self.out_h}, {self.out_w}))")
