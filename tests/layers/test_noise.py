"""SpatialDropout2D and GaussianNoise: training-only, seeded, gradients with a fixed draw, configs."""
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn
from minicnn.layers import Conv2D, Dense, Flatten, GaussianNoise, SpatialDropout2D

from .helpers import assert_gradients_correct, assert_save_load_round_trip

image_shapes = st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4))


@given(image_shapes, st.integers(1, 3), st.sampled_from([0.0, 0.3, 0.7]), st.booleans())
def test_spatial_dropout_gradients(shape, batch, rate, training):
    assert_gradients_correct(SpatialDropout2D(rate, seed=5), shape, batch_size=batch, training=training)


def test_spatial_dropout_drops_whole_channels_with_inverted_scaling():
    layer = SpatialDropout2D(0.4, seed=0)
    x = np.ones((200, 3, 4, 50), np.float32)
    y = layer.forward(x, training=True)
    per_channel = y.reshape(200, 12, 50)
    assert (per_channel == per_channel[:, :1]).all()           # one decision per (sample, channel)
    kept = per_channel[:, 0] != 0
    np.testing.assert_allclose(per_channel[:, 0][kept], 1 / 0.6, rtol=1e-6)
    assert abs(kept.mean() - 0.6) < 0.02
    assert layer.keep.shape == (200, 1, 1, 50) and layer.mask.shape == (200, 1, 1, 50)
    dy = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    np.testing.assert_array_equal(layer.backward(dy), dy * layer.mask)


def test_spatial_dropout_identity_at_inference_and_seeding():
    x = np.random.default_rng(0).standard_normal((4, 3, 3, 8)).astype(np.float32)
    layer = SpatialDropout2D(0.5, seed=1)
    assert layer.forward(x, training=False) is x and layer.keep is None
    np.testing.assert_array_equal(layer.backward(x), x)
    np.testing.assert_array_equal(SpatialDropout2D(0.5, seed=3).forward(x, True),
                                  SpatialDropout2D(0.5, seed=3).forward(x, True))
    minicnn.set_seed(7)
    a = SpatialDropout2D(0.5).forward(x, True)
    minicnn.set_seed(7)
    np.testing.assert_array_equal(SpatialDropout2D(0.5).forward(x, True), a)


def test_spatial_dropout_errors():
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        SpatialDropout2D(1.0)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        SpatialDropout2D(-0.1)
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, height, width, channels\)"):
        SpatialDropout2D(0.5).build((10,))


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(1, 3), st.sampled_from([0.0, 0.2, 1.0]),
       st.booleans())
def test_gaussian_noise_gradients(shape, batch, stddev, training):
    assert_gradients_correct(GaussianNoise(stddev, seed=2), tuple(shape), batch_size=batch, training=training)


def test_gaussian_noise_adds_noise_of_the_right_size_only_in_training():
    x = np.full((100, 10, 10, 2), 3.0, np.float32)
    layer = GaussianNoise(0.25, seed=0)
    assert layer.forward(x, training=False) is x
    y = layer.forward(x, training=True)
    assert y.dtype == np.float32
    noise = y - x
    assert abs(noise.mean()) < 0.005 and abs(noise.std() - 0.25) < 0.005
    np.testing.assert_array_equal(GaussianNoise(0.25, seed=0).forward(x, True), y)
    assert not np.array_equal(layer.forward(x, True), y)   # a new draw each call
    np.testing.assert_array_equal(layer.backward(noise), noise)


@pytest.mark.parametrize("bad", [-0.1, 1.5, "0.1", float("inf")])
def test_gaussian_noise_bad_stddev(bad):
    with pytest.raises(ValueError, match="stddev must be"):
        GaussianNoise(bad)


@pytest.mark.parametrize("layer", [SpatialDropout2D(0.3, seed=4, name="sd"), GaussianNoise(0.1, seed=None)])
def test_config_round_trip(layer):
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


def test_model_saves_and_resumes_the_noise_generators(tmp_path):
    minicnn.set_seed(0)
    model = minicnn.Sequential([GaussianNoise(0.1, input_shape=(5, 5, 1)), Conv2D(3, 3, activation="relu"),
                                SpatialDropout2D(0.5), Flatten(), Dense(2, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).standard_normal((8, 5, 5, 1)).astype(np.float32)
    y = np.arange(8) % 2
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    loaded = assert_save_load_round_trip(model, x, tmp_path / "m.npz")
    for ours, theirs in zip(model.layers, loaded.layers):
        if ours.stochastic:
            assert ours.rng.bit_generator.state == theirs.rng.bit_generator.state
