"""Shared helpers for the minicnn.data tests (exposed as fixtures)."""
import gzip
import os
import struct
import tarfile
from pathlib import Path

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


# The CIFAR-10 JPEG tree: $MINICNN_CIFAR_JPEG (set by .ci/run), else ../shared/data beside the checkout
# (a worktree under /work/wt/ sits one level deeper, hence the second candidate).
_CIFAR_CANDIDATES = [os.environ.get("MINICNN_CIFAR_JPEG")] + [
    str(Path(__file__).resolve().parents[k] / "shared" / "data" / "cifar-10-jpeg.tar.gz") for k in (3, 4)]
CIFAR_JPEG_TAR = next((p for p in _CIFAR_CANDIDATES if p and os.path.isfile(p)), None)
needs_cifar_jpeg = pytest.mark.skipif(CIFAR_JPEG_TAR is None, reason="the CIFAR-10 JPEG tree "
                                      "(cifar-10-jpeg.tar.gz, $MINICNN_CIFAR_JPEG) is not on this machine")


def extract_cifar_jpeg(root, classes, per_class, split="train"):
    """Extract the first ``per_class`` images of each of ``classes`` from the CIFAR-10 JPEG tree
    into ``root``; returns ``root / split``."""
    wanted = {f"{split}/{name}/" for name in classes}
    with tarfile.open(CIFAR_JPEG_TAR, "r:gz") as tar:
        members = []
        for member in tar:
            prefix = member.name.rsplit("/", 1)[0] + "/"
            if member.isfile() and prefix in wanted and sum(m.name.startswith(prefix) for m in members) < per_class:
                members.append(member)
            if len(members) == per_class * len(classes):
                break
        tar.extractall(root, members=members, filter="data")
    return Path(root) / split
