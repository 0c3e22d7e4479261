import math

import numpy as np
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
