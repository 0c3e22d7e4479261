"""minicnn.keras: Keras lesson code runs with only the import changed (no TensorFlow needed)."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minicnn
import minicnn.keras as keras
from minicnn.keras import datasets, layers, losses, models, optimizers, preprocessing, utils

ROOT = Path(__file__).resolve().parents[2]


def small_data(n=24, shape=(8, 8, 1), classes=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n,) + shape, dtype=np.float32), rng.integers(0, classes, n)


def small_cnn(*first):
    return models.Sequential(list(first) + [layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(),
                                            layers.Flatten(), layers.Dense(3, activation="softmax")])


def test_import_minicnn_keras_never_imports_tensorflow():
    code = "import minicnn, minicnn.keras, minicnn.interop, sys; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "False"


def test_sequential_with_input_fit_evaluate_predict_history_keys():
    x, y = small_data()
    model = small_cnn(layers.Input(shape=(8, 8, 1)))
    assert isinstance(model, minicnn.Sequential) and isinstance(model, keras.Model)
    assert len(model.layers) == 4 and model.inputs[0].shape == (None, 8, 8, 1)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=2, batch_size=8, validation_data=(x, y), shuffle=True, verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert all(len(v) == 2 for v in history.history.values())
    loss, acc = model.evaluate(x, y, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True) == {"accuracy": acc, "loss": loss}
    assert model.predict(x).shape == (24, 3) and model(x[:2]).numpy().shape == (2, 3)


def test_add_style_input_shape_categorical_and_loss_objects():
    x, y = small_data()
    model = models.Sequential()
    model.add(layers.Conv2D(filters=2, kernel_size=(3, 3), strides=(1, 1), padding="same", input_shape=(8, 8, 1)))
    model.add(layers.ReLU())
    model.add(layers.GlobalAveragePooling2D())
    model.add(layers.Dense(units=3))
    model.add(layers.Softmax())
    for loss, labels in ((losses.categorical_crossentropy, utils.to_categorical(y, 3)),
                         (losses.CategoricalCrossentropy(), utils.np_utils.to_categorical(y, 3)),
                         ("sparse_categorical_crossentropy", y)):
        model.compile(optimizer=optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True), loss=loss,
                      metrics=["acc"])
        assert list(model.fit(x, labels, epochs=1, verbose=0).history) == ["acc", "loss"]
    logits = models.Sequential([layers.Input((8, 8, 1)), layers.Flatten(), layers.Dense(3)])
    logits.compile(optimizers.Adam(), losses.SparseCategoricalCrossentropy(from_logits=True))
    assert list(logits.fit(x, y, verbose=0).history) == ["loss"]
    assert np.isscalar(logits.evaluate(x, y, verbose=0))


def test_functional_chain_and_feature_extraction():
    x, y = small_data()
    inputs = keras.Input(shape=(8, 8, 1))
    h = layers.Conv2D(4, 3, activation="relu")(inputs)
    h = layers.BatchNormalization()(h)
    h = layers.MaxPool2D(pool_size=2)(h)
    h = layers.Flatten()(h)
    h = layers.Dropout(rate=0.25)(h)
    outputs = layers.Dense(3, activation="softmax")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    features = models.Model(inputs=model.inputs, outputs=[layer.output for layer in model.layers])
    maps = features.predict(x[:5])
    assert [m.shape for m in maps] == [(5, 6, 6, 4), (5, 6, 6, 4), (5, 3, 3, 4), (5, 36), (5, 36), (5, 3)]
    np.testing.assert_allclose(maps[-1], model.predict(x[:5]), rtol=1e-6)
    assert [m.shape for m in features(x[:2])][0] == (2, 6, 6, 4)
    truncated = models.Model(inputs=model.input, outputs=model.layers[0].output)
    assert truncated.predict(x[:2]).shape == (2, 6, 6, 4)
    seq = small_cnn(layers.Input((8, 8, 1)))
    assert len(models.Model(seq.inputs, [l.output for l in seq.layers]).predict(x[:1])) == 4
    with pytest.raises(ValueError, match="the model has 6 outputs' labels"):
        features.compile("sgd", "sparse_categorical_crossentropy")
        features.fit(x, y)


def test_branches_merges_and_shared_layers_build_graphs():
    inputs = keras.Input((8, 8, 1))
    a = layers.Conv2D(2, 3)(inputs)
    b = layers.Conv2D(2, 3)(inputs)
    two = keras.Model(inputs, [a, b])
    assert [o.shape for o in two.predict(np.ones((3, 8, 8, 1), np.float32))] == [(3, 6, 6, 2)] * 2
    shared = layers.Dense(4)
    flat = layers.Flatten()(inputs)
    merged = layers.add([shared(flat), shared(flat)])
    model = keras.Model(inputs, layers.concatenate([merged, merged]))
    assert model.output_shape == (8,) and len([l for l in model.layers if l is shared]) == 1
    assert isinstance(a + b, keras.KerasTensor)
    with pytest.raises(NotImplementedError, match="constant"):
        a + 1.0
    with pytest.raises(NotImplementedError, match="subclassing"):
        keras.Model()


@pytest.mark.parametrize("make,match", [
    (lambda: layers.Conv2D(2, 3, dilation_rate=2), "dilation_rate=2.*dilation_rate=1"),
    (lambda: layers.Conv2D(2, 3, data_format="channels_first"), "channels_last"),
    (lambda: layers.Dense(2, activation="softsign"), "'softsign'.*'relu'"),
    (lambda: layers.BatchNormalization(beta_regularizer="l2"), "beta_regularizer.*Dropout"),
    (lambda: layers.MaxPooling2D(activity_regularizer="l2"), "activity_regularizer.*Dropout"),
    (lambda: layers.Dense(2, kernel_initializer="orthogonal"), "orthogonal.*glorot_uniform"),
    (lambda: layers.Dropout(0.5, noise_shape=(1, 3)), "noise_shape"),
    (lambda: layers.GlobalAveragePooling2D(keepdims=True), "keepdims"),
    (lambda: optimizers.Ftrl, "Ftrl.*optimizers.SGD, Adam, AdamW, RMSprop"),
    (lambda: optimizers.Adam(use_ema=True), "use_ema"),
    (lambda: optimizers.SGD(gradient_accumulation_steps=4), "gradient_accumulation_steps.*batch_size"),
    (lambda: losses.get("hinge"), "hinge.*binary_crossentropy"),
    (lambda: losses.SparseCategoricalCrossentropy(ignore_class=0), "ignore_class"),
    (lambda: keras.regularizers.OrthogonalRegularizer, "OrthogonalRegularizer.*l2"),
    (lambda: datasets.cifar100, "cifar10"),
    (lambda: layers.LSTM, "LSTM"),
    (lambda: preprocessing.image.ImageDataGenerator(data_format="channels_first"), "channels_last"),
    (lambda: small_cnn(layers.Input((8, 8, 1))).compile("lion", "categorical_crossentropy"), "lion"),
])
def test_unsupported_pieces_name_themselves_and_an_alternative(make, match):
    with pytest.raises(NotImplementedError, match=match):
        make()


def test_unknown_keyword_is_an_error_and_keras_argument_forms_work():
    with pytest.raises(ValueError, match="Unrecognized keyword"):
        layers.Dense(3, units_typo=4)
    conv = layers.Conv2D(3, kernel_size=(3, 2), strides=2, padding="SAME", dilation_rate=(1, 1),
                         kernel_initializer=keras.initializers.HeNormal(), input_shape=(7, 7, 1))
    assert conv.kernel_size == (3, 2) and conv.strides == (2, 2) and conv.padding == "same"
    assert layers.Dense(4, input_dim=5, activation=keras.activations.relu).activation == "relu"
    bn = layers.BatchNormalization(axis=3)
    models.Sequential([layers.Input((4, 4, 2)), bn])
    with pytest.raises(NotImplementedError, match="axis"):
        models.Sequential([layers.Input((4, 4, 2)), layers.BatchNormalization(axis=1)])
    y = layers.Dense(2)(np.ones((3, 4)))  # eager call on arrays
    assert y.shape == (3, 2) and y.numpy().shape == (3, 2)


def test_generator_fit_and_evaluate_with_image_data_generator():
    x, y = small_data(n=20)
    datagen = preprocessing.image.ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1,
                                                     horizontal_flip=True, rescale=0.5)
    datagen.fit(x)
    flow = datagen.flow(x, utils.to_categorical(y, 3), batch_size=5)
    xb, yb = next(flow)
    assert xb.shape == (5, 8, 8, 1) and xb.max() <= 0.5 + 1e-6 and yb.shape == (5, 3)
    model = small_cnn(layers.Input((8, 8, 1)))
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(flow, steps_per_epoch=4, epochs=2, validation_data=(x, utils.to_categorical(y, 3)),
                        verbose=0)
    assert list(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert len(model.evaluate(flow, steps=2, verbose=0)) == 2


def test_datasets_have_keras_shapes(monkeypatch):
    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60000,) and y_train.dtype == np.uint8 and x_test.shape == (10000, 28, 28)
    fake = ((np.zeros((5, 32, 32, 3), np.uint8), np.arange(5, dtype=np.uint8)),
            (np.zeros((2, 32, 32, 3), np.uint8), np.arange(2, dtype=np.uint8)), list("abcdefghij"))
    monkeypatch.setattr(datasets.cifar10, "load_cifar10", lambda: fake)
    (_, y_train), (_, y_test) = datasets.cifar10.load_data()
    assert y_train.shape == (5, 1) and y_test.shape == (2, 1) and y_train.dtype == np.uint8


def test_json_clone_and_summary(capsys):
    model = small_cnn(layers.Input((8, 8, 1)))
    model.summary()
    assert "conv2d (Conv2D)" in capsys.readouterr().out
    rebuilt = models.model_from_json(model.to_json())
    assert isinstance(rebuilt, models.Sequential)
    assert [w.shape for w in rebuilt.get_weights()] == [w.shape for w in model.get_weights()]
    assert models.clone_model(model).count_params() == model.count_params()
    assert keras.backend.image_data_format() == "channels_last"


def test_save_and_load_delegate_to_minicnn(tmp_path):
    x, y = small_data()
    model = small_cnn(layers.Input((8, 8, 1)))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, verbose=0)
    model.save_weights(tmp_path / "model.weights.npz")
    model.save(tmp_path / "model.npz")
    other = small_cnn(layers.Input((8, 8, 1)))
    other.load_weights(tmp_path / "model.weights.npz")
    np.testing.assert_allclose(other.predict(x), model.predict(x), rtol=1e-6)
    loaded = models.load_model(tmp_path / "model.npz")
    assert isinstance(loaded, models.Sequential)
    assert list(loaded.fit(x, y, verbose=0).history) == ["accuracy", "loss"]


def test_keras_lesson_example_quick():
    out = subprocess.run([sys.executable, str(ROOT / "examples" / "keras_lesson.py"), "--quick"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert "History: {'accuracy': [" in out.stdout and "'val_loss': [" in out.stdout
    accuracy = float(out.stdout.split("Test accuracy: ")[1].split("%")[0])
    assert accuracy > 70


def test_callbacks_see_the_compiled_metric_name_and_build_takes_the_batch_axis(tmp_path, capsys):
    x, y = small_data(40)
    model = small_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    stop = keras.callbacks.EarlyStopping(monitor="val_acc", patience=0, verbose=1)
    checkpoint = keras.callbacks.ModelCheckpoint(str(tmp_path / "{epoch:02d}-{val_acc:.2f}.npz"), monitor="val_acc",
                                                 save_best_only=True, mode="max", verbose=1)
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0,
                        callbacks=[stop, checkpoint, keras.callbacks.ReduceLROnPlateau(monitor="loss")])
    assert sorted(history.history) == ["acc", "learning_rate", "loss", "val_acc", "val_loss"]
    assert list(tmp_path.glob("01-*.npz"))
    built = models.Sequential([layers.Conv2D(2, 3), layers.Flatten(), layers.Dense(10)])
    built.build((None, 8, 8, 1))
    assert built.output_shape == (10,)


def test_save_and_predict_refuse_arguments_they_would_ignore(tmp_path):
    model = models.Sequential([layers.Dense(2, input_shape=(3,))])
    for call, name in ((lambda: model.save(tmp_path / "m.npz", overwrite=False), "overwrite=False"),
                       (lambda: model.save(tmp_path / "m.npz", include_optimizer=False), "include_optimizer=False"),
                       (lambda: model.save_weights(tmp_path / "w.h5", overwrite=False), "overwrite=False"),
                       (lambda: model.predict(np.ones((2, 3), np.float32), steps=1), "steps=1")):
        with pytest.raises(NotImplementedError, match=name):
            call()


def test_weights_attributes_and_metric_name_survive_load(tmp_path):
    x, y = small_data(24)
    model = small_cnn(layers.Input((8, 8, 1)))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    assert model.metrics_names == ["loss", "acc"]
    assert [w.shape for w in model.trainable_weights] == [(3, 3, 1, 4), (4,), (36, 3), (3,)]
    assert len(model.weights) == 4 and model.non_trainable_weights == []
    np.testing.assert_allclose(model.predict_on_batch(x[:5]), model.predict(x[:5]), rtol=1e-6)
    model.save(tmp_path / "m.npz")
    loaded = models.load_model(tmp_path / "m.npz")
    history = loaded.fit(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss"]


def test_two_headed_functional_model_with_named_losses():
    x, y = small_data(24)
    inputs = keras.Input((8, 8, 1))
    features = layers.Flatten()(layers.Conv2D(2, 3, activation="relu")(inputs))
    digit = layers.Dense(3, activation="softmax", name="digit")(features)
    parity = layers.Dense(2, activation="softmax", name="parity")(features)
    model = keras.Model(inputs, [digit, parity])
    model.compile(optimizer="adam", loss={"digit": "sparse_categorical_crossentropy",
                                          "parity": "sparse_categorical_crossentropy"},
                  loss_weights={"digit": 1.0, "parity": 0.2}, metrics={"digit": ["accuracy"], "parity": ["accuracy"]})
    history = model.fit(x, {"digit": y, "parity": y % 2}, epochs=1, batch_size=8, verbose=0)
    assert list(history.history) == ["loss", "digit_loss", "parity_loss", "digit_accuracy", "parity_accuracy"]
    scores = model.evaluate(x, [y, y % 2], verbose=0, return_dict=True)
    assert list(scores) == model.metrics_names and scores["loss"] == pytest.approx(
        scores["digit_loss"] + 0.2 * scores["parity_loss"], rel=1e-6)
    assert [p.shape for p in model.predict(x[:3])] == [(3, 3), (3, 2)]


def test_batchnorm_center_and_scale_false_are_supported():
    bn = layers.BatchNormalization(center=False, scale=False)
    bn.build((4, 4, 3))
    assert bn.params == {} and len(bn.get_weights()) == 2
