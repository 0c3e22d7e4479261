"""One deliberately broken layer per bug class: each is caught, and the report says what it is."""
import numpy as np
import pytest

from minicnn import gradcheck
from minicnn.layers import BatchNormalization, Conv2D, Dense, GlobalAveragePooling2D


class FlippedSign(Dense):
    """dx = -(dZ @ K^T)."""

    def backward(self, dy):
        return -super().backward(dy)


class MissingMean(GlobalAveragePooling2D):
    """dx = dy broadcast over H, W: the 1/(H*W) of the mean is missing."""

    def backward(self, dy):
        return np.broadcast_to(dy[:, None, None, :], self.x_shape).copy()


class TransposedKernel(Dense):
    """dL/dkernel = dZ^T @ x instead of x^T @ dZ (a square kernel, so the shapes agree)."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["kernel"][...] = self.grads["kernel"].T.copy()
        return dx


class BiasNeverWritten(Conv2D):
    """The bias gradient is left at zero."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["bias"][...] = 0
        return dx


class DroppedBorder(Conv2D):
    """'same' padding: the input gradient of the outer ring (the pixels next to the padding) is lost."""

    def backward(self, dy):
        dx = super().backward(dy)
        dx[:, [0, -1]] = 0
        dx[:, :, [0, -1]] = 0
        return dx


class HalfGamma(BatchNormalization):
    """A stray factor 1/2 on dgamma."""

    def backward(self, dy):
        dx = super().backward(dy)
        self.grads["gamma"] *= 0.5
        return dx


BUGS = [
    (FlippedSign(3), (4,), "input", "analytic = -1 x numeric everywhere: a flipped sign"),
    (MissingMean(), (3, 4, 2), "input", "analytic = 12 x numeric everywhere: an extra factor of 12 (a missing 1/12)?"),
    (TransposedKernel(4), (4,), "kernel", "analytic = numeric transposed (axes (1, 0)): a transposed gradient"),
    (BiasNeverWritten(2, 3), (5, 5, 2), "bias", "the gradient is never written"),
    (DroppedBorder(2, 3, padding="same"), (6, 6, 2), "input",
     "errors only at the image border (80 wrong coordinates, all in the outer 1 pixel of each 6x6 image; "
     "64 interior coordinates right): the padding in the backward pass?"),
    (HalfGamma(), (3, 3, 2), "gamma", "analytic = 0.5 x numeric everywhere: a missing factor of 2?"),
]


@pytest.mark.parametrize("layer, shape, tensor, diagnosis", BUGS, ids=[type(b[0]).__name__ for b in BUGS])
def test_each_bug_class_is_caught_and_diagnosed(layer, shape, tensor, diagnosis):
    report = gradcheck.check_layer(layer, shape)
    assert not report.passed
    assert [c.name for c in report.checks if not c.passed] == [tensor]
    text = str(report)
    assert f"{tensor}: wrong" in text and diagnosis in text, text
    assert "worst coordinates" in text
    (index, analytic, numeric, _), *_ = report[tensor].worst()
    assert len(index) == len(report[tensor].shape) and analytic != pytest.approx(numeric)


def test_the_report_shows_bands_and_worst_values_side_by_side():
    report = gradcheck.check_layer(HalfGamma(), (3, 3, 2))
    lines = str(report).splitlines()
    gamma = next(line for line in lines if line.strip().startswith("gamma ") and "FAIL" in line)
    assert "wrong" in gamma and "5.0e-01" in gamma
    beta = next(line for line in lines if line.strip().startswith("beta "))
    assert "right" in beta and "ok" in beta
    worst = report["gamma"].worst()
    assert all(a == pytest.approx(0.5 * n) for _, a, n, _ in worst)
    assert gradcheck.band(5e-8) == "right" and gradcheck.band(3e-3) == "suspicious" and gradcheck.band(0.2) == "wrong"


def test_a_partly_wrong_gradient_gets_a_partial_diagnosis():
    class HalfFirstSample(Dense):
        def backward(self, dy):
            dx = super().backward(dy)
            dx[0] *= 0.5
            return dx

    report = gradcheck.check_layer(HalfFirstSample(3), (4,), batch_size=3)
    text = str(report)
    assert "analytic = 0.5 x numeric at the wrong coordinates: a missing factor of 2? (4 of 12 coordinates wrong)" in text


@pytest.mark.parametrize("layer, shape, tensor, words", [
    (FlippedSign(3), (4,), "input", "analytic = -1 x numeric in every random direction: a flipped sign"),
    (HalfGamma(), (3, 3, 2), "gamma", "a missing factor of 2?"),
    (BiasNeverWritten(2, 3), (5, 5, 2), "bias", "never written")])
def test_fast_mode_catches_the_dense_bugs(layer, shape, tensor, words):
    report = gradcheck.check_layer(layer, shape, fast=True)
    assert [c.name for c in report.checks if not c.passed] == [tensor]
    assert words in str(report) and report[tensor].mode == "directions"


def test_step_sweep_tells_a_bug_from_a_precision_problem():
    bug = gradcheck.check_layer(HalfGamma(), (3, 3, 2), sweep=True).sweep
    assert bug.verdicts["gamma"].startswith("a bug, not a precision problem")
    assert bug.verdicts["beta"].startswith("right") and bug.verdicts["input"].startswith("right")
    assert len(bug.steps) == 9 and bug.steps[0] == 1e-2 and bug.steps[-1] == pytest.approx(1e-10)
    errors = np.array(bug.errors["input"])
    assert errors.argmin() not in (0, 8)  # V-shaped: truncation for large h, rounding for small h

    from minicnn.layers import Layer

    class CubeInFloat32(Layer):
        """y = x^3 computed in float32: a right formula with a precision problem."""

        def forward(self, x, training=False):
            self.x = x
            return (x.astype(np.float32) ** 3).astype(x.dtype)

        def backward(self, dy):
            return 3 * self.x ** 2 * dy

    report = gradcheck.check_layer(CubeInFloat32(), (4,), sweep=True)
    assert not report.passed
    assert report.sweep.verdicts["input"].startswith("a precision problem")
    assert "step-size sweep" in str(report)


def test_the_sweep_plot_is_drawn(tmp_path):
    from minicnn.plots import plot_gradcheck_sweep
    sweep = gradcheck.check_layer(HalfGamma(), (2, 2, 1), sweep=True).sweep
    fig = plot_gradcheck_sweep(sweep, tmp_path / "sweep.png")
    assert (tmp_path / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["input", "gamma", "beta"]
    with pytest.raises(ValueError, match="expected a StepSweep"):
        plot_gradcheck_sweep({"input": [1.0]})
