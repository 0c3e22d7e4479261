import numpy as np

import minicnn
from minicnn import gradcheck
from minicnn.layers import (BatchNormalization, Conv2D, Dense, Dropout, Flatten, Layer, MaxPooling2D, ReLU)


class BrokenScale(Layer):
    """y = 2x, with a wrong backward (returns dy instead of 2 dy)."""

    def forward(self, x, training=False):
        return 2 * x

    def backward(self, dy):
        return dy


class WrongBiasGrad(Dense):
    def backward_logits(self, dz):
        dx = super().backward_logits(dz)
        self.grads["bias"] *= 1.001
        return dx


def test_a_wrong_input_gradient_fails():
    report = gradcheck.check_layer(BrokenScale(), (3,))
    assert not report.passed
    assert "FAIL" in str(report)


def test_a_slightly_wrong_parameter_gradient_fails():
    report = gradcheck.check_layer(WrongBiasGrad(3), (4,))
    assert not report.passed
    failed = [c.name for c in report.checks if not c.passed]
    assert failed == ["bias"]


def test_kinks_are_detected_and_left_out():
    # inputs exactly at ReLU's kink: the one-sided slopes disagree there, so those coordinates
    # are left out (and counted) instead of failing the check or passing silently
    model = minicnn.Sequential([ReLU(input_shape=(4,)), Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.array([[0.0, 0.5, -0.5, 0.0], [1.0, 0.0, 0.3, -0.2]], np.float32)
    report = gradcheck.check_model(model, x, np.array([0, 1]))
    assert report.passed, str(report)
    input_check = report.checks[0]
    assert input_check.skipped_kinks == 3 and input_check.checked == 5
    assert any("kink" in note for note in report.notes)


def test_check_layer_draws_inputs_away_from_kinks():
    report = gradcheck.check_layer(Conv2D(4, 3, activation="relu"), (6, 6, 2), batch_size=3)
    assert report.passed, str(report)
    x = gradcheck.kink_free_input((3, 6, 6, 2), np.random.default_rng(0))
    assert np.abs(x).min() >= 0.1 and len(np.unique(x)) == x.size


def test_small_cnn_passes_check_model():
    minicnn.set_seed(0)
    model = minicnn.Sequential([
        Conv2D(3, 3, padding="same", input_shape=(6, 6, 2)), BatchNormalization(), ReLU(),
        MaxPooling2D(2), Dropout(0.2, seed=1), Flatten(), Dense(5, activation="relu"),
        Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6, 6, 2)).astype(np.float32)
    y = np.array([0, 1, 2, 1])
    before = model.get_weights()
    report = gradcheck.check_model(model, x, y)
    assert report.passed, str(report)
    assert {c.name for c in report.checks} >= {"input", "conv2d/kernel", "batch_normalization/gamma",
                                               "dense_1/bias"}
    for a, b in zip(before, model.get_weights()):   # the user's model is untouched
        np.testing.assert_array_equal(a, b)
        assert b.dtype == np.float32


def test_standard_checks_cover_every_layer_type():
    names = {type(layer).__name__ for layer, *_ in gradcheck.standard_checks()}
    merging = {name for name, cls in minicnn.layers.LAYER_CLASSES.items() if cls.multi_input}  # tests/layers/test_merge.py
    assert names == set(minicnn.layers.LAYER_CLASSES) - {"MaxPool2D", "AvgPool2D"} - merging
