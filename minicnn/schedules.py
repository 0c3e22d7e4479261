"""Learning-rate schedules: ``lr = schedule(step)``, with Keras 3's classes, arguments and formulas.

Pass one as any optimizer's ``learning_rate``; the optimizer calls it once per training step with
``step = optimizer.iterations``, the number of steps already taken (0 on the first step), as
Keras does. ``optimizer.learning_rate`` then reads the current value and cannot be set (a callback
that tries raises TypeError, as in Keras). Exposed as ``minicnn.optimizers.schedules`` and
``minicnn.keras.optimizers.schedules``.

The formulas (``step`` a float; ``//`` is the staircase floor):

    ExponentialDecay:       lr0 * rate ** (step / decay_steps)              (staircase: floor)
    InverseTimeDecay:       lr0 / (1 + rate * (step / decay_steps))         (staircase: floor)
    PiecewiseConstantDecay: values[i] for boundaries[i-1] < step <= boundaries[i]
    PolynomialDecay:        (lr0 - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end
                            (cycle: decay_steps * ceil(step / decay_steps), 1 at step 0)
    CosineDecay:            warmup (step < warmup_steps, when warmup_target is set):
                                lr0 + (warmup_target - lr0) * step / warmup_steps
                            then, s = min(step - warmup_steps, decay_steps):
                                top * ((1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha)
                            with top = warmup_target, or lr0 without warm-up
    CosineDecayRestarts:    SGDR: period i lasts first_decay_steps * t_mul ** i steps and starts at
                            lr0 * m_mul ** i; within a period the cosine above with fraction f
    PiecewiseLinear:        (minicnn's) straight lines through (steps[i], values[i]), constant
                            before the first and after the last point (airbench's warm-up and down)

Keras evaluates these in float32 (the dtype of ``initial_learning_rate`` as a tensor); minicnn in
float64, and the optimizer rounds the result to the parameters' dtype: the values agree to float32
rounding.

``serialize`` / ``deserialize`` use Keras's form ``{"module", "class_name", "config",
"registered_name"}``. ``deserialize`` only instantiates a ``LearningRateSchedule`` subclass that
the running program defines (the built-ins, or a user's class already imported); it never runs
code from the config.
"""
import math
import numbers

from .checks import real_number

KERAS_MODULE = "keras.optimizers.schedules"


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step) -> learning rate`` and, to be saved with a
    model, ``get_config()`` (the keyword arguments of ``__init__``; ``from_config`` calls
    ``cls(**config)``)."""

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
                                  "in order to be serializable.")

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _decay_steps(value, name="decay_steps", minimum="> 0"):
    """A step count as Keras takes it (an int or a float), ``> 0`` or ``>= 0``."""
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)
          and (value > 0 if minimum == "> 0" else value >= 0))
    if not ok:
        raise ValueError(f"Argument `{name}` must be {minimum}. Received: {name}={value!r}")
    return value


class _StepRatio(LearningRateSchedule):
    """Shared arguments of ExponentialDecay and InverseTimeDecay: ``p = step / decay_steps``,
    floored with ``staircase=True``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase, name):
        self.initial_learning_rate = real_number(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _decay_steps(decay_steps)
        self.decay_rate = real_number(decay_rate, "decay_rate")
        self.staircase = bool(staircase)
        self.name = name

    def _p(self, step):
        p = float(step) / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class ExponentialDecay(_StepRatio):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``; with ``staircase=True`` the
    exponent is floored, so the rate drops every ``decay_steps`` steps."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return self.initial_learning_rate * self.decay_rate ** self._p(step)


class InverseTimeDecay(_StepRatio):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)`` (floored ratio with
    ``staircase=True``). Keras 2's optimizer argument ``decay=d`` is this schedule with
    ``decay_steps=1, decay_rate=d``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        super().__init__(initial_learning_rate, decay_steps, decay_rate, staircase, name)

    def __call__(self, step):
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._p(step))


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after ``boundaries[-1]``."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError("The length of boundaries should be 1 less than the length of values. Received: "
                             f"boundaries={boundaries} of length {len(boundaries)}, and values={values} of length "
                             f"{len(values)}.")
        for b in boundaries:
            real_number(b, "boundaries entry")
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(f"boundaries must be strictly increasing, got {boundaries}")
        self.boundaries = boundaries
        self.values = [real_number(v, "values entry") for v in values]
        self.name = name

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PiecewiseLinear(LearningRateSchedule):
    """minicnn's (Keras has none): the rate interpolated linearly between the points
    ``(steps[i], values[i])``, ``values[0]`` before ``steps[0]`` and ``values[-1]`` after
    ``steps[-1]``. airbench94's per-step triangle over T steps is
    ``PiecewiseLinear([0, int(0.23 * T), T], [0.2 * lr, lr, 0.07 * lr])``."""

    def __init__(self, steps, values, name="PiecewiseLinear"):
        steps, values = [real_number(s, "steps entry") for s in steps], [real_number(v, "values entry", 0.0)
                                                                          for v in values]
        if len(steps) != len(values) or not steps:
            raise ValueError(f"PiecewiseLinear needs as many steps as values (at least one), got steps={steps} "
                             f"and values={values}")
        if any(a > b for a, b in zip(steps, steps[1:])):
            raise ValueError(f"PiecewiseLinear steps must be non-decreasing (a repeated step is a jump), got {steps}")
        self.steps, self.values, self.name = steps, values, name

    def __call__(self, step):
        if step < self.steps[0]:
            return self.values[0]
        for i in range(len(self.steps) - 1):
            s0, s1 = self.steps[i], self.steps[i + 1]
            if s0 <= step < s1:
                v0, v1 = self.values[i], self.values[i + 1]
                return v0 + (v1 - v0) * (step - s0) / (s1 - s0)
        return self.values[-1]

    def get_config(self):
        return {"steps": self.steps, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` in ``decay_steps`` steps along
    ``(1 - step / decay_steps) ** power``; with ``cycle=True`` it restarts with a longer period."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.initial_learning_rate = real_number(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _decay_steps(decay_steps)
        self.end_learning_rate = real_number(end_learning_rate, "end_learning_rate")
        self.power = real_number(power, "power")
        self.cycle = bool(cycle)
        self.name = name

    def __call__(self, step):
        step, decay_steps = float(step), float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / self.decay_steps)
        else:
            step = min(step, decay_steps)
        fraction = (1.0 - step / decay_steps) ** self.power
        return (self.initial_learning_rate - self.end_learning_rate) * fraction + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


def _cosine(fraction, alpha):
    """``(1 - alpha) * 0.5 * (1 + cos(pi * fraction)) + alpha``: 1 at fraction 0, alpha at 1."""
    return (1.0 - alpha) * (0.5 * (1.0 + math.cos(math.pi * fraction))) + alpha


class CosineDecay(LearningRateSchedule):
    """Optional linear warm-up from ``initial_learning_rate`` to ``warmup_target`` over
    ``warmup_steps`` steps, then a cosine from the peak down to ``alpha * peak`` over
    ``decay_steps`` steps (peak = ``warmup_target``, or ``initial_learning_rate`` without warm-up),
    constant afterwards."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = real_number(initial_learning_rate, "initial_learning_rate")
        self.decay_steps = _decay_steps(decay_steps)
        self.alpha = real_number(alpha, "alpha")
        self.name = name
        self.warmup_target = None if warmup_target is None else real_number(warmup_target, "warmup_target")
        self.warmup_steps = _decay_steps(warmup_steps, "warmup_steps", ">= 0")

    def __call__(self, step):
        step = float(step)
        if self.warmup_target is None:
            return self.initial_learning_rate * _cosine(min(step, self.decay_steps) / self.decay_steps, self.alpha)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            delta = self.warmup_target - self.initial_learning_rate
            return delta * (step / self.warmup_steps) + self.initial_learning_rate
        return self.warmup_target * _cosine((step - self.warmup_steps) / self.decay_steps, self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


class CosineDecayRestarts(LearningRateSchedule):
    """SGDR (Loshchilov & Hutter): cosine from ``initial_learning_rate`` to ``alpha`` times it over
    ``first_decay_steps``, then warm restarts, each period ``t_mul`` times longer and starting
    ``m_mul`` times lower."""

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
                 name="SGDRDecay"):
        self.initial_learning_rate = real_number(initial_learning_rate, "initial_learning_rate")
        self.first_decay_steps = _decay_steps(first_decay_steps, "first_decay_steps")
        self.t_mul = real_number(t_mul, "t_mul", 0.0, low_open=True)
        self.m_mul = real_number(m_mul, "m_mul")
        self.alpha = real_number(alpha, "alpha")
        self.name = name

    def __call__(self, step):
        fraction = float(step) / self.first_decay_steps
        if self.t_mul == 1.0:
            restart = math.floor(fraction)
            fraction -= restart
        else:
            restart = math.floor(math.log(1.0 - fraction * (1.0 - self.t_mul)) / math.log(self.t_mul))
            done = (1.0 - self.t_mul ** restart) / (1.0 - self.t_mul)
            fraction = (fraction - done) / self.t_mul ** restart
        peak = self.m_mul ** restart
        cosine = 0.5 * peak * (1.0 + math.cos(math.pi * fraction))
        return self.initial_learning_rate * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "first_decay_steps": self.first_decay_steps,
                "t_mul": self.t_mul, "m_mul": self.m_mul, "alpha": self.alpha, "name": self.name}


BUILTIN = {cls.__name__: cls for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                         PolynomialDecay, CosineDecay, CosineDecayRestarts)}


def serialize(schedule):
    """Keras's JSON form of a schedule: ``{"module", "class_name", "config", "registered_name"}``."""
    if not isinstance(schedule, LearningRateSchedule):
        raise ValueError(f"expected a LearningRateSchedule, got {schedule!r}")
    cls = type(schedule)
    module = KERAS_MODULE if BUILTIN.get(cls.__name__) is cls else cls.__module__
    return {"module": module, "class_name": cls.__name__, "config": schedule.get_config(), "registered_name": None}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def deserialize(config, custom_objects=None):
    """The schedule ``serialize`` described. Built-ins are found by class name; a user's subclass by
    ``custom_objects={name: cls}`` or, once its module is imported, by module and class name."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) or \
            not isinstance(config.get("config"), dict):
        raise ValueError(f"a learning-rate schedule config must be a dict with 'class_name' and 'config', got "
                         f"{config!r}")
    name, module = config["class_name"], config.get("module")
    cls = (custom_objects or {}).get(name)
    if cls is None and module in (None, KERAS_MODULE, __name__):
        cls = BUILTIN.get(name)
    if cls is None:
        matches = [c for c in _subclasses(LearningRateSchedule) if c.__name__ == name
                   and (module is None or c.__module__ == module)]
        cls = matches[-1] if matches else None
    if cls is None or not (isinstance(cls, type) and issubclass(cls, LearningRateSchedule)):
        raise ValueError(f"unknown learning-rate schedule {name!r} (module {module!r}); expected one of "
                         f"{sorted(BUILTIN)} or a LearningRateSchedule subclass defined by the program (import "
                         "its module before loading, or pass custom_objects)")
    return cls.from_config(dict(config["config"]))
