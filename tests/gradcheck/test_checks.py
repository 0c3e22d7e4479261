import numpy as np
import pytest

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


def test_kinks_are_detected_and_judged_by_the_one_sided_slope():
    # inputs exactly at ReLU's kink: the ReLU mask changes between x+h and x-h, so those
    # coordinates are compared with the slope on the side where the mask equals the one at x
    # (the left: ReLU's derivative at 0 is 0), instead of failing or passing silently
    model = minicnn.Sequential([ReLU(input_shape=(4,)), Dense(2, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.array([[0.0, 0.5, -0.5, 0.0], [1.0, 0.0, 0.3, -0.2]], np.float32)
    report = gradcheck.check_model(model, x, np.array([0, 1]))
    assert report.passed, str(report)
    input_check = report.checks[0]
    assert input_check.kinks == 3 and input_check.checked == 8 and input_check.skipped_kinks == 0
    assert "3 coordinates cross a ReLU or max-pool decision" in str(report)


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


def test_check_function_for_plain_numpy_code():
    def affine(x, w, b):
        return x @ w + b

    def affine_backward(dy, x, w, b):
        return dy @ w.T, x.T @ dy, dy.sum(axis=0)

    rng = np.random.default_rng(1)
    inputs = {"x": rng.standard_normal((3, 4)), "w": rng.standard_normal((4, 2)), "b": rng.standard_normal(2)}
    report = gradcheck.check_function(affine, affine_backward, inputs)
    assert report.passed and [c.name for c in report.checks] == ["x", "w", "b"]

    def wrong_backward(dy, x, w, b):
        return dy @ w.T, x.T @ dy, dy.mean(axis=0)

    report = gradcheck.check_function(affine, wrong_backward, inputs)
    assert [c.name for c in report.checks if not c.passed] == ["b"]
    assert "analytic = 0.3333 x numeric everywhere: a missing factor of 3?" in str(report)
    with pytest.raises(ValueError, match="one gradient per input"):
        gradcheck.check_function(affine, lambda dy, x, w, b: (dy,), inputs)
    report = gradcheck.check_function(affine, affine_backward, {k: v.astype(np.float32) for k, v in inputs.items()})
    assert report.passed and all(0 < c.float32_relative_error < 1e-5 for c in report.checks)


def test_assert_gradients_raises_with_the_report():
    assert gradcheck.assert_gradients(Dense(3), (4,)).passed
    with pytest.raises(AssertionError) as info:
        gradcheck.assert_gradients(BrokenScale(), (3,))
    assert "BrokenScale() input (2, 3) training=True: FAIL" in str(info.value)
    assert "a missing factor of 2?" in str(info.value)
    with pytest.raises(AssertionError, match="flipped sign"):
        gradcheck.assert_gradients(np.sin, lambda dy, x: -np.cos(x) * dy, np.linspace(0.1, 1, 5))


def test_float32_layers_are_checked_through_their_float64_shadow():
    layer = Conv2D(2, 3, activation="relu")
    report = gradcheck.check_layer(layer, (5, 5, 2))
    assert report.passed
    assert layer.dtype == np.float32 and layer.params["kernel"].dtype == np.float32  # the user's layer untouched
    for c in report.checks:
        assert 0 < c.float32_relative_error < 1e-4   # float32 rounding, reported beside the float64 verdict
    assert "float32 rel err" in str(report)
    assert all(c.float32_relative_error is None for c in gradcheck.check_layer(Dense(2, dtype="float64"), (3,)).checks)


def test_fast_mode_checks_a_cifar_bn_conv_layer_in_seconds():
    import time
    from minicnn.architectures import cifar_bn
    model = cifar_bn()
    model.predict(np.zeros((1, 32, 32, 3), np.float32))  # builds every layer
    conv = [layer for layer in model.layers if isinstance(layer, Conv2D)][1]
    assert conv.input_shape == (32, 32, 32)
    start = time.perf_counter()
    report = gradcheck.check_layer(conv, conv.input_shape, batch_size=8, fast=True)
    elapsed = time.perf_counter() - start
    assert report.passed, str(report)
    assert all(c.mode == "directions" and c.checked == 3 for c in report.checks)
    assert elapsed < 10, f"fast mode took {elapsed:.1f} s"


def test_kink_free_arrays_strategy():
    from hypothesis import given

    @given(gradcheck.kink_free_arrays((3, 4)))
    def draw(x):
        assert x.shape == (3, 4) and x.dtype == np.float64
        assert np.abs(x).min() >= 0.1 and np.abs(x).max() <= 1
        gaps = np.diff(np.sort(x.ravel()))
        assert gaps.min() > 2 * gradcheck.DEFAULT_EPS

    draw()


def test_a_missing_hypothesis_gives_a_clear_error(monkeypatch):
    import importlib
    import sys
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "minicnn.gradcheck.strategies", raising=False)
    with pytest.raises(ImportError, match="needs hypothesis, a test-only dependency: pip install hypothesis"):
        gradcheck.kink_free_arrays((2,))
    monkeypatch.delitem(sys.modules, "minicnn.gradcheck.strategies", raising=False)
    importlib.import_module("minicnn.gradcheck")  # the package itself never needs hypothesis


def test_what_fast_mode_can_miss_an_error_at_one_pixel():
    # the documented blind spot: <g, u> dilutes an error confined to one coordinate of a large tensor
    class OnePixel(Conv2D):
        factor = 1.0

        def backward(self, dy):
            dx = super().backward(dy)
            dx[0, 5, 5, 3] *= self.factor
            return dx

    results = {}
    for factor in (1.1, 1.0001):
        minicnn.set_seed(0)
        layer = OnePixel(32, 3, padding="same", activation="relu")
        layer.factor = factor
        results[factor] = gradcheck.check_layer(layer, (32, 32, 32), batch_size=8, fast=True)["input"]
    assert not results[1.1].passed and 1e-4 < results[1.1].max_relative_error < 1e-3   # 10%: caught
    assert results[1.0001].passed and results[1.0001].max_relative_error < 1e-6         # 0.01%: missed
    small = OnePixel(2, 3, padding="same", activation="relu")
    small.factor = 1.0001
    assert not gradcheck.check_layer(small, (6, 6, 4), x=None).passed                  # coordinates catch it
