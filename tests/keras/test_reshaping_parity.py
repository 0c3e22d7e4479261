"""Parity with real Keras for the layers between convolutions (ZeroPadding2D, Cropping2D,
UpSampling2D, Reshape, Permute, Rescaling, SpatialDropout2D, GaussianNoise): forward outputs in
float32, input gradients (through tf.GradientTape), configs. Skipped without TensorFlow."""
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow", reason="TensorFlow is the optional extra 'bench' "
                                              "(pip install minicnn[bench]); parity tests need it")
keras = tf.keras

from minicnn.keras import layers as ours  # noqa: E402

CASES = [
    ("ZeroPadding2D", dict(padding=1), (5, 4, 3)),
    ("ZeroPadding2D", dict(padding=(2, 0)), (3, 4, 2)),
    ("ZeroPadding2D", dict(padding=((0, 2), (3, 1))), (3, 4, 2)),
    ("Cropping2D", dict(cropping=1), (5, 4, 3)),
    ("Cropping2D", dict(cropping=((2, 0), (1, 2))), (6, 5, 2)),
    ("Cropping2D", dict(cropping=((0, 1), (0, 0))), (3, 3, 1)),
    ("UpSampling2D", dict(), (3, 4, 2)),
    ("UpSampling2D", dict(size=(3, 1)), (2, 3, 2)),
    ("UpSampling2D", dict(size=2, interpolation="bilinear"), (3, 4, 2)),
    ("UpSampling2D", dict(size=(3, 4), interpolation="bilinear"), (5, 2, 3)),
    ("UpSampling2D", dict(size=(1, 5), interpolation="bilinear"), (1, 7, 1)),
    ("Reshape", dict(target_shape=(-1, 2)), (3, 4, 2)),
    ("Reshape", dict(target_shape=(4, 6)), (3, 4, 2)),
    ("Permute", dict(dims=(2, 1)), (5, 3)),
    ("Permute", dict(dims=(3, 1, 2)), (3, 4, 2)),
    ("Rescaling", dict(scale=1 / 255.0), (4, 4, 3)),
    ("Rescaling", dict(scale=1 / 127.5, offset=-1.0), (4, 4, 3)),
    ("SpatialDropout2D", dict(rate=0.5), (4, 4, 3)),
    ("GaussianNoise", dict(stddev=0.3), (4, 4, 3)),
]


def ids(case):
    return f"{case[0]}{case[1]}"


@pytest.mark.parametrize("case", CASES, ids=[ids(c) for c in CASES])
def test_forward_and_input_gradient_match_keras(case):
    name, kwargs, shape = case
    rng = np.random.default_rng(len(shape) + sum(shape))
    x = (rng.random((3,) + shape) * 255).astype(np.float32)
    theirs = getattr(keras.layers, name)(**kwargs)
    mine = getattr(ours, name)(**kwargs)
    expected = theirs(x, training=False).numpy()
    got = mine(x, training=False)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-5)   # TF's bilinear: bit-exact in practice

    dy = rng.standard_normal(expected.shape).astype(np.float32)
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = tf.reduce_sum(theirs(xt, training=False) * dy)
    np.testing.assert_allclose(mine.backward(dy), tape.gradient(loss, xt).numpy(), rtol=1e-5, atol=1e-5)


def same_value(a, b):
    if b is None or isinstance(b, (str, bool)):
        return a == b
    return np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float))


@pytest.mark.parametrize("case", CASES, ids=[ids(c) for c in CASES])
def test_configs_carry_kerass_arguments(case):
    name, kwargs, _ = case
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    mine = getattr(ours, name)(**kwargs).get_config()
    shared = set(theirs) & set(mine) - {"name", "trainable", "dtype"}
    assert set(kwargs) <= shared
    for key in shared:
        assert same_value(mine[key], theirs[key]), (key, mine[key], theirs[key])


def test_bilinear_upsampling_is_bit_exact_with_keras():
    x = np.random.default_rng(0).standard_normal((2, 7, 5, 3)).astype(np.float32)
    for size in ((2, 2), (3, 5), (4, 1)):
        expected = keras.layers.UpSampling2D(size, interpolation="bilinear")(x).numpy()
        np.testing.assert_array_equal(ours.UpSampling2D(size, interpolation="bilinear")(x), expected)


def test_spatial_dropout_in_training_drops_channels_like_keras():
    x = np.ones((64, 3, 3, 32), np.float32)
    for layer in (keras.layers.SpatialDropout2D(0.25, seed=1), ours.SpatialDropout2D(0.25, seed=1)):
        y = np.asarray(layer(x, training=True)).reshape(64, 9, 32)
        assert (y == y[:, :1]).all()
        assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
        assert abs((y[:, 0] != 0).mean() - 0.75) < 0.05


def test_gaussian_noise_in_training_has_kerass_spread():
    x = np.zeros((50, 8, 8, 4), np.float32)
    spreads = [np.asarray(layer(x, training=True)).std() for layer in
               (keras.layers.GaussianNoise(0.2, seed=1), ours.GaussianNoise(0.2, seed=1))]
    np.testing.assert_allclose(spreads, 0.2, rtol=0.03)


def test_models_with_these_layers_convert_both_ways():
    from minicnn.interop import from_keras, to_keras
    model = ours_model()
    x = (np.random.default_rng(2).random((4, 6, 6, 2)) * 255).astype(np.float32)
    theirs = to_keras(model)
    assert [type(layer).__name__ for layer in theirs.layers] == [type(layer).__name__ for layer in model.layers]
    np.testing.assert_allclose(theirs(x, training=False).numpy(), model.predict(x), rtol=1e-5, atol=1e-6)
    back = from_keras(theirs)
    np.testing.assert_allclose(back.predict(x), model.predict(x), rtol=1e-6, atol=1e-7)
    assert [layer.get_config() for layer in back.layers] == [layer.get_config() for layer in model.layers]


def ours_model():
    from minicnn.keras import Input, models
    return models.Sequential([
        Input((6, 6, 2)), ours.Rescaling(1 / 127.5, offset=-1.0), ours.GaussianNoise(0.1, seed=3),
        ours.ZeroPadding2D(((1, 0), (2, 1))), ours.Conv2D(3, 3, activation="relu"), ours.SpatialDropout2D(0.3, seed=1),
        ours.UpSampling2D((2, 1), interpolation="bilinear"), ours.Cropping2D(((1, 2), (0, 1))),
        ours.UpSampling2D(2), ours.Permute((2, 1, 3)), ours.Reshape((-1, 6)), ours.Flatten(),
        ours.Dense(4, activation="softmax")])
