"""Side-by-side training/inference throughput, peak memory and accuracy: minicnn vs Keras vs PyTorch.

    python -m benchmarks.compare [--models mnist,cifar_small,cifar_bn] [--frameworks minicnn,keras,torch]
                                 [--steps 200] [--warmup 20] [--repeats 3] [--threads 2]
                                 [--predict-samples 5120] [--predict-batch 256]
                                 [--epochs-accuracy 0] [--startup] [--json out.json]
                                 [--baseline-tree DIR] [--max-load 1.0] [--settle-timeout 120]
                                 [--max-background 0.25]

Every measurement runs in its own subprocess (``python -m benchmarks._worker``), so the peak
resident memory (``ru_maxrss`` of the child) is one framework's alone; the parent alternates the
frameworks within each repetition (rotating the order) so that the noise of a shared machine hits
them alike, and reports medians over ``--repeats``.

* speed: each framework trains the seed model with its recipe (mnist: SGD(0.01, momentum 0.9),
  batch 32; cifar_small: Adam(1e-3), batch 32; cifar_bn: Adam(1e-3), batch 64) through its own
  training loop (``fit`` for minicnn and Keras, a plain loop for PyTorch) on the same real data
  (MNIST built in; CIFAR-10 from the data directory, ``$MINICNN_DATA`` or ``~/.cache/minicnn``) for
  ``--warmup + --steps`` steps; train samples/s is timed over the last ``--steps`` steps (from the end
  of the last warm-up batch to the end of the last batch). Then ``predict`` on ``--predict-samples``
  test images with batch ``--predict-batch`` (best of 2 after a warm-up call).
* ``--epochs-accuracy N`` (N > 0): one more process per framework trains N full epochs (the whole
  training set, shuffled) and reports the test accuracy; its peak RSS is the "full-epoch" memory.
* ``--startup``: minicnn's time from process spawn to the first training step, once with an empty
  numba cache (a fresh ``NUMBA_CACHE_DIR``: the first-run compile) and once with the normal cache.

Threads: ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``NUMBA_NUM_THREADS``
are set to ``--threads`` in every child before any import; Keras also gets
``tf.config.threading`` intra-op = inter-op = ``--threads``, PyTorch ``set_num_threads`` and
``set_num_interop_threads`` = ``--threads``. The settings, versions and CPU are in the output.

``--baseline-tree DIR`` adds a framework ``minicnn_base``: minicnn imported from another checkout
(e.g. ``git worktree add /tmp/base <commit>``), measured in the same alternation, for before/after
tables of the engine itself. ``--variant minicnn_NAME:VAR=VALUE[,VAR=VALUE...]`` (repeatable) adds
minicnn run with those environment variables as framework ``minicnn_NAME``, in the same alternation
(e.g. ``minicnn_nosplit:MINICNN_SPLIT_PARTS=1`` to A/B the small-batch splitting).

Guards (``benchmarks.guards``): the CPU model is printed; before each measurement the parent waits
(at most ``--settle-timeout`` s) until the 1-minute load average is at most ``--max-load`` (the
previous run's own load decays meanwhile), and records the load before and after each measurement
and the cores other processes used during it. A table with any measurement started above
``--max-load``, or during which other processes used more than ``--max-background`` cores, is
printed as NOT COMPARABLE with the reason. The float32 sgemm peak is measured in the same run (1
and ``--threads`` threads, at the start and at the end; the best counts), the training FLOPs per
image of each model are counted from its Conv2D/Dense layers, and the table gives each
framework's fraction of the compute limit (``train samples/s * FLOPs per image / sgemm peak``).
The sgemm children also report NumPy's BLAS and the OpenBLAS kernel it runs (threadpoolctl); a
kernel forced by ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE``, or one without AVX-512 on a CPU with
it, makes the table NOT COMPARABLE: it slows minicnn's products alone, since Keras's and PyTorch's
convolutions do not go through OpenBLAS. Unset both variables in the benchmark's command alone.

Prints a markdown table and writes every raw measurement plus the medians to ``--json``.
Frameworks that are not installed are skipped with a note.
"""
import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from . import guards
from ._worker import THREAD_VARS

MODELS = ("mnist", "cifar_small", "cifar_bn")
FRAMEWORKS = ("minicnn", "keras", "torch")
_MODULE_OF = {"minicnn": "numba", "minicnn_base": "numba", "keras": "tensorflow", "torch": "torch"}
#: guard settings used when ``measure`` is called without them (tests, other scripts)
GUARD_DEFAULTS = {"max_load": 1.0, "settle_timeout": 120.0, "max_background": 0.25}


def available(framework):
    module = "numba" if framework.startswith("minicnn") else _MODULE_OF[framework]
    return importlib.util.find_spec(module) is not None


def parse_variant(text):
    """``"minicnn_x:A=1,B=2"`` -> ``("minicnn_x", {"A": "1", "B": "2"})`` (ValueError when malformed)."""
    name, sep, assignments = text.partition(":")
    env = dict(a.split("=", 1) for a in assignments.split(",") if "=" in a)
    if not sep or not name.startswith("minicnn_") or name == "minicnn_base" or not env \
            or len(env) != len([a for a in assignments.split(",") if a]):
        raise ValueError(f"--variant expects minicnn_NAME:VAR=VALUE[,VAR=VALUE...], got {text!r}")
    return name, env


def cpu_model():
    return guards.describe_cpu(guards.cpu_description())


def guard(args, name):
    return getattr(args, name, GUARD_DEFAULTS[name])


def guarded_child(args, spec, **kwargs):
    """:func:`run_child` after the load has settled, with the load probe's record in the result."""
    settled = guards.settle(guard(args, "max_load"), guard(args, "settle_timeout"))
    with guards.LoadProbe() as probe:
        result = run_child(spec, **kwargs)
    result.update(probe.record, load_settled=settled)
    return result


def measure_peaks(args, log=print):
    """``{threads: best sgemm GFLOP/s}`` for 1 and ``args.threads`` threads, and the raw records."""
    raw = []
    for threads in sorted({1, args.threads}):
        r = guarded_child(args, {"framework": "sgemm", "model": "-", "mode": "sgemm", "threads": threads})
        r["threads_used"] = threads
        raw.append(r)
        log(_describe(r))
    return raw


def best_peaks(raw):
    peaks = {}
    for r in raw:
        if r.get("mode") == "sgemm" and "sgemm_gflops" in r:
            peaks[r["threads_used"]] = max(peaks.get(r["threads_used"], 0.0), r["sgemm_gflops"])
    return peaks


def run_child(spec, env_extra=None, timeout=3600, baseline_tree=None):
    """Run one measurement in a fresh interpreter; returns its result dict (or ``{"error": ...}``)."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(spec["threads"])
    first = [baseline_tree] if spec["framework"] == "minicnn_base" else []
    env["PYTHONPATH"] = os.pathsep.join(p for p in first + [ROOT, env.get("PYTHONPATH")] if p)
    env.update(env_extra or {})
    spec = dict(spec, t_spawn=time.time())
    # ``-m`` puts the working directory first on sys.path: the baseline's minicnn must win there
    cwd = baseline_tree if first else ROOT
    proc = subprocess.run([sys.executable, "-m", "benchmarks._worker", json.dumps(spec)], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            result = json.loads(line[len("RESULT "):])
            result["t_spawn"] = spec["t_spawn"]
            return result
    return {"framework": spec["framework"], "model": spec["model"], "mode": spec["mode"],
            "error": (proc.stderr or proc.stdout)[-2000:]}


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median(results, key):
    values = [r[key] for r in results if key in r and r[key] == r[key]]
    return statistics.median(values) if values else None


def measure(args, log=print):
    frameworks = [f for f in args.frameworks if available(f)]
    variants = dict(getattr(args, "variant", None) or [])
    if args.baseline_tree:
        frameworks.insert(1, "minicnn_base")
    frameworks[1:1] = list(variants)
    skipped = [f for f in args.frameworks if f not in frameworks]
    raw = measure_peaks(args, log)
    base = {"steps": args.steps, "warmup": args.warmup, "predict_samples": args.predict_samples,
            "predict_batch": args.predict_batch, "epochs": 0, "threads": args.threads, "seed": args.seed}
    for model in args.models:
        for rep in range(args.repeats):
            order = frameworks[rep % len(frameworks):] + frameworks[:rep % len(frameworks)]
            for fw in order:
                r = guarded_child(args, dict(base, framework=fw, model=model, mode="speed"),
                                  env_extra=variants.get(fw), baseline_tree=args.baseline_tree)
                r["repeat"] = rep
                raw.append(r)
                log(_describe(r))
        if args.epochs_accuracy > 0:
            for fw in frameworks:
                r = guarded_child(args, dict(base, framework=fw, model=model, mode="accuracy",
                                             epochs=args.epochs_accuracy), env_extra=variants.get(fw),
                                  baseline_tree=args.baseline_tree)
                raw.append(r)
                log(_describe(r))
    startup = {}
    if args.startup and "minicnn" in frameworks:
        spec = dict(base, framework="minicnn", model=args.models[0], mode="startup")
        with tempfile.TemporaryDirectory() as cache:
            cold = run_child(spec, {"NUMBA_CACHE_DIR": cache})
            warm_in_fresh_cache = run_child(spec, {"NUMBA_CACHE_DIR": cache})
        warm = [run_child(spec) for _ in range(3)]
        raw += [cold, warm_in_fresh_cache] + warm
        startup = {"model": args.models[0],
                   "cold_cache_s_to_first_step": _startup_time(cold),
                   "cold_cache_s_to_first_step_end": _startup_time(cold, "first_step_end"),
                   "warm_cache_s_to_first_step": statistics.median(_startup_time(w) for w in warm),
                   "warm_cache_s_to_first_step_end": statistics.median(_startup_time(w, "first_step_end")
                                                                       for w in warm)}
        log(f"startup: {startup}")
    raw += measure_peaks(args, log)
    return raw, summarize(raw, args, frameworks), startup, skipped


def _startup_time(r, key="first_step_begin"):
    return r[key] - r["t_spawn"] if key in r else None


def _describe(r):
    load = _load_text(r)
    if "error" in r:
        return (f"  {r['model']:<12} {r['framework']:<8} {r['mode']}: ERROR {r['error'].strip().splitlines()[-1:]}"
                f"  {load}")
    parts = [f"  {'sgemm peak':<21} {r['threads_used']} thread(s)" if r["mode"] == "sgemm" else
             f"  {r['model']:<12} {r['framework']:<8} {r['mode']:<8}"]
    for key, fmt in (("train_samples_per_s", "train {:,.0f}/s"), ("predict_samples_per_s", "predict {:,.0f}/s"),
                     ("sgemm_gflops", "{:,.0f} GFLOP/s"),
                     ("test_accuracy", "acc {:.4f}"), ("peak_rss_mb", "rss {:,.0f} MB"), ("wall_s", "{:.1f} s")):
        if key in r:
            parts.append(fmt.format(r[key]))
    return "  ".join(parts + [load])


def _load_text(r):
    f = lambda v: "?" if v is None else f"{v:.2f}"
    if "load_before" not in r:
        return ""
    return (f"[load {f(r.get('load_before'))} -> {f(r.get('load_after'))}, "
            f"other processes {f(r.get('background_cores'))} cores]")


def summarize(raw, args, frameworks):
    rows = []
    peaks = best_peaks(raw)  # the compute limit on N threads is at least the one on fewer
    peak = max((g for t, g in peaks.items() if t <= args.threads), default=None)
    for model in args.models:
        flops = guards.training_flops_per_image(model)
        by_fw = {}
        for fw in frameworks:
            speed = [r for r in raw if r.get("model") == model and r.get("framework") == fw and r.get("mode") == "speed"]
            acc = [r for r in raw if r.get("model") == model and r.get("framework") == fw
                   and r.get("mode") == "accuracy" and "error" not in r]
            by_fw[fw] = {"train": median(speed, "train_samples_per_s"),
                         "predict": median(speed, "predict_samples_per_s"),
                         "speed_rss_mb": median(speed, "peak_rss_mb"),
                         "epoch_rss_mb": acc[0]["peak_rss_mb"] if acc else None,
                         "accuracy": acc[0]["test_accuracy"] if acc else None,
                         "runs": sum("error" not in r for r in speed)}
        keras, torch = by_fw.get("keras", {}), by_fw.get("torch", {})
        for fw, m in by_fw.items():
            row = {"model": model, "framework": fw, **m, "train_flops_per_image": flops,
                   "compute_fraction": m["train"] * flops / (peak * 1e9) if m["train"] and peak else None}
            for key in ("train", "predict", "epoch_rss_mb", "speed_rss_mb"):
                if m.get(key) is not None and keras.get(key):
                    row[f"{key}_vs_keras"] = m[key] / keras[key]
            if m.get("train") is not None and torch.get("train"):
                row["train_vs_torch"] = m["train"] / torch["train"]
            rows.append(row)
    return rows


def comparability(raw, args):
    """Reasons why the run's figures are not comparable (empty when the machine was quiet)."""
    blas_reasons = sorted({w for r in raw if r.get("mode") == "sgemm" for w in r.get("blas_warnings", ())})
    return guards.not_comparable([r for r in raw if "load_before" in r], guard(args, "max_load"),
                                 guard(args, "max_background")) + blas_reasons


def blas_kernels(raw):
    """``"OpenBLAS 0.3.31 (SkylakeX kernel)"``-style names of the BLAS the sgemm children ran."""
    return guards.blas_names([lib for r in raw if r.get("mode") == "sgemm" for lib in r.get("blas", ())])


def markdown(rows, args, startup, raw=(), cpu=None):
    def f(v, fmt):
        return "-" if v is None else fmt.format(v)
    peaks = best_peaks(raw)
    reasons = comparability(raw, args)
    out = []
    if reasons:
        out += [f"**NOT COMPARABLE** (a quiet machine and NumPy's own BLAS kernel are needed): {'; '.join(reasons)}.",
                ""]
    loads = [r[k] for r in raw for k in ("load_before", "load_after") if r.get(k) is not None]
    background = [r["background_cores"] for r in raw if r.get("background_cores") is not None]
    out += [f"CPU: {cpu or cpu_model()}. NumPy's BLAS: {blas_kernels(raw)}. float32 sgemm peak: "
            + ", ".join(f"{peaks[t]:,.0f} GFLOP/s on {t} thread{'s' if t > 1 else ''}" for t in sorted(peaks))
            + (f"; 1-minute load {min(loads):.2f}-{max(loads):.2f} around the measurements" if loads else "")
            + (f", other processes at most {max(background):.2f} cores" if background else "") + ".",
            "Training FLOPs per image (Conv2D/Dense products): "
            + ", ".join(f"{m} {guards.training_flops_per_image(m) / 1e6:,.1f} M" for m in args.models)
            + f"; '% of limit' = train samples/s x FLOPs per image / the best sgemm peak on at most "
            f"{args.threads} threads.", ""]
    out += [f"Train: {args.warmup} warm-up + {args.steps} timed steps; predict: {args.predict_samples} test images, "
            f"batch {args.predict_batch}; medians of {args.repeats} runs; threads = {args.threads}.", "",
            "| model | framework | train samples/s | x Keras | x PyTorch | % of limit | predict samples/s | x Keras "
            "| peak RSS speed run (MB) | full-epoch peak RSS (MB) | x Keras | test acc after "
            f"{args.epochs_accuracy} ep |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['model']} | {r['framework']} | {f(r['train'], '{:,.0f}')} | "
                   f"{f(r.get('train_vs_keras'), '{:.2f}')} | {f(r.get('train_vs_torch'), '{:.2f}')} | "
                   f"{f(None if r.get('compute_fraction') is None else 100 * r['compute_fraction'], '{:.0f}%')} | "
                   f"{f(r['predict'], '{:,.0f}')} | "
                   f"{f(r.get('predict_vs_keras'), '{:.2f}')} | {f(r['speed_rss_mb'], '{:,.0f}')} | "
                   f"{f(r['epoch_rss_mb'], '{:,.0f}')} | {f(r.get('epoch_rss_mb_vs_keras'), '{:.2f}')} | "
                   f"{f(r['accuracy'], '{:.4f}')} |")
    if startup:
        out += ["", f"minicnn start-up ({startup['model']}, process spawn to first training step): "
                f"empty numba cache {startup['cold_cache_s_to_first_step']:.2f} s, "
                f"cached {startup['warm_cache_s_to_first_step']:.2f} s "
                f"(to the end of the first step: {startup['cold_cache_s_to_first_step_end']:.2f} s / "
                f"{startup['warm_cache_s_to_first_step_end']:.2f} s)."]
    return "\n".join(out)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    csv = lambda s: [v.strip() for v in s.split(",") if v.strip()]
    p.add_argument("--models", type=csv, default=list(MODELS))
    p.add_argument("--frameworks", type=csv, default=list(FRAMEWORKS))
    p.add_argument("--steps", type=int, default=200)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--predict-samples", type=int, default=5120)
    p.add_argument("--predict-batch", type=int, default=256)
    p.add_argument("--epochs-accuracy", type=int, default=0)
    p.add_argument("--startup", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None)
    p.add_argument("--baseline-tree", default=None, help="another minicnn checkout, measured as minicnn_base")
    p.add_argument("--variant", action="append", default=[], metavar="minicnn_NAME:VAR=VALUE[,...]",
                   help="also measure minicnn with these environment variables, as framework minicnn_NAME")
    p.add_argument("--max-load", type=float, default=GUARD_DEFAULTS["max_load"],
                   help="wait for the 1-minute load to drop to this before each measurement; above it: not comparable")
    p.add_argument("--settle-timeout", type=float, default=GUARD_DEFAULTS["settle_timeout"],
                   help="longest wait (s) for the load to settle before a measurement")
    p.add_argument("--max-background", type=float, default=GUARD_DEFAULTS["max_background"],
                   help="cores other processes may use during a measurement before the table is not comparable")
    args = p.parse_args(argv)
    for m in args.models:
        if m not in MODELS:
            p.error(f"unknown model {m!r}; expected some of {', '.join(MODELS)}")
    for fw in args.frameworks:
        if fw not in FRAMEWORKS:
            p.error(f"unknown framework {fw!r}; expected some of {', '.join(FRAMEWORKS)}")
    try:
        args.variant = [parse_variant(v) for v in args.variant]
    except ValueError as e:
        p.error(str(e))
    if args.warmup < 1 or args.steps < 1:
        p.error("--warmup and --steps must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    machine = {"cpu": cpu_model(), "cpu_info": guards.cpu_description(), "cores": os.cpu_count(),
               "python": platform.python_version(), "threads": args.threads, "thread_env": list(THREAD_VARS),
               "load_at_start": guards.load_average()}
    print(f"# {machine['cpu']}; threads pinned to {args.threads}; 1-minute load {machine['load_at_start']}",
          flush=True)
    raw, rows, startup, skipped = measure(args, log=lambda s: print(s, flush=True))
    if skipped:
        print(f"(not installed, skipped: {', '.join(skipped)})")
    table = markdown(rows, args, startup, raw, machine["cpu"])
    machine["not_comparable"] = comparability(raw, args)
    print()
    print(table)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": machine, "args": vars(args), "summary": rows, "startup": startup,
                       "raw": raw, "markdown": table}, fh, indent=1)
    return rows


if __name__ == "__main__":
    main()
