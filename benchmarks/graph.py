"""Does a graph model pay for being a graph? One training step of the same chain three ways.

    python -m benchmarks.graph [--model cifar_small] [--batch 32] [--repeats 30] [--threads 2]

* ``sequential``: ``minicnn.Sequential.train_on_batch``;
* ``functional``: the same layers (same weights) as ``minicnn.Model(inputs, outputs)``;
* ``bare loop``: forward through the layers, the loss, backward in reverse, ``apply_gradients``,
  by hand: what a step costs with no model machinery at all.

Both models run the same graph code (``minicnn.models.graph``), so the first two should agree; the
bare loop shows the machinery's own cost (node bookkeeping, input checks). Medians of
``--repeats`` interleaved steps, so machine load affects the three alike.
"""
import argparse
import copy
import statistics
import sys
import time

from ._worker import pin_threads


def _models(name, batch):
    import numpy as np
    import minicnn
    from minicnn import architectures
    minicnn.set_seed(0)
    sequential = architectures.build(name)
    sequential.compile(minicnn.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy")
    layers = copy.deepcopy(sequential.layers)
    tensor = inputs = minicnn.Input(sequential.input_shape)
    for layer in layers:
        tensor = layer(tensor)
    functional = minicnn.Model(inputs, tensor)
    functional.compile(minicnn.optimizers.SGD(0.01, momentum=0.9), "sparse_categorical_crossentropy")
    bare = copy.deepcopy(sequential)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (batch,) + sequential.input_shape).astype(np.float32)
    y = rng.integers(0, sequential.output_shape[-1], batch)
    return sequential, functional, bare, x, y


def _bare_step(model):
    """A training step with no model machinery: the layers, the fused loss, the optimizer."""
    from minicnn.losses import OutputLogits
    layers, loss, optimizer = model.layers, model.loss, model.optimizer

    def step(x, y):
        for layer in layers:
            x = layer.forward(x, True)
        _, d, _ = loss.compute(x, y, OutputLogits(layers[-1].logits, "softmax"))
        d = layers[-1].backward_logits(d)
        for layer in reversed(layers[:-1]):
            d = layer.backward(d)
        optimizer.apply_gradients(model.parameters())
    return step


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="cifar_small", help="a minicnn.architectures name (a chain)")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--repeats", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args(argv)
    pin_threads(args.threads)
    sequential, functional, bare, x, y = _models(args.model, args.batch)
    bare_step = _bare_step(bare)
    runs = {"sequential": lambda: sequential.train_on_batch(x, y),
            "functional": lambda: functional.train_on_batch(x, y),
            "bare loop": lambda: bare_step(x, y)}
    times = {k: [] for k in runs}
    for _ in range(2):  # warm-up (numba compilation, buffers)
        for run in runs.values():
            run()
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    medians = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    lines = [f"{args.model}, batch {args.batch}, threads {args.threads}: median ms per training step "
             f"({args.repeats} interleaved repeats)", "", "| model | ms / step | vs sequential |", "|---|---:|---:|"]
    lines += [f"| {k} | {v:.2f} | {v / medians['sequential']:.3f} |" for k, v in medians.items()]
    print("\n".join(lines))
    return medians


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
