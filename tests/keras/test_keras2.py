"""Keras 2's model-level spellings (minicnn/keras/_keras2.py): they work as in Keras 2 and warn with
the Keras 3 spelling."""
import random
import warnings

import numpy as np
import pytest

import minicnn.keras as keras
from minicnn.keras import layers, models, utils
from minicnn.keras.preprocessing.image import ImageDataGenerator


def data(n=24, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 6, 6, 1), dtype=np.float32), rng.integers(0, 3, n)


def model(metrics=("accuracy",), seed=0):
    utils.set_random_seed(seed)
    m = models.Sequential([layers.Input((6, 6, 1)), layers.Conv2D(2, 3, activation="relu"), layers.Flatten(),
                           layers.Dense(3, activation="softmax")])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        m.compile("adam", "sparse_categorical_crossentropy", metrics=list(metrics))
    return m


def weights_equal(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def test_fit_generator_is_fit_on_the_generator_with_a_deprecation_warning():
    x, y = data()
    gen = ImageDataGenerator()
    a, b = model(), model()
    with pytest.warns(DeprecationWarning, match=r"model\.fit\(generator"):
        history = a.fit_generator(gen.flow(x, y, batch_size=8, shuffle=False), steps_per_epoch=3, epochs=2,
                                  validation_data=gen.flow(x, y, batch_size=8, shuffle=False), validation_steps=3,
                                  verbose=0)
    expected = b.fit(gen.flow(x, y, batch_size=8, shuffle=False), steps_per_epoch=3, epochs=2,
                     validation_data=(x, y), verbose=0)
    assert weights_equal(a, b)
    assert history.history == expected.history and list(history.history) == ["accuracy", "loss", "val_accuracy",
                                                                                "val_loss"]


def test_evaluate_and_predict_generator():
    x, y = data()
    m = model()
    gen = ImageDataGenerator()
    with pytest.warns(DeprecationWarning, match=r"model\.evaluate\(generator"):
        result = m.evaluate_generator(gen.flow(x, y, batch_size=8, shuffle=False), steps=3)
    np.testing.assert_allclose(result, m.evaluate(x, y, verbose=0), rtol=1e-6)
    with pytest.warns(DeprecationWarning, match=r"model\.predict\(generator"):
        out = m.predict_generator(gen.flow(x, batch_size=8, shuffle=False))  # x only, steps = len(generator)
    np.testing.assert_allclose(out, m.predict(x), rtol=1e-6)
    with pytest.warns(DeprecationWarning):
        labelled = m.predict_generator(gen.flow(x, y, batch_size=8, shuffle=False), steps=2)  # labels ignored
    assert labelled.shape == (16, 3)


def test_predict_classes_says_keras_removed_it_and_what_to_use():
    x, _ = data()
    m = model()
    with pytest.warns(DeprecationWarning, match=r"removed it in 2\.6.*np\.argmax\(model\.predict\(x\), axis=-1\)"):
        classes = m.predict_classes(x)
    np.testing.assert_array_equal(classes, m.predict(x).argmax(axis=-1))
    with pytest.warns(DeprecationWarning, match="predict_proba"):
        np.testing.assert_array_equal(m.predict_proba(x), m.predict(x))


def test_predict_classes_thresholds_a_one_unit_output(monkeypatch):
    m = model()
    monkeypatch.setattr(m, "predict", lambda x, batch_size=32, verbose=0: np.array([[0.2], [0.7], [0.5]]))
    with pytest.warns(DeprecationWarning):
        classes = m.predict_classes(np.zeros((3, 6, 6, 1), np.float32))
    assert classes.tolist() == [[0], [1], [0]] and classes.dtype == np.int32


def test_keras2_loader_arguments_warn_that_they_have_no_effect():
    x, y = data()
    a, b = model(), model()
    with pytest.warns(UserWarning, match=r"fit\(workers=4, use_multiprocessing=True\) has no effect"):
        a.fit(x, y, epochs=1, verbose=0, workers=4, use_multiprocessing=True, max_queue_size=10)
    b.fit(x, y, epochs=1, verbose=0)
    assert weights_equal(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras 2's defaults are silent
        model().fit(x, y, epochs=1, verbose=0, workers=1, use_multiprocessing=False)
    with pytest.warns(UserWarning, match=r"fit_generator\(workers=4\) has no effect"):
        with pytest.warns(DeprecationWarning):
            model().fit_generator(ImageDataGenerator().flow(x, y, batch_size=8), epochs=1, workers=4, verbose=0)
    with pytest.raises(TypeError):
        model().fit(x, y, verbose=0, wrokers=4)  # anything else is still a TypeError


def test_acc_metric_logs_acc_and_val_acc_as_keras_does():
    x, y = data()
    with pytest.warns(DeprecationWarning, match="metrics=\\['accuracy'\\]"):
        model(metrics=()).compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    m = model(metrics=["acc"])
    history = m.fit(x, y, epochs=2, validation_split=0.25, verbose=0)
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]  # Keras 3.15 logs the same
    assert m.evaluate(x, y, verbose=0, return_dict=True).keys() == {"acc", "loss"}
    stop = keras.callbacks.EarlyStopping(monitor="val_acc", patience=0)
    m.fit(x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[stop])  # no warning: 'val_acc' exists


def test_keras22_acc_keys_and_monitor_on_an_accuracy_model():
    x, y = data()
    m = model(metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_acc", patience=0, mode="max")
    with pytest.warns(DeprecationWarning, match="monitoring 'val_accuracy'"):
        history = m.fit(x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[stop])
    assert stop.monitor == "val_accuracy"
    with pytest.warns(DeprecationWarning, match=r"use history\.history\['val_accuracy'\]"):
        assert history.history["val_acc"] == history.history["val_accuracy"]
    with pytest.raises(KeyError):
        history.history["val_top5"]


def test_set_random_seed_seeds_python_numpy_and_minicnn():
    utils.set_random_seed(7)
    first = (random.random(), np.random.random(), model(seed=7).get_weights()[0].copy())
    utils.set_random_seed(7)
    second = (random.random(), np.random.random(), model(seed=7).get_weights()[0].copy())
    assert first[:2] == second[:2] and np.array_equal(first[2], second[2])


def test_normalize_is_keras_l2_along_the_last_axis():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x, axis=0, order=1), x / np.array([4.0, 4.0]))
