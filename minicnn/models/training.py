"""One batch: the training step, evaluation and prediction (Keras's ``train_step`` and friends).

The training step (``train_step``)::

    out  = model(x, training=True)                 # _forward (graph.py)
    L, d = loss(out, y)                            # _loss_and_grad: the output head; fused softmax
                                                   #   cross-entropy when an output ends in a softmax
    backward(d)                                    # _backward (graph.py), which starts with the
                                                   #   head's _head_backward; every layer fills grads
    L    = L + extra terms                         # _add_loss_terms (penalties)
    optimizer.apply_gradients(params, grads)       # the only place weights change
    _after_apply_gradients()                       # e.g. weight constraints

The output head, everything that knows how the loss meets the model, is one section below:
``_losses``, ``_fused``, ``fused_softmax``, ``_loss_and_grad``, ``_head_backward``. The pieces a
model provides: ``_forward(x, training)``, ``_backward(d)``, ``parameters()``, ``_output_heads()``
and the input checks of ``checks.py``.
"""
import numpy as np

from .. import losses as losses_module
from .. import optimizers as optimizers_module
from ..checks import positive_int
from .checks import as_list, n_samples, take

ACCURACY_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")


class Trainer:
    # ------------------------------------------------------------------ compile
    def compile(self, optimizer, loss, metrics=("accuracy",), loss_weights=None):
        """``loss``: one loss, or for a model with several outputs one per output (a list, or a dict
        keyed by output name, Keras's ``{'name': loss}``); ``loss_weights`` likewise: the training
        loss is ``sum_k loss_weights[k] * loss_k``. ``metrics=['accuracy']`` (or per output,
        ``{'name': ['accuracy']}``) tracks the accuracy of every output."""
        self.optimizer = optimizers_module.get(optimizer)
        names = self.output_names if self._multi_output else None
        if names is None:
            if loss_weights is not None:
                raise ValueError("loss_weights are for models with several outputs")
            self.loss = losses_module.get(loss)
        else:
            losses = as_list(loss, names, "losses") if isinstance(loss, (list, tuple, dict)) else [loss] * len(names)
            self.loss = [losses_module.get(l) for l in losses]
            weights = [1.0] * len(names) if loss_weights is None else as_list(loss_weights, names, "loss_weights")
            self.loss_weights = [float(w) for w in weights]
        metrics = flat_metrics(metrics)
        for m in metrics:
            if m not in ACCURACY_NAMES:
                raise ValueError(f"unsupported metric {m!r}; minicnn tracks 'accuracy' "
                                 "(use minicnn.metrics for others after predict)")
        self.metrics = ["accuracy"] if metrics else []
        return self

    # ------------------------------------------------------------------ the output head
    def _losses(self):
        """One loss object per output."""
        return list(self.loss) if isinstance(self.loss, list) else [self.loss] * len(self._outputs)

    def _fused(self, k):
        """True when output ``k``'s loss is computed from its layer's pre-softmax values (stable, and
        the gradient is ``p - onehot``): a cross-entropy on probabilities from a layer ending in a
        softmax, whose output feeds nothing else and which is not shared."""
        tensor, layer = self._output_heads()[k]
        loss = self._losses()[k]
        return (loss is not None and not loss.from_logits and getattr(layer, "ends_in_softmax", False)
                and not self._consumers.get(id(tensor)) and id(layer) not in self._shared)

    @property
    def fused_softmax(self):
        """True when every output's loss uses the fused softmax cross-entropy (see ``_fused``)."""
        return self.loss is not None and bool(self._outputs) and all(self._fused(k) for k in range(len(self._outputs)))

    def _loss_and_grad(self, out, y):
        """The loss of outputs ``out`` for targets ``y`` and its gradient: at the pre-softmax values
        for a fused head (``_head_backward`` then starts backward there), else at ``out``. With
        several outputs: ``sum_k w_k L_k`` and the list of ``w_k dL_k``; the unweighted ``L_k`` are
        kept in ``self._output_losses``."""
        heads = self._output_heads()
        if not self._multi_output:
            if self._fused(0):
                return self.loss.value_and_grad_logits(heads[0][1].logits, y)
            return self.loss.value_and_grad(out, y)
        total, grads, self._output_losses = 0.0, [], []
        for k, (loss, weight) in enumerate(zip(self._losses(), self.loss_weights)):
            if self._fused(k):
                value, d = loss.value_and_grad_logits(heads[k][1].logits, y[k])
            else:
                value, d = loss.value_and_grad(out[k], y[k])
            total += weight * value
            grads.append(d if weight == 1.0 else d * d.dtype.type(weight))
            self._output_losses.append(value)
        return total, grads

    def _head_backward(self, d):
        """The first step of backward, from ``d`` (what ``_loss_and_grad`` returned): for a fused
        softmax head the producing layer's ``backward_logits`` runs here. Returns ``(seeds, done)``:
        ``seeds`` the ``(tensors, gradients)`` that backward starts from, ``done`` the ids of the
        nodes whose backward already ran."""
        ds = d if self._multi_output else [d]
        seeds, done = [], set()
        for k, (t, layer) in enumerate(self._output_heads()):
            if ds[k] is None:
                continue
            if self._fused(k):
                done.add(id(t.node))
                seeds.append((t.node.inputs, [layer.backward_logits(ds[k])]))
            else:
                seeds.append(([t], [ds[k]]))
        return seeds, done

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
        """The batch's count of correct predictions; with several outputs the array
        ``[correct_1 .. correct_K, n L_1 .. n L_K]`` (per-output counts and summed losses)."""
        if not self._multi_output:
            return _count_correct(self.loss, out, y)
        counts = [_count_correct(loss, o, yk) for loss, o, yk in zip(self._losses(), out, y)]
        n = n_samples(out)
        return np.array(counts + [n * v for v in self._output_losses], dtype=np.float64)

    def _metric_logs(self, correct, seen):
        """The logs of ``correct`` (summed over batches, see ``_correct``) over ``seen`` samples:
        ``accuracy``; with several outputs ``<output>_loss`` and ``<output>_accuracy`` (Keras's keys)."""
        if not self._multi_output:
            return {"accuracy": correct / seen} if self.metrics else {}
        names, k = self.output_names, len(self._outputs)
        logs = {f"{name}_loss": float(correct[k + i] / seen) for i, name in enumerate(names)}
        if self.metrics:
            logs.update({f"{name}_accuracy": float(correct[i] / seen) for i, name in enumerate(names)})
        return logs

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
        return self._loss_and_grad(out, y)[0] * n_samples(x), self._correct(out, y)

    def train_on_batch(self, x, y):
        """One optimizer step on one batch; returns ``[loss, accuracy]`` (or the loss without metrics)."""
        self._require_compiled()
        x = self._check_x(x)
        self._check_finite(x)
        n = n_samples(x)
        y = self._check_y(y, n)
        loss, correct = self._train_step(self._as_float(x), y)
        logs = self._metric_logs(correct, n)
        return [loss] + list(logs.values()) if logs else loss

    def test_on_batch(self, x, y):
        self._require_compiled()
        return self.evaluate(x, y, batch_size=n_samples(self._check_x(x)), verbose=0)

    # ------------------------------------------------------------------ whole arrays
    def predict(self, x, batch_size=32, verbose=0):
        """The model's output (probabilities for a softmax model), shape (N,) + output_shape; a list
        of arrays for a model with several outputs."""
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        n = n_samples(x)
        shapes = self.output_shape if self._multi_output else [self.output_shape]
        outs = [np.empty((n,) + tuple(shape), dtype=self.dtype) for shape in shapes]
        for start in range(0, n, batch_size):
            part = self._forward(self._as_float(take(x, slice(start, start + batch_size))), False)
            for out, p in zip(outs, part if self._multi_output else [part]):
                out[start:start + batch_size] = p
        return outs if self._multi_output else outs[0]

    def __call__(self, x, training=False):
        return self._forward(self._as_float(self._check_x(x)), training)

    def evaluate(self, x, y, batch_size=32, verbose=1):
        """Mean loss and accuracy over ``(x, y)``: ``[loss, accuracy]`` (the loss alone without metrics);
        with several outputs ``[loss, <output>_loss..., <output>_accuracy...]``."""
        logs = self._evaluate_logs(x, y, batch_size)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return list(logs.values()) if len(logs) > 1 else logs["loss"]

    def _evaluate_logs(self, x, y, batch_size):
        """``{"loss": ..., metric: ...}`` over ``(x, y)`` in inference mode."""
        self._require_compiled()
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        n = n_samples(x)
        y = self._check_y(y, n)
        total_loss, correct = 0.0, 0
        for start in range(0, n, batch_size):
            batch = slice(start, start + batch_size)
            loss, ok = self.test_step(self._as_float(take(x, batch)), take(y, batch))
            total_loss += loss
            correct = correct + ok
        n = max(n, 1)
        return {"loss": total_loss / n, **self._metric_logs(correct, n)}


def flat_metrics(metrics):
    """The metric names of ``compile(metrics=...)``: a list, or per output a dict/list of lists."""
    if metrics is None:
        return []
    if isinstance(metrics, str):
        return [metrics]
    entries = list(metrics.values()) if isinstance(metrics, dict) else list(metrics)
    return [m for entry in entries for m in (entry if isinstance(entry, (list, tuple)) else [entry])]


def _count_correct(loss, out, y):
    pred = out.argmax(axis=-1)
    y = np.asarray(y)
    if isinstance(loss, losses_module.CategoricalCrossentropy):
        y = y.argmax(axis=-1)
    elif y.ndim == 2:
        y = y[:, 0]
    return int(np.count_nonzero(pred == y))
