"""Every callback hook, in the order and with the logs Keras 3 passes: recorded from Keras 3.15.1
(tensorflow 2.21) with ``run_lesson(keras)`` below; minicnn.keras must give the same."""
import numpy as np
import pytest

HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end"]


def recorder_class(base):
    """A ``base`` (keras.callbacks.Callback) subclass overriding every hook, recording
    ``(hook, [index,] sorted log keys)``; works on real Keras and on minicnn.keras alike."""
    def make(hook):
        def record(self, *args, logs=None):
            if args and isinstance(args[-1], dict):
                *args, logs = args
            assert isinstance(logs, dict), (hook, logs)
            self.events.append((hook, *args, tuple(sorted(logs))))
        return record
    namespace = {hook: make(hook) for hook in HOOKS}
    namespace["__init__"] = lambda self: (base.__init__(self), setattr(self, "events", []))[0]
    return type("Recorder", (base,), namespace)


def run_lesson(keras):
    """fit (2 epochs of 3 batches, validation of 2 batches), evaluate and predict, with metrics=['acc']."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 4)).astype("float32")
    y = rng.integers(0, 3, 10)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["acc"])
    recorder = recorder_class(keras.callbacks.Callback)()
    history = model.fit(x, y, batch_size=4, epochs=2, validation_data=(x[:6], y[:6]), callbacks=[recorder],
                        verbose=0)
    out = {"fit": list(recorder.events), "params": dict(recorder.params), "history": sorted(history.history)}
    recorder.events.clear()
    model.evaluate(x, y, batch_size=4, callbacks=[recorder], verbose=0)
    out["evaluate"] = list(recorder.events)
    recorder.events.clear()
    model.predict(x, batch_size=4, callbacks=[recorder], verbose=0)
    out["predict"] = list(recorder.events)
    return out


# recorded with run_lesson(keras) on Keras 3.15.1
KERAS_FIT = [
    ('on_train_begin', ()),
    ('on_epoch_begin', 0, ()),
    ('on_train_batch_begin', 0, ()),
    ('on_train_batch_end', 0, ('acc', 'loss')),
    ('on_train_batch_begin', 1, ()),
    ('on_train_batch_end', 1, ('acc', 'loss')),
    ('on_train_batch_begin', 2, ()),
    ('on_train_batch_end', 2, ('acc', 'loss')),
    ('on_test_begin', ()),
    ('on_test_batch_begin', 0, ()),
    ('on_test_batch_end', 0, ('acc', 'loss')),
    ('on_test_batch_begin', 1, ()),
    ('on_test_batch_end', 1, ('acc', 'loss')),
    ('on_test_end', ('acc', 'loss')),
    ('on_epoch_end', 0, ('acc', 'loss', 'val_acc', 'val_loss')),
    ('on_epoch_begin', 1, ()),
    ('on_train_batch_begin', 0, ()),
    ('on_train_batch_end', 0, ('acc', 'loss')),
    ('on_train_batch_begin', 1, ()),
    ('on_train_batch_end', 1, ('acc', 'loss')),
    ('on_train_batch_begin', 2, ()),
    ('on_train_batch_end', 2, ('acc', 'loss')),
    ('on_test_begin', ()),
    ('on_test_batch_begin', 0, ()),
    ('on_test_batch_end', 0, ('acc', 'loss')),
    ('on_test_batch_begin', 1, ()),
    ('on_test_batch_end', 1, ('acc', 'loss')),
    ('on_test_end', ('acc', 'loss')),
    ('on_epoch_end', 1, ('acc', 'loss', 'val_acc', 'val_loss')),
    ('on_train_end', ('acc', 'loss', 'val_acc', 'val_loss'))]
KERAS_EVALUATE = [
    ('on_test_begin', ()),
    ('on_test_batch_begin', 0, ()),
    ('on_test_batch_end', 0, ('acc', 'loss')),
    ('on_test_batch_begin', 1, ()),
    ('on_test_batch_end', 1, ('acc', 'loss')),
    ('on_test_batch_begin', 2, ()),
    ('on_test_batch_end', 2, ('acc', 'loss')),
    ('on_test_end', ('acc', 'loss'))]
KERAS_PREDICT = [
    ('on_predict_begin', ()),
    ('on_predict_batch_begin', 0, ()),
    ('on_predict_batch_end', 0, ('outputs',)),
    ('on_predict_batch_begin', 1, ()),
    ('on_predict_batch_end', 1, ('outputs',)),
    ('on_predict_batch_begin', 2, ()),
    ('on_predict_batch_end', 2, ('outputs',)),
    ('on_predict_end', ())]
KERAS_PARAMS = {"verbose": 0, "epochs": 2, "steps": 3}
KERAS_HISTORY = ["acc", "loss", "val_acc", "val_loss"]


def test_minicnn_calls_every_hook_in_keras_order_with_keras_logs():
    import minicnn.keras as keras
    out = run_lesson(keras)
    assert out["fit"] == KERAS_FIT
    assert out["evaluate"] == KERAS_EVALUATE
    assert out["predict"] == KERAS_PREDICT
    assert {k: out["params"][k] for k in KERAS_PARAMS} == KERAS_PARAMS
    assert out["history"] == KERAS_HISTORY


def test_real_keras_still_calls_the_recorded_order():
    pytest.importorskip("tensorflow", reason="tensorflow is not installed: the recorded order is used")
    import keras
    out = run_lesson(keras)
    assert (out["fit"], out["evaluate"], out["predict"]) == (KERAS_FIT, KERAS_EVALUATE, KERAS_PREDICT)
    assert out["params"] == KERAS_PARAMS and out["history"] == KERAS_HISTORY


def test_on_batch_hooks_run_from_the_train_batch_hooks_and_stop_training_ends_fit():
    import minicnn.keras as keras

    class Old(keras.callbacks.Callback):  # Keras 2 style: on_batch_* only
        def __init__(self):
            super().__init__()
            self.batches, self.epochs = [], []

        def on_batch_end(self, batch, logs=None):
            self.batches.append((batch, sorted(logs)))

        def on_epoch_end(self, epoch, logs=None):
            self.epochs.append(epoch)
            assert self.model.stop_training is False
            self.model.stop_training = True

    old = Old()
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(np.ones((8, 4), "float32"), np.zeros(8, int), batch_size=4, epochs=5, callbacks=[old],
                        verbose=0)
    assert old.batches == [(0, ["accuracy", "loss"]), (1, ["accuracy", "loss"])]
    assert old.epochs == [0] and history.epoch == [0]
