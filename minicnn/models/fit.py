"""The epoch loop (``fit``) and its one batch source for arrays and generators.

    for epoch in range(initial_epoch, epochs):
        for step, (x, y) in batches of the epoch:      # BatchSource: shuffled by index, or drawn
            loss, correct = train_step(x, y)          #   from a generator and checked
            stop on a non-finite loss (weights of the epoch's start restored) or on Ctrl-C
        validate, log, callbacks; stop when a callback sets ``model.stop_training``
"""
import signal
import sys
import threading

import numpy as np

from ..callbacks import CallbackList, History, ProgressLogger
from ..checks import non_negative_int, positive_int
from .checks import n_samples, take


class TrainingDiverged(RuntimeError):
    pass


def is_generator(x, y):
    """True when ``fit(x)`` was given an iterator of ``(x_batch, y_batch)`` rather than arrays."""
    return y is None and x is not None and not isinstance(x, np.ndarray) and hasattr(x, "__iter__")


class BatchSource:
    """The training batches of every epoch: arrays batched by index (the dataset is never copied),
    or batches drawn from a generator and checked like arrays. ``steps`` batches per epoch."""

    def __init__(self, model, x, y, batch_size, steps_per_epoch, shuffle):
        self.model, self.batch_size, self.shuffle = model, batch_size, shuffle
        self.generator = is_generator(x, y)
        if self.generator:
            if steps_per_epoch is None:
                if not hasattr(x, "__len__"):
                    raise ValueError("steps_per_epoch is required for a generator without len()")
                steps_per_epoch = len(x)
            self.source, self.batches, self.n = x, iter(x), None
            self.steps = int(steps_per_epoch)
        else:
            self.x, self.y, self.n = x, y, n_samples(x)
            if self.n == 0:
                raise ValueError("no training samples")
            self.steps = -(-self.n // batch_size) if steps_per_epoch is None else int(steps_per_epoch)

    def epoch(self):
        """Yield ``(x_batch, y_batch)`` for one epoch (the model's generator shuffles the order)."""
        model = self.model
        order = model.rng.permutation(self.n) if (self.n and self.shuffle) else None
        for step in range(self.steps):
            if self.generator:
                try:
                    xb, yb = next(self.batches)
                except StopIteration:  # a finite re-iterable source (a Dataset): its next pass
                    self.batches = iter(self.source)
                    xb, yb = next(self.batches)
                xb = model._check_x(xb)
                model._check_finite(xb)
                yield xb, model._check_y(yb, n_samples(xb))
                continue
            start = (step * self.batch_size) % self.n
            idx = slice(start, start + self.batch_size) if order is None else order[start:start + self.batch_size]
            yield take(self.x, idx), take(self.y, idx)


def _split_and_check(model, x, y, validation_split, validation_data):
    """Checked training arrays and validation data (the *last* ``validation_split`` of the arrays)."""
    if y is None:
        raise ValueError("fit needs labels y with array inputs")
    x = model._check_x(x)
    model._check_finite(x)
    y = model._check_y(y, n_samples(x))
    if validation_split:
        if validation_data is not None:
            raise ValueError("pass validation_split or validation_data, not both")
        if not 0.0 < validation_split < 1.0:
            raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
        split = int(n_samples(x) * (1.0 - validation_split))
        validation_data = (take(x, slice(split, None)), take(y, slice(split, None)))
        x, y = take(x, slice(None, split)), take(y, slice(None, split))
    return x, y, validation_data


class EpochLoop:
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, initial_epoch=0, steps_per_epoch=None):
        """Train for ``epochs`` epochs; returns a :class:`History`.

        ``x, y`` are arrays (batched by index each epoch, the dataset is never copied), or ``x`` is a
        generator/iterator of ``(x_batch, y_batch)`` (e.g. ``ImageDataGenerator.flow``) with
        ``steps_per_epoch`` (default ``len(x)``). ``validation_split`` holds out the *last* fraction of
        the arrays, as Keras does. A non-finite loss stops training with a message naming the epoch and
        step, leaving finite weights; Ctrl-C stops after the current batch and returns the history so far.
        """
        self._require_compiled()
        batch_size = 32 if batch_size is None else positive_int(batch_size, "batch_size")
        epochs = non_negative_int(epochs, "epochs")
        initial_epoch = non_negative_int(initial_epoch, "initial_epoch")
        if steps_per_epoch is not None:
            steps_per_epoch = positive_int(steps_per_epoch, "steps_per_epoch")
        if is_generator(x, y):
            if validation_split:
                raise ValueError("validation_split needs arrays; pass validation_data with a generator")
        else:
            x, y, validation_data = _split_and_check(self, x, y, validation_split, validation_data)
        source = BatchSource(self, x, y, batch_size, steps_per_epoch, shuffle)
        if validation_data is not None:
            if len(validation_data) != 2:
                raise ValueError("validation_data must be a tuple (x_val, y_val)")
            val_x = self._check_x(validation_data[0], "validation inputs")
            self._check_finite(val_x, "validation inputs")
            validation_data = (val_x, self._check_y(validation_data[1], n_samples(val_x)))

        self.history = History()
        self.history.params = {"epochs": epochs, "steps": source.steps, "batch_size": batch_size,
                               "verbose": verbose}
        callbacks = list(callbacks or [])
        own_progress = any(isinstance(cb, ProgressLogger) for cb in callbacks)  # e.g. keras's ProgbarLogger()
        progress = [ProgressLogger(verbose)] if verbose and not own_progress else []
        cbs = CallbackList(callbacks, self, core=[self.history] + progress)
        self.stop_training = False
        self._initial_epoch = None  # BackupAndRestore sets the epoch to resume from, as in Keras
        cbs.on_train_begin()
        initial_epoch = self._initial_epoch or initial_epoch
        last_logs = {}
        # overflow in a diverging step is reported once by _handle_divergence, not as NumPy warnings
        with _StopOnInterrupt() as interrupt, np.errstate(over="ignore", invalid="ignore"):
            for epoch in range(initial_epoch, epochs):
                cbs.on_epoch_begin(epoch)
                logs = self._run_epoch(epoch, source, cbs, interrupt)
                if logs is None:
                    break
                if validation_data is not None:  # fit's callbacks see the validation's test hooks
                    val = self._evaluate_logs(*validation_data, batch_size=batch_size, callbacks=cbs)
                    logs.update({"val_" + key: value for key, value in val.items()})
                logs["learning_rate"] = self._learning_rate_log()
                cbs.on_epoch_end(epoch, logs=logs)
                last_logs = logs
                if self.stop_training:
                    break
        cbs.on_train_end(logs=last_logs)
        return self.history

    def _run_epoch(self, epoch, source, cbs, interrupt):
        """Train one epoch; its logs, or None when training stopped (divergence or Ctrl-C)."""
        snapshot = self._snapshot()
        seen = total_loss = correct = 0
        step = -1
        for step, (xb, yb) in enumerate(source.epoch()):
            cbs.on_train_batch_begin(step)
            loss, ok = self._train_step(self._as_float(xb), yb)
            if not np.isfinite(loss):
                self._handle_divergence(epoch, step, loss, snapshot)
                break
            n = n_samples(xb)
            seen += n
            total_loss += loss * n
            correct = correct + ok
            self._epoch_samples = seen  # for the progress display's samples/s
            cbs.on_train_batch_end(step, logs={"loss": total_loss / seen, **self._metric_logs(correct, seen)})
            if interrupt.requested:
                break
        if interrupt.requested or self.history.stopped_reason == "nan":
            self.history.stopped_reason = self.history.stopped_reason or "interrupted"
            if interrupt.requested:
                print(f"Interrupted during epoch {epoch + 1}, step {step + 1}: training stopped "
                      "after the current batch.", file=sys.stderr)
            return None
        return {"loss": total_loss / seen, **self._metric_logs(correct, seen)}

    def _snapshot(self):
        """Copies of every weight (BatchNorm statistics included) and of the optimizer state."""
        return self.get_weights(), {k: np.array(v) for k, v in self.optimizer.get_state().items()}

    def _handle_divergence(self, epoch, step, loss, snapshot):
        # The diverging step may have left weights that are finite but overflow, or BatchNorm
        # statistics that are not finite (they update in the forward pass): roll everything back to
        # the start of the epoch, the last weights known to give finite losses.
        weights, optimizer_state = snapshot
        self.set_weights(weights)
        self.optimizer.set_state(optimizer_state)
        kept = f"the weights from the start of epoch {epoch + 1} were restored"
        print(f"Training stopped: the loss became {loss} at epoch {epoch + 1}, step {step + 1}; {kept}. "
              "Try a smaller learning rate.", file=sys.stderr)
        self.history.stopped_reason = "nan"
        self.stop_training = True


class _StopOnInterrupt:
    """Turn Ctrl-C during fit into a request to stop after the current batch (main thread only;
    elsewhere KeyboardInterrupt behaves as usual)."""

    def __init__(self):
        self.requested = False
        self._previous = None

    def _handler(self, signum, frame):
        if self.requested:  # a second Ctrl-C interrupts at once
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
        return False
