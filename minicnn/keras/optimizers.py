"""``keras.optimizers``: SGD (momentum, Nesterov) and Adam with Keras's arguments and formulas.

They are minicnn's optimizers (see ``minicnn.optimizers`` for the update rules, which follow
Keras 3's exactly). Arguments minicnn does not implement (``weight_decay``, ``clipnorm``,
``amsgrad``, learning-rate schedules, ...) raise NotImplementedError.
"""
import warnings

from .. import optimizers as _core
from ._compat import module_getattr, not_implemented, require_default

Optimizer = _core.Optimizer
_ADVICE = "use optimizers.Adam or optimizers.SGD"


def _check_common(owner, learning_rate, kwargs):
    if "lr" in kwargs:
        warnings.warn(f"{owner}: the argument `lr` is the old name of `learning_rate`", DeprecationWarning,
                      stacklevel=3)
        learning_rate = kwargs.pop("lr")
    if not isinstance(learning_rate, (int, float)) or isinstance(learning_rate, bool):
        raise not_implemented(f"{owner}(learning_rate={learning_rate!r}) (learning-rate schedules)",
                              "pass a float learning rate and adjust it with callbacks.LearningRateScheduler or "
                              "callbacks.ReduceLROnPlateau")
    for argument, default in (("weight_decay", None), ("clipnorm", None), ("clipvalue", None),
                              ("global_clipnorm", None), ("use_ema", False), ("ema_momentum", 0.99),
                              ("ema_overwrite_frequency", None), ("loss_scale_factor", None),
                              ("gradient_accumulation_steps", None)):
        require_default(owner, argument, kwargs.pop(argument, default), default,
                        f"leave {argument} at its default ({default!r})")
    kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Argument(s) not recognized by {owner}: {kwargs}")
    return learning_rate


class SGD(_core.SGD):
    """``SGD(learning_rate=0.01, momentum=0.0, nesterov=False)``."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(_check_common("SGD", learning_rate, kwargs), momentum=momentum, nesterov=nesterov)


class Adam(_core.Adam):
    """``Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, **kwargs):
        require_default("Adam", "amsgrad", amsgrad, False, "use amsgrad=False")
        super().__init__(_check_common("Adam", learning_rate, kwargs), beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon)


_BY_NAME = {"sgd": SGD, "adam": Adam}
_KERAS_NAMES = ("rmsprop", "adagrad", "adadelta", "adamax", "nadam", "ftrl", "adamw", "adafactor", "lion",
                "lamb", "muon", "loss_scale_optimizer")


def get(identifier):
    """An optimizer for a name ('adam', 'sgd', Keras's defaults) or an optimizer object."""
    if isinstance(identifier, _core.Optimizer):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in _BY_NAME:
            return _BY_NAME[key]()
        if key in _KERAS_NAMES:
            raise not_implemented(f"optimizer={identifier!r}", "use optimizer='adam' or 'sgd'")
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}; expected 'adam', 'sgd' or an "
                     "optimizer from keras.optimizers")


__getattr__ = module_getattr(__name__, {"schedules": "pass a float learning_rate and use "
                                        "callbacks.LearningRateScheduler"}, _ADVICE)
