import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from minicnn.kernels.special import erf, erf_reference


@settings(max_examples=25, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 5)),
              elements=st.floats(-6, 6, allow_nan=False)))
def test_erf_matches_the_reference(x):
    np.testing.assert_array_equal(erf(x), erf_reference(x))


def test_erf_values_and_dtype():
    x = np.array([-1.0, 0.0, 0.5, 3.0], np.float32)
    y = erf(x)
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, [math.erf(v) for v in x], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_gelu_matches_reference(dtype):
    from minicnn.kernels.special import gelu, gelu_backward, gelu_backward_reference, gelu_reference
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((3, 70001)) * 3).astype(dtype)   # more than one chunk
    dy = rng.standard_normal(x.shape).astype(dtype)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gelu(x), gelu_reference(x), **tol)
    np.testing.assert_allclose(gelu_backward(x, dy), gelu_backward_reference(x, dy), **tol)
    assert gelu(x).dtype == dtype and gelu_backward(x, dy).dtype == dtype
