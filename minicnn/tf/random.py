"""``tf.random.set_seed``: seeds minicnn's generator (weights, dropout and noise masks, shuffling)."""
import numpy as np

from ..keras._compat import module_getattr
from ..rng import set_seed as _set_seed


def set_seed(seed):
    """``tf.random.set_seed(seed)``: ``minicnn.set_seed(seed)``; ``None`` draws a fresh seed (unseeded runs)."""
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> 1)
    _set_seed(seed)


__getattr__ = module_getattr("tf.random", {}, "draw random numbers with NumPy "
                             "(numpy.random.default_rng(seed).normal / .uniform); available: tf.random.set_seed")
