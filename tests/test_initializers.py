import numpy as np
import pytest

import minicnn
from minicnn import initializers


def test_fans_follow_keras():
    assert initializers.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert initializers.compute_fans((100, 10)) == (100, 10)


def test_distributions():
    minicnn.set_seed(0)
    w = initializers.initialize("he_normal", (200, 300), np.float32)
    assert w.dtype == np.float32
    assert abs(w.std() - np.sqrt(2 / 200)) < 0.05 * np.sqrt(2 / 200)
    assert np.abs(w).max() <= 2 * np.sqrt(2 / 200) / 0.87962566103423978 + 1e-6   # truncated at 2 std
    u = initializers.initialize("he_uniform", (200, 300), np.float32)
    assert np.abs(u).max() <= np.sqrt(6 / 200)
    assert not initializers.initialize("zeros", (3,), np.float32).any()


def test_seeded_and_unknown():
    minicnn.set_seed(5)
    a = initializers.initialize("glorot_uniform", (4, 4), np.float32)
    minicnn.set_seed(5)
    np.testing.assert_array_equal(a, initializers.initialize("glorot_uniform", (4, 4), np.float32))
    with pytest.raises(ValueError, match="unknown initializer 'orthogonal'"):
        initializers.initialize("orthogonal", (2, 2), np.float32)
