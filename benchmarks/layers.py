"""Per-layer micro-benchmarks: minicnn's layers vs the plain loop references vs PyTorch.

    python -m benchmarks.layers [--repeats 30] [--threads 2] [--only conv,pool,bn,dense,dropout]
                                [--reference-batch 4] [--no-torch] [--json out.json]

For every case (the shapes of the seed models' hot layers) it times, interleaved and as medians
over ``--repeats``: the minicnn layer's ``forward(x, training=True)`` and ``backward(dy)``, the same
op through PyTorch (NCHW, autograd) when installed, and the plain NumPy references of
``minicnn.kernels`` (loops over the window, so they run on a batch of ``--reference-batch`` only;
their time is scaled to the full batch and marked as such). A regression in one kernel shows up
as one row getting slower. Threads are pinned like ``benchmarks.compare`` (set before imports).
"""
import argparse
import json
import os
import statistics
import sys
import time

from ._worker import pin_threads

# (name, group, kind, batch, input shape (H, W, C) or (features,), layer arguments)
CASES = [
    ("conv 3x3 1->32 valid + relu (mnist)", "conv", "conv", 32, (28, 28, 1), dict(filters=32, padding="valid")),
    ("conv 3x3 32->64 valid + relu (cifar_small)", "conv", "conv", 32, (15, 15, 32), dict(filters=64, padding="valid")),
    ("conv 3x3 32->32 same + relu (cifar_bn)", "conv", "conv", 64, (32, 32, 32), dict(filters=32, padding="same")),
    ("maxpool 2x2 (mnist)", "pool", "pool", 32, (26, 26, 32), {}),
    ("maxpool 2x2 (cifar_bn)", "pool", "pool", 64, (32, 32, 32), {}),
    ("batchnorm (cifar_bn)", "bn", "bn", 64, (32, 32, 32), {}),
    ("dense 5408->100 + relu (mnist)", "dense", "dense", 32, (5408,), dict(units=100)),
    ("dropout 0.3 (cifar_bn)", "dropout", "dropout", 64, (16, 16, 32), dict(rate=0.3)),
]


def _minicnn_layer(kind, shape, args):
    from minicnn.layers import BatchNormalization, Conv2D, Dense, Dropout, MaxPooling2D
    layer = {"conv": lambda: Conv2D(kernel_size=3, activation="relu", **args),
             "pool": lambda: MaxPooling2D(2), "bn": lambda: BatchNormalization(),
             "dense": lambda: Dense(activation="relu", **args), "dropout": lambda: Dropout(seed=0, **args)}[kind]()
    layer.build(shape)
    return layer


def _reference(kind, layer):
    """``(forward, backward)`` built from the plain references of minicnn.kernels, or None."""
    import numpy as np
    from minicnn.kernels import (col2im_reference, conv2d_reference, im2col_reference, max_pool_backward_reference,
                                 max_pool_reference)
    from minicnn.kernels.fused import batchnorm_backward_train_reference, batchnorm_forward_train_reference
    state = {}
    if kind == "conv":
        k, b, g = layer.params["kernel"], layer.params["bias"], layer.geom

        def fwd(x):
            state["x"], z = x, conv2d_reference(x, k, b, g)
            state["y"] = np.maximum(z, 0)

        def bwd(dy):
            dz = (dy * (state["y"] > 0)).reshape(-1, k.shape[3])
            cols = im2col_reference(state["x"], g)
            cols.T @ dz, dz.sum(0)
            col2im_reference(dz @ k.reshape(-1, k.shape[3]).T, state["x"].shape, g)
        return fwd, bwd
    if kind == "pool":
        def fwd(x):
            state["shape"] = x.shape
            state["argmax"] = max_pool_reference(x, layer.geom)[1]

        def bwd(dy):
            max_pool_backward_reference(dy, state["argmax"], state["shape"])
        return fwd, bwd
    if kind == "bn":
        gamma, beta = layer.params["gamma"], layer.params["beta"]

        def fwd(x):
            _, state["xhat"], _, _, state["inv_std"] = batchnorm_forward_train_reference(
                x.reshape(-1, x.shape[-1]), gamma, beta, 1e-3)

        def bwd(dy):
            batchnorm_backward_train_reference(dy.reshape(-1, dy.shape[-1]), state["xhat"], gamma, state["inv_std"])
        return fwd, bwd
    return None


def _torch_op(kind, shape, args, batch):
    """``(forward, backward)`` of the same op in PyTorch (NCHW, autograd), or None."""
    import torch
    from torch import nn
    if kind == "conv":
        conv = nn.Conv2d(shape[2], args["filters"], 3, padding=1 if args["padding"] == "same" else 0)
        op = lambda x: torch.relu(conv(x))
        x_shape = (batch, shape[2], shape[0], shape[1])
    elif kind == "pool":
        op, x_shape = nn.MaxPool2d(2), (batch, shape[2], shape[0], shape[1])
    elif kind == "bn":
        op, x_shape = nn.BatchNorm2d(shape[2], eps=1e-3, momentum=0.01), (batch, shape[2], shape[0], shape[1])
    elif kind == "dense":
        lin = nn.Linear(shape[0], args["units"])
        op, x_shape = (lambda x: torch.relu(lin(x))), (batch, shape[0])
    else:
        op, x_shape = nn.Dropout(args["rate"]), (batch, shape[2], shape[0], shape[1])
    x = torch.randn(x_shape, requires_grad=True)
    state = {}

    def fwd(_):
        state["y"] = op(x)

    def bwd(_):
        state["y"].backward(torch.ones_like(state["y"]))
    return fwd, bwd


def _time(fn, arg):
    t = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t


def run_case(case, repeats, ref_batch, use_torch):
    import numpy as np
    name, _, kind, batch, shape, args = case
    rng = np.random.default_rng(0)
    layer = _minicnn_layer(kind, shape, args)
    x = rng.standard_normal((batch,) + shape).astype(np.float32)
    dy = rng.standard_normal((batch,) + layer.output_shape).astype(np.float32)
    impls = {"minicnn": ((lambda v: layer.forward(v, True)), layer.backward, x, dy, 1.0)}
    ref = _reference(kind, _minicnn_layer(kind, shape, args))
    if ref is not None:
        impls["reference"] = ref + (x[:ref_batch], dy[:ref_batch], batch / ref_batch)
    if use_torch:
        impls["torch"] = _torch_op(kind, shape, args, batch) + (None, None, 1.0)
    times = {k: ([], []) for k in impls}
    for rep in range(repeats + 1):  # the first round is a warm-up (compilation, allocation)
        for key, (fwd, bwd, xa, dya, scale) in impls.items():
            if key == "reference" and rep > max(2, repeats // 10):
                continue  # slow loops: a few rounds are enough
            tf, tb = _time(fwd, xa), _time(bwd, dya)
            if rep:
                times[key][0].append(tf * scale)
                times[key][1].append(tb * scale)
    return {key: {"forward_ms": 1e3 * statistics.median(f), "backward_ms": 1e3 * statistics.median(b),
                  "scaled_from_batch": ref_batch if key == "reference" else batch}
            for key, (f, b) in times.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--only", default=None, help="comma-separated groups: conv,pool,bn,dense,dropout")
    p.add_argument("--reference-batch", type=int, default=4)
    p.add_argument("--no-torch", action="store_true")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    pin_threads(args.threads)
    import importlib.util
    use_torch = not args.no_torch and importlib.util.find_spec("torch") is not None
    if use_torch:
        import torch
        torch.set_num_threads(args.threads)
    groups = None if args.only is None else set(args.only.split(","))
    results = []
    lines = [f"threads = {args.threads}; medians of {args.repeats} interleaved runs; reference = plain NumPy loops "
             f"on {args.reference_batch} samples, scaled to the batch", "",
             "| layer | batch | minicnn fwd / bwd (ms) | reference fwd / bwd (ms, scaled) | torch fwd / bwd (ms) |",
             "|---|---:|---:|---:|---:|"]
    for case in CASES:
        if groups is not None and case[1] not in groups:
            continue
        r = run_case(case, args.repeats, args.reference_batch, use_torch)
        results.append({"case": case[0], "batch": case[3], **r})
        cell = lambda k: f"{r[k]['forward_ms']:.2f} / {r[k]['backward_ms']:.2f}" if k in r else "-"
        lines.append(f"| {case[0]} | {case[3]} | {cell('minicnn')} | {cell('reference')} | {cell('torch')} |")
        print(lines[-1], file=sys.stderr, flush=True)
    print("\n".join(lines))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"threads": args.threads, "repeats": args.repeats, "results": results}, fh, indent=1)
    return results


if __name__ == "__main__":
    main()
