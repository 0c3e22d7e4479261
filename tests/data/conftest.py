"""Shared helpers for the minicnn.data tests (exposed as fixtures)."""
import gzip
import struct

import numpy as np
import pytest

IDX_CODES = {"u1": 0x08, "i1": 0x09, "i2": 0x0B, "i4": 0x0C, "f4": 0x0D, "f8": 0x0E}


def idx_bytes(array):
    """Encode ``array`` in the IDX format (header + big-endian payload)."""
    array = np.asarray(array)
    code = IDX_CODES[array.dtype.str[1:]]
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx_file(path, array, compress=True):
    """Write ``array`` as an IDX file at ``path``, gzip-compressed if ``compress``."""
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


@pytest.fixture(name="idx_bytes")
def idx_bytes_fixture():
    """The ``idx_bytes(array) -> bytes`` encoder."""
    return idx_bytes


@pytest.fixture
def write_idx():
    """The ``write_idx_file(path, array, compress=True) -> path`` writer."""
    return write_idx_file
