import numpy as np
import pytest
from hypothesis import given

from minicnn.kernels import WindowGeometry, conv2d, conv2d_reference
from minicnn.kernels import conv as conv_module

from .strategies import window_case


@given(window_case())
def test_fast_conv_matches_loop_reference(case):
    batch, h, w, c, window, strides, padding = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, h, w, c)).astype(np.float32)
    kernel = rng.standard_normal(window + (c, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    g = WindowGeometry(h, w, window, strides, padding)
    np.testing.assert_allclose(conv2d(x, kernel, bias, strides, padding), conv2d_reference(x, kernel, bias, g),
                               rtol=1e-5, atol=1e-5)


def test_conv_by_hand():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    kernel = np.array([[1, 0], [0, -1]], dtype=np.float32).reshape(2, 2, 1, 1)   # x[i,j] - x[i+1,j+1]
    y = conv2d(x, kernel, strides=2)
    np.testing.assert_array_equal(y[0, :, :, 0], [[-5, -5], [-5, -5]])


def test_chunking_gives_the_same_result(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 6, 6, 2)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
    whole = conv2d(x, kernel, padding="same")
    monkeypatch.setattr(conv_module, "COLS_BUDGET_BYTES", 1)   # one sample per chunk
    np.testing.assert_array_equal(conv2d(x, kernel, padding="same"), whole)


def test_samples_per_chunk_respects_the_budget():
    g = WindowGeometry(32, 32, (3, 3), (1, 1), "same")
    per_sample = 32 * 32 * 9 * 64 * 4
    n = conv_module.samples_per_chunk(256, g, 64, 4, budget=64 * 2**20)
    assert n * per_sample <= 64 * 2**20 < (n + 1) * per_sample


def test_mismatched_channels_error():
    with pytest.raises(ValueError, match="same C"):
        conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4)))
