"""Graph models (minicnn.models.graph): the fan-out rule, shared layers, several inputs and
outputs, and everything a Sequential model does: fit, evaluate, predict, summary, save/load."""
import json

import numpy as np
import pytest

import minicnn
from minicnn import layers as L
from minicnn.gradcheck import check_model

from .graphs import inception, resnet


def blobs(n=48, seed=0, shape=(8, 8, 3), classes=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    x = rng.uniform(0, 0.2, (n,) + shape).astype(np.float32)
    for i, label in enumerate(y):
        x[i, 2 * label:2 * label + 3, 2 * label:2 * label + 3] += 1.0
    return x, y


def test_fan_out_sums_the_consumers_gradients():
    """y = W x used by both inputs of an Add: out = 2 W x, so dL/dx is twice one path's."""
    inputs = minicnn.Input((3,))
    h = L.Dense(2, use_bias=False)(inputs)
    model = minicnn.Model(inputs, L.add([h, h, h]))
    model.layers[0].needs_input_grad = True
    x = np.ones((1, 3))
    model.cast("float64")
    model._forward(x, True)
    dy = np.array([[1.0, -2.0]])
    dx = model._backward(dy)
    kernel = model.layers[0].params["kernel"]
    np.testing.assert_allclose(dx, 3 * dy @ kernel.T)
    np.testing.assert_allclose(model.layers[0].grads["kernel"], 3 * x.T @ dy)


def test_shared_layer_weights_get_the_sum_over_its_uses():
    a, b = minicnn.Input((4,)), minicnn.Input((4,))
    shared = L.Dense(3, activation="relu")
    merged = L.concatenate([shared(a), shared(L.Dense(4)(b))])
    model = minicnn.Model([a, b], L.Dense(2, activation="softmax")(merged))
    assert [l.name for l in model.layers].count("dense") == 1
    model.compile("sgd", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    report = check_model(model, [rng.normal(size=(5, 4)), rng.normal(size=(5, 4))], rng.integers(0, 2, 5))
    assert report.passed, str(report)
    assert {"input 0", "input 1", "dense/kernel"} <= {c.name for c in report.checks}


@pytest.mark.parametrize("build", [resnet, inception])
def test_resnet_and_inception_pass_check_model(build):
    model = build()
    model.compile("sgd", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(1)
    report = check_model(model, rng.normal(size=(3,) + model.input_shape), rng.integers(0, 3, 3), max_coords=30)
    assert report.passed, str(report)


def test_a_branch_the_loss_ignores_gets_zero_gradients():
    inputs = minicnn.Input((4,))
    used, unused = L.Dense(3, activation="softmax"), L.Dense(2, activation="softmax")
    model = minicnn.Model(inputs, [used(inputs), unused(inputs)])
    model.compile("sgd", "sparse_categorical_crossentropy", loss_weights=[1.0, 0.0])
    unused.grads["kernel"][...] = 7.0
    model.train_on_batch(np.ones((2, 4), np.float32), [np.array([0, 1]), np.array([1, 0])])
    assert not unused.grads["kernel"].any()


def test_resnet_trains_and_its_outputs_are_a_graph_of_nodes():
    minicnn.set_seed(0)
    model = resnet()
    model.compile(minicnn.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    x, y = blobs()
    history = model.fit(x, y, epochs=6, batch_size=16, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert history.history["loss"][-1] < history.history["loss"][0]
    p = model.predict(x[:5])
    assert p.shape == (5, 3)
    np.testing.assert_allclose(model.predict(x[:2], batch_size=1), p[:2], rtol=1e-5)
    maps = model.feature_maps(x[:2])
    assert [name for name, _ in maps] == [n.layer.name for n in model._nodes]
    assert maps[-1][1].shape == (2, 3)


def two_heads():
    image, extra = minicnn.Input((8, 8, 3), name="image"), minicnn.Input((2,), name="extra")
    features = L.GlobalAveragePooling2D()(L.Conv2D(4, 3, activation="relu")(image))
    digit = L.Dense(3, activation="softmax", name="digit")(features)
    parity = L.Dense(2, activation="softmax", name="parity")(L.concatenate([features, L.Dense(3)(extra)]))
    return minicnn.Model([image, extra], [digit, parity], name="two_heads")


def test_two_inputs_two_outputs_with_named_losses_weights_and_metrics():
    minicnn.set_seed(1)
    model = two_heads()
    model.compile("adam", {"digit": "sparse_categorical_crossentropy", "parity": "categorical_crossentropy"},
                  loss_weights={"digit": 1.0, "parity": 0.5})
    x, y = blobs(40)
    extra = np.random.default_rng(0).normal(size=(40, 2)).astype(np.float32)
    parity = np.eye(2, dtype=np.float32)[y % 2]
    history = model.fit([x, extra], {"digit": y, "parity": parity}, epochs=2, batch_size=8, verbose=0,
                        validation_data=([x[:8], extra[:8]], [y[:8], parity[:8]]))
    assert list(history.history) == ["loss", "digit_loss", "parity_loss", "digit_accuracy", "parity_accuracy",
                                     "val_loss", "val_digit_loss", "val_parity_loss", "val_digit_accuracy",
                                     "val_parity_accuracy", "learning_rate"]
    h = history.history
    assert h["loss"][-1] == pytest.approx(h["digit_loss"][-1] + 0.5 * h["parity_loss"][-1], rel=1e-5)
    loss, digit_loss, parity_loss, digit_acc, parity_acc = model.evaluate([x, extra], [y, parity], verbose=0)
    assert loss == pytest.approx(digit_loss + 0.5 * parity_loss, rel=1e-6) and 0 <= digit_acc <= 1
    digit_p, parity_p = model.predict([x, extra])
    assert digit_p.shape == (40, 3) and parity_p.shape == (40, 2)
    with pytest.raises(ValueError, match="2 inputs"):
        model.predict(x)
    with pytest.raises(ValueError, match="labels for output 'parity'"):
        model.evaluate([x, extra], [y, y], verbose=0)
    with pytest.raises(ValueError, match="one batch size"):
        model.predict([x, extra[:5]])


def test_save_load_resumes_a_graph_model_exactly(tmp_path):
    x, y = blobs(32)
    extra = np.zeros((32, 2), np.float32)
    labels = [y, np.eye(2, dtype=np.float32)[y % 2]]

    def fresh():
        minicnn.set_seed(2)
        model = two_heads()
        model.compile(minicnn.optimizers.SGD(0.05, momentum=0.9), ["sparse_categorical_crossentropy",
                                                                    "categorical_crossentropy"], loss_weights=[1, 2])
        return model

    straight = fresh()
    straight.fit([x, extra], labels, epochs=3, batch_size=8, verbose=0)
    first = fresh()
    first.fit([x, extra], labels, epochs=2, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="minicnn writes Keras files .* for Sequential models and chains.*npz"):
        first.save(tmp_path / "graph.keras")  # Keras's format is written for chains only
    first.save(tmp_path / "graph.npz")
    resumed = minicnn.load_model(tmp_path / "graph.npz")
    assert type(resumed) is minicnn.Model and resumed.loss_weights == [1.0, 2.0]
    np.testing.assert_array_equal(resumed.predict([x, extra])[1], first.predict([x, extra])[1])
    resumed.fit([x, extra], labels, epochs=3, initial_epoch=2, batch_size=8, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_json_round_trip_rebuilds_the_graph():
    model = resnet()
    spec = json.loads(model.to_json())
    assert spec["class_name"] == "Model"
    inbound = {layer["name"]: layer.get("inbound_nodes") for layer in spec["config"]["layers"]}
    assert len(inbound["add"][0]) == 2
    again = minicnn.model_from_json(model.to_json())
    assert [l.name for l in again.layers] == [l.name for l in model.layers]
    again.set_weights(model.get_weights())
    x = blobs(4)[0]
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    shared = minicnn.Input((3,))
    dense = L.Dense(3)
    twice = minicnn.Model(shared, dense(dense(shared)))
    rebuilt = minicnn.model_from_json(twice.to_json())
    assert len(rebuilt.layers) == 1 and len(rebuilt._nodes) == 2


def test_summary_has_input_layer_rows_and_connected_to(capsys):
    model = resnet()
    model.summary()
    text = capsys.readouterr().out
    assert "Connected to" in text and "input_layer (InputLayer)" in text
    add_row = next(line for line in text.splitlines() if line.startswith("│ add (Add)"))
    assert "re_lu[0][0]" in add_row or "conv2d[0][0]" in add_row
    lines = []
    model.summary(line_length=80, positions=[0.4, 0.6, 0.7, 1.0], print_fn=lines.append)
    assert all(len(line) <= 80 for line in lines[0].splitlines())
    with pytest.raises(ValueError, match="positions needs 4 entries"):
        model.summary(positions=[0.5, 1.0])
    inputs = minicnn.Input((3,))
    chain = minicnn.Model(inputs, L.Dense(2)(L.Dense(4)(inputs)))  # Keras: "sequential-like", 3 columns
    lines = []
    chain.summary(print_fn=lines.append)
    assert "input_layer (InputLayer)" in lines[0] and "Connected to" not in lines[0]


def test_graph_errors_name_what_is_wrong():
    a, b = minicnn.Input((3,)), minicnn.Input((3,))
    out = L.add([a, b])
    with pytest.raises(ValueError, match="not among the model's inputs"):
        minicnn.Model(a, out)
    with pytest.raises(ValueError, match="symbolic tensors"):
        minicnn.Model(a, np.ones(3))
    with pytest.raises(ValueError, match="Model"):
        minicnn.Sequential([L.Add()])
    with pytest.raises(ValueError, match="takes a list of tensors"):
        L.Add()(a)
    with pytest.raises(ValueError, match="built for inputs of shape"):
        dense = L.Dense(2)
        dense(a)
        dense(minicnn.Input((4,)))


def test_sequential_is_the_chain_graph():
    model = minicnn.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2, activation="softmax")])
    assert [n.layer for n in model._nodes] == model.layers
    assert model.inputs[0].shape == (None, 3) and model.outputs[0].node.layer is model.layers[-1]
    model.compile("sgd", "sparse_categorical_crossentropy")
    model._loss_and_grad(model._forward(np.ones((2, 3), np.float32), True), np.array([0, 1]))
    assert model._heads_at_logits[0][1].layer is model.layers[-1]  # the fused softmax head
    assert json.loads(model.to_json())["class_name"] == "Sequential"


def test_layer_output_builds_feature_extractors_from_core_models():
    model = resnet()
    blocks = minicnn.Model(model.inputs, [l.output for l in model.layers if isinstance(l, L.Add)])
    x = blobs(3)[0]
    maps = blocks.predict(x)
    assert [m.shape for m in maps] == [(3, 8, 8, 4), (3, 4, 4, 6)]
    expected = dict(model.feature_maps(x))
    np.testing.assert_allclose(maps[1], expected["add_1"], rtol=1e-5)
    chain = minicnn.Sequential([L.Dense(4, input_shape=(3,)), L.Dense(2)])
    first = minicnn.Model(chain.layers[0].input, chain.layers[0].output)
    assert first.predict(np.ones((2, 3), np.float32)).shape == (2, 4)
    with pytest.raises(AttributeError, match="never been called"):
        L.Dense(2).output
