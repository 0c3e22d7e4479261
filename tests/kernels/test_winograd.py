import numpy as np
import pytest
from hypothesis import example, given
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


TRANSFORMS = [winograd.F2, winograd.F4]


def test_transforms_compute_a_1d_correlation_by_hand():
    """F(2, 3) in one dimension: A^T [(G g) * (B^T d)] = (d0 g0 + d1 g1 + d2 g2, d1 g0 + d2 g1 + d3 g2)."""
    d = np.array([1.0, 2.0, -1.0, 3.0])
    g = np.array([0.5, -2.0, 1.0])
    f2 = winograd.F2
    np.testing.assert_allclose(f2.at @ ((f2.g @ g) * (f2.bt @ d)),
                               [d[0] * g[0] + d[1] * g[1] + d[2] * g[2], d[1] * g[0] + d[2] * g[1] + d[3] * g[2]])


@pytest.mark.parametrize("tr", TRANSFORMS, ids=str)
def test_each_transform_computes_the_1d_correlation(tr):
    """A^T [(G g) * (B^T d)] is the valid correlation of the a-vector d with the 3-vector g: m outputs."""
    rng = np.random.default_rng(7)
    d, g = rng.standard_normal(tr.a), rng.standard_normal(3)
    np.testing.assert_allclose(tr.at @ ((tr.g @ g) * (tr.bt @ d)), np.correlate(d, g, mode="valid"),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("tr", TRANSFORMS, ids=str)
@given(case=winograd_case())
def test_reference_equals_the_loop_convolution(tr, case):
    geom, x, kernel, _ = _arrays(case, np.float64)
    np.testing.assert_allclose(winograd.conv2d_winograd_reference(x, kernel, geom, tr),
                               conv2d_reference(x, kernel, None, geom), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("tr", TRANSFORMS, ids=str)
@given(case=winograd_case())
def test_backward_reference_equals_the_im2col_gradients(tr, case):
    """dK = cols^T dZ and dx = col2im(dZ K^T), from the Winograd-domain chain rule."""
    geom, x, kernel, dz = _arrays(case, np.float64, seed=1)
    dk, dx = winograd.conv2d_winograd_backward_reference(dz, x, kernel, geom, tr)
    cols = conv_module.im2col(x, geom)
    f = kernel.shape[3]
    np.testing.assert_allclose(dk, (cols.T @ dz.reshape(-1, f)).reshape(kernel.shape), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, conv_module.input_grad_reference(dz, kernel, x.shape, geom), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("tr", TRANSFORMS, ids=str)
@given(case=winograd_case(), relu=st.booleans(), budget=st.sampled_from([None, 1]))
@example(case=(2, 8, 8, 3, 2, "same"), relu=True, budget=None)     # whole 4x4 tiles: dz is transformed in place
@example(case=(1, 6, 10, 2, 3, "valid"), relu=False, budget=1)
@example(case=(2, 7, 9, 3, 2, "same"), relu=True, budget=None)     # tiles over the edge: a padded copy
def test_fast_forward_and_backward_match_the_references(tr, case, relu, budget):
    """The numba transforms + matmuls (one sample per chunk with budget 1) against the references."""
    geom, x, kernel, dz = _arrays(case, np.float64, seed=2)
    bias = np.random.default_rng(3).standard_normal(kernel.shape[3])
    old = winograd.CHUNK_BUDGET_BYTES, winograd.CHUNK_MIN_TILES
    try:
        if budget is not None:
            winograd.CHUNK_BUDGET_BYTES, winograd.CHUNK_MIN_TILES = budget, 1
        z = winograd.conv2d_winograd_forward(x, kernel, bias, relu, geom, tr)
        dk, db, dx = winograd.conv2d_winograd_backward(dz, z, relu, x, kernel, geom, tr=tr)
        dk_only, db_only, none = winograd.conv2d_winograd_backward(dz, z, relu, x, kernel, geom, input_grad=False,
                                                                   tr=tr)
    finally:
        winograd.CHUNK_BUDGET_BYTES, winograd.CHUNK_MIN_TILES = old
    expected = conv2d_reference(x, kernel, bias, geom)
    np.testing.assert_allclose(z, np.maximum(expected, 0) if relu else expected, rtol=1e-10, atol=1e-10)
    dz_masked = dz * (z > 0) if relu else dz
    dk_ref, dx_ref = winograd.conv2d_winograd_backward_reference(dz_masked, x, kernel, geom, tr)
    np.testing.assert_allclose(dk, dk_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, dz_masked.sum(axis=(0, 1, 2)), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dx, dx_ref, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(dk_only, dk)
    np.testing.assert_array_equal(db_only, db)
    assert none is None


@pytest.mark.parametrize("size", [7, 15])
def test_float32_error_stays_near_rounding_level(size):
    """On the speedrun's layer shapes, against the float64 convolution: F(2x2, 3x3) (constants 0,
    +-1 and 1/2) is as close as im2col's float32 sums; F(4x4, 3x3) (constants up to 8 and 1/24)
    loses about three bits more (measured 5e-6 and 1.1e-5 of the output's scale, im2col 1.5e-6 to
    1.8e-6), the accuracy other engines accept for it; both gradients stay within the same bound."""
    rng = np.random.default_rng(4)
    geom = WindowGeometry(size, size, (3, 3), (1, 1), "same")
    x = rng.standard_normal((4, size, size, 256))
    kernel = rng.standard_normal((3, 3, 256, 32)) / 48
    dz = rng.standard_normal((4, size, size, 32))
    exact = conv2d_reference(x, kernel, None, geom)
    dk_exact, dx_exact = winograd.conv2d_winograd_backward_reference(dz, x, kernel, geom, winograd.F2)
    x32, k32, dz32 = x.astype(np.float32), kernel.astype(np.float32), dz.astype(np.float32)
    im2col_error = max(np.abs(conv2d_reference(x32, k32, None, geom) - exact).max() / np.abs(exact).max(), 1e-7)
    for tr, bound in [(winograd.F2, 4 * im2col_error), (winograd.F4, 3e-5)]:
        wino = winograd.conv2d_winograd_forward(x32, k32, None, False, geom, tr)
        dk, _, dx = winograd.conv2d_winograd_backward(dz32, None, False, x32, k32, geom, tr=tr)
        assert np.abs(wino - exact).max() / np.abs(exact).max() < bound, tr
        assert np.abs(dk - dk_exact).max() / np.abs(dk_exact).max() < bound, tr
        assert np.abs(dx - dx_exact).max() / np.abs(dx_exact).max() < bound, tr


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_chunking_gives_the_same_result(monkeypatch, padding):
    geom, x, kernel, dz = _arrays((7, 6, 5, 3, 2, padding), np.float32, seed=5)
    whole = winograd.conv2d_winograd_forward(x, kernel, None, False, geom)
    grads = winograd.conv2d_winograd_backward(dz, None, False, x, kernel, geom)
    monkeypatch.setattr(winograd, "CHUNK_BUDGET_BYTES", 1)
    monkeypatch.setattr(winograd, "CHUNK_MIN_TILES", 1)
    assert len(winograd.winograd_chunks(7, geom, 3, 2, 4)) == 7
    # float32 products over fewer rows may sum in another order inside BLAS (OpenBLAS on AMD Zen 2
    # measured 5.7e-6 on outputs of scale 5): equal to rounding, not bitwise
    np.testing.assert_allclose(winograd.conv2d_winograd_forward(x, kernel, None, False, geom), whole,
                               rtol=1e-5, atol=1e-5)
    for a, b in zip(winograd.conv2d_winograd_backward(dz, None, False, x, kernel, geom), grads):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_applies_to_3x3_stride_1_only():
    assert winograd.applies(WindowGeometry(8, 8, (3, 3), (1, 1), "same"))
    assert winograd.applies(WindowGeometry(8, 8, (3, 3), (1, 1), "valid"))
    assert not winograd.applies(WindowGeometry(8, 8, (3, 3), (2, 2), "same"))
    assert not winograd.applies(WindowGeometry(8, 8, (5, 5), (1, 1), "same"))


def test_written_out_f4_products_are_the_matrices():
    """B^T, B, A^T and A as written into the F(4x4, 3x3) kernels, applied to unit vectors, give
    F4's columns (the matrices of the module's Transform)."""
    f4 = winograd.F4
    eye6, eye4 = np.eye(6), np.eye(4)
    np.testing.assert_array_equal(np.array([winograd._bt_f4(*e) for e in eye6]).T, f4.bt)
    np.testing.assert_array_equal(np.array([winograd._b_f4(*e) for e in eye6]).T, f4.bt.T)
    np.testing.assert_array_equal(np.array([winograd._at_f4(*e) for e in eye6]).T, f4.at)
    np.testing.assert_array_equal(np.array([winograd._a_f4(*e) for e in eye4]).T, f4.at.T)


@given(case=winograd_case(), dtype=st.sampled_from([np.float64, np.float32]))
def test_written_out_f4_kernels_match_the_generic_kernels(case, dtype):
    """Each F(4x4, 3x3) kernel against the generic kernel run with F4's matrices, edge tiles included;
    float32 stays float32."""
    geom, x, _, dz = _arrays(case, dtype, seed=6)
    f4, rng = winograd.F4, np.random.default_rng(8)
    th, tw = winograd.tile_grid(geom, f4)
    tiles, c, f = x.shape[0] * th * tw, x.shape[3], dz.shape[3]
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-5, atol=1e-4)
    xp = winograd.pad_for_tiles(x, geom, f4)
    v_generic, v = np.empty((tiles, 36, c), dtype), np.empty((tiles, 36, c), dtype)
    winograd._input_transform_kernel(xp, f4.bt.astype(dtype), 4, v_generic)
    winograd.input_transform(xp, f4, v)
    mt = rng.standard_normal((tiles, 36, f)).astype(dtype)
    y_generic, y = np.empty_like(dz), np.full_like(dz, np.nan)
    winograd._output_transform_kernel(mt, f4.at.astype(dtype), th, tw, y_generic)
    winograd.output_transform(mt, f4, th, tw, y)
    dm_generic, dm = np.empty((tiles, 36, f), dtype), np.empty((tiles, 36, f), dtype)
    winograd._output_grad_transform_kernel(dz, f4.at.astype(dtype), th, tw, dm_generic)
    winograd.output_grad_transform(dz, f4, th, tw, dm, worker=0)
    dv = rng.standard_normal((tiles, 36, c)).astype(dtype)
    dxp_generic, dxp = np.empty_like(xp), np.full_like(xp, np.nan)
    winograd._input_grad_transform_kernel(dv, f4.bt.astype(dtype), 4, th, tw, dxp_generic)
    winograd.input_grad_transform(dv, f4, th, tw, dxp)
    for fast, generic in [(v, v_generic), (y, y_generic), (dm, dm_generic), (dxp, dxp_generic)]:
        assert fast.dtype == dtype
        scale = max(1.0, float(np.abs(generic).max()))
        np.testing.assert_allclose(fast / scale, generic / scale, **tol)


def test_chunks_hold_the_minimum_tiles_when_the_budget_would_leave_fewer():
    """7x7 images of 256 channels: 4 tiles per sample, 295 kB of V and M each; the 4 MB budget alone
    would give chunks of 14 samples (56 tiles), the minimum of 192 tiles gives 48."""
    geom = WindowGeometry(7, 7, (3, 3), (1, 1), "same")
    chunks = winograd.winograd_chunks(1024, geom, 256, 256, 4)
    assert chunks[0] == (0, 48) and chunks[-1][1] == 1024
    small = winograd.winograd_chunks(1024, WindowGeometry(31, 31, (3, 3), (1, 1), "same"), 24, 64, 4)
    assert small[0] == (0, 5)  # 64 tiles of 811 kB per sample: the budget decides
