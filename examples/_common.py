"""Helpers shared by the example lessons (command line, data, timing, reporting, figures).

Every example accepts the same options:

    --smoke          a few hundred images, one epoch (what the test suite runs)
    (default)        fast: a few hundred to a few thousand images (by model cost), one epoch
    --full           the full-length lesson (whole training and test sets, all epochs)
    --epochs N, --train-size N, --test-size N   override the mode's values
    --out DIR        where the pictures go; default ``<system temp dir>/minicnn_examples/<NAME>/``
    --seed S         seeds minicnn (weights, dropout, shuffling) and the augmentation
    --max-minutes M  stop training after the first epoch that ends past M minutes (full runs on a
                     slow machine still give a figure; the report says how many epochs ran)

Each run prints one line ``RESULT <name> ...`` with the test accuracy and the seconds per epoch
(training only, validation excluded), and writes ``results.json`` and ``history.json`` (rewritten
after every epoch, so an interrupted run still leaves its per-epoch figures) into the output folder.
"""
import argparse
import functools
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:  # `python examples/NAME.py` works without installing minicnn
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

import minicnn  # noqa: E402
from minicnn import metrics, plots  # noqa: E402
from minicnn.callbacks import Callback  # noqa: E402
from minicnn.data import load_cifar10, load_mnist, resolve_data_dir, scale_images  # noqa: E402

MODES = ("smoke", "fast", "full")


def default_out_dir(name):
    """``<system temp dir>/minicnn_examples/<name>`` (the repository's own folders stay clean)."""
    return Path(tempfile.gettempdir()) / "minicnn_examples" / name


def parse_args(name, doc, modes, add_arguments=None, argv=None):
    """Parse the common options (module docstring). ``modes`` maps "smoke"/"fast"/"full" to dicts of
    defaults (``epochs``, ``train_size``, ``test_size`` and any option ``add_arguments`` adds with a
    default of None). Returns the namespace with ``mode`` set, ``given`` (the names of those options
    set on the command line), ``out`` created, minicnn seeded."""
    parser = argparse.ArgumentParser(prog=f"python examples/{name}.py", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--full", action="store_true", help="full-length run (whole data set, all epochs)")
    size.add_argument("--smoke", action="store_true", help="tiny run for the test suite")
    parser.add_argument("--epochs", type=int, help="number of epochs (default: by mode)")
    parser.add_argument("--train-size", type=int, help="training images used (default: by mode)")
    parser.add_argument("--test-size", type=int, help="test images used (default: by mode)")
    parser.add_argument("--out", type=Path, help=f"output folder (default: {default_out_dir(name)})")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--max-minutes", type=float, help="stop after the epoch that ends past this time")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    args.mode = "full" if args.full else "smoke" if args.smoke else "fast"
    args.given = {key for key in modes[args.mode] if getattr(args, key, None) is not None}
    for key, value in modes[args.mode].items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    for key in ("epochs", "train_size", "test_size"):
        value = getattr(args, key, None)
        if value is not None and value < 1:
            parser.error(f"--{key.replace('_', '-')} must be a positive integer, got {value}")
    args.name = name
    args.out = Path(args.out) if args.out is not None else default_out_dir(name)
    args.out.mkdir(parents=True, exist_ok=True)
    minicnn.set_seed(args.seed)
    return args


# ------------------------------------------------------------------ data

def cifar10_available(data_dir=None):
    """True when the CIFAR-10 batches (folder or archive) are in the data dir ($MINICNN_DATA)."""
    root = resolve_data_dir(data_dir)
    return (root / "cifar-10-batches-py").is_dir() or (root / "cifar-10-python.tar.gz").is_file()


def subset(x, y, n):
    """The first ``n`` samples (CIFAR-10's stored order is already shuffled, so classes stay balanced)."""
    n = min(int(n), len(x))
    return x[:n], y[:n]


@functools.lru_cache(maxsize=1)
def cifar10_cached():
    """load_cifar10(), read once per process (a few seconds); callers must not modify the arrays."""
    return load_cifar10()


def load_cifar10_scaled(train_size, test_size, transform=None):
    """CIFAR-10 subsets scaled to float32 [0, 1]: ``(x_train, y_train), (x_test, y_test), names``.

    The test images are the first ``test_size`` of the real 10,000-image test set. ``transform``
    (uint8 images (n, 32, 32, 3) -> float32 in [0, 1]) replaces plain scaling, e.g. sharpening.
    """
    (x_train, y_train), (x_test, y_test), names = cifar10_cached()
    x_train, y_train = subset(x_train, y_train, train_size)
    x_test, y_test = subset(x_test, y_test, test_size)
    prepare = scale_images if transform is None else transform
    print(f"CIFAR-10: {len(x_train)} training and {len(x_test)} test images", flush=True)
    return (prepare(x_train), y_train.astype(np.int64)), (prepare(x_test), y_test.astype(np.int64)), list(names)


def load_mnist_scaled(train_size, test_size):
    """The built-in MNIST subsets as float32 [0, 1] with a channel axis (n, 28, 28, 1):
    ``(x_train, y_train), (x_test, y_test)``; test images are the first of the real test set."""
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x_train, y_train = subset(x_train, y_train, train_size)
    x_test, y_test = subset(x_test, y_test, test_size)
    print(f"MNIST: {len(x_train)} training and {len(x_test)} test images", flush=True)
    return (scale_images(x_train)[..., None], y_train.astype(np.int64)), \
        (scale_images(x_test)[..., None], y_test.astype(np.int64))


# ------------------------------------------------------------------ training

class EpochRecorder(Callback):
    """Times each epoch's training (first batch start to last batch end; validation excluded),
    rewrites ``history.json`` after every epoch, and stops training after the first epoch that
    ends more than ``max_minutes`` after training began."""

    def __init__(self, path, max_minutes=None):
        super().__init__()
        self.path = Path(path)
        self.max_seconds = None if max_minutes is None else 60.0 * max_minutes
        self.seconds = []
        self.records = []
        self.stopped_early = False

    def on_train_begin(self, logs=None):
        self.train_start = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_start = self.last_batch_end = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.last_batch_end = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(self.last_batch_end - self.epoch_start)
        record = {"epoch": epoch + 1, "train_seconds": round(self.seconds[-1], 2)}
        record.update({k: float(v) for k, v in (logs or {}).items()})
        self.records.append(record)
        self.path.write_text(json.dumps(self.records, indent=1))
        if self.max_seconds is not None and time.perf_counter() - self.train_start > self.max_seconds:
            print(f"--max-minutes reached: stopping after epoch {epoch + 1}", flush=True)
            self.stopped_early = True
            self.model.stop_training = True

    @property
    def mean_seconds(self):
        return float(np.mean(self.seconds)) if self.seconds else float("nan")


def train(model, args, x_train, y_train, x_test, y_test, batch_size, generator=None):
    """Fit ``model`` for ``args.epochs`` epochs, validating on the test subset after every epoch
    (monitoring only: no choice is made from it). With an ``ImageDataGenerator`` the batches are
    augmented (``fit(generator.flow(...), steps_per_epoch=ceil(n / batch_size))``).
    Returns ``(history, recorder)``."""
    recorder = EpochRecorder(args.out / "history.json", args.max_minutes)
    common = dict(epochs=args.epochs, validation_data=(x_test, y_test), callbacks=[recorder],
                  verbose=2 if args.mode == "full" else 1)
    if generator is None:
        history = model.fit(x_train, y_train, batch_size=batch_size, **common)
    else:
        flow = generator.flow(x_train, y_train, batch_size=batch_size, seed=args.seed)
        history = model.fit(flow, steps_per_epoch=math.ceil(len(x_train) / batch_size), **common)
    return history, recorder


def report(args, model, history, recorder, x_train, x_test, y_test, class_names=None, extra=None):
    """Predict the test images, print the ``RESULT`` line, write ``results.json``, save the learning
    curves, 20 test predictions and the confusion matrix. Returns ``(results dict, probabilities)``."""
    probs = model.predict(x_test, batch_size=256)
    accuracy = metrics.accuracy(y_test, probs)
    epochs_run = len(recorder.seconds)
    results = {"example": args.name, "mode": args.mode, "test_accuracy": round(accuracy, 4),
               "test_images": int(len(x_test)), "train_images": int(len(x_train)),
               "epochs_run": epochs_run, "epochs_planned": args.epochs,
               "seconds_per_epoch": recorder.mean_seconds,
               "stopped": "max-minutes" if recorder.stopped_early else history.stopped_reason,
               "params": model.count_params()}
    results.update(extra or {})
    (args.out / "results.json").write_text(json.dumps(results, indent=1))
    print(f"RESULT {args.name} [{args.mode}]: test accuracy {accuracy:.4f} on {len(x_test)} test images "
          f"after {epochs_run} epoch(s) of {len(x_train)} images, {recorder.mean_seconds:.1f} s/epoch "
          f"(training only)", flush=True)
    if history.history:
        save_figure(args, "learning_curves.png", plots.plot_history, history)
    save_figure(args, "predictions.png", plots.plot_predictions, x_test, y_test, probs, class_names,
                n=tiles(args, 20))
    save_figure(args, "confusion_matrix.png", plots.plot_confusion_matrix, y_test, probs,
                class_names=class_names or [str(k) for k in range(probs.shape[1])])
    return results, probs


def tiles(args, n):
    """How many images a grid figure shows: ``n``, or at most 8 in smoke mode (matplotlib is the
    slowest part of a smoke run)."""
    return min(n, 8) if args.mode == "smoke" else n


def save_figure(args, filename, plot, *plot_args, **plot_kwargs):
    """``plot(*plot_args, path=args.out / filename, **plot_kwargs)``, announced on stdout."""
    path = args.out / filename
    plot(*plot_args, path=path, **plot_kwargs)
    print(f"saved {path}", flush=True)
    return path


def compiled(model, optimizer):
    """``model`` compiled with ``optimizer``, sparse categorical cross-entropy and accuracy,
    its summary printed."""
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    return model


def environment_note():
    """One line naming the thread settings, printed so logged timings can be compared."""
    keys = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    settings = ", ".join(f"{k}={os.environ[k]}" for k in keys if k in os.environ) or "default threads"
    return f"{os.cpu_count()} CPUs, {settings}"
