"""The ``minicnn`` command line.

    minicnn train        train the seed MNIST CNN on the built-in MNIST and print the test accuracy
    minicnn gradcheck    check every layer's gradients against finite differences

User mistakes exit with status 2 and one line on stderr, never a traceback.
"""
import argparse
import sys
import time

import numpy as np


class UsageError(Exception):
    """A user mistake: printed as one line, exit status 2."""


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="minicnn", description="A from-scratch CNN engine in NumPy and numba.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train the seed MNIST model on the built-in MNIST")
    train.add_argument("--epochs", type=_positive_int, default=5)
    train.add_argument("--batch-size", type=_positive_int, default=32)
    train.add_argument("--lr", type=_positive_float, default=0.01, help="SGD learning rate (momentum 0.9)")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--limit", type=_positive_int, default=None, help="train on the first N images only")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1)
    train.set_defaults(func=cmd_train)

    gradcheck = sub.add_parser("gradcheck", help="finite-difference check of every layer type")
    gradcheck.set_defaults(func=cmd_gradcheck)
    return parser


def cmd_train(args):
    import minicnn
    from minicnn import architectures

    minicnn.set_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = minicnn.data.load_mnist()
    if args.limit is not None:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    x_train = (x_train[..., None] / np.float32(255)).astype(np.float32)
    x_test = (x_test[..., None] / np.float32(255)).astype(np.float32)
    model = architectures.mnist()
    model.compile(minicnn.optimizers.SGD(args.lr, momentum=0.9), "sparse_categorical_crossentropy")
    model.summary()
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose)
    seconds = time.perf_counter() - start
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    print(f"trained on {len(x_train)} images for {args.epochs} epochs in {seconds:.1f} s")
    print(f"test loss: {loss:.4f} - test accuracy: {accuracy:.4f} ({accuracy * 100:.2f}% of {len(x_test)} test images)")
    return 0


def cmd_gradcheck(args):
    from minicnn.gradcheck import run_standard_checks
    return 0 if run_standard_checks() else 1


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as err:
        print(f"minicnn: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("minicnn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
