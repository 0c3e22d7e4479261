"""The ``minicnn`` command line.

    minicnn train [--dataset mnist|fashion-mnist|cifar10|PATH] [--model NAME|FILE.json] [--epochs N]
                  [--batch-size N] [--optimizer sgd|adam] [--lr LR] [--lr-schedule step|constant] [--augment] [--validation-split F]
                  [--seed N] [--limit N] [--out DIR] [--verbose 0|1|2]
    minicnn evaluate MODEL [--dataset mnist|fashion-mnist|cifar10|PATH] [--batch-size N] [--limit N]
    minicnn predict MODEL IMAGE... [--no-resize]
    minicnn summary MODEL
    minicnn gradcheck [FILE.py:NAME --input-shape H,W,C] [--batch-size N] [--fast] [--max-coords N] [--plot PNG]

``minicnn train`` with no arguments trains the seed MNIST CNN on the built-in MNIST and prints
the test accuracy. With ``--out DIR`` it also writes the model (``model.npz``, class names in its
metadata), ``history.json``/``history.csv``, ``metrics.json``, every plot and ``report.html``.
Ctrl-C during training stops after the current batch and saves ``checkpoint.npz`` into DIR (or the
current directory). User mistakes exit with status 2 and one line on stderr, never a traceback.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

BUILTIN_DATASETS = ("mnist", "fashion-mnist", "cifar10")
CHECKPOINT_NAME = "checkpoint.npz"
MODEL_NAME = "model.npz"
OPTIMIZER_DEFAULTS = {"sgd": {"name": "sgd", "learning_rate": 0.01, "momentum": 0.9},
                      "adam": {"name": "adam", "learning_rate": 0.001}}


class UsageError(Exception):
    """A user mistake: printed as one line, exit status 2."""


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _fraction(text):
    value = _positive_float(text)
    if not value < 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in (0, 1), got {text}")
    return value


def build_parser():
    parser = argparse.ArgumentParser(prog="minicnn", description="A from-scratch CNN engine in NumPy and numba.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model (default: the seed MNIST CNN on the built-in MNIST)")
    train.add_argument("--dataset", default="mnist", help="mnist, fashion-mnist, cifar10, or a folder with "
                       "one sub-folder of images per class (default: mnist)")
    train.add_argument("--model", default=None, help="built-in model name (mnist, cifar_small, cifar_bn) or a "
                       "model JSON file from model.to_json() (default: mnist for the MNIST family, "
                       "cifar_small otherwise)")
    train.add_argument("--epochs", type=_positive_int, default=5)
    train.add_argument("--batch-size", type=_positive_int, default=None,
                       help="default: the built-in model's recommended batch size (32 for mnist)")
    train.add_argument("--optimizer", choices=sorted(OPTIMIZER_DEFAULTS), default=None,
                       help="default: the built-in model's recommendation (SGD momentum 0.9 for mnist)")
    train.add_argument("--lr", type=_positive_float, default=None, help="learning rate (default: the "
                       "optimizer's recommended one)")
    train.add_argument("--lr-schedule", choices=("step", "constant"), default="step",
                       help="step (default): halve the learning rate every epoch after the third "
                       "(98.73%% vs 98.47%% MNIST test accuracy for the 5-epoch default); constant: keep it")
    train.add_argument("--augment", action="store_true", help="random shifts of up to 10%% and horizontal "
                       "flips (no flips for the MNIST digits)")
    train.add_argument("--validation-split", type=_fraction, default=None,
                       help="hold out this fraction of the training images for validation")
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--limit", type=_positive_int, default=None, help="use only the first N training images "
                       "and the first N test images (quick runs)")
    train.add_argument("--out", default=None, help="directory for the model, history, metrics, plots and "
                       "report.html")
    train.add_argument("--verbose", type=int, choices=(0, 1, 2), default=1)
    train.set_defaults(func=cmd_train)

    evaluate = sub.add_parser("evaluate", help="test loss, accuracy and per-class report of a saved model")
    evaluate.add_argument("model", help="a model file written by model.save or minicnn train --out")
    evaluate.add_argument("--dataset", default=None, help="default: the dataset the model was trained on")
    evaluate.add_argument("--batch-size", type=_positive_int, default=256)
    evaluate.add_argument("--limit", type=_positive_int, default=None, help="use only the first N test images")
    evaluate.set_defaults(func=cmd_evaluate)

    predict = sub.add_parser("predict", help="top-3 classes for image files")
    predict.add_argument("model")
    predict.add_argument("images", nargs="+", metavar="IMAGE")
    predict.add_argument("--no-resize", action="store_true", help="refuse images whose size differs from the "
                         "model's input instead of resizing them (keeping the aspect ratio, zero padding)")
    predict.set_defaults(func=cmd_predict)

    summary = sub.add_parser("summary", help="print a saved model's layers and parameter counts")
    summary.add_argument("model")
    summary.set_defaults(func=cmd_summary)

    gradcheck = sub.add_parser("gradcheck", help="finite-difference gradient checks: every layer type, or "
                               "your own layer (FILE.py:NAME)")
    gradcheck.add_argument("target", nargs="?", default=None, metavar="FILE.py:NAME",
                           help="check your own layer: NAME is a Layer subclass (built with no arguments), a "
                           "layer instance, or a function returning one, in the Python file FILE.py (which "
                           "is run, as pytest runs a test file); default: every minicnn layer type")
    gradcheck.add_argument("--input-shape", type=_shape, default=None, metavar="H,W,C",
                           help="input shape without the batch axis, e.g. 8,8,3 (required with FILE.py:NAME)")
    gradcheck.add_argument("--batch-size", type=_positive_int, default=2)
    gradcheck.add_argument("--inference", action="store_true", help="check training=False (default: training)")
    gradcheck.add_argument("--fast", action="store_true", help="fast mode: v^T J u along random directions "
                           "instead of every coordinate (seconds for conv-sized inputs; can miss errors "
                           "confined to a few coordinates)")
    gradcheck.add_argument("--directions", type=_positive_int, default=3, help="random directions per tensor "
                           "in fast mode (default 3)")
    gradcheck.add_argument("--max-coords", type=_positive_int, default=None,
                           help="check a random sample of N coordinates per tensor")
    gradcheck.add_argument("--seed", type=int, default=0)
    gradcheck.add_argument("--plot", default=None, metavar="PNG", help="also run the step-size sweep "
                           "(h = 1e-2 .. 1e-10) and draw it into PNG (without a target: of a BatchNormalization layer, "
                           "whose curve shows both truncation and rounding)")
    gradcheck.set_defaults(func=cmd_gradcheck)
    return parser


# ------------------------------------------------------------------ data
class Dataset:
    """uint8 NHWC images and int64 labels, split into train and test, with class names."""

    def __init__(self, name, train, test, class_names):
        self.name = name
        (self.x_train, self.y_train), (self.x_test, self.y_test) = train, test
        self.class_names = [str(c) for c in class_names]

    @property
    def input_shape(self):
        return tuple(self.x_test.shape[1:])


def _with_channels(split):
    x, y = split
    x = np.asarray(x)
    return (x[..., None] if x.ndim == 3 else x), np.asarray(y, dtype=np.int64)


def load_builtin_dataset(name):
    import minicnn.data as data
    try:
        if name == "mnist":
            train, test = data.load_mnist()
            names = data.MNIST_CLASS_NAMES
        elif name == "fashion-mnist":
            train, test = data.load_fashion_mnist()
            names = data.FASHION_MNIST_CLASS_NAMES
        else:
            train, test, names = data.load_cifar10()
    except (OSError, ValueError) as err:  # DownloadError is an OSError
        raise UsageError(f"cannot load the {name} dataset: {err}") from None
    return Dataset(name, _with_channels(train), _with_channels(test), names)


def load_folder(path, input_shape):
    """All images under ``path/<class>/``, resized (with padding) to ``input_shape`` (h, w, c)."""
    from minicnn.data import load_image_folder
    if not os.path.isdir(path):
        raise UsageError(f"unknown dataset {path!r}: expected one of {', '.join(BUILTIN_DATASETS)} or a folder "
                         "with one sub-folder of images per class")
    if len(input_shape) != 3 or input_shape[-1] not in (1, 3):
        raise UsageError(f"image folders need a model with (height, width, 1 or 3) inputs, got {input_shape}")
    color_mode = "grayscale" if input_shape[-1] == 1 else "rgb"
    try:
        x, y, names = load_image_folder(path, image_size=input_shape[:2], resize="pad", color_mode=color_mode)
    except ValueError as err:
        raise UsageError(f"cannot load the image folder {path}: {err}") from None
    return x, y, names


def load_dataset_for_training(spec, input_shape, seed):
    if spec in BUILTIN_DATASETS:
        return load_builtin_dataset(spec)
    from minicnn.data import train_test_split
    x, y, names = load_folder(spec, input_shape)
    try:
        train, test = train_test_split(x, y, test_size=0.2, seed=seed)
    except ValueError as err:
        raise UsageError(f"cannot split {spec} into training and test images: {err}") from None
    return Dataset(spec, train, test, names)


def scale(x):
    return x.astype(np.float32) / np.float32(255)


# ------------------------------------------------------------------ models
def _default_model(dataset):
    return "mnist" if dataset in ("mnist", "fashion-mnist") else "cifar_small"


def _builtin_input_shape(name):
    from minicnn import architectures
    import inspect
    return tuple(inspect.signature(architectures.BUILTIN[name][0]).parameters["input_shape"].default)


def _read_json_model(spec):
    from minicnn import architectures
    from minicnn.saving import model_from_json
    if not os.path.isfile(spec):
        raise UsageError(f"unknown model {spec!r}: expected one of {', '.join(sorted(architectures.BUILTIN))} "
                         "or a model JSON file")
    try:
        with open(spec, encoding="utf-8") as f:
            return model_from_json(f.read())
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UsageError(f"cannot read the model file {spec}: {err}") from None


def model_input_shape(spec):
    """The input shape a built-in model or a JSON model file expects (for resizing image folders)."""
    from minicnn import architectures
    if spec in architectures.BUILTIN:
        return _builtin_input_shape(spec)
    model = _read_json_model(spec)
    if model.input_shape is None:
        raise UsageError(f"the model in {spec} has no input shape; it is needed to resize the images")
    return model.input_shape


def model_from_spec(spec, input_shape, num_classes):
    """``(model, recommended optimizer config, batch size)`` for a built-in name or a JSON file."""
    from minicnn import architectures
    if spec in architectures.BUILTIN:
        _, optimizer, batch_size = architectures.BUILTIN[spec]
        return architectures.build(spec, input_shape, num_classes), dict(optimizer), batch_size
    model = _read_json_model(spec)
    if not model.built:
        model.build(input_shape)
    if model.input_shape != tuple(input_shape):
        raise UsageError(f"the model in {spec} expects inputs of shape {model.input_shape}, the dataset has "
                         f"{tuple(input_shape)}")
    if model.output_shape != (num_classes,):
        raise UsageError(f"the model in {spec} has output shape {model.output_shape}, the dataset has "
                         f"{num_classes} classes")
    return model, dict(OPTIMIZER_DEFAULTS["adam"]), 32


def load_model_file(path):
    import minicnn
    try:
        return minicnn.load_model(path)
    except FileNotFoundError:
        raise UsageError(f"no such model file: {path}") from None
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot load the model {path}: {err}") from None


def _optimizer_config(args, recommended):
    name = args.optimizer or recommended["name"]
    config = dict(recommended) if recommended["name"] == name else dict(OPTIMIZER_DEFAULTS[name])
    if args.lr is not None:
        config["learning_rate"] = args.lr
    return config


# ------------------------------------------------------------------ train
def cmd_train(args):
    import minicnn
    from minicnn import architectures

    minicnn.set_seed(args.seed)
    if args.model is None:
        args.model = _default_model(args.dataset)
    if args.dataset in BUILTIN_DATASETS:
        data = load_builtin_dataset(args.dataset)
        input_shape = data.input_shape
    else:
        input_shape = model_input_shape(args.model)
        data = load_dataset_for_training(args.dataset, input_shape, args.seed)
    if args.out is not None:
        _make_out_dir(args.out)
    if args.limit is not None:
        data.x_train, data.y_train = data.x_train[:args.limit], data.y_train[:args.limit]
        data.x_test, data.y_test = data.x_test[:args.limit], data.y_test[:args.limit]
    model, recommended, batch_size = model_from_spec(args.model, input_shape, len(data.class_names))
    batch_size = args.batch_size or batch_size
    optimizer_config = _optimizer_config(args, recommended)
    model.compile(minicnn.optimizers.from_config(optimizer_config), "sparse_categorical_crossentropy")
    model.metadata = {"class_names": data.class_names, "dataset": args.dataset}
    if args.verbose:
        model.summary()

    x_train, x_test = scale(data.x_train), scale(data.x_test)
    callbacks = []
    if args.lr_schedule == "step":
        base = optimizer_config["learning_rate"]
        callbacks.append(minicnn.callbacks.LearningRateScheduler(lambda epoch: base * 0.5 ** max(0, epoch - 2)))
    if args.out is not None:
        callbacks.append(minicnn.callbacks.CSVLogger(os.path.join(args.out, "history.csv")))
    start = time.perf_counter()
    history = _fit(model, args, x_train, data.y_train, batch_size, callbacks)
    seconds = time.perf_counter() - start
    if history.stopped_reason == "interrupted":
        path = os.path.join(args.out or os.getcwd(), CHECKPOINT_NAME)
        model.save(path)
        print(f"minicnn: interrupted; checkpoint saved to {path} (resume with minicnn.load_model)",
              file=sys.stderr)
        return 130

    loss, accuracy = model.evaluate(x_test, data.y_test, batch_size=256, verbose=0)
    epochs_run = len(history.epoch)
    print(f"trained on {len(x_train)} images for {epochs_run} epochs in {seconds:.1f} s")
    print(f"test loss: {loss:.4f} - test accuracy: {accuracy:.4f} ({accuracy * 100:.2f}% of {len(x_test)} "
          "test images)")
    if args.out is not None:
        settings = {"dataset": args.dataset, "model": args.model, "epochs": args.epochs, "epochs run": epochs_run,
                    "batch size": batch_size, "optimizer": json.dumps(optimizer_config), "learning-rate schedule": args.lr_schedule,
                    "augment": args.augment,
                    "validation split": args.validation_split, "seed": args.seed, "limit": args.limit,
                    "training images": len(x_train), "test images": len(x_test),
                    "parameters": f"{model.count_params():,}", "training time": f"{seconds:.1f} s",
                    "minicnn version": minicnn.__version__}
        from minicnn.report import write_run
        write_run(args.out, model, history, x_test, data.y_test, data.class_names, settings, loss, accuracy)
        print(f"wrote the model, history, metrics, plots and report to {args.out}/ "
              f"(open {os.path.join(args.out, 'report.html')})")
    return 0


def _make_out_dir(out):
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as err:
        raise UsageError(f"cannot create the output directory {out}: {err}") from None


def _fit(model, args, x, y, batch_size, callbacks):
    """``model.fit`` with the CLI's validation split (the last fraction, as Keras does) and augmentation."""
    import minicnn
    validation = None
    if args.validation_split:
        try:
            (x, y), validation = minicnn.data.validation_split(x, y, args.validation_split)
        except ValueError as err:
            raise UsageError(f"--validation-split {args.validation_split}: {err}") from None
    if not args.augment:
        return model.fit(x, y, batch_size=batch_size, epochs=args.epochs, verbose=args.verbose,
                         callbacks=callbacks, validation_data=validation)
    flip = args.dataset != "mnist"  # a mirrored digit is not the same digit
    flow = minicnn.data.ImageDataGenerator(0.1, 0.1, flip).flow(x, y, batch_size=batch_size, seed=args.seed)
    return model.fit(flow, steps_per_epoch=len(flow), epochs=args.epochs, verbose=args.verbose,
                     callbacks=callbacks, validation_data=validation)


# ------------------------------------------------------------------ evaluate / predict / summary
def _require_one_input_and_output(model, command):
    """evaluate and predict work on classifiers: a Sequential or a graph Model with one input and one output."""
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        n_in, n_out = len(model.inputs), len(model.outputs)
        raise UsageError(f"{command} needs a model with one image input and one output; this graph model has "
                         f"{n_in} input{'s' * (n_in != 1)} and {n_out} output{'s' * (n_out != 1)} "
                         "(use its Python API)")


def _check_matches(model, x, class_names, source):
    if tuple(x.shape[1:]) != tuple(model.input_shape):
        raise UsageError(f"the model expects images of shape {tuple(model.input_shape)}, {source} has "
                         f"{tuple(x.shape[1:])}")
    if model.output_shape != (len(class_names),):
        raise UsageError(f"the model has {model.output_shape[-1]} outputs, {source} has {len(class_names)} "
                         "classes")


def cmd_evaluate(args):
    from minicnn import metrics
    model = load_model_file(args.model)
    _require_one_input_and_output(model, "evaluate")
    dataset = args.dataset or model.metadata.get("dataset") or "mnist"
    if dataset in BUILTIN_DATASETS:
        data = load_builtin_dataset(dataset)
        x, y, names = data.x_test, data.y_test, data.class_names
    else:
        x, y, names = load_folder(dataset, model.input_shape)
    if args.limit is not None:
        x, y = x[:args.limit], y[:args.limit]
    _check_matches(model, x, names, f"dataset {dataset}")
    if model.loss is None:
        model.compile("sgd", "sparse_categorical_crossentropy")
    x = scale(x)
    from minicnn.data import to_categorical
    from minicnn.losses import CategoricalCrossentropy
    one_hot = isinstance(model.loss, CategoricalCrossentropy)
    labels = to_categorical(y, model.output_shape[-1]) if one_hot else y
    loss, accuracy = model.evaluate(x, labels, batch_size=args.batch_size, verbose=0)
    predicted = model.predict(x, batch_size=args.batch_size).argmax(axis=-1)
    print(f"{dataset}: {len(x)} images")
    print(f"loss: {loss:.4f} - accuracy: {accuracy:.4f}")
    print(metrics.classification_report(y, predicted, class_names=names, digits=4), end="")
    return 0


def read_image(path, input_shape, resize=True):
    """An image file as uint8 (h, w, c) for a model with ``input_shape`` (h, w, 1 or 3)."""
    from minicnn.data import load_image
    height, width, channels = input_shape
    color_mode = "grayscale" if channels == 1 else "rgb"
    try:
        image = load_image(path, color_mode=color_mode)
        if image.shape[:2] != (height, width):
            if not resize:
                raise UsageError(f"the image {path} is {image.shape[0]}x{image.shape[1]} (height x width), the "
                                 f"model expects {height}x{width}; drop --no-resize to resize it")
            image = load_image(path, image_size=(height, width), resize="pad", color_mode=color_mode)
    except FileNotFoundError as err:
        raise UsageError(str(err)) from None
    except ValueError as err:
        raise UsageError(f"cannot read the image {path}: {err}") from None
    return image


def cmd_predict(args):
    model = load_model_file(args.model)
    _require_one_input_and_output(model, "predict")
    shape = tuple(model.input_shape)
    if len(shape) != 3 or shape[-1] not in (1, 3):
        raise UsageError(f"predict needs a model with image inputs (height, width, 1 or 3), this one expects {shape}")
    if len(model.output_shape) != 1:
        raise UsageError(f"predict needs a classifier with outputs (classes,), this model outputs {model.output_shape}")
    num_classes = model.output_shape[-1]
    names = model.metadata.get("class_names") or [str(i) for i in range(num_classes)]
    x = np.stack([read_image(path, shape, resize=not args.no_resize) for path in args.images])
    probs = model.predict(scale(x))
    if not getattr(model.outputs[0].node.layer, "ends_in_softmax", False):  # logits: into probabilities
        from minicnn.layers.activation import softmax
        probs = softmax(probs.astype(np.float64))
    for path, p in zip(args.images, probs):
        top = np.argsort(-p, kind="stable")[:3]
        print(f"{path}: " + "  ".join(f"{names[k]} ({p[k] * 100:.1f}%)" for k in top))
    return 0


def cmd_summary(args):
    model = load_model_file(args.model)
    model.summary()
    if model.metadata.get("dataset"):
        print(f" Trained on: {model.metadata['dataset']}")
    if model.metadata.get("class_names"):
        print(f" Classes: {', '.join(model.metadata['class_names'])}")
    if model.optimizer is not None:
        print(f" Optimizer: {json.dumps(model.optimizer.get_config())}, {model.optimizer.iterations} steps taken")
    return 0


def _shape(text):
    try:
        shape = tuple(int(part) for part in text.replace("x", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a shape like 8,8,3, got {text!r}") from None
    if not shape or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes like 8,8,3, got {text!r}")
    return shape


def load_user_layer(target):
    """The layer named by ``FILE.py:NAME``: a Layer subclass (instantiated with no arguments), a
    layer instance, or a function returning one. Runs FILE.py, as pytest runs a test file."""
    import importlib.util
    from minicnn.layers import Layer
    path, sep, name = target.rpartition(":")
    if not sep or not path or not name:
        raise UsageError(f"expected FILE.py:NAME (e.g. my_layers.py:MyLayer), got {target!r}")
    if not os.path.isfile(path):
        raise UsageError(f"no such file: {path}")
    module_name = "minicnn_user_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(module_name, path)
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    if not hasattr(module, name):
        found = sorted(k for k, v in vars(module).items() if isinstance(v, type) and issubclass(v, Layer)
                       and v.__module__ == module_name)
        raise UsageError(f"{path} has no {name!r}; its Layer subclasses: {', '.join(found) or 'none'}")
    obj = getattr(module, name)
    if isinstance(obj, Layer):
        return obj
    if not callable(obj):
        raise UsageError(f"{path}:{name} is neither a Layer subclass, a layer, nor a function returning one")
    try:
        layer = obj()
    except TypeError as err:
        raise UsageError(f"{path}:{name}() cannot be called with no arguments ({err}); add a function "
                         f"returning a configured layer, e.g. def make(): return {name}(...)") from None
    if not isinstance(layer, Layer):
        raise UsageError(f"{path}:{name}() returned {type(layer).__name__}, not a minicnn.layers.Layer")
    return layer


def cmd_gradcheck(args):
    from minicnn import gradcheck
    if args.target is None:
        if args.input_shape is not None:
            raise UsageError("--input-shape goes with a target FILE.py:NAME")
        passed = gradcheck.run_standard_checks(seed=args.seed, max_coords=args.max_coords, fast=args.fast,
                                               directions=args.directions)
        if args.plot:
            from minicnn.layers import BatchNormalization
            passed &= _check_and_plot(gradcheck, BatchNormalization(), (3, 3, 2), args)
        return 0 if passed else 1
    if args.input_shape is None:
        raise UsageError("give the input shape of your layer without the batch axis, e.g. --input-shape 8,8,3")
    layer = load_user_layer(args.target)
    return 0 if _check_and_plot(gradcheck, layer, args.input_shape, args) else 1


def _check_and_plot(gradcheck, layer, shape, args):
    try:
        report = gradcheck.check_layer(layer, shape, batch_size=args.batch_size, training=not args.inference,
                                       seed=args.seed, max_coords=args.max_coords, fast=args.fast,
                                       directions=args.directions, sweep=bool(args.plot))
    except ValueError as err:
        raise UsageError(str(err)) from None
    print(report)
    if args.plot:
        from minicnn.plots import plot_gradcheck_sweep
        plot_gradcheck_sweep(report.sweep, args.plot, title=report.title)
        print(f"step-size sweep drawn into {args.plot}")
    return report.passed


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as err:
        message = " ".join(str(err).split())  # one line, even for multi-line messages from the loaders
        print(f"minicnn: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("minicnn: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
