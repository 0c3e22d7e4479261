"""Reader for the IDX file format used by MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number ``00 00 <dtype code> <ndim>``, then ``ndim``
big-endian uint32 dimension sizes, then the row-major payload in big-endian order.
Files may be gzip-compressed; compression is detected from the gzip magic bytes
(``1f 8b``), not from the file name.
"""
import gzip
import zlib
from pathlib import Path

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"

#: IDX dtype code -> big-endian NumPy dtype of the payload.
IDX_DTYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path):
    """Read an IDX file (gzip-compressed or not) into a native-endian array.

    Returns an array with the shape stored in the header, e.g. (60000, 28, 28) uint8
    for MNIST training images or (60000,) uint8 for its labels.

    Raises ``ValueError`` naming the file for a corrupt gzip stream, a bad magic
    number, an unknown dtype code, or a payload whose length differs from the
    product of the dimensions (truncated or trailing bytes).
    """
    path = Path(path)
    raw = _read_maybe_gzip(path)
    shape, dtype, header_len = _parse_header(raw, path)
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header_len
    if found != expected:
        raise ValueError(
            f"{path}: expected {expected} bytes of {dtype.name} data for shape {shape}, "
            f"found {found}"
        )
    payload = np.frombuffer(raw, dtype=dtype, offset=header_len)
    return payload.astype(dtype.newbyteorder("="), copy=True).reshape(shape)


def _read_maybe_gzip(path):
    with open(path, "rb") as f:
        raw = f.read()
    if not raw.startswith(GZIP_MAGIC):
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{path}: corrupt gzip stream ({err})") from err


def _parse_header(raw, path):
    """Return (shape, big-endian dtype, header length in bytes)."""
    if len(raw) < 4:
        raise ValueError(f"{path}: expected a 4-byte IDX magic number, found only {len(raw)} bytes")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(
            f"{path}: bad IDX magic number: expected the first two bytes to be 00 00, "
            f"found {raw[0]:02x} {raw[1]:02x}"
        )
    code, ndim = raw[2], raw[3]
    if code not in IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in IDX_DTYPES)
        raise ValueError(f"{path}: unknown IDX dtype code 0x{code:02X} (expected one of {known})")
    if ndim == 0:
        raise ValueError(f"{path}: IDX header declares 0 dimensions, expected at least 1")
    header_len = 4 + 4 * ndim
    if len(raw) < header_len:
        raise ValueError(
            f"{path}: expected a {header_len}-byte IDX header for {ndim} dimensions, "
            f"found only {len(raw)} bytes"
        )
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    return shape, IDX_DTYPES[code], header_len
