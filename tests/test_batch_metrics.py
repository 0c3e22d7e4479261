"""compile(metrics=[...]): each metric's per-batch sum against hand-computed values, the keys and values
in fit/evaluate (core and Keras facade, one and several outputs) and the save/load round trip."""
import numpy as np
import pytest

import minicnn
from minicnn import metrics as M
from minicnn.keras import Input, layers, models
from minicnn.keras import metrics as km


def batch(name, outputs, y, **kw):
    return M.batch_metric_sum(M.metric_spec({"metric": name, **kw}), np.asarray(outputs, np.float32), y)


def test_binary_accuracy_by_hand():
    out = [[0.2], [0.7], [0.5], [0.9]]
    assert batch("binary_accuracy", out, np.array([0, 1, 1, 0])) == 2.0  # 0.5 is not > 0.5
    assert batch("binary_accuracy", out, np.array([[0], [1], [1], [0]]), threshold=0.8) == 1.0
    # several labels per sample: each sample counts the mean of its columns
    assert batch("binary_accuracy", [[0.9, 0.1], [0.6, 0.8]], np.ones((2, 2))) == 1.5


def test_categorical_sparse_and_top_k_by_hand():
    scores = [[0.1, 0.5, 0.4], [0.6, 0.3, 0.1], [0.2, 0.3, 0.5]]
    labels = np.array([2, 2, 0])
    one_hot = np.eye(3)[labels]
    assert batch("sparse_categorical_accuracy", scores, labels) == 0.0
    assert batch("sparse_categorical_accuracy", scores, np.array([1, 0, 0])[:, None]) == 2.0
    assert batch("categorical_accuracy", scores, np.eye(3)[[1, 0, 0]]) == 2.0
    # only sample 0 has its label among the 2 highest scores; k=5 >= K takes every sample
    assert batch("sparse_top_k_categorical_accuracy", scores, labels, k=2) == 1.0
    assert batch("top_k_categorical_accuracy", scores, one_hot, k=2) == 1.0
    assert batch("top_k_categorical_accuracy", scores, one_hot) == 3.0
    # ties at the boundary count as inside the top k (TensorFlow's in_top_k)
    assert batch("sparse_top_k_categorical_accuracy", [[0.5, 0.5, 0.5]], np.array([2]), k=1) == 1.0


def test_mae_mse_by_hand():
    out, y = [[1.0, 2.0], [0.0, 0.0]], np.array([[0.0, 4.0], [1.0, 1.0]])
    assert batch("mean_absolute_error", out, y) == pytest.approx((1 + 2) / 2 + 1)
    assert batch("mean_squared_error", out, y) == pytest.approx((1 + 4) / 2 + 1)
    assert batch("mean_absolute_error", [[0.5], [2.0]], np.array([1, 1])) == pytest.approx(1.5)  # (N,) targets
    with pytest.raises(ValueError, match="mean_absolute_error.*shape"):
        batch("mean_absolute_error", out, np.array([0, 1]))


def test_names_objects_and_errors():
    assert M.metric_spec("mae") == {"metric": "mean_absolute_error", "name": "mae"}
    assert M.metric_spec("acc") == {"metric": "accuracy", "name": "accuracy"}
    assert M.metric_spec(km.TopKCategoricalAccuracy(k=3)) == {"metric": "top_k_categorical_accuracy",
                                                              "name": "top_k_categorical_accuracy", "k": 3}
    assert M.metric_spec(km.BinaryAccuracy(threshold=0.3, name="b"))["threshold"] == 0.3
    with pytest.raises(ValueError, match="unsupported metric 'auc'; supported: acc, accuracy, binary_accuracy"):
        M.metric_spec("auc")
    with pytest.raises(ValueError, match="k must be a positive int"):
        M.metric_spec(km.TopKCategoricalAccuracy(k=0))


def softmax_model(core=True):
    minicnn.set_seed(0)
    if core:
        model = minicnn.Sequential([minicnn.layers.Dense(4, activation="softmax", input_shape=(3,))])
    else:
        model = models.Sequential([Input((3,)), layers.Dense(4, activation="softmax")])
    return model


DATA = np.random.default_rng(1).random((23, 3), dtype=np.float32), np.random.default_rng(2).integers(0, 4, 23)


def test_fit_and_evaluate_log_every_metric_as_the_mean_over_samples():
    x, y = DATA
    model = softmax_model()
    model.compile("sgd", "sparse_categorical_crossentropy",
                  metrics=["acc", "sparse_top_k_categorical_accuracy", {"metric": "sparse_top_k_categorical_accuracy",
                                                                       "name": "top2", "k": 2}])
    p = model.predict(x)
    expected = [M.accuracy(y, p), M.top_k_accuracy(y, p, 5), M.top_k_accuracy(y, p, 2)]
    result = model.evaluate(x, y, batch_size=5, verbose=0)
    assert result[1:] == pytest.approx(expected)
    history = model.fit(x, y, epochs=1, batch_size=5, verbose=0, validation_data=(x, y)).history
    assert list(history) == ["loss", "accuracy", "sparse_top_k_categorical_accuracy", "top2", "val_loss",
                             "val_accuracy", "val_sparse_top_k_categorical_accuracy", "val_top2", "learning_rate"]


def test_keras_facade_keys_order_return_dict_and_callback_logs():
    x, y = DATA
    model = softmax_model(core=False)
    model.compile("sgd", "categorical_crossentropy",
                  metrics=["acc", "mae", km.TopKCategoricalAccuracy(k=2, name="top2"), "mse"])
    one_hot = np.eye(4, dtype=np.float32)[y]
    seen = []
    from minicnn.keras import callbacks
    logger = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(list(logs)))
    history = model.fit(x, one_hot, epochs=1, batch_size=5, verbose=0, validation_split=0.2,
                        callbacks=[logger]).history
    keys = ["acc", "loss", "mae", "mse", "top2"]  # sorted, as Keras's logs
    assert list(history) == keys + ["val_" + k for k in keys]
    assert set(seen[0]) == set(history)  # callbacks see the compiled names too
    result = model.evaluate(x, one_hot, verbose=0, return_dict=True)
    assert list(result) == keys
    p = model.predict(x)
    assert result["mae"] == pytest.approx(np.abs(p - one_hot).mean())
    assert result["mse"] == pytest.approx(((p - one_hot) ** 2).mean())
    assert model.metrics_names == ["loss", "acc", "mae", "top2", "mse"]
    # the list: loss, then the metrics in compile order (as Keras)
    assert model.evaluate(x, one_hot, verbose=0) == pytest.approx([result[k] for k in ["loss", "acc", "mae", "top2",
                                                                                       "mse"]])


def test_several_outputs_log_output_prefixed_keys():
    inputs = Input((3,))
    a = layers.Dense(2, activation="softmax", name="a")(inputs)
    b = layers.Dense(1, activation="sigmoid", name="b")(inputs)
    model = models.Model(inputs, [a, b])
    model.compile("sgd", ["sparse_categorical_crossentropy", "binary_crossentropy"],
                  metrics={"a": ["accuracy"], "b": ["binary_accuracy", "mae"]})
    x, y = DATA
    ya, yb = y % 2, (y > 1).astype(np.float32)
    result = model.evaluate(x, [ya, yb], verbose=0, return_dict=True)
    assert list(result) == ["loss", "a_loss", "b_loss", "a_accuracy", "b_binary_accuracy", "b_mae"]
    pa, pb = model.predict(x)
    assert result["b_mae"] == pytest.approx(np.abs(pb[:, 0] - yb).mean())
    assert result["b_binary_accuracy"] == pytest.approx(((pb[:, 0] > 0.5) == yb).mean())
    history = model.fit(x, [ya, yb], epochs=1, verbose=0, validation_data=(x, [ya, yb])).history
    assert "val_b_mae" in history and "a_accuracy" in history


def test_save_and_load_keep_the_metrics(tmp_path):
    x, y = DATA
    model = softmax_model(core=False)
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["acc", "sparse_top_k_categorical_accuracy", km.SparseTopKCategoricalAccuracy(k=2, name="t2"),
                           "sparse_categorical_accuracy"])
    before = model.evaluate(x, y, verbose=0, return_dict=True)
    model.save(tmp_path / "m.npz")
    loaded = models.load_model(tmp_path / "m.npz")
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(before)
    assert list(loaded.evaluate(x, y, verbose=0, return_dict=True)) == list(before)
    core = minicnn.load_model(tmp_path / "m.npz")
    assert core.metrics == model.metrics
