"""One batch: the training step, evaluation and prediction (Keras's ``train_step`` and friends).

The training step (``train_step``)::

    out  = model(x, training=True)                 # _forward
    L, d = loss(out, y)                            # _loss_and_grad: the output head; fused softmax
                                                   #   cross-entropy when the model ends in a softmax
    backward(d)                                    # _backward: every layer fills its grads
    L    = L + extra terms                         # _add_loss_terms (penalties)
    optimizer.apply_gradients(params, grads)       # the only place weights change
    _after_apply_gradients()                       # e.g. weight constraints

The pieces a model provides: ``_forward(x, training)``, ``_backward(d)`` (see ``graph.py``),
``parameters()``, and the input checks of ``checks.py``.
"""
import numpy as np

from .. import losses as losses_module
from .. import optimizers as optimizers_module
from ..checks import positive_int

ACCURACY_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


class Trainer:
    # ------------------------------------------------------------------ compile
    def compile(self, optimizer, loss, metrics=("accuracy",)):
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = losses_module.get(loss)
        metrics = [] if metrics is None else list(metrics)
        for m in metrics:
            if m not in ACCURACY_NAMES:
                raise ValueError(f"unsupported metric {m!r}; minicnn tracks 'accuracy' "
                                 "(use minicnn.metrics for others after predict)")
        self.metrics = ["accuracy"] if metrics else []
        return self

    # ------------------------------------------------------------------ the output head
    @property
    def fused_softmax(self):
        """True when the loss is computed from the last layer's pre-softmax values (stable, and
        the gradient is ``p - onehot``)."""
        return (self.loss is not None and not self.loss.from_logits
                and getattr(self.layers[-1], "ends_in_softmax", False))

    def _loss_and_grad(self, out, y):
        """The loss of outputs ``out`` for targets ``y`` and its gradient: at the pre-softmax values
        when ``fused_softmax`` (``_head_backward`` then starts backward there), else at ``out``."""
        if self.fused_softmax:
            return self.loss.value_and_grad_logits(self.layers[-1].logits, y)
        return self.loss.value_and_grad(out, y)

    # ------------------------------------------------------------------ hooks of the step
    def _add_loss_terms(self, loss):
        """The training loss plus its extra terms (none yet); their gradients go into ``grads`` here."""
        return loss

    def _after_apply_gradients(self):
        """Runs right after every optimizer update (nothing yet)."""

    def _learning_rate_log(self):
        """The ``learning_rate`` value logged at the end of each epoch."""
        return self.optimizer.learning_rate

    # ------------------------------------------------------------------ one batch
    def _correct(self, out, y):
        pred = out.argmax(axis=-1)
        y = np.asarray(y)
        if isinstance(self.loss, losses_module.CategoricalCrossentropy):
            y = y.argmax(axis=-1)
        elif y.ndim == 2:
            y = y[:, 0]
        return int(np.count_nonzero(pred == y))

    def train_step(self, x, y):
        """One optimizer step on a checked float batch; returns ``(loss, correct predictions)``."""
        out = self._forward(x, True)
        loss, d = self._loss_and_grad(out, y)
        if not np.isfinite(loss):
            return loss, self._correct(out, y)
        self._backward(d)
        loss = self._add_loss_terms(loss)
        self.optimizer.apply_gradients(self.parameters())
        self._after_apply_gradients()
        return loss, self._correct(out, y)

    def _train_step(self, x, y):
        """What ``fit`` calls for each batch (``train_step``; a separate name so tests can spy on it)."""
        return self.train_step(x, y)

    def test_step(self, x, y):
        """``(summed loss, correct predictions)`` of one float batch in inference mode."""
        out = self._forward(x, False)
        return self._loss_and_grad(out, y)[0] * len(x), self._correct(out, y)

    def train_on_batch(self, x, y):
        """One optimizer step on one batch; returns ``[loss, accuracy]`` (or the loss without metrics)."""
        self._require_compiled()
        x = self._check_x(x)
        self._check_finite(x)
        y = self._check_y(y, x.shape[0])
        loss, correct = self._train_step(self._as_float(x), y)
        return [loss, correct / x.shape[0]] if self.metrics else loss

    def test_on_batch(self, x, y):
        self._require_compiled()
        return self.evaluate(x, y, batch_size=len(x), verbose=0)

    # ------------------------------------------------------------------ whole arrays
    def predict(self, x, batch_size=32, verbose=0):
        """Outputs of the last layer (probabilities for a softmax model), shape (N,) + output_shape."""
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        out = np.empty((x.shape[0],) + self.output_shape, dtype=self.dtype)
        for start in range(0, x.shape[0], batch_size):
            out[start:start + batch_size] = self._forward(self._as_float(x[start:start + batch_size]), False)
        return out

    def __call__(self, x, training=False):
        return self._forward(self._as_float(self._check_x(x)), training)

    def evaluate(self, x, y, batch_size=32, verbose=1):
        """Mean loss and accuracy over ``(x, y)``: ``[loss, accuracy]`` (the loss alone without metrics)."""
        self._require_compiled()
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        y = self._check_y(y, x.shape[0])
        total_loss, correct = 0.0, 0
        for start in range(0, x.shape[0], batch_size):
            loss, ok = self.test_step(self._as_float(x[start:start + batch_size]), y[start:start + batch_size])
            total_loss += loss
            correct += ok
        n = max(x.shape[0], 1)
        result = [total_loss / n, correct / n] if self.metrics else total_loss / n
        if verbose:
            shown = result if self.metrics else [result]
            print(" - ".join(f"{k}: {v:.4f}" for k, v in zip(["loss", "accuracy"], shown)))
        return result
