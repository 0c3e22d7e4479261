"""CIFAR-10 with the TensorFlow tutorial's small CNN (``minicnn.architectures.cifar_small``).

Lesson: load CIFAR-10 (uint8 NHWC), scale to [0, 1]; define Conv32-Pool-Conv64-Pool-Conv64-
Flatten-Dense64-Dense10 ('valid' padding, 122,570 parameters); train with Adam(0.001), batch 32;
estimate performance on the real CIFAR-10 test set.

Run from the repository root, with CIFAR-10 in ``$MINICNN_DATA`` (``python
../shared/data/build_cifar10.py /tmp/cifar_data && export MINICNN_DATA=/tmp/cifar_data``):

    python examples/cifar10_small.py            # fast: 3,000 images, 1 epoch, 1,000 test images
    python examples/cifar10_small.py --full     # 50,000 images, 10 epochs, all 10,000 test images
                                                # (target >= 68% test accuracy)
    python examples/cifar10_small.py --smoke    # the test suite's tiny run

It prints the test accuracy and the seconds per epoch and saves into ``--out`` (default
``<temp dir>/minicnn_examples/cifar10_small/``): ``samples.png``, ``learning_curves.png``,
``predictions.png`` (20 test images), ``confusion_matrix.png``, ``results.json``, ``history.json``.
Validation after each epoch is on the test images (for the curves only; nothing is tuned on it).
"""
import _common
from minicnn import architectures, optimizers, plots

MODES = {"smoke": dict(train_size=128, test_size=64, epochs=1),
         "fast": dict(train_size=3000, test_size=1000, epochs=1),
         "full": dict(train_size=50000, test_size=10000, epochs=10)}
BATCH_SIZE = 32


def main(argv=None):
    args = _common.parse_args("cifar10_small", __doc__, MODES, argv=argv)
    (x_train, y_train), (x_test, y_test), names = _common.load_cifar10_scaled(args.train_size, args.test_size)
    _common.save_figure(args, "samples.png", plots.plot_samples, x_train, y_train, names,
                        n=_common.tiles(args, 25))
    model = _common.compiled(architectures.cifar_small(), optimizers.Adam(0.001))
    history, recorder = _common.train(model, args, x_train, y_train, x_test, y_test, BATCH_SIZE)
    _common.report(args, model, history, recorder, x_train, x_test, y_test, names)


if __name__ == "__main__":
    main()
