import sys

import numpy as np

from minicnn.kernels.memory import retain_freed_memory


def test_retain_freed_memory_is_accepted_on_glibc_and_harmless():
    accepted = retain_freed_memory()
    assert accepted or not sys.platform.startswith("linux")
    a = np.ones(1 << 22)
    del a
    assert np.ones(1 << 22).sum() == 1 << 22
