"""Optimizers with Keras 3's update formulas, arguments and defaults.

Optimizers only read ``layer.params`` and ``layer.grads`` and update the parameter arrays in
place. Their per-parameter state ("slots") is keyed by ``"<layer name>/<param name>"``. SGD and
Adam run one fused numba pass per parameter (``kernels.fused`` has the plain NumPy references);
the others are plain NumPy in the order of Keras's operations.

One step (``apply_gradients``), as ``keras.optimizers.Optimizer.apply`` does it, with
``t = iterations + 1`` (iterations = steps already taken):

    lr   = learning_rate, or schedule(iterations) for a ``schedules.LearningRateSchedule``,
           divided by (1 + decay * iterations) when Keras 2's ``decay`` is set
    g    = clipped gradient: clipnorm      g * c / max(||g||, c)          (per parameter)
                             global_clipnorm g * c / max(||all g||, c)    (one norm over all)
                             clipvalue     clip(g, -c, c)                  (at most one of the three)
    w   -= w * weight_decay * lr           (decoupled weight decay, before the update; every
                                            trainable parameter, biases and BatchNorm gamma/beta
                                            included, as in Keras, unless excluded with
                                            ``exclude_from_weight_decay``)
    then the optimizer's own update of w with g and lr:

SGD:      momentum == 0:  w -= lr * g
          otherwise:      v = momentum * v - lr * g
                          w += v                          (nesterov=False)
                          w += momentum * v - lr * g      (nesterov=True, v already updated)
Adam:     m += (g - m) * (1 - beta_1);   v += (g^2 - v) * (1 - beta_2)
          amsgrad: v_hat = max(v_hat, v), used for v below
          w -= lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)
AdamW:    Adam with weight_decay (default 0.004, required)
RMSprop:  v = rho * v + (1 - rho) * g^2
          centered: a = rho * a + (1 - rho) * g;  d = v - a^2 + epsilon,  else d = v + epsilon
          inc = lr * g / sqrt(d)
          momentum > 0: mom = momentum * mom + inc;  w -= mom,  else w -= inc
Adagrad:  acc += g^2   (acc starts at initial_accumulator_value);  w -= lr * g / sqrt(acc + epsilon)
Adadelta: A = rho * A + (1 - rho) * g^2
          delta = -sqrt(D + epsilon) * g / sqrt(A + epsilon)
          D = rho * D + (1 - rho) * delta^2;   w += lr * delta
Adamax:   m += (g - m) * (1 - beta_1);   u = max(beta_2 * u, |g|)
          w -= lr * m / ((1 - beta_1^t) * (u + epsilon))
Nadam:    mu_s = beta_1 * (1 - 0.5 * 0.96^s);  P_t = mu_1 * ... * mu_t
          (Keras 2's schedule_decay=d, if given: 0.96^(s * d))
          m += (g - m) * (1 - beta_1);   v += (g^2 - v) * (1 - beta_2)
          m_hat = mu_{t+1} * m / (1 - P_t * mu_{t+1}) + (1 - mu_t) * g / (1 - P_t)
          w -= lr * m_hat / (sqrt(v / (1 - beta_2^t)) + epsilon)

Per-parameter learning-rate multipliers (minicnn's; Keras has none): after
``optimizer.set_lr_multipliers({"batch_normalization.*/beta": 64.0})`` a parameter whose key matches
a pattern takes its steps with ``lr * multiplier``; its weight decay keeps the plain ``lr`` (the
decay step does not grow with the multiplier, as in airbench's parameter groups).

Scalars are rounded to the parameters' dtype, as Keras casts them to the variable's dtype, so
float32 training matches Keras to float32 rounding (``tests/keras/test_optimizer_parity.py``).
"""
import math
import re
import sys

import numpy as np

from . import schedules
from .checks import real_number
from .kernels.fused import adam_update, sgd_momentum_update, sgd_torch_update

# ``import minicnn.optimizers.schedules`` and ``from minicnn.optimizers.schedules import ...`` work
sys.modules[__name__ + ".schedules"] = schedules


def _optional_positive(value, name):
    return None if value is None else real_number(value, name, 0.0)


class Optimizer:
    """Base class. A subclass implements ``update(key, param, grad, lr)`` (one parameter, in place;
    ``self.iterations + 1`` is the step number t) and adds its arguments to ``get_config``."""

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 decay=0.0):
        self.iterations = 0
        self.slots = {}  # key -> {slot name: array}
        self._learning_rate = None
        self.learning_rate = learning_rate
        self.weight_decay = _optional_positive(weight_decay, "weight_decay")
        self.clipnorm = _optional_positive(clipnorm, "clipnorm")
        self.clipvalue = _optional_positive(clipvalue, "clipvalue")
        self.global_clipnorm = _optional_positive(global_clipnorm, "global_clipnorm")
        if sum(c is not None for c in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                             f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        #: Keras 2's inverse-time decay per step (Keras 3 removed it; see schedules.InverseTimeDecay)
        self.decay = real_number(decay, "decay", 0.0)
        self._exclude_ids = ()
        self._exclude_pattern = None
        self._lr_multipliers = ()

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self):
        """The learning rate now: the float, or the schedule's value at ``iterations``."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            lr = float(self._learning_rate(self.iterations))
            if not (math.isfinite(lr) and lr >= 0):
                raise ValueError(f"the learning-rate schedule {type(self._learning_rate).__name__} returned {lr} at "
                                 f"step {self.iterations}; expected a finite number >= 0")
            return lr
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule):
            self._learning_rate = value
            return
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "`learning_rate` constructor argument, hence its learning rate is not settable. If you "
                            "need the learning rate to be settable, you should instantiate the optimizer with a "
                            "float `learning_rate` argument.")
        if callable(value):
            raise ValueError(f"learning_rate must be a positive number or a schedules.LearningRateSchedule, got "
                             f"{value!r}; wrap a function of the step in a LearningRateSchedule subclass")
        self._learning_rate = real_number(value, "learning_rate", 0.0, low_open=True)

    @property
    def schedule(self):
        """The ``LearningRateSchedule`` driving the learning rate, or None."""
        lr = self._learning_rate
        return lr if isinstance(lr, schedules.LearningRateSchedule) else None

    def current_learning_rate(self):
        """The rate the next step uses: ``learning_rate`` / (1 + decay * iterations)."""
        lr = self.learning_rate
        return lr / (1.0 + self.decay * self.iterations) if self.decay else lr

    # ------------------------------------------------------------------ one step
    def apply_gradients(self, params_and_grads):
        """Apply one update step. ``params_and_grads``: iterable of (key, param array, grad array)."""
        items = list(params_and_grads)
        grads = self._clip_gradients([grad for _, _, grad in items])
        lr = self.current_learning_rate()
        if self.weight_decay is not None:
            for key, param, _ in items:
                if self._use_weight_decay(key, param):
                    t = param.dtype.type
                    shrink = np.multiply(param, t(self.weight_decay))  # (w * wd) * lr, Keras's rounding
                    shrink *= t(lr)
                    param -= shrink
        for (key, param, _), grad in zip(items, grads):
            self.update(key, param, grad, lr * self.lr_multiplier(key))
        self.iterations += 1

    # ------------------------------------------------------------------ per-parameter learning rates
    def set_lr_multipliers(self, multipliers):
        """``{regular expression: factor}``: a parameter whose key ``"<layer name>/<param name>"``
        matches a pattern (``re.search``, first match wins) steps with ``lr * factor``; weight decay
        is not multiplied. ``{}`` removes them. Not saved with the model: call it again after loading."""
        checked = []
        for pattern, factor in dict(multipliers).items():
            checked.append((re.compile(pattern), real_number(factor, f"lr multiplier for {pattern!r}", 0.0)))
        self._lr_multipliers = tuple(checked)

    def lr_multiplier(self, key):
        """The learning-rate factor of the parameter ``key`` (1.0 unless :meth:`set_lr_multipliers` matched)."""
        for pattern, factor in self._lr_multipliers:
            if pattern.search(key):
                return factor
        return 1.0

    def update(self, key, param, grad, lr):
        raise NotImplementedError

    def _clip_gradients(self, grads):
        if self.clipnorm:
            return [_scale_to_norm(g, _norm([g]), self.clipnorm) for g in grads]
        if self.global_clipnorm:
            norm = _norm(grads)
            return [_scale_to_norm(g, norm, self.global_clipnorm) for g in grads]
        if self.clipvalue:
            return [np.clip(g, -self.clipvalue, self.clipvalue).astype(g.dtype, copy=False) for g in grads]
        return grads

    # ------------------------------------------------------------------ weight decay
    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Leave some parameters out of weight decay: the arrays in ``var_list``, and every parameter
        whose key ``"<layer name>/<param name>"`` contains a match of one of the regular expressions
        ``var_names`` (e.g. ``["bias", "gamma", "beta"]``). Call it before training, as in Keras."""
        if self.iterations:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before the optimizer is built.")
        self._exclude_ids = tuple(var_list or ())
        self._exclude_pattern = re.compile("|".join(sorted(set(var_names)))) if var_names else None

    def _use_weight_decay(self, key, param):
        if any(param is v for v in self._exclude_ids):
            return False
        return self._exclude_pattern is None or self._exclude_pattern.search(key) is None

    # ------------------------------------------------------------------ state
    def slot(self, key, name, like, fill=0.0):
        slots = self.slots.setdefault(key, {})
        if name not in slots:
            slots[name] = np.full_like(like, fill)
        elif slots[name].shape != like.shape:
            raise ValueError(f"optimizer state {key}:{name} has shape {slots[name].shape} but the parameter has "
                             f"shape {like.shape}; the state belongs to another model")
        elif slots[name].dtype != like.dtype:
            slots[name] = slots[name].astype(like.dtype)
        return slots[name]

    def get_config(self):
        """JSON-ready arguments (``from_config`` rebuilds the optimizer); a schedule is serialized."""
        lr = self._learning_rate
        config = {"name": type(self).__name__.lower(),
                  "learning_rate": schedules.serialize(lr) if isinstance(lr, schedules.LearningRateSchedule) else lr,
                  "weight_decay": self.weight_decay, "clipnorm": self.clipnorm,
                  "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue}
        if self.decay:
            config["decay"] = self.decay
        return config

    def get_state(self):
        """Flat dict of arrays: ``iterations`` and every slot as ``"<key>:<slot>"``."""
        state = {"iterations": np.array(self.iterations, dtype=np.int64)}
        for key, slots in self.slots.items():
            for name, value in slots.items():
                state[f"{key}:{name}"] = value
        return state

    def set_state(self, state):
        self.iterations = int(state["iterations"])
        self.slots = {}
        for flat, value in state.items():
            if flat == "iterations":
                continue
            key, name = flat.rsplit(":", 1)
            self.slots.setdefault(key, {})[name] = np.array(value)

    def cast(self, dtype):
        for slots in self.slots.values():
            for name in slots:
                slots[name] = slots[name].astype(dtype)


def _norm(grads):
    """The L2 norm of all entries of ``grads``."""
    return float(np.sqrt(sum(float(np.sum(np.square(g, dtype=np.float64))) for g in grads)))


def _scale_to_norm(g, norm, clip):
    """``g * clip / max(norm, clip)``: unchanged when ``norm <= clip``."""
    return g if norm <= clip else g * g.dtype.type(clip / norm)


class SGD(Optimizer):
    """Keras's SGD; ``form="torch"`` is ``torch.optim.SGD`` instead (minicnn's argument).

    ``form="keras"`` (default): the module docstring's update, weight decay decoupled.
    ``form="torch"``: the velocity holds gradients, not steps, and ``weight_decay`` is coupled
    (added to the gradient, so it goes through the momentum), as PyTorch does::

        g = g + (weight_decay / multiplier) * w      (multiplier: the lr multiplier of w, see
                                                       set_lr_multipliers; 1 by default)
        u = momentum * u + g
        w -= lr * (g + momentum * u)   (nesterov)     or   w -= lr * u   (not nesterov)

    The two agree for a constant learning rate (``v = -lr * u``) and differ under a schedule: Keras
    scales each gradient by the rate of its own step, PyTorch scales the whole velocity by today's.

    airbench's per-1024-example hyperparameters (lr_1024, wd_1024, momentum m, batch B, the loss a
    *sum* over the batch) map exactly onto ``form="torch"`` with minicnn's *mean* loss::

        kilostep = 1024 * (1 + 1 / (1 - m))
        PyTorch: lr_t = lr_1024 / kilostep,  coupled decay lambda_t = wd_1024 * B / lr_1024,
                 step lr_t * (B * mean_grad + lambda_t * w + ...)
        minicnn: learning_rate = B * lr_1024 / kilostep,  weight_decay = wd_1024 / lr_1024
                 (the factor B moves from the sum-loss gradient into the rate, so the decay
                 coefficient is divided by B: lr * (mean_grad + weight_decay * w) is the same step)

    and a group with PyTorch rate ``k * lr`` and decay ``lambda / k`` (airbench's BatchNorm biases,
    k = 64) is ``set_lr_multipliers({pattern: k})``: see :func:`airbench_sgd`.
    """

    FORMS = ("keras", "torch")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, form="keras", **common):
        super().__init__(learning_rate, **common)
        self.momentum = real_number(momentum, "momentum", 0.0, 1.0)
        self.nesterov = bool(nesterov)
        if form not in self.FORMS:
            raise ValueError(f"SGD form must be one of {list(self.FORMS)}, got form={form!r}")
        self.form = form
        if form == "torch":
            self._coupled_weight_decay, self.weight_decay = self.weight_decay, None

    def update(self, key, param, grad, lr):
        if self.form == "torch":
            sgd_torch_update(param, grad, self.slot(key, "momentum", param), lr, self.momentum, self.nesterov,
                             (self._coupled_weight_decay or 0.0) / self.lr_multiplier(key))
            return
        if self.momentum == 0.0:
            param -= param.dtype.type(lr) * grad
            return
        sgd_momentum_update(param, grad, self.slot(key, "momentum", param), lr, self.momentum, self.nesterov)

    def get_config(self):
        config = {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
        if self.form == "torch":
            config.update(form="torch", weight_decay=self._coupled_weight_decay)
        return config


def airbench_sgd(lr_1024, weight_decay_1024, momentum, batch_size, schedule=None, **common):
    """``SGD(form="torch", nesterov=True)`` with airbench's per-1024-example ``lr`` and
    ``weight_decay`` for a mean-over-batch loss (the mapping is derived in :class:`SGD`'s docstring).
    ``schedule``: ``(steps, factors)``, the points of a ``schedules.PiecewiseLinear`` factor of the
    base rate per step, or None for a constant rate."""
    kilostep = 1024.0 * (1.0 + 1.0 / (1.0 - momentum))
    base = batch_size * lr_1024 / kilostep
    lr = base if schedule is None else schedules.PiecewiseLinear(schedule[0], [base * f for f in schedule[1]])
    return SGD(lr, momentum=momentum, nesterov=True, form="torch", weight_decay=weight_decay_1024 / lr_1024, **common)


class _Betas(Optimizer):
    """Shared arguments of Adam, Adamax and Nadam."""

    def __init__(self, learning_rate, beta_1, beta_2, epsilon, **common):
        super().__init__(learning_rate, **common)
        self.beta_1 = real_number(beta_1, "beta_1", 0.0, 1.0, high_open=True)
        self.beta_2 = real_number(beta_2, "beta_2", 0.0, 1.0, high_open=True)
        self.epsilon = real_number(epsilon, "epsilon", 0.0, low_open=True)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


class Adam(_Betas):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **common):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **common)
        self.amsgrad = bool(amsgrad)

    def update(self, key, param, grad, lr):
        t = self.iterations + 1
        lr_t = lr * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        m, v = self.slot(key, "m", param), self.slot(key, "v", param)
        if not self.amsgrad:
            adam_update(param, grad, m, v, lr_t, 1 - self.beta_1, 1 - self.beta_2, self.epsilon)
            return
        c = param.dtype.type
        m += (grad - m) * c(1 - self.beta_1)
        v += (np.square(grad) - v) * c(1 - self.beta_2)
        v_hat = self.slot(key, "velocity_hat", param)
        np.maximum(v_hat, v, out=v_hat)
        param -= m * c(lr_t) / (np.sqrt(v_hat) + c(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay ``w -= w * weight_decay * lr`` (Keras's default 0.004)."""

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **common):
        if weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay=weight_decay, **common)


class RMSprop(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **common):
        super().__init__(learning_rate, **common)
        self.rho = real_number(rho, "rho", 0.0, 1.0)
        self.momentum = real_number(momentum, "momentum", 0.0, 1.0)
        self.epsilon = real_number(epsilon, "epsilon", 0.0, low_open=True)
        self.centered = bool(centered)

    def update(self, key, param, grad, lr):
        c = param.dtype.type
        rho, one_minus_rho = c(self.rho), c(1 - self.rho)
        v = self.slot(key, "velocity", param)
        v[...] = rho * v + one_minus_rho * np.square(grad)
        if self.centered:
            a = self.slot(key, "average_gradient", param)
            a[...] = rho * a + one_minus_rho * grad
            denominator = v - np.square(a) + c(self.epsilon)
        else:
            denominator = v + c(self.epsilon)
        increment = c(lr) * grad / np.sqrt(denominator)
        if self.momentum > 0:
            mom = self.slot(key, "momentum", param)
            mom[...] = c(self.momentum) * mom + increment
            param -= mom
        else:
            param -= increment

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                "centered": self.centered}


class Adagrad(Optimizer):
    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **common):
        super().__init__(learning_rate, **common)
        self.initial_accumulator_value = real_number(initial_accumulator_value, "initial_accumulator_value", 0.0)
        self.epsilon = real_number(epsilon, "epsilon", 0.0, low_open=True)

    def update(self, key, param, grad, lr):
        c = param.dtype.type
        acc = self.slot(key, "accumulator", param, fill=self.initial_accumulator_value)
        acc += np.square(grad)
        param -= c(lr) * grad / np.sqrt(acc + c(self.epsilon))

    def get_config(self):
        return {**super().get_config(), "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adadelta(Optimizer):
    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **common):
        super().__init__(learning_rate, **common)
        self.rho = real_number(rho, "rho", 0.0, 1.0)
        self.epsilon = real_number(epsilon, "epsilon", 0.0, low_open=True)

    def update(self, key, param, grad, lr):
        c = param.dtype.type
        rho, one_minus_rho, eps = c(self.rho), c(1 - self.rho), c(self.epsilon)
        acc_grad = self.slot(key, "accumulated_grad", param)
        acc_delta = self.slot(key, "accumulated_delta_var", param)
        acc_grad[...] = rho * acc_grad + one_minus_rho * np.square(grad)
        delta = -(np.sqrt(acc_delta + eps) * grad / np.sqrt(acc_grad + eps))
        acc_delta[...] = rho * acc_delta + one_minus_rho * np.square(delta)
        param += c(lr) * delta

    def get_config(self):
        return {**super().get_config(), "rho": self.rho, "epsilon": self.epsilon}


class Adamax(_Betas):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **common):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **common)

    def update(self, key, param, grad, lr):
        c = param.dtype.type
        m, u = self.slot(key, "momentum", param), self.slot(key, "norm", param)
        m += (grad - m) * c(1 - self.beta_1)
        np.maximum(c(self.beta_2) * u, np.abs(grad), out=u)
        param -= c(lr) * m / (c(1 - self.beta_1 ** (self.iterations + 1)) * (u + c(self.epsilon)))


class Nadam(_Betas):
    """``schedule_decay`` is Keras 2's momentum warm-up, mu_s = beta_1 * (1 - 0.5 * 0.96^(s * schedule_decay))
    (Keras 2's default 0.004); Keras 3 removed it and uses 0.96^s, which ``None`` (the default) gives."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, schedule_decay=None, **common):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, **common)
        self.schedule_decay = _optional_positive(schedule_decay, "schedule_decay")
        self._product_at = (0, 1.0)  # (t, mu_1 * ... * mu_t): a function of the step alone, not saved

    def _mu(self, s):
        return self.beta_1 * (1.0 - 0.5 * 0.96 ** (s if self.schedule_decay is None else s * self.schedule_decay))

    def get_config(self):
        config = super().get_config()
        if self.schedule_decay is not None:
            config["schedule_decay"] = self.schedule_decay
        return config

    def _product(self, t):
        """``mu_1 * ... * mu_t``, multiplied in step order (so a resumed run gets the same bits)."""
        s, product = self._product_at if self._product_at[0] <= t else (0, 1.0)
        while s < t:
            s += 1
            product *= self._mu(s)
        self._product_at = (t, product)
        return product

    def update(self, key, param, grad, lr):
        c = param.dtype.type
        t = self.iterations + 1
        mu_t, mu_next = self._mu(t), self._mu(t + 1)
        product = self._product(t)
        m, v = self.slot(key, "momentum", param), self.slot(key, "velocity", param)
        m += (grad - m) * c(1 - self.beta_1)
        v += (np.square(grad) - v) * c(1 - self.beta_2)
        m_hat = c(mu_next / (1 - product * mu_next)) * m + c((1 - mu_t) / (1 - product)) * grad
        v_hat = v / c(1 - self.beta_2 ** t)
        param -= m_hat * c(lr) / (np.sqrt(v_hat) + c(self.epsilon))


_BY_NAME = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)}


def get(optimizer):
    """An optimizer from a name (case-insensitive: "sgd", "adam", "rmsprop", "adamw", "adagrad",
    "adadelta", "adamax", "nadam", with Keras's defaults) or an optimizer object."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ValueError(f"unknown optimizer {optimizer!r}; expected one of {sorted(_BY_NAME)} or an optimizer object")


def from_config(config):
    """The optimizer ``get_config`` described (a serialized schedule becomes a schedule again)."""
    config = dict(config)
    cls = _BY_NAME[config.pop("name")]
    if isinstance(config.get("learning_rate"), dict):
        config["learning_rate"] = schedules.deserialize(config["learning_rate"])
    return cls(**config)
