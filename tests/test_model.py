import numpy as np
import pytest

import minicnn
from minicnn import architectures
from minicnn.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU


def small_model(seed=0):
    minicnn.set_seed(seed)
    model = minicnn.Sequential([Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)), MaxPool2D(2), Flatten(),
                                Dense(3, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy")
    return model


def blobs(n=96, seed=0):
    """Three classes of 8x8 images with a bright square in different places."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = rng.uniform(0, 0.2, (n, 8, 8, 1)).astype(np.float32)
    for i, label in enumerate(y):
        x[i, 2 * label:2 * label + 3, 2 * label:2 * label + 3, 0] += 1.0
    return x, y


def test_seed_mnist_summary_matches_keras(capsys):
    model = architectures.mnist()
    model.summary()
    text = capsys.readouterr().out
    assert "Total params: 542,230 (2.07 MB)" in text
    assert "Trainable params: 542,230" in text and "Non-trainable params: 0 (0.00 B)" in text
    for row in ("conv2d (Conv2D)", "(None, 26, 26, 32)", "320", "max_pooling2d (MaxPooling2D)", "(None, 13, 13, 32)",
                "flatten (Flatten)", "(None, 5408)", "dense (Dense)", "540,900", "dense_1 (Dense)", "1,010"):
        assert row in text


def test_parameter_counts_of_the_seed_models():
    assert architectures.cifar_small().count_params() == 122_570
    bn = architectures.cifar_bn()
    assert sum(l.count_trainable_params() for l in bn.layers) == bn.count_params() - 2 * (32 + 32 + 64 + 64 + 128 + 128)


def test_add_builds_and_names_like_keras():
    model = minicnn.Sequential()
    model.add(Dense(4, input_shape=(3,)))
    model.add(Dense(2))
    assert [l.name for l in model.layers] == ["dense", "dense_1"] and model.output_shape == (2,)
    with pytest.raises(ValueError, match="already in the model"):
        model.add(Dense(2, name="dense"))


def test_shape_is_inferred_from_the_first_batch():
    model = minicnn.Sequential([Flatten(), Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(np.zeros((4, 2, 2, 1), np.float32), np.array([0, 1, 2, 0]), epochs=1, verbose=0)
    assert model.input_shape == (2, 2, 1)


def test_fit_learns_and_history_has_keras_keys():
    model = small_model()
    x, y = blobs()
    history = model.fit(x, y, epochs=8, batch_size=16, validation_data=blobs(30, seed=1), verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert len(history.history["loss"]) == 8 and history.epoch == list(range(8))
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert history.history["val_accuracy"][-1] == 1.0
    loss, acc = model.evaluate(*blobs(30, seed=1), verbose=0)
    assert acc == 1.0 and loss == pytest.approx(history.history["val_loss"][-1], rel=1e-6)


def test_predict_runs_a_batch_in_cache_sized_pieces_with_the_same_outputs(monkeypatch):
    from minicnn.models import training
    model = small_model()
    x, _ = blobs(40)
    whole = model(x)
    # the conv output, 6*6*4 float32 = 576 bytes per sample, is the largest activation
    assert model._inference_samples() == training.INFERENCE_BUDGET_BYTES // 576
    monkeypatch.setattr(training, "INFERENCE_BUDGET_BYTES", 576 * 7)  # pieces of 7 samples
    assert model._inference_samples() == 7
    seen = []

    class Outputs(minicnn.callbacks.Callback):
        def on_predict_batch_end(self, step, logs=None):
            seen.append(logs["outputs"].copy())

    forward, sizes = model._forward, []
    monkeypatch.setattr(model, "_forward", lambda xs, training: sizes.append(len(xs)) or forward(xs, training))
    p = model.predict(x, batch_size=16, callbacks=[Outputs()])
    assert sizes == [7, 7, 2, 7, 7, 2, 7, 1]  # each batch of 16 in pieces of at most 7
    np.testing.assert_allclose(p, whole, rtol=1e-6, atol=1e-7)
    assert [len(o) for o in seen] == [16, 16, 8]  # callbacks still see the batches asked for
    np.testing.assert_array_equal(np.concatenate(seen), p)
    monkeypatch.setattr(training, "INFERENCE_BUDGET_BYTES", 1)  # at least one sample at a time
    assert model._inference_samples() == 1
    np.testing.assert_allclose(model.predict(x[:3], batch_size=3), whole[:3], rtol=1e-6, atol=1e-7)


def test_predict_returns_probabilities_in_batches():
    model = small_model()
    x, _ = blobs(70)
    p = model.predict(x, batch_size=32)
    assert p.shape == (70, 3) and p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(model.predict(x[:5], batch_size=2), p[:5], rtol=1e-6)


def test_train_on_batch_returns_loss_and_accuracy():
    model = small_model()
    x, y = blobs(16)
    loss, acc = model.train_on_batch(x, y)
    assert np.isfinite(loss) and 0 <= acc <= 1


def test_fused_softmax_is_used_and_matches_the_probability_form():
    model = small_model()
    x, y = blobs(8)
    out = model._forward(x.astype(np.float32), False)
    fused = model._loss_and_grad(out, y)[0]
    assert model._heads_at_logits[0][1].layer is model.layers[-1]  # from the softmax's logits
    plain = minicnn.losses.SparseCategoricalCrossentropy().value_and_grad(out, y)[0]
    assert fused == pytest.approx(plain, rel=1e-5)


def test_extreme_logits_train_without_nan():
    model = small_model()
    model.layers[-1].params["kernel"] *= 1e4
    x, y = blobs(16)
    loss, _ = model.train_on_batch(x, y)
    assert np.isfinite(loss)


def test_shuffling_is_by_index_and_seeded():
    a, b = small_model(1), small_model(1)
    x, y = blobs()
    a.fit(x, y, epochs=2, batch_size=10, verbose=0)
    b.fit(x, y, epochs=2, batch_size=10, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)


def test_shuffle_false_visits_in_order():
    model = small_model()
    x, y = blobs(20)
    seen = []
    original = model._train_step

    def spy(xb, yb):
        seen.append(yb.copy())
        return original(xb, yb)
    model._train_step = spy
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    np.testing.assert_array_equal(np.concatenate(seen), y)
    assert [len(s) for s in seen] == [8, 8, 4]


@pytest.mark.parametrize("x_shape, message", [((5, 8, 8), r"x\[\.\.\., None\]"), ((5, 8, 8, 3), r"\(batch, 8, 8, 1\)")])
def test_wrong_input_shape_names_expected_and_received(x_shape, message):
    model = small_model()
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros(x_shape, np.float32), np.zeros(5, int), verbose=0)


def test_bad_labels_and_nan_inputs_are_rejected():
    model = small_model()
    x, y = blobs(10)
    y_bad = y.copy()
    y_bad[7] = 3
    with pytest.raises(ValueError, match=r"label 3 at index 7 is outside \[0, 3\)"):
        model.fit(x, y_bad, verbose=0)
    x_nan = x.copy()
    x_nan[4, 1, 2, 0] = np.nan
    with pytest.raises(ValueError, match=r"NaN or inf \(first at index \(4, 1, 2, 0\)"):
        model.fit(x_nan, y, verbose=0)
    with pytest.raises(ValueError, match="NaN or inf"):
        model.predict(x_nan)
    with pytest.raises(ValueError, match="got 10 inputs but 9 labels"):
        model.fit(x, y[:9], verbose=0)


def test_compile_errors():
    model = small_model()
    with pytest.raises(ValueError, match="unsupported metric 'precision'; supported: acc, accuracy, binary_accuracy"):
        model.compile("sgd", "sparse_categorical_crossentropy", metrics=["precision"])
    fresh = minicnn.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(RuntimeError, match="compile"):
        fresh.fit(np.zeros((2, 3)), np.zeros(2, int), verbose=0)


def test_json_config_round_trip_rebuilds_the_same_architecture():
    model = architectures.cifar_bn()
    clone = minicnn.Sequential.from_config(__import__("json").loads(model.to_json())["config"])
    assert [type(l) for l in clone.layers] == [type(l) for l in model.layers]
    assert clone.count_params() == model.count_params()
    with pytest.raises(ValueError, match="unknown layer class 'LSTM'"):
        minicnn.Sequential.from_config({"name": "m", "layers": [{"class_name": "LSTM", "config": {}}]})


def test_feature_maps_returns_every_layer():
    model = small_model()
    maps = model.feature_maps(blobs(1)[0])
    assert [name for name, _ in maps] == [l.name for l in model.layers]
    assert maps[0][1].shape == (1, 6, 6, 4)


def test_first_layer_skips_the_unused_input_gradient_but_gradients_stay_right():
    model = small_model()
    assert model.layers[0].needs_input_grad is False
    report = minicnn.gradcheck.check_model(model, *blobs(4))
    assert report.passed, str(report)


def test_batchnorm_dropout_model_trains():
    minicnn.set_seed(0)
    model = minicnn.Sequential([Conv2D(4, 3, padding="same", input_shape=(8, 8, 1)), BatchNormalization(), ReLU(),
                                MaxPool2D(2), Dropout(0.2), Flatten(), Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    history = model.fit(*blobs(), epochs=15, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0] / 3
    assert model.evaluate(*blobs(60, seed=1), verbose=0)[1] > 0.9


def test_one_hot_labels_with_categorical_crossentropy():
    model = small_model()
    model.compile("adam", "categorical_crossentropy")
    x, y = blobs()
    history = model.fit(x, np.eye(3, dtype=np.float32)[y], epochs=5, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9


def test_progress_is_one_line_per_epoch_when_not_a_terminal(capsys):
    model = small_model()
    model.fit(*blobs(40), epochs=2, batch_size=8, verbose=1)
    out = capsys.readouterr().out
    assert "\r" not in out
    epoch_lines = [line for line in out.splitlines() if "loss: " in line]
    assert len(epoch_lines) == 2 and all("accuracy: " in line for line in epoch_lines)


def test_seed_mnist_model_learns_real_mnist():
    """The honest end-to-end check: the seed MNIST recipe on 5,000 real images reaches >= 90% on
    1,000 real test images after three epochs (one epoch gives about 88%)."""
    (x_train, y_train), (x_test, y_test) = minicnn.data.load_mnist()
    x_train = (x_train[:5000, ..., None] / 255).astype(np.float32)
    x_test = (x_test[:1000, ..., None] / 255).astype(np.float32)
    minicnn.set_seed(0)
    model = architectures.mnist()
    model.compile(minicnn.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy")
    model.fit(x_train, y_train[:5000], epochs=3, batch_size=32, verbose=0)
    loss, accuracy = model.evaluate(x_test, y_test[:1000], verbose=0)
    assert accuracy >= 0.90, f"test accuracy {accuracy:.3f}"


def test_label_errors_show_the_real_label_shape():
    model = small_model()
    x, _ = blobs(10)
    with pytest.raises(ValueError, match=r"got \(10, 3\); one-hot labels go with categorical_crossentropy"):
        model.fit(x, np.eye(3)[np.arange(10) % 3], verbose=0)


def test_freeze_single_parameter_keeps_it_while_the_rest_trains():
    import minicnn
    from minicnn.layers import Conv2D, Dense, Flatten
    minicnn.set_seed(0)
    conv = Conv2D(2, 2, input_shape=(4, 4, 1))
    model = minicnn.Sequential([conv, Flatten(), Dense(3)])
    model.compile(minicnn.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    conv.freeze("kernel")
    kernel, bias = conv.params["kernel"].copy(), conv.params["bias"].copy()
    x = np.random.default_rng(0).standard_normal((5, 4, 4, 1)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1])
    model.train_on_batch(x, y)
    np.testing.assert_array_equal(conv.params["kernel"], kernel)
    assert not np.array_equal(conv.params["bias"], bias)
    assert conv.count_trainable_params() == 2
    conv.unfreeze()
    model.train_on_batch(x, y)
    assert not np.array_equal(conv.params["kernel"], kernel)
    with pytest.raises(ValueError, match="no parameter 'gamma'"):
        conv.freeze("gamma")
