"""Tests for minicnn.metrics."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minicnn import metrics

# 3-class example worked by hand below.
Y_TRUE = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 2, 2, 0, 2, 1])
#   confusion (rows true, cols pred):
#     true 0: [1, 1, 0]   support 2
#     true 1: [0, 2, 1]   support 3
#     true 2: [1, 1, 3]   support 5
#   predicted totals: [2, 4, 4]
CM = np.array([[1, 1, 0], [0, 2, 1], [1, 1, 3]])


def one_hot(labels, k):
    return np.eye(k)[labels]


# ----------------------------------------------------------------- accuracy


def test_accuracy_hand_computed():
    assert metrics.accuracy(Y_TRUE, Y_PRED) == pytest.approx(6 / 10)


def test_accuracy_one_hot_and_scores_match_labels():
    scores = one_hot(Y_PRED, 3) * 0.8 + 0.05
    assert metrics.accuracy(one_hot(Y_TRUE, 3), scores) == metrics.accuracy(Y_TRUE, Y_PRED)
    assert metrics.accuracy(Y_TRUE, scores) == metrics.accuracy(Y_TRUE, Y_PRED)
    assert isinstance(metrics.accuracy(Y_TRUE, Y_PRED), float)


def test_accuracy_accepts_lists():
    assert metrics.accuracy([0, 1, 2], [0, 1, 1]) == pytest.approx(2 / 3)


# ----------------------------------------------------------------- top-k


def test_top_k_tensorflow_doc_example_with_ties():
    # From tf.math.in_top_k's documentation: expected [False, True, True].
    targets = [0, 1, 3]
    preds = [[1.2, -0.3, 2.8, 5.2], [0.1, 0.0, 0.0, 0.0], [0.0, 0.5, 0.3, 0.3]]
    assert metrics.top_k_accuracy(targets, preds, k=2) == pytest.approx(2 / 3)


def test_top_k_tie_at_boundary_counts_all_tied():
    # Four classes tie for first place: each is "in the top 1".
    scores = np.full((4, 4), 0.25)
    assert metrics.top_k_accuracy([0, 1, 2, 3], scores, k=1) == 1.0


def test_top_k_keras_doc_example():
    y_true = [[0, 0, 1], [0, 1, 0]]
    y_pred = [[0.1, 0.9, 0.8], [0.05, 0.95, 0]]
    assert metrics.top_k_accuracy(y_true, y_pred, k=1) == 0.5
    assert metrics.top_k_accuracy(y_true, y_pred, k=2) == 1.0
    assert metrics.top_k_accuracy(y_true, y_pred, k=3) == 1.0


def test_top_k_large_k_and_infinite_target():
    scores = np.array([[0.1, 0.2, 0.7], [-np.inf, 0.5, 0.5]])
    assert metrics.top_k_accuracy([0, 1], scores, k=10) == 1.0
    # A non-finite target score is never a hit (as in tf.math.in_top_k).
    assert metrics.top_k_accuracy([0, 0], scores, k=3) == 0.5


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_top_1_equals_accuracy_without_ties(n, k, seed):
    rng = np.random.default_rng(seed)
    scores = rng.random((n, k))  # continuous: ties have probability ~0
    y = rng.integers(0, k, n)
    assert metrics.top_k_accuracy(y, scores, k=1) == pytest.approx(metrics.accuracy(y, scores))


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(2, 6), st.integers(0, 2**31 - 1))
def test_top_k_monotone_in_k(n, k, seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 3, (n, k)).astype(float)  # many ties
    y = rng.integers(0, k, n)
    values = [metrics.top_k_accuracy(y, scores, k=j) for j in range(1, k + 1)]
    assert values == sorted(values)
    assert values[-1] == 1.0


# ----------------------------------------------------------------- confusion matrix


def test_confusion_matrix_hand_computed():
    cm = metrics.confusion_matrix(Y_TRUE, Y_PRED)
    np.testing.assert_array_equal(cm, CM)
    assert cm.dtype == np.int64
    assert cm.sum() == len(Y_TRUE)
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(Y_TRUE))
    np.testing.assert_array_equal(cm.sum(axis=0), np.bincount(Y_PRED))


def test_confusion_matrix_num_classes_pads():
    cm = metrics.confusion_matrix([0, 1], [1, 1], num_classes=4)
    assert cm.shape == (4, 4)
    assert cm[0, 1] == 1 and cm[1, 1] == 1 and cm.sum() == 2


def test_confusion_matrix_one_hot_same_as_labels():
    np.testing.assert_array_equal(
        metrics.confusion_matrix(one_hot(Y_TRUE, 3), one_hot(Y_PRED, 3)), metrics.confusion_matrix(Y_TRUE, Y_PRED)
    )


def test_confusion_matrix_normalize_modes():
    true = metrics.confusion_matrix(Y_TRUE, Y_PRED, normalize="true")
    pred = metrics.confusion_matrix(Y_TRUE, Y_PRED, normalize="pred")
    alln = metrics.confusion_matrix(Y_TRUE, Y_PRED, normalize="all")
    np.testing.assert_allclose(true.sum(axis=1), 1.0)
    np.testing.assert_allclose(pred.sum(axis=0), 1.0)
    assert alln.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(true[2], [1 / 5, 1 / 5, 3 / 5])
    np.testing.assert_allclose(pred[:, 1], [1 / 4, 2 / 4, 1 / 4])
    np.testing.assert_allclose(alln, CM / 10)


def test_normalize_confusion_matrix_matches_confusion_matrix():
    for mode in ("true", "pred", "all"):
        np.testing.assert_allclose(
            metrics.normalize_confusion_matrix(CM, mode), metrics.confusion_matrix(Y_TRUE, Y_PRED, normalize=mode)
        )


def test_confusion_matrix_normalize_empty_row_is_zero():
    cm = metrics.confusion_matrix([0, 0], [0, 1], num_classes=3, normalize="true")
    np.testing.assert_array_equal(cm[2], [0.0, 0.0, 0.0])
    cm = metrics.confusion_matrix([0, 0], [0, 0], num_classes=2, normalize="pred")
    np.testing.assert_array_equal(cm[:, 1], [0.0, 0.0])


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 60), st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_property_trace_over_n_is_accuracy(n, k, seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(0, k, n)
    p = rng.integers(0, k, n)
    cm = metrics.confusion_matrix(t, p, num_classes=k)
    assert cm.sum() == n
    assert np.trace(cm) / n == pytest.approx(metrics.accuracy(t, p))
    np.testing.assert_array_equal(cm.sum(axis=1), np.bincount(t, minlength=k))
    rows = metrics.confusion_matrix(t, p, num_classes=k, normalize="true")
    np.testing.assert_allclose(rows.sum(axis=1)[np.bincount(t, minlength=k) > 0], 1.0)


# ----------------------------------------------------------------- precision / recall / F1


def test_per_class_scores_by_hand():
    precision, recall, f1, support = metrics.precision_recall_f1_support(Y_TRUE, Y_PRED)
    # precision = diag / column sums, recall = diag / row sums.
    np.testing.assert_allclose(precision, [1 / 2, 2 / 4, 3 / 4])
    np.testing.assert_allclose(recall, [1 / 2, 2 / 3, 3 / 5])
    f1_by_hand = [
        2 * 0.5 * 0.5 / (0.5 + 0.5),
        2 * 0.5 * (2 / 3) / (0.5 + 2 / 3),  # 4/7
        2 * 0.75 * 0.6 / (0.75 + 0.6),  # 2/3
    ]
    np.testing.assert_allclose(f1, f1_by_hand)
    np.testing.assert_array_equal(support, [2, 3, 5])


def test_report_dict_by_hand():
    rep = metrics.classification_report_dict(Y_TRUE, Y_PRED, class_names=["cat", "dog", "fish"])
    assert list(rep) == ["cat", "dog", "fish", "accuracy", "macro avg", "weighted avg"]
    assert rep["dog"] == pytest.approx({"precision": 0.5, "recall": 2 / 3, "f1-score": 4 / 7, "support": 3})
    assert rep["accuracy"] == pytest.approx(0.6)
    f1 = [0.5, 4 / 7, 2 / 3]
    assert rep["macro avg"]["f1-score"] == pytest.approx(np.mean(f1))
    assert rep["macro avg"]["precision"] == pytest.approx((0.5 + 0.5 + 0.75) / 3)
    assert rep["weighted avg"]["f1-score"] == pytest.approx((2 * 0.5 + 3 * 4 / 7 + 5 * 2 / 3) / 10)
    # weighted recall is always accuracy
    assert rep["weighted avg"]["recall"] == pytest.approx(rep["accuracy"])
    assert rep["weighted avg"]["support"] == 10


def test_zero_division_gives_zero():
    # class 2 never predicted and never true; class 1 never predicted.
    rep = metrics.classification_report_dict([0, 1], [0, 0], num_classes=3)
    assert rep["1"] == {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 1}
    assert rep["2"] == {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0}


def test_text_report_matches_sklearn_layout():
    # The example from scikit-learn's classification_report documentation.
    text = metrics.classification_report(
        [0, 1, 2, 2, 2], [0, 0, 2, 2, 1], class_names=["class 0", "class 1", "class 2"]
    )
    expected = (
        "              precision    recall  f1-score   support\n"
        "\n"
        "     class 0       0.50      1.00      0.67         1\n"
        "     class 1       0.00      0.00      0.00         1\n"
        "     class 2       1.00      0.67      0.80         3\n"
        "\n"
        "    accuracy                           0.60         5\n"
        "   macro avg       0.50      0.56      0.49         5\n"
        "weighted avg       0.70      0.60      0.61         5\n"
    )
    assert text == expected


def test_text_report_digits_and_long_names():
    text = metrics.classification_report(Y_TRUE, Y_PRED, class_names=["a very long class name", "b", "c"], digits=4)
    lines = text.splitlines()
    assert "0.5714" in text  # dog F1 = 4/7
    assert lines[2].startswith("a very long class name ")
    # all data rows line up at the right edge
    widths = {len(line) for line in lines if line}
    assert len(widths) == 1


# ----------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: metrics.accuracy([0, 1, 2], [0, 1]), r"same number of samples, received 3 and 2"),
        (lambda: metrics.accuracy([0, -1], [0, 1]), r"y_true: expected non-negative.*received minimum label -1"),
        (lambda: metrics.accuracy([], []), r"at least one sample, received 0"),
        (lambda: metrics.accuracy([0.0, 1.0], [0, 1]), r"y_true: expected integer class labels.*float64"),
        (lambda: metrics.accuracy([0, 1], np.zeros((2, 2, 2))), r"y_pred: expected labels of shape \(N,\).*\(2, 2, 2\)"),
        (lambda: metrics.accuracy([0, 1], [[0.5, np.nan], [0.1, 0.9]]), r"y_pred: .*received NaN in 1 row"),
        (lambda: metrics.accuracy(np.eye(3), np.eye(4)[:3]), r"same number of classes.*3 and 4"),
        (lambda: metrics.accuracy([0, 3], np.eye(3)[:2]), r"y_true: expected labels in \[0, 3\).*received label 3"),
        (lambda: metrics.confusion_matrix([0, 5], [0, 1], num_classes=3), r"labels in \[0, 3\).*received label 5"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], num_classes=0), r"num_classes: expected .*received 0"),
        (lambda: metrics.confusion_matrix([0, 1], [0, 1], normalize="rows"), r"normalize: expected one of.*'rows'"),
        (lambda: metrics.confusion_matrix([0, 1], np.eye(2), num_classes=3), r"expected 3 score columns.*\(2, 2\)"),
        (lambda: metrics.normalize_confusion_matrix(np.eye(2), None), r"normalize: expected one of.*None"),
        (lambda: metrics.normalize_confusion_matrix(np.ones((2, 3)), "all"), r"square numeric.*shape \(2, 3\)"),
        (lambda: metrics.normalize_confusion_matrix([[1, np.nan], [0, 1]], "all"), r"NaN or negative"),
        (lambda: metrics.top_k_accuracy([0, 1], [0, 1]), r"y_score: expected scores of shape \(N, K\)"),
        (lambda: metrics.top_k_accuracy([0, 1], np.eye(2), k=0), r"k: expected a positive int, received 0"),
        (lambda: metrics.top_k_accuracy([0, 2], np.eye(2)), r"labels in \[0, 2\).*received label 2"),
        (lambda: metrics.top_k_accuracy([0], [[np.nan, 1.0]]), r"NaN"),
        (lambda: metrics.top_k_accuracy([0, 1, 1], np.eye(2)), r"3 and 2"),
        (lambda: metrics.classification_report([0, 1], [0, 1], class_names=["a"]), r"labels in \[0, 1\).*label 1"),
        (lambda: metrics.classification_report([0, 1], [0, 1], class_names=["a", "a"]), r"unique names"),
        (lambda: metrics.classification_report([0, 1], [0, 1], num_classes=2, class_names=["a", "b", "c"]),
         r"class_names: expected 2 names.*received 3"),
        (lambda: metrics.classification_report([0, 1], [0, 1], digits=-1), r"digits: .*received -1"),
        (lambda: metrics.classification_report_dict([0, 1], [0, 1, 1]), r"2 and 3"),
        (lambda: metrics.to_labels(np.array(["a", "b"])), r"y: expected integer class labels"),
        (lambda: metrics.to_labels(np.zeros((2, 0))), r"at least one class column"),
    ],
)
def test_errors_name_expected_and_received(call, message):
    with pytest.raises(ValueError, match=message):
        call()
