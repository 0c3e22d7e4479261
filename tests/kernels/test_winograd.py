import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.kernels import WindowGeometry, conv2d_reference
from minicnn.kernels import conv as conv_module
from minicnn.kernels import winograd


@st.composite
def winograd_case(draw):
    """(batch, h, w, c, f, padding) for a 3x3 stride-1 convolution, odd and even sizes."""
    padding = draw(st.sampled_from(["valid", "same"]))
    h = draw(st.integers(3 if padding == "valid" else 1, 9))
    w = draw(st.integers(3 if padding == "valid" else 1, 9))
    return draw(st.integers(1, 3)), h, w, draw(st.integers(1, 4)), draw(st.integers(1, 4)), padding


def _arrays(case, dtype, seed=0):
    batch, h, w, c, f, padding = case
    rng = np.random.default_rng(seed)
    geom = WindowGeometry(h, w, (3, 3), (1, 1), padding)
    x = rng.standard_normal((batch, h, w, c)).astype(dtype)
    kernel = rng.standard_normal((3, 3, c, f)).astype(dtype)
    dz = rng.standard_normal((batch, geom.out_h, geom.out_w, f)).astype(dtype)
    return geom, x, kernel, dz


def test_transforms_compute_a_1d_correlation_by_hand():
    """F(2, 3) in one dimension: A^T [(G g) * (B^T d)] = (d0 g0 + d1 g1 + d2 g2, d1 g0 + d2 g1 + d3 g2)."""
    d = np.array([1.0, 2.0, -1.0, 3.0])
    g = np.array([0.5, -2.0, 1.0])
    np.testing.assert_allclose(winograd.AT @ ((winograd.G @ g) * (winograd.BT @ d)),
                               [d[0] * g[0] + d[1] * g[1] + d[2] * g[2], d[1] * g[0] + d[2] * g[1] + d[3] * g[2]])


@given(winograd_case())
def test_reference_equals_the_loop_convolution(case):
    geom, x, kernel, _ = _arrays(case, np.float64)
    np.testing.assert_allclose(winograd.conv2d_winograd_reference(x, kernel, geom),
                               conv2d_reference(x, kernel, None, geom), rtol=1e-12, atol=1e-12)


@given(winograd_case())
def test_backward_reference_equals_the_im2col_gradients(case):
    """dK = cols^T dZ and dx = col2im(dZ K^T), from the Winograd-domain chain rule."""
    geom, x, kernel, dz = _arrays(case, np.float64, seed=1)
    dk, dx = winograd.conv2d_winograd_backward_reference(dz, x, kernel, geom)
    cols = conv_module.im2col(x, geom)
    f = kernel.shape[3]
    np.testing.assert_allclose(dk, (cols.T @ dz.reshape(-1, f)).reshape(kernel.shape), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, conv_module.input_grad_reference(dz, kernel, x.shape, geom), rtol=1e-10, atol=1e-10)


@given(winograd_case(), st.booleans(), st.sampled_from([None, 1]))
def test_fast_forward_and_backward_match_the_references(case, relu, budget):
    """The numba transforms + matmuls (one sample per chunk with budget 1) against the references."""
    geom, x, kernel, dz = _arrays(case, np.float64, seed=2)
    bias = np.random.default_rng(3).standard_normal(kernel.shape[3])
    old = winograd.CHUNK_BUDGET_BYTES
    try:
        if budget is not None:
            winograd.CHUNK_BUDGET_BYTES = budget
        z = winograd.conv2d_winograd_forward(x, kernel, bias, relu, geom)
        dk, db, dx = winograd.conv2d_winograd_backward(dz, z, relu, x, kernel, geom)
        dk_only, db_only, none = winograd.conv2d_winograd_backward(dz, z, relu, x, kernel, geom, input_grad=False)
    finally:
        winograd.CHUNK_BUDGET_BYTES = old
    expected = conv2d_reference(x, kernel, bias, geom)
    np.testing.assert_allclose(z, np.maximum(expected, 0) if relu else expected, rtol=1e-10, atol=1e-10)
    dz_masked = dz * (z > 0) if relu else dz
    dk_ref, dx_ref = winograd.conv2d_winograd_backward_reference(dz_masked, x, kernel, geom)
    np.testing.assert_allclose(dk, dk_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, dz_masked.sum(axis=(0, 1, 2)), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(dk_only, dk)
    np.testing.assert_array_equal(db_only, db)
    assert none is None


def test_float32_error_stays_at_rounding_level():
    """On the speedrun's widest layer shape the Winograd result is as close to the float64
    convolution as im2col's (F(2x2, 3x3) is well conditioned: its constants are 0, +-1 and 1/2)."""
    rng = np.random.default_rng(4)
    geom = WindowGeometry(7, 7, (3, 3), (1, 1), "same")
    x = rng.standard_normal((4, 7, 7, 256))
    kernel = rng.standard_normal((3, 3, 256, 32)) / 48
    exact = conv2d_reference(x, kernel, None, geom)
    x32, k32 = x.astype(np.float32), kernel.astype(np.float32)
    wino = winograd.conv2d_winograd_forward(x32, k32, None, False, geom)
    im2col = conv2d_reference(x32, k32, None, geom)
    scale = np.abs(exact).max()
    assert np.abs(wino - exact).max() / scale < 4 * max(np.abs(im2col - exact).max() / scale, 1e-7)


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_chunking_gives_the_same_result(monkeypatch, padding):
    geom, x, kernel, dz = _arrays((7, 6, 5, 3, 2, padding), np.float32, seed=5)
    whole = winograd.conv2d_winograd_forward(x, kernel, None, False, geom)
    grads = winograd.conv2d_winograd_backward(dz, None, False, x, kernel, geom)
    monkeypatch.setattr(winograd, "CHUNK_BUDGET_BYTES", 1)
    np.testing.assert_allclose(winograd.conv2d_winograd_forward(x, kernel, None, False, geom), whole, rtol=1e-6)
    for a, b in zip(winograd.conv2d_winograd_backward(dz, None, False, x, kernel, geom), grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_applies_to_3x3_stride_1_only():
    assert winograd.applies(WindowGeometry(8, 8, (3, 3), (1, 1), "same"))
    assert winograd.applies(WindowGeometry(8, 8, (3, 3), (1, 1), "valid"))
    assert not winograd.applies(WindowGeometry(8, 8, (3, 3), (2, 2), "same"))
    assert not winograd.applies(WindowGeometry(8, 8, (5, 5), (1, 1), "same"))
