"""minicnn.filters: hand-computed values on tiny images, invariants, and input errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minicnn import filters

SMALL = dict(max_examples=25, deadline=None)


def step_image(h=7, w=8, at=4):
    """0 left of column ``at``, 1 from it on."""
    img = np.zeros((h, w))
    img[:, at:] = 1.0
    return img


def images(min_side=1, max_side=9, channels=(None, 1, 3)):
    """Hypothesis strategy: float images (H, W) or (H, W, C) with values in [-10, 10]."""
    def build(shape):
        return hnp.arrays(np.float64, shape, elements=st.floats(-10, 10, allow_nan=False, width=32))
    side = st.integers(min_side, max_side)
    return st.tuples(side, side, st.sampled_from(channels)).flatmap(
        lambda s: build(s[:2] if s[2] is None else s))


# ------------------------------------------------------------------ convolve2d

def test_impulse_response_is_the_kernel_unflipped_in_place():
    """True convolution: an impulse at the centre reproduces the kernel itself around it."""
    img = np.zeros((5, 5))
    img[2, 2] = 1.0
    kernel = np.arange(9.0).reshape(3, 3)
    out = filters.convolve2d(img, kernel)
    expected = np.zeros((5, 5))
    expected[1:4, 1:4] = kernel
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float32


def test_convolution_flips_the_kernel():
    """out[i, j] = sum k[u, v] img[i - (u-1), j - (v-1)]: a kernel with a single 1 at (0, 2)
    gives out[i, j] = img[i + 1, j - 1]: the image moves one row up and one column right
    (edges replicated). Cross-correlation would give img[i - 1, j + 1]."""
    img = np.arange(16.0).reshape(4, 4)
    kernel = np.zeros((3, 3))
    kernel[0, 2] = 1.0
    padded = np.pad(img, 1, mode="edge")
    expected = padded[2:6, 0:4]  # img[i + 1, j - 1]
    np.testing.assert_array_equal(filters.convolve2d(img, kernel), expected)


def test_edge_replication_at_the_border():
    """The flipped kernel [1, 0, 0] reads the pixel to the right; at the last column that is itself."""
    img = np.array([[1.0, 2.0, 3.0]])
    out = filters.convolve2d(img, np.array([[1.0, 0.0, 0.0]]))
    np.testing.assert_array_equal(out, [[2.0, 3.0, 3.0]])


def test_matches_a_direct_loop_per_channel():
    rng = np.random.default_rng(0)
    img = rng.random((6, 5, 3))
    kernel = rng.standard_normal((3, 5))
    pad = np.pad(img, ((1, 1), (2, 2), (0, 0)), mode="edge")
    flipped = kernel[::-1, ::-1]
    expected = np.zeros_like(img)
    for i in range(6):
        for j in range(5):
            expected[i, j] = np.tensordot(flipped, pad[i:i + 3, j:j + 5], axes=([0, 1], [0, 1]))
    np.testing.assert_allclose(filters.convolve2d(img, kernel), expected, rtol=1e-5, atol=1e-5)


def test_uint8_input_keeps_its_scale():
    img = np.full((4, 4), 200, np.uint8)
    out = filters.box_blur(img, 3)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 200.0)


@settings(**SMALL)
@given(images())
def test_identity_kernel_returns_the_image(img):
    np.testing.assert_allclose(filters.convolve2d(img, np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]])),
                               img.astype(np.float32), atol=1e-5)


@settings(**SMALL)
@given(images(), st.floats(-5, 5, allow_nan=False))
def test_blur_and_sharpen_keep_a_constant_image(img, value):
    const = np.full_like(img, value)
    for out in (filters.box_blur(const, 3), filters.gaussian_blur(const, 5, 1.3), filters.sharpen(const, 1.5)):
        assert out.shape == const.shape
        np.testing.assert_allclose(out, value, atol=1e-4)


@settings(**SMALL)
@given(images(min_side=2))
def test_blur_stays_within_the_image_range(img):
    out = filters.gaussian_blur(img, 3, 0.8)
    assert out.min() >= img.min() - 1e-4 and out.max() <= img.max() + 1e-4


# ------------------------------------------------------------------ kernels

def test_sharpen_kernel_is_the_classic_one():
    np.testing.assert_array_equal(filters.sharpen_kernel(1.0), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    np.testing.assert_array_equal(filters.sharpen_kernel(0.0), [[0, 0, 0], [0, 1, 0], [0, 0, 0]])


def test_sharpen_of_an_impulse_by_hand():
    img = np.zeros((3, 3))
    img[1, 1] = 1.0
    np.testing.assert_allclose(filters.sharpen(img), [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])


def test_box_blur_of_an_impulse_by_hand():
    img = np.zeros((3, 3))
    img[1, 1] = 9.0
    np.testing.assert_allclose(filters.box_blur(img, 3), np.ones((3, 3)), rtol=1e-6)


def test_gaussian_kernel_values():
    k = filters.gaussian_kernel(3, 1.0)
    g = np.exp(-np.array([1.0, 0.0, 1.0]) / 2)
    g /= g.sum()
    np.testing.assert_allclose(k, np.outer(g, g))
    assert k.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(k, k.T)


# ------------------------------------------------------------------ sobel

def test_sobel_of_a_vertical_step_by_hand():
    mag, direction = filters.sobel(step_image())
    expected = np.zeros((7, 8))
    expected[:, 3:5] = 4.0  # (1 + 2 + 1) * (1 - 0) on the two columns beside the step
    np.testing.assert_allclose(mag, expected)
    np.testing.assert_allclose(direction[:, 3:5], 0.0)  # dark -> bright to the right: direction 0


def test_sobel_signs_follow_the_axes():
    """Bright below: direction +pi/2; bright on the left: direction pi; bright above: -pi/2."""
    down = step_image().T  # 0 above row 4, 1 from it on
    _, d = filters.sobel(down)
    np.testing.assert_allclose(d[3:5, :], math.pi / 2, rtol=1e-6)
    _, d = filters.sobel(1.0 - step_image())
    np.testing.assert_allclose(np.abs(d[:, 3:5]), math.pi, rtol=1e-6)
    _, d = filters.sobel(1.0 - down)
    np.testing.assert_allclose(d[3:5, :], -math.pi / 2, rtol=1e-6)


def test_sobel_gradient_of_a_ramp():
    """Intensity 2*j + 3*i: gx = 8 * 2, gy = 8 * 3 inside (Sobel weights sum to 8 per unit slope)."""
    i, j = np.mgrid[0:6, 0:6]
    mag, direction = filters.sobel((2.0 * j + 3.0 * i).astype(np.float64))
    np.testing.assert_allclose(mag[1:-1, 1:-1], math.hypot(16, 24), rtol=1e-5)
    np.testing.assert_allclose(direction[1:-1, 1:-1], math.atan2(24, 16), rtol=1e-5)


def test_sobel_of_a_color_image_uses_luma():
    rgb = np.stack([step_image()] * 3, axis=-1)
    np.testing.assert_allclose(filters.sobel(rgb)[0], filters.sobel(step_image())[0], rtol=1e-5)


@settings(**SMALL)
@given(st.integers(1, 9), st.integers(1, 9), st.floats(-100, 100, allow_nan=False))
def test_sobel_of_a_constant_image_is_zero(h, w, value):
    mag, _ = filters.sobel(np.full((h, w), value))
    np.testing.assert_allclose(mag, 0.0, atol=1e-3)


# ------------------------------------------------------------------ canny

def test_canny_of_a_filled_square_marks_its_border_only():
    img = np.zeros((24, 24))
    img[6:18, 6:18] = 1.0
    edges = filters.canny(img, low=0.2, high=0.5, sigma=1.0)
    assert edges.dtype == np.bool_ and edges.shape == img.shape
    ring = np.zeros_like(edges)
    ring[4:20, 4:20] = True
    ring[8:16, 8:16] = False  # within two pixels of the square's boundary
    assert not edges[~ring].any(), "edges found inside the square or far outside it"
    # every side of the square is detected along its middle
    for side in (edges[10:14, 4:9], edges[10:14, 15:20], edges[4:9, 10:14], edges[15:20, 10:14]):
        assert side.any(axis=(0, 1))
    for r in range(8, 16):  # each row crossing the square has an edge on the left and the right
        assert edges[r, 4:9].sum() == 1 and edges[r, 15:20].sum() == 1


def test_canny_step_is_one_pixel_thick():
    edges = filters.canny(step_image(9, 12, 6), sigma=1.0)
    assert edges[:, :].sum(axis=1).tolist() == [1] * 9
    assert set(np.flatnonzero(edges.any(axis=0))) <= {5, 6}


def test_canny_uint8_matches_the_scaled_float_image():
    img = (step_image() * 255).astype(np.uint8)
    np.testing.assert_array_equal(filters.canny(img), filters.canny(step_image()))


def test_canny_hysteresis_keeps_weak_pixels_connected_to_strong_ones():
    """One vertical step whose contrast c fades from 1 (top) to 0.05 (bottom): its Sobel magnitude
    is about 4c. With low = high = 2 only rows with 4c >= 2 are edges; with low = 0.3 hysteresis
    follows the edge down to the rows with 4c >= 0.3. The same weak contrast alone gives nothing."""
    contrast = np.linspace(1.0, 0.05, 60)
    img = np.zeros((60, 20))
    img[:, 10:] = contrast[:, None]
    strong_only = filters.canny(img, low=2.0, high=2.0, sigma=0)
    linked = filters.canny(img, low=0.3, high=2.0, sigma=0)
    np.testing.assert_array_equal(strong_only.any(axis=1), 4 * contrast >= 2.0)
    np.testing.assert_array_equal(linked.any(axis=1), 4 * contrast >= 0.3)
    assert linked.sum(axis=1).max() == 1 and set(np.flatnonzero(linked.any(axis=0))) <= {9, 10}
    weak_alone = np.zeros((20, 20))
    weak_alone[:, 10:] = 0.1  # Sobel 0.4: above low, below high
    assert not filters.canny(weak_alone, low=0.3, high=2.0, sigma=0).any()


@settings(**SMALL)
@given(st.integers(3, 12), st.integers(3, 12), st.floats(0, 1))
def test_canny_of_a_constant_image_is_empty(h, w, value):
    assert not filters.canny(np.full((h, w), value)).any()


# ------------------------------------------------------------------ errors

@pytest.mark.parametrize("bad, message", [
    (np.zeros((1, 4, 4, 3)), r"\(H, W\) or \(H, W, C\), received shape \(1, 4, 4, 3\)"),
    (np.zeros(5), r"received shape \(5,\)"),
    (np.array([[0.0, np.nan]]), "finite pixel values, received nan at index"),
    (np.array([[0.0, np.inf]]), "finite"),
    (np.zeros((3, 3), dtype=bool), "dtype bool"),
    (np.zeros((0, 3)), "non-empty"),
])
def test_bad_images_are_rejected(bad, message):
    with pytest.raises(ValueError, match=message):
        filters.gaussian_blur(bad)


@pytest.mark.parametrize("kernel, message", [
    (np.ones((2, 2)), r"odd height and width.*\(2, 2\)"),
    (np.ones((3, 4)), "odd"),
    (np.ones((3, 3, 1)), r"2-D array \(kh, kw\), received shape \(3, 3, 1\)"),
    (np.array([[np.nan]]), "finite"),
])
def test_bad_kernels_are_rejected(kernel, message):
    with pytest.raises(ValueError, match=message):
        filters.convolve2d(np.zeros((4, 4)), kernel)


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="size: expected a positive odd integer, received 4"):
        filters.box_blur(np.zeros((4, 4)), 4)
    with pytest.raises(ValueError, match="sigma: expected a finite number > 0"):
        filters.gaussian_blur(np.zeros((4, 4)), 3, 0.0)
    with pytest.raises(ValueError, match="low <= high"):
        filters.canny(np.zeros((4, 4)), low=0.5, high=0.2)
    with pytest.raises(ValueError, match="1 or 3 channels"):
        filters.sobel(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match="amount"):
        filters.sharpen(np.zeros((4, 4)), amount=-1)
