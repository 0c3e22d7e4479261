"""Where a training step's time goes, layer by layer, for the seed models.

    python -m benchmarks.profile_layers [--models mnist,cifar_small,cifar_bn] [--steps 20] [--threads 2]
                                        [--json out.json]

Builds each seed model (random inputs of the model's shape: the time of a step does not depend
on the pixel values), runs ``--steps`` training steps after two warm-up steps, and times every
layer's ``forward(x, training=True)`` and ``backward(dy)`` (and the loss and the optimizer update).
Prints, per model, the median milliseconds per step of each, and the share of the step. The
numbers are wall time on whatever machine this runs on: on a loaded machine compare only
interleaved runs.
"""
import argparse
import json
import statistics
import time

from ._worker import RECIPES, pin_threads


def _timed(fn, log, key):
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        out = fn(*args, **kwargs)
        log.setdefault(key, []).append(time.perf_counter() - t)
        return out
    return wrapper


def profile_model(name, steps, seed=0):
    """``{"step_ms": median, "parts": [(label, median ms per step), ...]}`` for one seed model."""
    import numpy as np
    from minicnn import architectures, optimizers
    batch, opt, lr, momentum = RECIPES[name]
    model = architectures.build(name)
    optimizer = {"name": opt, "learning_rate": lr, **({"momentum": momentum} if opt == "sgd" else {})}
    model.compile(optimizers.from_config(optimizer), "sparse_categorical_crossentropy", ["accuracy"])
    shape = (28, 28, 1) if name == "mnist" else (32, 32, 3)
    rng = np.random.default_rng(seed)
    x = rng.random((batch,) + shape, dtype=np.float32)
    y = rng.integers(0, 10, batch)
    model.train_on_batch(x, y)  # builds the model
    log = {}
    labels = []
    for i, layer in enumerate(model.layers):
        label = f"{i:02d} {layer.name}"
        labels += [(label + " fwd", label + " fwd"), (label + " bwd", label + " bwd")]
        layer.forward = _timed(layer.forward, log, label + " fwd")
        layer.backward = _timed(layer.backward, log, label + " bwd")
        if hasattr(layer, "backward_logits"):
            layer.backward_logits = _timed(layer.backward_logits, log, label + " bwd")
    model.optimizer.apply_gradients = _timed(model.optimizer.apply_gradients, log, "optimizer")
    labels.append(("optimizer", "optimizer"))
    step_times = []
    for step in range(steps + 2):
        if step == 2:
            log.clear()
        t = time.perf_counter()
        model.train_on_batch(x, y)
        if step >= 2:
            step_times.append(time.perf_counter() - t)
    parts = [(label, 1e3 * sum(log[key]) / steps) for label, key in labels if key in log]
    return {"model": name, "batch": batch, "step_ms": 1e3 * statistics.median(step_times), "parts": parts}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="mnist,cifar_small,cifar_bn")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    pin_threads(args.threads)
    results = []
    for name in args.models.split(","):
        r = profile_model(name, args.steps)
        results.append(r)
        print(f"## {name}: batch {r['batch']}, {r['step_ms']:.2f} ms per step (median of {args.steps}), "
              f"{r['batch'] / r['step_ms'] * 1e3:,.0f} samples/s")
        total = sum(ms for _, ms in r["parts"])
        for label, ms in r["parts"]:
            print(f"  {label:<32} {ms:8.3f} ms  {100 * ms / total:5.1f}%")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
