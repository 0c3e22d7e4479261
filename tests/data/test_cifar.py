import hashlib
import io
import os
import pickle
import tarfile

import numpy as np
import pytest

from minicnn.data import cifar
from minicnn.data.cifar import CIFAR10_CLASS_NAMES, load_cifar10
from minicnn.data.download import DownloadError
from minicnn.data.safe_pickle import restricted_loads

from ..optional_data import cifar10_dir

BATCH_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _synthetic_batches(n_per_batch=4, seed=0):
    """{file name: dict} in the official layout, small batches."""
    rng = np.random.default_rng(seed)
    files = {}
    for name in BATCH_NAMES:
        files[name] = {
            b"batch_label": name.encode(),
            b"labels": rng.integers(0, 10, n_per_batch).tolist(),
            b"data": rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8),
            b"filenames": [f"img{i}.png".encode() for i in range(n_per_batch)],
        }
    files["batches.meta"] = {b"label_names": [c.encode() for c in CIFAR10_CLASS_NAMES],
                             b"num_cases_per_batch": n_per_batch, b"num_vis": 3072}
    return files


def _write_folder(root, files, protocol=3):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    for name, content in files.items():
        raw = content if isinstance(content, bytes) else pickle.dumps(content, protocol=protocol)
        (folder / name).write_bytes(raw)
    return folder


def _write_archive(path, files):
    with tarfile.open(path, "w:gz") as tar:
        for name, content in files.items():
            raw = pickle.dumps(content, protocol=3)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


def _check_matches(result, files):
    (x_train, y_train), (x_test, y_test), class_names = result
    n = len(files["test_batch"][b"labels"])
    assert x_train.shape == (5 * n, 32, 32, 3) and x_test.shape == (n, 32, 32, 3)
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8 and y_train.shape == (5 * n,)
    assert class_names == list(CIFAR10_CLASS_NAMES)
    expected_y = sum((files[name][b"labels"] for name in BATCH_NAMES[:5]), [])
    assert y_train.tolist() == expected_y
    assert y_test.tolist() == files["test_batch"][b"labels"]
    raw = files["data_batch_2"][b"data"][1]
    for channel in range(3):  # R, G, B planes, each 32x32 row-major
        np.testing.assert_array_equal(x_train[n + 1, :, :, channel],
                                      raw[1024 * channel:1024 * (channel + 1)].reshape(32, 32))


def test_extracted_folder_layout(tmp_path):
    files = _synthetic_batches()
    _write_folder(tmp_path, files)
    _check_matches(load_cifar10(tmp_path, download=False), files)


def test_archive_read_without_extracting(tmp_path):
    files = _synthetic_batches(seed=1)
    _write_archive(tmp_path / "cifar-10-python.tar.gz", files)
    _check_matches(load_cifar10(tmp_path, download=False), files)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cifar-10-python.tar.gz"]


def test_data_dir_from_env(tmp_path, monkeypatch):
    files = _synthetic_batches(seed=2)
    _write_folder(tmp_path, files)
    monkeypatch.setenv("MINICNN_DATA", str(tmp_path))
    _check_matches(load_cifar10(download=False), files)


def test_official_python2_global_names_are_accepted(tmp_path):
    files = _synthetic_batches(seed=3)
    folder = _write_folder(tmp_path, files)
    raw = (folder / "data_batch_1").read_bytes()
    assert b"numpy._core.multiarray\n_reconstruct" in raw  # protocol 3 uses GLOBAL 'module\nname'
    (folder / "data_batch_1").write_bytes(
        raw.replace(b"numpy._core.multiarray\n_reconstruct", b"numpy.core.multiarray\n_reconstruct"))
    _check_matches(load_cifar10(tmp_path, download=False), files)


def test_missing_batch_file_is_named(tmp_path):
    folder = _write_folder(tmp_path, _synthetic_batches())
    (folder / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match=r"data_batch_3 is missing: .*must hold data_batch_1\.\.5, test_batch"):
        load_cifar10(tmp_path, download=False)


def test_missing_archive_member_is_named(tmp_path):
    files = _synthetic_batches()
    del files["test_batch"]
    _write_archive(tmp_path / "cifar-10-python.tar.gz", files)
    with pytest.raises(FileNotFoundError, match=r"has no member cifar-10-batches-py/test_batch"):
        load_cifar10(tmp_path, download=False)


def test_corrupt_archive_is_a_value_error(tmp_path):
    (tmp_path / "cifar-10-python.tar.gz").write_bytes(b"\x1f\x8b" + b"\x00" * 100)
    with pytest.raises(ValueError, match=r"cifar-10-python\.tar\.gz"):
        load_cifar10(tmp_path, download=False)


def test_nothing_there_says_what_to_put_where(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path / "empty", download=False)
    message = str(info.value)
    for expected in ("cifar-10-python.tar.gz", "cifar-10-batches-py/", str(tmp_path / "empty"),
                     "$MINICNN_DATA", "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"):
        assert expected in message


def test_offline_download_fails_fast_with_instructions(tmp_path, monkeypatch):
    monkeypatch.setattr(cifar, "CIFAR10_URL", "http://127.0.0.1:9/cifar-10-python.tar.gz")
    with pytest.raises(DownloadError, match=r"(?s)CIFAR-10 download failed.*put cifar-10-python\.tar\.gz"):
        load_cifar10(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_then_load(tmp_path, monkeypatch):
    files = _synthetic_batches(seed=4)
    source = _write_archive(tmp_path / "mirror.tar.gz", files)
    monkeypatch.setattr(cifar, "CIFAR10_URL", source.as_uri())
    monkeypatch.setattr(cifar, "CIFAR10_MD5", hashlib.md5(source.read_bytes()).hexdigest())
    _check_matches(load_cifar10(tmp_path / "data"), files)
    assert (tmp_path / "data" / "cifar-10-python.tar.gz").is_file()


@pytest.mark.parametrize("field, value, message", [
    (b"data", np.zeros((4, 3000), np.uint8), r"expected b'data' as a uint8 array of shape \(n, 3072\), found uint8 array of shape \(4, 3000\)"),
    (b"data", np.zeros((4, 3072), np.float32), r"expected b'data' .*found float32 array"),
    (b"labels", [0, 1, 10, -1], r"expected labels in 0\.\.9, found \[-1, 10\]"),
    (b"labels", [0, 1, 2], r"expected 4 labels to match b'data', found 3"),
    (b"labels", [0, 1, 2, "x"], r"expected b'labels' as a list of ints"),
])
def test_malformed_batch_is_named(tmp_path, field, value, message):
    files = _synthetic_batches()
    files["data_batch_4"][field] = value
    _write_folder(tmp_path, files)
    with pytest.raises(ValueError, match=r"data_batch_4: " + message):
        load_cifar10(tmp_path, download=False)


class _Malicious:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_malicious_batch_is_refused_without_running(tmp_path):
    marker = tmp_path / "marker"
    files = _synthetic_batches()
    files["data_batch_2"] = pickle.dumps({b"data": _Malicious(marker), b"labels": []}, protocol=3)
    _write_folder(tmp_path, files)
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load posix\.system from .*data_batch_2"):
        load_cifar10(tmp_path, download=False)
    assert not marker.exists()


def test_real_cifar10():
    root = cifar10_dir()
    (x_train, y_train), (x_test, y_test), class_names = load_cifar10(root, download=False)
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (10000, 32, 32, 3)
    assert x_train.dtype == x_test.dtype == y_train.dtype == y_test.dtype == np.uint8
    assert y_train.shape == (50000,) and y_test.shape == (10000,)
    assert np.bincount(y_train).tolist() == [5000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert class_names == list(CIFAR10_CLASS_NAMES)
    folder = root / "cifar-10-batches-py"
    if folder.is_dir():
        first = restricted_loads((folder / "data_batch_1").read_bytes(), "data_batch_1")
        assert y_train[:10].tolist() == first[b"labels"][:10]
        np.testing.assert_array_equal(x_train[0, :, :, 0], first[b"data"][0, :1024].reshape(32, 32))
        np.testing.assert_array_equal(x_train[0, :, :, 2], first[b"data"][0, 2048:].reshape(32, 32))
        last = restricted_loads((folder / "test_batch").read_bytes(), "test_batch")
        assert y_test[-10:].tolist() == last[b"labels"][-10:]
