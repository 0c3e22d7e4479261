"""ZeroPadding2D, Cropping2D, UpSampling2D, Reshape, Permute, Rescaling: loop references, float64
gradient checks over generated shapes, argument errors, config and save/load round trips."""
import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minicnn
from minicnn.layers import (Conv2D, Cropping2D, Dense, Flatten, Permute, Rescaling, Reshape, UpSampling2D,
                            ZeroPadding2D)
from minicnn.layers.reshaping import (bilinear_matrix, cropping_reference, resize_bilinear, upsampling_reference,
                                      zero_padding_reference)

from .helpers import assert_gradients_correct, assert_save_load_round_trip

sides = st.integers(0, 3)
pairs = st.tuples(st.tuples(sides, sides), st.tuples(sides, sides))


def random_images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def config_round_trip(layer):
    config = json.loads(json.dumps(layer.get_config()))
    return type(layer).from_config(config)


# ------------------------------------------------------------------ ZeroPadding2D
@given(pairs, st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 2))
def test_zero_padding_matches_the_loop_reference_and_gradients(padding, h, w, c, n):
    x = random_images((n, h, w, c))
    layer = ZeroPadding2D(padding)
    np.testing.assert_array_equal(layer.forward(x), zero_padding_reference(x, padding))
    assert_gradients_correct(ZeroPadding2D(padding), (h, w, c), batch_size=n)


def test_zero_padding_argument_forms():
    assert ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert ZeroPadding2D(2).padding == ((2, 2), (2, 2))
    assert ZeroPadding2D((1, 3)).padding == ((1, 1), (3, 3))
    assert ZeroPadding2D(((0, 1), (2, 3))).build((4, 5, 2)) == (5, 10, 2)
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1)
    y = ZeroPadding2D(1).forward(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[0, 0, 0, 0], [0, 0, 1, 0], [0, 2, 3, 0], [0, 0, 0, 0]])


@pytest.mark.parametrize("bad", [-1, (1, 2, 3), ((1, 2), (3,)), ((1, -2), (0, 0)), 1.5, "same", (True, 1)])
def test_zero_padding_bad_arguments(bad):
    with pytest.raises(ValueError, match="padding"):
        ZeroPadding2D(bad)


def test_padding_and_cropping_need_images():
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, height, width, channels\)"):
        ZeroPadding2D(1).build((5, 2))
    with pytest.raises(ValueError, match="expects inputs of shape"):
        Cropping2D(1).build((5,))


# ------------------------------------------------------------------ Cropping2D
@given(pairs, st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2))
def test_cropping_matches_the_loop_reference_and_gradients(cropping, extra_h, extra_w, c, n):
    (t, b), (l, r) = cropping
    h, w = t + b + extra_h, l + r + extra_w
    x = random_images((n, h, w, c))
    np.testing.assert_array_equal(Cropping2D(cropping).forward(x), cropping_reference(x, cropping))
    assert_gradients_correct(Cropping2D(cropping), (h, w, c), batch_size=n)


def test_cropping_shapes_and_errors():
    assert Cropping2D(((2, 2), (4, 4))).build((28, 28, 3)) == (24, 20, 3)
    assert Cropping2D().build((3, 3, 1)) == (3, 3, 1)
    with pytest.raises(ValueError, match="should be smaller than the corresponding spatial dimension"):
        Cropping2D(((2, 1), (0, 0))).build((3, 4, 1))
    with pytest.raises(ValueError, match="cropping"):
        Cropping2D(-1)
    layer = Cropping2D(1)
    layer.build((4, 4, 1))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, 4, 4, 1\)"):
        layer.forward(np.zeros((1, 5, 4, 1)))


# ------------------------------------------------------------------ UpSampling2D
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2),
       st.sampled_from(["nearest", "bilinear"]))
def test_upsampling_matches_the_loop_reference_and_gradients(sh, sw, h, w, n, interpolation):
    x = random_images((n, h, w, 2))
    layer = UpSampling2D((sh, sw), interpolation=interpolation)
    np.testing.assert_allclose(layer.forward(x), upsampling_reference(x, (sh, sw), interpolation), rtol=0,
                               atol=1e-6)
    assert_gradients_correct(UpSampling2D((sh, sw), interpolation=interpolation), (h, w, 2), batch_size=n)


def test_upsampling_nearest_repeats_rows_and_columns():
    x = np.arange(6, dtype=np.float32).reshape(2, 1, 1, 3) + np.zeros((2, 2, 1, 3), np.float32)
    y = UpSampling2D(size=(1, 2)).forward(x)
    assert y.shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(y[:, :, 0], y[:, :, 1])
    np.testing.assert_array_equal(y[:, :, 0], x[:, :, 0])


def test_bilinear_values_by_hand():
    # one row [0, 1] upsampled by 2: samples at -0.25, 0.25, 0.75, 1.25 -> 0, 0.25, 0.75, 1 (edges clamp)
    x = np.array([0.0, 1.0], np.float32).reshape(1, 1, 2, 1)
    y = UpSampling2D((1, 2), interpolation="bilinear").forward(x)
    np.testing.assert_allclose(y.ravel(), [0, 0.25, 0.75, 1])
    assert y.dtype == np.float32


@given(st.integers(1, 6), st.integers(1, 9))
def test_bilinear_matrix_rows_are_convex_weights_and_resizing_is_its_product(n, m):
    a = bilinear_matrix(n, m)
    np.testing.assert_allclose(a.sum(axis=1), 1, atol=1e-7)
    assert (a >= 0).all()
    x = random_images((1, n, 3, 1))
    y = resize_bilinear(x, m, 3)
    np.testing.assert_allclose(y[0, :, :, 0], a @ x[0, :, :, 0] @ bilinear_matrix(3, 3).T, atol=1e-6)


@pytest.mark.parametrize("interpolation", ["bicubic", "lanczos3", "lanczos5"])
def test_upsampling_other_keras_interpolations_are_not_implemented(interpolation):
    with pytest.raises(NotImplementedError, match="use interpolation='bilinear' or 'nearest'"):
        UpSampling2D(interpolation=interpolation)


def test_upsampling_bad_arguments():
    with pytest.raises(ValueError, match="interpolation must be one of"):
        UpSampling2D(interpolation="linear")
    with pytest.raises(ValueError, match="size"):
        UpSampling2D(0)
    with pytest.raises(ValueError, match="size"):
        UpSampling2D((2, 2, 2))
    assert UpSampling2D(interpolation="BILINEAR").interpolation == "bilinear"  # Keras lower-cases it


# ------------------------------------------------------------------ Reshape and Permute
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2))
def test_reshape_infers_minus_one_and_gradients(a, b, c, where):
    target = [a * b, c]
    target.insert(where % 3, 1)
    target[where % len(target)] = -1
    layer = Reshape(tuple(target))
    out = layer.build((a, b, c))
    assert np.prod(out) == a * b * c and -1 not in out
    x = random_images((2, a, b, c))
    np.testing.assert_array_equal(layer.forward(x), x.reshape((2,) + out))
    assert_gradients_correct(Reshape(tuple(target)), (a, b, c), batch_size=2)


def test_reshape_errors():
    with pytest.raises(ValueError, match="total size of the tensor must be unchanged"):
        Reshape((5, 2)).build((3, 3))
    with pytest.raises(ValueError, match="divisible"):
        Reshape((-1, 2)).build((3, 3))
    with pytest.raises(ValueError, match="single unknown dimension"):
        Reshape((-1, -1))
    with pytest.raises(ValueError, match="single unknown dimension"):
        Reshape((0, 3))
    with pytest.raises(ValueError, match="tuple of ints"):
        Reshape((2.0, 3))
    assert Reshape(6).build((2, 3)) == (6,)


@given(st.permutations([1, 2, 3]), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3))
def test_permute_transposes_and_gradients(dims, a, b, c):
    layer = Permute(tuple(dims))
    x = random_images((2, a, b, c))
    y = layer.forward(x)
    for i in range(a):
        for j in range(b):
            for k in range(c):
                index = (i, j, k)
                assert y[(1,) + tuple(index[d - 1] for d in dims)] == x[1, i, j, k]
    assert_gradients_correct(Permute(tuple(dims)), (a, b, c), batch_size=2)


def test_permute_errors():
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        Permute((0, 1))
    with pytest.raises(ValueError, match="must be consecutive and start from 1"):
        Permute((1, 1))
    with pytest.raises(ValueError, match="expects inputs with 2 axes"):
        Permute((2, 1)).build((2, 3, 4))
    assert Permute((2, 1)).build((10, 64)) == (64, 10)


# ------------------------------------------------------------------ Rescaling
def test_rescaling_values_and_integer_inputs():
    x = np.array([[0, 128, 255]], dtype=np.uint8)
    y = Rescaling(1.0 / 127.5, offset=-1).forward(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, [[-1, 128 / 127.5 - 1, 1]], atol=1e-6)
    np.testing.assert_array_equal(Rescaling(2.0).forward(x, training=False), 2.0 * x.astype(np.float32))


@given(st.floats(-3, 3).filter(lambda s: abs(s) > 0.1), st.floats(-2, 2))
def test_rescaling_gradients(scale, offset):
    assert_gradients_correct(Rescaling(scale, offset), (3, 2, 2), batch_size=2)


def test_rescaling_per_channel():
    layer = Rescaling([1.0, 2.0, 3.0], offset=[0.0, 1.0, 0.0])
    x = np.ones((2, 2, 2, 3), np.float32)
    np.testing.assert_array_equal(layer.forward(x)[0, 0, 0], [1, 3, 3])
    np.testing.assert_array_equal(layer.backward(np.ones_like(x))[1, 1, 1], [1, 2, 3])
    assert_gradients_correct(Rescaling([0.5, -2.0, 3.0], 0.1), (2, 2, 3), batch_size=2)
    with pytest.raises(ValueError, match="does not broadcast"):
        Rescaling([1.0, 2.0]).build((4, 4, 3))


@pytest.mark.parametrize("bad", ["1/255", None, float("nan"), [1, "a"]])
def test_rescaling_bad_scale(bad):
    with pytest.raises(ValueError, match="scale must be a finite number"):
        Rescaling(bad)


# ------------------------------------------------------------------ configs and saving
LAYERS = [lambda: ZeroPadding2D(((1, 0), (2, 3)), name="pad"), lambda: Cropping2D(((1, 0), (0, 1))),
          lambda: UpSampling2D((2, 1), interpolation="bilinear"), lambda: UpSampling2D(3),
          lambda: Reshape((-1, 2)), lambda: Permute((2, 1, 3)), lambda: Rescaling(1 / 255.0, 0.5),
          lambda: Rescaling([1.0, 2.0], [0.0, -1.0])]


@pytest.mark.parametrize("make", LAYERS)
def test_config_round_trip(make):
    layer = make()
    copy = config_round_trip(layer)
    assert copy.get_config() == layer.get_config()
    x = random_images((2, 4, 4, 2)).astype(np.float32)
    np.testing.assert_array_equal(copy.forward(x), layer.forward(x))


def test_model_with_every_reshaping_layer_saves_and_loads(tmp_path):
    model = minicnn.Sequential([
        Rescaling(1 / 255.0, input_shape=(6, 6, 1)), ZeroPadding2D(1), Conv2D(2, 3, activation="relu"),
        UpSampling2D(2, interpolation="bilinear"), Cropping2D(((1, 1), (2, 0))), Permute((2, 1, 3)),
        Reshape((-1, 2)), Flatten(), Dense(3, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    x = np.random.default_rng(0).integers(0, 256, (8, 6, 6, 1)).astype(np.float32)
    y = np.arange(8) % 3
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert_save_load_round_trip(model, x, tmp_path / "m.npz")
