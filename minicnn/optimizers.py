"""SGD (with momentum and Nesterov) and Adam, following Keras 3's update formulas exactly.

Optimizers only read ``layer.params`` and ``layer.grads`` and update the parameter arrays in
place (one fused numba pass per parameter; ``kernels.fused`` has the plain NumPy references).
Their per-parameter state is keyed by ``"<layer name>/<param name>"``.

SGD, for each weight w with gradient g:
    momentum == 0:  w -= lr * g
    otherwise:      v = momentum * v - lr * g
                    w += v                          (nesterov=False)
                    w += momentum * v - lr * g      (nesterov=True, v already updated)

Adam, at step t = 1, 2, ...:
    m += (g - m) * (1 - beta_1);   v += (g^2 - v) * (1 - beta_2)
    lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
    w -= lr_t * m / (sqrt(v) + epsilon)            (epsilon outside the bias correction)
"""
import numpy as np

from .checks import real_number
from .kernels.fused import adam_update, sgd_momentum_update


class Optimizer:
    def __init__(self, learning_rate):
        self.learning_rate = real_number(learning_rate, "learning_rate", 0.0, low_open=True)
        self.iterations = 0
        self.slots = {}  # key -> {slot name: array}

    def apply_gradients(self, params_and_grads):
        """Apply one update step. ``params_and_grads``: iterable of (key, param array, grad array)."""
        self.iterations += 1
        for key, param, grad in params_and_grads:
            self.update(key, param, grad)

    def slot(self, key, name, like):
        slots = self.slots.setdefault(key, {})
        if name not in slots:
            slots[name] = np.zeros_like(like)
        elif slots[name].shape != like.shape:
            raise ValueError(f"optimizer state {key}:{name} has shape {slots[name].shape} but the parameter has "
                             f"shape {like.shape}; the state belongs to another model")
        elif slots[name].dtype != like.dtype:
            slots[name] = slots[name].astype(like.dtype)
        return slots[name]

    def update(self, key, param, grad):
        raise NotImplementedError

    def get_config(self):
        return {"name": type(self).__name__.lower(), "learning_rate": self.learning_rate}

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


class SGD(Optimizer):
    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False):
        super().__init__(learning_rate)
        self.momentum = real_number(momentum, "momentum", 0.0, 1.0)
        self.nesterov = bool(nesterov)

    def update(self, key, param, grad):
        lr = param.dtype.type(self.learning_rate)
        if self.momentum == 0.0:
            param -= lr * grad
            return
        sgd_momentum_update(param, grad, self.slot(key, "momentum", param), self.learning_rate, self.momentum,
                            self.nesterov)

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        super().__init__(learning_rate)
        self.beta_1 = real_number(beta_1, "beta_1", 0.0, 1.0, high_open=True)
        self.beta_2 = real_number(beta_2, "beta_2", 0.0, 1.0, high_open=True)
        self.epsilon = real_number(epsilon, "epsilon", 0.0, low_open=True)

    def update(self, key, param, grad):
        t = self.iterations
        lr_t = self.learning_rate * np.sqrt(1 - self.beta_2 ** t) / (1 - self.beta_1 ** t)
        adam_update(param, grad, self.slot(key, "m", param), self.slot(key, "v", param), lr_t, 1 - self.beta_1,
                    1 - self.beta_2, self.epsilon)

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}


_BY_NAME = {"sgd": SGD, "adam": Adam}


def get(optimizer):
    """An optimizer from a name ("sgd", "adam", with Keras's defaults) or an optimizer object."""
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, str) and optimizer.lower() in _BY_NAME:
        return _BY_NAME[optimizer.lower()]()
    raise ValueError(f"unknown optimizer {optimizer!r}; expected 'sgd', 'adam' or an optimizer object")


def from_config(config):
    config = dict(config)
    return _BY_NAME[config.pop("name")](**config)
