import numpy as np
import pytest

from minicnn.layers import Dropout

from .helpers import assert_gradients_correct


def test_dropout_gradients_with_a_fixed_mask():
    assert_gradients_correct(Dropout(0.4, seed=3), (5, 4), batch_size=3, training=True)
    assert_gradients_correct(Dropout(0.4, seed=3), (5, 4), batch_size=3, training=False)


def test_identity_at_inference():
    x = np.random.default_rng(0).standard_normal((4, 10)).astype(np.float32)
    d = Dropout(0.5)
    np.testing.assert_array_equal(d.forward(x, training=False), x)


def test_inverted_dropout_keeps_the_expectation():
    d = Dropout(0.3, seed=0)
    x = np.ones((1000, 1000), np.float32)
    y = d.forward(x, training=True)
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.005
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.01


def test_seeded_masks_repeat():
    x = np.ones((3, 8), np.float32)
    a = Dropout(0.5, seed=42).forward(x, True)
    b = Dropout(0.5, seed=42).forward(x, True)
    np.testing.assert_array_equal(a, b)


def test_bad_rate():
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\)"):
        Dropout(1.0)
