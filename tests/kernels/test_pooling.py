import numpy as np
from hypothesis import given

from minicnn.kernels import (WindowGeometry, avg_pool, avg_pool_backward, avg_pool_backward_reference,
                             avg_pool_reference, max_pool, max_pool_backward, max_pool_backward_reference,
                             max_pool_reference)

from .strategies import window_case


def _setup(case, seed=0):
    batch, h, w, c, window, strides, padding = case
    x = np.random.default_rng(seed).standard_normal((batch, h, w, c)).astype(np.float32)
    return x, WindowGeometry(h, w, window, strides, padding)


@given(window_case())
def test_max_pool_fast_matches_reference(case):
    x, g = _setup(case)
    y, arg = max_pool(x, g)
    y_ref, arg_ref = max_pool_reference(x, g)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(arg, arg_ref)
    dy = np.random.default_rng(1).standard_normal(y.shape).astype(np.float32)
    np.testing.assert_allclose(max_pool_backward(dy, arg, x.shape),
                               max_pool_backward_reference(dy, arg_ref, x.shape), rtol=1e-5, atol=1e-6)


@given(window_case())
def test_avg_pool_fast_matches_reference(case):
    x, g = _setup(case)
    np.testing.assert_allclose(avg_pool(x, g), avg_pool_reference(x, g), rtol=1e-5, atol=1e-6)
    dy = np.random.default_rng(1).standard_normal((x.shape[0], g.out_h, g.out_w, x.shape[3])).astype(np.float32)
    np.testing.assert_allclose(avg_pool_backward(dy, x.shape, g), avg_pool_backward_reference(dy, x.shape, g),
                               rtol=1e-5, atol=1e-6)


def test_max_pool_tie_routes_gradient_to_the_first_maximum_only():
    x = np.ones((1, 2, 2, 1), dtype=np.float32)          # four-way tie
    g = WindowGeometry(2, 2, (2, 2), (2, 2), "valid")
    y, arg = max_pool(x, g)
    dx = max_pool_backward(np.array([[[[5.0]]]], dtype=np.float32), arg, x.shape)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[5, 0], [0, 0]])
    assert dx.sum() == 5  # never multiplied by the number of ties


def test_max_pool_same_padding_ignores_padded_positions():
    x = -np.ones((1, 3, 3, 1), dtype=np.float32)          # all negative: a zero pad would win
    g = WindowGeometry(3, 3, (2, 2), (2, 2), "same")
    y, _ = max_pool(x, g)
    assert (y == -1).all()


def test_avg_pool_same_divides_by_real_pixels_only():
    x = np.ones((1, 3, 3, 1), dtype=np.float32)
    g = WindowGeometry(3, 3, (2, 2), (2, 2), "same")
    np.testing.assert_array_equal(avg_pool(x, g), np.ones((1, 2, 2, 1)))


def test_overlapping_max_windows_accumulate():
    # 3x3 pool, stride 1 on a 3x3 'same' input whose maximum is in the centre: every window picks it
    x = np.zeros((1, 3, 3, 1), dtype=np.float32)
    x[0, 1, 1, 0] = 1
    g = WindowGeometry(3, 3, (3, 3), (1, 1), "same")
    y, arg = max_pool(x, g)
    dx = max_pool_backward(np.ones_like(y), arg, x.shape)
    assert dx[0, 1, 1, 0] == 9
