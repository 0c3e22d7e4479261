"""CIFAR-10 with batch normalization and dropout (``minicnn.architectures.cifar_bn``).

Lesson: the same data as ``cifar10_small.py`` with a deeper 'same'-padded stack of three
(Conv-BN-Conv-BN-MaxPool-Dropout) blocks (32, 64, 128 filters), Dense(128), Dropout 0.5;
Adam(0.001), batch 64. Batch normalization lets the deeper model train quickly; dropout and,
with ``--augment``, random shifts (10% of width/height) and horizontal flips fight overfitting.

Run (from the repository root; CIFAR-10 comes from ``$MINICNN_DATA``, see the README of the
shared data: ``python ../shared/data/build_cifar10.py /tmp/cifar_data && export
MINICNN_DATA=/tmp/cifar_data``):

    python examples/cifar10_bn.py                    # fast: 800 images, 1 epoch
    python examples/cifar10_bn.py --full             # 50,000 images, 14 epochs (target >= 77%)
    python examples/cifar10_bn.py --full --augment   # augmented, 30 epochs (target >= 83%)
    python examples/cifar10_bn.py --smoke            # the test suite's tiny run

It prints the test accuracy (on the real CIFAR-10 test set: all 10,000 images with --full, the
first 400 by default) and the seconds per epoch, and saves into ``--out`` (default
``<temp dir>/minicnn_examples/cifar10_bn/``): ``samples.png`` (training images),
``learning_curves.png``, ``predictions.png`` (20 test images), ``confusion_matrix.png``,
``results.json``, ``history.json``. Validation after each epoch is on the test images (for the
curves only; nothing is tuned on it).
"""
import _common
from minicnn import architectures, optimizers, plots
from minicnn.data import ImageDataGenerator

MODES = {"smoke": dict(train_size=64, test_size=32, epochs=1),
         "fast": dict(train_size=800, test_size=400, epochs=1),
         "full": dict(train_size=50000, test_size=10000, epochs=14)}
AUGMENTED_FULL_EPOCHS = 30
BATCH_SIZE = 64


def augmentation():
    """Keras's classic CIFAR recipe: shifts up to 10% of the size, random horizontal flips."""
    return ImageDataGenerator(width_shift_range=0.1, height_shift_range=0.1, horizontal_flip=True)


def main(argv=None):
    def extra(parser):
        parser.add_argument("--augment", action="store_true", help="random shifts and flips while training")

    args = _common.parse_args("cifar10_bn", __doc__, MODES, extra, argv)
    if args.augment and args.mode == "full" and "epochs" not in args.given:
        args.epochs = AUGMENTED_FULL_EPOCHS
    (x_train, y_train), (x_test, y_test), names = _common.load_cifar10_scaled(args.train_size, args.test_size)
    _common.save_figure(args, "samples.png", plots.plot_samples, x_train, y_train, names,
                        n=_common.tiles(args, 25))
    model = _common.compiled(architectures.cifar_bn(), optimizers.Adam(0.001))
    history, recorder = _common.train(model, args, x_train, y_train, x_test, y_test, BATCH_SIZE,
                                      generator=augmentation() if args.augment else None)
    _common.report(args, model, history, recorder, x_train, x_test, y_test, names,
                   extra={"augment": args.augment})


if __name__ == "__main__":
    main()
