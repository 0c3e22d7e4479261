"""Step-size sweep: the relative error of each tensor for h = 1e-2 ... 1e-10.

The central difference has a truncation error ``~h^2 |f'''| / 6`` and a rounding error
``~eps_machine |L| / h``. In float64 the total is smallest near ``h = 1e-5 .. 1e-6`` (both ~1e-11
relative), which is why the checks use ``h = 1e-6``. A correct gradient gives a V-shaped curve:
the error falls as h shrinks (truncation), then rises again (rounding). A wrong gradient gives a
flat curve: the error stays at the size of the bug whatever h is. A curve whose minimum is well
above 1e-7 but still V-shaped is a precision problem (float32 arithmetic, an ill-conditioned
formula), not a wrong formula.
"""
from dataclasses import dataclass

import numpy as np

from .core import STRADDLE, differences, noise_floor, sample_coords

SWEEP_STEPS = tuple(10.0 ** -k for k in range(2, 11))


@dataclass
class StepSweep:
    steps: tuple
    errors: dict                 # tensor name -> norm-wise relative error per step
    verdicts: dict               # tensor name -> sentence

    def __str__(self):
        lines = ["  step-size sweep (norm-wise relative error of each tensor):",
                 "    " + f"{'h':<14}" + "".join(f"{h:>9.0e}" for h in self.steps)]
        for name, errs in self.errors.items():
            lines.append(f"    {name:<14}" + "".join(f"{e:>9.1e}" for e in errs))
        lines += [f"    {name}: {text}" for name, text in self.verdicts.items()]
        return "\n".join(lines)


def classify(steps, errors):
    """The sentence for one tensor's curve: right, a precision problem, or a bug."""
    errors = np.asarray(errors, dtype=float)
    finite = np.isfinite(errors)
    if not finite.any():
        return "no step gave a comparable difference (kinks at every step)"
    best = int(np.nanargmin(np.where(finite, errors, np.nan)))
    e_best, h_best = errors[best], steps[best]
    mid = [e for h, e in zip(steps, errors) if 1e-8 <= h <= 1e-3 and np.isfinite(e)]
    spread = max(mid) / max(min(mid), 1e-300) if mid else np.inf
    if e_best < 1e-7:
        if best == 0:
            return (f"right: error {e_best:.1e} at h = {h_best:.0e}, growing as h shrinks (rounding); the function "
                    "is nearly linear along these axes, so large steps are exact")
        return (f"right: error {e_best:.1e} at h = {h_best:.0e}, larger for bigger h (truncation) and smaller h "
                "(rounding)")
    if e_best > 1e-4 and spread < 10:
        return (f"a bug, not a precision problem: the error stays near {np.median(mid):.1e} for every h in "
                "1e-3..1e-8")
    return (f"a precision problem: the error falls to {e_best:.1e} at h = {h_best:.0e} and changes with h "
            "(float32 arithmetic or an ill-conditioned formula?)")


def sweep(problem, steps=SWEEP_STEPS, max_coords=20, rng=None):
    """Relative error of every array of ``problem`` for each step in ``steps`` (a sample of coordinates)."""
    rng = np.random.default_rng(0) if rng is None else rng
    base = problem.objective()
    errors, verdicts = {}, {}
    for name, array in problem.arrays.items():
        coords = sample_coords(array.size, max_coords, rng)
        a_all = np.asarray(problem.analytic[name], dtype=np.float64).reshape(-1)[coords]
        row = []
        for h in steps:
            d = differences(problem.objective, array, coords, h, base)
            judged = d.kind != STRADDLE
            a, n = a_all[judged], d.numeric[judged]
            scale = max(np.linalg.norm(a), np.linalg.norm(n))
            if not judged.any():
                row.append(np.nan)
            elif scale <= noise_floor(base[0], 1e-6) * np.sqrt(len(a)):
                row.append(0.0)  # a zero gradient (both sides are rounding noise)
            else:
                row.append(float(np.linalg.norm(a - n) / scale))
        errors[name] = row
        verdicts[name] = classify(steps, row)
    return StepSweep(tuple(steps), errors, verdicts)

