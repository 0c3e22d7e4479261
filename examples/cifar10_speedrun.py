"""CIFAR-10 speedrun: Keller Jordan's airbench94 recipe ("94% on CIFAR-10 in 3.29 Seconds on a
Single GPU", arXiv 2404.00498; the PyPI package airbench 0.1.8, lib_airbench94.py) in minicnn, on
the CPU. ``benchmarks/airbench94_torch.py`` is the same recipe in PyTorch, for the side-by-side.

    python examples/cifar10_speedrun.py                 # the full recipe: 9.9 epochs, batch 1024
    python examples/cifar10_speedrun.py --profile 3     # time 3 steps, per-layer shares, projection
    python examples/cifar10_speedrun.py --smoke         # a tiny run (the test suite's)

The network (each piece a public minicnn feature):

    Conv2D(24, 2, 'valid') + GELU    kernel = initializers.patch_whitening_kernel (frozen with
                                     layer.freeze("kernel")); bias trained for 3 epochs, then frozen
    3 x [Conv2D(w, 3, 'same', use_bias=False) -> MaxPool2D(2) -> BatchNormalization(scale=False)
         -> GELU -> Conv2D(w, 3, 'same', use_bias=False) -> BatchNormalization(scale=False) -> GELU]
         for w = 64, 256, 256; the 3x3 kernels initializers.Dirac over PyTorch's default draw;
         BatchNormalization(momentum=0.6, epsilon=1e-12) (PyTorch's momentum 0.4)
    MaxPool2D(3) -> Flatten -> Dense(10, use_bias=False) -> Rescaling(1/9)

Training: SparseCategoricalCrossentropy(from_logits=True, label_smoothing=0.2); SGD(form="torch",
nesterov=True) with airbench's per-1024-example lr 11.5, weight decay 0.0153, momentum 0.85
(``optimizers.airbench_sgd`` derives the mapping); BatchNorm betas at 64x the rate
(``set_lr_multipliers``); a per-step ``schedules.PiecewiseLinear`` 0.2 -> 1 (at 23%) -> 0.07;
``lookahead.Lookahead`` every 5 steps with decay 0.95^5 (step/total)^3; batches from
``data.airbench.AirbenchLoader`` (reflect-pad-2 crops, alternating flip, shuffle, drop_last).
Test: 6-view test-time augmentation (``model.evaluate(..., tta=2)``).

Timing as airbench counts it: the data preparation (the pad of the whole set), the whitening
init, the training steps and the TTA evaluation; not the per-epoch evaluation without TTA
(printed for information), nor loading the files.
"""
import argparse
import math
import resource
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

import minicnn  # noqa: E402
from benchmarks.guards import blas_line, cpu_description, describe_cpu, load_average  # noqa: E402
from minicnn import initializers, losses, optimizers  # noqa: E402
from minicnn.data import load_cifar10  # noqa: E402
from minicnn.data.airbench import AirbenchLoader, normalize  # noqa: E402
from minicnn.kernels.memory import retain_freed_memory  # noqa: E402
from minicnn.layers import (Activation, BatchNormalization, Conv2D, Dense, Flatten, MaxPooling2D,  # noqa: E402
                            Rescaling)
from minicnn.lookahead import Lookahead, airbench_decay  # noqa: E402

HYP = dict(epochs=9.9, batch_size=1024, lr=11.5, momentum=0.85, weight_decay=0.0153, bias_scaler=64.0,
           label_smoothing=0.2, whiten_bias_epochs=3, translate=2, widths=(64, 256, 256), bn_momentum=0.6,
           scaling_factor=1 / 9, tta_level=2, whiten_images=5000, warmup=0.23, lr_start=0.2, lr_end=0.07)
SMOKE = dict(train_size=256, test_size=200, batch_size=64, widths=(16, 32, 32), epochs=1, whiten_images=256)


def torch_default_init():
    """PyTorch's default conv / linear weights, U(+-1/sqrt(fan_in)), in Keras's terms."""
    return initializers.VarianceScaling(1 / 3, "fan_in", "uniform")


def make_net(widths, bn_momentum=HYP["bn_momentum"], scaling_factor=HYP["scaling_factor"]):
    layers = [Conv2D(24, 2, padding="valid", use_bias=True, bias_initializer="zeros", input_shape=(32, 32, 3),
                     name="whiten"), Activation("gelu")]
    for w in widths:
        for first in (True, False):
            layers.append(Conv2D(w, 3, padding="same", use_bias=False,
                                 kernel_initializer=initializers.Dirac(torch_default_init())))
            if first:
                layers.append(MaxPooling2D(2))
            layers += [BatchNormalization(momentum=bn_momentum, epsilon=1e-12, scale=False), Activation("gelu")]
    layers += [MaxPooling2D(3), Flatten(), Dense(10, use_bias=False, kernel_initializer=torch_default_init()),
               Rescaling(scaling_factor)]
    return minicnn.Sequential(layers)


def peak_memory_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


class LayerTimer:
    """Wall time of each layer's forward and backward, summed by kind (conv, bn, gelu, pool, other)."""

    KINDS = {"Conv2D": "conv", "BatchNormalization": "batchnorm", "Activation": "gelu", "MaxPooling2D": "pool"}

    def __init__(self, model):
        self.totals = {}
        for layer in model.layers:
            kind = self.KINDS.get(type(layer).__name__, "other")
            for method in ("forward", "backward"):
                setattr(layer, method, self._wrap(getattr(layer, method), kind))

    def _wrap(self, fn, kind):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            out = fn(*args, **kwargs)
            self.totals[kind] = self.totals.get(kind, 0.0) + time.perf_counter() - t
            return out
        return timed


def build(args, x_train, y_train):
    hyp = args.hyp
    model = make_net(hyp["widths"])
    model.build()
    t = time.perf_counter()  # the reflect pad of the whole set: airbench times it in its first epoch
    loader = AirbenchLoader(x_train, y_train, batch_size=hyp["batch_size"], translate=hyp["translate"],
                            seed=args.seed)
    args.loader_seconds = time.perf_counter() - t
    total_steps = math.ceil(len(loader) * hyp["epochs"])
    schedule = ([0, int(hyp["warmup"] * total_steps), total_steps], [hyp["lr_start"], 1.0, hyp["lr_end"]])
    opt = optimizers.airbench_sgd(hyp["lr"], hyp["weight_decay"], hyp["momentum"], hyp["batch_size"], schedule)
    opt.set_lr_multipliers({r"batch_normalization.*/beta$": hyp["bias_scaler"]})
    model.compile(opt, losses.SparseCategoricalCrossentropy(from_logits=True, label_smoothing=hyp["label_smoothing"]))
    return model, loader, total_steps


def whiten(model, x_train, n):
    t = time.perf_counter()
    kernel = initializers.patch_whitening_kernel(normalize(x_train[:n]), 2)
    model.layers[0].params["kernel"][...] = kernel
    model.layers[0].freeze("kernel")
    return time.perf_counter() - t


def profile(args, model, loader, x_train, steps):
    whiten(model, x_train, args.hyp["whiten_images"])
    batches = iter(loader)
    t = time.perf_counter()
    x, y = next(batches)
    data_first = time.perf_counter() - t
    model.train_on_batch(x, y)  # warm-up (numba compilation, buffers)
    timer = LayerTimer(model)
    data = step_total = 0.0
    for _ in range(steps):
        t = time.perf_counter()
        x, y = next(batches)
        t1 = time.perf_counter()
        model.train_on_batch(x, y)
        t2 = time.perf_counter()
        data += t1 - t
        step_total += t2 - t1
    step = step_total / steps
    print(f"profile: {steps} steps of batch {len(y)} after one warm-up step (first batch's data {data_first:.3f} s)")
    print(f"  step (forward, backward, optimizer): {step:.3f} s;  data: {data / steps * 1000:.1f} ms "
          f"({100 * data / step_total:.2f}% of a step)")
    layers_total = sum(timer.totals.values())
    for kind, seconds in sorted(timer.totals.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:10s} {seconds / steps:7.3f} s/step  {100 * seconds / step_total:5.1f}%")
    print(f"  optimizer+rest {(step_total - layers_total) / steps:7.3f} s/step  "
          f"{100 * (step_total - layers_total) / step_total:5.1f}%")
    total_steps = math.ceil(len(loader) * args.hyp["epochs"])
    print(f"projected training: {total_steps} steps x {step + data / steps:.3f} s = "
          f"{total_steps * (step + data / steps) / 60:.1f} min (plus TTA evaluation)")
    print(f"peak memory: {peak_memory_mb():.0f} MB")
    return {"step_seconds": step, "data_seconds": data / steps, "shares": timer.totals}


def train(args, model, loader, total_steps, x_train, x_test, y_test):
    hyp = args.hyp
    total_seconds = args.loader_seconds + whiten(model, x_train, hyp["whiten_images"])
    lookahead = Lookahead(airbench_decay(total_steps), every=5, model=model)
    lookahead.start()
    whiten_layer = model.layers[0]
    steps = 0
    print("epoch  train_loss  train_acc  test_acc  epoch_seconds")
    for epoch in range(math.ceil(hyp["epochs"])):
        if epoch == hyp["whiten_bias_epochs"]:
            whiten_layer.freeze("bias")
        t = time.perf_counter()
        for x, y in loader:
            loss, acc = model.train_on_batch(x, y)
            steps += 1
            lookahead.step()
            if steps >= total_steps:
                lookahead.finish()
                break
        seconds = time.perf_counter() - t
        total_seconds += seconds
        test_acc = model.evaluate(x_test, y_test, batch_size=500, verbose=0)[1]
        print(f"{epoch + 1:5d}  {loss:10.4f}  {acc:9.4f}  {test_acc:8.4f}  {seconds:13.1f}", flush=True)
        if steps >= total_steps:
            break
    t = time.perf_counter()
    tta_acc = model.evaluate(x_test, y_test, batch_size=500, verbose=0, tta=hyp["tta_level"])[1]
    total_seconds += time.perf_counter() - t
    return test_acc, tta_acc, total_seconds


def parse(argv):
    p = argparse.ArgumentParser(prog="python examples/cifar10_speedrun.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--smoke", action="store_true", help="tiny run (256 images, narrow net, 1 epoch)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=float, help=f"epochs (default {HYP['epochs']})")
    p.add_argument("--profile", type=int, metavar="STEPS", help="time STEPS steps instead of training")
    p.add_argument("--data-dir", help="CIFAR-10 folder (default $MINICNN_DATA)")
    p.add_argument("--malloc-default", action="store_true",
                   help="keep glibc's malloc thresholds (default: retain freed memory, kernels.memory)")
    args = p.parse_args(argv)
    args.hyp = dict(HYP, **(SMOKE if args.smoke else {}))
    if args.epochs is not None:
        args.hyp["epochs"] = args.epochs
    return args


def main(argv=None):
    args = parse(argv)
    if not args.malloc_default:
        retain_freed_memory()
    minicnn.set_seed(args.seed)
    print(f"# {describe_cpu(cpu_description())}; 1-minute load {load_average():.2f}; {blas_line()}", flush=True)
    (x_train, y_train), (x_test, y_test), _ = load_cifar10(args.data_dir, download=False)
    if args.smoke:
        x_train, y_train = x_train[:SMOKE["train_size"]], y_train[:SMOKE["train_size"]]
        x_test, y_test = x_test[:SMOKE["test_size"]], y_test[:SMOKE["test_size"]]
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    model, loader, total_steps = build(args, x_train, y_train)
    if args.profile:
        return profile(args, model, loader, x_train, args.profile)
    x_test = normalize(x_test)
    test_acc, tta_acc, seconds = train(args, model, loader, total_steps, x_train, x_test, y_test)
    result = {"test_accuracy": test_acc, "tta_test_accuracy": tta_acc, "train_seconds": seconds,
              "peak_memory_mb": peak_memory_mb(), "steps": total_steps, "seed": args.seed}
    print(f"RESULT cifar10_speedrun minicnn seed={args.seed} test_acc={test_acc:.4f} tta_test_acc={tta_acc:.4f} "
          f"train_seconds={seconds:.1f} peak_memory_mb={result['peak_memory_mb']:.0f}")
    return result


if __name__ == "__main__":
    main()
