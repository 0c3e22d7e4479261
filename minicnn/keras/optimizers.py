"""``keras.optimizers``: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax and Nadam with Keras 3's
arguments, defaults and formulas, and ``keras.optimizers.schedules``.

They are minicnn's optimizers (``minicnn.optimizers`` documents the update rules, which follow Keras
3's exactly), with Keras's common arguments ``weight_decay``, ``clipnorm``, ``clipvalue``,
``global_clipnorm`` and a ``LearningRateSchedule`` as ``learning_rate``. ``use_ema``,
``loss_scale_factor`` and ``gradient_accumulation_steps`` raise NotImplementedError.

Keras 2 spellings work, each with a DeprecationWarning naming the Keras 3 spelling:
``lr=`` and ``optimizer.lr`` (the old name of ``learning_rate``; Keras 3 rejects it), ``decay=`` (Keras 2's per-step
inverse-time decay ``lr / (1 + decay * iterations)``; Keras 3 ignores it with a warning, so a lesson
ported to Keras 3 silently trains without it) and the lower-case ``sgd()``, ``rmsprop()``,
``adagrad()``, ``adadelta()``, ``adam()``, ``adamax()``, ``nadam()`` (Keras 2's aliases, removed in
Keras 3), which keep Keras 2's default learning rates (and ``nadam()`` its ``schedule_decay=0.004``);
``epsilon=None`` (Keras 2's "backend epsilon", 1e-7) and Nadam's ``schedule_decay`` too. The update
formulas are Keras 3's.
"""
import inspect
import sys
import warnings

from .. import optimizers as _core
from .. import schedules
from ._compat import module_getattr, not_implemented, require_default

Optimizer = _core.Optimizer
sys.modules[__name__ + ".schedules"] = schedules  # ``from minicnn.keras.optimizers.schedules import ...``
_ADVICE = ("use one of optimizers.SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax or Nadam")
_UNSUPPORTED = (("use_ema", False, "leave use_ema=False (keep copies of the weights with callbacks instead)"),
                ("ema_momentum", 0.99, "leave ema_momentum at its default (0.99); use_ema is not implemented"),
                ("ema_overwrite_frequency", None, "leave ema_overwrite_frequency=None"),
                ("loss_scale_factor", None, "leave loss_scale_factor=None (minicnn trains in float32 or float64)"),
                ("gradient_accumulation_steps", None, "leave gradient_accumulation_steps=None and use a larger "
                                                      "batch_size"))


def _warn(message):
    """A DeprecationWarning attributed to the first caller outside this module (the user's line)."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, DeprecationWarning, stacklevel=level)


def _translate(owner, args, kwargs):
    """Keras 2's ``lr`` and ``decay`` to minicnn's arguments; Keras 3 arguments minicnn lacks refused."""
    if "lr" in kwargs:
        if args or "learning_rate" in kwargs:
            raise ValueError(f"{owner}: give the learning rate once, as learning_rate= (lr= is its Keras 2 name)")
        _warn(f"{owner}(lr=...): `lr` is Keras 2's name of `learning_rate`, which Keras 3 removed (it raises "
              f"'Argument(s) not recognized'): use {owner}(learning_rate=...)")
        kwargs["learning_rate"] = kwargs.pop("lr")
    if "decay" in kwargs:
        decay = kwargs["decay"]
        removed = "Keras 3 removed it (it ignores the argument with a warning)"
        if not decay:
            _warn(f"{owner}(decay={decay!r}): `decay` is Keras 2's inverse-time decay, here switched off; {removed}: "
                  "drop the argument")
            kwargs.pop("decay")
        else:
            _warn(f"{owner}(decay={decay!r}): `decay` is Keras 2's inverse-time decay lr / (1 + decay * iterations), "
                  f"which minicnn applies; {removed}: use {owner}(learning_rate=keras.optimizers.schedules."
                  f"InverseTimeDecay(lr, decay_steps=1, decay_rate={decay!r}))")
    if owner != "SGD" and "epsilon" in kwargs and kwargs["epsilon"] is None:
        _warn(f"{owner}(epsilon=None) is Keras 2's 'use backend.epsilon()', 1e-07; Keras 3 needs a number: use "
              f"{owner}(epsilon=1e-07)")
        kwargs["epsilon"] = 1e-7
    if "schedule_decay" in kwargs and owner == "Nadam":
        _warn(f"{owner}(schedule_decay={kwargs['schedule_decay']!r}) is Keras 2's Nadam momentum warm-up "
              "beta_1 * (1 - 0.5 * 0.96 ** (t * schedule_decay)), which minicnn applies; Keras 3 removed it (it "
              "rejects the argument) and always uses 0.96 ** t: use Nadam(...) without it")
    for argument, default, nearest in _UNSUPPORTED:
        require_default(owner, argument, kwargs.pop(argument, default), default, nearest)
    kwargs.pop("name", None)
    return args, kwargs


def _keras_class(core):
    """``keras.optimizers.<Name>``: the core class with Keras's argument handling."""
    signature = inspect.signature(core.__init__)
    known = {name for name, p in signature.parameters.items() if p.kind is p.POSITIONAL_OR_KEYWORD} - {"self"}
    known |= set(inspect.signature(_core.Optimizer.__init__).parameters) - {"self"}

    def __init__(self, *args, **kwargs):
        args, kwargs = _translate(core.__name__, args, kwargs)
        unknown = {k: v for k, v in kwargs.items() if k not in known}
        if unknown:
            raise ValueError(f"Argument(s) not recognized: {unknown}")
        core.__init__(self, *args, **kwargs)

    __init__.__signature__ = signature
    doc = f"``keras.optimizers.{core.__name__}{signature}``".replace("(self, ", "(").replace("**common", "...")
    return type(core.__name__, (core,), {"__init__": __init__, "__doc__": doc, "__module__": __name__,
                                         "lr": property(_get_lr, _set_lr, doc="Keras 2's name of learning_rate")})


def _lr_warning():
    _warn("optimizer.lr is Keras 2's name of optimizer.learning_rate, which Keras 3 removed: use "
          "optimizer.learning_rate")


def _get_lr(self):
    _lr_warning()
    return self.learning_rate


def _set_lr(self, value):
    _lr_warning()
    self.learning_rate = value


SGD = _keras_class(_core.SGD)
Adam = _keras_class(_core.Adam)
AdamW = _keras_class(_core.AdamW)
RMSprop = _keras_class(_core.RMSprop)
Adagrad = _keras_class(_core.Adagrad)
Adadelta = _keras_class(_core.Adadelta)
Adamax = _keras_class(_core.Adamax)
Nadam = _keras_class(_core.Nadam)

_BY_NAME = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)}
_KERAS_NAMES = ("ftrl", "adafactor", "lion", "lamb", "muon", "loss_scale_optimizer", "lossscaleoptimizer")

#: Keras 2's default learning rates, used by the lower-case factories
_KERAS2_LR = {"sgd": 0.01, "rmsprop": 0.001, "adagrad": 0.01, "adadelta": 1.0, "adam": 0.001, "adamax": 0.002,
              "nadam": 0.002}


def _keras2_factory(name):
    cls = _BY_NAME[name]
    keras3_lr = inspect.signature(cls.__init__).parameters["learning_rate"].default
    keras2_lr = _KERAS2_LR[name]

    def factory(*args, **kwargs):
        default = "" if keras2_lr == keras3_lr else (f"; minicnn keeps Keras 2's default learning rate {keras2_lr} "
                                                     f"here (Keras 3's {cls.__name__} defaults to {keras3_lr})")
        if name == "nadam":
            default += " and Keras 2's schedule_decay=0.004 (Keras 3 removed it)"
        _warn(f"keras.optimizers.{name}() is Keras 2's lower-case alias of keras.optimizers.{cls.__name__}, which "
              f"Keras 3 removed: use keras.optimizers.{cls.__name__}(...){default}")
        if not args and "learning_rate" not in kwargs and "lr" not in kwargs:
            kwargs["learning_rate"] = keras2_lr
        optimizer = cls(*args, **kwargs)
        if name == "nadam" and "schedule_decay" not in kwargs:
            optimizer.schedule_decay = 0.004  # Keras 2's Nadam default, before any step
        return optimizer

    factory.__name__ = factory.__qualname__ = name
    factory.__doc__ = (f"Keras 2's ``keras.optimizers.{name}(...)``: ``{cls.__name__}(...)`` with Keras 2's default "
                       f"learning rate {keras2_lr}, and a DeprecationWarning.")
    return factory


sgd = _keras2_factory("sgd")
rmsprop = _keras2_factory("rmsprop")
adagrad = _keras2_factory("adagrad")
adadelta = _keras2_factory("adadelta")
adam = _keras2_factory("adam")
adamax = _keras2_factory("adamax")
nadam = _keras2_factory("nadam")


def get(identifier):
    """An optimizer for a name ('adam', 'rmsprop', 'RMSprop', ..., Keras's defaults), a Keras config
    dict ``{"class_name": ..., "config": {...}}`` or an optimizer object."""
    if isinstance(identifier, _core.Optimizer):
        return identifier
    if isinstance(identifier, dict) and isinstance(identifier.get("class_name"), str):
        return deserialize(identifier)
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in _BY_NAME:
            return _BY_NAME[key]()
        if key in _KERAS_NAMES:
            raise not_implemented(f"optimizer={identifier!r}", _ADVICE)
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}; expected one of "
                     f"{sorted(_BY_NAME)} or an optimizer from keras.optimizers")


def serialize(optimizer):
    """Keras's ``{"module", "class_name", "config", "registered_name"}`` form of an optimizer."""
    config = optimizer.get_config()
    config["name"] = type(optimizer).__name__.lower()
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": config,
            "registered_name": None}


def deserialize(config):
    """The optimizer a Keras config dict describes (``class_name`` 'Adam', 'RMSprop', ...)."""
    name = config["class_name"].lower()
    if name not in _BY_NAME:
        raise not_implemented(f"optimizer class {config['class_name']!r}", _ADVICE)
    kwargs = dict(config.get("config", {}))
    if isinstance(kwargs.get("learning_rate"), dict):
        kwargs["learning_rate"] = schedules.deserialize(kwargs["learning_rate"])
    return _BY_NAME[name](**kwargs)


__getattr__ = module_getattr(__name__, {}, _ADVICE)
