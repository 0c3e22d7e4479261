"""Cross-entropy on every head against real Keras (issue 14): which tensor the loss reads, its value
and its gradient, for heads (softmax, linear, relu, sigmoid) x ``from_logits`` x sparse / one-hot /
binary labels x reductions.

One Dense(3) layer (plus an optional layer that passes its input through) on four samples, the same
float32 weights in both libraries. ``train_on_batch`` with SGD at learning rate 1 gives the loss and,
as the weight change, minus the gradient, exactly as each library's ``fit`` computes them (Keras in
graph mode, where softmax and sigmoid outputs carry ``_keras_logits``). TensorFlow is the optional
extra ``bench``; without it these tests skip.
"""
import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow", reason="TensorFlow is the optional extra 'bench' "
                                              "(pip install minicnn[bench]); parity tests need it")
keras = tf.keras

import minicnn.keras as mk  # noqa: E402

HEADS = ["softmax", "linear", "relu", "sigmoid"]
LOSSES = {"sparse": ("SparseCategoricalCrossentropy", lambda y: y),
          "onehot": ("CategoricalCrossentropy", lambda y: np.eye(3, dtype=np.float32)[y]),
          "binary": ("BinaryCrossentropy", lambda y: np.eye(3, dtype=np.float32)[y])}


def data(head):
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (4, 5)).astype(np.float32)
    kernel = rng.normal(0, 1, (5, 3)).astype(np.float32)
    bias = np.array([2.0, 0.0, -0.5], np.float32)  # no all-zero relu row: Keras's one-hot loss is NaN there
    y = rng.integers(0, 3, 4)
    z = x @ kernel + bias
    assert (z.max(axis=1) > 0.05).all()
    return x, kernel, bias, y


def build(lib, head, after, loss, weights):
    if lib is keras:
        layers = [keras.Input((5,)), keras.layers.Dense(3, activation=head)]
        layers += {None: [], "linear": [keras.layers.Activation("linear")],
                   "dropout": [keras.layers.Dropout(0.5)]}[after]
        model = keras.Sequential(layers)
    else:
        layers = [mk.layers.Input((5,)), mk.layers.Dense(3, activation=head)]
        layers += {None: [], "linear": [mk.layers.Activation("linear")], "dropout": [mk.layers.Dropout(0.5)]}[after]
        model = mk.models.Sequential(layers)
    model.compile(optimizer=lib.optimizers.SGD(learning_rate=1.0), loss=loss)
    model.layers[0].set_weights(weights)
    return model


def step(lib, head, after, loss, x, y, weights):
    model = build(lib, head, after, loss, weights)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = model.train_on_batch(x, y)
    value = float(np.ravel(value)[0])
    new_kernel, new_bias = model.layers[0].get_weights()
    return value, weights[0] - new_kernel, weights[1] - new_bias


CASES = [(head, after, from_logits, labels, "sum_over_batch_size") for head in HEADS for after in (None, "linear")
         for from_logits in (False, True) for labels in LOSSES]
CASES += [(head, None, from_logits, labels, "sum") for head in ("softmax", "sigmoid") for from_logits in (False, True)
          for labels in LOSSES]


@pytest.mark.parametrize("head, after, from_logits, labels, reduction", CASES)
def test_training_loss_and_gradient_match_keras(head, after, from_logits, labels, reduction):
    x, kernel, bias, y = data(head)
    name, encode = LOSSES[labels]
    theirs = step(keras, head, after, getattr(keras.losses, name)(from_logits=from_logits, reduction=reduction),
                  x, encode(y), [kernel, bias])
    ours = step(mk, head, after, getattr(mk.losses, name)(from_logits=from_logits, reduction=reduction),
                x, encode(y), [kernel, bias])
    assert np.isfinite(ours[0])
    assert ours[0] == pytest.approx(theirs[0], rel=2e-5, abs=1e-6)
    for a, b in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-6)


@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("after", [None, "linear", "dropout"])
@pytest.mark.parametrize("labels", ["sparse", "onehot"])
def test_evaluate_matches_keras_through_pass_through_layers(head, after, labels):
    """Pre-activations [0, -20, 20] (the issue's case: 20.0 from the logits, 16.1 if clipped), [2, 1, -1]
    and small positive ones, with an identity kernel; Dropout passes its input through at inference."""
    z = np.array([[0.0, -20.0, 20.0], [2.0, 1.0, -1.0], [0.5, 0.2, 0.1]], np.float32)
    x = np.pad(z, ((0, 0), (0, 2)))
    weights = [np.eye(5, 3, dtype=np.float32), np.zeros(3, np.float32)]
    y = np.array([0, 0, 2])
    name, encode = LOSSES[labels]
    models = [build(lib, head, after, getattr(lib.losses, name)(), weights) for lib in (keras, mk)]
    for row in range(3):  # one sample at a time, so a NaN in Keras stays in its row
        xb, yb = x[row:row + 1], y[row:row + 1]
        values = [float(np.ravel(model.evaluate(xb, encode(yb), verbose=0))[0]) for model in models]
        if head == "linear" and labels == "onehot" and row == 0:
            # [0, -20, 20] sums to 0: Keras's one-hot loss divides by it and is NaN; ours takes the sparse
            # form for such a row (minicnn.losses' docstring), so it equals Keras's sparse loss there
            assert np.isnan(values[0])
            sparse = build(keras, head, after, keras.losses.SparseCategoricalCrossentropy(), weights)
            assert values[1] == pytest.approx(float(np.ravel(sparse.evaluate(xb, yb, verbose=0))[0]), rel=2e-5)
        else:
            assert values[1] == pytest.approx(values[0], rel=2e-5, abs=1e-6), row  # -log(1-1e-7) is 1.19e-7 in float32


def test_all_zero_relu_head_is_nan_in_keras_one_hot_but_finite_here():
    x = np.array([[-1.0, -2.0, -3.0, 0.0, 0.0]], np.float32)
    weights = [np.eye(5, 3, dtype=np.float32), np.zeros(3, np.float32)]
    y = np.array([0])
    keras_onehot = step(keras, "relu", None, keras.losses.CategoricalCrossentropy(), x, np.eye(3)[y], weights)
    keras_sparse = step(keras, "relu", None, keras.losses.SparseCategoricalCrossentropy(), x, y, weights)
    ours_onehot = step(mk, "relu", None, mk.losses.CategoricalCrossentropy(), x, np.eye(3)[y], weights)
    assert np.isnan(keras_onehot[0])
    assert keras_sparse[0] == pytest.approx(np.log(3), rel=1e-6)
    assert ours_onehot[0] == pytest.approx(keras_sparse[0], rel=1e-6)
    for a, b in zip(ours_onehot[1:], keras_sparse[1:]):
        np.testing.assert_allclose(a, b, atol=1e-7)  # zero: every output is clipped
