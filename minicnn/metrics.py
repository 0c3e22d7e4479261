"""Classification metrics in pure NumPy.

Shapes used throughout:

* ``N`` samples, ``K`` classes.
* *labels*: integer array of shape ``(N,)`` with values in ``[0, K)``.
* *scores*: float array of shape ``(N, K)`` (probabilities, logits or a
  one-hot encoding); wherever labels are expected, a score array is turned
  into labels with ``argmax`` over the last axis.

Every function validates its inputs and raises ``ValueError`` naming what it
expected and what it received. Nothing is silently coerced: float arrays are
not accepted as 1-D labels, NaN scores are rejected, labels must be
non-negative and below the number of classes.

Zero division (a class never predicted, or never present) yields ``0.0`` for
precision, recall and F1 without a warning; this matches scikit-learn's
``zero_division=0``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = [
    "to_labels",
    "accuracy",
    "top_k_accuracy",
    "confusion_matrix",
    "normalize_confusion_matrix",
    "precision_recall_f1_support",
    "classification_report_dict",
    "classification_report",
]

_NORMALIZE_MODES = (None, "true", "pred", "all")


def _describe(a: np.ndarray) -> str:
    return f"array of shape {a.shape} and dtype {a.dtype}"


def _check_scores(scores: np.ndarray, name: str) -> np.ndarray:
    """Validate a 2-D score array of shape (N, K)."""
    if scores.dtype.kind not in "iuf":
        raise ValueError(
            f"{name}: expected a numeric score array of shape (N, K), "
            f"received {_describe(scores)}"
        )
    if scores.shape[1] == 0:
        raise ValueError(f"{name}: expected at least one class column (N, K>=1), received shape {scores.shape}")
    if scores.dtype.kind == "f" and np.isnan(scores).any():
        bad = int(np.isnan(scores).any(axis=1).sum())
        raise ValueError(f"{name}: expected finite or infinite scores, received NaN in {bad} row(s)")
    return scores


def _check_range(labels: np.ndarray, name: str, num_classes: int | None) -> None:
    if labels.size == 0:
        return
    lo, hi = int(labels.min()), int(labels.max())
    if lo < 0:
        raise ValueError(f"{name}: expected non-negative class labels, received minimum label {lo}")
    if num_classes is not None and hi >= num_classes:
        raise ValueError(
            f"{name}: expected labels in [0, {num_classes}) for num_classes={num_classes}, "
            f"received label {hi}"
        )


def to_labels(y, name: str = "y", num_classes: int | None = None) -> np.ndarray:
    """Return integer class labels of shape (N,) from labels or scores.

    Args:
        y: integer labels of shape (N,), or scores / one-hot of shape (N, K)
            (argmax over the last axis is taken).
        name: argument name used in error messages.
        num_classes: if given, labels must lie in ``[0, num_classes)`` and a
            score array must have exactly ``num_classes`` columns.

    Returns:
        int64 array of shape (N,).
    """
    a = np.asarray(y)
    if a.ndim == 1:
        if a.dtype.kind not in "iu" and a.size > 0:  # np.asarray([]) is float64
            raise ValueError(
                f"{name}: expected integer class labels of shape (N,) or scores of shape (N, K), "
                f"received {_describe(a)}"
            )
        labels = a.astype(np.int64, copy=False)
    elif a.ndim == 2:
        _check_scores(a, name)
        if num_classes is not None and a.shape[1] != num_classes:
            raise ValueError(
                f"{name}: expected {num_classes} score columns (num_classes={num_classes}), "
                f"received shape {a.shape}"
            )
        labels = np.argmax(a, axis=1).astype(np.int64)
    else:
        raise ValueError(
            f"{name}: expected labels of shape (N,) or scores of shape (N, K), received {_describe(a)}"
        )
    _check_range(labels, name, num_classes)
    return labels


def _check_num_classes(num_classes) -> None:
    if num_classes is not None and (
        isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1
    ):
        raise ValueError(f"num_classes: expected None or a positive int, received {num_classes!r}")


def _width(y) -> int | None:
    """Number of columns if ``y`` is a 2-D score array, else None."""
    a = np.asarray(y)
    return a.shape[1] if a.ndim == 2 else None


def _paired_labels(y_true, y_pred, num_classes: int | None = None):
    """Validate a (y_true, y_pred) pair and return (true, pred, K).

    ``K`` is ``num_classes`` if given, else the score width if either input is
    2-D, else ``max(label) + 1``.
    """
    _check_num_classes(num_classes)
    widths = {w for w in (_width(y_true), _width(y_pred)) if w is not None}
    if len(widths) > 1:
        raise ValueError(
            f"y_true and y_pred: expected the same number of classes, received score arrays with "
            f"{_width(y_true)} and {_width(y_pred)} columns"
        )
    if num_classes is None and widths:
        num_classes = widths.pop()
    t = to_labels(y_true, "y_true", num_classes)
    p = to_labels(y_pred, "y_pred", num_classes)
    if t.shape[0] != p.shape[0]:
        raise ValueError(
            f"y_true and y_pred: expected the same number of samples, received {t.shape[0]} and {p.shape[0]}"
        )
    if t.shape[0] == 0:
        raise ValueError("y_true and y_pred: expected at least one sample, received 0")
    if num_classes is None:
        num_classes = int(max(t.max(), p.max())) + 1
    return t, p, int(num_classes)


def accuracy(y_true, y_pred) -> float:
    """Fraction of samples whose predicted label equals the true label.

    Args:
        y_true: labels (N,) or one-hot / scores (N, K).
        y_pred: labels (N,) or probabilities / scores (N, K).

    Returns:
        float in [0, 1].
    """
    t, p, _ = _paired_labels(y_true, y_pred)
    return float(np.mean(t == p))


def count_correct(outputs: np.ndarray, y) -> float:
    """The number of correct predictions in a batch, with the meaning Keras gives ``metrics=["accuracy"]``
    (chosen from the shapes, ``keras/src/trainers/compile_utils.py``):

    * outputs (N, 1): binary accuracy, ``output > 0.5`` equals the label;
    * labels (N,) or (N, 1) with outputs (N, K > 1): sparse, ``argmax(output)`` equals the label;
    * otherwise categorical: ``argmax(output)`` equals ``argmax(label)``.

    Binary accuracy averages over the last axis per sample, so the count can be fractional."""
    y = np.asarray(y)
    if outputs.shape[-1] == 1:
        t = y.reshape(outputs.shape) if y.ndim == outputs.ndim - 1 else y
        return float((t == (outputs > 0.5)).mean(axis=-1).sum())
    predicted = outputs.argmax(axis=-1)
    if y.ndim < outputs.ndim or y.shape[-1] == 1:
        return float(np.count_nonzero(predicted == y.reshape(predicted.shape)))
    return float(np.count_nonzero(predicted == y.argmax(axis=-1)))


def _targets_like(outputs: np.ndarray, y, metric: str) -> np.ndarray:
    """``y`` with the shape of ``outputs`` (Keras's ``squeeze_or_expand_to_same_rank``): labels (N,) for
    outputs (N, 1) gain the last axis, targets (N, 1) for outputs (N,) lose it; other shapes must match."""
    y = np.asarray(y)
    if y.ndim == outputs.ndim - 1 and outputs.shape[-1] == 1:
        y = y[..., None]
    elif outputs.ndim == y.ndim - 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.shape != outputs.shape:
        raise ValueError(f"metric {metric!r}: expected targets of the output's shape {outputs.shape}, "
                         f"received shape {y.shape}")
    return y


def _one_hot_labels(outputs: np.ndarray, y, metric: str) -> np.ndarray:
    """The labels ``argmax(y)`` of one-hot targets of the output's shape."""
    return _targets_like(outputs, y, metric).argmax(axis=-1)


def _sparse_labels(outputs: np.ndarray, y, metric: str) -> np.ndarray:
    """Integer labels (N,) or (N, 1) as an array of the shape of ``argmax(outputs)``."""
    y = np.asarray(y)
    if y.size != outputs.size // outputs.shape[-1]:
        raise ValueError(f"metric {metric!r}: expected one integer label per sample for outputs of shape "
                         f"{outputs.shape}, received targets of shape {y.shape}")
    return y.reshape(outputs.shape[:-1])


def _sample_sum(values: np.ndarray) -> float:
    """The sum over samples of each sample's mean over its other axes (Keras's Mean metrics)."""
    values = np.asarray(values, dtype=np.float64)
    return float(values.reshape(values.shape[0], -1).mean(axis=1).sum()) if values.ndim > 1 else float(values.sum())


def binary_accuracy_sum(outputs: np.ndarray, y, threshold: float = 0.5) -> float:
    """``sum_n mean_j [y_nj == (out_nj > threshold)]`` over a batch (Keras's ``binary_accuracy``)."""
    return _sample_sum(_targets_like(outputs, y, "binary_accuracy") == (outputs > threshold))


def categorical_accuracy_sum(outputs: np.ndarray, y) -> float:
    """``sum_n [argmax out_n == argmax y_n]``: one-hot targets (Keras's ``categorical_accuracy``)."""
    return float(np.count_nonzero(outputs.argmax(axis=-1) == _one_hot_labels(outputs, y, "categorical_accuracy")))


def sparse_categorical_accuracy_sum(outputs: np.ndarray, y) -> float:
    """``sum_n [argmax out_n == y_n]``: integer labels (N,) or (N, 1) (``sparse_categorical_accuracy``)."""
    labels = _sparse_labels(outputs, y, "sparse_categorical_accuracy")
    return float(np.count_nonzero(outputs.argmax(axis=-1) == labels))


def _in_top_k_sum(outputs: np.ndarray, labels: np.ndarray, k: int) -> float:
    """TensorFlow's ``in_top_k``: fewer than ``k`` classes score strictly higher than the label's
    finite score."""
    scores = outputs.reshape(-1, outputs.shape[-1])
    target = scores[np.arange(scores.shape[0]), labels.reshape(-1).astype(np.int64)]
    higher = (scores > target[:, None]).sum(axis=1)
    return float(np.count_nonzero((higher < k) & np.isfinite(target)))


def top_k_categorical_accuracy_sum(outputs: np.ndarray, y, k: int = 5) -> float:
    """The batch's count of one-hot targets among the ``k`` highest scores (``top_k_categorical_accuracy``)."""
    return _in_top_k_sum(outputs, _one_hot_labels(outputs, y, "top_k_categorical_accuracy"), k)


def sparse_top_k_categorical_accuracy_sum(outputs: np.ndarray, y, k: int = 5) -> float:
    """The batch's count of integer labels among the ``k`` highest scores."""
    return _in_top_k_sum(outputs, _sparse_labels(outputs, y, "sparse_top_k_categorical_accuracy"), k)


def absolute_error_sum(outputs: np.ndarray, y) -> float:
    """``sum_n mean_j |y_nj - out_nj|`` (Keras's ``mean_absolute_error`` metric, before dividing by N)."""
    return _sample_sum(np.abs(_targets_like(outputs, y, "mean_absolute_error") - outputs.astype(np.float64)))


def squared_error_sum(outputs: np.ndarray, y) -> float:
    """``sum_n mean_j (y_nj - out_nj)^2`` (Keras's ``mean_squared_error`` metric, before dividing by N)."""
    return _sample_sum((_targets_like(outputs, y, "mean_squared_error") - outputs.astype(np.float64)) ** 2)


#: ``compile(metrics=[...])``'s names: Keras's metric -> (per-batch sum over samples, default arguments).
#: ``fit``/``evaluate`` add the sums over an epoch and divide by the samples seen (Keras's Mean metrics).
BATCH_METRICS = {
    "accuracy": (count_correct, {}),
    "binary_accuracy": (binary_accuracy_sum, {"threshold": 0.5}),
    "categorical_accuracy": (categorical_accuracy_sum, {}),
    "sparse_categorical_accuracy": (sparse_categorical_accuracy_sum, {}),
    "top_k_categorical_accuracy": (top_k_categorical_accuracy_sum, {"k": 5}),
    "sparse_top_k_categorical_accuracy": (sparse_top_k_categorical_accuracy_sum, {"k": 5}),
    "mean_absolute_error": (absolute_error_sum, {}),
    "mean_squared_error": (squared_error_sum, {}),
}
ALIASES = {"acc": "accuracy", "mae": "mean_absolute_error", "mse": "mean_squared_error"}


def metric_spec(entry) -> dict:
    """``{"metric": Keras's function name, "name": the log key, **arguments}`` for one entry of
    ``compile(metrics=...)``: a name (``"mae"`` logs as ``mae``, as Keras; ``"acc"`` as ``accuracy``,
    minicnn's key for the accuracy of Keras's shape rule), an object with ``metric_spec()`` (the
    ``minicnn.keras.metrics`` classes) or a spec dict (what saved files hold)."""
    given = entry
    if hasattr(entry, "metric_spec"):
        entry = entry.metric_spec()
    if isinstance(entry, str):
        entry = {"metric": ALIASES.get(entry, entry), "name": "accuracy" if entry == "acc" else entry}
    supported = sorted(set(BATCH_METRICS) | set(ALIASES))
    if not isinstance(entry, dict) or entry.get("metric") not in BATCH_METRICS:
        shown = getattr(given, "__name__", given)
        raise ValueError(f"unsupported metric {shown!r}; supported: {', '.join(supported)} "
                         "(and the minicnn.keras.metrics classes; compute others after predict with minicnn.metrics)")
    defaults = BATCH_METRICS[entry["metric"]][1]
    unknown = set(entry) - {"metric", "name"} - set(defaults)
    if unknown:
        raise ValueError(f"metric {entry['metric']!r}: unknown arguments {sorted(unknown)}; it takes {sorted(defaults)}")
    if "k" in entry and (isinstance(entry["k"], bool) or not isinstance(entry["k"], (int, np.integer)) or entry["k"] < 1):
        raise ValueError(f"metric {entry['metric']!r}: k must be a positive int, received {entry['k']!r}")
    return {"metric": entry["metric"], "name": str(entry.get("name") or entry["metric"]),
            **{key: entry.get(key, value) for key, value in defaults.items()}}


def batch_metric_sum(spec: dict, outputs: np.ndarray, y) -> float:
    """One metric's per-batch sum over samples (``spec`` from :func:`metric_spec`)."""
    function = BATCH_METRICS[spec["metric"]][0]
    return function(outputs, y, **{k: v for k, v in spec.items() if k not in ("metric", "name")})


def top_k_accuracy(y_true, y_score, k: int = 5) -> float:
    """Fraction of samples whose true label is among the ``k`` highest scores.

    Ties follow TensorFlow's ``in_top_k`` (used by Keras's
    ``top_k_categorical_accuracy``): if several classes share the score at the
    top-k boundary they all count as inside the top k. Equivalently, a sample
    is a hit when fewer than ``k`` classes score *strictly* higher than the
    true class. As in ``in_top_k``, a sample whose true-class score is
    infinite (``+inf`` or ``-inf``) is never a hit. ``k >= K`` makes every
    sample with a finite true-class score a hit.

    Args:
        y_true: labels (N,) or one-hot (N, K).
        y_score: scores (N, K); must be 2-D.
        k: positive int.

    Returns:
        float in [0, 1].
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k: expected a positive int, received {k!r}")
    s = np.asarray(y_score)
    if s.ndim != 2:
        raise ValueError(f"y_score: expected scores of shape (N, K), received {_describe(s)}")
    _check_scores(s, "y_score")
    t, _, _ = _paired_labels(y_true, s)
    return _in_top_k_sum(s, t, k) / s.shape[0]


def confusion_matrix(y_true, y_pred, num_classes: int | None = None, normalize: str | None = None) -> np.ndarray:
    """Confusion matrix with rows = true class, columns = predicted class.

    Args:
        y_true: labels (N,) or one-hot (N, K).
        y_pred: labels (N,) or scores (N, K).
        num_classes: K; inferred (score width or max label + 1) when None.
        normalize: None for counts; "true" divides each row by its sum (rows
            sum to 1), "pred" each column by its sum (columns sum to 1),
            "all" by N (all entries sum to 1). Empty rows / columns stay 0.

    Returns:
        (K, K) int64 counts, or float64 when ``normalize`` is set.
    """
    if normalize not in _NORMALIZE_MODES:
        raise ValueError(f"normalize: expected one of {_NORMALIZE_MODES}, received {normalize!r}")
    t, p, k = _paired_labels(y_true, y_pred, num_classes)
    cm = np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.int64)
    return cm if normalize is None else normalize_confusion_matrix(cm, normalize)


def normalize_confusion_matrix(cm, normalize: str) -> np.ndarray:
    """Normalize a (K, K) count matrix: "true" (rows sum to 1), "pred" (columns) or "all".

    Rows / columns summing to 0 stay 0. Returns float64 (K, K).
    """
    if normalize not in _NORMALIZE_MODES[1:]:
        raise ValueError(f"normalize: expected one of {_NORMALIZE_MODES[1:]}, received {normalize!r}")
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0 or cm.dtype.kind not in "iuf":
        raise ValueError(f"cm: expected a square numeric (K, K) matrix, received {_describe(cm)}")
    if np.isnan(cm).any() or (cm < 0).any():
        raise ValueError("cm: expected non-negative counts, received NaN or negative values")
    axis = {"true": 1, "pred": 0, "all": None}[normalize]
    sums = np.asarray(cm.sum(axis=axis, keepdims=True), dtype=np.float64)
    return np.divide(cm, sums, out=np.zeros(cm.shape, dtype=np.float64), where=sums > 0)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num = np.asarray(num, dtype=np.float64)
    return np.divide(num, den, out=np.zeros_like(num), where=np.asarray(den) > 0)


def precision_recall_f1_support(y_true, y_pred, num_classes: int | None = None):
    """Per-class precision, recall, F1 and support.

    Zero division gives 0.0 (no warning).

    Returns:
        tuple of four arrays of shape (K,): precision, recall, f1 (float64)
        and support (int64, number of true samples per class).
    """
    return _scores_from_cm(confusion_matrix(y_true, y_pred, num_classes))


def _scores_from_cm(cm: np.ndarray):
    tp = np.diag(cm)
    support = cm.sum(axis=1)
    precision = _safe_div(tp, cm.sum(axis=0))
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    return precision, recall, f1, support


def _class_names(class_names: Sequence[str] | None, k: int) -> list[str]:
    if class_names is None:
        return [str(i) for i in range(k)]
    names = [str(c) for c in class_names]
    if len(names) != k:
        raise ValueError(f"class_names: expected {k} names (one per class), received {len(names)}")
    return names


def classification_report_dict(
    y_true, y_pred, class_names: Sequence[str] | None = None, num_classes: int | None = None
) -> dict:
    """Per-class and averaged precision / recall / F1 / support as a dict.

    Layout follows scikit-learn's ``output_dict=True``::

        {name: {"precision", "recall", "f1-score", "support"}, ...,
         "accuracy": float,
         "macro avg": {...}, "weighted avg": {...}}

    ``K`` is ``len(class_names)`` when names are given (labels must then be
    below it), else ``num_classes``, else inferred. Every class in ``[0, K)``
    gets a row, including classes absent from both inputs. Zero division
    gives 0.0.
    """
    if class_names is not None and num_classes is None:
        num_classes = len(class_names)
    cm = confusion_matrix(y_true, y_pred, num_classes)
    precision, recall, f1, support = _scores_from_cm(cm)
    names = _class_names(class_names, len(support))
    if len(set(names)) != len(names):
        raise ValueError(f"class_names: expected unique names, received {names}")
    report: dict = {}
    for i, name in enumerate(names):
        report[name] = {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1-score": float(f1[i]),
            "support": int(support[i]),
        }
    total = int(support.sum())
    report["accuracy"] = float(np.trace(cm) / total)
    weights = support / total
    for key, avg in (("macro avg", np.mean), ("weighted avg", lambda v: float(np.sum(v * weights)))):
        report[key] = {
            "precision": float(avg(precision)),
            "recall": float(avg(recall)),
            "f1-score": float(avg(f1)),
            "support": total,
        }
    return report


def classification_report(
    y_true,
    y_pred,
    class_names: Sequence[str] | None = None,
    digits: int = 2,
    num_classes: int | None = None,
) -> str:
    """Text table of :func:`classification_report_dict`, in scikit-learn's layout::

                      precision    recall  f1-score   support

                 cat       0.50      1.00      0.67         1
                 ...

            accuracy                           0.60         5
           macro avg       0.50      0.56      0.49         5
        weighted avg       0.70      0.60      0.61         5

    Args:
        digits: decimals shown for the float columns (non-negative int).
    """
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or digits < 0:
        raise ValueError(f"digits: expected a non-negative int, received {digits!r}")
    rep = classification_report_dict(y_true, y_pred, class_names, num_classes)
    names = [key for key in rep if key not in ("accuracy", "macro avg", "weighted avg")]
    width = max(max(len(n) for n in names), len("weighted avg"), digits)
    headers = ("precision", "recall", "f1-score", "support")
    lines = [f"{'':>{width}} " + "".join(f" {h:>9}" for h in headers), ""]

    def row(label: str, values: dict) -> str:
        nums = "".join(f" {values[h]:>9.{digits}f}" for h in headers[:3])
        return f"{label:>{width}} {nums} {values['support']:>9}"

    lines += [row(n, rep[n]) for n in names]
    lines.append("")
    total = rep["macro avg"]["support"]
    lines.append(f"{'accuracy':>{width}} " + " " * 20 + f" {rep['accuracy']:>9.{digits}f} {total:>9}")
    lines += [row(key, rep[key]) for key in ("macro avg", "weighted avg")]
    return "\n".join(lines) + "\n"
