"""One batch: the training step, evaluation and prediction (Keras's ``train_step`` and friends).

The training step (``train_step``)::

    out  = model(x, training=True)                 # _forward (graph.py)
    L, d = loss(out, y) + penalties                # _loss_and_grad: the output head; the loss reads
                                                   #   a final softmax's or sigmoid's logits as Keras
    backward(d)                                    # _backward (graph.py), which starts with the
                                                   #   head's _head_backward; every layer fills grads
                                                   #   (penalty gradients included)
    optimizer.apply_gradients(params, grads)       # the only place weights change
    apply_constraints()                            # then kernel_constraint=..., as Keras

The output head, everything that knows how the loss meets the model, is one section below:
``_losses``, ``_output_logits``, ``_loss_and_grad``, ``_head_backward``. The pieces a
model provides: ``_forward(x, training)``, ``_backward(d)``, ``parameters()``, ``_output_heads()``
and the input checks of ``checks.py``.
"""
import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .. import tta as test_time_augmentation
from ..callbacks import callback_list
from ..checks import positive_int
from .checks import as_list, n_samples, take

#: ``predict`` runs a batch through the model in pieces whose largest activation is at most this
#: many bytes (``Trainer._inference_samples``). On the 2-core AMD EPYC Zen 5 VM (32 MB L3), predict
#: of 1,280 images at batch_size=256, two interleaved runs (medians of 5) against whole batches:
#: cifar_bn 1.2-1.7x (one of its 256-image activations is 33.5 MB), cifar_small 1.16-1.5x, mnist
#: 1.0-1.15x; 8 and 12 MB budgets were no better, 24 MB worse on cifar_bn.
INFERENCE_BUDGET_BYTES = 16 * 2**20


class Trainer:
    # ------------------------------------------------------------------ compile
    def compile(self, optimizer, loss, metrics=("accuracy",), loss_weights=None):
        """``loss``: one loss, or for a model with several outputs one per output (a list, or a dict
        keyed by output name, Keras's ``{'name': loss}``); ``loss_weights`` likewise: the training
        loss is ``sum_k loss_weights[k] * loss_k``. ``metrics=['accuracy']`` (or per output,
        ``{'name': ['accuracy']}``) tracks the accuracy of every output; any of Keras's names in
        ``minicnn.metrics.BATCH_METRICS`` (``binary_accuracy``, ``top_k_categorical_accuracy``, ``mae``,
        ``mse``...) or a ``minicnn.keras.metrics`` object, several at once, each logged under its name."""
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
        for loss_object in self._losses():
            if loss_object.reduction == "none":
                raise ValueError(f"{loss_object.name} with reduction='none' gives one loss per sample, which "
                                 "training cannot minimise; use reduction='sum_over_batch_size' (the default) "
                                 "or 'sum'")
        # JSON, as saved files keep it: names where they say it all ('accuracy', 'mae'), else spec dicts
        # (TopKCategoricalAccuracy(k=3)); with several outputs one list per output
        specs = [[_compact(spec) for spec in output] for output in metric_specs(metrics, names)]
        self.metrics = specs[0] if names is None else (specs if any(specs) else [])
        return self

    @property
    def _metric_specs(self):
        """One list of metric specs (``minicnn.metrics.metric_spec``) per output."""
        return metric_specs(self.metrics, self.output_names if self._multi_output else None)

    # ------------------------------------------------------------------ the output head
    def _losses(self):
        """One loss object per output."""
        return list(self.loss) if isinstance(self.loss, list) else [self.loss] * len(self._outputs)

    def _output_logits(self, k):
        """Keras's ``_keras_logits`` for output ``k`` after a forward pass (``minicnn.losses``), or None.

        Walking back from the output through nodes that returned their input object unchanged
        (``Activation('linear')``, Dropout at inference), the first other node's layer gives the logits
        when it ends in a softmax or sigmoid. Backward then starts at that layer's ``backward_logits``
        and skips the pass-through nodes, so every tensor on the way must feed nothing else and the
        layer must not be shared (its ``logits`` are those of its last use)."""
        tensor, path = self._outputs[k], []
        if self._consumers.get(id(tensor)):
            return None
        while tensor.node is not None and self._passed_through.get(id(tensor.node)):
            path.append(tensor.node)
            tensor = tensor.node.inputs[0]
            if self._consumers.get(id(tensor)) != 1:
                return None
        node = tensor.node
        if node is None or id(node.layer) in self._shared:
            return None
        layer = node.layer
        for activation in ("softmax", "sigmoid"):
            if getattr(layer, f"ends_in_{activation}", False) and getattr(layer, "logits", None) is not None:
                return losses_module.OutputLogits(layer.logits, activation), node, path
        return None

    def _loss_and_grad(self, out, y):
        """The loss of outputs ``out`` for targets ``y`` and its gradient, plus the layers' penalties
        (``regularization_loss``, in training and evaluation as Keras). Each output's loss reads the
        logits of a final softmax or sigmoid when it takes them (``_output_logits``); the gradient is
        then at those logits and ``_head_backward`` starts backward there. With several outputs:
        ``sum_k w_k L_k`` and the list of ``w_k dL_k``; the unweighted ``L_k`` are kept in
        ``self._output_losses``."""
        outs, ys = (out, y) if self._multi_output else ([out], [y])
        weights = self.loss_weights if self._multi_output else [1.0]
        total, grads, self._output_losses, self._heads_at_logits = 0.0, [], [], []
        for k, (loss, weight) in enumerate(zip(self._losses(), weights)):
            found = self._output_logits(k)
            value, d, at_logits = loss.compute(outs[k], ys[k], found[0] if found else None)
            self._heads_at_logits.append(found if at_logits else None)
            total += weight * value
            grads.append(d if weight == 1.0 else d * d.dtype.type(weight))
            self._output_losses.append(value)
        total += self.regularization_loss()
        return total, (grads if self._multi_output else grads[0])

    def _head_backward(self, d):
        """The first step of backward, from ``d`` (what ``_loss_and_grad`` returned): where an output's
        loss read logits, the producing layer's ``backward_logits`` runs here and the pass-through
        nodes after it are skipped. Returns ``(seeds, done)``: ``seeds`` the ``(tensors, gradients)``
        that backward starts from, ``done`` the ids of the nodes whose backward already ran."""
        ds = d if self._multi_output else [d]
        seeds, done = [], set()
        for k, (t, _) in enumerate(self._output_heads()):
            if ds[k] is None:
                continue
            head = self._heads_at_logits[k]
            if head is not None:
                _, node, path = head
                done.update(id(n) for n in path + [node])
                seeds.append((node.inputs, [node.layer.backward_logits(ds[k])]))
            else:
                seeds.append(([t], [ds[k]]))
        return seeds, done

    def regularization_loss(self):
        """The sum of every layer's penalties (``kernel_regularizer=``, ``activity_regularizer=``...),
        which Keras adds to the loss in training and in evaluation; the layers' backward adds their
        gradients."""
        return sum(layer.regularization_loss() for layer in self.layers)

    def apply_constraints(self):
        """Project constrained weights (``kernel_constraint=...``) after an optimizer step, as Keras."""
        for layer in self.trainable_layers:
            layer.apply_constraints()

    def _learning_rate_log(self):
        """The ``learning_rate`` value logged at the end of each epoch."""
        return self.optimizer.learning_rate

    # ------------------------------------------------------------------ one batch
    def _correct(self, out, y):
        """The batch's metric sums over samples: ``[sum_1 .. sum_M]`` for the compiled metrics (in
        order); with several outputs each output's sums, then ``[n L_1 .. n L_K]`` (summed losses)."""
        outs, ys = (out, y) if self._multi_output else ([out], [y])
        sums = [metrics_module.batch_metric_sum(spec, o, yk)
                for o, yk, specs in zip(outs, ys, self._metric_specs) for spec in specs]
        if self._multi_output:
            sums += [n_samples(out) * v for v in self._output_losses]
        return np.array(sums, dtype=np.float64)

    def metric_keys(self):
        """The metrics' log keys in compile order (Keras's: the name given, ``<output>_<name>`` with
        several outputs)."""
        if not self._multi_output:
            return [spec["name"] for spec in self._metric_specs[0]]
        return [f"{name}_{spec['name']}" for name, specs in zip(self.output_names, self._metric_specs)
                for spec in specs]

    def _metric_logs(self, correct, seen):
        """The logs of ``correct`` (summed over batches, see ``_correct``) over ``seen`` samples: each
        metric under its key; with several outputs ``<output>_loss`` first (Keras's keys)."""
        keys, logs = self.metric_keys(), {}
        if self._multi_output:
            logs = {f"{name}_loss": float(correct[len(keys) + i] / seen) for i, name in enumerate(self.output_names)}
        logs.update({key: float(correct[i] / seen) for i, key in enumerate(keys)})
        return logs

    def train_step(self, x, y):
        """One optimizer step on a checked float batch; returns ``(loss, correct predictions)``."""
        out = self._forward(x, True)
        loss, d = self._loss_and_grad(out, y)
        if not np.isfinite(loss):
            return loss, self._correct(out, y)
        self._backward(d)
        self.optimizer.apply_gradients(self.parameters())
        self.apply_constraints()
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
    def predict(self, x, batch_size=32, verbose=0, callbacks=None, tta=0):
        """The model's output (probabilities for a softmax model), shape (N,) + output_shape; a list
        of arrays for a model with several outputs. ``callbacks`` get the ``on_predict_*`` hooks, batch
        logs ``{"outputs": batch_outputs}``; ``tta=1|2`` averages the outputs over mirrored / shifted
        views (``minicnn.tta``). Each batch runs through the model in cache-sized pieces
        (``_inference_samples``); the outputs are the same."""
        if tta:
            return test_time_augmentation.predict(self, x, tta, positive_int(batch_size, "batch_size"))
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        n = n_samples(x)
        shapes = self.output_shape if self._multi_output else [self.output_shape]
        outs = [np.empty((n,) + tuple(shape), dtype=self.dtype) for shape in shapes]
        cbs = callback_list(callbacks, self, {"verbose": verbose, "epochs": 1, "steps": -(-n // batch_size)})
        cbs.on_predict_begin()
        sub = self._inference_samples()
        for step, start in enumerate(range(0, n, batch_size)):
            cbs.on_predict_batch_begin(step)
            batch = slice(start, start + batch_size)
            for s in range(start, min(start + batch_size, n), sub):  # cache-sized pieces of the batch
                piece = slice(s, min(s + sub, start + batch_size, n))
                part = self._forward(self._as_float(take(x, piece)), False)
                for out, p in zip(outs, part if self._multi_output else [part]):
                    out[piece] = p
            cbs.on_predict_batch_end(step, logs={"outputs": [o[batch] for o in outs] if self._multi_output
                                                 else outs[0][batch]})
        cbs.on_predict_end()
        return outs if self._multi_output else outs[0]

    def _inference_samples(self):
        """How many samples ``predict`` runs through the model at a time: as many as keep the
        largest activation within ``INFERENCE_BUDGET_BYTES`` (at least 1). The outputs are those of
        the whole batch (inference treats every sample on its own); only where the activations
        live changes: cache-sized pieces stay in the last-level cache from one layer to the next."""
        largest = max((int(np.prod(node.output.shape[1:])) for node in self._nodes), default=1)
        return max(1, INFERENCE_BUDGET_BYTES // max(1, largest * np.dtype(self.dtype).itemsize))

    def __call__(self, x, training=False):
        return self._forward(self._as_float(self._check_x(x)), training)

    def evaluate(self, x, y, batch_size=32, verbose=1, callbacks=None, tta=0):
        """Mean loss and accuracy over ``(x, y)``: ``[loss, accuracy]`` (the loss alone without metrics);
        with several outputs ``[loss, <output>_loss..., <output>_accuracy...]``. ``callbacks`` get the
        ``on_test_*`` hooks with the running means as batch logs."""
        if tta:  # of the test-time-augmented outputs (minicnn.tta), returned without printing
            return test_time_augmentation.evaluate(self, x, self._check_y(y, n_samples(self._check_x(x))), tta,
                                                  positive_int(batch_size, "batch_size"))
        logs = self._evaluate_logs(x, y, batch_size, callbacks=callbacks, verbose=verbose)
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return list(logs.values()) if len(logs) > 1 else logs["loss"]

    def _evaluate_logs(self, x, y, batch_size, callbacks=None, verbose=0):
        """``{"loss": ..., metric: ...}`` over ``(x, y)`` in inference mode; ``callbacks`` (a list, or
        fit's CallbackList during validation) get the test hooks."""
        self._require_compiled()
        batch_size = positive_int(batch_size, "batch_size")
        x = self._check_x(x)
        self._check_finite(x)
        n = n_samples(x)
        y = self._check_y(y, n)
        cbs = callback_list(callbacks, self, {"verbose": verbose, "epochs": 1, "steps": -(-n // batch_size)})
        cbs.on_test_begin()
        total_loss, correct, seen = 0.0, 0, 0
        for step, start in enumerate(range(0, n, batch_size)):
            cbs.on_test_batch_begin(step)
            batch = slice(start, start + batch_size)
            loss, ok = self.test_step(self._as_float(take(x, batch)), take(y, batch))
            total_loss += loss
            correct = correct + ok
            seen = min(start + batch_size, n)
            cbs.on_test_batch_end(step, logs={"loss": total_loss / seen, **self._metric_logs(correct, seen)})
        n = max(n, 1)
        logs = {"loss": total_loss / n, **self._metric_logs(correct, n)}
        cbs.on_test_end(logs=logs)
        return logs


def _compact(spec):
    """A metric spec as its name when the name alone gives it back."""
    name = spec["name"]
    known = name in metrics_module.BATCH_METRICS or name in metrics_module.ALIASES
    return name if known and metrics_module.metric_spec(name) == spec else spec


def _is_entry(m):
    """One metric: a name, an object with ``metric_spec()`` or a spec dict (``{"metric": ...}``)."""
    return isinstance(m, str) or hasattr(m, "metric_spec") or (isinstance(m, dict) and "metric" in m)


def flat_metrics(metrics):
    """The metric entries of ``compile(metrics=...)``: one entry, a list, or per output a dict/list of lists."""
    if metrics is None:
        return []
    if _is_entry(metrics):
        return [metrics]
    entries = list(metrics.values()) if isinstance(metrics, dict) else list(metrics)
    return [m for entry in entries for m in flat_metrics(entry)]


def metric_specs(metrics, names):
    """One list of metric specs (``minicnn.metrics.metric_spec``) per output: ``metrics`` is a list of
    names/objects (for every output), or with several outputs a dict keyed by output name (outputs
    left out get none) or a list of per-output lists."""
    per_output = None
    if names is not None and isinstance(metrics, dict) and not _is_entry(metrics):
        unknown = set(metrics) - set(names)
        if unknown:
            raise ValueError(f"metrics are keyed by {sorted(metrics)}; the model's outputs are {names}")
        per_output = [metrics.get(name, []) for name in names]
    elif names is not None and isinstance(metrics, (list, tuple)) and metrics and \
            all(isinstance(m, (list, tuple)) for m in metrics):
        per_output = as_list(list(metrics), names, "metric lists")
    if per_output is None:
        specs = [metrics_module.metric_spec(m) for m in flat_metrics(metrics)]
        return [specs] * (1 if names is None else len(names))
    return [[metrics_module.metric_spec(m) for m in flat_metrics(entry)] for entry in per_output]
