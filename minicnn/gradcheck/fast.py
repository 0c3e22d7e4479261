"""Fast mode: ``v^T J u`` against the central difference along a random direction ``u``.

For a layer the objective is already ``L = sum(R * y) = v^T y`` with a random ``v = R``, so its
analytic gradient ``g = J^T v`` gives ``v^T J u = <g, u>``; the numeric value is
``(L(w + h u) - L(w - h u)) / (2h)``: two evaluations per direction instead of two per
coordinate. Each tensor is checked along ``directions`` random unit directions of its own.
A direction whose ``+h``/``-h`` evaluations change a kink decision is shrunk (h / 100, twice),
then replaced by a new random direction.

What fast mode can miss (use coordinates for these):

* it checks ``<g_analytic - g_true, u>`` for a few random unit ``u``, which is about
  ``||error|| / ||g||`` relative: an error confined to a few coordinates is diluted by the rest
  of the tensor. One coordinate off by a relative ``e`` in a tensor of ``size`` similar entries
  gives ``~e / sqrt(size)``: on a 32x32x32 batch of 8, a 10% error on one pixel shows as 4.7e-4
  (caught at the 1e-6 tolerance), a 0.01% error on it as 4.5e-7 (missed; coordinates catch it);
* it sees the gradient of ``v^T y`` for one random ``v`` only (the layer's fixed ``R``);
* a direction moves every coordinate at once, so in a tensor crowded with near-kinks it may
  find no smooth direction (reported unverified), and kink coordinates are never judged;
* it says how wrong, not where: the diagnosis is limited to a constant ratio, a flipped sign
  and an all-zero gradient (no worst coordinates, border or transposition patterns).
"""
import numpy as np

from .core import STRADDLE, SMOOTH, Differences, judge, same_states


def directional_differences(objective, array, directions, h, base, rng, tries=3):
    """(analytic directions ``u``, Differences) for ``directions`` random unit directions of ``array``."""
    f0, s0 = base
    saved = array.copy()
    us, numeric, kind, used = [], [], [], []
    for _ in range(directions):
        value, k, step = np.nan, STRADDLE, h
        for _ in range(tries):
            u = rng.standard_normal(array.shape)
            u /= np.linalg.norm(u)
            for step in (h, h / 100, h / 1e4):
                try:
                    array += step * u
                    fp, sp = objective()
                    array[...] = saved - step * u
                    fm, sm = objective()
                finally:
                    array[...] = saved
                if same_states(sp, s0) and same_states(sm, s0):
                    value, k = (fp - fm) / (2 * step), SMOOTH
                    break
            if k == SMOOTH:
                break
        us.append(u)
        numeric.append(value)
        kind.append(k)
        used.append(step)
    m = len(us)
    return us, Differences(np.arange(m), np.array(numeric), np.array(kind, dtype=np.int8),
                           np.full(m, np.nan), np.full(m, np.nan), np.array(used))


def run_directions(problem, eps, tolerance, directions, rng):
    """Check every array of ``problem`` along ``directions`` random directions each."""
    base = problem.objective()
    checks = []
    for name, array in problem.arrays.items():
        us, diffs = directional_differences(problem.objective, array, directions, eps, base, rng)
        g = np.asarray(problem.analytic[name], dtype=np.float64)
        analytic = np.array([float(np.vdot(g, u)) for u in us])
        checks.append(judge(name, array, analytic, diffs, base[0], eps, tolerance, mode="directions"))
    return checks
