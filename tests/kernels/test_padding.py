import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.kernels.padding import WindowGeometry, normalize_padding, normalize_tuple, window_output_length


def test_valid_output_size():
    assert window_output_length(28, 3, 1, "valid") == (26, 0, 0)
    assert window_output_length(7, 3, 2, "valid") == (3, 0, 0)
    assert window_output_length(8, 3, 3, "valid") == (2, 0, 0)


def test_same_padding_matches_tensorflow_including_the_uneven_case():
    # stride 1, odd kernel: symmetric
    assert window_output_length(28, 3, 1, "same") == (28, 1, 1)
    # even kernel: pad_total 1, the extra pixel goes after (bottom/right)
    assert window_output_length(5, 2, 1, "same") == (5, 0, 1)
    # stride 2, even input: out 4, pad_total = (4-1)*2 + 3 - 8 = 1 -> (0, 1)
    assert window_output_length(8, 3, 2, "same") == (4, 0, 1)
    # stride 2, odd input: out 4, pad_total = 3*2 + 3 - 7 = 2 -> (1, 1)
    assert window_output_length(7, 3, 2, "same") == (4, 1, 1)
    # stride 3, kernel 5: out 3, pad_total = 2*3 + 5 - 7 = 4
    assert window_output_length(7, 5, 3, "same") == (3, 2, 2)
    # window smaller than stride: never negative padding
    assert window_output_length(7, 1, 3, "same") == (3, 0, 0)


@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4))
def test_same_formula(n, k, s):
    out, before, after = window_output_length(n, k, s, "same")
    assert out == math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    assert (before, after) == (total // 2, total - total // 2)
    # the last window starts inside the padded input and ends at its edge or before
    assert (out - 1) * s + k <= n + before + after


def test_valid_too_small_input_is_a_clear_error():
    with pytest.raises(ValueError, match="input size 2 is smaller than the window size 3"):
        window_output_length(2, 3, 1, "valid")


def test_argument_normalization_errors():
    assert normalize_tuple(3, 2, "kernel_size") == (3, 3)
    assert normalize_tuple((3, 2), 2, "kernel_size") == (3, 2)
    for bad in (0, (3,), (3, 0), "3", 2.5, True):
        with pytest.raises(ValueError, match="kernel_size"):
            normalize_tuple(bad, 2, "kernel_size")
    assert normalize_padding("SAME") == "same"
    with pytest.raises(ValueError, match="'valid' or 'same'"):
        normalize_padding("full")


def test_geometry_repr_names_everything():
    g = WindowGeometry(8, 7, (3, 2), (2, 1), "same")
    assert (g.out_h, g.out_w, g.pad_top, g.pad_bottom, g.pad_left, g.pad_right) == (4, 7, 0, 1, 0, 1)
    assert "out=(4, 7)" in repr(g)
