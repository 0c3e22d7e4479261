"""Training callbacks with Keras's names and meaning, and the progress display.

A callback gets ``set_model(model)`` and then the hooks below; ``logs`` dicts hold Keras's keys
(``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``, ``learning_rate``).
Setting ``model.stop_training = True`` ends ``fit`` after the current epoch.
"""
import csv
import json
import math
import os
import shutil
import sys
import time
import warnings

import numpy as np


class Callback:
    """Base class. ``self.model`` and ``self.params`` (epochs, steps, batch_size, verbose) are set
    before training starts. Every hook of Keras 3 exists and does nothing; as in Keras,
    ``on_train_batch_*`` call ``on_batch_*`` by default. ``logs`` is always a dict (empty where
    Keras passes an empty one: the ``*_begin`` hooks)."""

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
    def on_test_begin(self, logs=None): pass
    def on_test_end(self, logs=None): pass
    def on_test_batch_begin(self, batch, logs=None): pass
    def on_test_batch_end(self, batch, logs=None): pass
    def on_predict_begin(self, logs=None): pass
    def on_predict_end(self, logs=None): pass
    def on_predict_batch_begin(self, batch, logs=None): pass
    def on_predict_batch_end(self, batch, logs=None): pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)


#: the hooks a CallbackList forwards; True for those taking an epoch or batch index first
HOOKS = {"on_train_begin": False, "on_train_end": False, "on_epoch_begin": True, "on_epoch_end": True,
         "on_train_batch_begin": True, "on_train_batch_end": True, "on_test_begin": False, "on_test_end": False,
         "on_test_batch_begin": True, "on_test_batch_end": True, "on_predict_begin": False,
         "on_predict_end": False, "on_predict_batch_begin": True, "on_predict_batch_end": True}


class CallbackList:
    """Calls each hook on every callback in order, ``logs`` a dict, as Keras 3's CallbackList does:
    batch hooks as ``hook(batch, logs=logs)``, the others with ``logs`` positional (so
    ``LambdaCallback(on_epoch_end=lambda epoch, l: ...)`` works as in Keras).

    ``core`` callbacks (minicnn's own History and progress display) get minicnn's log names;
    the others get them through ``model._rename_logs`` when the model has one (the Keras facade
    renames ``accuracy`` to the metric name the user compiled with, e.g. ``acc``)."""

    def __init__(self, callbacks, model, core=(), params=None):
        self.callbacks = list(core) + list(callbacks)
        self._core = {id(cb) for cb in core}
        self._rename = getattr(model, "_rename_logs", None) or (lambda logs: logs)
        params = model.history.params if params is None else params
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise ValueError(f"callbacks must be minicnn.callbacks.Callback objects, got {cb!r}")
            cb.set_model(model)
            cb.set_params(params)

    def __getattr__(self, hook):
        if hook not in HOOKS:
            raise AttributeError(hook)
        indexed = HOOKS[hook]

        def call(*args, logs=None):
            if len(args) != int(indexed):
                raise TypeError(f"{hook} takes {'an index and ' if indexed else ''}logs=, got {args}")
            logs = {} if logs is None else logs
            renamed = self._rename(logs)
            batch_hook = "batch" in hook
            for cb in self.callbacks:
                given = logs if id(cb) in self._core else renamed
                if batch_hook:
                    getattr(cb, hook)(*args, logs=given)
                else:
                    getattr(cb, hook)(*args, given)
        return call


def callback_list(callbacks, model, params):
    """``callbacks`` (a list of Callback objects, None, or already a CallbackList) as a CallbackList,
    for ``evaluate`` and ``predict`` (inside ``fit`` they get fit's list, so the same callbacks see
    the validation's test hooks)."""
    if isinstance(callbacks, CallbackList):
        return callbacks
    return CallbackList(callbacks or [], model, params=params)


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
        self.epochs = self.params.get("epochs")
        self.steps = self.params.get("steps")
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
        self.samples = getattr(self.model, "_epoch_samples", 0)  # set by fit before this hook
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
        new = {"acc": "accuracy", "val_acc": "val_accuracy"}.get(self.monitor)
        if new is not None and self.monitor not in (logs or {}) and new in (logs or {}):
            warnings.warn(f"{type(self).__name__}(monitor={self.monitor!r}): Keras 2.2 logged accuracy as "
                          f"{self.monitor!r}; this model logs it as {new!r} (compiled with metrics=['accuracy']): "
                          f"monitoring {new!r}; write monitor={new!r}", DeprecationWarning, stacklevel=2)
            self.monitor = new
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


class ProgbarLogger(ProgressLogger):
    """Keras's ``ProgbarLogger()``: the progress display, at fit's ``verbose`` (read from ``params``).
    ``fit`` adds none of its own when one is among the callbacks. (``count_mode`` and
    ``stateful_metrics`` are Keras 2's arguments: steps are counted, as in Keras 3.)"""

    def __init__(self, count_mode="steps", stateful_metrics=None):
        super().__init__(verbose=1)
        if count_mode not in ("steps", "samples"):
            raise ValueError(f"count_mode must be 'steps' or 'samples', got {count_mode!r}")

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)


class LambdaCallback(Callback):
    """Keras's ``LambdaCallback(on_epoch_end=lambda epoch, logs: ...)``: each given function replaces
    that hook (``on_epoch_*(epoch, logs)``, ``on_train_*(logs)``, ``on_train_batch_*(batch, logs)``).
    Other keyword arguments become attributes, as in Keras, so Keras 2's ``on_batch_begin=`` /
    ``on_batch_end=`` work too (the train-batch hooks call them)."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        self.__dict__.update(kwargs)
        for hook, function in (("on_epoch_begin", on_epoch_begin), ("on_epoch_end", on_epoch_end),
                               ("on_train_begin", on_train_begin), ("on_train_end", on_train_end),
                               ("on_train_batch_begin", on_train_batch_begin),
                               ("on_train_batch_end", on_train_batch_end)):
            if function is not None:
                setattr(self, hook, function)


class BackupAndRestore(Callback):
    """Keras's ``BackupAndRestore(backup_dir)``: resume a training that was interrupted.

    At the end of every epoch the whole training state goes to ``backup_dir/latest.npz`` with
    minicnn's exact-resume save (weights, optimizer state, the shuffling and dropout generators)
    and the epoch count to ``backup_dir/training_metadata.json``. When ``fit`` starts and a backup
    exists, it is loaded and ``fit`` continues at the epoch after it, so an interrupted run
    finishes with the same weights as one that was not interrupted. A training that ends normally
    deletes the backup (``delete_checkpoint=True``); one stopped by Ctrl-C or a non-finite loss
    keeps it. ``double_checkpoint=True`` keeps the previous backup as ``*.bkp`` and falls back to it
    when the latest one cannot be read. Keras's ``save_freq=<int>`` (mid-epoch backups) is not
    implemented.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("Empty `backup_dir` argument passed")
        if save_freq != "epoch":
            raise NotImplementedError(f"BackupAndRestore(save_freq={save_freq!r}) is not implemented in minicnn; "
                                      "use save_freq='epoch' (a backup at the end of every epoch)")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._state_path = os.path.join(self.backup_dir, "latest.npz")
        self._metadata_path = os.path.join(self.backup_dir, "training_metadata.json")

    def on_train_begin(self, logs=None):
        from .saving import load_state
        if not self.model.built:
            raise ValueError("To use the BackupAndRestore callback, your model must be built before you call "
                             "fit(): give the first layer input_shape= or call model.build(input_shape)")
        if not os.path.exists(self._state_path):
            return
        try:
            epoch = self._restore(load_state, self._state_path, self._metadata_path)
        except (ValueError, OSError, KeyError) as err:
            previous = self._state_path + ".bkp"
            if not os.path.exists(previous):
                raise ValueError(f"BackupAndRestore: cannot resume from {self._state_path}: {err}") from None
            epoch = self._restore(load_state, previous, self._metadata_path + ".bkp")
        self.model._initial_epoch = epoch

    def _restore(self, load_state, state_path, metadata_path):
        with open(metadata_path, encoding="utf-8") as f:
            epoch = json.load(f)["epoch"]
        if not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"{metadata_path}: 'epoch' must be a non-negative int, got {epoch!r}")
        load_state(self.model, state_path)
        return epoch

    def on_epoch_end(self, epoch, logs=None):
        from .saving import save_model
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._state_path):
            shutil.copyfile(self._state_path, self._state_path + ".bkp")
            shutil.copyfile(self._metadata_path, self._metadata_path + ".bkp")
        save_model(self.model, self._state_path)
        tmp = self._metadata_path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"epoch": epoch + 1, "batch": 0}, f)
        os.replace(tmp, self._metadata_path)

    def on_train_end(self, logs=None):
        stopped = getattr(getattr(self.model, "history", None), "stopped_reason", None)
        if self.delete_checkpoint and stopped is None and os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)


def _tensorboard_modules():
    """The tensorboard package's own event-file writer (no TensorFlow needed), imported on first use."""
    try:
        from tensorboard.compat.proto import event_pb2
        from tensorboard.plugins.scalar.summary import scalar_pb
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as err:
        raise ImportError("keras.callbacks.TensorBoard needs the tensorboard package (its event-file writer; "
                          "TensorFlow is not needed): install minicnn's optional extra with "
                          "`pip install minicnn[tensorboard]` (or `pip install tensorboard`)"
                          f" [{err}]") from None
    return EventFileWriter, event_pb2, scalar_pb


class TensorBoard(Callback):
    """Keras's ``TensorBoard(log_dir)``: scalars that ``tensorboard --logdir log_dir`` shows, written
    as Keras writes them: ``log_dir/train`` gets ``epoch_<name>`` for every training log (loss, the
    metric, ``learning_rate``), ``log_dir/validation`` gets ``epoch_<name>`` for the ``val_`` logs and
    ``evaluation_<name>_vs_iterations`` after each validation; with ``update_freq="batch"`` (or every
    n batches) also ``batch_<name>`` against the global batch count. Each value is the scalar
    summary TensorFlow's ``tf.summary.scalar`` writes (a float tensor, plugin "scalars").

    Written with the tensorboard package's event-file writer (the optional extra
    ``minicnn[tensorboard]``): it is the package that reads the logs, so installing it is needed
    anyway to view them, and it writes without TensorFlow. Only scalars are written:
    ``histogram_freq``, ``write_images``, ``profile_batch`` and ``embeddings_freq`` raise
    NotImplementedError, and ``write_graph`` (True by default) writes no graph: minicnn has none.
    """

    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        for argument, value in (("histogram_freq", histogram_freq), ("write_images", write_images),
                                ("profile_batch", profile_batch), ("embeddings_freq", embeddings_freq),
                                ("embeddings_metadata", embeddings_metadata)):
            if value:
                raise NotImplementedError(f"TensorBoard({argument}={value!r}) is not implemented in minicnn; it "
                                          "writes scalars only (leave the default)")
        if update_freq not in ("epoch", "batch") and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive int, got {update_freq!r}")
        self._modules = _tensorboard_modules()  # the missing-extra error at construction, as early as possible
        self.log_dir = os.fspath(log_dir)
        self.write_graph = write_graph
        self.write_steps_per_second = write_steps_per_second
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers = {}
        self._global_train_batch = 0

    def _write(self, which, tag, value, step):
        writer_class, event_pb2, scalar_pb = self._modules
        if which not in self._writers:
            self._writers[which] = writer_class(os.path.join(self.log_dir, which))
        summary = scalar_pb(tag, float(value))
        self._writers[which].add_event(event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary))

    def _close(self):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.time()
        self._epoch_start_iterations = self.model.optimizer.iterations

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        self._batch_start = time.time()

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        if self.write_steps_per_second:
            self._write("train", "batch_steps_per_second", 1.0 / max(time.time() - self._batch_start, 1e-9),
                        self._global_train_batch)
        for name, value in (logs or {}).items():
            self._write("train", f"batch_{name}", value, self._global_train_batch)

    def on_test_end(self, logs=None):
        if self.model.optimizer is None:
            return
        for name, value in (logs or {}).items():
            self._write("validation", f"evaluation_{name}_vs_iterations", value, self.model.optimizer.iterations)
        if "validation" in self._writers:
            self._writers["validation"].flush()

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        if "learning_rate" not in train:
            train["learning_rate"] = float(self.model.optimizer.learning_rate)
        if self.write_steps_per_second:
            steps = self.model.optimizer.iterations - self._epoch_start_iterations
            train["steps_per_second"] = steps / max(time.time() - self._epoch_start, 1e-9)
        for name, value in train.items():
            self._write("train", f"epoch_{name}", value, epoch)
        for name, value in logs.items():
            if name.startswith("val_"):
                self._write("validation", f"epoch_{name[4:]}", value, epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        self._close()
