"""Graph models against real Keras: a ResNet (identity and projection shortcuts), an Inception
block (concatenated branches) and a two-input, two-output model with a shared layer and
loss_weights. Identical weights give the same forward pass (float32 and float64), the same
float64 gradient of every weight, and the same weights after 5 SGD-momentum steps.

Tolerances (``||a - b|| / max(||a||, ||b||)`` per tensor) as in test_keras_parity.py.
"""
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow", reason="TensorFlow is the optional extra 'bench' "
                                              "(pip install minicnn[bench]); parity tests need it")
keras = tf.keras

import minicnn  # noqa: E402
from minicnn import layers as L  # noqa: E402
from minicnn.gradcheck import check_model  # noqa: E402
from minicnn.interop import from_keras, to_keras  # noqa: E402

from ..models.graphs import inception, resnet  # noqa: E402
from .test_keras_parity import FORWARD_TOL, GRAD_TOL, TRAJECTORY_TOL, randomize_bn, rel_err  # noqa: E402


def two_headed(input_shapes=((6, 6, 2), (5,))):
    """Two inputs, a shared Dense applied to both branches' features, two softmax heads."""
    image, vector = minicnn.Input(input_shapes[0]), minicnn.Input(input_shapes[1])
    shared = L.Dense(4, activation="relu")
    a = shared(L.GlobalAveragePooling2D()(L.Conv2D(5, 3, activation="relu")(image)))
    b = shared(L.Dense(5)(vector))
    merged = L.concatenate([a, b, L.multiply([a, b])])
    first = L.Dense(3, activation="softmax", name="first")(merged)
    second = L.Dense(2, activation="softmax", name="second")(L.subtract([a, b]))
    return minicnn.Model([image, vector], [first, second], name="two_headed")


MODELS = {"resnet": resnet, "inception": inception}


def inputs_for(model, n, rng):
    shapes = model.input_shape if isinstance(model.input_shape, list) else [model.input_shape]
    xs = [rng.normal(0, 1, (n,) + tuple(s)) for s in shapes]
    return xs if len(xs) > 1 else xs[0]


def labels_for(model, n, rng):
    shapes = model.output_shape if isinstance(model.output_shape, list) else [model.output_shape]
    ys = [rng.integers(0, s[-1], n) for s in shapes]
    return ys if len(ys) > 1 else ys[0]


def cast(x, dtype):
    return [a.astype(dtype) for a in x] if isinstance(x, list) else x.astype(dtype)


def as_list(x):
    return x if isinstance(x, list) else [x]


@pytest.mark.parametrize("name", sorted(MODELS) + ["two_headed"])
def test_forward_and_float64_gradients_match_keras(name):
    rng = np.random.default_rng(0)
    minicnn.set_seed(3)
    model = MODELS.get(name, two_headed)()
    randomize_bn(model, rng)
    x, y = inputs_for(model, 4, rng), labels_for(model, 4, rng)
    for ours, theirs in zip(as_list(model.predict(cast(x, np.float32))),
                            as_list(to_keras(model)(cast(x, np.float32), training=False))):
        assert rel_err(ours, theirs.numpy()) <= FORWARD_TOL
    model.cast("float64")
    kmodel = to_keras(model)
    for ours, theirs in zip(as_list(model.predict(x)), as_list(kmodel(x, training=False))):
        assert rel_err(ours, theirs.numpy()) <= FORWARD_TOL
    weights = [1.0, 0.5] if name == "two_headed" else None
    model.compile(minicnn.optimizers.SGD(0.01), "sparse_categorical_crossentropy", loss_weights=weights)
    out = model._forward(x, True)
    loss, d = model._loss_and_grad(out, y)
    model._backward(d)
    keys = [key for key, _, _ in model.parameters()]
    variables = [kmodel.get_layer(key.split("/")[0]).trainable_weights[
        list(model.get_layer(key.split("/")[0]).params).index(key.split("/")[1])] for key in keys]
    with tf.GradientTape() as tape:
        kout = as_list(kmodel(x, training=True))
        kloss = sum(w * keras.losses.SparseCategoricalCrossentropy(dtype="float64")(yk, o)
                    for w, yk, o in zip(weights or [1.0], as_list(y), kout))
    grads = tape.gradient(kloss, variables)
    assert abs(loss - float(kloss)) <= FORWARD_TOL * max(1.0, abs(float(kloss)))
    floor = 1e-3 * max(np.linalg.norm(g.numpy()) for g in grads)
    for key, (_, _, ours), theirs in zip(keys, model.parameters(), grads):
        err = rel_err(ours, theirs.numpy(), floor)
        assert err <= GRAD_TOL, f"{key}: gradient relative error {err:.2e}"


@pytest.mark.parametrize("name", sorted(MODELS) + ["two_headed"])
def test_five_training_steps_match_keras(name):
    rng = np.random.default_rng(1)
    minicnn.set_seed(4)
    model = MODELS.get(name, two_headed)().cast("float64")
    kmodel = to_keras(model)
    weights = [1.0, 0.5] if name == "two_headed" else None
    model.compile(minicnn.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy",
                  loss_weights=weights)
    kloss = keras.losses.SparseCategoricalCrossentropy(dtype="float64")
    kmodel.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                   loss=[kloss, kloss] if weights else kloss, loss_weights=weights)
    before = model.get_weights()
    for _ in range(5):
        x, y = inputs_for(model, 6, rng), labels_for(model, 6, rng)
        model.train_on_batch(x, y)
        kmodel.train_on_batch(x, y)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    for layer in model.layers:
        for key, a, b in zip(list(layer.params) + list(layer.state), layer.get_weights(),
                             kmodel.get_layer(layer.name).get_weights()):
            # floor: a conv bias right before training-mode BatchNorm has a zero gradient in exact
            # arithmetic, so both libraries leave it at rounding noise (~1e-17)
            err = rel_err(a, b, floor=1e-3)
            assert err <= TRAJECTORY_TOL, f"{layer.name}/{key}: {err:.2e}"


@pytest.mark.parametrize("name", sorted(MODELS) + ["two_headed"])
def test_graph_models_pass_check_model_in_float64(name):
    rng = np.random.default_rng(2)
    minicnn.set_seed(5)
    model = MODELS.get(name, two_headed)()
    model.compile("sgd", "sparse_categorical_crossentropy")
    report = check_model(model, inputs_for(model, 4, rng), labels_for(model, 4, rng), max_coords=40)
    assert report.passed, str(report)


def test_from_keras_converts_a_graph_and_back():
    rng = np.random.default_rng(3)
    inputs = keras.Input((6, 6, 2))
    a = keras.layers.Conv2D(3, 1)(inputs)
    b = keras.layers.Conv2D(3, 3, padding="same", activation="relu")(inputs)
    shared = keras.layers.Dense(4)
    merged = keras.layers.Concatenate()([keras.layers.Add()([a, b]), keras.layers.Maximum()([a, b])])
    pooled = keras.layers.GlobalAveragePooling2D()(merged)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Average()([shared(pooled), shared(pooled)]))
    kmodel = keras.Model(inputs, outputs)
    ours = from_keras(kmodel)
    assert isinstance(ours, minicnn.Model) and not isinstance(ours, minicnn.Sequential)
    x = rng.normal(0, 1, (3, 6, 6, 2)).astype(np.float32)
    assert rel_err(ours.predict(x), kmodel.predict(x, verbose=0)) <= FORWARD_TOL
    back = to_keras(ours)
    assert rel_err(back.predict(x, verbose=0), kmodel.predict(x, verbose=0)) <= FORWARD_TOL
