"""Label encoding, pixel scaling, standardization and dataset splits.

Shapes: images are NHWC arrays (n, height, width, channels); the functions that only
need a sample axis accept any (n, ...) arrays. Float outputs are float32.
"""
import math

import numpy as np


def to_categorical(y, num_classes=None):
    """One-hot encode integer labels, like ``keras.utils.to_categorical``.

    ``y``: integer labels of any shape (float arrays are accepted only if every value
    is a whole number); a trailing axis of size 1 is dropped, as Keras does, so (n,)
    and (n, 1) both give (n, num_classes). ``num_classes`` defaults to ``max(y) + 1``.
    Returns float32 of shape ``y.shape + (num_classes,)``. Raises ``ValueError`` naming
    negative or out-of-range labels.
    """
    labels = _as_integer_labels(y)
    if labels.ndim > 1 and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if num_classes is None:
        num_classes = int(labels.max()) + 1 if labels.size else 0
    elif int(num_classes) != num_classes or num_classes < 1:
        raise ValueError(f"num_classes must be a positive integer, got {num_classes!r}")
    num_classes = int(num_classes)
    bad = labels[(labels < 0) | (labels >= num_classes)]
    if bad.size:
        raise ValueError(
            f"labels must be in 0..{num_classes - 1} for num_classes={num_classes}, "
            f"found {_few(bad)}"
        )
    one_hot = np.zeros(labels.shape + (num_classes,), dtype=np.float32)
    np.put_along_axis(one_hot, labels[..., None], 1.0, axis=-1)
    return one_hot


def scale_images(x):
    """Map uint8 pixels 0..255 to float32 in [0, 1] (``x / 255``); same shape."""
    x = np.asarray(x)
    if x.dtype != np.uint8:
        raise ValueError(f"scale_images expects uint8 pixels, got dtype {x.dtype}")
    return x.astype(np.float32) / np.float32(255.0)


class Standardizer:
    """Per-channel standardization fitted on a training set.

    ``fit(x_train)`` computes the mean and standard deviation of each channel (last
    axis) over all other axes; ``transform(x)`` returns float32
    ``(x - mean) / (std + epsilon)`` for any set with the same channel count. The
    ``epsilon`` (1e-6 by default, as in Keras's ImageDataGenerator) keeps constant
    channels finite. ``mean_`` and ``std_`` are float32 arrays of shape (channels,).
    """

    def __init__(self, epsilon=1e-6):
        self.epsilon = float(epsilon)
        self.mean_ = None
        self.std_ = None

    def fit(self, x):
        """Fit on ``x`` of shape (n, ..., channels); returns ``self``."""
        x = np.asarray(x)
        if x.ndim < 2 or x.shape[0] == 0:
            raise ValueError(f"Standardizer.fit expects a non-empty (n, ..., channels) array, got shape {x.shape}")
        axes = tuple(range(x.ndim - 1))
        self.mean_ = x.mean(axis=axes, dtype=np.float64).astype(np.float32)
        self.std_ = x.std(axis=axes, dtype=np.float64).astype(np.float32)
        return self

    def transform(self, x):
        """Standardize ``x`` of shape (n, ..., channels); float32, same shape."""
        if self.mean_ is None:
            raise ValueError("Standardizer.transform called before fit")
        x = np.asarray(x)
        if x.ndim < 2 or x.shape[-1] != self.mean_.shape[0]:
            raise ValueError(
                f"Standardizer was fitted on {self.mean_.shape[0]} channels, "
                f"got an array of shape {x.shape}"
            )
        return (x.astype(np.float32) - self.mean_) / (self.std_ + np.float32(self.epsilon))

    def fit_transform(self, x):
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)


def train_test_split(x, y, test_size, stratify=True, seed=None):
    """Randomly split ``(x, y)`` into ``(x_train, y_train), (x_test, y_test)``.

    ``test_size``: a fraction in (0, 1) of the samples or a whole number of samples.
    With ``stratify=True`` each class contributes to the test set in proportion to its
    size (largest-remainder rounding, so the total is exact); labels are ``y`` itself,
    or ``argmax`` over the last axis for one-hot ``y`` of shape (n, classes). Both
    parts are shuffled. The same ``seed`` always gives the same split.
    """
    x, y = np.asarray(x), np.asarray(y)
    n = _check_same_length(x, y)
    n_test = _test_count(test_size, n)
    rng = np.random.default_rng(seed)
    if stratify:
        test_idx = _stratified_test_indices(_class_labels(y), n_test, rng)
    else:
        test_idx = rng.permutation(n)[:n_test]
    is_test = np.zeros(n, dtype=bool)
    is_test[test_idx] = True
    train_idx = rng.permutation(np.flatnonzero(~is_test))
    test_idx = rng.permutation(np.flatnonzero(is_test))
    return (x[train_idx], y[train_idx]), (x[test_idx], y[test_idx])


def validation_split(x, y, fraction):
    """Hold out the last ``fraction`` of the samples, like Keras's ``validation_split``.

    No shuffling: with ``split = int(n * (1 - fraction))`` returns
    ``(x[:split], y[:split]), (x[split:], y[split:])``.
    """
    x, y = np.asarray(x), np.asarray(y)
    n = _check_same_length(x, y)
    if not 0.0 < fraction < 1.0:
        raise ValueError(f"validation fraction must be in (0, 1), got {fraction!r}")
    split = int(n * (1.0 - fraction))
    if split == 0 or split == n:
        raise ValueError(
            f"validation fraction {fraction} of {n} samples leaves {split} for training "
            f"and {n - split} for validation; both must be non-empty"
        )
    return (x[:split], y[:split]), (x[split:], y[split:])


def _as_integer_labels(y):
    labels = np.asarray(y)
    if labels.dtype.kind in "iub":
        return labels.astype(np.int64)
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or np.any(labels != np.round(labels)):
            bad = labels[~np.isfinite(labels) | (labels != np.round(labels))]
            raise ValueError(f"labels must be whole numbers, found {_few(bad)}")
        return labels.astype(np.int64)
    raise ValueError(f"labels must be integers, got dtype {labels.dtype}")


def _few(values, limit=10):
    """Up to ``limit`` distinct values as a short string for error messages."""
    distinct = np.unique(values)
    text = ", ".join(str(v) for v in distinct[:limit].tolist())
    return text + (f", ... ({len(distinct)} distinct)" if len(distinct) > limit else "")


def _check_same_length(x, y):
    if x.ndim == 0 or y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"x and y must have the same number of samples, got shapes {x.shape} and {y.shape}")
    return len(x)


def _test_count(test_size, n):
    """Number of test samples for ``test_size`` (fraction or count) out of ``n``."""
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool):
        count = int(test_size)
    elif isinstance(test_size, (float, np.floating)) and 0.0 < test_size < 1.0:
        count = math.ceil(test_size * n)
    else:
        raise ValueError(f"test_size must be a fraction in (0, 1) or a sample count, got {test_size!r}")
    if not 1 <= count <= n - 1:
        raise ValueError(f"test_size={test_size!r} gives {count} test samples out of {n}; need 1..{n - 1}")
    return count


def _class_labels(y):
    """1-D class labels: ``y`` itself, or argmax of one-hot rows (n, classes)."""
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        return y[:, 0]
    if y.ndim == 2:
        return y.argmax(axis=1)
    raise ValueError(f"stratify needs labels of shape (n,) or one-hot (n, classes), got {y.shape}")


def _stratified_test_indices(labels, n_test, rng):
    """Indices of a test set with ``n_test`` samples, per-class proportional."""
    classes, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    exact = counts * (n_test / len(labels))
    per_class = np.floor(exact).astype(np.int64)
    shortfall = n_test - per_class.sum()
    # Largest remainders first; ties broken randomly so no class is always favoured.
    order = np.lexsort((rng.random(len(classes)), -(exact - per_class)))
    per_class[order[:shortfall]] += 1
    chosen = [
        rng.permutation(np.flatnonzero(inverse == k))[:per_class[k]] for k in range(len(classes))
    ]
    return np.concatenate(chosen)
