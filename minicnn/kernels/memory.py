"""Keep freed memory in the process (glibc malloc tuning) so big per-step arrays are not page-faulted anew.

A training step at batch 1024 allocates and frees arrays of hundreds of MB (activations, their
gradients). glibc serves blocks above ``M_MMAP_THRESHOLD`` with fresh ``mmap`` pages and returns
them on free, so each step touches every page again: a page fault per 4 KiB, which made
MaxPool's 252 MB backward 4x slower than its memory traffic. :func:`retain_freed_memory` raises
the mmap threshold and the trim threshold so freed blocks stay in the heap and are reused.
Process-wide and opt-in (the speedrun example and its PyTorch twin call it); a no-op off glibc.
"""
import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: mallopt takes a C int: larger values must not reach it (ctypes would wrap 2**34 to 0, which
#: means "trim the heap on every free", the opposite of what is asked).
INT_MAX = 2**31 - 1


def retain_freed_memory(mmap_threshold=1 << 30, trim_threshold=INT_MAX):
    """``mallopt`` the two thresholds; True when glibc accepted both, False when unavailable.

    Blocks up to ``mmap_threshold`` bytes come from the heap instead of fresh ``mmap`` pages, and
    the heap's free top is returned to the system only beyond ``trim_threshold`` bytes (both at
    most :data:`INT_MAX`)."""
    for name, value in (("mmap_threshold", mmap_threshold), ("trim_threshold", trim_threshold)):
        if not 0 <= value <= INT_MAX:
            raise ValueError(f"retain_freed_memory: {name} must be between 0 and {INT_MAX} (a C int), got {value}")
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold)) and bool(mallopt(M_TRIM_THRESHOLD, trim_threshold))
