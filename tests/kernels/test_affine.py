import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minicnn.kernels.affine import (FILL_MODES, affine_transform_2d_reference, affine_warp, affine_warp_backward,
                                    affine_warp_backward_reference, affine_warp_reference)

MODES = list(FILL_MODES)


def _rotation(theta, h, w, shift=(0.0, 0.0), scale=1.0):
    """A rotation by theta about the image centre, scaled and shifted: (2, 3)."""
    c, s = np.cos(theta) * scale, np.sin(theta) * scale
    a = np.array([[c, -s], [s, c]])
    centre = np.array([(h - 1) / 2, (w - 1) / 2])
    return np.concatenate([a, (centre - a @ centre + np.asarray(shift))[:, None]], axis=1)


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(st.sampled_from([np.uint8, np.float32, np.float64]),
                    st.tuples(st.integers(1, 3), st.integers(1, 7), st.integers(1, 7), st.integers(1, 3)),
                    elements=st.integers(0, 255)),
       mode=st.sampled_from(MODES), data=st.data())
def test_numba_kernel_matches_loop_reference_for_every_fill_mode(x, mode, data):
    n, h, w, _ = x.shape
    matrices = np.stack([
        _rotation(data.draw(st.floats(-4, 4)), h, w,
                  (data.draw(st.floats(-2 * h, 2 * h)), data.draw(st.floats(-2 * w, 2 * w))),
                  data.draw(st.floats(0.3, 3)))
        for _ in range(n)])
    fast = affine_warp(x, matrices, mode, 7.5)
    slow = affine_warp_reference(x, matrices, mode, 7.5)
    assert fast.dtype == np.float32 and fast.shape == x.shape
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("mode", MODES)
def test_identity_and_whole_pixel_shifts_copy_pixels(mode):
    x = np.random.default_rng(0).random((2, 5, 6, 3)).astype(np.float32)
    eye = np.tile(np.array([[1.0, 0, 0], [0, 1, 0]]), (2, 1, 1))
    np.testing.assert_array_equal(affine_warp(x, eye, mode), x)
    shifted = eye.copy()
    shifted[:, 0, 2], shifted[:, 1, 2] = 1, -2  # output (i, j) reads input (i + 1, j - 2)
    out = affine_warp(x, shifted, mode)
    np.testing.assert_array_equal(out[:, :4, 2:], x[:, 1:, :4])


def test_hand_computed_bilinear_and_each_boundary_rule():
    # one row: 0 10 20 30 (n = 4); sample along the columns at chosen positions
    row = np.array([[0.0, 10.0, 20.0, 30.0]])
    positions = np.array([-2.5, -1.0, -0.25, 0.5, 2.75, 3.0, 3.5, 4.0, 5.0, 7.0])

    def sample(mode):
        return np.array([affine_transform_2d_reference(row, np.eye(2), (0.0, p), mode=mode, cval=-1.0)[0, 0]
                         for p in positions])

    np.testing.assert_allclose(sample("nearest"), [0, 0, 0, 5, 27.5, 30, 30, 30, 30, 30])
    # half-sample symmetric: ... 10 0 | 0 10 20 30 | 30 20 10 ...
    np.testing.assert_allclose(sample("reflect"), [15, 0, 0, 5, 27.5, 30, 30, 30, 20, 0])
    # scipy's 'constant': outside [0, n-1] the whole pixel is cval, inside plain bilinear
    np.testing.assert_allclose(sample("constant"), [-1, -1, -1, 5, 27.5, 30, -1, -1, -1, -1])
    # grid-constant: taps outside read cval and are blended
    np.testing.assert_allclose(sample("grid-constant"), [-1, -1, -0.25, 5, 27.5, 30, 14.5, -1, -1, -1])
    # grid-wrap: period 4 ... 20 30 | 0 10 20 30 | 0 10 ...
    np.testing.assert_allclose(sample("grid-wrap"), [15, 30, 7.5, 5, 27.5, 30, 15, 0, 10, 30])
    # scipy's 'wrap': period n - 1 = 3 on the position; -2.5 -> 3.5 - 3 ... see _scipy_wrap
    np.testing.assert_allclose(sample("wrap"), [5, 20, 27.5, 5, 27.5, 30, 5, 10, 20, 10])


def test_rows_and_columns_are_not_mixed_up():
    x = np.arange(12, dtype=np.float32).reshape(1, 3, 4, 1)
    m = np.array([[[1.0, 0, 0.5], [0, 1, 0]]])  # half a row down: average of rows i and i+1
    out = affine_warp(x, m, "nearest")[0, :, :, 0]
    np.testing.assert_allclose(out[:2], (x[0, :2, :, 0] + x[0, 1:, :, 0]) / 2)
    np.testing.assert_allclose(out[2], x[0, 2, :, 0])
    transpose_like = np.array([[[0.0, 1, 0], [1, 0, 0]]])  # out[i, j] = in[j, i] where it exists
    square = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    np.testing.assert_array_equal(affine_warp(square, transpose_like)[0, :, :, 0], square[0, :, :, 0].T)


def test_rotation_by_90_degrees_about_the_centre_is_exact():
    x = np.random.default_rng(1).random((1, 5, 5, 2)).astype(np.float32)
    m = _rotation(np.pi / 2, 5, 5)[None]  # out(i, j) = in(c - (j - c), i)... a quarter turn
    m = np.round(m, 12)
    out = affine_warp(x, m, "constant")
    np.testing.assert_allclose(out[0], np.rot90(x[0], k=-1), atol=1e-6)


def test_bad_arguments_name_what_was_expected():
    x = np.zeros((2, 3, 3, 1))
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        affine_warp(x, np.zeros((2, 2, 3)), "mirror")
    with pytest.raises(ValueError, match=r"matrices of shape \(2, 2, 3\)"):
        affine_warp(x, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        affine_warp(x, np.full((2, 2, 3), np.nan))
    with pytest.raises(ValueError, match=r"\(n, height, width, channels\)"):
        affine_warp(np.zeros((3, 3)), np.zeros((1, 2, 3)))


@pytest.mark.parametrize("mode", ["nearest", "constant", "reflect", "wrap", "grid-constant", "grid-wrap"])
def test_against_scipy_ndimage_when_installed(mode):
    ndimage = pytest.importorskip("scipy.ndimage", reason="scipy is not installed; the hand-computed cases "
                                  "above pin the sampling rules instead")
    rng = np.random.default_rng(2)
    image = rng.random((6, 7))
    for k in range(20):
        m = _rotation(rng.uniform(-3, 3), 6, 7, rng.uniform(-8, 8, 2), rng.uniform(0.5, 2))
        expected = ndimage.affine_transform(image, m[:, :2], m[:, 2], order=1, mode=mode, cval=0.3)
        ours = affine_warp(image[None, :, :, None], m[None], mode, 0.3)[0, :, :, 0]
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


@settings(max_examples=30, deadline=None)
@given(shape=st.tuples(st.integers(1, 2), st.integers(1, 5), st.integers(1, 5), st.integers(1, 2)),
       mode=st.sampled_from(MODES), data=st.data())
def test_backward_kernel_is_the_adjoint_of_the_forward_map(shape, mode, data):
    n, h, w, c = shape
    matrices = np.stack([_rotation(data.draw(st.floats(-4, 4)), h, w,
                                   (data.draw(st.floats(-h, h)), data.draw(st.floats(-w, w))),
                                   data.draw(st.floats(0.4, 2.5))) for _ in range(n)])
    dy = np.random.default_rng(0).normal(size=(n, h + 1, w, c))
    fast = affine_warp_backward(dy, matrices, (h, w), mode)
    slow = affine_warp_backward_reference(dy, matrices, (h, w), mode)
    np.testing.assert_allclose(fast, slow, rtol=1e-6, atol=1e-6)  # the reference warps in float32
    # <warp(x), dy> == <x, warp^T(dy)> with cval = 0 (the map is linear then)
    x = np.random.default_rng(1).normal(size=(n, h, w, c))
    y = affine_warp(x, matrices, mode, 0.0, output_size=(h + 1, w)).astype(np.float64)
    np.testing.assert_allclose(np.sum(y * dy), np.sum(x * fast), rtol=1e-4, atol=1e-4)


def test_read_only_images_are_accepted():
    x = np.arange(12, dtype=np.uint8).reshape(1, 3, 4, 1)
    x.flags.writeable = False
    out = affine_warp(x, np.array([[[1.0, 0, 0], [0, 1, 0]]]))
    np.testing.assert_array_equal(out, x)



@settings(max_examples=40, deadline=None)
@given(mode=st.sampled_from(["nearest", "reflect", "grid-constant", "grid-wrap"]), data=st.data())
def test_nearest_order_matches_reference_and_rounds_halves_away_from_zero(mode, data):
    h, w = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    x = np.random.default_rng(3).normal(size=(2, h, w, 2))
    m = np.stack([_rotation(data.draw(st.floats(-4, 4)), h, w, (data.draw(st.floats(-h, h)), 0.0),
                            data.draw(st.floats(0.5, 2))) for _ in range(2)])
    np.testing.assert_allclose(affine_warp(x, m, mode, 2.5, order=0), affine_warp_reference(x, m, mode, 2.5, order=0),
                               rtol=1e-6)
    dy = np.random.default_rng(4).normal(size=(2, h, w, 2))
    np.testing.assert_allclose(affine_warp_backward(dy, m, (h, w), mode, order=0),
                               affine_warp_backward_reference(dy, m, (h, w), mode, order=0), rtol=1e-6, atol=1e-6)
    row = np.arange(4.0).reshape(1, 1, 4, 1)
    half = np.array([[[1.0, 0, 0], [0, 1, 0.5]]])  # every column reads j + 0.5: rounds up
    np.testing.assert_array_equal(affine_warp(row, half, "nearest", order=0)[0, 0, :, 0], [1, 2, 3, 3])
    with pytest.raises(ValueError, match="order=0 is implemented"):
        affine_warp(row, half, "constant", order=0)
