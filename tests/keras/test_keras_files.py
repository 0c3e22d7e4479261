"""Keras files both ways with real Keras: Keras loads what minicnn saves, minicnn loads what Keras saves."""
import json
import os

import numpy as np
import pytest

pytest.importorskip("h5py", reason="Keras files need h5py: pip install minicnn[keras-files]")
tf = pytest.importorskip("tensorflow", reason="tensorflow is not installed (pip install minicnn[bench])")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

import minicnn  # noqa: E402
from minicnn.keras import Input, layers, models  # noqa: E402

X = np.random.default_rng(0).random((6, 8, 8, 1), dtype=np.float32)


def ours():
    minicnn.set_seed(0)
    model = models.Sequential([
        Input((8, 8, 1)), layers.Conv2D(3, 3, activation="relu", padding="same"), layers.BatchNormalization(),
        layers.MaxPooling2D(), layers.Conv2D(2, 2, strides=2, use_bias=False), layers.AveragePooling2D(1),
        layers.Dropout(0.2), layers.Activation("relu"), layers.ReLU(), layers.Flatten(), layers.Dense(4),
        layers.Dense(3), layers.Softmax()])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, np.arange(6) % 3, epochs=2, batch_size=3, verbose=0)
    return model


def theirs(functional=False):
    keras.utils.set_random_seed(0)
    L = keras.layers
    stack = [L.Conv2D(3, 3, activation="relu"), L.BatchNormalization(), L.MaxPooling2D(), L.Dropout(0.3),
             L.Conv2D(4, 2, padding="same"), L.ReLU(), L.GlobalMaxPooling2D(), L.Dense(5), L.Activation("relu"),
             L.Dense(3, activation="softmax")]
    if functional:
        inputs = keras.Input((8, 8, 1))
        h = inputs
        for layer in stack:
            h = layer(h)
        model = keras.Model(inputs, h)
    else:
        model = keras.Sequential([keras.Input((8, 8, 1))] + stack)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, np.arange(6) % 3, epochs=2, batch_size=3, verbose=0)  # BatchNorm statistics move
    return model


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_keras_loads_what_minicnn_saves(tmp_path, name):
    model = ours()
    model.save(tmp_path / name)
    loaded = keras.models.load_model(tmp_path / name)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    close(loaded.predict(X, verbose=0), model.predict(X))


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5"])
def test_keras_load_weights_reads_minicnn_save_weights(tmp_path, name):
    model = ours()
    model.save_weights(tmp_path / name)
    model.save(tmp_path / "m.keras")
    target = keras.models.load_model(tmp_path / "m.keras")
    for w in target.weights:
        w.assign(np.zeros(w.shape, w.dtype))
    target.load_weights(tmp_path / name)
    close(target.predict(X, verbose=0), model.predict(X))


@pytest.mark.parametrize("functional", [False, True])
@pytest.mark.parametrize("name", ["k.keras", "k.h5"])
def test_minicnn_loads_what_keras_saves(tmp_path, name, functional):
    model = theirs(functional)
    model.save(tmp_path / name)
    loaded = models.load_model(tmp_path / name)
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers if type(l).__name__ != "InputLayer"]
    close(loaded.predict(X), model.predict(X, verbose=0))
    assert type(loaded.optimizer).__name__ == "Adam" and loaded.metrics_names == ["loss", "accuracy"]
    loaded.fit(X, np.arange(6) % 3, verbose=0)  # compiled from the file's compile settings


def test_minicnn_load_weights_reads_keras_save_weights(tmp_path):
    model = theirs()
    model.save_weights(tmp_path / "k.weights.h5")
    model.save(tmp_path / "k.keras")
    target = models.load_model(tmp_path / "k.keras")
    target.set_weights([np.zeros_like(w) for w in target.get_weights()])
    target.load_weights(tmp_path / "k.weights.h5")
    close(target.predict(X), model.predict(X, verbose=0))


def test_unsupported_keras_layers_are_refused(tmp_path):
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2DTranspose(2, 3), keras.layers.Flatten()])
    model.save(tmp_path / "t.keras")
    with pytest.raises(ValueError, match="Conv2DTranspose, which minicnn does not implement"):
        models.load_model(tmp_path / "t.keras")
    inputs = keras.Input((8, 8, 1))
    a = keras.layers.Conv2D(2, 3)(inputs)
    b = keras.layers.Conv2D(2, 3)(inputs)
    merged = keras.Model(inputs, keras.layers.Add()([a, b]))
    merged.save(tmp_path / "branch.keras")
    with pytest.raises(ValueError, match="chains"):
        models.load_model(tmp_path / "branch.keras")


def test_model_from_json_reads_keras_to_json_and_normalize_matches():
    model = theirs()
    ours_model = models.model_from_json(model.to_json())
    assert [type(l).__name__ for l in ours_model.layers] == [type(l).__name__ for l in model.layers]
    assert json.loads(model.to_json())["class_name"] == "Sequential"
    x = np.random.default_rng(1).normal(size=(4, 5))
    close(minicnn.keras.utils.normalize(x), keras.utils.normalize(x))
    close(minicnn.keras.utils.normalize(x, axis=-1, order=1), keras.utils.normalize(x, axis=-1, order=1))


def test_training_resumes_across_minicnn_and_keras_with_the_optimizer_state(tmp_path):
    y = np.arange(6) % 3
    model = ours()  # Adam, 4 steps taken
    model.save(tmp_path / "m.keras")
    theirs_model = keras.models.load_model(tmp_path / "m.keras")
    assert int(theirs_model.optimizer.iterations) == model.optimizer.iterations == 4
    assert theirs_model.loss == "sparse_categorical_crossentropy" or "sparse" in str(theirs_model.loss)
    no_dropout = dict(batch_size=6, epochs=1, shuffle=False, verbose=0)
    for layer in model.layers:  # compare the Adam steps, not the dropout masks
        if type(layer).__name__ == "Dropout":
            layer.rate = 0.0
    for layer in theirs_model.layers:
        if type(layer).__name__ == "Dropout":
            layer.rate = 0.0
    model.fit(X, y, **no_dropout)
    theirs_model.fit(X, y, **no_dropout)
    for a, b in zip(model.get_weights(), theirs_model.get_weights()):
        close(a, b)
    theirs_model.save(tmp_path / "k.keras")
    back = models.load_model(tmp_path / "k.keras")
    assert back.optimizer.iterations == 5 and back.metrics_names == ["loss", "accuracy"]
    back.fit(X, y, **no_dropout)
    theirs_model.fit(X, y, **no_dropout)
    for a, b in zip(back.get_weights(), theirs_model.get_weights()):
        close(a, b)


@pytest.mark.parametrize("name", ["l.keras", "l.h5"])
def test_keras_compiles_a_from_logits_loss_and_sgd_momentum_from_minicnn_files(tmp_path, name):
    from minicnn.keras import losses, optimizers
    minicnn.set_seed(0)
    model = models.Sequential([Input((8, 8, 1)), layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(3)])
    model.compile(optimizers.SGD(0.05, momentum=0.9), losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    y = np.arange(6) % 3
    model.fit(X, y, batch_size=3, verbose=0)
    model.save(tmp_path / name)
    loaded = keras.models.load_model(tmp_path / name)
    assert type(loaded.optimizer).__name__ == "SGD" and loaded.optimizer.momentum == pytest.approx(0.9)
    theirs_result = loaded.evaluate(X, y, verbose=0, return_dict=True)
    ours_result = model.evaluate(X, y, verbose=0, return_dict=True)
    assert theirs_result.keys() == ours_result.keys()
    for key in ours_result:
        assert theirs_result[key] == pytest.approx(ours_result[key], rel=1e-5)
