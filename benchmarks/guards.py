"""What makes a benchmark figure trustworthy: the machine, its load, and its compute limit.

* :func:`cpu_description`: the CPU model (``lscpu``/``/proc/cpuinfo``; on a VM whose model name is
  generic, also family/model numbers and whether AVX-512 is there).
* :func:`blas_line`: NumPy's BLAS and the OpenBLAS kernel it runs, with a warning when an environment
  variable forces an older core than the CPU's (minicnn's products then run slower; Keras's and
  PyTorch's convolutions do not use OpenBLAS).
* :class:`LoadProbe`: the 1-minute load average before and after a measurement, and the CPU the
  *other* processes used meanwhile (``/proc/stat`` busy time minus this process's and its
  children's CPU time, in cores). The load average includes the measurement itself (a 2-thread
  training run pushes it up), so :func:`settle` waits before each measurement until it is back
  to ``max_load``, and the background CPU is what says whether something else ran.
* :func:`sgemm_peak`: float32 matrix-product GFLOP/s on ``threads`` BLAS threads (best of a few
  2048^3 products): the compute limit a framework's fraction is taken of.
* :func:`training_flops_per_image`: the multiply-adds of one training step per image, counted
  from the seed model's Conv2D and Dense layers (forward ``2 * out_pixels * kh*kw*C * F`` and
  ``2 * in * out``; backward twice that, except the first layer, which needs no input gradient).
  Elementwise layers (BN, pooling, dropout, the optimizer) are not counted: they are memory-bound.
"""
import os
import platform
import resource
import subprocess
import time


def load_average():
    """The 1-minute load average (None where the OS does not provide one)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def cpu_description():
    """``{"model": ..., "family": ..., "model_number": ..., "avx512": bool, "cores": n}`` as far as known."""
    info = {"model": None, "family": None, "model_number": None, "avx512": None, "cores": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                key, value = key.strip(), value.strip()
                if key == "model name" and info["model"] is None:
                    info["model"] = value
                elif key == "cpu family" and info["family"] is None:
                    info["family"] = value
                elif key == "model" and info["model_number"] is None:
                    info["model_number"] = value
                elif key == "flags" and info["avx512"] is None:
                    info["avx512"] = "avx512f" in value.split()
    except OSError:
        pass
    if info["model"] is None:
        try:
            out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
            info["model"] = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name:")),
                                 None)
        except (OSError, subprocess.CalledProcessError):
            pass
    info["model"] = info["model"] or platform.processor() or "unknown"
    return info


def describe_cpu(info):
    extra = [f"family {info['family']} model {info['model_number']}" if info["family"] else None,
             "AVX-512" if info["avx512"] else ("no AVX-512" if info["avx512"] is False else None),
             f"{info['cores']} cores"]
    return f"{info['model']} ({', '.join(e for e in extra if e)})"


def blas_line():
    """``"NumPy's BLAS: openblas 0.3.31 (SkylakeX kernel)"``, plus a WARNING sentence when that kernel is
    slower than this CPU allows (``minicnn.kernels.blas.kernel_warnings``): for the head of a timed run."""
    from minicnn.kernels import blas
    libraries = blas.describe()
    warnings = blas.kernel_warnings(libraries, cpu_description()["avx512"])
    return f"NumPy's BLAS: {blas_names(libraries)}" + "".join(f". WARNING, not comparable: {w}" for w in warnings)


def blas_names(libraries):
    """``[{"internal_api": "openblas", "version": "0.3.31", "architecture": "SkylakeX"}]`` ->
    ``"openblas 0.3.31 (SkylakeX kernel)"`` (distinct entries, comma-separated)."""
    names = {f"{lib['internal_api']} {lib['version']}" + (f" ({lib['architecture']} kernel)" if lib.get("architecture")
                                                          else "") for lib in libraries}
    return ", ".join(sorted(names)) or "none found"


def _busy_seconds():
    """Seconds of CPU all processes used since boot (``/proc/stat``), or None."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _own_cpu_seconds():
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class LoadProbe:
    """``with LoadProbe() as probe: measure()`` then ``probe.record`` = load before/after and the
    background CPU (cores used by other processes on average during the block)."""

    def __enter__(self):
        self.load_before = load_average()
        self._busy, self._own, self._t = _busy_seconds(), _own_cpu_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self._t
        busy = _busy_seconds()
        others = None
        if busy is not None and self._busy is not None and wall > 0:
            others = max(0.0, (busy - self._busy) - (_own_cpu_seconds() - self._own)) / wall
        self.record = {"load_before": self.load_before, "load_after": load_average(),
                       "background_cores": others}
        return False


def settle(max_load, timeout, poll=2.0, sleep=time.sleep):
    """Wait until the 1-minute load is at most ``max_load`` (at most ``timeout`` seconds); returns
    the load when done (it may still be above ``max_load`` after the timeout)."""
    load = load_average()
    deadline = time.monotonic() + timeout
    while load is not None and load > max_load and time.monotonic() < deadline:
        sleep(poll)
        load = load_average()
    return load


def not_comparable(records, max_load, max_background):
    """Reasons (strings) why measurements taken with these probe records are not comparable."""
    reasons = []
    worst_load = max((r["load_before"] for r in records if r.get("load_before") is not None), default=None)
    if worst_load is not None and worst_load > max_load:
        reasons.append(f"1-minute load {worst_load:.2f} > {max_load:g} before a measurement")
    worst_bg = max((r["background_cores"] for r in records if r.get("background_cores") is not None), default=None)
    if worst_bg is not None and worst_bg > max_background:
        reasons.append(f"other processes used {worst_bg:.2f} cores during a measurement (> {max_background:g})")
    return reasons


# ----------------------------------------------------------------------------- compute limit
def sgemm_peak(size=2048, repeats=8):
    """Best float32 ``(size x size) @ (size x size)`` GFLOP/s with NumPy's BLAS as configured (call in a
    process whose thread variables are pinned, see ``benchmarks._worker``)."""
    import numpy as np
    rng = np.random.default_rng(0)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    out = np.empty_like(a)
    np.matmul(a, b, out=out)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        np.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t)
    return 2.0 * size ** 3 / best / 1e9


def layer_flops(model):
    """``[(layer name, forward FLOPs per image, training FLOPs per image)]`` for a built minicnn model."""
    import numpy as np
    from minicnn.layers import Conv2D, Dense
    rows = []
    first = True
    for layer in model.layers:
        if isinstance(layer, Conv2D):
            kh, kw, c, f = layer.params["kernel"].shape
            fwd = 2.0 * layer.geom.out_h * layer.geom.out_w * kh * kw * c * f
        elif isinstance(layer, Dense):
            fwd = 2.0 * layer.params["kernel"].size * int(np.prod(layer.input_shape[:-1]))
        else:
            continue
        rows.append((layer.name, fwd, fwd * (2 if first else 3)))  # forward + dK (+ dx after the first)
        first = False
    return rows


def training_flops_per_image(name):
    """Training FLOPs per image of the seed model ``name`` (see the module docstring)."""
    from minicnn import architectures
    model = architectures.build(name)
    model.build()
    return sum(train for _, _, train in layer_flops(model))
