"""The examples' models trained in Keras (TensorFlow backend) on the same data, for comparison.

Same architecture (layer for layer), same optimizer and batch size, same data subsets and scaling
as the matching minicnn example, and with ``--augment`` the very same augmentation (minicnn's
``ImageDataGenerator.flow``: each epoch, one pass of it goes to Keras's ``fit`` as arrays, its
time counted as training time). TensorFlow is limited to 2 threads.

    python examples/keras_reference.py mnist --epochs 10                 # as mnist_cnn.py --full
    python examples/keras_reference.py cifar_small --epochs 10           # as cifar10_small.py --full
    python examples/keras_reference.py cifar_bn --epochs 14              # as cifar10_bn.py --full
    python examples/keras_reference.py cifar_bn --epochs 30 --augment    # as cifar10_bn.py --full --augment
    python examples/keras_reference.py cifar_bn --epochs 14 --sharpen    # as sharpened_cifar.py --full
    python examples/keras_reference.py cifar_deep --epochs 50            # as cifar10_deep.py --full
    python examples/keras_reference.py image_folder --epochs 10          # as image_folder.py --full
    python examples/keras_reference.py resnet --epochs 20                # as resnet_cifar10.py --full
    options: --train-size N, --test-size N (default: as the example's --full), --seed S

Prints ``KERAS <model>: test accuracy ... s/epoch ...`` (seconds of training per epoch, validation
excluded) and one line per epoch. Needs tensorflow/keras installed; minicnn itself never does.
"""
import argparse
import importlib
import os
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

import _common  # noqa: E402
from cifar10_bn import augmentation  # noqa: E402
from cifar10_deep import BLOCK_FILTERS, CONVS_PER_BLOCK  # noqa: E402
import image_folder  # noqa: E402
import resnet_cifar10  # noqa: E402
from sharpened_cifar import sharpen_images  # noqa: E402

THREADS = 2
RECIPES = {  # model -> (optimizer name, learning rate, momentum, the example it mirrors)
    "mnist": ("sgd", 0.01, 0.9, "mnist_cnn"),
    "cifar_small": ("adam", 0.001, None, "cifar10_small"),
    "cifar_bn": ("adam", 0.001, None, "cifar10_bn"),
    "cifar_deep": ("adam", 0.001, None, "cifar10_deep"),
    "image_folder": ("adam", 0.001, None, "image_folder"),
    "resnet": ("adam", 0.001, None, "resnet_cifar10"),
}


def example(name):
    """The minicnn example module a model mirrors (its BATCH_SIZE and MODES["full"] sizes are used)."""
    return importlib.import_module(RECIPES[name][3])


def build(name, keras):
    L = keras.layers
    classes = 10
    if name == "resnet":  # a graph: the example's own builder, called with Keras's layers
        return resnet_cifar10.build_resnet(L, keras.Input, keras.Model)
    if name == "mnist":
        layers = [L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(),
                  L.Dense(100, activation="relu")]
        shape = (28, 28, 1)
    elif name == "cifar_small":
        layers = [L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"),
                  L.MaxPooling2D(2), L.Conv2D(64, 3, activation="relu"), L.Flatten(), L.Dense(64, activation="relu")]
        shape = (32, 32, 3)
    elif name == "cifar_bn":
        layers = []
        for filters, rate in ((32, 0.3), (64, 0.5), (128, 0.5)):
            layers += [L.Conv2D(filters, 3, activation="relu", padding="same"), L.BatchNormalization(),
                       L.Conv2D(filters, 3, activation="relu", padding="same"), L.BatchNormalization(),
                       L.MaxPooling2D(2), L.Dropout(rate)]
        layers += [L.Flatten(), L.Dense(128, activation="relu"), L.Dropout(0.5)]
        shape = (32, 32, 3)
    elif name == "image_folder":  # alexnet_style, as examples/image_folder.py (cat vs dog, 64x64)
        layers = [L.Conv2D(32, 11, strides=4, padding="same", activation="relu"), L.BatchNormalization(),
                  L.MaxPooling2D(3, strides=2),
                  L.Conv2D(64, 5, padding="same", activation="relu"), L.BatchNormalization(),
                  L.MaxPooling2D(3, strides=2)]
        for filters in (96, 96, 64):
            layers += [L.Conv2D(filters, 3, padding="same", activation="relu"), L.BatchNormalization()]
        layers += [L.MaxPooling2D(3, strides=2), L.Flatten(), L.Dense(64, activation="relu"), L.Dropout(0.5),
                   L.Dense(64, activation="relu"), L.Dropout(0.5)]
        shape, classes = image_folder.IMAGE_SIZE + (3,), len(image_folder.DEMO_CLASSES)
    else:  # cifar_deep, as examples/cifar10_deep.py
        layers = []
        for filters in BLOCK_FILTERS:
            for _ in range(CONVS_PER_BLOCK):
                layers += [L.Conv2D(filters, 3, activation="relu", padding="same"), L.BatchNormalization()]
            layers += [L.MaxPooling2D(2), L.Dropout(0.2)]
        layers += [L.Flatten(), L.Dense(1024, activation="relu"), L.Dropout(0.2)]
        shape = (32, 32, 3)
    return keras.Sequential([keras.Input(shape)] + layers + [L.Dense(classes, activation="softmax")], name=name)


def load(name, train_size, test_size, seed, sharpen=False):
    if sharpen and name not in ("cifar_small", "cifar_bn", "cifar_deep"):
        raise SystemExit(f"--sharpen is for the CIFAR-10 models, not {name}")
    if name == "image_folder":  # the example's demo data: needs the CIFAR-10 JPEG archive
        if image_folder.find_tarball() is None:
            raise SystemExit(f"image_folder: {image_folder.TARBALL} not found (see examples/image_folder.py)")
        args = argparse.Namespace(path=None, train_size=train_size, test_size=test_size, seed=seed)
        (x_train, y_train), (x_test, y_test), _, _ = image_folder.load_data(args, workdir=None)
        return (x_train, y_train), (x_test, y_test)
    if name == "mnist":
        return _common.load_mnist_scaled(train_size, test_size)
    (x_train, y_train), (x_test, y_test), _ = _common.load_cifar10_scaled(
        train_size, test_size, transform=sharpen_images if sharpen else None)
    return (x_train, y_train), (x_test, y_test)


def one_pass(flow):
    """The next ``len(flow)`` batches of an augmenting iterator (one epoch), as two arrays."""
    batches = [next(flow) for _ in range(len(flow))]
    return np.concatenate([x for x, _ in batches]), np.concatenate([y for _, y in batches])


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/keras_reference.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", choices=sorted(RECIPES))
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--train-size", type=int, help="default: as the example's --full")
    parser.add_argument("--test-size", type=int, help="default: as the example's --full")
    parser.add_argument("--augment", action="store_true")
    parser.add_argument("--sharpen", action="store_true", help="CIFAR-10 sharpened as in sharpened_cifar.py")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(THREADS)
    import keras
    keras.utils.set_random_seed(args.seed)

    mirrored = example(args.model)
    full = mirrored.MODES["full"]
    train_size = full["train_size"] if args.train_size is None else args.train_size
    test_size = full["test_size"] if args.test_size is None else args.test_size
    (x_train, y_train), (x_test, y_test) = load(args.model, train_size, test_size, args.seed, args.sharpen)
    opt_name, lr, momentum, _ = RECIPES[args.model]
    batch_size = mirrored.BATCH_SIZE
    optimizer = keras.optimizers.SGD(lr, momentum=momentum) if opt_name == "sgd" else keras.optimizers.Adam(lr)
    model = build(args.model, keras)
    model.compile(optimizer, "sparse_categorical_crossentropy", metrics=["accuracy"])
    print(f"Keras {keras.__version__}, TensorFlow {tf.__version__}, {THREADS} threads; {args.model}: "
          f"{model.count_params():,} params, {len(x_train)} training and {len(x_test)} test images", flush=True)

    class Timer(keras.callbacks.Callback):
        seconds = []  # per epoch: training time plus the time to draw its augmented batches
        augmenting = 0.0  # that drawing time for the current epoch (set by the loop below)

        def on_epoch_begin(self, epoch, logs=None):
            self.start = self.last = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.last = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(self.last - self.start + self.augmenting)
            print(f"epoch {epoch + 1}: {self.seconds[-1]:.1f}s train, loss {logs['loss']:.4f}, "
                  f"accuracy {logs['accuracy']:.4f}, test accuracy {logs['val_accuracy']:.4f}", flush=True)

    timer = Timer()
    common = dict(batch_size=batch_size, validation_data=(x_test, y_test), callbacks=[timer], verbose=0)
    if args.augment:
        # One pass of minicnn's flow is one epoch's batches, in order. They go to fit as arrays
        # (shuffle off, so the batches stay exactly these): fed as a Python generator instead, the
        # batches reach TensorFlow through its py_function path, whose threads fight over the GIL
        # and made an epoch ~1.6x slower here, a cost of the harness and not of Keras's training.
        flow = augmentation().flow(x_train, y_train, batch_size=batch_size, seed=args.seed)
        for epoch in range(args.epochs):
            start = time.perf_counter()
            x_epoch, y_epoch = one_pass(flow)
            timer.augmenting = time.perf_counter() - start
            model.fit(x_epoch, y_epoch, initial_epoch=epoch, epochs=epoch + 1, shuffle=False, **common)
    else:
        model.fit(x_train, y_train, epochs=args.epochs, **common)
    accuracy = model.evaluate(x_test, y_test, batch_size=256, verbose=0)[1]
    label = args.model + (" augmented" if args.augment else "") + (" sharpened" if args.sharpen else "")
    print(f"KERAS {label}: test accuracy {accuracy:.4f} on "
          f"{len(x_test)} test images after {args.epochs} epoch(s) of {len(x_train)} images, "
          f"{np.mean(timer.seconds):.1f} s/epoch (training only)", flush=True)


if __name__ == "__main__":
    main()
