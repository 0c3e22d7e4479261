import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minicnn.data.preprocessing import (Standardizer, scale_images, to_categorical, train_test_split,
                                        validation_split)

labels_1d = hnp.arrays(np.int64, st.integers(1, 50), elements=st.integers(0, 9))


@given(labels_1d)
def test_to_categorical_round_trip(y):
    one_hot = to_categorical(y)
    assert one_hot.dtype == np.float32 and one_hot.shape == (len(y), y.max() + 1)
    assert np.all(one_hot.sum(axis=1) == 1)
    np.testing.assert_array_equal(one_hot.argmax(axis=1), y)


def test_to_categorical_keras_shapes():
    assert to_categorical(np.array([[1], [2]]), 4).shape == (2, 4)  # trailing 1 dropped
    assert to_categorical(np.array([[1, 2], [0, 3]]), 4).shape == (2, 2, 4)
    assert to_categorical(np.array([1.0, 2.0]), 3).tolist() == [[0, 1, 0], [0, 0, 1]]
    assert to_categorical(np.array([3], np.uint8)).shape == (1, 4)


def test_to_categorical_errors_name_bad_labels():
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2 for num_classes=3, found -1, 3, 7"):
        to_categorical([0, -1, 3, 7, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"whole numbers, found 1\.5"):
        to_categorical([1.5, 2.0])
    with pytest.raises(ValueError, match="labels must be integers"):
        to_categorical(["a"])
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        to_categorical([0], num_classes=0)


def test_scale_images():
    x = np.array([[0, 51, 255]], np.uint8)
    scaled = scale_images(x)
    assert scaled.dtype == np.float32 and scaled.shape == x.shape
    np.testing.assert_allclose(scaled, [[0.0, 0.2, 1.0]])
    with pytest.raises(ValueError, match="expects uint8 pixels, got dtype float64"):
        scale_images(np.zeros(3))


def test_standardizer_per_channel():
    rng = np.random.default_rng(0)
    x_train = rng.normal([10.0, -5.0, 0.0], [2.0, 0.5, 1.0], size=(400, 4, 4, 3))
    x_test = rng.normal([10.0, -5.0, 0.0], [2.0, 0.5, 1.0], size=(50, 4, 4, 3)).astype(np.uint8)
    std = Standardizer().fit(x_train)
    out = std.transform(x_train)
    assert out.dtype == np.float32 and std.mean_.dtype == np.float32 and std.mean_.shape == (3,)
    np.testing.assert_allclose(out.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(out.std(axis=(0, 1, 2)), 1, atol=1e-4)
    assert std.transform(x_test).dtype == np.float32
    constant = Standardizer().fit_transform(np.full((5, 2, 2, 1), 7, np.uint8))
    assert np.all(constant == 0)
    with pytest.raises(ValueError, match="fitted on 3 channels, got an array of shape"):
        std.transform(np.zeros((2, 4, 4, 1)))
    with pytest.raises(ValueError, match="before fit"):
        Standardizer().transform(x_train)


@settings(max_examples=30, deadline=None)
@given(counts=st.lists(st.integers(2, 40), min_size=2, max_size=5),
       fraction=st.floats(0.1, 0.5), seed=st.integers(0, 2**32 - 1))
def test_stratified_split_keeps_proportions(counts, fraction, seed):
    y = np.repeat(np.arange(len(counts)), counts)
    x = np.arange(len(y)) * 10
    (x_train, y_train), (x_test, y_test) = train_test_split(x, y, fraction, seed=seed)
    n_test = int(np.ceil(fraction * len(y)))
    assert len(y_test) == n_test and len(y_train) == len(y) - n_test
    # every sample exactly once, pairs kept together
    assert sorted(np.concatenate([x_train, x_test]).tolist()) == x.tolist()
    np.testing.assert_array_equal(y[np.concatenate([x_train, x_test]) // 10], np.concatenate([y_train, y_test]))
    expected = np.array(counts) * n_test / len(y)
    assert np.all(np.abs(np.bincount(y_test, minlength=len(counts)) - expected) < 1)


def test_split_is_deterministic_for_a_seed_and_accepts_counts_and_one_hot():
    y = np.arange(100) % 4
    x = np.arange(100)
    first = train_test_split(x, y, 20, seed=3)
    again = train_test_split(x, y, 20, seed=3)
    other = train_test_split(x, y, 20, seed=4)
    np.testing.assert_array_equal(first[1][0], again[1][0])
    assert not np.array_equal(first[1][0], other[1][0])
    assert np.bincount(first[1][1]).tolist() == [5, 5, 5, 5]
    (_, _), (_, y_test) = train_test_split(x, np.eye(4)[y], 0.2, seed=0)
    assert y_test.shape == (20, 4) and y_test.sum(axis=0).tolist() == [5, 5, 5, 5]
    (_, _), (x_test, _) = train_test_split(x, y, 0.3, stratify=False, seed=0)
    assert len(x_test) == 30


def test_split_errors():
    x, y = np.arange(10), np.arange(10) % 2
    for bad in (0, 10, 0.0, 1.0, -0.5, True):
        with pytest.raises(ValueError, match="test_size"):
            train_test_split(x, y, bad)
    with pytest.raises(ValueError, match="same number of samples"):
        train_test_split(x, y[:5], 0.5)


def test_validation_split_takes_the_tail_like_keras():
    x, y = np.arange(10), np.arange(10) * 2
    (x_train, y_train), (x_val, y_val) = validation_split(x, y, 0.25)
    # split at int(10 * (1 - 0.25)) = int(7.5) = 7, as Keras does
    assert x_train.tolist() == list(range(7)) and x_val.tolist() == [7, 8, 9]
    assert y_train.tolist() == [0, 2, 4, 6, 8, 10, 12] and y_val.tolist() == [14, 16, 18]
    with pytest.raises(ValueError, match=r"validation fraction must be in \(0, 1\)"):
        validation_split(x, y, 1.0)
    with pytest.raises(ValueError, match="both must be non-empty"):
        validation_split(x[:1], y[:1], 0.5)
