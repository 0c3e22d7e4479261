"""Callbacks (Keras's names and meaning) and the progress display."""
import csv
import io

import numpy as np
import pytest

import minicnn
from minicnn.callbacks import (Callback, CSVLogger, EarlyStopping, LearningRateScheduler, ModelCheckpoint,
                               ProgressLogger, ReduceLROnPlateau, TerminateOnNaN)
from minicnn.layers import Dense, Flatten


def tiny_model(lr=0.1):
    model = minicnn.Sequential([Flatten(input_shape=(4, 4, 1)), Dense(3, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(lr), "sparse_categorical_crossentropy")
    return model


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.random((30, 4, 4, 1), dtype=np.float32), rng.integers(0, 3, 30)


class Stub:
    """Just enough of a model for driving callbacks by hand."""

    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(2)]
        self.optimizer = minicnn.optimizers.SGD(1.0)

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def drive(callback, values, key="val_loss", model=None):
    """Run ``callback`` through epochs whose monitored value is ``values[i]``; returns the model and
    the index of the epoch after which training was stopped (or None)."""
    model = model or Stub()
    callback.set_model(model)
    callback.on_train_begin()
    stopped = None
    for epoch, value in enumerate(values):
        callback.on_epoch_begin(epoch)
        model.weights = [np.full(2, float(epoch))]
        callback.on_epoch_end(epoch, {key: value})
        if model.stop_training:
            stopped = epoch
            break
    callback.on_train_end()
    return model, stopped


# ------------------------------------------------------------------ progress display
class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def fit_with_progress(data, stream, verbose, epochs=2):
    x, y = data
    model = tiny_model()
    model.fit(x, y, epochs=epochs, batch_size=10, verbose=0,
              callbacks=[ProgressLogger(verbose, stream=stream, interval=0.0)])
    return stream.getvalue()


def test_progress_bar_redraws_in_place_on_a_terminal(data):
    out = fit_with_progress(data, FakeTTY(), verbose=1)
    assert out.count("\r") >= 3 * 2  # three steps per epoch, each redrawn
    assert "Epoch 1/2\n" in out and "Epoch 2/2\n" in out
    assert "1/3 [" in out and "ETA:" in out and "samples/s" in out and "accuracy:" in out


def test_progress_prints_one_line_per_epoch_when_not_a_terminal(data):
    out = fit_with_progress(data, io.StringIO(), verbose=1, epochs=3)
    assert "\r" not in out and "\x1b" not in out
    lines = out.splitlines()
    assert len(lines) == 3
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert all("3/3" in line and "loss:" in line and "samples/s" in line for line in lines)


def test_verbose_2_prints_one_line_per_epoch_even_on_a_terminal(data):
    out = fit_with_progress(data, FakeTTY(), verbose=2)
    assert "\r" not in out and len(out.splitlines()) == 2


# ------------------------------------------------------------------ EarlyStopping
def test_early_stopping_waits_patience_epochs():
    _, stopped = drive(EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.91, 0.5])
    assert stopped == 3  # no improvement at epochs 2 and 3 -> stop after epoch 3


def test_early_stopping_min_delta_and_mode():
    _, stopped = drive(EarlyStopping(patience=0, min_delta=0.1), [1.0, 0.95])
    assert stopped == 1  # 0.05 better is not "better by more than 0.1"
    _, stopped = drive(EarlyStopping(monitor="val_accuracy", patience=0), [0.5, 0.6, 0.55], key="val_accuracy")
    assert stopped == 2


def test_early_stopping_restores_best_weights():
    model, stopped = drive(EarlyStopping(patience=2, restore_best_weights=True), [1.0, 0.5, 0.7, 0.8])
    assert stopped == 3 and np.array_equal(model.weights[0], [1.0, 1.0])
    model, _ = drive(EarlyStopping(patience=2, restore_best_weights=False), [1.0, 0.5, 0.7, 0.8])
    assert np.array_equal(model.weights[0], [3.0, 3.0])


def test_early_stopping_names_a_missing_monitor():
    with pytest.raises(ValueError, match="'val_loss'.*not among.*'loss'"):
        drive(EarlyStopping(), [1.0], key="loss")


def test_early_stopping_ends_fit(data):
    x, y = data
    history = tiny_model().fit(x, y, epochs=10, batch_size=10, verbose=0,
                               callbacks=[EarlyStopping(monitor="loss", min_delta=10.0, patience=1)])
    assert history.epoch == [0, 1]


# ------------------------------------------------------------------ ModelCheckpoint
def test_model_checkpoint_saves_every_epoch_with_formatted_names(tmp_path, data):
    x, y = data
    model = tiny_model()
    model.fit(x, y, epochs=2, batch_size=10, verbose=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "m-{epoch:02d}.npz"), monitor="loss")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m-01.npz", "m-02.npz"]
    loaded = minicnn.load_model(tmp_path / "m-02.npz")
    assert np.array_equal(loaded.predict(x), model.predict(x))


def test_model_checkpoint_save_best_only(tmp_path):
    model = tiny_model()
    model.build()
    path = tmp_path / "best.npz"
    checkpoint = ModelCheckpoint(path, monitor="val_loss", save_best_only=True)
    checkpoint.set_model(model)
    saved_at = []
    for epoch, value in enumerate([1.0, 0.5, 0.7, 0.4]):
        model.layers[1].params["bias"][:] = epoch
        mtime = path.stat().st_mtime_ns if path.exists() else None
        checkpoint.on_epoch_end(epoch, {"val_loss": value})
        if path.exists() and path.stat().st_mtime_ns != mtime:
            saved_at.append(epoch)
    assert saved_at == [0, 1, 3]
    assert minicnn.load_model(path).layers[1].params["bias"][0] == 3


# ------------------------------------------------------------------ learning rate
def test_learning_rate_scheduler_sets_the_rate_each_epoch(data):
    x, y = data
    model = tiny_model()
    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.1 / 3])
    one_arg = LearningRateScheduler(lambda epoch: 0.5)
    one_arg.set_model(model)
    one_arg.on_epoch_begin(0)
    assert model.optimizer.learning_rate == 0.5
    bad = LearningRateScheduler(lambda epoch: -1.0)
    bad.set_model(model)
    with pytest.raises(ValueError, match="positive"):
        bad.on_epoch_begin(0)


def test_reduce_lr_on_plateau():
    model = Stub()
    callback = ReduceLROnPlateau(factor=0.5, patience=2, min_lr=0.3)
    callback.set_model(model)
    rates = []
    for epoch, value in enumerate([1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]):
        callback.on_epoch_end(epoch, {"val_loss": value})
        rates.append(model.optimizer.learning_rate)
    assert rates == [1.0, 1.0, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3]


# ------------------------------------------------------------------ CSVLogger, TerminateOnNaN
def test_csv_logger_writes_one_row_per_epoch(tmp_path, data):
    x, y = data
    path = tmp_path / "log.csv"
    history = tiny_model().fit(x, y, epochs=3, batch_size=10, verbose=0, validation_split=0.2,
                               callbacks=[CSVLogger(path)])
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"]
    assert set(rows[0]) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert [float(r["val_loss"]) for r in rows] == pytest.approx(history.history["val_loss"])


def test_terminate_on_nan(capsys):
    model = Stub()
    callback = TerminateOnNaN()
    callback.set_model(model)
    callback.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    callback.on_train_batch_end(1, {"loss": float("nan")})
    assert model.stop_training and "invalid loss" in capsys.readouterr().out


def test_callbacks_must_be_callback_objects(data):
    x, y = data
    with pytest.raises(ValueError, match="Callback objects"):
        tiny_model().fit(x, y, verbose=0, callbacks=[lambda: None])
    assert isinstance(ProgressLogger(), Callback)


def test_restore_best_weights_also_without_an_early_stop_as_keras_3():
    model, stopped = drive(EarlyStopping(patience=5, restore_best_weights=True), [1.0, 0.5, 0.7, 0.8])
    assert stopped is None and np.array_equal(model.weights[0], [1.0, 1.0])


def test_batch_hooks_forward_to_on_batch_and_params_are_set():
    import minicnn
    from minicnn.callbacks import Callback
    from minicnn.layers import Dense

    class Counter(Callback):
        def __init__(self):
            super().__init__()
            self.ends, self.epochs_param = 0, None

        def on_batch_end(self, batch, logs=None):
            self.ends += 1

        def on_epoch_end(self, epoch, logs=None):
            self.epochs_param = self.params["epochs"]

    model = minicnn.Sequential([Dense(2, activation="softmax", input_shape=(3,))])
    model.compile("sgd", "sparse_categorical_crossentropy")
    counter = Counter()
    model.fit(np.ones((10, 3), np.float32), np.zeros(10, int), epochs=2, batch_size=4, verbose=0, callbacks=[counter])
    assert counter.ends == 6 and counter.epochs_param == 2


def test_checkpoint_verbose_and_unsupported_save_freq(tmp_path, capsys):
    from minicnn.callbacks import ModelCheckpoint
    with pytest.raises(NotImplementedError, match="save_freq"):
        ModelCheckpoint(str(tmp_path / "m.npz"), save_freq=100)
    EarlyStopping(verbose=1)  # Keras's argument is accepted


# ------------------------------------------------------------------ Keras 3's other callbacks
def test_lambda_callback_replaces_the_given_hooks_and_takes_keras2_on_batch_end(data):
    from minicnn.callbacks import LambdaCallback
    seen = []
    callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(("epoch", epoch, sorted(logs))),
                              on_train_begin=lambda logs: seen.append(("begin", logs)),
                              on_batch_end=lambda batch, logs: seen.append(("batch", batch)))
    x, y = data
    tiny_model().fit(x, y, epochs=1, batch_size=15, verbose=0, callbacks=[callback])
    assert seen == [("begin", {}), ("batch", 0), ("batch", 1), ("epoch", 0, ["accuracy", "learning_rate", "loss"])]


def test_evaluate_and_predict_call_the_test_and_predict_hooks(data):
    events = []

    class Hooks(Callback):
        def on_test_batch_end(self, batch, logs=None):
            events.append(("test", batch, logs["loss"]))

        def on_test_end(self, logs=None):
            events.append(("test_end", logs["loss"]))

        def on_predict_batch_end(self, batch, logs=None):
            events.append(("predict", batch, logs["outputs"].shape))

    x, y = data
    model = tiny_model()
    loss, _ = model.evaluate(x, y, batch_size=20, verbose=0, callbacks=[Hooks()])
    assert [e[0] for e in events] == ["test", "test", "test_end"] and events[-1][1] == pytest.approx(loss)
    events.clear()
    model.predict(x, batch_size=20, callbacks=[Hooks()])
    assert events == [("predict", 0, (20, 3)), ("predict", 1, (10, 3))]


def test_progbar_logger_takes_fits_verbose_and_replaces_the_default_display(data, capsys):
    from minicnn.callbacks import ProgbarLogger
    x, y = data
    tiny_model().fit(x, y, epochs=2, batch_size=10, verbose=2, callbacks=[ProgbarLogger()])
    assert capsys.readouterr().out.count("Epoch ") == 2  # one display, not two
    tiny_model().fit(x, y, epochs=2, batch_size=10, verbose=0, callbacks=[ProgbarLogger()])
    assert capsys.readouterr().out == ""


def test_backup_and_restore_resumes_an_interrupted_run_exactly(tmp_path, data):
    from minicnn.callbacks import BackupAndRestore
    from minicnn.layers import Dropout
    x, y = data

    def model():
        minicnn.set_seed(3)
        m = minicnn.Sequential([Flatten(input_shape=(4, 4, 1)), Dense(8, activation="relu"), Dropout(0.3),
                                Dense(3, activation="softmax")])
        m.compile(minicnn.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
        return m

    class Crash(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("power cut")

    reference = model()
    reference.fit(x, y, epochs=4, batch_size=8, verbose=0)
    backup = tmp_path / "backup"
    interrupted = model()
    with pytest.raises(RuntimeError, match="power cut"):
        interrupted.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[BackupAndRestore(backup), Crash()])
    assert sorted(p.name for p in backup.iterdir()) == ["latest.npz", "training_metadata.json"]
    resumed = model()  # a new process would start from a fresh model too
    history = resumed.fit(x, y, epochs=4, batch_size=8, verbose=0, callbacks=[BackupAndRestore(backup)])
    assert history.epoch == [2, 3]
    assert all(np.array_equal(a, b) for a, b in zip(reference.get_weights(), resumed.get_weights()))
    assert not backup.exists()  # a run that finished deletes its backup
    with pytest.raises(NotImplementedError, match="save_freq"):
        BackupAndRestore(backup, save_freq=10)


def test_tensorboard_names_the_extra_when_tensorboard_is_missing(monkeypatch):
    import sys
    from minicnn.callbacks import TensorBoard
    # hide every tensorboard module, the cached submodules too (an earlier test may have imported them)
    for name in [m for m in sys.modules if m.startswith("tensorboard.")] + ["tensorboard"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"minicnn\[tensorboard\]"):
        TensorBoard("logs")


def test_tensorboard_writes_scalars_that_tensorboard_reads(tmp_path, data):
    pytest.importorskip("tensorboard", reason="install the extra: pip install minicnn[tensorboard]")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util.tensor_util import make_ndarray
    from minicnn.callbacks import TensorBoard
    x, y = data
    model = tiny_model()
    model.compile(minicnn.optimizers.SGD(0.1), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=3, batch_size=10, validation_split=0.2, verbose=0,
                        callbacks=[TensorBoard(tmp_path, update_freq="batch")])

    def scalars(run):
        events = EventAccumulator(str(tmp_path / run))
        events.Reload()
        return {tag: [(e.step, make_ndarray(e.tensor_proto).item()) for e in events.Tensors(tag)] for tag in events.Tags()["tensors"]}

    train, val = scalars("train"), scalars("validation")
    for key in ("loss", "accuracy"):
        assert [s for s, _ in train[f"epoch_{key}"]] == [0, 1, 2]
        np.testing.assert_allclose([v for _, v in train[f"epoch_{key}"]], history.history[key], rtol=1e-6)
        np.testing.assert_allclose([v for _, v in val[f"epoch_{key}"]], history.history[f"val_{key}"], rtol=1e-6)
    assert [v for _, v in train["epoch_learning_rate"]] == pytest.approx([0.1] * 3)
    assert [s for s, _ in train["batch_loss"]] == list(range(1, 10))  # 24 samples: 3 batches an epoch
    assert "evaluation_loss_vs_iterations" in val


def test_backup_is_kept_when_ctrl_c_stops_fit(tmp_path, data):
    import os
    import signal
    from minicnn.callbacks import BackupAndRestore

    class CtrlC(Callback):
        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)  # fit stops after this batch, without an exception

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

    x, y = data
    backup = tmp_path / "backup"
    history = tiny_model().fit(x, y, epochs=4, batch_size=10, verbose=0, callbacks=[BackupAndRestore(backup),
                                                                                     CtrlC()])
    assert history.stopped_reason == "interrupted" and history.epoch == [0]
    assert (backup / "latest.npz").exists()
    resumed = tiny_model().fit(x, y, epochs=4, batch_size=10, verbose=0, callbacks=[BackupAndRestore(backup)])
    assert resumed.epoch == [1, 2, 3] and not backup.exists()
