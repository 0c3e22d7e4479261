"""The engine of every check: central differences that know about kinks, and the per-tensor verdict.

A check is a :class:`Problem`: named float64 arrays perturbed in place, a scalar objective that
evaluates the function at their current values and returns ``(value, kink_states)``, and the
analytic gradient of that objective for each array.

Per coordinate ``i`` of an array ``w``, with ``f0, s0`` the value and kink states at ``w``:

* ``f(w + h e_i), s+`` and ``f(w - h e_i), s-``. When ``s+ == s0 == s-`` no ReLU mask or
  max-pool winner changed: the function is smooth on ``[w - h, w + h]`` along ``e_i`` and the
  central difference ``(f+ - f-) / (2h)`` (error ``O(h^2)``) is compared with the analytic value.
* Otherwise the coordinate crosses a kink. The analytic gradient is the derivative of the piece
  selected by the decisions at ``w`` (``s0``). When ``s0 == s-`` that piece extends to the left
  of ``w`` and the analytic value must equal the left slope, measured by the second-order
  one-sided difference ``(3 f0 - 4 f(w-h) + f(w-2h)) / (2h)`` (first order if ``s(w-2h)``
  differs again); ``s0 == s+`` likewise on the right. A kink exactly at ``w`` with one decision
  (ReLU at 0, a two-way max-pool tie) always falls in one of these two cases.
* ``s0`` differs from both sides ("straddle"): several decisions flip in opposite directions
  at ``w`` (MNIST's black background: a pixel at 0 turns some ReLUs on when it rises, others
  when it falls). The piece of ``s0`` is not seen along ``e_i`` at all, and a correct analytic
  value need not even lie between the two one-sided slopes (``relu(w) - relu(-w)`` at 0: both
  slopes are 1, the analytic value is 0). These coordinates are reported and counted as
  unverifiable, never failed; when the value does lie between the slopes the report says so.
"""
from dataclasses import dataclass, field

import numpy as np

DEFAULT_EPS = 1e-6
DEFAULT_TOLERANCE = 1e-6
#: rounding noise of a central difference at h = 1e-6 for |L| <= 1 (~1e-16 |L| / h, with margin)
ABSOLUTE_TOLERANCE = 1e-8
#: relative tolerance of the one-sided differences at a kink (second order / first order)
ONE_SIDED_TOLERANCE = (1e-5, 1e-3)

SMOOTH, LEFT2, RIGHT2, LEFT1, RIGHT1, STRADDLE = range(6)
KIND_NAMES = {SMOOTH: "smooth", LEFT2: "kink, left slope", RIGHT2: "kink, right slope", LEFT1: "kink, left slope",
              RIGHT1: "kink, right slope", STRADDLE: "kink both ways"}

#: the verdict bands of the relative error (CS231n's rule of thumb)
BANDS = ((1e-7, "right"), (1e-4, "probably right (suspicious without kinks)"), (1e-2, "suspicious"),
         (np.inf, "wrong"))


def band(rel_error):
    """The verdict band of a relative error: right < 1e-7 <= probably right < 1e-4 <= suspicious < 1e-2 <= wrong."""
    if not np.isfinite(rel_error):
        return "wrong"
    return next(name for limit, name in BANDS if rel_error < limit)


def same_states(a, b):
    """True when two kink-state lists hold the same decisions."""
    return len(a) == len(b) and all(x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))


def copy_states(layers):
    """Copies of the kink states of ``layers`` after a forward pass (one flat list)."""
    return [np.array(s, copy=True) for layer in layers for s in layer.kink_state()]


@dataclass
class Problem:
    """What a check needs: ``arrays`` (name -> float64 array, perturbed in place by the check),
    ``objective()`` -> ``(float value, kink states)`` at their current values, and ``analytic``
    (name -> gradient of the objective, same shapes)."""
    arrays: dict
    objective: object
    analytic: dict


@dataclass
class Differences:
    """Finite differences at flat coordinates ``coords`` of one array."""
    coords: np.ndarray
    numeric: np.ndarray          # central or one-sided difference; nan for straddles
    kind: np.ndarray             # SMOOTH ... STRADDLE per coordinate
    left: np.ndarray             # first-order one-sided slopes (nan at smooth coordinates)
    right: np.ndarray
    steps: np.ndarray = None     # the step used per coordinate when not the same h everywhere


def differences(objective, array, coords, h, base):
    """Differences of ``objective`` w.r.t. ``array`` (perturbed in place, restored) at flat ``coords``."""
    f0, s0 = base
    flat = array.reshape(-1)
    if not np.shares_memory(flat, array):
        raise ValueError("gradient check arrays must be contiguous (perturbed in place)")
    m = len(coords)
    numeric, left, right = np.empty(m), np.full(m, np.nan), np.full(m, np.nan)
    kind = np.zeros(m, dtype=np.int8)
    for k, i in enumerate(coords):
        old = flat[i]
        try:
            flat[i] = old + h
            fp, sp = objective()
            flat[i] = old - h
            fm, sm = objective()
            if same_states(sp, s0) and same_states(sm, s0):
                numeric[k] = (fp - fm) / (2 * h)
                continue
            left[k], right[k] = (f0 - fm) / h, (fp - f0) / h
            if same_states(sm, s0):
                flat[i] = old - 2 * h
                f2, s2 = objective()
                if same_states(s2, s0):
                    kind[k], numeric[k] = LEFT2, (3 * f0 - 4 * fm + f2) / (2 * h)
                else:
                    kind[k], numeric[k] = LEFT1, left[k]
            elif same_states(sp, s0):
                flat[i] = old + 2 * h
                f2, s2 = objective()
                if same_states(s2, s0):
                    kind[k], numeric[k] = RIGHT2, (-3 * f0 + 4 * fp - f2) / (2 * h)
                else:
                    kind[k], numeric[k] = RIGHT1, right[k]
            else:
                kind[k], numeric[k] = STRADDLE, np.nan
        finally:
            flat[i] = old
    return Differences(np.asarray(coords), numeric, kind, left, right)


def noise_floor(f0, h):
    """Absolute error below which a difference is rounding noise: ~1e-16 |L| / h, with margin."""
    return ABSOLUTE_TOLERANCE * max(1.0, abs(f0)) * (DEFAULT_EPS / h)


def relative_errors(a, n, floor, tolerance):
    """Per-coordinate ``|a - n| / max(|a|, |n|, floor / tolerance)``: the relative error, except
    that magnitudes too small to resolve (where the rounding ``floor`` alone would exceed the
    tolerance) are measured against the smallest resolvable magnitude ``floor / tolerance``."""
    scale = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor / tolerance)
    return np.abs(a - n) / scale


@dataclass
class TensorCheck:
    """The verdict on one tensor's gradient, with everything needed to explain it."""
    name: str
    shape: tuple
    coords: np.ndarray           # flat indices checked
    analytic: np.ndarray         # analytic values at coords
    numeric: np.ndarray          # numeric values at coords (nan at straddles)
    kind: np.ndarray
    left: np.ndarray
    right: np.ndarray
    rel: np.ndarray              # per-coordinate relative error (0 at straddles)
    tolerance: float
    passed: bool
    norm_relative_error: float
    diagnosis: list = field(default_factory=list)
    float32_relative_error: float = None
    mode: str = "coordinates"    # or "directions" (fast mode: coords index the random directions)

    @property
    def checked(self):
        """Coordinates (or directions) compared with a difference: smooth ones and one-sided kinks."""
        return int(np.sum(self.kind != STRADDLE))

    @property
    def verified(self):
        """False when no coordinate could be compared (every one straddles kinks)."""
        return self.checked > 0

    @property
    def kinks(self):
        return int(np.sum(self.kind != SMOOTH))

    @property
    def skipped_kinks(self):
        """Straddling coordinates: decisions flip both ways, nothing to compare with."""
        return int(np.sum(self.kind == STRADDLE))

    @property
    def straddles_between_slopes(self):
        s = self.kind == STRADDLE
        lo, hi = np.minimum(self.left[s], self.right[s]), np.maximum(self.left[s], self.right[s])
        slack = 1e-3 * np.maximum(np.abs(lo), np.abs(hi)) + ABSOLUTE_TOLERANCE
        a = self.analytic[s]
        return int(np.sum((a >= lo - slack) & (a <= hi + slack)))

    @property
    def max_relative_error(self):
        return float(self.rel.max(initial=0.0))

    @property
    def mean_relative_error(self):
        judged = self.kind != STRADDLE
        return float(self.rel[judged].mean()) if judged.any() else 0.0

    @property
    def max_abs_error(self):
        judged = self.kind != STRADDLE
        return float(np.abs(self.analytic[judged] - self.numeric[judged]).max(initial=0.0))

    @property
    def relative_error(self):
        """The norm-wise relative error ``||a - n|| / max(||a||, ||n||)`` over the judged coordinates."""
        return self.norm_relative_error

    def index(self, flat):
        return tuple(int(i) for i in np.unravel_index(flat, self.shape)) if self.mode == "coordinates" else int(flat)

    def worst(self, count=5):
        """The ``count`` judged coordinates with the largest errors: ``(index, analytic, numeric, kind)``."""
        judged = np.flatnonzero(self.kind != STRADDLE)
        rel_bucket = np.round(np.log10(np.maximum(self.rel[judged], 1e-300)), 1)  # equal errors: largest values first
        order = judged[np.lexsort((-np.abs(self.analytic[judged] - self.numeric[judged]), -rel_bucket))]
        return [(self.index(self.coords[k]), float(self.analytic[k]), float(self.numeric[k]), KIND_NAMES[self.kind[k]])
                for k in order[:count] if self.rel[k] > 0]


def judge(name, array, analytic, diffs, f0, h, tolerance, mode="coordinates"):
    """A :class:`TensorCheck` from the analytic gradient and the differences at ``diffs.coords``."""
    if mode == "coordinates":
        a = np.asarray(analytic, dtype=np.float64).reshape(-1)[diffs.coords]
    else:
        a = np.asarray(analytic, dtype=np.float64)
    n = diffs.numeric
    judged = diffs.kind != STRADDLE
    rel = np.zeros(len(a))
    floor = noise_floor(f0, h if diffs.steps is None else diffs.steps[judged])
    rel[judged] = relative_errors(a[judged], n[judged], floor, tolerance)
    limit = np.select([diffs.kind == SMOOTH, np.isin(diffs.kind, (LEFT2, RIGHT2))],
                      [tolerance, max(tolerance, ONE_SIDED_TOLERANCE[0])], max(tolerance, ONE_SIDED_TOLERANCE[1]))
    ok = rel <= limit
    a_j, n_j = a[judged], n[judged]
    scale = max(np.linalg.norm(a_j), np.linalg.norm(n_j))
    norm_rel = float(np.linalg.norm(a_j - n_j) / scale) if scale > 0 else 0.0
    passed = bool(ok[judged].all())  # a tensor with nothing to judge (all straddles) is reported unverified
    check = TensorCheck(name, tuple(np.shape(array)), diffs.coords, a, n, diffs.kind, diffs.left, diffs.right, rel,
                        tolerance, passed, norm_rel, mode=mode)
    if not passed:
        from .diagnose import diagnose
        check.diagnosis = diagnose(check)
    return check


def sample_coords(size, max_coords, rng):
    """All flat coordinates, or a sorted random sample of ``max_coords`` of them."""
    if max_coords is None or size <= max_coords:
        return np.arange(size)
    return np.sort(rng.choice(size, max_coords, replace=False))


def sampled_differences(objective, array, max_coords, h, base, rng, rounds=3):
    """Differences at all coordinates, or at a sample of ``max_coords``; a sampled coordinate that
    straddles kinks (unverifiable) is replaced by fresh ones, up to ``rounds`` times, so that a
    sample of a raw MNIST image is not mostly black background. Straddles stay counted."""
    coords = sample_coords(array.size, max_coords, rng)
    d = differences(objective, array, coords, h, base)
    if max_coords is None or array.size <= max_coords:
        return d
    parts = [d]
    for _ in range(rounds):
        missing = int(np.sum(parts[-1].kind == STRADDLE))
        unused = np.setdiff1d(np.arange(array.size), np.concatenate([p.coords for p in parts]))
        if not missing or not unused.size:
            break
        parts.append(differences(objective, array, np.sort(rng.choice(unused, min(missing, unused.size),
                                                                        replace=False)), h, base))
    order = np.argsort(np.concatenate([p.coords for p in parts]))
    return Differences(*(np.concatenate([getattr(p, f) for p in parts])[order]
                         for f in ("coords", "numeric", "kind", "left", "right")))  # steps: h everywhere


def run_coordinates(problem, eps, tolerance, max_coords, rng):
    """Check every array of ``problem`` coordinate by coordinate (all or a sample)."""
    base = problem.objective()
    return [judge(name, array, problem.analytic[name],
                  sampled_differences(problem.objective, array, max_coords, eps, base, rng), base[0], eps, tolerance)
            for name, array in problem.arrays.items()]
