import json

import numpy as np
import pytest

import minicnn
from minicnn import regularizers as R
from minicnn.gradcheck import check_model
from minicnn.layers import Conv2D, Dense, Flatten, PReLU


def test_keras_penalty_formulas_and_defaults():
    w = np.array([[1.0, -2.0], [0.5, 0.0]])
    assert R.L2()(w) == pytest.approx(0.01 * 5.25)        # Keras: l2 * sum(w^2), no 1/2, default 0.01
    assert R.L1()(w) == pytest.approx(0.01 * 3.5)
    assert R.l1_l2(l1=0.1, l2=0.2)(w) == pytest.approx(0.1 * 3.5 + 0.2 * 5.25)
    assert R.L1L2()(w) == 0.0 and R.get("l1l2")(w) == 0.0  # the class's defaults are 0, also as a string
    with pytest.raises(ValueError, match="unknown regularizer 'l1_l2'"):  # Keras 3.15 refuses it too
        R.get("l1_l2")
    np.testing.assert_allclose(R.L1L2(0.1, 0.2).gradient(w), 0.1 * np.sign(w) + 0.4 * w)
    assert R.L1(0.3).gradient(w)[1, 1] == 0                # sign(0) = 0, as TensorFlow
    assert R.L2(0.1).gradient(w.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="l2 must be a finite float >= 0"):
        R.L2(-1)
    with pytest.raises(ValueError, match="unknown regularizer 'l3'"):
        R.get("l3")


def test_gradient_of_loss_plus_penalty_by_finite_differences():
    rng = np.random.default_rng(0)
    minicnn.set_seed(0)
    model = minicnn.Sequential([
        Conv2D(3, 3, activation="tanh", kernel_regularizer=R.l2(0.05), bias_regularizer=R.l1(0.02),
               bias_initializer="random_normal", input_shape=(5, 5, 2)),
        PReLU(alpha_initializer="random_uniform", alpha_regularizer=R.L1L2(0.01, 0.03)), Flatten(),
        Dense(3, activation="softmax", kernel_regularizer=R.L1L2(l1=0.01, l2=0.02))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = rng.normal(size=(4, 5, 5, 2))
    y = rng.integers(0, 3, 4)
    report = check_model(model, x, y)
    assert report.passed, str(report)
    assert model.regularization_loss() > 0.01
    # the penalty really is in the loss the check differentiates
    plain = model._loss_and_grad(model._forward(model._as_float(x), True), y)[0] - model.regularization_loss()
    model.layers[0].regularizers.clear()
    model.layers[1].regularizers.clear()
    model.layers[3].regularizers.clear()
    assert model._loss_and_grad(model._forward(model._as_float(x), True), y)[0] == pytest.approx(plain)


def test_activity_regularizer_gradient_by_finite_differences():
    rng = np.random.default_rng(2)
    minicnn.set_seed(2)
    model = minicnn.Sequential([
        Conv2D(3, 3, activation="relu", activity_regularizer=R.l1(0.05), input_shape=(5, 5, 2)), Flatten(),
        Dense(4, activation="tanh", activity_regularizer=R.L1L2(0.01, 0.1)),
        Dense(3, activation="softmax", activity_regularizer=R.l2(0.3))])  # through the fused softmax head
    model.compile("sgd", "sparse_categorical_crossentropy")
    x, y = rng.normal(size=(4, 5, 5, 2)), rng.integers(0, 3, 4)
    model._loss_and_grad(model._forward(model._as_float(x), True), y)
    assert model._heads_at_logits[0][1].layer is model.layers[3]  # the loss reads the softmax's logits
    report = check_model(model, x, y)
    assert report.passed, str(report)
    model.cast(np.float64)
    out = model.predict(x)
    hidden = model.layers[2]._activity_output
    expected = 0.3 * (out ** 2).sum() / 4 + (0.01 * np.abs(hidden).sum() + 0.1 * (hidden ** 2).sum()) / 4
    assert model.layers[3].activity_loss() + model.layers[2].activity_loss() == pytest.approx(expected)
    model.layers[0].trainable = False
    assert model.layers[0].regularization_loss() > 0  # activity penalties count for frozen layers, as in Keras


def test_penalty_in_training_and_evaluation_loss_and_not_for_frozen_layers():
    rng = np.random.default_rng(1)
    minicnn.set_seed(1)
    model = minicnn.Sequential([Dense(4, activation="relu", kernel_regularizer="l2", input_shape=(3,)),
                                Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=None)
    x, y = rng.normal(size=(6, 3)).astype(np.float32), rng.integers(0, 2, 6)
    penalty = 0.01 * float((model.layers[0].params["kernel"].astype(np.float64) ** 2).sum())
    unregularized = minicnn.Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(2, activation="softmax")])
    unregularized.set_weights(model.get_weights())
    unregularized.compile("sgd", "sparse_categorical_crossentropy", metrics=None)
    assert model.evaluate(x, y, verbose=0) == pytest.approx(unregularized.evaluate(x, y, verbose=0) + penalty,
                                                            rel=1e-6)
    assert model.train_on_batch(x, y) == pytest.approx(unregularized.train_on_batch(x, y) + penalty, rel=1e-6)
    model.layers[0].trainable = False
    assert model.regularization_loss() == 0.0


def test_config_round_trip():
    dense = Dense(2, kernel_regularizer=R.l1_l2(l1=0.1, l2=0.2), bias_regularizer="l2")
    config = json.loads(json.dumps(dense.get_config()))
    assert config["kernel_regularizer"] == {"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}
    again = Dense.from_config(config)
    assert again.get_config() == dense.get_config()
    assert isinstance(again.bias_regularizer, R.L2) and again.bias_regularizer.l2 == 0.01
