"""The minicnn command line, end to end on tiny --limit runs."""
import json
import os
import re
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import minicnn
from minicnn import cli
from minicnn.callbacks import Callback
from minicnn.report import PLOTS

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One small `minicnn train --out` run shared by the tests below."""
    out = tmp_path_factory.mktemp("run")
    code = cli.main(["train", "--limit", "200", "--epochs", "2", "--validation-split", "0.25", "--verbose", "0",
                     "--out", str(out)])
    assert code == 0
    return out


class References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        self.refs += [value for name, value in attrs if name in ("src", "href")]


def test_train_out_writes_every_file(run):
    names = set(os.listdir(run))
    assert {"model.npz", "history.json", "history.csv", "metrics.json", "report.html"} <= names
    assert {name for name, _ in PLOTS} <= names
    history = json.loads((run / "history.json").read_text())
    assert history["epoch"] == [0, 1] and len(history["history"]["val_loss"]) == 2
    assert history["history"]["learning_rate"] == [0.01, 0.01]  # step schedule: halving starts at epoch 4
    assert len((run / "history.csv").read_text().splitlines()) == 3
    metrics = json.loads((run / "metrics.json").read_text())
    assert 0.0 <= metrics["test_accuracy"] <= 1.0 and metrics["test_loss"] > 0
    assert metrics["classification_report"]["0"]["support"] + metrics["classification_report"]["1"]["support"] > 0
    assert metrics["classification_report"]["macro avg"]["support"] == 200  # --limit applies to the test set
    model = minicnn.load_model(run / "model.npz")
    assert model.metadata == {"class_names": [str(d) for d in range(10)], "dataset": "mnist"}


def test_report_references_only_existing_files_and_the_pngs_are_real(run):
    page = (run / "report.html").read_text()
    parser = References()
    parser.feed(page)
    assert set(parser.refs) == {name for name, _ in PLOTS}
    for ref in parser.refs:
        assert (run / ref).is_file(), ref
        with Image.open(run / ref) as image:
            assert image.format == "PNG"
            assert 200 <= image.width <= 2500 and 150 <= image.height <= 2500, (ref, image.size)
            assert len(set(np.asarray(image.convert("L")).ravel().tolist())) > 10  # not a blank canvas
    assert "Test accuracy" in page and "seed" in page and "precision" in page


def test_evaluate_summary_and_predict(run, tmp_path, capsys):
    assert cli.main(["evaluate", str(run / "model.npz"), "--limit", "100"]) == 0
    out = capsys.readouterr().out
    assert "loss:" in out and "accuracy:" in out and "precision" in out and "weighted avg" in out

    assert cli.main(["summary", str(run / "model.npz")]) == 0
    out = capsys.readouterr().out
    assert "Total params: 542,230" in out and "Classes: 0, 1, 2" in out

    _, (x_test, y_test) = minicnn.data.load_mnist()
    small, big = tmp_path / "digit.png", tmp_path / "big.png"
    Image.fromarray(x_test[0]).save(small)
    Image.fromarray(np.kron(x_test[1], np.ones((2, 3), np.uint8))).convert("RGB").save(big)  # 56x84, colour
    assert cli.main(["predict", str(run / "model.npz"), str(small), str(big)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{small}: ") and lines[1].startswith(f"{big}: ")
    assert all(line.count("%)") == 3 for line in lines)

    assert cli.main(["predict", str(run / "model.npz"), str(big), "--no-resize"]) == 2
    assert "56x84" in capsys.readouterr().err


def one_error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_user_mistakes_exit_2_with_one_line(run, tmp_path, capsys):
    assert cli.main(["evaluate", str(tmp_path / "missing.npz")]) == 2
    assert "no such model file" in one_error_line(capsys)
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes((run / "model.npz").read_bytes()[:5000])
    assert cli.main(["summary", str(corrupt)]) == 2
    assert "truncated or corrupt" in one_error_line(capsys)
    assert cli.main(["train", "--dataset", str(tmp_path / "no-such-dir")]) == 2
    assert "unknown dataset" in one_error_line(capsys)
    assert cli.main(["train", "--model", "resnet9000"]) == 2
    assert "unknown model 'resnet9000'" in one_error_line(capsys)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    assert cli.main(["predict", str(run / "model.npz"), str(text)]) == 2
    assert "cannot read the image" in one_error_line(capsys)
    assert cli.main(["predict", str(run / "model.npz"), str(tmp_path / "nope.png")]) == 2
    assert "no such image file" in one_error_line(capsys)


def test_image_folder_json_model_and_augment(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for label, colour in (("dark", 40), ("light", 200)):
        (tmp_path / "data" / label).mkdir(parents=True)
        for i in range(6):
            size = (20 + 3 * i, 14 + 2 * i)
            pixels = np.clip(rng.normal(colour, 20, size + (3,)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(tmp_path / "data" / label / f"{i}.png")
    model = minicnn.Sequential([minicnn.layers.Conv2D(2, 3, activation="relu", input_shape=(16, 16, 1)),
                                minicnn.layers.Flatten(), minicnn.layers.Dense(2, activation="softmax")])
    (tmp_path / "model.json").write_text(model.to_json())
    out = tmp_path / "out"
    assert cli.main(["train", "--dataset", str(tmp_path / "data"), "--model", str(tmp_path / "model.json"),
                     "--epochs", "2", "--augment", "--verbose", "0", "--out", str(out)]) == 0
    assert "test accuracy" in capsys.readouterr().out
    saved = minicnn.load_model(out / "model.npz")
    assert saved.metadata["class_names"] == ["dark", "light"] and saved.input_shape == (16, 16, 1)
    assert cli.main(["predict", str(out / "model.npz"), str(tmp_path / "data" / "light" / "5.png")]) == 0
    assert capsys.readouterr().out.count("%)") == 2  # two classes: top 3 shows both


def test_ctrl_c_during_train_saves_a_checkpoint(tmp_path, monkeypatch, capsys):
    class CtrlC(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                os.kill(os.getpid(), signal.SIGINT)
    real_fit = cli._fit
    monkeypatch.setattr(cli, "_fit", lambda model, args, x, y, bs, callbacks: real_fit(model, args, x, y, bs,
                                                                                       callbacks + [CtrlC()]))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "--limit", "160", "--epochs", "1", "--verbose", "0"]) == 130
    path = tmp_path / cli.CHECKPOINT_NAME
    assert f"checkpoint saved to {path}" in capsys.readouterr().err
    assert minicnn.load_model(path).optimizer.iterations == 2


def test_real_process_prints_no_carriage_returns(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "minicnn.cli", "train", "--limit", "100", "--epochs", "2"],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stdout
    assert [line[:9] for line in proc.stdout.splitlines() if line.startswith("Epoch")] == ["Epoch 1/2", "Epoch 2/2"]
    assert "test accuracy" in proc.stdout and "of 100 test images" in proc.stdout
    bad = subprocess.run([sys.executable, "-m", "minicnn.cli", "summary", "missing.npz"], capture_output=True,
                         text=True, env=env, cwd=tmp_path, timeout=300)
    assert bad.returncode == 2 and bad.stderr.strip() == "minicnn: error: no such model file: missing.npz"


def test_evaluate_one_hot_model_and_predict_logits_model(run, tmp_path, capsys):
    from minicnn.layers import Dense, Flatten
    from minicnn.losses import SparseCategoricalCrossentropy
    one_hot = minicnn.Sequential([Flatten(input_shape=(28, 28, 1)), Dense(10, activation="softmax")])
    one_hot.compile("sgd", "categorical_crossentropy")
    one_hot.save(tmp_path / "one_hot.npz")
    assert cli.main(["evaluate", str(tmp_path / "one_hot.npz"), "--limit", "50"]) == 0
    logits = minicnn.Sequential([Flatten(input_shape=(28, 28, 1)), Dense(10)])
    logits.compile("sgd", SparseCategoricalCrossentropy(from_logits=True))
    logits.layers[-1].params["kernel"][...] = 5.0      # large logits: raw values would print as > 100%
    logits.save(tmp_path / "logits.npz")
    capsys.readouterr()
    image = next(run.glob("*.png"))
    assert cli.main(["predict", str(tmp_path / "logits.npz"), str(image)]) == 0
    shares = [float(p) for p in re.findall(r"\(([\d.]+)%\)", capsys.readouterr().out)]
    assert len(shares) == 3 and sum(shares) <= 100.01


USER_LAYER = '''
import numpy as np
from minicnn.layers import Layer


class Square(Layer):
    """y = x^2; dx = 2 x dy."""

    def forward(self, x, training=False):
        self.x = x
        return x * x

    def backward(self, dy):
        return FACTOR * self.x * dy


class NeedsArguments(Layer):
    def __init__(self, scale):
        super().__init__()


def make():
    return Square()
'''


def test_gradcheck_of_a_user_layer_file(tmp_path, capsys):
    wrong = tmp_path / "my_layers.py"
    wrong.write_text(USER_LAYER.replace("FACTOR", "1"))
    plot = tmp_path / "sweep.png"
    assert cli.main(["gradcheck", f"{wrong}:Square", "--input-shape", "3,3,2", "--plot", str(plot)]) == 1
    out = capsys.readouterr().out
    assert "Square() input (2, 3, 3, 2) training=True: FAIL" in out
    assert "analytic = 0.5 x numeric everywhere: a missing factor of 2?" in out
    assert "a bug, not a precision problem" in out and plot.read_bytes()[:4] == b"\x89PNG"
    right = tmp_path / "fixed.py"
    right.write_text(USER_LAYER.replace("FACTOR", "2"))
    assert cli.main(["gradcheck", f"{right}:make", "--input-shape", "4", "--batch-size", "3", "--fast"]) == 0
    out = capsys.readouterr().out
    assert "input (3, 4) training=True: PASS" in out and "fast mode" in out


def test_gradcheck_user_mistakes_exit_2(tmp_path, capsys):
    layers = tmp_path / "my_layers.py"
    layers.write_text(USER_LAYER.replace("FACTOR", "2"))
    assert cli.main(["gradcheck", f"{layers}:Nope", "--input-shape", "3"]) == 2
    assert "has no 'Nope'; its Layer subclasses: NeedsArguments, Square" in one_error_line(capsys)
    assert cli.main(["gradcheck", f"{layers}:NeedsArguments", "--input-shape", "3"]) == 2
    assert "cannot be called with no arguments" in one_error_line(capsys)
    assert cli.main(["gradcheck", f"{layers}:Square"]) == 2
    assert "--input-shape 8,8,3" in one_error_line(capsys)
    assert cli.main(["gradcheck", str(tmp_path / "missing.py") + ":Square", "--input-shape", "3"]) == 2
    assert "no such file" in one_error_line(capsys)
    with pytest.raises(SystemExit):
        cli.main(["gradcheck", f"{layers}:Square", "--input-shape", "3,x"])
    assert "expected a shape like 8,8,3" in capsys.readouterr().err


def test_gradcheck_of_every_layer_type_with_the_sweep_plot(tmp_path, capsys):
    plot = tmp_path / "sweep.png"
    assert cli.main(["gradcheck", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "all gradient checks passed" in out and "FAIL" not in out
    assert "BatchNormalization(scale=True) input (2, 3, 3, 2) training=True: PASS" in out
    assert "input: right: error" in out and plot.read_bytes()[:4] == b"\x89PNG"
