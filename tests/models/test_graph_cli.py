"""``minicnn summary / evaluate / predict`` on a saved graph model (a small residual network)."""
import numpy as np
from PIL import Image

import minicnn
from minicnn import cli
from minicnn import layers as L


def residual_mnist():
    inputs = minicnn.Input((28, 28, 1))
    x = L.Conv2D(4, 3, strides=2, activation="relu")(inputs)
    y = L.Conv2D(4, 3, padding="same")(x)
    x = L.ReLU()(L.add([x, y]))
    outputs = L.Dense(10, activation="softmax")(L.GlobalAveragePooling2D()(x))
    return minicnn.Model(inputs, outputs, name="residual")


def test_summary_evaluate_and_predict_on_a_saved_graph_model(tmp_path, capsys):
    minicnn.set_seed(0)
    model = residual_mnist()
    model.compile("adam", "sparse_categorical_crossentropy")
    (x, y), (x_test, _) = minicnn.data.load_mnist()
    model.fit(x[:64, ..., None] / 255.0, y[:64], epochs=1, verbose=0)
    model.save(tmp_path / "residual.npz", metadata={"dataset": "mnist"})
    assert cli.main(["summary", str(tmp_path / "residual.npz")]) == 0
    out = capsys.readouterr().out
    assert "Connected to" in out and "add (Add)" in out and "Trained on: mnist" in out
    assert cli.main(["evaluate", str(tmp_path / "residual.npz"), "--limit", "50"]) == 0
    assert "accuracy:" in capsys.readouterr().out
    image = tmp_path / "digit.png"
    Image.fromarray(x_test[0]).save(image)
    assert cli.main(["predict", str(tmp_path / "residual.npz"), str(image)]) == 0
    assert capsys.readouterr().out.count("%)") == 3


def test_evaluate_refuses_a_two_output_model(tmp_path, capsys):
    inputs = minicnn.Input((28, 28, 1))
    flat = L.Flatten()(inputs)
    model = minicnn.Model(inputs, [L.Dense(10, activation="softmax")(flat), L.Dense(2, activation="softmax")(flat)])
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.save(tmp_path / "two.npz")
    assert cli.main(["evaluate", str(tmp_path / "two.npz")]) == 2
    assert "1 input and 2 outputs" in capsys.readouterr().err
    assert cli.main(["summary", str(tmp_path / "two.npz")]) == 0
    assert "Connected to" in capsys.readouterr().out
