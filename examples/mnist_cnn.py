"""MNIST digits with the seed CNN (``minicnn.architectures.mnist``).

Lesson: load the built-in MNIST digits (no download), scale pixels to [0, 1] and add the channel
axis (28, 28) -> (28, 28, 1); define Conv2D(32, 3x3, relu), MaxPooling 2x2, Flatten,
Dense(100, relu), Dense(10, softmax) (542,230 parameters); train with SGD(0.01, momentum 0.9),
batch 32; estimate performance on the real 10,000-image test set.

Run from the repository root:

    python examples/mnist_cnn.py            # fast: 3,000 images, 1 epoch, 2,000 test images
    python examples/mnist_cnn.py --full     # 60,000 images, 10 epochs, all 10,000 test images
                                            # (target >= 98.8% test accuracy)
    python examples/mnist_cnn.py --smoke    # the test suite's tiny run

It prints the test accuracy and the seconds per epoch and saves into ``--out`` (default
``<temp dir>/minicnn_examples/mnist_cnn/``): ``samples.png`` (a grid of training digits),
``predictions.png`` (20 test digits titled prediction (truth), mistakes in red),
``learning_curves.png``, ``confusion_matrix.png``, ``results.json``, ``history.json``.
Validation after each epoch is on the test images (for the curves only; nothing is tuned on it).
"""
import _common
from minicnn import architectures, optimizers, plots

MODES = {"smoke": dict(train_size=128, test_size=64, epochs=1),
         "fast": dict(train_size=3000, test_size=2000, epochs=1),
         "full": dict(train_size=60000, test_size=10000, epochs=10)}
BATCH_SIZE = 32


def main(argv=None):
    args = _common.parse_args("mnist_cnn", __doc__, MODES, argv=argv)
    (x_train, y_train), (x_test, y_test) = _common.load_mnist_scaled(args.train_size, args.test_size)
    _common.save_figure(args, "samples.png", plots.plot_samples, x_train, y_train, n=_common.tiles(args, 25))
    model = _common.compiled(architectures.mnist(), optimizers.SGD(0.01, momentum=0.9))
    history, recorder = _common.train(model, args, x_train, y_train, x_test, y_test, BATCH_SIZE)
    _common.report(args, model, history, recorder, x_train, x_test, y_test)


if __name__ == "__main__":
    main()
