import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.layers import Dense, Flatten

from .helpers import assert_gradients_correct


@given(st.integers(1, 4), st.integers(1, 6), st.integers(1, 5), st.sampled_from([None, "relu", "softmax"]),
       st.booleans())
def test_dense_gradients(batch, features, units, activation, use_bias):
    assert_gradients_correct(Dense(units, activation=activation, use_bias=use_bias), (features,), batch_size=batch)


def test_dense_on_the_last_axis_of_3d_input():
    layer = Dense(3)
    assert layer.build((4, 5)) == (4, 3)
    assert_gradients_correct(Dense(3), (4, 5), batch_size=2)


def test_dense_layout_is_keras():
    layer = Dense(7)
    layer.build((5,))
    assert layer.params["kernel"].shape == (5, 7)
    x = np.random.default_rng(0).standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(layer.forward(x), x @ layer.params["kernel"], rtol=1e-6)


def test_flatten_is_c_order_and_reversible():
    x = np.arange(24, dtype=np.float32).reshape(2, 2, 3, 2)
    f = Flatten()
    y = f.forward(x)
    np.testing.assert_array_equal(y, x.reshape(2, 12))
    np.testing.assert_array_equal(f.backward(y), x)
    assert_gradients_correct(Flatten(), (2, 3, 2))


def test_bad_units():
    with pytest.raises(ValueError, match="units"):
        Dense(0)
