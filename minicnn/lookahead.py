"""Lookahead over the weights and the BatchNormalization statistics, as airbench does it
(``utils.LookaheadState``; minicnn's name, Keras has none).

A slow copy ``ema`` of every parameter and every state array (moving mean and variance) is
kept. Every ``every`` optimizer steps, with ``d = decay(step)``:

    ema = d * ema + (1 - d) * w        (PyTorch's ``ema.lerp_(w, 1 - d)``)
    w   = ema                          (the fast weights jump back to the slow ones)

and :meth:`Lookahead.finish` copies ``ema`` into the model once more at the end (airbench's
``decay=1.0`` update). airbench94's decay is :func:`airbench_decay`:
``0.95**5 * (step / total_steps)**3``, so early steps keep almost nothing of the old weights.

The copy is taken when training starts (``on_train_begin``, or the first :meth:`update`), after
data-dependent initialisation; airbench takes it before its whitening init, a difference of
``0.95**5 * (5 / total)**3`` (< 1e-6 for 476 steps) in the first lerp of the whitening weights.
"""
import numpy as np

from .callbacks import Callback


def airbench_decay(total_steps):
    """``step -> 0.95**5 * (step / total_steps)**3``, airbench94's lookahead decay."""
    return lambda step: 0.95 ** 5 * (step / total_steps) ** 3


class Lookahead(Callback):
    """As a callback (``fit(..., callbacks=[Lookahead(...)])``) it counts training batches; a custom
    loop calls :meth:`step` after each optimizer step instead. Either way call :meth:`finish` (or
    let ``on_train_end`` do it) once training ends."""

    def __init__(self, decay, every=5, model=None):
        super().__init__()
        if not callable(decay):
            raise ValueError(f"decay must be a function of the step, got {decay!r}")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int, got {every!r}")
        self.decay, self.every, self.steps = decay, every, 0
        self.ema = None
        if model is not None:
            self.set_model(model)

    def _arrays(self):
        """Every parameter and state array of the model, in a fixed order (views, updated in place)."""
        return [a for layer in self.model.layers for store in (layer.params, layer.state)
                for a in store.values() if a.dtype.kind == "f"]

    def start(self):
        self.ema = [a.astype(np.float64) for a in self._arrays()]
        self.steps = 0

    def update(self, decay):
        """One lookahead update with ``decay`` (1.0 restores the slow weights unchanged)."""
        if self.ema is None:
            self.start()
        for slow, fast in zip(self.ema, self._arrays()):
            slow += (1.0 - decay) * (fast - slow)
            fast[...] = slow

    def step(self):
        """Count one optimizer step; every ``every`` steps, :meth:`update` with ``decay(step)``."""
        if self.ema is None:
            self.start()
        self.steps += 1
        if self.steps % self.every == 0:
            self.update(self.decay(self.steps))

    def finish(self):
        self.update(1.0)

    def on_train_begin(self, logs=None):
        self.start()

    def on_train_batch_end(self, batch, logs=None):
        self.step()

    def on_train_end(self, logs=None):
        self.finish()
