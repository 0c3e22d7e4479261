"""Cross-entropy losses, averaged over the batch.

From logits ``z`` (N, K) with integer labels ``t`` — the stable, fused form:

    log p = z - max(z) - log(sum(exp(z - max(z))))        # log-softmax, never log(softmax + eps)
    L     = -mean_n log p[n, t_n]
    dL/dz = (softmax(z) - onehot(t)) / N

A model whose last layer ends in a softmax uses this form on that layer's pre-softmax values
(as Keras does with a softmax output), so extreme logits still give a finite loss and gradient.

From probabilities ``p`` (``from_logits=False`` with no softmax layer to fuse with), as Keras:
each row is first divided by its sum, ``q = p / s`` with ``s = sum_j p_j``, then clipped to
``[1e-7, 1 - 1e-7]``; ``L = -mean_n sum_j t_nj log q_nj``. With ``g = dL/dq = -t / (N q)`` inside
the clip range (0 outside), the chain rule through the normalization gives
``dL/dp_j = (g_j - sum_i g_i q_i) / s``.
"""
import numpy as np

EPSILON = 1e-7


def log_softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


class _CrossEntropy:
    name = None

    def __init__(self, from_logits=False):
        self.from_logits = bool(from_logits)

    def targets(self, y, num_classes):
        """Validate labels and return them as a one-hot or soft-label matrix (N, K) of floats."""
        raise NotImplementedError

    def value_and_grad_logits(self, logits, y):
        """Fused softmax cross-entropy: returns (mean loss, dL/dlogits)."""
        target = self.targets(y, logits.shape[-1]).astype(logits.dtype, copy=False)
        logp = log_softmax(logits)
        n = logits.shape[0]
        loss = -float(np.sum(target * logp)) / n
        grad = np.exp(logp)
        grad -= target
        grad /= n
        return loss, grad

    def value_and_grad_probabilities(self, probs, y):
        """Cross-entropy of row-normalized, clipped probabilities: returns (mean loss, dL/dprobs)."""
        target = self.targets(y, probs.shape[-1]).astype(probs.dtype, copy=False)
        n = probs.shape[0]
        total = probs.sum(axis=-1, keepdims=True)
        q = probs / total
        clipped = np.clip(q, EPSILON, 1 - EPSILON)
        loss = -float(np.sum(target * np.log(clipped))) / n
        inside = (q >= EPSILON) & (q <= 1 - EPSILON)
        g = np.where(inside, -target / (n * clipped), 0)
        grad = (g - np.sum(g * q, axis=-1, keepdims=True)) / total
        return loss, grad.astype(probs.dtype)

    def value_and_grad(self, outputs, y):
        if self.from_logits:
            return self.value_and_grad_logits(outputs, y)
        return self.value_and_grad_probabilities(outputs, y)

    def __call__(self, y_true, y_pred):
        """Mean loss of predictions ``y_pred`` (N, K): probabilities, or logits if ``from_logits``."""
        y_pred = np.asarray(y_pred, dtype=np.float64)
        if y_pred.ndim != 2:
            raise ValueError(f"predictions must have shape (batch, classes), got {y_pred.shape}")
        return self.value_and_grad(y_pred, y_true)[0]

    def get_config(self):
        return {"name": self.name, "from_logits": self.from_logits}


class SparseCategoricalCrossentropy(_CrossEntropy):
    """Labels are integers in [0, K), shape (N,) or (N, 1)."""
    name = "sparse_categorical_crossentropy"

    def targets(self, y, num_classes):
        labels = sparse_labels(y, num_classes)
        onehot = np.zeros((labels.shape[0], num_classes), dtype=np.float32)
        onehot[np.arange(labels.shape[0]), labels] = 1.0
        return onehot

    def value_and_grad_logits(self, logits, y):
        labels = sparse_labels(y, logits.shape[-1])
        n = logits.shape[0]
        rows = np.arange(n)
        logp = log_softmax(logits)
        loss = -float(logp[rows, labels].sum()) / n
        grad = np.exp(logp)
        grad[rows, labels] -= 1
        grad /= n
        return loss, grad


class CategoricalCrossentropy(_CrossEntropy):
    """Labels are one-hot (or soft) rows of shape (N, K)."""
    name = "categorical_crossentropy"

    def targets(self, y, num_classes):
        y = np.asarray(y)
        if y.ndim != 2 or y.shape[1] != num_classes:
            raise ValueError(f"categorical_crossentropy expects one-hot labels of shape (batch, {num_classes}), "
                             f"got {y.shape}; for integer labels use sparse_categorical_crossentropy")
        if not np.isfinite(y).all():
            raise ValueError("labels contain NaN or inf")
        return y


def sparse_labels(y, num_classes):
    """Integer labels (N,) from (N,) or (N, 1) input; ValueError for out-of-range or non-integer values."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"sparse labels must have shape (batch,) or (batch, 1), got {y.shape}; "
                         "one-hot labels go with categorical_crossentropy")
    if not np.issubdtype(y.dtype, np.integer):
        if not np.issubdtype(y.dtype, np.floating) or not np.all(np.mod(y, 1) == 0):
            raise ValueError(f"sparse labels must be integers, got dtype {y.dtype} with values like {y[:3]}")
        y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        bad = int(np.flatnonzero((y < 0) | (y >= num_classes))[0])
        raise ValueError(f"label {y[bad]} at index {bad} is outside [0, {num_classes}) "
                         f"for a model with {num_classes} outputs")
    return y


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    return SparseCategoricalCrossentropy(from_logits=from_logits)(y_true, y_pred)


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    return CategoricalCrossentropy(from_logits=from_logits)(y_true, y_pred)


_BY_NAME = {"sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
            "categorical_crossentropy": CategoricalCrossentropy}


def get(loss):
    """A loss object from a name, a loss object, or one of the module-level loss functions."""
    if isinstance(loss, _CrossEntropy):
        return loss
    if isinstance(loss, str) and loss in _BY_NAME:
        return _BY_NAME[loss]()
    if loss is sparse_categorical_crossentropy:
        return SparseCategoricalCrossentropy()
    if loss is categorical_crossentropy:
        return CategoricalCrossentropy()
    raise ValueError(f"unknown loss {loss!r}; expected one of {sorted(_BY_NAME)} or a loss object from "
                     "minicnn.losses")


def from_config(config):
    config = dict(config)
    return _BY_NAME[config.pop("name")](**config)
