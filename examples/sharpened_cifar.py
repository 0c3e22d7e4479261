"""Does sharpening the images help? The BN model trained on sharpened CIFAR-10 vs plain CIFAR-10.

Lesson: preprocessing with a hand-made filter. Every image (training and test) is sharpened with
``minicnn.filters.sharpen`` (kernel [[0,-1,0],[-1,5,-1],[0,-1,0]], true convolution,
edge-replicated borders) and clipped back to [0, 1]; then ``architectures.cifar_bn`` is trained
exactly as in ``cifar10_bn.py`` (Adam(0.001), batch 64). By default the same model, seed and
batch order are also trained on the plain images, and both test accuracies are printed.

Run from the repository root, with CIFAR-10 in ``$MINICNN_DATA``:

    python examples/sharpened_cifar.py                    # fast: 500 images, 1 epoch, both runs
    python examples/sharpened_cifar.py --full --sharpened-only
                                      # 50,000 sharpened images, 14 epochs; compare with
                                      # examples/cifar10_bn.py --full (the plain run)
    python examples/sharpened_cifar.py --smoke            # the test suite's tiny run

It saves into ``--out`` (default ``<temp dir>/minicnn_examples/sharpened_cifar/``):
``plain_vs_sharpened.png`` (the same images before and after), the learning curves, predictions
and confusion matrix of the sharpened run, ``results.json`` (with the plain accuracy when run).
"""
import numpy as np

import _common
import minicnn
from minicnn import architectures, filters, optimizers, plots
from minicnn.data import scale_images

MODES = {"smoke": dict(train_size=64, test_size=32, epochs=1),
         "fast": dict(train_size=500, test_size=300, epochs=1),
         "full": dict(train_size=50000, test_size=10000, epochs=14)}
BATCH_SIZE = 64
CHUNK = 2000


def sharpen_images(x, amount=1.0):
    """Sharpen uint8 images (n, h, w, c) -> float32 in [0, 1], clipped.

    The images of a chunk are stacked along the channel axis, (h, w, chunk * c), and sharpened as one
    image: padding and convolution act on each channel separately, so this equals sharpening them
    one by one, with a single call to the engine's convolution per chunk."""
    out = np.empty(x.shape, dtype=np.float32)
    n, h, w, c = x.shape
    for start in range(0, n, CHUNK):
        part = scale_images(x[start:start + CHUNK])
        stacked = part.transpose(1, 2, 0, 3).reshape(h, w, -1)
        sharp = filters.sharpen(stacked, amount).reshape(h, w, len(part), c).transpose(2, 0, 1, 3)
        out[start:start + CHUNK] = np.clip(sharp, 0.0, 1.0)
    return out


def main(argv=None):
    def extra(parser):
        parser.add_argument("--sharpened-only", action="store_true", help="skip the plain-image run")

    args = _common.parse_args("sharpened_cifar", __doc__, MODES, extra, argv)
    (x_sharp, y_train), (x_sharp_test, y_test), names = _common.load_cifar10_scaled(
        args.train_size, args.test_size, transform=sharpen_images)
    (x_plain, _), (x_plain_test, _), _ = _common.load_cifar10_scaled(args.train_size, args.test_size)
    pair = np.concatenate([x_plain[:8], x_sharp[:8]])
    _common.save_figure(args, "plain_vs_sharpened.png", plots.plot_samples, pair,
                        np.concatenate([y_train[:8]] * 2), names, n=16)
    results = {}
    runs = [("sharpened", x_sharp, x_sharp_test)] + ([] if args.sharpened_only else [("plain", x_plain, x_plain_test)])
    for label, x_train, x_test in runs:
        print(f"--- {label} images ---", flush=True)
        minicnn.set_seed(args.seed)  # same weights, dropout masks and batch order for both runs
        model = _common.compiled(architectures.cifar_bn(), optimizers.Adam(0.001))
        history, recorder = _common.train(model, args, x_train, y_train, x_test, y_test, BATCH_SIZE)
        if label == "sharpened":
            run_results, _ = _common.report(args, model, history, recorder, x_train, x_test, y_test, names,
                                            extra={"images": "sharpened"})
            results = dict(run_results)
        else:
            acc = model.evaluate(x_test, y_test, batch_size=256, verbose=0)[1]
            results["plain_test_accuracy"] = round(acc, 4)
            results["plain_seconds_per_epoch"] = round(recorder.mean_seconds, 1)
            print(f"RESULT {args.name} [{args.mode}]: plain images test accuracy {acc:.4f} "
                  f"(sharpened {results['test_accuracy']:.4f})", flush=True)
            (args.out / "results.json").write_text(__import__("json").dumps(results, indent=1))


if __name__ == "__main__":
    main()
