import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.kernels import WindowGeometry, conv2d_reference
from minicnn.kernels import conv as conv_module
from minicnn.layers import Conv2D

from ..kernels.strategies import window_case
from .helpers import assert_gradients_correct


@given(window_case(max_size=7, max_window=3), st.integers(1, 3), st.sampled_from([None, "relu"]),
       st.booleans())
def test_conv_gradients_match_finite_differences(case, filters, activation, use_bias):
    batch, h, w, c, window, strides, padding = case
    layer = Conv2D(filters, window, strides=strides, padding=padding, activation=activation, use_bias=use_bias)
    assert_gradients_correct(layer, (h, w, c), batch_size=batch)


def test_conv_1x1_spatial_input():
    assert_gradients_correct(Conv2D(2, 3, padding="same"), (1, 1, 2), batch_size=2)


def test_conv_gradients_with_chunked_batches(monkeypatch):
    monkeypatch.setattr(conv_module, "COLS_BUDGET_BYTES", 1)   # one sample per chunk, columns recomputed
    assert_gradients_correct(Conv2D(2, (3, 2), strides=2, padding="same"), (5, 6, 2), batch_size=3)


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("activation", [None, "relu"])
def test_winograd_conv_gradients_match_finite_differences(monkeypatch, padding, activation):
    """The layer on the Winograd path (3x3, stride 1; the channel floor lowered so that a small
    layer takes it), checked by finite differences on sampled coordinates."""
    monkeypatch.setattr(conv_module, "WINOGRAD", True)
    monkeypatch.setattr(conv_module, "WINOGRAD_DTYPES", (np.dtype(np.float32), np.dtype(np.float64)))
    monkeypatch.setattr(conv_module, "WINOGRAD_FORWARD_MIN_CHANNELS", 1)
    monkeypatch.setattr(conv_module, "WINOGRAD_BACKWARD_MIN_CHANNELS", 1)
    layer = Conv2D(3, 3, padding=padding, activation=activation)
    geom = WindowGeometry(5, 6, (3, 3), (1, 1), padding)
    assert conv_module.uses_winograd(geom, 2, 3, dtype=np.float64)
    assert conv_module.uses_winograd(geom, 2, 3, backward=True, dtype=np.float64)
    assert_gradients_correct(layer, (5, 6, 2), batch_size=2)


def test_wide_conv_takes_winograd_and_passes_the_gradient_check(monkeypatch):
    """By default both passes take Winograd from 16 channels in and out, in float32 only; sampled
    coordinates (in float64, Winograd allowed for it here), for a layer on each side of the threshold."""
    geom = WindowGeometry(4, 4, (3, 3), (1, 1), "same")
    assert not conv_module.uses_winograd(geom, 16, 32, dtype=np.float64)
    monkeypatch.setattr(conv_module, "WINOGRAD_DTYPES", (np.dtype(np.float32), np.dtype(np.float64)))
    assert not conv_module.uses_winograd(geom, 8, 64) and not conv_module.uses_winograd(geom, 8, 64, backward=True)
    assert conv_module.uses_winograd(geom, 16, 32) and conv_module.uses_winograd(geom, 16, 32, backward=True)
    assert_gradients_correct(Conv2D(8, 3, padding="same"), (4, 4, 8), batch_size=2, max_coords=60)
    assert_gradients_correct(Conv2D(32, 3, padding="same"), (4, 4, 16), batch_size=2, max_coords=60)


def test_forward_matches_reference_and_shapes():
    layer = Conv2D(4, (3, 2), strides=(2, 1), padding="same", input_shape=(7, 6, 3))
    assert layer.build((7, 6, 3)) == (4, 6, 4)
    assert layer.params["kernel"].shape == (3, 2, 3, 4) and layer.params["kernel"].dtype == np.float32
    assert layer.params["bias"].shape == (4,) and not layer.params["bias"].any()
    x = np.random.default_rng(0).standard_normal((2, 7, 6, 3)).astype(np.float32)
    y = layer.forward(x)
    assert y.dtype == np.float32
    ref = conv2d_reference(x, layer.params["kernel"], layer.params["bias"], WindowGeometry(7, 6, (3, 2), (2, 1), "same"))
    np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5)


def test_glorot_uniform_limits():
    layer = Conv2D(64, 3)
    layer.build((8, 8, 32))
    limit = np.sqrt(6 / (9 * 32 + 9 * 64))
    k = layer.params["kernel"]
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.9 * limit


def test_backward_does_not_touch_weights():
    layer = Conv2D(2, 3)
    layer.build((5, 5, 1))
    before = layer.params["kernel"].copy()
    layer.forward(np.ones((1, 5, 5, 1), np.float32), True)
    layer.backward(np.ones((1, 3, 3, 2), np.float32))
    np.testing.assert_array_equal(layer.params["kernel"], before)
    assert layer.grads["kernel"].any()


def test_wrong_input_shape_is_a_clear_error():
    layer = Conv2D(2, 3, input_shape=(8, 8, 1))
    layer.build((8, 8, 1))
    with pytest.raises(ValueError, match=r"expects inputs of shape \(batch, 8, 8, 1\), got \(2, 8, 8, 3\)"):
        layer.forward(np.zeros((2, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="height, width, channels"):
        Conv2D(2, 3).build((8, 8))


@pytest.mark.parametrize("kwargs, message", [({"filters": 0, "kernel_size": 3}, "filters"),
                                             ({"filters": 2, "kernel_size": 0}, "kernel_size"),
                                             ({"filters": 2, "kernel_size": 3, "strides": (1, 2, 3)}, "strides"),
                                             ({"filters": 2, "kernel_size": 3, "padding": "full"}, "padding"),
                                             ({"filters": 2, "kernel_size": 3, "activation": "softsign"}, "activation")])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Conv2D(**kwargs)


def test_no_columns_are_kept_for_a_backward_that_takes_winograd(monkeypatch):
    """With Winograd forward from 64 channels and backward from 32: 32 channels is an im2col forward
    and a Winograd backward, so the forward keeps no columns for it; 16 channels is im2col both
    ways, the columns are kept."""
    monkeypatch.setattr(conv_module, "WINOGRAD_FORWARD_MIN_CHANNELS", 64)
    monkeypatch.setattr(conv_module, "WINOGRAD_BACKWARD_MIN_CHANNELS", 32)
    rng = np.random.default_rng(0)
    for channels, kept in ((32, False), (16, True)):
        geom = WindowGeometry(4, 4, (3, 3), (1, 1), "same")
        x = rng.standard_normal((2, 4, 4, channels)).astype(np.float32)
        kernel = rng.standard_normal((3, 3, channels, 32)).astype(np.float32)
        work = conv_module.ConvWorkspace()
        conv_module.conv2d_forward(x, kernel, None, False, geom, work)
        assert (work.cols is not None) == kept, channels
