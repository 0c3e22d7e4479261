"""Bad arguments at the public API boundary raise a ValueError naming what was expected and what
came; nothing is coerced (True is not an int, "0.5" is not a number, 6.9 is not a size)."""
import numpy as np
import pytest

import minicnn
from minicnn import layers as L
from minicnn import optimizers


@pytest.mark.parametrize("make, message", [
    (lambda: L.Dense(True), "units must be a positive int, got True"),
    (lambda: L.Dense(2.0), "units must be a positive int"),
    (lambda: L.Conv2D(0, 3), "filters must be a positive int, got 0"),
    (lambda: L.Dropout("0.5"), "Dropout rate must be a finite number, got '0.5'"),
    (lambda: L.Dropout(1.0), r"Dropout rate must be in \[0, 1\), got 1.0"),
    (lambda: L.BatchNormalization(epsilon=float("nan")), "epsilon must be a finite number, got nan"),
    (lambda: L.BatchNormalization(momentum=1.5), r"momentum must be in \[0, 1\]"),
    (lambda: L.Dense(2, input_shape=(6.9,)), "input_shape entry must be a positive int, got 6.9"),
    (lambda: L.Dense(2, dtype="float16"), "dtype must be float32 or float64"),
    (lambda: optimizers.SGD(float("inf")), "learning_rate must be a finite number, got inf"),
    (lambda: optimizers.SGD(0.1, momentum=-0.1), r"momentum must be in \[0, 1\]"),
    (lambda: optimizers.Adam(beta_1=1.0), r"beta_1 must be in \[0, 1\), got 1.0"),
    (lambda: optimizers.Adam(beta_2=-1), r"beta_2 must be in \[0, 1\)"),
    (lambda: optimizers.Adam(epsilon=-1e-7), r"epsilon must be in \(0, inf\)"),
])
def test_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def compiled_model():
    model = minicnn.Sequential([L.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


X = np.ones((6, 4), np.float32)
Y = np.array([0, 1, 2, 0, 1, 2])


@pytest.mark.parametrize("call, message", [
    (lambda m: m.fit(X, Y, batch_size=0, verbose=0), "batch_size must be a positive int, got 0"),
    (lambda m: m.fit(X, Y, batch_size=-1, verbose=0), "batch_size must be a positive int, got -1"),
    (lambda m: m.fit(X, Y, epochs=-1, verbose=0), "epochs must be a non-negative int, got -1"),
    (lambda m: m.fit(X, Y, steps_per_epoch=0, verbose=0), "steps_per_epoch must be a positive int, got 0"),
    (lambda m: m.predict(X, batch_size=0), "batch_size must be a positive int, got 0"),
    (lambda m: m.evaluate(X, Y, batch_size=0, verbose=0), "batch_size must be a positive int, got 0"),
    (lambda m: m.evaluate(X[:0], Y[:0], verbose=0), r"inputs hold no samples \(shape \(0, 4\)\)"),
    (lambda m: m.train_on_batch(X[:0], Y[:0]), "inputs hold no samples"),
    (lambda m: m.predict(np.float32(3.0)), "inputs hold no samples"),
])
def test_training_api_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call(compiled_model())


@pytest.mark.parametrize("config, message", [
    ({"name": "m", "layers": 5}, "'layers' must be a list of layer specs, got 5"),
    ({"name": "m", "layers": [{"class_name": "Dense", "config": {"units": 2}, "extra": 1}]}, "a layer spec must be"),
    ({"name": "m", "layers": [{"class_name": "Dense", "config": {"units": 2, "bogus": 1}}]}, "bad config for layer Dense"),
    ({"name": "m", "layers": [], "optimizer": "sgd"}, r"unknown model config keys \['optimizer'\]"),
])
def test_model_config_is_strict(config, message):
    with pytest.raises(ValueError, match=message):
        minicnn.Sequential.from_config(config)


def test_set_weights_refuses_non_finite_or_non_numeric_values():
    model = compiled_model()
    weights = model.get_weights()
    bad = [w.copy() for w in weights]
    bad[0][0, 0] = np.nan
    with pytest.raises(ValueError, match="weight 'kernel' must be finite real numbers, got dtype float32 with NaN"):
        model.set_weights(bad)
    with pytest.raises(ValueError, match="must be finite real numbers, got dtype <U1"):
        model.set_weights([np.full(weights[0].shape, "a"), weights[1]])


def test_optimizer_state_of_another_shape_is_refused_not_reset():
    model = compiled_model()
    model.train_on_batch(X, Y)
    state = model.optimizer.get_state()
    other = optimizers.SGD(0.01, momentum=0.9)
    other.apply_gradients([("dense/kernel", np.zeros((4, 3), np.float32), np.ones((4, 3), np.float32))])
    wrong = {k: v for k, v in other.get_state().items()}
    wrong["dense/kernel:momentum"] = np.zeros((5, 3), np.float32)
    other.set_state(wrong)
    with pytest.raises(ValueError, match=r"dense/kernel:momentum has shape \(5, 3\) but the parameter has shape \(4, 3\)"):
        other.apply_gradients([("dense/kernel", np.zeros((4, 3), np.float32), np.ones((4, 3), np.float32))])
    assert state["iterations"] == 1


def test_nan_far_into_a_large_dataset_is_found_at_its_index():
    model = minicnn.Sequential([L.Flatten(input_shape=(28, 28, 1)), L.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.zeros((6000, 28, 28, 1), np.float32)     # checked in slices of 5,349 images
    x[5800, 3, 4, 0] = np.inf
    with pytest.raises(ValueError, match=r"first at index \(5800, 3, 4, 0\): inf"):
        model.fit(x, np.zeros(6000, int), verbose=0)
