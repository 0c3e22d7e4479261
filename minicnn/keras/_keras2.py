"""Keras 2's model-level spellings, which lessons written for Keras 2 (and pasted from them) still use.

``Keras2Model`` is a mixin of ``keras.models.Model``. Each spelling works as it did in Keras 2 and
warns with a DeprecationWarning naming the Keras 3 spelling:

* ``fit_generator`` / ``evaluate_generator`` / ``predict_generator``: ``fit`` / ``evaluate`` /
  ``predict``, which take generators (Keras 2.1 to 2.5 had both; Keras 3 has only the latter).
* ``predict_classes`` / ``predict_proba``: removed in Keras 2.6 (TensorFlow 2.6).
* ``fit(workers=, use_multiprocessing=, max_queue_size=)``: Keras 2's data-loading arguments. They
  have no effect here (minicnn draws batches in the training thread). Keras 3's ``fit`` no longer
  accepts them (a TypeError there); it takes them on ``keras.utils.PyDataset(workers=...)``.
* ``compile(metrics=['acc'])``: logged as ``acc`` / ``val_acc``, as Keras 2 and Keras 3 both do;
  ``'accuracy'`` is the documented name.
* ``history.history['acc']`` (and ``'val_acc'``) after ``metrics=['accuracy']``: Keras 2.2 and
  earlier logged accuracy as ``acc``, so old lessons plot that key; it reads ``'accuracy'``.
  (Callbacks monitoring ``'val_acc'`` get the same treatment in ``minicnn.callbacks``.)

The ``fit`` and ``compile`` of every subclass are wrapped when the subclass is created
(``__init_subclass__``), so the Keras 2 arguments are handled before the Keras 3 signature sees them.
"""
import functools
import warnings

import numpy as np

#: Keras 2's data-loading arguments of fit / *_generator, with Keras 2's defaults
LOADER_ARGUMENTS = {"workers": 1, "use_multiprocessing": False, "max_queue_size": 10}
#: Keras 2.2's history keys -> Keras 3's, when the user compiled with metrics=['accuracy']
KERAS2_KEYS = {"acc": "accuracy", "val_acc": "val_accuracy"}


def deprecated(old, new, removed=None):
    """DeprecationWarning: ``old`` is Keras 2's spelling of ``new``; ``removed`` says when Keras dropped it."""
    gone = f"; Keras removed it in {removed}" if removed else ""
    warnings.warn(f"{old} is Keras 2's spelling{gone}; use {new} (it works the same in minicnn and Keras 3)",
                  DeprecationWarning, stacklevel=3)


def pop_loader_arguments(owner, kwargs):
    """Remove ``workers`` / ``use_multiprocessing`` / ``max_queue_size`` from ``kwargs``, warning that
    they have no effect when one has a non-default value."""
    given = {key: kwargs.pop(key) for key in list(kwargs) if key in LOADER_ARGUMENTS}
    changed = {key: value for key, value in given.items() if value != LOADER_ARGUMENTS[key]}
    if changed:
        shown = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        warnings.warn(f"{owner}({shown}) has no effect: minicnn draws batches in the training thread. These are "
                      "Keras 2's fit arguments; Keras 3's fit rejects them (they moved to "
                      "keras.utils.PyDataset(workers=..., use_multiprocessing=..., max_queue_size=...))",
                      UserWarning, stacklevel=3)


class Keras2Logs(dict):
    """``history.history`` that also answers Keras 2.2's keys ``acc`` / ``val_acc`` (with a warning)
    when the model logged ``accuracy`` / ``val_accuracy``."""

    def __missing__(self, key):
        new = KERAS2_KEYS.get(key)
        if new is None or new not in self:
            raise KeyError(key)
        warnings.warn(f"history.history[{key!r}] is Keras 2.2's name for {new!r} (logged because the model was "
                      f"compiled with metrics=['accuracy']); use history.history[{new!r}]",
                      DeprecationWarning, stacklevel=2)
        return self[new]


def _wrap_fit(fit):
    @functools.wraps(fit)
    def wrapper(self, *args, **kwargs):
        pop_loader_arguments("fit", kwargs)
        history = fit(self, *args, **kwargs)
        history.history = Keras2Logs(history.history)
        return history
    return wrapper


def _wrap_compile(compile_):
    @functools.wraps(compile_)
    def wrapper(self, *args, **kwargs):
        metrics = kwargs.get("metrics")
        if isinstance(metrics, str):
            metrics = [metrics]
        if metrics is not None and "acc" in list(metrics):
            warnings.warn("metrics=['acc'] is Keras 2's short name; it is logged as 'acc' and 'val_acc' (as in "
                          "Keras 2 and 3); Keras 3 documents metrics=['accuracy'], logged as 'accuracy'",
                          DeprecationWarning, stacklevel=2)
        return compile_(self, *args, **kwargs)
    return wrapper


def draw_batches(generator, steps, what):
    """``(x, y_or_None, batch_size)``: ``steps`` batches drawn from ``generator`` (default ``len(generator)``)
    and concatenated. Batches are ``x`` or ``(x, y)`` (``(x, y, sample_weight)`` is refused)."""
    if steps is None:
        if not hasattr(generator, "__len__"):
            raise ValueError(f"{what}: steps is required for a generator without len()")
        steps = len(generator)
    iterator = iter(generator)
    xs, ys = [], []
    for _ in range(int(steps)):
        batch = next(iterator)
        if isinstance(batch, (tuple, list)):
            if len(batch) != 2:
                raise ValueError(f"{what}: expected batches (x, y) or x, got a tuple of {len(batch)} "
                                 "(sample weights are not implemented in minicnn)")
            xs.append(np.asarray(batch[0]))
            ys.append(np.asarray(batch[1]))
        else:
            xs.append(np.asarray(batch))
    if not xs:
        raise ValueError(f"{what}: steps={steps} draws no batches")
    return np.concatenate(xs), (np.concatenate(ys) if ys else None), len(xs[0])


class Keras2Model:
    """Mixin of ``keras.models.Model`` with Keras 2's methods (see the module docstring)."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "fit" in cls.__dict__:
            cls.fit = _wrap_fit(cls.__dict__["fit"])
        if "compile" in cls.__dict__:
            cls.compile = _wrap_compile(cls.__dict__["compile"])

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, validation_freq=1, class_weight=None,
                      max_queue_size=10, workers=1, use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Keras 2's ``fit_generator``: ``fit(generator, ...)``. A generator as ``validation_data`` is
        drawn once (``validation_steps`` batches, default its ``len``) and validated on every epoch."""
        deprecated("model.fit_generator(generator, ...)", "model.fit(generator, ...)")
        pop_loader_arguments("fit_generator", {"workers": workers, "use_multiprocessing": use_multiprocessing,
                                               "max_queue_size": max_queue_size})
        if validation_data is not None and not isinstance(validation_data, (tuple, list)):
            x_val, y_val, _ = draw_batches(validation_data, validation_steps, "fit_generator(validation_data=...)")
            if y_val is None:
                raise ValueError("fit_generator: the validation generator must yield (x, y) batches")
            validation_data = (x_val, y_val)
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_freq=validation_freq,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                           use_multiprocessing=False, verbose=0):
        """Keras 2's ``evaluate_generator``: ``evaluate(generator, steps=...)``."""
        deprecated("model.evaluate_generator(generator, ...)", "model.evaluate(generator, ...)")
        pop_loader_arguments("evaluate_generator", {"workers": workers, "use_multiprocessing": use_multiprocessing,
                                                    "max_queue_size": max_queue_size})
        x, y, batch_size = draw_batches(generator, steps, "evaluate_generator")
        if y is None:
            raise ValueError("evaluate_generator: the generator must yield (x, y) batches")
        return self.evaluate(x, y, batch_size=batch_size, verbose=verbose, callbacks=callbacks)

    def predict_generator(self, generator, steps=None, callbacks=None, max_queue_size=10, workers=1,
                          use_multiprocessing=False, verbose=0):
        """Keras 2's ``predict_generator``: ``predict(generator, steps=...)``; batches may be ``x`` or
        ``(x, y)`` (labels ignored, as Keras does)."""
        deprecated("model.predict_generator(generator, ...)", "model.predict(generator, ...)")
        pop_loader_arguments("predict_generator", {"workers": workers, "use_multiprocessing": use_multiprocessing,
                                                   "max_queue_size": max_queue_size})
        x, _, batch_size = draw_batches(generator, steps, "predict_generator")
        return self.predict(x, batch_size=batch_size, verbose=verbose, callbacks=callbacks)

    def predict_classes(self, x, batch_size=32, verbose=0):
        """Keras 2's ``Sequential.predict_classes``: the argmax of ``predict(x)`` over the last axis, or
        ``(predict(x) > 0.5).astype('int32')`` when the output has one unit (a sigmoid head)."""
        deprecated("model.predict_classes(x)", "np.argmax(model.predict(x), axis=-1) (or, for a sigmoid "
                   "output, (model.predict(x) > 0.5).astype('int32'))", removed="2.6 (TensorFlow 2.6)")
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x, batch_size=32, verbose=0):
        """Keras 2's ``Sequential.predict_proba``: ``predict(x)``."""
        deprecated("model.predict_proba(x)", "model.predict(x)", removed="2.6 (TensorFlow 2.6)")
        return self.predict(x, batch_size=batch_size, verbose=verbose)
