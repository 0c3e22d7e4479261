"""The lessons in examples/keras_lessons/ run unchanged on minicnn.keras and, with TensorFlow installed
(the optional extra 'bench'), on real Keras: each in its --quick mode (a few hundred images, one epoch),
in this process, with the same command-line flag a user gives."""
import runpy
import sys
from pathlib import Path

import pytest

from .optional_data import cifar_jpeg_tarball, fashion_mnist_dir

LESSONS = Path(__file__).resolve().parents[1] / "examples" / "keras_lessons"
NEEDS = {"mnist_rmsprop": None, "fashion_mnist_callback": fashion_mnist_dir, "cats_vs_dogs": cifar_jpeg_tarball}
#: well above chance (0.1) after one quick epoch; cats vs dogs needs more than one epoch to leave 0.5
FLOOR = {"mnist_rmsprop": 0.3, "fashion_mnist_callback": 0.3, "cats_vs_dogs": 0.0}


@pytest.fixture
def lesson_path(monkeypatch):
    monkeypatch.syspath_prepend(str(LESSONS))


@pytest.mark.parametrize("backend", ["minicnn", "keras"])
@pytest.mark.parametrize("lesson", sorted(NEEDS))
def test_lesson_runs_unchanged(lesson, backend, lesson_path, monkeypatch, capsys):
    if NEEDS[lesson] is not None:
        location = NEEDS[lesson]()  # skips, saying what to get, when the data is absent
        if lesson == "cats_vs_dogs":
            monkeypatch.setenv("MINICNN_CIFAR_JPEG", str(location))
    if backend == "keras":
        pytest.importorskip("tensorflow", reason="the lesson on real Keras needs the optional extra 'bench'")
        pytest.importorskip("scipy", reason="Keras's ImageDataGenerator needs scipy (in the extra 'bench')")
        import keras
        import tensorflow as tf
        for namespace in (keras.datasets, tf.keras.datasets):  # the lesson replaces Keras's downloads
            for name in ("mnist", "fashion_mnist"):
                monkeypatch.setattr(getattr(namespace, name), "load_data", getattr(namespace, name).load_data)
    monkeypatch.setattr(sys, "argv", [f"{lesson}.py", "--quick", "--backend", backend])
    runpy.run_path(str(LESSONS / f"{lesson}.py"), run_name="__main__")
    result = [line for line in capsys.readouterr().out.splitlines() if line.startswith("RESULT")]
    assert len(result) == 1 and f"backend={backend}" in result[0]
    accuracy = float(result[0].split("test_acc=")[1].split()[0])
    assert FLOOR[lesson] < accuracy <= 1.0
