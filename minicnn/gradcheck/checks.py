"""The public checks: :func:`check_layer`, :func:`check_model`, :func:`check_function`, :func:`assert_gradients`.

Each builds a :class:`~minicnn.gradcheck.core.Problem` in float64 and runs it coordinate by
coordinate (all, or ``max_coords`` sampled per tensor) or, with ``fast=True``, along
``directions`` random directions per tensor (``minicnn.gradcheck.fast``). A layer is checked
through ``L = sum(forward(x) * R)`` with a fixed random ``R``, so ``backward(R)`` must return
dL/dx and fill dL/dparams. Random layers (Dropout) reuse one mask for every evaluation;
BatchNormalization's moving statistics are restored after each.

A float32 layer or model is never modified: its float64 *shadow* (a deep copy cast to float64)
gives the verdict, and the float32 original's analytic gradient is compared with the shadow's,
reported beside it as ``float32 rel err``.
"""
import copy

import numpy as np

from ..layers.base import Layer
from .core import DEFAULT_EPS, DEFAULT_TOLERANCE, Problem, copy_states, run_coordinates
from .fast import run_directions
from .report import GradCheckReport
from .sweep import sweep as step_sweep


def kink_free_input(shape, rng):
    """Values with |x| in [0.1, 1], all distinct and evenly spaced in magnitude, random signs."""
    n = int(np.prod(shape))
    magnitudes = 0.1 + 0.9 * (rng.permutation(n) + 0.5) / n
    signs = rng.choice([-1.0, 1.0], size=n)
    return (magnitudes * signs).reshape(shape)


class _Frozen:
    """Snapshot random-generator and state arrays of layers; restore them before each evaluation."""

    def __init__(self, layers):
        self.layers = layers
        self.rng_states = [copy.deepcopy(l.rng.bit_generator.state) if l.stochastic else None for l in layers]
        self.states = [{k: v.copy() for k, v in l.state.items()} for l in layers]

    def restore(self):
        for layer, rng_state, state in zip(self.layers, self.rng_states, self.states):
            if rng_state is not None:
                layer.rng.bit_generator.state = copy.deepcopy(rng_state)
            for k, v in state.items():
                layer.state[k][...] = v


def _run(problem, report, eps, tolerance, max_coords, fast, directions, sweep, rng):
    if fast:
        report.checks = run_directions(problem, eps, tolerance, directions, rng)
        report.notes.append(f"fast mode: v^T J u against the central difference along {directions} random "
                            "directions per tensor (errors confined to a few coordinates can be missed)")
    else:
        report.checks = run_coordinates(problem, eps, tolerance, max_coords, rng)
        if max_coords is not None and any(a.size > max_coords for a in problem.arrays.values()):
            report.notes.append(f"a random sample of {max_coords} coordinates per tensor (unverifiable ones "
                                "replaced by fresh ones, 3 rounds at most)")
    if sweep:
        report.sweep = step_sweep(problem, rng=rng)
    return report


def _check_analytic(analytic, arrays, who):
    for name, array in arrays.items():
        g = analytic.get(name)
        if g is None:
            raise ValueError(f"{who} returned no gradient for {name!r} (backward must return dL/dx; "
                             "needs_input_grad is set to True for the check)")
        if np.shape(g) != array.shape:
            raise ValueError(f"{who}: the gradient of {name!r} has shape {np.shape(g)}, expected {array.shape}")


def _float32_errors(report, analytic32, analytic64):
    for c in report.checks:
        a32 = np.asarray(analytic32[c.name], dtype=np.float64)
        a64 = np.asarray(analytic64[c.name], dtype=np.float64)
        scale = np.linalg.norm(a64)
        c.float32_relative_error = float(np.linalg.norm(a32 - a64) / scale) if scale > 0 else float(
            np.abs(a32).max(initial=0.0))


def _layer_gradients(layer, x, r, training, frozen):
    frozen.restore()
    layer.forward(x, training)
    dx = layer.backward(r)
    grads = {k: np.array(g, copy=True) for k, g in layer.grads.items()}
    frozen.restore()
    return {"input": None if dx is None else np.array(dx, copy=True), **grads}


def describe(layer):
    """A short description of a layer's configuration for report titles."""
    cfg = layer.get_config()
    keys = ("filters", "units", "kernel_size", "pool_size", "strides", "padding", "activation", "rate", "cropping",
            "size", "interpolation", "target_shape", "dims", "scale", "offset", "stddev")
    return "(" + ", ".join(f"{k}={cfg[k]}" for k in keys if k in cfg and cfg[k] is not None) + ")"


def check_layer(layer, input_shape=None, batch_size=2, training=True, seed=0, eps=DEFAULT_EPS,
                tolerance=DEFAULT_TOLERANCE, max_coords=None, x=None, fast=False, directions=3, sweep=False):
    """Check dL/dx and dL/dparam of any :class:`~minicnn.layers.Layer` (subclass) in float64.

    Inputs are ``x`` when given (any values: zeros and ties are handled as kinks), else kink-free
    random values of shape ``(batch_size,) + input_shape``. The layer is built if needed and never
    modified (its float64 shadow is checked; a float32 layer's own gradient is reported beside it).
    ``fast=True`` checks ``directions`` random directions per tensor instead of coordinates;
    ``sweep=True`` adds the step-size sweep. Returns a :class:`GradCheckReport`.
    """
    if not isinstance(layer, Layer):
        raise ValueError(f"check_layer expects a minicnn.layers.Layer (or subclass) instance, got {layer!r}")
    rng = np.random.default_rng(seed)
    if x is None:
        if input_shape is None:
            raise ValueError("check_layer needs input_shape (without the batch axis) or an input x")
        x = kink_free_input((batch_size,) + tuple(input_shape), rng)
        chosen = "inputs have |x| >= 0.1 and distinct values (no ReLU kink, no max-pool tie)"
    else:
        x = np.array(x, dtype=np.float64, copy=True, order="C")
        chosen = "inputs given by the caller"
        if input_shape is not None and tuple(input_shape) != x.shape[1:]:
            raise ValueError(f"input_shape {tuple(input_shape)} does not match x of shape {x.shape}")
    if not layer.built:
        layer.build(x.shape[1:])
    shadow = copy.deepcopy(layer).cast(np.float64)
    shadow.needs_input_grad = True
    frozen = _Frozen([shadow])
    frozen.restore()
    r = rng.standard_normal(shadow.forward(x, training).shape)

    def objective():
        frozen.restore()
        value = float(np.sum(shadow.forward(x, training) * r))
        return value, copy_states([shadow])

    analytic = _layer_gradients(shadow, x, r, training, frozen)
    arrays = {"input": x, **shadow.params}
    _check_analytic(analytic, arrays, f"{type(layer).__name__}.backward")
    title = f"{type(layer).__name__}{describe(layer)} input {x.shape} training={training}"
    report = GradCheckReport(title, tolerance, eps, notes=[chosen])
    _run(Problem(arrays, objective, analytic), report, eps, tolerance, max_coords, fast, directions, sweep, rng)
    frozen.restore()
    if layer.dtype != np.float64:
        original = layer.needs_input_grad
        layer.needs_input_grad = True
        frozen32 = _Frozen([layer])
        try:
            analytic32 = _layer_gradients(layer, x.astype(layer.dtype), r.astype(layer.dtype), training, frozen32)
        finally:
            layer.needs_input_grad = original
        _float32_errors(report, analytic32, analytic)
    return report


def _input_names(count):
    return ["input"] if count == 1 else [f"input {k}" for k in range(count)]


def _model_gradients(model, x, y, frozen):
    """``{"input": dL/dx, "<layer>/<param>": ...}``; a graph model with several inputs (``x`` a list)
    gives ``"input 0"``, ``"input 1"``, ..."""
    frozen.restore()
    out = model._forward(x, True)
    d = model._loss_and_grad(out, y)[1]
    dx = model._backward(d)
    dxs = list(dx) if isinstance(x, list) else [dx]
    grads = {key: np.array(grad, copy=True) for key, _, grad in model.parameters()}
    frozen.restore()
    return {**{n: np.array(g, copy=True) for n, g in zip(_input_names(len(dxs)), dxs)}, **grads}


def check_model(model, x, y, eps=DEFAULT_EPS, tolerance=DEFAULT_TOLERANCE, max_coords=None, seed=0, fast=False,
                directions=3, sweep=False):
    """Check the gradient of the compiled model's training loss on ``(x, y)`` w.r.t. the input(s) and
    every trainable parameter, on a float64 copy (the model itself is untouched). Any input is
    fine, raw MNIST images included: coordinates whose perturbation changes a ReLU mask or a
    max-pool winner are compared with the one-sided slope of the analytic piece (see
    ``minicnn.gradcheck.core``)."""
    if model.loss is None:
        raise RuntimeError("compile the model before check_model")
    original = model
    model = copy.deepcopy(model)
    checked = model._check_x(x)
    several = isinstance(checked, list)  # a graph model with several inputs
    xs = [np.array(a, dtype=np.float64, order="C") for a in (checked if several else [checked])]
    x = xs if several else xs[0]
    y = model._check_y(y, xs[0].shape[0])
    low_precision = model.dtype != np.float64
    model32 = copy.deepcopy(model) if low_precision else None
    model.cast(np.float64)
    for layer in model.layers:  # the first layer(s) skip the input gradient in training
        layer.needs_input_grad = True
    rng = np.random.default_rng(seed)
    frozen = _Frozen(model.layers)

    def objective():
        frozen.restore()
        out = model._forward(x, True)
        return model._loss_and_grad(out, y)[0], copy_states(model.layers)

    analytic = _model_gradients(model, x, y, frozen)
    arrays = {**dict(zip(_input_names(len(xs)), xs)), **{key: param for key, param, _ in model.parameters()}}
    report = GradCheckReport(f"model {original.name} on a batch of {xs[0].shape[0]}", tolerance, eps)
    _run(Problem(arrays, objective, analytic), report, eps, tolerance, max_coords, fast, directions, sweep, rng)
    if low_precision:
        for layer in model32.layers:
            layer.needs_input_grad = True
        x32 = [a.astype(model32.dtype) for a in xs]
        analytic32 = _model_gradients(model32, x32 if several else x32[0], y, _Frozen(model32.layers))
        _float32_errors(report, analytic32, analytic)
    return report


def check_function(f, backward, inputs, seed=0, eps=DEFAULT_EPS, tolerance=DEFAULT_TOLERANCE, max_coords=None,
                   kink_state=None, fast=False, directions=3, sweep=False, name=None):
    """Check a hand-written ``backward`` of any NumPy function ``f``.

    ``inputs``: one array, a list of arrays, or a dict name -> array (float64 copies are used).
    ``f(*inputs) -> y`` (an array); ``backward(dy, *inputs) -> dx`` (one array per input, a
    tuple/list when there are several) for ``L = sum(f(*inputs) * dy)``. ``kink_state(*inputs)``,
    optional, returns the function's discrete decisions (``[x > 0]`` for a ReLU) as a list of arrays.
    """
    if isinstance(inputs, dict):
        names, values = list(inputs), list(inputs.values())
    elif isinstance(inputs, (list, tuple)):
        values = list(inputs)
        names = [f"input{i}" for i in range(len(values))] if len(values) > 1 else ["input"]
    else:
        names, values = ["input"], [inputs]
    arrays = {n: np.array(v, dtype=np.float64, copy=True, order="C") for n, v in zip(names, values)}
    args = list(arrays.values())
    rng = np.random.default_rng(seed)
    r = rng.standard_normal(np.shape(f(*args)))

    def objective():
        value = float(np.sum(np.asarray(f(*args)) * r))
        states = [np.array(s, copy=True) for s in kink_state(*args)] if kink_state is not None else []
        return value, states

    grads = backward(r, *args)
    if len(args) == 1 and not isinstance(grads, (list, tuple)):
        grads = [grads]
    if not isinstance(grads, (list, tuple)) or len(grads) != len(args):
        raise ValueError(f"backward must return one gradient per input ({len(args)}), got {type(grads).__name__}"
                         + (f" of length {len(grads)}" if isinstance(grads, (list, tuple)) else ""))
    analytic = dict(zip(names, grads))
    fname = name or getattr(f, "__name__", "function")
    _check_analytic(analytic, arrays, f"backward of {fname}")
    report = GradCheckReport(f"{fname} on inputs {', '.join(f'{n} {a.shape}' for n, a in arrays.items())}",
                             tolerance, eps)
    _run(Problem(arrays, objective, analytic), report, eps, tolerance, max_coords, fast, directions, sweep, rng)
    low = [np.asarray(v) for v in values]
    if any(v.dtype == np.float32 for v in low):  # float32 inputs: the function's own float32 gradient beside
        grads32 = backward(r.astype(np.float32), *[v.astype(np.float32) if v.dtype == np.float64 else v
                                                   for v in low])
        _float32_errors(report, dict(zip(names, grads32 if len(args) > 1 or isinstance(grads32, (list, tuple))
                                         else [grads32])), analytic)
    return report


def assert_gradients(target, *args, **kwargs):
    """Run the matching check and raise ``AssertionError(report)`` unless it passes; return the report.

    ``assert_gradients(layer, input_shape, ...)`` -> :func:`check_layer`;
    ``assert_gradients(model, x, y, ...)`` -> :func:`check_model`;
    ``assert_gradients(f, backward, inputs, ...)`` -> :func:`check_function`.
    """
    if isinstance(target, Layer):
        report = check_layer(target, *args, **kwargs)
    elif hasattr(target, "layers") and hasattr(target, "loss"):
        report = check_model(target, *args, **kwargs)
    elif callable(target):
        report = check_function(target, *args, **kwargs)
    else:
        raise TypeError(f"assert_gradients expects a Layer, a compiled model or a function, got {target!r}")
    if not report.passed:
        raise AssertionError("gradient check failed\n" + str(report))
    return report
