"""The report of a gradient check: a table per tensor, the worst coordinates, a diagnosis in words."""
from dataclasses import dataclass, field

from .core import band


@dataclass
class GradCheckReport:
    """Per-tensor results (:class:`~minicnn.gradcheck.core.TensorCheck`); ``passed`` is True when
    every tensor passes. ``str(report)`` is the text a person reads."""
    title: str
    tolerance: float
    eps: float = 1e-6
    checks: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    sweep: object = None         # a StepSweep when the check ran with sweep=True
    worst_count: int = 3

    @property
    def passed(self):
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def max_relative_error(self):
        return max((c.max_relative_error for c in self.checks), default=float("nan"))

    @property
    def kinks(self):
        return sum(c.kinks for c in self.checks)

    def __getitem__(self, name):
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(f"no tensor {name!r} in this report; it has {[c.name for c in self.checks]}")

    def __str__(self):
        lines = [f"{self.title}: {'PASS' if self.passed else 'FAIL'} (tolerance {self.tolerance:.0e}, h = {self.eps:.0e})"]
        f32 = any(c.float32_relative_error is not None for c in self.checks)
        width = max([14] + [len(c.name) + 1 for c in self.checks])
        lines.append(f"  {'tensor':<{width}} {'shape':<16} {'checked':>7} {'kinks':>5}  {'max rel':>8} {'mean rel':>8}  "
                     f"{'band':<10} {'result':<6}" + ("  float32 rel err" if f32 else ""))
        for c in self.checks:
            unit = "" if c.mode == "coordinates" else "dir"
            lines.append(f"  {c.name:<{width}} {str(c.shape):<16} {str(c.checked) + unit:>7} {c.kinks:>5}  "
                         f"{c.max_relative_error:>8.1e} {c.mean_relative_error:>8.1e}  {band(c.max_relative_error).split(' ')[0]:<10} "
                         f"{('ok' if c.verified else 'unverified') if c.passed else 'FAIL':<6}"
                         + (f"  {c.float32_relative_error:.1e}" if c.float32_relative_error is not None else ""))
        for c in self.checks:
            if c.passed:
                continue
            lines.append(f"  {c.name}: {band(c.max_relative_error)}; norm-wise relative error {c.relative_error:.2e}")
            lines += [f"    diagnosis: {d}" for d in c.diagnosis]
            worst = c.worst(self.worst_count)
            if worst:
                what = "worst coordinates" if c.mode == "coordinates" else "worst directions"
                lines.append(f"    {what:<20} {'analytic':>12} {'numeric':>12}  {'ratio':>8}")
                for index, a, n, kind in worst:
                    ratio = f"{a / n + 0.0:8.4g}" if n != 0 else f"{'-':>8}"
                    lines.append(f"      {str(index):<18} {a:>12.5g} {n:>12.5g}  {ratio}"
                                 + ("" if kind == "smooth" else f"  ({kind})"))
        straddles = sum(c.skipped_kinks for c in self.checks)
        if self.kinks:
            lines.append(f"  kinks: {self.kinks} coordinates cross a ReLU or max-pool decision within h; "
                         f"{self.kinks - straddles} were compared with the one-sided slope of the analytic piece"
                         + (f", {straddles} flip decisions both ways and cannot be verified along their axis "
                            f"({sum(c.straddles_between_slopes for c in self.checks)} of them lie between the "
                            f"one-sided slopes)" if straddles else ""))
        unverified = [c.name for c in self.checks if not c.verified]
        if unverified:
            lines.append(f"  unverified: every checked coordinate of {', '.join(unverified)} flips decisions both "
                         "ways (inputs full of ties or zeros); nothing was compared there")
        if f32:
            lines.append("  float32 rel err: the float32 layer's own gradient against its float64 shadow's "
                         "(rounding: ~1e-8..1e-4); the verdict is the float64 one")
        lines += [f"  note: {n}" for n in self.notes]
        if self.sweep is not None:
            lines.append(str(self.sweep))
        return "\n".join(lines)
