"""Sequential.fit: validation split, initial_epoch, generators, the divergence guard, Ctrl-C."""
import os
import signal

import numpy as np
import pytest

import minicnn
from minicnn.callbacks import Callback
from minicnn.layers import BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D


def model_and_data(lr=0.05, n=60):
    rng = np.random.default_rng(0)
    x = rng.random((n, 6, 6, 1), dtype=np.float32)
    y = (x.mean(axis=(1, 2, 3)) > 0.5).astype(np.int64)
    model = minicnn.Sequential([Conv2D(4, 3, activation="relu", input_shape=(6, 6, 1)), MaxPooling2D(2),
                                Flatten(), Dense(2, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(lr, momentum=0.9), "sparse_categorical_crossentropy")
    return model, x, y


def test_validation_split_holds_out_the_last_fraction():
    model, x, y = model_and_data()
    seen = []

    class Record(Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)
    history = model.fit(x, y, epochs=1, batch_size=16, validation_split=0.25, verbose=0, callbacks=[Record()])
    assert len(seen) == 3  # 45 training samples in batches of 16
    val_loss, val_acc = model.evaluate(x[45:], y[45:], verbose=0)
    assert history.history["val_loss"] == [pytest.approx(val_loss)]
    assert history.history["val_accuracy"] == [pytest.approx(val_acc)]


def test_initial_epoch_numbers_the_epochs():
    model, x, y = model_and_data()
    history = model.fit(x, y, epochs=5, initial_epoch=3, verbose=0)
    assert history.epoch == [3, 4]


def test_fit_on_a_generator_with_steps_per_epoch():
    model, x, y = model_and_data()
    flow = minicnn.data.ImageDataGenerator(0.1, 0.1, True).flow(x, y, batch_size=20, seed=0)
    history = model.fit(flow, steps_per_epoch=len(flow), epochs=2, verbose=0, validation_data=(x, y))
    assert history.params["steps"] == 3 and len(history.history["val_loss"]) == 2


def test_divergence_stops_training_with_a_message_and_finite_weights(capsys, recwarn):
    (x, y), _ = minicnn.data.load_mnist()
    x, y = (x[:200, ..., None] / np.float32(255)).astype(np.float32), y[:200]
    minicnn.set_seed(0)
    model = minicnn.Sequential([Flatten(input_shape=(28, 28, 1)), Dense(64), Dense(10, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(1e6), "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=20, verbose=0)
    err = capsys.readouterr().err
    assert history.stopped_reason == "nan"
    assert "Training stopped: the loss became nan at epoch 1, step" in err
    assert len(history.epoch) < 5
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]  # one message, no warning spam


def test_divergence_with_batchnorm_rolls_back_to_weights_that_predict_finite_values(capsys):
    # a diverging step leaves finite-but-overflowing weights and non-finite BatchNorm statistics
    # (they update in the forward pass); the model must come back usable
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 6)).astype(np.float32)
    y = rng.integers(0, 3, 64)
    minicnn.set_seed(0)
    model = minicnn.Sequential([Dense(8, input_shape=(6,)), BatchNormalization(), Dense(3, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(1e6), "sparse_categorical_crossentropy")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0)
    assert history.stopped_reason == "nan"
    assert "were restored" in capsys.readouterr().err
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert np.isfinite(model.predict(x)).all()


class InterruptAt(Callback):
    """Send SIGINT to this process at the end of batch ``at``, like a Ctrl-C."""

    def __init__(self, at):
        super().__init__()
        self.at, self.batches = at, 0

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if batch == self.at:
            os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_stops_after_the_current_batch_and_returns_the_history(capsys):
    model, x, y = model_and_data()
    previous = signal.getsignal(signal.SIGINT)
    interrupt = InterruptAt(at=2)
    history = model.fit(x, y, epochs=3, batch_size=10, verbose=0, callbacks=[interrupt])
    assert interrupt.batches == 3  # the batch that was running finished, no further batch started
    assert history.stopped_reason == "interrupted" and history.epoch == []
    assert "Interrupted during epoch 1, step 3" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is previous  # the handler is put back
    assert model.optimizer.iterations == 3
    assert np.isfinite(model.predict(x)).all()
    model.fit(x, y, epochs=1, batch_size=10, verbose=0)  # still trainable
    assert model.optimizer.iterations == 9
