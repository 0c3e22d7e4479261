"""Training callbacks with Keras's names and meaning, and the progress display.

A callback gets ``set_model(model)`` and then the hooks below; ``logs`` dicts hold Keras's keys
(``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``learning_rate``).
Setting ``model.stop_training = True`` ends ``fit`` after the current epoch.
"""
import csv
import math
import os
import sys
import time

import numpy as np


class Callback:
    """Base class. ``self.model`` and ``self.params`` (epochs, steps, batch_size, verbose) are set
    before training starts. As in Keras, ``on_train_batch_*`` call ``on_batch_*`` by default."""

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model):
        self.model = model

    def set_params(self, params):
        self.params = params

    def on_train_begin(self, logs=None): pass
    def on_train_end(self, logs=None): pass
    def on_epoch_begin(self, epoch, logs=None): pass
    def on_epoch_end(self, epoch, logs=None): pass
    def on_batch_begin(self, batch, logs=None): pass
    def on_batch_end(self, batch, logs=None): pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)


class CallbackList:
    def __init__(self, callbacks, model):
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise ValueError(f"callbacks must be minicnn.callbacks.Callback objects, got {cb!r}")
            cb.set_model(model)
            cb.set_params(model.history.params)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def call(*args, **kwargs):
            for cb in self.callbacks:
                getattr(cb, hook)(*args, **kwargs)
        return call


class History(Callback):
    """``history.history``: dict of per-epoch lists; ``history.epoch``: the epoch indices."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []
        self.params = {}
        self.stopped_reason = None  # "nan" | "interrupted" | None

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _format_logs(logs):
    return " - ".join(f"{k}: {v:.4f}" for k, v in logs.items() if k != "learning_rate")


class ProgressLogger(Callback):
    """verbose=1: a Keras-style bar redrawn in place on a terminal (step i/n, ETA, running loss and
    accuracy, samples/s); when the output is not a terminal, ONE line per epoch
    (``Epoch 1/5 - 1875/1875 - 12.0s - ...``), so logs carry no carriage returns.
    verbose=2: that one line per epoch, terminal or not."""

    def __init__(self, verbose=1, stream=None, interval=0.1):
        super().__init__()
        self.verbose = verbose
        self.stream = stream if stream is not None else sys.stdout
        self.interval = interval

    def on_train_begin(self, logs=None):
        self.epochs = self.model.history.params.get("epochs")
        self.steps = self.model.history.params.get("steps")
        isatty = getattr(self.stream, "isatty", lambda: False)
        self.live = self.verbose == 1 and isatty()

    def on_epoch_begin(self, epoch, logs=None):
        self.start = self.last_draw = time.perf_counter()
        self.samples = 0
        self.drawn = False
        if self.live:
            self.stream.write(f"Epoch {epoch + 1}/{self.epochs}\n")
            self.stream.flush()

    def on_train_batch_end(self, batch, logs=None):
        self.samples += logs.get("size", 0)
        if not self.live:
            return
        now = time.perf_counter()
        if now - self.last_draw < self.interval and batch + 1 < self.steps:
            return
        self.last_draw = now
        self.drawn = True
        elapsed = now - self.start
        done = batch + 1
        width = 30
        filled = int(width * done / self.steps) if self.steps else width
        bar = "=" * max(filled - 1, 0) + (">" if filled < width else "=") + "." * (width - filled)
        eta = elapsed / done * (self.steps - done) if self.steps else 0.0
        shown = {k: v for k, v in logs.items() if k in ("loss", "accuracy")}
        self.stream.write(f"\r{done}/{self.steps} [{bar}] - ETA: {eta:.0f}s - {_format_logs(shown)}"
                          f" - {self.samples / max(elapsed, 1e-9):.0f} samples/s\x1b[K")
        self.stream.flush()

    def on_epoch_end(self, epoch, logs=None):
        if not self.verbose:
            return
        elapsed = time.perf_counter() - self.start
        per_step = elapsed / max(self.steps or 1, 1)
        prefix = "\r" if self.live else f"Epoch {epoch + 1}/{self.epochs} - "
        self.stream.write(f"{prefix}{self.steps}/{self.steps} - {elapsed:.1f}s - {per_step * 1e3:.0f}ms/step - "
                          f"{self.samples / max(elapsed, 1e-9):.0f} samples/s - {_format_logs(logs)}"
                          + ("\x1b[K" if self.live else "") + "\n")
        self.stream.flush()
        self.drawn = False

    def on_train_end(self, logs=None):
        if self.live and getattr(self, "drawn", False):  # stopped mid-epoch: end the bar's line
            self.stream.write("\n")
            self.stream.flush()


class _MonitorMixin:
    def _init_monitor(self, monitor, mode, min_delta):
        self.monitor = monitor
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best = math.inf if mode == "min" else -math.inf

    def _current(self, logs):
        if self.monitor not in (logs or {}):
            raise ValueError(f"{type(self).__name__} monitors {self.monitor!r}, which is not among the "
                             f"logged values {sorted(logs or {})}")
        return logs[self.monitor]

    def _improved(self, value):
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class EarlyStopping(_MonitorMixin, Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs in a
    row (``patience=2``: best at epoch 1, no better at epochs 2 and 3, stop after epoch 3, as Keras
    does); with ``restore_best_weights``, put back the weights of the best epoch when stopping."""

    def __init__(self, monitor="val_loss", min_delta=0.0, patience=0, verbose=0, mode="auto",
                 restore_best_weights=False):
        super().__init__()
        self._init_monitor(monitor, mode, min_delta)
        self.patience = int(patience)
        self.verbose = verbose
        self.restore_best_weights = restore_best_weights
        self.wait = 0
        self.stopped_epoch = None
        self.best_weights = None
        self.best_epoch = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.best = math.inf if self.mode == "min" else -math.inf

    def on_epoch_end(self, epoch, logs=None):
        value = self._current(logs)
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= max(self.patience, 1):  # Keras: stop once `patience` epochs failed to improve
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch is not None and self.verbose:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        # Keras 3 restores the best weights whenever it saw them, also when no early stop happened
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)


class ModelCheckpoint(_MonitorMixin, Callback):
    """Save the model to ``filepath`` (``{epoch}`` and log keys may be formatted in) after every epoch,
    or only when ``monitor`` improves with ``save_best_only``."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch"):
        super().__init__()
        if save_freq != "epoch":
            raise NotImplementedError(f"ModelCheckpoint(save_freq={save_freq!r}) is not implemented in minicnn; "
                                      "use save_freq='epoch'")
        self._init_monitor(monitor, mode, 0.0)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only

    def on_epoch_end(self, epoch, logs=None):
        if self.save_best_only:
            value = self._current(logs)
            if not self._improved(value):
                if self.verbose:
                    print(f"Epoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")
                return
            previous, self.best = self.best, value
        path = self.filepath.format(epoch=epoch + 1, **(logs or {}))
        if self.verbose:
            improved = (f"{self.monitor} improved from {previous:.5f} to {self.best:.5f}, "
                        if self.save_best_only else "")
            print(f"Epoch {epoch + 1}: {improved}saving model to {path}")
        if self.save_weights_only:
            self.model.save_weights(path)
        else:
            self.model.save(path)


class LearningRateScheduler(Callback):
    """``schedule(epoch, lr) -> new lr`` (or ``schedule(epoch)``), applied at the start of each epoch."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = self.model.optimizer.learning_rate
        try:
            new_lr = self.schedule(epoch, lr)
        except TypeError:
            new_lr = self.schedule(epoch)
        new_lr = float(new_lr)
        if not np.isfinite(new_lr) or new_lr <= 0:
            raise ValueError(f"the learning-rate schedule returned {new_lr} at epoch {epoch}; expected a "
                             "positive number")
        self.model.optimizer.learning_rate = new_lr
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {new_lr}.")


class ReduceLROnPlateau(_MonitorMixin, Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement
    (then wait ``cooldown`` epochs), never below ``min_lr``."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, verbose=0):
        super().__init__()
        if not 0.0 < factor < 1.0:
            raise ValueError(f"factor must be in (0, 1), got {factor}")
        self._init_monitor(monitor, mode, min_delta)
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self.verbose = verbose
        self.wait = 0
        self.cooldown_counter = 0

    def on_epoch_end(self, epoch, logs=None):
        value = self._current(logs)
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        if self.cooldown_counter > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            old = self.model.optimizer.learning_rate
            new = max(old * self.factor, self.min_lr)
            if new < old:
                self.model.optimizer.learning_rate = new
                if self.verbose:
                    print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0


class CSVLogger(Callback):
    """One row per epoch: ``epoch`` then the logged values, written to ``filename`` as it goes."""

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.separator = separator
        self.append = append
        self.keys = None

    def on_train_begin(self, logs=None):
        self.file = open(self.filename, "a" if self.append else "w", newline="")
        self.writer = None

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.writer is None:
            self.keys = sorted(logs)
            self.writer = csv.writer(self.file, delimiter=self.separator)
            if not (self.append and self.file.tell() > 0):
                self.writer.writerow(["epoch"] + self.keys)
        self.writer.writerow([epoch] + [logs.get(k, "") for k in self.keys])
        self.file.flush()

    def on_train_end(self, logs=None):
        self.file.close()


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch loss is NaN or infinite. (``fit`` already does this by
    default; the callback exists for Keras code that adds it.)"""

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print(f"Batch {batch}: invalid loss, terminating training")
            self.model.stop_training = True
