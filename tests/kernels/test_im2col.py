import numpy as np
from hypothesis import given

from minicnn.kernels import WindowGeometry, col2im, col2im_reference, im2col, im2col_reference

from .strategies import window_case


def _setup(case, seed=0):
    batch, h, w, c, window, strides, padding = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, h, w, c)).astype(np.float32)
    return x, WindowGeometry(h, w, window, strides, padding)


def test_reference_layout_by_hand():
    # 1 image 3x3x1, 2x2 window, stride 1, valid: 4 rows of 4 values, row-major windows
    x = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    g = WindowGeometry(3, 3, (2, 2), (1, 1), "valid")
    expected = np.array([[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]], dtype=np.float32)
    np.testing.assert_array_equal(im2col_reference(x, g), expected)
    np.testing.assert_array_equal(im2col(x, g), expected)


def test_same_padding_reads_zeros_outside_and_puts_the_extra_pixel_bottom_right():
    x = np.ones((1, 2, 2, 1), dtype=np.float32)
    g = WindowGeometry(2, 2, (2, 2), (1, 1), "same")   # pad (0, 1) on both axes
    cols = im2col(x, g)
    # first window covers the whole image, the last one only its bottom-right pixel
    np.testing.assert_array_equal(cols[0], [1, 1, 1, 1])
    np.testing.assert_array_equal(cols[3], [1, 0, 0, 0])


@given(window_case())
def test_fast_im2col_matches_reference(case):
    x, g = _setup(case)
    np.testing.assert_allclose(im2col(x, g), im2col_reference(x, g), rtol=1e-5, atol=1e-6)


@given(window_case())
def test_fast_col2im_matches_reference(case):
    x, g = _setup(case)
    cols = np.random.default_rng(1).standard_normal(im2col_reference(x, g).shape).astype(np.float32)
    np.testing.assert_allclose(col2im(cols, x.shape, g), col2im_reference(cols, x.shape, g), rtol=1e-5, atol=1e-5)


@given(window_case())
def test_col2im_is_the_adjoint_of_im2col(case):
    """<im2col(x), c> == <x, col2im(c)> for all x, c: overlapping windows accumulate."""
    x, g = _setup(case)
    x = x.astype(np.float64)
    c = np.random.default_rng(2).standard_normal(im2col_reference(x, g).shape)
    lhs = np.sum(im2col(x, g) * c)
    rhs = np.sum(x * col2im(c, x.shape, g))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)


def test_overlapping_windows_accumulate():
    # 3x3 window, stride 1 on a 3x3 'same' input: the centre pixel is read by all 9 windows
    g = WindowGeometry(3, 3, (3, 3), (1, 1), "same")
    cols = np.ones((9, 9))
    dx = col2im(cols, (1, 3, 3, 1), g)
    assert dx[0, 1, 1, 0] == 9
    assert dx[0, 0, 0, 0] == 4


def test_buffer_is_reused_when_large_enough():
    x, g = _setup((2, 6, 6, 2, (3, 3), (1, 1), "valid"))
    buf = np.empty(10_000, dtype=np.float32)
    cols = im2col(x, g, out=buf)
    assert np.shares_memory(cols, buf)
    np.testing.assert_array_equal(cols, im2col_reference(x, g))


@given(window_case())
def test_one_channel_im2col_matches_reference_exactly(case):
    """One channel takes its own kernel (by window offset rather than by runs of kw*C values)."""
    batch, h, w, _, window, strides, padding = case
    x, g = _setup((batch, h, w, 1, window, strides, padding))
    np.testing.assert_array_equal(im2col(x, g), im2col_reference(x, g))
