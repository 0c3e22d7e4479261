"""A small ResNet on CIFAR-10, written with the functional API (``minicnn.Model(inputs, outputs)``).

Lesson: a residual block computes ``relu(x + f(x))``. The tensor ``x`` is used twice, by the block's
convolutions ``f`` and by the add, so in backward its gradient is the SUM of the two (the fan-out
rule of ``minicnn.models.graph``): the add hands ``dy`` straight back to ``x``, and the gradient
reaches the early layers undiminished however deep the stack. When a block changes the shape
(stride 2, more filters), the shortcut becomes a projection: a strided 1x1 convolution and
BatchNorm, so that the two branches can be added.

    stem:    Conv(16, 3) - BN - ReLU                                    32x32x16
    block 1: [Conv(16, 3) - BN - ReLU - Conv(16, 3) - BN] + identity    32x32x16
    block 2: [Conv(32, 3, stride 2) - ... - BN] + Conv(32, 1, stride 2) - BN      16x16x32
    block 3: [Conv(64, 3, stride 2) - ... - BN] + Conv(64, 1, stride 2) - BN      8x8x64
    head:    GlobalAveragePooling2D - Dense(10, softmax)

Adam(0.001), batch 64. Run (from the repository root; CIFAR-10 comes from ``$MINICNN_DATA``, see
the README of the shared data: ``python ../shared/data/build_cifar10.py /tmp/cifar_data && export
MINICNN_DATA=/tmp/cifar_data``):

    python examples/resnet_cifar10.py            # fast: 800 images, 1 epoch
    python examples/resnet_cifar10.py --full     # 50,000 images, 20 epochs
    python examples/resnet_cifar10.py --smoke    # the test suite's tiny run

The same model in Keras: ``python examples/keras_reference.py resnet --epochs 20`` (it builds the
network with this file's ``build_resnet`` and Keras's layers). It prints the test accuracy and the
seconds per epoch, and saves into ``--out`` (default ``<temp dir>/minicnn_examples/resnet_cifar10/``):
``model.png`` (the graph, ``plot_model``), ``samples.png``, ``feature_maps.png`` (the stem's and each
block's output for one test image), ``learning_curves.png``, ``predictions.png``,
``confusion_matrix.png``, ``results.json``, ``history.json``.
"""
import _common
import minicnn
from minicnn import layers, optimizers, plots

MODES = {"smoke": dict(train_size=64, test_size=32, epochs=1),
         "fast": dict(train_size=800, test_size=400, epochs=1),
         "full": dict(train_size=50000, test_size=10000, epochs=20)}
BATCH_SIZE = 64
BLOCKS = ((16, 1), (32, 2), (64, 2))  # (filters, stride) of each residual block


def residual_block(L, x, filters, strides, name):
    """``relu(shortcut(x) + f(x))`` with ``f`` = conv-BN-ReLU-conv-BN; the shortcut is ``x`` itself,
    or a projection (strided 1x1 conv + BN) when the block changes the shape."""
    y = L.Conv2D(filters, 3, strides=strides, padding="same")(x)
    y = L.ReLU()(L.BatchNormalization()(y))
    y = L.BatchNormalization()(L.Conv2D(filters, 3, padding="same")(y))
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = L.BatchNormalization()(L.Conv2D(filters, 1, strides=strides)(x))
    return L.ReLU(name=name)(L.add([shortcut, y]))


def build_resnet(L=layers, Input=minicnn.Input, Model=minicnn.Model, input_shape=(32, 32, 3), classes=10):
    """The network, from any module with Keras's layer names: minicnn's by default, Keras's
    (``build_resnet(keras.layers, keras.Input, keras.Model)``) for the reference run."""
    inputs = Input(shape=input_shape)
    x = L.Conv2D(16, 3, padding="same")(inputs)
    x = L.ReLU(name="stem_out")(L.BatchNormalization()(x))
    for k, (filters, strides) in enumerate(BLOCKS, 1):
        x = residual_block(L, x, filters, strides, name=f"block{k}_out")
    outputs = L.Dense(classes, activation="softmax")(L.GlobalAveragePooling2D()(x))
    return Model(inputs, outputs, name="resnet_cifar10")


def main(argv=None):
    args = _common.parse_args("resnet_cifar10", __doc__, MODES, None, argv)
    (x_train, y_train), (x_test, y_test), names = _common.load_cifar10_scaled(args.train_size, args.test_size)
    _common.save_figure(args, "samples.png", plots.plot_samples, x_train, y_train, names,
                        n=_common.tiles(args, 25))
    model = _common.compiled(build_resnet(), optimizers.Adam(0.001))
    plots.plot_model(model, args.out / "model.png", show_shapes=True)
    print(f"saved {args.out / 'model.png'}", flush=True)
    history, recorder = _common.train(model, args, x_train, y_train, x_test, y_test, BATCH_SIZE)
    block_outputs = [(name, a) for name, a in model.feature_maps(x_test[:1]) if name.endswith("_out")]
    _common.save_figure(args, "feature_maps.png", plots.plot_feature_maps, block_outputs,
                        max_channels=_common.tiles(args, 16))
    _common.report(args, model, history, recorder, x_train, x_test, y_test, names)


if __name__ == "__main__":
    main()
