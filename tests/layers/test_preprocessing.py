import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minicnn
from minicnn.layers import (LAYER_CLASSES, Conv2D, Dense, Flatten, RandomContrast, RandomFlip, RandomRotation,
                            RandomTranslation, RandomZoom)
from minicnn.layers.preprocessing import keras_transform_to_matrices, rotation_matrices

from .helpers import assert_gradients_correct


def _images(n=3, h=6, w=7, c=2, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, h, w, c)).astype(np.float32)


def _all_layers(seed=1):
    return [RandomFlip(seed=seed), RandomFlip("horizontal", seed=seed), RandomFlip("vertical", seed=seed),
            RandomTranslation(0.3, (-0.2, 0.4), seed=seed), RandomTranslation(0.2, 0.2, "constant", fill_value=3.0,
                                                                             seed=seed),
            RandomRotation(0.2, seed=seed), RandomRotation((-0.1, 0.3), "nearest", seed=seed),
            RandomRotation(0.5, "wrap", seed=seed), RandomZoom(0.3, seed=seed),
            RandomRotation(0.2, "constant", "nearest", seed=seed), RandomTranslation(0.3, 0.3, interpolation="nearest",
                                                                                    seed=seed),
            RandomZoom((-0.5, 0.2), (0.1, 0.4), "constant", seed=seed), RandomContrast(0.5, seed=seed),
            RandomContrast((0.2, 0.6), value_range=(0, 1), seed=seed)]


@pytest.mark.parametrize("layer", _all_layers(), ids=lambda l: f"{type(l).__name__}")
def test_identity_at_inference_and_shape_dtype_in_training(layer):
    x = _images()
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    y = layer.forward(x, training=True)
    assert y.shape == x.shape and y.dtype == np.float32
    assert not np.array_equal(layer.forward(x, training=True), layer.forward(x, training=True)) or \
        isinstance(layer, RandomFlip)  # fresh draws each call (a flip may repeat by chance)
    assert layer.params == {} and layer.count_params() == 0


@pytest.mark.parametrize("index", range(len(_all_layers())))
def test_config_round_trips_through_json(index):
    layer = _all_layers()[index]
    config = json.loads(json.dumps(layer.get_config()))
    again = LAYER_CLASSES[type(layer).__name__].from_config(config)
    assert again.get_config() == layer.get_config()
    x = _images()
    np.testing.assert_array_equal(again.forward(x, True), type(layer).from_config(config).forward(x, True))


@pytest.mark.parametrize("index", range(len(_all_layers())))
def test_input_gradients_by_finite_differences(index):
    layer = _all_layers()[index]
    if isinstance(layer, RandomContrast):  # keep away from the clip's kink: values well inside the range
        layer.value_range = (-1e3, 1e3)
    assert_gradients_correct(layer, (5, 4, 2), batch_size=2, training=True)
    assert_gradients_correct(_all_layers()[index], (5, 4, 2), batch_size=2, training=False)


def test_first_layer_returns_no_input_gradient_and_model_trains():
    minicnn.set_seed(0)
    model = minicnn.Sequential([RandomFlip("horizontal", input_shape=(8, 8, 1)), RandomRotation(0.1),
                                RandomZoom(0.1), RandomContrast(0.2), Conv2D(2, 3), Flatten(),
                                Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    x = _images(16, 8, 8, 1)
    y = np.arange(16) % 2
    loss = model.train_on_batch(x / 255, y)
    assert np.all(np.isfinite(loss))
    assert model.layers[0].needs_input_grad is False and model.layers[0].backward(np.ones((16, 8, 8, 1))) is None
    np.testing.assert_array_equal(model.predict(x / 255), model.predict(x / 255))  # inference is deterministic


def test_flip_modes():
    x = _images(200, 3, 4, 1)
    layer = RandomFlip("horizontal_and_vertical", seed=0)
    y = layer.forward(x, True)
    for k in range(len(x)):
        expected = x[k, ::-1, ::-1] if layer.flips[k] else x[k]
        np.testing.assert_array_equal(y[k], expected)  # one draw flips both axes (Keras 3)
    assert 70 < layer.flips.sum() < 130
    h = RandomFlip("horizontal", seed=0)
    yh = h.forward(x, True)
    np.testing.assert_array_equal(yh[h.flips], x[h.flips][:, :, ::-1])
    np.testing.assert_array_equal(yh[~h.flips], x[~h.flips])


def test_whole_pixel_translation_moves_content():
    layer = RandomTranslation((0.5, 0.5), (-0.25, -0.25), fill_mode="constant", fill_value=-1.0, seed=0)
    x = _images(2, 4, 8, 1)
    y = layer.forward(x, True)  # dy = 0.5 * 4 = 2 rows down, dx = -0.25 * 8 = 2 columns left
    np.testing.assert_allclose(y[:, 2:, :6], x[:, :2, 2:], atol=1e-4)
    assert np.all(y[:, :2] == -1) and np.all(y[:, :, 6:] == -1)


def test_half_turn_rotation_and_zoom_matrices():
    x = _images(1, 5, 6, 3)
    half = RandomRotation((0.5, 0.5), seed=0).forward(x, True)
    np.testing.assert_allclose(half[0], x[0, ::-1, ::-1], atol=1e-3)
    quarter = rotation_matrices(np.array([np.pi / 2]), 5, 5)  # output (i, j) reads input (j, 4 - i)
    i, j = 1, 3
    r, c = quarter[0] @ np.array([i, j, 1.0])
    assert np.allclose([r, c], [j, 4 - i])
    zoom = RandomZoom((1.0, 1.0), seed=0)  # z = 2: the output shows twice the field of view
    m = zoom._matrices(1, 5, 7)[0]
    assert np.allclose(m, [[2, 0, -2], [0, 2, -3]])


def test_contrast_formula_and_clip():
    x = _images(3, 4, 5, 2)
    layer = RandomContrast((0.4, 0.4), seed=0)  # Keras 3 draws f from [1 - lower, 1 + upper] = [0.6, 1.4]
    y = layer.forward(x, True)
    f = layer.contrast
    assert np.all((f >= 0.6) & (f <= 1.4))
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(y, np.clip((x - mean) * f + mean, 0, 255), rtol=1e-5)
    assert RandomContrast(0.3).factor == [0.0, 0.3]  # a number f means [0, f] (Keras 3's rule)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000))
def test_seeded_layers_repeat(seed):
    x = _images(2, 5, 5, 1)
    for make in (lambda: RandomRotation(0.3, seed=seed), lambda: RandomTranslation(0.2, 0.2, seed=seed)):
        np.testing.assert_array_equal(make().forward(x, True), make().forward(x, True))


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="mode must be one of"):
        RandomFlip("diagonal")
    with pytest.raises(ValueError, match="fill_mode must be one of"):
        RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        RandomZoom(0.1, interpolation="bicubic")
    with pytest.raises(ValueError, match=r"range \[-1, 1\]"):
        RandomRotation(1.5)
    with pytest.raises(ValueError, match=r"range \(-1, 1\]"):
        RandomZoom(-1.0)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        RandomContrast(-0.2)
    with pytest.raises(ValueError, match=r"\(batch, height, width, channels\)"):
        RandomFlip().build((4, 3))
    with pytest.raises(ValueError, match=r"shape \(n, 8\)"):
        keras_transform_to_matrices(np.ones((2, 6)))


def test_model_with_preprocessing_layers_saves_and_loads(tmp_path):
    model = minicnn.Sequential([RandomFlip("horizontal", input_shape=(6, 6, 1)), RandomZoom(0.2, 0.1, "constant"),
                                RandomContrast(0.3), Flatten(), Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    path = tmp_path / "model.npz"
    model.save(path)
    again = minicnn.load_model(path)
    assert [l.get_config() for l in again.layers] == [l.get_config() for l in model.layers]
    x = _images(4, 6, 6, 1)
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6)
