import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn import losses


def test_sparse_crossentropy_from_logits_by_hand():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])
    y = np.array([0, 1])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -(np.log(p[0, 0]) + np.log(p[1, 1])) / 2
    loss, grad = losses.SparseCategoricalCrossentropy(from_logits=True).value_and_grad(logits, y)
    assert loss == pytest.approx(expected, rel=1e-12)
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(grad, (p - onehot) / 2, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e4, -1e4, 1e30])
def test_extreme_logits_give_finite_loss_and_gradient(scale):
    logits = np.array([[scale, 0.0, -scale], [0.0, scale, 1.0]], dtype=np.float32)
    for loss_obj, y in ((losses.SparseCategoricalCrossentropy(from_logits=True), np.array([2, 0])),
                        (losses.CategoricalCrossentropy(from_logits=True), np.eye(3, dtype=np.float32)[[2, 0]])):
        loss, grad = loss_obj.value_and_grad(logits, y)
        assert np.isfinite(loss) and np.isfinite(grad).all()
        assert loss > 1e3 or scale < 0


@given(st.integers(1, 5), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_sparse_and_categorical_agree_and_gradient_is_numerically_right(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k))
    y = rng.integers(0, k, n)
    l1, g1 = losses.SparseCategoricalCrossentropy(from_logits=True).value_and_grad(logits, y)
    l2, g2 = losses.CategoricalCrossentropy(from_logits=True).value_and_grad(logits, np.eye(k)[y])
    assert l1 == pytest.approx(l2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, atol=1e-14)
    h = 1e-6
    num = np.zeros_like(logits)
    for idx in np.ndindex(*logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        num[idx] = (losses.sparse_categorical_crossentropy(y, up, from_logits=True)
                    - losses.sparse_categorical_crossentropy(y, down, from_logits=True)) / (2 * h)
    np.testing.assert_allclose(g1, num, rtol=1e-6, atol=1e-9)


def test_probability_form_clips_like_keras():
    probs = np.array([[1.0, 0.0]], dtype=np.float64)
    loss, grad = losses.SparseCategoricalCrossentropy().value_and_grad(probs, np.array([1]))
    assert loss == pytest.approx(-np.log(1e-7))
    assert grad[0, 1] == 0  # clipped: no gradient
    loss, grad = losses.SparseCategoricalCrossentropy().value_and_grad(np.array([[0.25, 0.75]]), np.array([1]))
    assert loss == pytest.approx(-np.log(0.75))
    # through the row normalization: d/dp_j of -log(p_1 / (p_0 + p_1)) = [1, 1 - 1/p_1] at sum 1
    np.testing.assert_allclose(grad, [[1, 1 - 1 / 0.75]])


def test_probability_form_normalizes_rows_like_keras():
    # Keras 3 divides each row by its sum before clipping: [.2, .3, .1] -> [1/3, 1/2, 1/6]
    probs = np.array([[0.2, 0.3, 0.1], [0.5, 0.5, 0.5]])
    y = np.array([1, 2])
    expected = -(np.log(0.5) + np.log(1 / 3)) / 2
    assert losses.sparse_categorical_crossentropy(y, probs) == pytest.approx(expected, rel=1e-12)
    assert losses.categorical_crossentropy(np.eye(3)[y], probs) == pytest.approx(expected, rel=1e-12)
    loss_obj = losses.SparseCategoricalCrossentropy()
    grad = loss_obj.value_and_grad(probs, y)[1]
    h = 1e-7
    for idx in np.ndindex(*probs.shape):
        up, down = probs.copy(), probs.copy()
        up[idx] += h
        down[idx] -= h
        numeric = (loss_obj(y, up) - loss_obj(y, down)) / (2 * h)
        assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_predictions_must_be_two_dimensional():
    with pytest.raises(ValueError, match=r"shape \(batch, classes\), got \(2,\)"):
        losses.sparse_categorical_crossentropy([0, 1], [0.2, 0.8])


def test_labels_are_validated():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"label 3 at index 1 is outside \[0, 3\)"):
        loss.value_and_grad(z, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"label -1 at index 0"):
        loss.value_and_grad(z, np.array([-1, 0]))
    with pytest.raises(ValueError, match="must be integers"):
        loss.value_and_grad(z, np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        loss.value_and_grad(z, np.eye(3)[:2] + 0.0)   # one-hot given to the sparse loss
    loss.value_and_grad(z, np.array([[0], [2]]))        # (n, 1) labels as Keras's CIFAR gives
    with pytest.raises(ValueError, match=r"one-hot labels of shape \(batch, 3\)"):
        losses.CategoricalCrossentropy(from_logits=True).value_and_grad(z, np.array([0, 1]))


def test_get_by_name_and_function():
    assert isinstance(losses.get("sparse_categorical_crossentropy"), losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get(losses.categorical_crossentropy), losses.CategoricalCrossentropy)
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        losses.get("mse")
