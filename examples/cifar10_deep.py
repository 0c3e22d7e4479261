"""CIFAR-10 with a deeper batch-normalized CNN, a Dense(1024) head and augmentation.

Lesson: the model is defined here (``deep_model``): three blocks of three 3x3 'same'
convolutions, each followed by batch normalization (32, 64 and 128 filters), a 2x2 max-pool and
Dropout 0.2 after each block, then Flatten, Dense(1024, relu), Dropout 0.2, Dense(10, softmax)
(2,591,882 parameters). Adam(0.001), batch 64; training batches are augmented with
random shifts (10% of width/height) and horizontal flips (``ImageDataGenerator``,
``fit(generator, steps_per_epoch=..., validation_data=...)``).

Run from the repository root, with CIFAR-10 in ``$MINICNN_DATA``:

    python examples/cifar10_deep.py            # fast: 500 images, 1 epoch, 300 test images
    python examples/cifar10_deep.py --full     # 50,000 images, 50 epochs, all 10,000 test images;
                                               # add --max-minutes M to stop after M minutes
    python examples/cifar10_deep.py --smoke    # the test suite's tiny run

It prints the test accuracy and the seconds per epoch and saves into ``--out`` (default
``<temp dir>/minicnn_examples/cifar10_deep/``): ``augmented.png`` (augmented training images),
``learning_curves.png``, ``predictions.png``, ``confusion_matrix.png``, ``results.json``,
``history.json``. Validation after each epoch is on the test images (curves only).
"""
import _common
from cifar10_bn import augmentation
from minicnn import Sequential, optimizers, plots
from minicnn.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D

MODES = {"smoke": dict(train_size=64, test_size=32, epochs=1),
         "fast": dict(train_size=500, test_size=300, epochs=1),
         "full": dict(train_size=50000, test_size=10000, epochs=50)}
BATCH_SIZE = 64
BLOCK_FILTERS = (32, 64, 128)
CONVS_PER_BLOCK = 3


def deep_model(input_shape=(32, 32, 3), num_classes=10):
    """3 x [3 x (Conv 3x3 same, relu, BN), MaxPool 2x2, Dropout 0.2], Dense(1024), Dropout 0.2."""
    layers = []
    for filters in BLOCK_FILTERS:
        for _ in range(CONVS_PER_BLOCK):
            extra = {} if layers else {"input_shape": input_shape}
            layers += [Conv2D(filters, (3, 3), activation="relu", padding="same", **extra), BatchNormalization()]
        layers += [MaxPooling2D((2, 2)), Dropout(0.2)]
    layers += [Flatten(), Dense(1024, activation="relu"), Dropout(0.2), Dense(num_classes, activation="softmax")]
    return Sequential(layers, name="cifar_deep")


def main(argv=None):
    args = _common.parse_args("cifar10_deep", __doc__, MODES, argv=argv)
    (x_train, y_train), (x_test, y_test), names = _common.load_cifar10_scaled(args.train_size, args.test_size)
    generator = augmentation()
    shown = generator.random_transform_batch(x_train[:25])
    _common.save_figure(args, "augmented.png", plots.plot_samples, shown.clip(0, 1), y_train[:25], names,
                        n=_common.tiles(args, 25))
    model = _common.compiled(deep_model(), optimizers.Adam(0.001))
    history, recorder = _common.train(model, args, x_train, y_train, x_test, y_test, BATCH_SIZE, generator)
    _common.report(args, model, history, recorder, x_train, x_test, y_test, names, extra={"augment": True})


if __name__ == "__main__":
    main()
