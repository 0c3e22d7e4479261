"""What on-the-fly augmentation costs next to a training step of the seed CIFAR models.

    python -m benchmarks.augment [--repeats 30] [--threads 2]

Times, interleaved and as medians over ``--repeats``: ``ImageDataGenerator(0.1, 0.1, True)``
(shifts of up to 10% with nearest-edge fill, horizontal flips) on one batch of real CIFAR-10
training images, the same with the pad-4-crop recipe, the full affine generator (rotation 15
degrees, shear 10, zoom 0.1, shifts 0.1, flips: one bilinear warp per image), that plus channel
shift 20 and brightness [0.8, 1.2], and one ``train_on_batch`` of ``cifar_small`` (batch 32) and
``cifar_bn`` (batch 64) on those images. Prints each augmentation's cost as a percentage of the
training step it would feed (the target is under 20%). Uses ``$MINICNN_DATA`` for CIFAR-10.
"""
import argparse
import statistics
import time

from ._worker import pin_threads


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    pin_threads(args.threads)

    import numpy as np

    import minicnn
    from minicnn import architectures
    from minicnn.data import ImageDataGenerator

    (x_train, y_train), _, _ = minicnn.data.load_cifar10()
    minicnn.set_seed(0)
    shift_flip = ImageDataGenerator(0.1, 0.1, True, seed=0)
    pad_crop = ImageDataGenerator(4, 4, True, "constant", seed=0)
    full_affine = ImageDataGenerator(0.1, 0.1, True, seed=0, rotation_range=15, shear_range=10, zoom_range=0.1)
    full_color = ImageDataGenerator(0.1, 0.1, True, seed=0, rotation_range=15, shear_range=10, zoom_range=0.1,
                                    channel_shift_range=20, brightness_range=(0.8, 1.2))
    augmentations = {"shift 0.1 + flip": shift_flip.random_transform_batch,
                     "pad 4 + crop + flip": pad_crop.random_transform_batch,
                     "full affine (rotate, shear, zoom, shift, flip)": full_affine.random_transform_batch,
                     "full affine + channel shift + brightness": full_color.random_transform_batch}
    rows = []
    for name, batch in (("cifar_small", 32), ("cifar_bn", 64)):
        model = architectures.build(name)
        model.compile("adam", "sparse_categorical_crossentropy")
        xb = x_train[:batch]
        xf = (xb / np.float32(255)).astype(np.float32)
        yb = y_train[:batch]
        jobs = {"train step": lambda: model.train_on_batch(xf, yb)}
        jobs.update({key: (lambda f=f: f(xb)) for key, f in augmentations.items()})
        for job in jobs.values():  # warm-up (compiles the kernels)
            job()
        times = {k: [] for k in jobs}
        for _ in range(args.repeats):
            for key, job in jobs.items():
                start = time.perf_counter()
                job()
                times[key].append(time.perf_counter() - start)
        step = statistics.median(times["train step"])
        for key in augmentations:
            t = statistics.median(times[key])
            rows.append((name, batch, key, t, step))
    print(f"| model | batch | augmentation | augment (ms) | train step (ms) | share of the step |")
    print("|---|---:|---|---:|---:|---:|")
    for name, batch, key, t, step in rows:
        print(f"| {name} | {batch} | {key} | {t * 1e3:.3f} | {step * 1e3:.1f} | {100 * t / step:.2f}% |")


if __name__ == "__main__":
    main()
