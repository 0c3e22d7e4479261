"""minicnn.tf against real TensorFlow: the same calls give the same values and dtypes. Skipped
without TensorFlow."""
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
real = pytest.importorskip("tensorflow", reason="TensorFlow is the optional extra 'bench' "
                                                "(pip install minicnn[bench]); parity tests need it")

import minicnn.tf as mini  # noqa: E402

CALLS = [
    "convert_to_tensor([1, 2])", "convert_to_tensor(1.5)", "convert_to_tensor([1, 2.5])",
    "convert_to_tensor([True, False])", "convert_to_tensor([2 ** 31])", "convert_to_tensor(np.array([1.5]))",
    "convert_to_tensor([1, 2], dtype=tf.float32)", "convert_to_tensor([1, 2], dtype_hint=tf.float32)",
    "convert_to_tensor([1.5, 2], dtype_hint=tf.int32)", "convert_to_tensor(np.array([1, 2]), dtype_hint=tf.float32)",
    "convert_to_tensor(np.array([1.7, -2.2]), dtype=tf.int32)", "convert_to_tensor([True], dtype=tf.float32)",
    "convert_to_tensor(np.float64(2.5))", "convert_to_tensor(np.arange(6, dtype=np.uint8).reshape(2, 3))",
    "constant([1, 2])", "constant(3.0, dtype=tf.float64)", "constant(0, shape=(2, 3))",
    "constant([1, 2, 3, 4], shape=(2, 2))", "constant(np.array([1.5, 2.7]), dtype=tf.int32)",
    "constant(7, shape=[3])", "constant([[1.0, 2.0]], dtype=tf.float16)",
    "cast([1.7, -1.7], tf.int32)", "cast([0, 2], tf.bool)", "cast(np.arange(4, dtype=np.uint8), tf.float32)",
    "cast(3, tf.float32)", "cast([True], tf.float64)",
    "argmax([[1, 5], [7, 2]])", "argmax([[1, 5], [7, 2]], axis=1)", "argmax([[1, 5], [7, 2]], axis=-1, "
    "output_type=tf.int32)", "argmax([1, 3, 3])", "argmax(np.array([1.0, np.nan, 3.0]))",
    "argmax(np.random.default_rng(0).random((4, 10)), axis=1)",
    "one_hot([0, 2, -1, 5], 3)", "one_hot([0, 2], 3, on_value=5, off_value=-1)", "one_hot([[0, 2]], 3, axis=0)",
    "one_hot([0, 1], 2, dtype=tf.int32)", "one_hot([1], 3, on_value=2.0)", "one_hot([1], 3, off_value=-1)",
    "one_hot([[1, 0]], 3, axis=1)", "one_hot(np.array([1, 0], np.int64), 2)", "one_hot(1, 3)",
    "one_hot(np.array([[3, 1], [0, 2]], np.uint8), 4, axis=2)",
    "one_hot([1], 3, on_value=2.0, dtype=tf.float64)", "one_hot([1, 0], 2, off_value=-1, dtype=tf.int64)",
    "expand_dims([1, 2], 0)", "expand_dims([1, 2], -1)", "expand_dims(np.zeros((2, 3)), -3)", "expand_dims(5, 0)",
    "nn.relu(np.array([-1.5, 2.0]))", "nn.relu(np.array([[-1.5, 2.0]], np.float32))",
    "nn.softmax(np.array([[1.0, 2.0, 3.0], [0.0, -5.0, 50.0]], np.float32))",
    "nn.sigmoid(np.array([-30.0, -1.0, 0.0, 2.5, 30.0], np.float32))", "nn.tanh(np.array([-3.0, 0.5], np.float32))",
]


@pytest.mark.parametrize("call", CALLS)
def test_same_values_and_dtype_as_tensorflow(call):
    expected = np.asarray(eval("tf." + call, {"tf": real, "np": np}))
    got = eval("tf." + call, {"tf": mini, "np": np})
    assert isinstance(got, np.ndarray)
    assert got.dtype == expected.dtype and got.shape == expected.shape, (got, expected)
    np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("call", ["convert_to_tensor([1.5], dtype=tf.int32)", "constant([1.0], dtype=tf.int32)",
                                  "convert_to_tensor([1, 2], dtype=tf.bool)",
                                  "one_hot([0, 1], 2, on_value=1.0, dtype=tf.int32)"])
def test_same_type_errors_as_tensorflow(call):
    with pytest.raises(TypeError):
        eval("tf." + call, {"tf": real, "np": np})
    with pytest.raises(TypeError):
        eval("tf." + call, {"tf": mini, "np": np})


@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 17), st.integers(1, 17), st.integers(1, 3),
       st.sampled_from(["bilinear", "nearest"]), st.booleans())
def test_image_resize_matches_tensorflow(h, w, out_h, out_w, channels, method, batched):
    image = np.random.default_rng(h * 31 + w).random((2, h, w, channels) if batched else (h, w, channels))
    image = (image * 255).astype(np.float32 if method == "bilinear" else np.uint8)
    expected = real.image.resize(image, (out_h, out_w), method=method).numpy()
    got = mini.image.resize(image, (out_h, out_w), method=method)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=2e-5)


@pytest.mark.parametrize("size", [(6, 6), (10, 3), (7, 20), (2, 2)])
def test_image_resize_preserve_aspect_ratio_matches_tensorflow(size):
    image = np.random.default_rng(1).random((3, 5, 4, 2))
    expected = real.image.resize(image, size, preserve_aspect_ratio=True).numpy()
    got = mini.image.resize(image, size, preserve_aspect_ratio=True)
    assert got.shape == expected.shape and got.dtype == expected.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


def test_dtypes_are_tensorflows():
    for name in mini.dtypes.NAMES:
        assert getattr(mini, name) == getattr(real, name).as_numpy_dtype
        assert mini.dtypes.as_numpy_dtype(getattr(real, name)) == getattr(mini, name)   # real DTypes accepted
