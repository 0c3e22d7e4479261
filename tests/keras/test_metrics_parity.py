"""compile(metrics=[...]) against real Keras: the same small models, the same weights and data,
``evaluate(..., return_dict=True)`` gives the same keys (in the same order) and values for every metric."""
import os

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow", reason="tensorflow is not installed (pip install minicnn[bench])")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

from minicnn.keras import Input, layers, metrics, models  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.random((50, 6), dtype=np.float32)


def both(units, activation, loss, ours_metrics, their_metrics, y):
    """``evaluate(return_dict=True)`` of minicnn's and Keras's Dense(units) model with the same weights."""
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(units, activation=activation)])
    ours = models.Sequential([Input((6,)), layers.Dense(units, activation=activation)])
    ours.set_weights(theirs.get_weights())
    theirs.compile("sgd", loss, metrics=their_metrics)
    ours.compile("sgd", loss, metrics=ours_metrics)
    return (ours.evaluate(X, y, batch_size=16, verbose=0, return_dict=True),
            theirs.evaluate(X, y, batch_size=16, verbose=0, return_dict=True))


def check(mine, keras_result):
    assert list(mine) == list(keras_result)
    for key in keras_result:
        assert mine[key] == pytest.approx(float(keras_result[key]), rel=1e-5, abs=1e-6), key


def test_sparse_labels():
    y = RNG.integers(0, 5, 50)
    names = ["accuracy", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy"]
    mine, theirs = both(5, "softmax", "sparse_categorical_crossentropy",
                        names + [metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")],
                        names + [keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2")], y)
    check(mine, theirs)


def test_one_hot_labels_and_regression_metrics():
    y = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, 50)]
    names = ["acc", "categorical_accuracy", "top_k_categorical_accuracy", "mae", "mse", "mean_absolute_error",
             "mean_squared_error"]
    mine, theirs = both(5, "softmax", "categorical_crossentropy",
                        names + [metrics.TopKCategoricalAccuracy(k=3, name="top3")],
                        names + [keras.metrics.TopKCategoricalAccuracy(k=3, name="top3")], y)
    check(mine, theirs)


@pytest.mark.parametrize("labels", ["flat", "column"])
def test_sigmoid_head(labels):
    y = (RNG.random(50) > 0.5).astype(np.float32)
    y = y if labels == "flat" else y[:, None]
    names = ["accuracy", "binary_accuracy", "mae", "mse"]
    mine, theirs = both(1, "sigmoid", "binary_crossentropy",
                        names + [metrics.BinaryAccuracy(threshold=0.45, name="b45")],
                        names + [keras.metrics.BinaryAccuracy(threshold=0.45, name="b45")], y)
    check(mine, theirs)


def test_fit_history_keys_and_evaluate_list_as_keras():
    y = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, 50)]
    names = ["top_k_categorical_accuracy", "mse", "acc", "mae"]
    theirs = keras.Sequential([keras.Input((6,)), keras.layers.Dense(5, activation="softmax")])
    ours = models.Sequential([Input((6,)), layers.Dense(5, activation="softmax")])
    ours.set_weights(theirs.get_weights())
    results = []
    for model in (ours, theirs):
        model.compile("sgd", "categorical_crossentropy", metrics=names)
        listed = model.evaluate(X, y, batch_size=16, verbose=0)
        history = model.fit(X, y, epochs=1, batch_size=16, verbose=0, validation_data=(X, y)).history
        results.append((listed, list(history)))
    assert results[0][1] == results[1][1]
    assert results[0][0] == pytest.approx(results[1][0], rel=1e-5, abs=1e-6)  # loss, then compile order


def test_keras_files_keep_the_metrics(tmp_path):
    pytest.importorskip("h5py", reason="Keras files need h5py: pip install minicnn[keras-files]")
    y = np.eye(5, dtype=np.float32)[RNG.integers(0, 5, 50)]
    ours = models.Sequential([Input((6,)), layers.Dense(5, activation="softmax")])
    ours.compile("sgd", "categorical_crossentropy", metrics=["acc", "mae", metrics.TopKCategoricalAccuracy(k=3, name="top3")])
    expected = ours.evaluate(X, y, verbose=0, return_dict=True)
    ours.save(tmp_path / "m.keras")
    check(models.load_model(tmp_path / "m.keras").evaluate(X, y, verbose=0, return_dict=True), expected)
    check(expected, keras.models.load_model(tmp_path / "m.keras").evaluate(X, y, verbose=0, return_dict=True))
