"""RandomFlip / RandomTranslation / RandomRotation / RandomZoom / RandomContrast against Keras 3.

Keras draws a transformation (``get_random_transformation``), then applies it; minicnn's layer is
given the same draws (through a stub generator) and must produce the same images and accept the
same arguments. Keras runs on its TensorFlow backend here, whose 'wrap' fill differs from the
numpy/jax backends' at the seam (TensorFlow clamps after wrapping), so 'wrap' is compared where
the whole warp stays inside the image only.
"""
import numpy as np
import pytest

pytest.importorskip("tensorflow", reason="tensorflow is not installed")
keras = pytest.importorskip("keras", reason="keras is not installed")

from minicnn.keras import layers as ours  # noqa: E402


class _Draws:
    """A stand-in for the layer's numpy Generator that returns given draws in order."""

    def __init__(self, *arrays):
        self.arrays = [np.asarray(a, dtype=np.float64).reshape(-1) for a in arrays]

    def uniform(self, low, high, size):
        value = self.arrays.pop(0)
        assert value.shape == (size,)
        return value

    def random(self, size):
        return self.uniform(0, 1, size)


def _images(seed=0, shape=(3, 9, 11, 3)):
    return np.random.default_rng(seed).uniform(0, 255, shape).astype(np.float32)


def _keras_apply(layer, x):
    transformation = layer.get_random_transformation(x, training=True)
    return transformation, np.asarray(layer.transform_images(x, transformation, training=True))


@pytest.mark.parametrize("fill_mode", ["reflect", "constant", "nearest"])
def test_rotation(fill_mode):
    x = _images()
    theirs = keras.layers.RandomRotation(0.3, fill_mode=fill_mode, fill_value=5.0, seed=1)
    transformation, expected = _keras_apply(theirs, x)
    mine = ours.RandomRotation(0.3, fill_mode=fill_mode, fill_value=5.0)
    mine.rng = _Draws(np.asarray(transformation["angle"]))
    np.testing.assert_allclose(mine(x, training=True), expected, rtol=1e-4, atol=0.05)
    assert tuple(mine.factor) == tuple(theirs.factor)


@pytest.mark.parametrize("fill_mode", ["reflect", "constant", "nearest"])
def test_translation(fill_mode):
    x = _images(1)
    theirs = keras.layers.RandomTranslation(0.3, (-0.2, 0.4), fill_mode=fill_mode, fill_value=-2.0, seed=2)
    transformation, expected = _keras_apply(theirs, x)
    t = np.asarray(transformation["translations"], dtype=np.float64)  # (n, 2): dx, dy in pixels
    mine = ours.RandomTranslation(0.3, (-0.2, 0.4), fill_mode=fill_mode, fill_value=-2.0)
    mine.rng = _Draws(t[:, 1] / x.shape[1], t[:, 0] / x.shape[2])
    np.testing.assert_allclose(mine(x, training=True), expected, rtol=1e-4, atol=0.05)
    assert (mine.height_lower, mine.height_upper, mine.width_lower, mine.width_upper) == \
        (theirs.height_lower, theirs.height_upper, theirs.width_lower, theirs.width_upper)


@pytest.mark.parametrize("fill_mode", ["reflect", "constant", "nearest"])
@pytest.mark.parametrize("width_factor", [None, (0.1, 0.3)])
def test_zoom(fill_mode, width_factor):
    x = _images(2)
    theirs = keras.layers.RandomZoom((-0.4, 0.3), width_factor, fill_mode=fill_mode, seed=3)
    transformation, expected = _keras_apply(theirs, x)
    draws = [np.asarray(transformation["height_zoom"])]
    if width_factor is not None:
        draws.append(np.asarray(transformation["width_zoom"]))
    mine = ours.RandomZoom((-0.4, 0.3), width_factor, fill_mode=fill_mode)
    mine.rng = _Draws(*draws)
    np.testing.assert_allclose(mine(x, training=True), expected, rtol=1e-4, atol=0.05)


def test_wrap_inside_the_image_agrees():
    x = _images(3)
    theirs = keras.layers.RandomZoom((-0.5, -0.3), fill_mode="wrap", seed=4)  # zooming in: never leaves
    transformation, expected = _keras_apply(theirs, x)
    mine = ours.RandomZoom((-0.5, -0.3), fill_mode="wrap")
    mine.rng = _Draws(np.asarray(transformation["height_zoom"]))
    np.testing.assert_allclose(mine(x, training=True), expected, rtol=1e-4, atol=0.05)


@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip(mode):
    x = _images(4, (8, 5, 6, 2))
    theirs = keras.layers.RandomFlip(mode, seed=5)
    transformation, expected = _keras_apply(theirs, x)
    flips = np.asarray(transformation["flips"]).reshape(-1)
    mine = ours.RandomFlip(mode)
    mine.rng = _Draws(np.where(flips, 0.25, 0.75))
    np.testing.assert_array_equal(mine(x, training=True), expected)


@pytest.mark.parametrize("factor,value_range", [(0.5, (0, 255)), ((0.2, 0.7), (0, 100))])
def test_contrast(factor, value_range):
    x = _images(5)
    theirs = keras.layers.RandomContrast(factor, value_range=value_range, seed=6)
    transformation, expected = _keras_apply(theirs, x)
    mine = ours.RandomContrast(factor, value_range=value_range)
    mine.rng = _Draws(np.asarray(transformation["contrast_factor"]))
    np.testing.assert_allclose(mine(x, training=True), expected, rtol=1e-5, atol=1e-3)
    assert tuple(mine.factor) == tuple(theirs.factor)


@pytest.mark.parametrize("name,args", [("RandomFlip", ("horizontal",)), ("RandomTranslation", (0.1, 0.2)),
                                       ("RandomRotation", (0.2,)), ("RandomZoom", (0.2, 0.1)),
                                       ("RandomContrast", (0.3,))])
def test_identity_at_inference_and_keras_config_keys(name, args):
    x = _images(6)
    mine = getattr(ours, name)(*args, seed=1)
    theirs = getattr(keras.layers, name)(*args, seed=1)
    np.testing.assert_array_equal(mine(x, training=False), x)
    np.testing.assert_array_equal(np.asarray(theirs(x, training=False)), x)
    ours_keys = set(mine.get_config()) - {"name", "trainable"}
    assert ours_keys <= set(theirs.get_config())  # Keras's names for every argument we save
    # both augment when called eagerly without training=
    assert not np.array_equal(np.asarray(mine(x)), x)


@pytest.mark.parametrize("fill_mode", ["reflect", "constant", "nearest"])
def test_nearest_interpolation(fill_mode):
    x = _images(7)
    theirs = keras.layers.RandomRotation(0.3, fill_mode=fill_mode, interpolation="nearest", fill_value=5.0, seed=8)
    transformation, expected = _keras_apply(theirs, x)
    mine = ours.RandomRotation(0.3, fill_mode=fill_mode, interpolation="nearest", fill_value=5.0)
    mine.rng = _Draws(np.asarray(transformation["angle"]))
    got = np.asarray(mine(x, training=True))
    assert np.mean(got != expected) < 0.01, np.mean(got != expected)  # float32 may move a position across a .5 tie
    zoom = keras.layers.RandomZoom((-0.4, 0.3), fill_mode=fill_mode, interpolation="nearest", seed=9)
    transformation, expected = _keras_apply(zoom, x)
    mine = ours.RandomZoom((-0.4, 0.3), fill_mode=fill_mode, interpolation="nearest")
    mine.rng = _Draws(np.asarray(transformation["height_zoom"]))
    assert np.mean(np.asarray(mine(x, training=True)) != expected) < 0.01
