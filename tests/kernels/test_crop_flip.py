import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from minicnn.kernels.crop_flip import crop_flip_normalize, crop_flip_normalize_reference


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 5), h=st.integers(1, 6), w=st.integers(1, 6), c=st.integers(1, 3), p=st.integers(0, 2),
       b=st.integers(1, 6), seed=st.integers(0, 2**31))
def test_crop_flip_kernel_matches_reference(n, h, w, c, p, b, seed):
    rng = np.random.default_rng(seed)
    padded = rng.integers(0, 256, (n, h + 2 * p, w + 2 * p, c), dtype=np.uint8)
    index = rng.integers(0, n, b)
    dy, dx = rng.integers(0, 2 * p + 1, (2, b))
    flip = rng.random(b) < 0.5
    mean, inv_std = rng.uniform(0, 255, c).astype(np.float32), rng.uniform(0.01, 0.1, c).astype(np.float32)
    np.testing.assert_allclose(crop_flip_normalize(padded, index, dy, dx, flip, mean, inv_std, (h, w)),
                               crop_flip_normalize_reference(padded, index, dy, dx, flip, mean, inv_std, (h, w)),
                               rtol=1e-6, atol=1e-6)
