"""minicnn's TensorBoard callback writes the runs, tags and steps Keras's writes (values differ: the
two models start from different random weights)."""
import os

import numpy as np
import pytest

pytest.importorskip("tensorboard", reason="install the extra: pip install minicnn[tensorboard]")
pytest.importorskip("tensorflow", reason="tensorflow is not installed (pip install minicnn[bench])")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

import minicnn.keras as ours  # noqa: E402


def tags_and_steps(log_dir):
    out = {}
    for run in ("train", "validation"):
        events = EventAccumulator(os.path.join(log_dir, run))
        events.Reload()
        for tag in events.Tags()["tensors"]:
            if tag != "keras":  # Keras's model-summary text (write_graph): minicnn has no graph to write
                out[f"{run}/{tag}"] = [e.step for e in events.Tensors(tag)]
    return out


def lesson(api, log_dir):
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 4)).astype("float32"), rng.integers(0, 3, 30)
    model = api.Sequential([api.Input((4,)), api.layers.Dense(3, activation="softmax")])
    model.compile(api.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=2, batch_size=10, validation_split=0.2, verbose=0,
              callbacks=[api.callbacks.TensorBoard(log_dir, update_freq="batch")])


def test_same_runs_tags_and_steps_as_keras(tmp_path):
    lesson(keras, str(tmp_path / "keras"))
    lesson(ours, str(tmp_path / "minicnn"))
    theirs = tags_and_steps(str(tmp_path / "keras"))
    assert theirs["train/batch_loss"] == [1, 2, 3, 4, 5, 6]
    assert tags_and_steps(str(tmp_path / "minicnn")) == theirs
