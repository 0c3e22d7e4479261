import numpy as np
import pytest

from minicnn.data import mnist
from minicnn.data.download import DownloadError
from minicnn.data.mnist import (FASHION_MNIST_CLASS_NAMES, IDX_FILE_NAMES, MNIST_CLASS_NAMES,
                                load_fashion_mnist, load_mnist)

from ..optional_data import fashion_mnist_dir

MNIST_TRAIN_CLASS_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def test_builtin_mnist_shapes_counts_and_order():
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert np.bincount(y_train).tolist() == MNIST_TRAIN_CLASS_COUNTS
    assert np.bincount(y_test, minlength=10).sum() == 10000
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert x_train.max() == 255 and x_train.min() == 0
    assert MNIST_CLASS_NAMES == tuple("0123456789")


def test_mnist_cache_cannot_be_corrupted_by_caller():
    (x_train, y_train), _ = load_mnist()
    x_train[0] = 77
    y_train[:] = 3
    (x_again, y_again), _ = load_mnist()
    assert not np.all(x_again[0] == 77)
    assert y_again[:3].tolist() == [5, 0, 4]


def _synthetic_fashion(write_idx, directory, n_train=12, n_test=5):
    rng = np.random.default_rng(0)
    directory.mkdir(parents=True)
    arrays = [rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
              rng.integers(0, 10, n_train, dtype=np.uint8),
              rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
              rng.integers(0, 10, n_test, dtype=np.uint8)]
    for name, array in zip(IDX_FILE_NAMES, arrays):
        write_idx(directory / name, array)
    return arrays


@pytest.fixture
def no_system_fashion(monkeypatch, tmp_path):
    """Pretend Debian's dataset-fashion-mnist package is not installed."""
    monkeypatch.setattr(mnist, "SYSTEM_FASHION_MNIST_DIR", tmp_path / "no-system-dir")


def test_fashion_from_explicit_data_dir(tmp_path, write_idx, no_system_fashion):
    arrays = _synthetic_fashion(write_idx, tmp_path / "data" / "fashion-mnist")
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(tmp_path / "data", download=False)
    for got, expected in zip((x_train, y_train, x_test, y_test), arrays):
        np.testing.assert_array_equal(got, expected)
    assert len(FASHION_MNIST_CLASS_NAMES) == 10 and FASHION_MNIST_CLASS_NAMES[9] == "Ankle boot"


def test_fashion_from_env_var(tmp_path, write_idx, monkeypatch, no_system_fashion):
    arrays = _synthetic_fashion(write_idx, tmp_path / "env" / "fashion-mnist")
    monkeypatch.setenv("MINICNN_DATA", str(tmp_path / "env"))
    (x_train, _), _ = load_fashion_mnist(download=False)
    np.testing.assert_array_equal(x_train, arrays[0])


def test_fashion_falls_back_to_system_dir(tmp_path, write_idx, monkeypatch):
    arrays = _synthetic_fashion(write_idx, tmp_path / "usr-share")
    monkeypatch.setattr(mnist, "SYSTEM_FASHION_MNIST_DIR", tmp_path / "usr-share")
    _, (_, y_test) = load_fashion_mnist(tmp_path / "empty", download=False)
    np.testing.assert_array_equal(y_test, arrays[3])


def test_fashion_missing_names_files_and_places(tmp_path, no_system_fashion):
    with pytest.raises(FileNotFoundError, match=r"t10k-labels-idx1-ubyte\.gz.*into .*fashion-mnist.*MINICNN_DATA"):
        load_fashion_mnist(tmp_path, download=False)


def test_fashion_download_failure_names_files_and_places(tmp_path, monkeypatch, no_system_fashion):
    # A closed port on localhost: fails at once, never touches the internet.
    monkeypatch.setattr(mnist, "FASHION_MNIST_URL", "http://127.0.0.1:9/")
    with pytest.raises(DownloadError, match=r"(?s)Fashion-MNIST download failed.*put train-images-idx3-ubyte\.gz"):
        load_fashion_mnist(tmp_path)
    assert not any((tmp_path / "fashion-mnist").iterdir())


def test_fashion_label_count_mismatch_is_an_error(tmp_path, write_idx, no_system_fashion):
    _synthetic_fashion(write_idx, tmp_path / "fashion-mnist")
    write_idx(tmp_path / "fashion-mnist" / IDX_FILE_NAMES[1], np.zeros(11, np.uint8))
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte\.gz: expected uint8 labels of shape \(12,\)"):
        load_fashion_mnist(tmp_path, download=False)


def test_real_fashion_mnist_from_debian_package(tmp_path):
    fashion_mnist_dir()
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(tmp_path, download=False)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
