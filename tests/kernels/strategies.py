"""Hypothesis strategies shared by the kernel and layer tests."""
from hypothesis import strategies as st

from minicnn.kernels.padding import window_output_length


@st.composite
def window_case(draw, max_size=9, max_window=4, max_stride=3):
    """(batch, h, w, c, (kh, kw), (sh, sw), padding) with a valid output size."""
    padding = draw(st.sampled_from(["valid", "same"]))
    kh = draw(st.integers(1, max_window))
    kw = draw(st.integers(1, max_window))
    h = draw(st.integers(kh if padding == "valid" else 1, max_size))
    w = draw(st.integers(kw if padding == "valid" else 1, max_size))
    sh = draw(st.integers(1, max_stride))
    sw = draw(st.integers(1, max_stride))
    batch = draw(st.integers(1, 3))
    c = draw(st.integers(1, 3))
    return batch, h, w, c, (kh, kw), (sh, sw), padding


def expected_out(n, k, s, padding):
    return window_output_length(n, k, s, padding)[0]
