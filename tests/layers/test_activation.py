import numpy as np
import pytest

from minicnn.layers import Activation, ReLU, Softmax

from .helpers import assert_gradients_correct


def test_relu_and_softmax_gradients():
    assert_gradients_correct(ReLU(), (3, 4, 2))
    assert_gradients_correct(Softmax(), (6,), batch_size=3)
    assert_gradients_correct(Activation("softmax"), (4,), batch_size=2)
    assert_gradients_correct(Activation("linear"), (4,), batch_size=2)


def test_relu_backward_does_not_modify_its_input_gradient():
    relu = ReLU()
    relu.forward(np.array([[-1.0, 2.0]], np.float32))
    dy = np.array([[5.0, 5.0]], np.float32)
    dx = relu.backward(dy)
    np.testing.assert_array_equal(dy, [[5, 5]])
    np.testing.assert_array_equal(dx, [[0, 5]])


def test_relu_derivative_at_zero_is_zero():
    relu = ReLU()
    relu.forward(np.zeros((1, 3), np.float32))
    assert not relu.backward(np.ones((1, 3), np.float32)).any()


def test_softmax_is_stable_for_huge_logits():
    y = Softmax().forward(np.array([[1e4, 0.0, -1e4]], np.float32))
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y, [[1, 0, 0]])


def test_unknown_activation():
    with pytest.raises(ValueError, match="unknown activation 'tanh'"):
        Activation("tanh")
    with pytest.raises(NotImplementedError, match="axis=-1"):
        Softmax(axis=1)
