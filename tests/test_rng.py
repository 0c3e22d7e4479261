import numpy as np

from minicnn.rng import random_uint32


def test_random_uint32_is_reproducible_of_any_size_and_uses_every_bit():
    a = random_uint32(np.random.default_rng(7), (3, 5, 7))        # an odd size: half a 64-bit draw unused
    b = random_uint32(np.random.default_rng(7), (3, 5, 7))
    assert a.dtype == np.uint32 and a.shape == (3, 5, 7)
    np.testing.assert_array_equal(a, b)
    bits = random_uint32(np.random.default_rng(1), (200_000,))
    ones = np.unpackbits(bits.view(np.uint8)).reshape(-1, 32).mean(axis=0)   # each of the 32 bit positions
    assert np.all(np.abs(ones - 0.5) < 0.01), ones
    rng = np.random.default_rng(3)
    assert not np.array_equal(random_uint32(rng, (64,)), random_uint32(rng, (64,)))  # the stream advances
