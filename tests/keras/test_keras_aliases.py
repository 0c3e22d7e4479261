"""minicnn.keras: the layers between convolutions in the functional style, and Keras 2 spellings
(Convolution2D, MaxPool2D, AvgPool2D, utils.np_utils.to_categorical)."""
import numpy as np
import pytest

import minicnn
from minicnn.keras import Input, layers, models, utils


def test_layers_between_convolutions_in_a_functional_model(tmp_path):
    inputs = Input((8, 8, 3))
    x = layers.Rescaling(1 / 255.0)(inputs)
    x = layers.GaussianNoise(0.05, seed=1)(x)
    x = layers.ZeroPadding2D(padding=(1, 2))(x)
    x = layers.Conv2D(4, 3, activation="relu")(x)
    x = layers.SpatialDropout2D(0.2, seed=2)(x)
    x = layers.UpSampling2D(size=2, interpolation="bilinear")(x)
    x = layers.Cropping2D(cropping=((1, 1), (0, 2)))(x)
    assert x.shape == (None, 14, 18, 4)
    x = layers.Permute((2, 1, 3))(x)
    x = layers.Reshape((-1, 8))(x)
    assert x.shape == (None, 126, 8)
    outputs = layers.Dense(3, activation="softmax")(layers.Flatten()(x))
    model = models.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    data, labels = rng.integers(0, 256, (16, 8, 8, 3)).astype(np.float32), rng.integers(0, 3, 16)
    model.fit(data, labels, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / "m.npz")
    np.testing.assert_array_equal(minicnn.load_model(tmp_path / "m.npz").predict(data), model.predict(data))


@pytest.mark.parametrize("make", [lambda: layers.ZeroPadding2D(data_format="channels_first"),
                                  lambda: layers.Cropping2D(data_format="channels_first"),
                                  lambda: layers.UpSampling2D(data_format="channels_first"),
                                  lambda: layers.SpatialDropout2D(0.5, data_format="channels_first")])
def test_channels_first_is_refused(make):
    with pytest.raises(NotImplementedError, match="channels_last"):
        make()


def test_unknown_keyword_arguments_are_refused():
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to Reshape"):
        layers.Reshape((2, 2), shape=(2, 2))
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to SpatialDropout2D"):
        layers.SpatialDropout2D(0.5, noise_shape=(1, 1, 1, 3))


def test_keras_names_still_outside_the_subset_point_somewhere():
    with pytest.raises(NotImplementedError, match="GaussianNoise or Dropout"):
        layers.GaussianDropout


def test_pooling_aliases_are_kerass():
    assert layers.MaxPool2D is layers.MaxPooling2D and layers.AvgPool2D is layers.AveragePooling2D
    assert layers.MaxPool2D(pool_size=(2, 2)).build((6, 6, 1)) == (3, 3, 1)
    assert layers.AvgPool2D(3, strides=1).build((6, 6, 1)) == (4, 4, 1)


def test_convolution2d_is_conv2d_with_a_deprecation_warning_naming_keras3():
    with pytest.warns(DeprecationWarning, match="removed in Keras 3: use keras.layers.Conv2D"):
        conv = layers.Convolution2D(8, (3, 3), padding="same", activation="relu", input_shape=(6, 6, 1))
    assert type(conv) is layers.Conv2D
    assert (conv.filters, conv.kernel_size, conv.padding, conv.activation) == (8, (3, 3), "same", "relu")


def test_convolution2d_keras1_forms_convert_as_in_keras2():
    with pytest.warns(DeprecationWarning) as record:
        conv = layers.Convolution2D(16, 3, 2, border_mode="same", subsample=(2, 2), init="he_normal")
    assert (conv.filters, conv.kernel_size, conv.strides, conv.padding) == (16, (3, 2), (2, 2), "same")
    assert conv.kernel_initializer == "he_normal"
    messages = " ".join(str(w.message) for w in record)
    for new in ("kernel_size", "padding", "strides", "kernel_initializer"):
        assert f"Conv2D({new}=...)" in messages
    with pytest.warns(DeprecationWarning):
        conv = layers.Convolution2D(nb_filter=4, nb_row=5, nb_col=1, dim_ordering="tf")
    assert (conv.filters, conv.kernel_size) == (4, (5, 1))
    with pytest.warns(DeprecationWarning), pytest.raises(NotImplementedError, match="channels_last"):
        layers.Convolution2D(4, 3, 3, dim_ordering="th")
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="kernel_size=\\(rows, cols\\)"):
        layers.Convolution2D(4, 3, 3, strides=1)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="at most 3 positional"):
        layers.Convolution2D(4, 3, 3, 1)
    with pytest.warns(DeprecationWarning), pytest.raises(TypeError, match="both border_mode"):
        layers.Convolution2D(4, 3, border_mode="same", padding="valid")


def test_np_utils_to_categorical_warns_and_matches_to_categorical():
    from minicnn.keras.utils.np_utils import to_categorical
    with pytest.warns(DeprecationWarning, match="Keras 3 removed the np_utils module: use keras.utils.to_categorical"):
        one_hot = to_categorical([0, 2, 1], 3)
    np.testing.assert_array_equal(one_hot, utils.to_categorical([0, 2, 1], 3))
    with pytest.warns(DeprecationWarning):
        utils.np_utils.to_categorical([1])
    with pytest.raises(NotImplementedError, match="utils.to_categorical"):
        utils.np_utils.normalize
