"""Classify a folder of photos (one sub-folder per class) with an AlexNet-style CNN.

Lesson: a "real" image data set of any sizes: ``load_image_folder(PATH, image_size=(64, 64),
resize="pad")`` scales every photo to fit 64x64 keeping its aspect ratio and pads the rest with
black (like ``tf.image.resize_with_pad``); then an AlexNet-style stack (``alexnet_style``):
Conv 11x11 stride 4 + BN + MaxPool 3x3/2, Conv 5x5 + BN + MaxPool 3x3/2, three Conv 3x3 + BN,
MaxPool 3x3/2, Dense 64 - Dropout 0.5 - Dense 64 - Dropout 0.5 - softmax; Adam(0.001), batch 32.
A held-out 20% (stratified) estimates performance. It also shows what each convolution layer
"sees": the feature maps of one image (``model.feature_maps(x[:1])``).

Run from the repository root:

    python examples/image_folder.py PATH          # your photos: PATH/<class>/<image files>
    python examples/image_folder.py               # demo: cat vs dog from the CIFAR-10 JPEG tree
    python examples/image_folder.py --full        # demo with all 10,000 cat/dog training images
                                                  # and the 2,000 cat/dog test images, 10 epochs
    python examples/image_folder.py --smoke       # the test suite's tiny run

The demo data: the cat and dog folders of ``cifar-10-jpeg.tar.gz`` (32x32 JPEGs, upscaled to
64x64) are extracted once to ``<temp dir>/minicnn_examples/cache/``; the archive is looked for at ``$MINICNN_CIFAR_JPEG``,
then ``../shared/data/`` beside the repository, then ``$MINICNN_DATA``. Without it a small
synthetic folder (circles vs squares of several sizes) is generated so the lesson still runs;
the demo uses the tree's own train/test split. Default mode: 2,000 training images, 1 epoch.

It prints the test accuracy and seconds per epoch and saves into ``--out`` (default
``<temp dir>/minicnn_examples/image_folder/``): ``samples.png``, ``feature_maps.png``,
``learning_curves.png``, ``predictions.png``, ``confusion_matrix.png``, ``results.json``.
"""
import os
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import _common
from minicnn import Sequential, optimizers, plots
from minicnn.data import load_image_folder, resolve_data_dir, scale_images, train_test_split
from minicnn.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D

MODES = {"smoke": dict(train_size=64, test_size=32, epochs=1),
         "fast": dict(train_size=2000, test_size=400, epochs=1),
         "full": dict(train_size=10000, test_size=2000, epochs=10)}
IMAGE_SIZE = (64, 64)
BATCH_SIZE = 32
DEMO_CLASSES = ("cat", "dog")
TARBALL = "cifar-10-jpeg.tar.gz"


def alexnet_style(input_shape=(64, 64, 3), num_classes=2):
    """AlexNet's shape at 64x64: 64 -> conv 11/4 (same) 16 -> pool 3/2 7 -> conv 5 7 -> pool 3 -> three
    conv 3 3 -> pool 1 -> Dense 64, 64 with Dropout 0.5 -> softmax."""
    return Sequential([
        Conv2D(32, (11, 11), strides=4, padding="same", activation="relu", input_shape=input_shape),
        BatchNormalization(), MaxPooling2D((3, 3), strides=2),
        Conv2D(64, (5, 5), padding="same", activation="relu"), BatchNormalization(), MaxPooling2D((3, 3), strides=2),
        Conv2D(96, (3, 3), padding="same", activation="relu"), BatchNormalization(),
        Conv2D(96, (3, 3), padding="same", activation="relu"), BatchNormalization(),
        Conv2D(64, (3, 3), padding="same", activation="relu"), BatchNormalization(),
        MaxPooling2D((3, 3), strides=2),
        Flatten(), Dense(64, activation="relu"), Dropout(0.5), Dense(64, activation="relu"), Dropout(0.5),
        Dense(num_classes, activation="softmax"),
    ], name="alexnet_style")


def find_tarball():
    """The CIFAR-10 JPEG archive, or None (search order in the module docstring)."""
    candidates = [os.environ.get("MINICNN_CIFAR_JPEG"),
                  _common.REPO_ROOT.parent / "shared" / "data" / TARBALL,
                  resolve_data_dir() / TARBALL]
    for path in candidates:
        if path and Path(path).is_file():
            return Path(path)
    return None


def extract_demo(tarball, dest, per_class_train, per_class_test):
    """Extract the first images of the cat and dog folders: dest/{train,test}/{cat,dog}/*.jpg.
    A finished extraction is marked with ``dest/.complete`` and reused (reading the archive
    takes a while: it is gzip, so it has to be read from the start)."""
    marker = Path(dest, ".complete")
    if marker.is_file():
        return Path(dest, "train"), Path(dest, "test")
    wanted = {"train": per_class_train, "test": per_class_test}
    counts = {}
    with tarfile.open(tarball) as archive:
        for member in archive:
            parts = Path(member.name).parts
            if not member.isfile() or len(parts) != 3 or parts[0] not in wanted or parts[1] not in DEMO_CLASSES:
                continue
            key = parts[:2]
            if counts.get(key, 0) >= wanted[parts[0]]:
                continue
            counts[key] = counts.get(key, 0) + 1
            target = Path(dest, *parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.extractfile(member).read())
            if sum(counts.values()) == len(DEMO_CLASSES) * sum(wanted.values()):
                break  # the archive is gzip: stop reading as soon as everything wanted is out
    marker.write_text(str(tarball))
    return Path(dest, "train"), Path(dest, "test")


def synthetic_folder(dest, per_class, seed=0):
    """dest/circle, dest/square: shapes of random size, colour and position on images of random
    sizes (so resizing with padding has work to do)."""
    rng = np.random.default_rng(seed)
    for label in ("circle", "square"):
        (Path(dest) / label).mkdir(parents=True, exist_ok=True)
        for k in range(per_class):
            w, h = (int(v) for v in rng.integers(40, 120, size=2))
            image = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 90, size=3)))
            r = int(rng.integers(min(w, h) // 6, min(w, h) // 3))
            cx, cy = int(rng.integers(r, w - r)), int(rng.integers(r, h - r))
            colour = tuple(int(v) for v in rng.integers(120, 256, size=3))
            shape = ImageDraw.Draw(image).ellipse if label == "circle" else ImageDraw.Draw(image).rectangle
            shape([cx - r, cy - r, cx + r, cy + r], fill=colour)
            image.save(Path(dest) / label / f"{k:04d}.png")
    return Path(dest)


def load_data(args, workdir):
    """``(x_train, y_train), (x_test, y_test), class_names, source`` with x float32 in [0, 1], 64x64."""
    if args.path is not None:
        x, y, names = load_image_folder(args.path, image_size=IMAGE_SIZE, resize="pad")
        (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_size=0.2, seed=args.seed)
        source = str(args.path)
    else:
        tarball = find_tarball()
        if tarball is not None:
            per_class = (args.train_size // 2, args.test_size // 2)
            cache = _common.default_out_dir("cache") / "cat_dog_{}_{}".format(*per_class)
            train_dir, test_dir = extract_demo(tarball, cache, *per_class)
            x_train, y_train, names = load_image_folder(train_dir, image_size=IMAGE_SIZE, resize="pad")
            x_test, y_test, _ = load_image_folder(test_dir, image_size=IMAGE_SIZE, resize="pad")
            source = f"cat vs dog from {tarball}"
        else:
            folder = synthetic_folder(Path(workdir) / "synthetic", (args.train_size + args.test_size) // 2, args.seed)
            x, y, names = load_image_folder(folder, image_size=IMAGE_SIZE, resize="pad")
            (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_size=0.2, seed=args.seed)
            source = f"synthetic circles vs squares (no {TARBALL} found)"
    print(f"{source}: {len(x_train)} training and {len(x_test)} test images, classes {names}", flush=True)
    return (scale_images(x_train), y_train), (scale_images(x_test), y_test), names, source


def main(argv=None):
    def extra(parser):
        parser.add_argument("path", nargs="?", type=Path, help="folder with one sub-folder of images per class")

    args = _common.parse_args("image_folder", __doc__, MODES, extra, argv)
    with tempfile.TemporaryDirectory(prefix="minicnn_image_folder_") as workdir:
        (x_train, y_train), (x_test, y_test), names, source = load_data(args, workdir)
    _common.save_figure(args, "samples.png", plots.plot_samples, x_train, y_train, names,
                        n=_common.tiles(args, 16))
    model = _common.compiled(alexnet_style(num_classes=len(names)), optimizers.Adam(0.001))
    history, recorder = _common.train(model, args, x_train, y_train, x_test, y_test, BATCH_SIZE)
    _common.report(args, model, history, recorder, x_train, x_test, y_test, names, extra={"data": source})
    conv_maps = [(name, a) for name, a in model.feature_maps(x_test[:1]) if name.startswith("conv2d")]
    _common.save_figure(args, "feature_maps.png", plots.plot_feature_maps, conv_maps,
                        max_channels=_common.tiles(args, 16))


if __name__ == "__main__":
    main()
