import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minicnn.data.augment import (ImageDataGenerator, random_crop, shift_flip, shift_flip_reference)

image_batches = hnp.arrays(
    st.sampled_from([np.uint8, np.float32, np.float64, np.int16]),
    st.tuples(st.integers(1, 4), st.integers(1, 7), st.integers(1, 7), st.integers(1, 3)),
    elements=st.integers(0, 255),
)


def _params(draw, n, h, w):
    shifts_y = draw(hnp.arrays(np.int64, n, elements=st.integers(-h - 1, h + 1)))
    shifts_x = draw(hnp.arrays(np.int64, n, elements=st.integers(-w - 1, w + 1)))
    flips = draw(hnp.arrays(np.bool_, n))
    return shifts_y, shifts_x, flips


@settings(max_examples=60, deadline=None)
@given(x=image_batches, mode=st.sampled_from(["nearest", "constant"]), data=st.data())
def test_numba_kernel_matches_reference(x, mode, data):
    n, h, w, _ = x.shape
    shifts_y, shifts_x, flips = _params(data.draw, n, h, w)
    fast = shift_flip(x, shifts_y, shifts_x, flips, mode, 7.0)
    slow = shift_flip_reference(x, shifts_y, shifts_x, flips, mode, 7.0)
    assert fast.dtype == np.float32
    np.testing.assert_array_equal(fast, slow)


@settings(max_examples=30, deadline=None)
@given(x=image_batches)
def test_flipping_twice_is_identity_and_zero_shift_changes_nothing(x):
    n = len(x)
    zeros, ones = np.zeros(n, np.int64), np.ones(n, bool)
    once = shift_flip(x, zeros, zeros, ones)
    np.testing.assert_array_equal(once, x[:, :, ::-1].astype(np.float32))
    np.testing.assert_array_equal(shift_flip(once, zeros, zeros, ones), x.astype(np.float32))
    np.testing.assert_array_equal(shift_flip(x, zeros, zeros, ~ones), x.astype(np.float32))
    unchanged = ImageDataGenerator(seed=0).random_transform_batch(x)
    np.testing.assert_array_equal(unchanged, x.astype(np.float32))


def test_shifted_content_and_nearest_fill():
    x = np.arange(5 * 6, dtype=np.float32).reshape(1, 5, 6, 1)
    out = shift_flip(x, np.array([2]), np.array([-1]), np.array([False]))[0, :, :, 0]
    src = x[0, :, :, 0]
    np.testing.assert_array_equal(out[2:, :5], src[:3, 1:])  # content moved down 2, left 1
    np.testing.assert_array_equal(out[:2, :5], np.repeat(src[:1, 1:], 2, axis=0))  # top edge row
    np.testing.assert_array_equal(out[2:, 5], src[:3, 5])  # right edge column
    assert out[0, 5] == src[0, 5]  # corner
    zero_fill = shift_flip(x, np.array([2]), np.array([-1]), np.array([False]), "constant", 0.0)[0, :, :, 0]
    assert np.all(zero_fill[:2] == 0) and np.all(zero_fill[:, 5] == 0)
    np.testing.assert_array_equal(zero_fill[2:, :5], src[:3, 1:])


def test_input_is_not_modified_and_output_is_float32():
    x = np.random.default_rng(0).integers(0, 256, (8, 6, 6, 3), dtype=np.uint8)
    before = x.copy()
    out = ImageDataGenerator(0.3, 2, True, seed=1).random_transform_batch(x)
    assert out.dtype == np.float32 and out.shape == x.shape
    np.testing.assert_array_equal(x, before)


def test_shift_ranges_follow_the_documented_rules():
    x = np.zeros((4000, 10, 20, 1), np.uint8)
    rng = np.random.default_rng(0)
    from minicnn.data.augment import _draw_shifts
    fraction = _draw_shifts(0.2, 20, 4000, rng)  # uniform in [-0.2, 0.2] * 20, rounded
    assert fraction.min() == -4 and fraction.max() == 4
    pixels = _draw_shifts(3, 10, 4000, rng)  # integers -3..3, each about equally often
    assert sorted(set(pixels.tolist())) == [-3, -2, -1, 0, 1, 2, 3]
    assert np.all(np.abs(np.bincount(pixels + 3) - 4000 / 7) < 120)
    assert ImageDataGenerator(width_shift_range=0.2, seed=0).random_transform_batch(x).shape == x.shape
    for bad in (-1, float("inf"), "2", True):
        with pytest.raises(ValueError, match="width_shift_range must be a non-negative number"):
            ImageDataGenerator(width_shift_range=bad)
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        ImageDataGenerator(fill_mode="mirror")


def test_flip_probability_is_one_half():
    x = np.zeros((2000, 1, 2, 1), np.uint8)
    x[:, 0, 1] = 1
    out = ImageDataGenerator(horizontal_flip=True, seed=3).random_transform_batch(x)
    flipped = out[:, 0, 0, 0] == 1
    assert 900 < flipped.sum() < 1100


def test_same_seed_same_batches_and_labels_unchanged():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (50, 8, 8, 3), dtype=np.uint8)
    y = np.arange(50)
    make = lambda: ImageDataGenerator(0.25, 0.25, True, seed=11).flow(x, y, batch_size=16)  # noqa: E731
    first, second = make(), make()
    for _ in range(6):
        (xa, ya), (xb, yb) = next(first), next(second)
        np.testing.assert_array_equal(xa, xb)
        np.testing.assert_array_equal(ya, yb)
    other = ImageDataGenerator(0.25, 0.25, True, seed=12).flow(x, y, batch_size=16)
    assert not np.array_equal(next(make())[1], next(other)[1])


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 40), batch_size=st.integers(1, 17), shuffle=st.booleans())
def test_flow_length_and_every_sample_once_per_pass(n, batch_size, shuffle):
    x = np.arange(n, dtype=np.float32).reshape(n, 1, 1, 1)
    y = np.arange(n) * 3
    it = ImageDataGenerator(horizontal_flip=True, seed=0).flow(x, y, batch_size=batch_size, shuffle=shuffle, seed=5)
    assert len(it) == -(-n // batch_size)
    passes = []
    for _ in range(2):
        seen = []
        for _ in range(len(it)):
            xb, yb = next(it)
            assert xb.dtype == np.float32 and len(xb) <= batch_size
            np.testing.assert_array_equal(xb[:, 0, 0, 0] * 3, yb)  # labels stay with their images
            seen += yb.tolist()
        assert sorted(seen) == y.tolist()
        passes.append(seen)
    if not shuffle:
        assert passes[0] == y.tolist()
    elif n >= 8:
        assert passes[0] != passes[1]  # fresh shuffle each pass


def test_flow_without_labels_and_argument_errors():
    x = np.zeros((5, 2, 2, 1))
    gen = ImageDataGenerator(seed=0)
    assert next(iter(gen.flow(x, batch_size=2))).shape == (2, 2, 2, 1)
    with pytest.raises(ValueError, match="same number of samples"):
        gen.flow(x, np.zeros(4))
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        gen.flow(x, batch_size=0)
    with pytest.raises(ValueError, match=r"expected images of shape \(n, height, width, channels\)"):
        gen.random_transform_batch(np.zeros((2, 2, 2)))


def test_random_crop_is_a_window_of_the_zero_padded_image():
    rng = np.random.default_rng(0)
    x = rng.integers(1, 256, (200, 8, 8, 3), dtype=np.uint8)
    out = random_crop(x, padding=2, rng=1)
    assert out.dtype == np.float32 and out.shape == x.shape
    padded = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0))).astype(np.float32)
    offsets = set()
    for k in range(len(x)):
        matches = [(oy, ox) for oy in range(5) for ox in range(5)
                   if np.array_equal(out[k], padded[k, oy:oy + 8, ox:ox + 8])]
        assert len(matches) == 1
        offsets.add(matches[0])
    assert len(offsets) == 25  # every offset occurs
    np.testing.assert_array_equal(random_crop(x, 2, rng=1), out)
    np.testing.assert_array_equal(random_crop(x, 0, rng=1), x.astype(np.float32))


def test_cifar_recipe_is_pad_crop_flip():
    x = np.random.default_rng(0).integers(1, 256, (64, 32, 32, 3), dtype=np.uint8)
    gen = ImageDataGenerator(width_shift_range=4, height_shift_range=4, horizontal_flip=True,
                             fill_mode="constant", seed=0)
    out = gen.random_transform_batch(x)
    zero_rows = (out == 0).all(axis=(2, 3)).sum(axis=1)
    assert zero_rows.max() <= 4 and zero_rows.min() == 0


# ----- the full Keras option set -------------------------------------------------------------
from minicnn.data.augment import transform_matrices  # noqa: E402
from minicnn.kernels.affine import affine_warp  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(x=image_batches, mode=st.sampled_from(["nearest", "constant"]), data=st.data())
def test_whole_pixel_shortcut_equals_the_affine_warp(x, mode, data):
    n, h, w, _ = x.shape
    params = {"tx": data.draw(hnp.arrays(np.int64, n, elements=st.integers(-w - 1, w + 1))).astype(float),
              "ty": data.draw(hnp.arrays(np.int64, n, elements=st.integers(-h - 1, h + 1))).astype(float),
              "flip_horizontal": data.draw(hnp.arrays(np.bool_, n))}
    gen = ImageDataGenerator(fill_mode=mode, cval=7.0)
    shortcut = gen.apply_transform_batch(x, params)
    warped = affine_warp(x, transform_matrices(params, h, w), mode, 7.0)
    np.testing.assert_array_equal(shortcut, warped)


def test_fill_modes_rotation_and_vertical_flip():
    x = np.arange(4 * 4, dtype=np.float32).reshape(1, 4, 4, 1)
    gen = ImageDataGenerator(fill_mode="constant", cval=-1)
    quarter = gen.apply_transform_batch(x, {"theta": np.array([90.0])})[0, :, :, 0]
    np.testing.assert_allclose(quarter, np.rot90(x[0, :, :, 0]), atol=1e-5)  # Keras turns counter-clockwise
    flipped = gen.apply_transform_batch(x, {"flip_vertical": np.array([True])})
    np.testing.assert_array_equal(flipped, x[:, ::-1])
    for mode in FILL_MODES_ALL:
        out = ImageDataGenerator(fill_mode=mode, cval=-1).apply_transform_batch(x, {"tx": np.array([1.5])})
        assert out.shape == x.shape and np.isfinite(out).all()
        # content moves left by 1.5 columns: column j reads column j + 1.5 (between two pixels)
        np.testing.assert_allclose(out[0, :, :2, 0], (x[0, :, 1:3, 0] + x[0, :, 2:4, 0]) / 2)


FILL_MODES_ALL = ("nearest", "constant", "reflect", "wrap")


def test_zoom_range_and_every_option_is_drawn_within_its_range():
    gen = ImageDataGenerator(0.1, 2, True, seed=0, rotation_range=30, shear_range=15, zoom_range=(0.8, 1.25),
                             channel_shift_range=20, brightness_range=(0.5, 1.5), vertical_flip=True)
    p = gen.get_random_transform_batch((10, 20, 3), 4000)
    assert np.all(np.abs(p["theta"]) <= 30) and np.abs(p["theta"]).max() > 29
    assert np.all(np.abs(p["shear"]) <= 15)
    assert np.all((p["zx"] >= 0.8) & (p["zx"] <= 1.25)) and not np.array_equal(p["zx"], p["zy"])
    assert np.all(np.abs(p["channel_shift_intensity"]) <= 20)
    assert np.all((p["brightness"] >= 0.5) & (p["brightness"] <= 1.5))
    assert sorted(set((-p["ty"]).tolist())) == [-2, -1, 0, 1, 2]  # whole pixels, rows
    assert set(np.abs(p["tx"]).tolist()) <= {0.0, 1.0, 2.0}  # 0.1 * 20 columns, rounded
    assert 1800 < p["flip_vertical"].sum() < 2200
    assert ImageDataGenerator(zoom_range=0.3).zoom_range == [0.7, 1.3]
    x = np.random.default_rng(0).integers(0, 256, (8, 10, 20, 3), dtype=np.uint8)
    out = gen.random_transform_batch(x)
    assert out.shape == x.shape and out.dtype == np.float32 and np.all((out >= 0) & (out <= 255))


def test_channel_shift_and_brightness():
    x = np.array([[[[10.0, 50.0, 30.0]], [[200.0, 100.0, 60.0]]]], dtype=np.float32)  # (1, 2, 1, 3)
    gen = ImageDataGenerator()
    shifted = gen.apply_transform_batch(x, {"channel_shift_intensity": 120.0})
    np.testing.assert_array_equal(shifted[0, :, 0], [[130, 170, 150], [200, 200, 180]])  # clipped to the max
    bright = gen.apply_transform_batch(x, {"brightness": 1.5})
    np.testing.assert_array_equal(bright, np.minimum(np.trunc(x * np.float32(1.5)), 255))


def test_brightness_matches_pillow():
    from PIL import Image, ImageEnhance
    x = np.random.default_rng(0).integers(0, 256, (1, 6, 7, 3)).astype(np.float32)
    for b in (0.3, 0.77, 1.0, 1.6):
        expected = np.asarray(ImageEnhance.Brightness(Image.fromarray(x[0].astype(np.uint8))).enhance(b))
        got = ImageDataGenerator().apply_transform_batch(x, {"brightness": b})[0]
        np.testing.assert_array_equal(got, expected)


def test_standardize_fit_and_the_keras_warnings():
    rng = np.random.default_rng(0)
    x = rng.normal(50, 10, (100, 4, 4, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match="overrides setting of `featurewise_center`"):
        gen = ImageDataGenerator(featurewise_std_normalization=True, rescale=0.5)
    with pytest.warns(UserWarning, match="hasn't been fit"):
        gen.standardize(x[:2].copy())
    gen.fit(x)
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    out = gen.standardize(x.copy())
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-3)
    sample = ImageDataGenerator(samplewise_center=True, samplewise_std_normalization=True).standardize(x.copy())
    np.testing.assert_allclose(sample.mean(axis=(1, 2, 3)), 0, atol=1e-4)
    calls = []
    pre = ImageDataGenerator(preprocessing_function=lambda im: calls.append(im.shape) or im * 2, rescale=0.5)
    np.testing.assert_allclose(pre.standardize(x[:3].copy()), x[:3])  # per image, before rescale
    assert calls == [(4, 4, 3)] * 3
    with pytest.raises(ValueError, match="must return an image of shape"):
        ImageDataGenerator(preprocessing_function=lambda im: im[0]).standardize(x[:1].copy())


def test_flow_subsets_labels_optional_and_sample_weights():
    x = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1)
    y = np.arange(10) % 2
    gen = ImageDataGenerator(validation_split=0.3)
    val = gen.flow(x, y, batch_size=10, shuffle=False, subset="validation")
    train = gen.flow(x, y, batch_size=10, shuffle=False, subset="training")
    assert next(val)[0][:, 0, 0, 0].tolist() == [0, 1, 2] and next(train)[0][:, 0, 0, 0].tolist() == list(range(3, 10))
    assert next(gen.flow(x, batch_size=4, shuffle=False)).shape == (4, 1, 1, 1)  # no labels: images only
    xb, yb, wb = next(gen.flow(x, y, batch_size=4, shuffle=False, sample_weight=np.arange(10) / 10))
    assert wb.tolist() == [0, 0.1, 0.2, 0.3]
    assert len(gen.flow(x, y, batch_size=4)) == 3 and len(gen.flow(x, batch_size=4)[2]) == 2
    with pytest.raises(ValueError, match="validation_split"):
        ImageDataGenerator().flow(x, y, subset="training")
    with pytest.raises(ValueError, match="subset must be"):
        gen.flow(x, y, subset="test")
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        ImageDataGenerator(validation_split=1.5)


@pytest.mark.parametrize("bad,match", [
    ({"zoom_range": (1, 2, 3)}, "zoom_range"), ({"brightness_range": 0.5}, "brightness_range"),
    ({"rotation_range": -1}, "rotation_range"), ({"interpolation_order": 3}, "interpolation_order"),
    ({"preprocessing_function": 3}, "callable"), ({"brightness_range": (2, 1)}, "lower <= upper")])
def test_bad_options_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**bad)
