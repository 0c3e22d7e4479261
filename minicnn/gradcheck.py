"""Finite-difference gradient checks, as a public API and behind ``minicnn gradcheck``.

Everything runs in float64 with central differences

    dL/dw_i ~ (L(w + h e_i) - L(w - h e_i)) / (2 h),   h = 1e-6,

compared with the analytic gradient by the relative error ``||a - n|| / max(||a||, ||n||)`` per
tensor. A tensor whose true gradient is zero (a conv bias followed by BatchNormalization) has
only rounding noise on both sides; it passes when every entry differs by less than
``ABSOLUTE_TOLERANCE`` (1e-8, far below the rounding error ``~1e-10 * |L|`` of the differences
times any real gradient's scale). A layer is checked through the scalar ``L = sum(forward(x) * R)`` with a fixed random
``R``, so ``backward(R)`` must return dL/dx and fill dL/dparams.

Kinks are avoided on purpose: generated inputs have magnitudes in [0.1, 1] (away from ReLU's kink
at 0) and all-distinct values spaced well beyond ``h`` (no max-pool ties). Kinks inside a network
(a ReLU after a convolution) are *detected*: where the one-sided slopes ``(L(w+h) - L(w))/h`` and
``(L(w) - L(w-h))/h`` disagree, the function is not smooth within ``h``; ``check_layer`` then draws
new inputs, and coordinates that still straddle a kink are left out and counted in the report.
Limit: inputs with exact ties (MNIST's all-zero background) put many units on a kink at once,
and opposite slope changes can cancel in the detector, giving a false FAIL; give ``check_model``
slightly noisy inputs.
Random layers (Dropout) reuse one mask for every evaluation; BatchNormalization's moving
statistics are restored afterwards.
"""
import copy
from dataclasses import dataclass, field

import numpy as np

from .layers.base import Layer

DEFAULT_EPS = 1e-6
DEFAULT_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 1e-8


@dataclass
class TensorCheck:
    name: str
    shape: tuple
    max_abs_error: float
    relative_error: float
    checked: int
    skipped_kinks: int
    passed: bool


@dataclass
class GradCheckReport:
    """Per-tensor results; ``passed`` is True when every tensor's relative error is under ``tolerance``."""
    title: str
    tolerance: float
    checks: list = field(default_factory=list)
    notes: list = field(default_factory=list)

    @property
    def passed(self):
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def max_relative_error(self):
        return max((c.relative_error for c in self.checks), default=float("nan"))

    def __str__(self):
        lines = [f"{self.title}: {'PASS' if self.passed else 'FAIL'} (tolerance {self.tolerance:.0e})"]
        for c in self.checks:
            lines.append(f"  {c.name:<14} {str(c.shape):<18} max abs err {c.max_abs_error:.2e}  "
                         f"rel err {c.relative_error:.2e}  {'ok' if c.passed else 'FAIL'}"
                         + (f"  ({c.skipped_kinks} kink coords skipped)" if c.skipped_kinks else ""))
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def kink_free_input(shape, rng):
    """Values with |x| in [0.1, 1], all distinct and evenly spaced in magnitude, random signs."""
    n = int(np.prod(shape))
    magnitudes = 0.1 + 0.9 * (rng.permutation(n) + 0.5) / n
    signs = rng.choice([-1.0, 1.0], size=n)
    return (magnitudes * signs).reshape(shape)


def _numerical(f, array, eps, coords):
    """Central differences of scalar f w.r.t. ``array`` (perturbed in place) at flat ``coords``;
    returns (gradient values, kink mask)."""
    flat = array.reshape(-1)
    f0 = f()
    grads = np.empty(len(coords))
    kinks = np.zeros(len(coords), dtype=bool)
    for k, i in enumerate(coords):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        slope = (f_plus - f_minus) / (2 * eps)
        grads[k] = slope
        kinks[k] = abs(f_plus - 2 * f0 + f_minus) / eps > 1e-4 * max(1.0, abs(slope))
    return grads, kinks


def _compare(name, analytic, array, f, eps, tolerance, coords):
    numeric, kinks = _numerical(f, array, eps, coords)
    a = analytic.reshape(-1)[coords]
    keep = ~kinks
    a, n = a[keep], numeric[keep]
    diff = np.abs(a - n)
    scale = max(np.linalg.norm(a), np.linalg.norm(n))
    rel = float(np.linalg.norm(a - n) / scale) if scale > 0 else 0.0
    max_abs = float(diff.max(initial=0.0))
    passed = (rel < tolerance or max_abs < ABSOLUTE_TOLERANCE) and keep.any()
    return TensorCheck(name, tuple(array.shape), max_abs, rel, int(keep.sum()), int(kinks.sum()), bool(passed))


def _coords(size, max_coords, rng):
    if max_coords is None or size <= max_coords:
        return np.arange(size)
    return np.sort(rng.choice(size, max_coords, replace=False))


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


def check_layer(layer, input_shape, batch_size=2, training=True, seed=0, eps=DEFAULT_EPS,
                tolerance=DEFAULT_TOLERANCE, max_coords=None, attempts=5):
    """Check dL/dx and dL/dparam of ``layer`` for inputs ``(batch_size,) + input_shape`` (float64).

    The layer is built if needed and converted to float64 in place. Returns a :class:`GradCheckReport`.
    """
    if not isinstance(layer, Layer):
        raise ValueError(f"check_layer expects a minicnn layer, got {layer!r}")
    input_shape = tuple(input_shape)
    if not layer.built:
        layer.build(input_shape)
    layer.cast(np.float64)
    layer.needs_input_grad = True
    rng = np.random.default_rng(seed)
    title = f"{type(layer).__name__} {describe(layer)} input {(batch_size,) + input_shape} training={training}"
    report = GradCheckReport(title, tolerance)
    report.notes.append("inputs have |x| >= 0.1 and distinct values (no ReLU kink, no max-pool tie)")
    for attempt in range(attempts):
        x = kink_free_input((batch_size,) + input_shape, rng)
        frozen = _Frozen([layer])
        frozen.restore()
        y = layer.forward(x, training)
        r = rng.standard_normal(y.shape)

        def objective():
            frozen.restore()
            return float(np.sum(layer.forward(x, training) * r))

        frozen.restore()
        layer.forward(x, training)
        dx = layer.backward(r)
        analytic = {"input": dx, **{k: g.copy() for k, g in layer.grads.items()}}
        arrays = {"input": x, **layer.params}
        checks = [_compare(name, analytic[name], arrays[name], objective, eps, tolerance,
                           _coords(arrays[name].size, max_coords, rng)) for name in arrays]
        frozen.restore()
        if not any(c.skipped_kinks for c in checks) or attempt == attempts - 1:
            break
        report.notes.append(f"attempt {attempt + 1}: a kink lay within h of the inputs; drew new inputs")
    report.checks = checks
    return report


def check_model(model, x, y, eps=DEFAULT_EPS, tolerance=DEFAULT_TOLERANCE, max_coords=None, seed=0):
    """Check the gradient of the compiled model's training loss on ``(x, y)`` w.r.t. the input and
    every trainable parameter. Works on a float64 copy; the model itself is untouched."""
    if model.loss is None:
        raise RuntimeError("compile the model before check_model")
    model = copy.deepcopy(model)
    x = np.array(model._check_x(x), dtype=np.float64)
    y = model._check_y(y, x.shape[0])
    model.cast(np.float64)
    model.layers[0].needs_input_grad = True
    rng = np.random.default_rng(seed)
    frozen = _Frozen(model.layers)

    def objective():
        frozen.restore()
        out = model._forward(x, True)
        return model._loss_and_grad(out, y)[0]

    frozen.restore()
    out = model._forward(x, True)
    d = model._loss_and_grad(out, y)[1]
    dx = model._backward(d)
    report = GradCheckReport(f"model {model.name} on a batch of {x.shape[0]}", tolerance)
    report.checks.append(_compare("input", dx, x, objective, eps, tolerance, _coords(x.size, max_coords, rng)))
    for key, param, grad in model.parameters():
        report.checks.append(_compare(key, grad.copy(), param, objective, eps, tolerance,
                                      _coords(param.size, max_coords, rng)))
    frozen.restore()
    skipped = sum(c.skipped_kinks for c in report.checks)
    if skipped:
        report.notes.append(f"{skipped} coordinates left out: a ReLU or max-pool kink lay within h of them")
    return report


def describe(layer):
    """A short description of a layer's configuration for report titles."""
    cfg = layer.get_config()
    keys = ("filters", "units", "kernel_size", "pool_size", "strides", "padding", "activation", "rate", "cropping",
            "size", "interpolation", "target_shape", "dims", "scale", "offset", "stddev")
    return "(" + ", ".join(f"{k}={cfg[k]}" for k in keys if k in cfg and cfg[k] is not None) + ")"


def standard_checks():
    """The configurations ``minicnn gradcheck`` runs: (layer, input shape, batch, training)."""
    from . import layers as L
    cases = []
    for stride in (1, 2, 3):
        for padding in ("valid", "same"):
            for kernel in ((3, 3), (2, 2), (3, 2), (1, 1)):
                cases.append((L.Conv2D(3, kernel, strides=stride, padding=padding), (7, 8, 2), 2, True))
    cases.append((L.Conv2D(2, 3, padding="same", activation="relu"), (5, 5, 3), 2, True))
    cases.append((L.Conv2D(2, 3, use_bias=False), (4, 4, 1), 3, True))
    for pool, stride in (((2, 2), None), ((3, 3), (2, 2)), ((2, 3), (1, 2)), ((3, 3), (3, 3))):
        for padding in ("valid", "same"):
            cases.append((L.MaxPooling2D(pool, stride, padding), (7, 8, 2), 2, True))
            cases.append((L.AveragePooling2D(pool, stride, padding), (7, 8, 2), 2, True))
    cases += [(L.GlobalMaxPooling2D(), (3, 4, 2), 2, True), (L.GlobalAveragePooling2D(), (3, 4, 2), 2, True),
              (L.Dense(4), (5,), 3, True), (L.Dense(3, activation="relu"), (6,), 3, True),
              (L.Dense(4, activation="softmax"), (5,), 3, True), (L.Dense(3), (2, 4), 2, True),
              (L.ReLU(), (3, 3, 2), 2, True), (L.Softmax(), (5,), 3, True), (L.Activation("relu"), (4,), 2, True),
              (L.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2), (3, 3, 2), 2, True),
              (L.LeakyReLU(), (3, 3, 2), 2, True), (L.ELU(0.5), (3, 3, 2), 2, True),
              (L.PReLU(alpha_initializer="random_uniform", shared_axes=[1, 2]), (3, 3, 2), 2, True),
              (L.Activation("sigmoid"), (4,), 2, True), (L.Activation("gelu"), (4,), 2, True),
              (L.Dense(3, activation="selu"), (4,), 2, True),
              (L.Flatten(), (3, 2, 2), 2, True), (L.Dropout(0.4, seed=1), (4, 3), 3, True),
              (L.Dropout(0.4, seed=1), (4, 3), 3, False),
              (L.BatchNormalization(), (3, 3, 2), 4, True), (L.BatchNormalization(), (3, 3, 2), 4, False),
              (L.BatchNormalization(), (5,), 6, True)]
    cases += [(L.ZeroPadding2D(((1, 0), (2, 1))), (3, 4, 2), 2, True),
              (L.Cropping2D(((1, 0), (0, 2))), (4, 5, 2), 2, True), (L.UpSampling2D((2, 3)), (3, 2, 2), 2, True),
              (L.UpSampling2D((3, 2), interpolation="bilinear"), (3, 4, 2), 2, True),
              (L.Reshape((-1, 3)), (2, 3, 2), 2, True), (L.Permute((3, 1, 2)), (2, 3, 4), 2, True),
              (L.Rescaling(1 / 127.5, -1.0), (3, 3, 2), 2, True),
              (L.SpatialDropout2D(0.5, seed=1), (3, 3, 4), 3, True),
              (L.GaussianNoise(0.3, seed=1), (3, 3, 2), 2, True)]
    return cases


def run_standard_checks(print_fn=print):
    """Run :func:`standard_checks`, print one row per check, return True when all pass."""
    all_passed = True
    print_fn(f"{'layer':<70} {'input':<16} {'train':<5} {'max rel err':>11}  result")
    for layer, shape, batch, training in standard_checks():
        report = check_layer(layer, shape, batch_size=batch, training=training)
        all_passed &= report.passed
        name = f"{type(layer).__name__}{describe(layer)}"
        print_fn(f"{name:<70} {str((batch,) + shape):<16} {str(training):<5} {report.max_relative_error:>11.2e}  "
                 f"{'PASS' if report.passed else 'FAIL'}")
        if not report.passed:
            print_fn(str(report))
    print_fn("all gradient checks passed" if all_passed else "SOME GRADIENT CHECKS FAILED")
    return all_passed
