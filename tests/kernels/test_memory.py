import resource
import sys

import numpy as np
import pytest

from minicnn.kernels.memory import INT_MAX, retain_freed_memory


def test_retain_freed_memory_is_accepted_on_glibc_and_harmless():
    accepted = retain_freed_memory()
    assert accepted or not sys.platform.startswith("linux")
    a = np.ones(1 << 22)
    del a
    assert np.ones(1 << 22).sum() == 1 << 22


def _faults_of_touching(nbytes):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    block = np.empty(nbytes, dtype=np.uint8)
    block[::4096] = 1  # touch every page
    del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc malloc and page-fault counts: Linux only")
def test_a_freed_big_block_is_reused_without_page_faults():
    """The point of retain_freed_memory: a 64 MB block freed and allocated again comes back from the
    heap with its pages in place. (With the trim threshold wrapped to 0 by a C int, every free gave
    the pages back and each round faulted them in again.)"""
    if not retain_freed_memory():
        pytest.skip("mallopt not available (not glibc)")
    first = _faults_of_touching(64 << 20)
    again = [_faults_of_touching(64 << 20) for _ in range(3)]
    assert first > 0
    assert max(again) <= first // 10, (first, again)


@pytest.mark.parametrize("kwargs", [{"trim_threshold": 1 << 34}, {"mmap_threshold": -1}])
def test_thresholds_outside_a_c_int_are_refused(kwargs):
    with pytest.raises(ValueError, match=str(INT_MAX)):
        retain_freed_memory(**kwargs)
