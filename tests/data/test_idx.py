import gzip

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minicnn.data.idx import read_idx
from minicnn.data.mnist import BUILTIN_MNIST_DIR

DTYPES = ["u1", "i1", ">i2", ">i4", ">f4", ">f8"]


def test_reads_builtin_mnist_labels_gzip_and_plain(tmp_path):
    gz_path = BUILTIN_MNIST_DIR / "t10k-labels-idx1-ubyte.gz"
    labels = read_idx(gz_path)
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    plain = tmp_path / "labels.idx.gz"  # misleading suffix: detection is by magic bytes
    plain.write_bytes(gzip.decompress(gz_path.read_bytes()))
    np.testing.assert_array_equal(read_idx(plain), labels)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    array=st.sampled_from(DTYPES).flatmap(
        lambda dt: hnp.arrays(np.dtype(dt), hnp.array_shapes(min_dims=1, max_dims=4, max_side=5),
                              elements={"allow_nan": False} if "f" in dt else None)
    ),
    compress=st.booleans(),
)
def test_round_trip_every_dtype(tmp_path_factory, write_idx, array, compress):
    path = write_idx(tmp_path_factory.mktemp("idx") / "x.idx", array, compress)
    result = read_idx(path)
    assert result.dtype == array.dtype.newbyteorder("=")
    assert result.dtype.isnative and result.flags.writeable
    np.testing.assert_array_equal(result, array)


def _write(tmp_path, data, name="bad.idx"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_bad_magic_names_file(tmp_path):
    path = _write(tmp_path, b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match=r"bad\.idx.*bad IDX magic.*00 00.*found 01 00"):
        read_idx(path)


def test_unknown_dtype_code(tmp_path):
    path = _write(tmp_path, b"\x00\x00\x07\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match=r"bad\.idx.*unknown IDX dtype code 0x07"):
        read_idx(path)


def test_truncated_payload(tmp_path, idx_bytes):
    data = idx_bytes(np.zeros((6, 28, 28), np.uint8))
    path = _write(tmp_path, data[:-1000])
    with pytest.raises(ValueError, match=r"bad\.idx: expected 4704 bytes of uint8 data for shape \(6, 28, 28\), found 3704"):
        read_idx(path)


def test_trailing_bytes(tmp_path, idx_bytes):
    path = _write(tmp_path, gzip.compress(idx_bytes(np.zeros(5, ">i4")) + b"\x00"), "trail.gz")
    with pytest.raises(ValueError, match=r"trail\.gz: expected 20 bytes of int32 data for shape \(5,\), found 21"):
        read_idx(path)


def test_wrong_dimensions_in_header(tmp_path, idx_bytes):
    good = idx_bytes(np.zeros((4, 5), np.uint8))
    wrong = good[:4] + (5).to_bytes(4, "big") + (5).to_bytes(4, "big") + good[12:]
    with pytest.raises(ValueError, match=r"expected 25 bytes .* shape \(5, 5\), found 20"):
        read_idx(_write(tmp_path, wrong))


def test_header_shorter_than_declared_dimensions(tmp_path):
    with pytest.raises(ValueError, match=r"bad\.idx: expected a 16-byte IDX header for 3 dimensions, found only 8"):
        read_idx(_write(tmp_path, b"\x00\x00\x08\x03\x00\x00\x00\x01"))


def test_zero_dimensions_and_empty_file(tmp_path):
    with pytest.raises(ValueError, match="declares 0 dimensions"):
        read_idx(_write(tmp_path, b"\x00\x00\x08\x00"))
    with pytest.raises(ValueError, match=r"empty\.idx.*found only 0 bytes"):
        read_idx(_write(tmp_path, b"", "empty.idx"))


@pytest.mark.parametrize("corruption", ["garbage", "truncated"])
def test_corrupt_gzip_names_file(tmp_path, idx_bytes, corruption):
    compressed = gzip.compress(idx_bytes(np.arange(1000, dtype=np.uint8)))
    data = compressed[:30] + b"\xff" * 40 if corruption == "garbage" else compressed[:-10]
    path = _write(tmp_path, data, "broken.gz")
    with pytest.raises(ValueError, match=r"broken\.gz: corrupt gzip stream"):
        read_idx(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "absent.idx")
