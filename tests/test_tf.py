"""minicnn.tf: the TensorFlow names lessons use around Keras, on NumPy arrays (no TensorFlow needed;
tests/keras/test_tf_parity.py compares with the real one)."""
import warnings

import numpy as np
import pytest

import minicnn
import minicnn.keras
import minicnn.tf as tf
from minicnn.keras import activations


def test_keras_is_minicnn_keras_under_every_import_spelling():
    assert tf.keras is minicnn.keras
    from minicnn.tf.keras import layers
    from minicnn.tf.keras.layers import Conv2D
    from minicnn.tf.keras.preprocessing.image import ImageDataGenerator
    from minicnn.keras import layers as keras_layers
    from minicnn.keras.preprocessing import image
    assert layers is keras_layers and Conv2D is keras_layers.Conv2D
    assert ImageDataGenerator is image.ImageDataGenerator


def test_version_and_dtypes():
    assert tf.__version__.startswith("2.") and int(tf.__version__.split(".")[0]) >= 2
    assert tf.float32 == np.float32 and tf.uint8 == np.uint8 and tf.bool == np.bool_ and tf.int64 == np.int64
    assert tf.dtypes.float64 is tf.float64 and tf.float32.name == "float32"
    assert tf.half == np.float16 and tf.double == np.float64


def test_nn_activations_are_the_keras_ones_and_work_as_activation_arguments():
    assert tf.nn.relu is activations.relu and tf.nn.softmax is activations.softmax
    for name in ("sigmoid", "tanh"):
        function = getattr(tf.nn, name)
        assert function.__name__ == name
        if name in vars(activations):
            assert function is vars(activations)[name]
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation=tf.nn.relu, input_shape=(3,)),
                                 tf.keras.layers.Dense(2, activation=tf.nn.softmax)])
    assert [layer.activation for layer in model.layers] == ["relu", "softmax"]
    x = np.array([[-2.0, 0.0, 3.0]], np.float32)
    np.testing.assert_array_equal(tf.nn.relu(x), [[0, 0, 3]])
    np.testing.assert_allclose(tf.nn.softmax(x), np.exp(x) / np.exp(x).sum(), rtol=1e-6)
    np.testing.assert_allclose(tf.nn.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-6)
    np.testing.assert_allclose(tf.nn.tanh(x), np.tanh(x), rtol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # no overflow for large inputs
        np.testing.assert_array_equal(tf.nn.sigmoid(np.array([-1000.0, 1000.0])), [0, 1])
    assert tf.nn.sigmoid([0, 1]).dtype == np.float32


def test_random_set_seed_seeds_minicnn():
    tf.random.set_seed(3)
    a = tf.keras.layers.Dense(3, input_shape=(2,))
    a.build((2,))
    minicnn.set_seed(3)
    b = tf.keras.layers.Dense(3, input_shape=(2,))
    b.build((2,))
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])
    tf.random.set_seed(None)   # TensorFlow's "no seed"
    with pytest.raises(ValueError, match="seed must be a non-negative int"):
        tf.random.set_seed(1.5)


@pytest.mark.parametrize("value, kwargs, expected", [
    ([1, 2], {}, np.int32), (1.5, {}, np.float32), ([1, 2.5], {}, np.float32), ([True], {}, np.bool_),
    ([2 ** 31], {}, np.int64), (np.array([1.5]), {}, np.float64), (np.float64(2.5), {}, np.float64),
    ([1, 2], {"dtype": tf.float32}, np.float32), ([1, 2], {"dtype_hint": "float32"}, np.float32),
    ([1.5, 2], {"dtype_hint": tf.int32}, np.float32), (np.array([1, 2]), {"dtype_hint": tf.float32}, np.float32),
    (np.array([1.7]), {"dtype": tf.int32}, np.int32), ([True], {"dtype": tf.float32}, np.float32),
    ([1, 255], {"dtype": tf.uint8}, np.uint8),
])
def test_convert_to_tensor_dtypes_follow_tensorflow(value, kwargs, expected):
    out = tf.convert_to_tensor(value, **kwargs)
    assert isinstance(out, np.ndarray) and out.dtype == expected
    np.testing.assert_array_equal(out.numpy(), np.asarray(value).astype(expected))


def test_convert_to_tensor_refusals():
    with pytest.raises(TypeError, match="Cannot convert \\[1.5\\] to EagerTensor of dtype int32"):
        tf.convert_to_tensor([1.5], dtype=tf.int32)
    with pytest.raises(TypeError, match="dtype bool"):
        tf.constant([1, 2], dtype=tf.bool)
    with pytest.raises(ValueError, match="does not fit in uint8"):
        tf.constant([-1], dtype=tf.uint8)
    with pytest.raises(ValueError, match="non-rectangular"):
        tf.convert_to_tensor([[1, 2], [3]])
    with pytest.raises(ValueError, match="numbers only"):
        tf.constant(["a"])
    with pytest.raises(ValueError, match="dtype must be one of"):
        tf.constant([1], dtype="text")


def test_constant_shape():
    np.testing.assert_array_equal(tf.constant(0, shape=(2, 3)), np.zeros((2, 3), np.int32))
    assert tf.constant(7.0, shape=[2]).dtype == np.float32
    np.testing.assert_array_equal(tf.constant([1, 2, 3, 4], shape=(2, 2)), [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="3 elements, but shape \\(2, 2\\) has 4"):
        tf.constant([1, 2, 3], shape=(2, 2))


def test_cast():
    np.testing.assert_array_equal(tf.cast([1.7, -1.7], tf.int32), [1, -1])
    assert tf.cast([0, 2], tf.bool).tolist() == [False, True]
    assert tf.cast(np.arange(3, dtype=np.uint8), tf.float32).dtype == np.float32
    assert tf.cast(3, "float64").dtype == np.float64
    with pytest.raises(ValueError, match="needs a dtype"):
        tf.cast([1], None)


def test_argmax():
    x = [[1, 5], [7, 2]]
    np.testing.assert_array_equal(tf.argmax(x), [1, 0])               # axis defaults to 0
    np.testing.assert_array_equal(tf.argmax(x, axis=1), [1, 0])
    assert tf.argmax(x, axis=-1).dtype == np.int64
    assert tf.argmax(x, axis=-1, output_type=tf.int32).dtype == np.int32
    assert int(tf.argmax([1, 3, 3])) == 1                              # first of ties
    assert int(tf.argmax(np.array([1.0, np.nan, 3.0]))) == 2
    with pytest.raises(ValueError, match="axis must be an int in \\[-2, 2\\)"):
        tf.argmax(x, axis=2)
    with pytest.raises(ValueError, match="empty"):
        tf.argmax([])
    with pytest.raises(ValueError, match="output_type"):
        tf.argmax(x, output_type=tf.float32)


def test_one_hot():
    np.testing.assert_array_equal(tf.one_hot([0, 2, -1, 5], 3), [[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]])
    assert tf.one_hot([0], 3).dtype == np.float32
    out = tf.one_hot([0, 2], 3, on_value=5, off_value=-1)
    assert out.dtype == np.int32 and out.tolist() == [[5, -1, -1], [-1, -1, 5]]
    assert tf.one_hot([1], 3, on_value=2.0).tolist() == [[0.0, 2.0, 0.0]]
    assert tf.one_hot([0, 1], 2, dtype=tf.int32).dtype == np.int32
    np.testing.assert_array_equal(tf.one_hot([[0, 2]], 3, axis=0), np.array([[[1, 0]], [[0, 0]], [[0, 1]]]))
    assert tf.one_hot(1, 3).tolist() == [0, 1, 0]
    assert tf.one_hot([1], 0).shape == (1, 0)
    with pytest.raises(TypeError, match="indices must be integers"):
        tf.one_hot([0.0, 1.0], 2)
    with pytest.raises(TypeError, match="does not match dtype parameter"):
        tf.one_hot([0, 1], 2, on_value=1.0, dtype=tf.int32)
    with pytest.raises(ValueError, match="depth"):
        tf.one_hot([1], -1)
    with pytest.raises(ValueError, match="axis must be -1 or in"):
        tf.one_hot([1], 3, axis=-2)


def test_expand_dims():
    assert tf.expand_dims([1, 2], 0).shape == (1, 2)
    assert tf.expand_dims([1, 2], -1).shape == (2, 1)
    assert tf.expand_dims(np.zeros((2, 3)), -3).shape == (1, 2, 3)
    assert tf.expand_dims(5, 0).tolist() == [5]
    image = np.zeros((28, 28), np.float32)
    assert tf.expand_dims(tf.expand_dims(image, -1), 0).shape == (1, 28, 28, 1)
    for bad in (2, -4):
        with pytest.raises(ValueError, match="axis must be an int in"):
            tf.expand_dims(np.zeros((2, 3)) if bad == -4 else [1, 2], bad)


def bilinear_loop(image, out_h, out_w):
    """Half-pixel bilinear resize of one (H, W, C) image, by loops (edge pixels clamp)."""
    h, w, _ = image.shape
    out = np.empty((out_h, out_w, image.shape[2]))
    for i in range(out_h):
        for j in range(out_w):
            t, u = (i + 0.5) * h / out_h - 0.5, (j + 0.5) * w / out_w - 0.5
            i0, j0 = int(np.floor(t)), int(np.floor(u))
            a, b = t - i0, u - j0
            r0, r1 = min(max(i0, 0), h - 1), min(max(i0 + 1, 0), h - 1)
            c0, c1 = min(max(j0, 0), w - 1), min(max(j0 + 1, 0), w - 1)
            out[i, j] = ((1 - a) * ((1 - b) * image[r0, c0] + b * image[r0, c1])
                         + a * ((1 - b) * image[r1, c0] + b * image[r1, c1]))
    return out


@pytest.mark.parametrize("size", [(5, 7), (2, 3), (3, 4), (1, 1), (9, 2)])
def test_image_resize_bilinear_matches_the_loop_definition(size):
    image = np.random.default_rng(0).random((3, 4, 2))
    out = tf.image.resize(image, size)
    assert out.shape == size + (2,) and out.dtype == np.float32
    np.testing.assert_allclose(out, bilinear_loop(image, *size), atol=1e-5)
    batch = tf.image.resize(np.stack([image, 2 * image]), size)
    assert batch.shape == (2,) + size + (2,)
    np.testing.assert_allclose(batch[1], 2 * out, rtol=1e-5)


def test_image_resize_nearest_and_aspect_ratio():
    image = np.arange(30, dtype=np.uint8).reshape(5, 6, 1)
    out = tf.image.resize(image, (3, 4), method="nearest")
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out[..., 0], [[0, 2, 3, 5], [12, 14, 15, 17], [24, 26, 27, 29]])
    np.testing.assert_array_equal(tf.image.resize(image, (10, 12), method=tf.image.ResizeMethod.NEAREST_NEIGHBOR),
                                  image.repeat(2, 0).repeat(2, 1))
    assert tf.image.resize(np.zeros((3, 4, 1)), (6, 6), preserve_aspect_ratio=True).shape == (4, 6, 1)  # round(4.5) = 4
    assert tf.image.resize(np.zeros((3, 4, 1)), (6, 6), preserve_aspect_ratio=False).shape == (6, 6, 1)


def test_image_resize_refusals():
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        tf.image.resize(np.zeros(12), (6, 6))
    with pytest.raises(ValueError, match="size must be 2 ints"):
        tf.image.resize(np.zeros((4, 4, 1)), (2.5, 3))
    with pytest.raises(ValueError, match="size must be positive"):
        tf.image.resize(np.zeros((4, 4, 1)), (0, 3))
    with pytest.raises(ValueError, match="Resize method is not implemented"):
        tf.image.resize(np.zeros((4, 4, 1)), (2, 2), method="BILINEAR")
    with pytest.raises(NotImplementedError, match="use method='bilinear' or 'nearest'"):
        tf.image.resize(np.zeros((4, 4, 1)), (2, 2), method="area")
    with pytest.raises(NotImplementedError, match="antialias=False"):
        tf.image.resize(np.zeros((4, 4, 1)), (2, 2), antialias=True)


@pytest.mark.parametrize("expression, advice", [
    ("tf.GradientTape", "backward"), ("tf.data", "model.fit"), ("tf.reduce_mean", "numpy.mean"),
    ("tf.Variable", "NumPy"), ("tf.something_else", "available: keras, nn"), ("tf.nn.conv2d", "Conv2D"),
    ("tf.nn.leaky_relu", "available: tf.nn.relu"), ("tf.random.normal", "numpy.random.default_rng"),
    ("tf.image.flip_left_right", "images[:, :, ::-1]"), ("tf.string", "numbers only"),
])
def test_other_names_raise_not_implemented_with_advice(expression, advice):
    with pytest.raises(NotImplementedError, match="is not implemented in minicnn") as error:
        eval(expression)
    assert advice in str(error.value)
    with pytest.raises(AttributeError):
        tf._private_name


def test_a_lesson_written_against_tensorflow_runs():
    tf.random.set_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (32, 12, 12)).astype(np.uint8)
    labels = rng.integers(0, 3, 32)
    x = tf.image.resize(tf.expand_dims(tf.cast(images, tf.float32), -1), (16, 16))
    y = tf.one_hot(labels, 3)
    model = tf.keras.Sequential([
        tf.keras.layers.Input(shape=(16, 16, 1)),
        tf.keras.layers.Rescaling(1.0 / 255),
        tf.keras.layers.Conv2D(4, 3, activation=tf.nn.relu),
        tf.keras.layers.MaxPooling2D(),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(3, activation=tf.nn.softmax),
    ])
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert len(history.history["loss"]) == 2
    predicted = tf.argmax(model.predict(x, verbose=0), axis=1)
    assert predicted.shape == (32,) and predicted.dtype == np.int64
    assert set(predicted.numpy().tolist()) <= {0, 1, 2} and np.isfinite(history.history["loss"]).all()
