import numpy as np
import pytest
from hypothesis import given

from minicnn.layers import (AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D, MaxPool2D,
                            MaxPooling2D)

from ..kernels.strategies import window_case
from .helpers import assert_gradients_correct


@given(window_case(max_size=7, max_window=3))
def test_max_pool_gradients(case):
    batch, h, w, c, window, strides, padding = case
    assert_gradients_correct(MaxPooling2D(window, strides, padding), (h, w, c), batch_size=batch)


@given(window_case(max_size=7, max_window=3))
def test_average_pool_gradients(case):
    batch, h, w, c, window, strides, padding = case
    assert_gradients_correct(AveragePooling2D(window, strides, padding), (h, w, c), batch_size=batch)


@pytest.mark.parametrize("layer", [GlobalMaxPooling2D, GlobalAveragePooling2D])
def test_global_pool_gradients(layer):
    assert_gradients_correct(layer(), (3, 5, 2), batch_size=3)
    assert_gradients_correct(layer(), (1, 1, 2), batch_size=2)


def test_alias_and_defaults():
    assert MaxPool2D is MaxPooling2D
    pool = MaxPool2D()
    assert pool.pool_size == (2, 2) and pool.strides == (2, 2) and pool.padding == "valid"
    assert pool.build((28, 28, 32)) == (14, 14, 32)
    assert MaxPool2D(2, padding="same").build((7, 7, 1)) == (4, 4, 1)


def test_max_pool_values_and_tie_gradient():
    x = np.array([[1, 3], [3, 2]], dtype=np.float32).reshape(1, 2, 2, 1)
    pool = MaxPooling2D(2)
    assert pool.forward(x).item() == 3
    dx = pool.backward(np.ones((1, 1, 1, 1), np.float32))
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0, 1], [0, 0]])   # first of the two maxima only


def test_global_max_pool_tie_routes_once():
    x = np.ones((1, 2, 2, 1), dtype=np.float32)
    pool = GlobalMaxPooling2D()
    pool.forward(x)
    assert pool.backward(np.ones((1, 1), np.float32)).sum() == 1


@pytest.mark.parametrize("size", [3, 4, 5, 7])
def test_maxpool_3_floors_like_torch(size):
    """airbench's MaxPool2d(3) (and MaxPool2d(2) on odd maps): 'valid' pooling drops the leftover
    rows and columns, as PyTorch's floor mode does."""
    torch = pytest.importorskip("torch")
    from minicnn.layers import MaxPooling2D
    x = np.random.default_rng(size).standard_normal((2, size, size, 3)).astype(np.float32)
    for pool in (2, 3):
        ours = MaxPooling2D(pool).forward(x)
        ref = torch.nn.functional.max_pool2d(torch.tensor(x).permute(0, 3, 1, 2), pool).permute(0, 2, 3, 1).numpy()
        np.testing.assert_array_equal(ours, ref)
