"""Hypothesis strategies for gradient-check inputs (hypothesis is a test-only dependency).

``kink_free_arrays(shape)`` draws float64 arrays whose values have magnitudes in [0.1, 1] on a
grid of spacing 9e-6 (all distinct, so no two values are within 2h of a tie at h = 1e-6) and
random signs: no ReLU sits at its kink and no max-pool window has a tie. Kinks deeper in a layer
(a convolution's output near 0) are still possible and are handled by the check itself.
"""
try:
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ImportError as err:  # pragma: no cover - exercised only without hypothesis
    raise ImportError("minicnn.gradcheck.strategies needs hypothesis, a test-only dependency: "
                      "pip install hypothesis (or pip install \".[test]\")") from err
import numpy as np

GRID = 100_000


@st.composite
def kink_free_arrays(draw, shape):
    """A strategy for float64 arrays of ``shape`` (a tuple, or a strategy of tuples) away from kinks."""
    if not isinstance(shape, tuple):
        shape = draw(shape)
    size = int(np.prod(shape))
    if size > GRID:
        raise ValueError(f"kink_free_arrays draws at most {GRID} distinct values, got shape {shape}")
    steps = draw(hnp.arrays(np.int64, size, elements=st.integers(0, GRID - 1), unique=True))
    signs = draw(hnp.arrays(np.bool_, size))
    magnitudes = 0.1 + 0.9 * steps / (GRID - 1)
    return np.where(signs, magnitudes, -magnitudes).reshape(shape)
