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


def test_vectorized_exp_is_within_one_float32_ulp():
    """The float32 GELU backward's exp (Cephes' expf, 2^n from its bits) against float64's exp,
    over the whole range it is used on, every float32 spacing near the points where n changes."""
    from minicnn.kernels.special import exp_nonpositive
    t = np.concatenate([-np.linspace(0, 87, 2_000_001), -np.log(2) * (np.arange(126) + 0.5)]).astype(np.float32)
    exact = np.exp(t.astype(np.float64))
    relative = np.abs(exp_nonpositive(t) - exact) / exact
    assert relative.max() < 2.0 ** -23, relative.max()   # one ulp of float32 at 1
    assert exp_nonpositive(np.float32([-200.0]))[0] == np.float32(np.exp(np.float32(-87.0)))
    with pytest.raises(ValueError, match="t <= 0"):
        exp_nonpositive(np.float32([0.5]))


def test_powers_of_two_from_the_bits_are_exact():
    from minicnn.kernels.special import _pow2_nonpositive
    for k in range(127):
        power = _pow2_nonpositive(np.int32(k))
        assert power == np.float32(2.0 ** -k), k


def test_float32_gelu_backward_in_the_tails():
    """Far from 0 the derivative is Phi(x) + x phi(x) with a tiny phi: 0 and 1 up to float32."""
    from minicnn.kernels.special import gelu_backward, gelu_backward_reference
    x = np.linspace(-15, 15, 30001).astype(np.float32)
    dy = np.ones_like(x)
    np.testing.assert_allclose(gelu_backward(x, dy), gelu_backward_reference(x.astype(np.float64), 1.0),
                               rtol=1e-5, atol=2e-7)
