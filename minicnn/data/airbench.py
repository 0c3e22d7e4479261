"""airbench's training batches from uint8 CIFAR arrays (``utils.CifarLoader`` with ``altflip``).

Per epoch e (0-based), for N images of H x W:

* epoch 0 draws one random flip per image (``base_flip``) and keeps it;
* each image gets a random crop of H x W from its reflect pad of ``translate`` pixels, the shift
  uniform in ``-translate..translate`` on each axis, drawn afresh each epoch;
* "alternating flip": an image is mirrored when ``base_flip XOR (e odd)``: random in epoch 0, then
  the whole set flipped on every other epoch;
* the set is shuffled each epoch and cut into batches of ``batch_size``, the last partial one
  dropped (``drop_last``);
* images are normalized per channel, ``(x / 255 - mean) / std``, in float32.

Only the batch being trained is materialized (``kernels.crop_flip``: gather, crop, flip and
normalize in one pass over uint8), so an epoch costs N * H * W * C reads; the pad is made once.
"""
import numpy as np

from ..kernels.crop_flip import crop_flip_normalize

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2470, 0.2435, 0.2616)


def normalize(images, mean=CIFAR_MEAN, std=CIFAR_STD):
    """``(images / 255 - mean) / std`` in float32, NHWC."""
    return ((np.asarray(images, np.float32) / np.float32(255) - np.float32(mean)) / np.float32(std)).astype(np.float32)


class AirbenchLoader:
    """Iterate over ``(x float32 NHWC, y)`` batches of one epoch; each ``iter()`` is the next epoch."""

    def __init__(self, images, labels, batch_size=1024, translate=2, flip=True, altflip=True, shuffle=True,
                 drop_last=True, seed=0, mean=CIFAR_MEAN, std=CIFAR_STD):
        images, labels = np.asarray(images), np.asarray(labels)
        if images.dtype != np.uint8 or images.ndim != 4:
            raise ValueError(f"AirbenchLoader expects uint8 NHWC images, got dtype {images.dtype} and shape "
                             f"{images.shape}")
        if labels.shape != (len(images),):
            raise ValueError(f"labels must have shape ({len(images)},), got {labels.shape}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        if isinstance(translate, bool) or not isinstance(translate, int) or translate < 0:
            raise ValueError(f"translate must be a non-negative int, got {translate!r}")
        self.images, self.labels = images, labels
        self.batch_size, self.translate, self.flip, self.altflip = batch_size, translate, bool(flip), bool(altflip)
        self.shuffle, self.drop_last = bool(shuffle), bool(drop_last)
        self.rng = np.random.default_rng(seed)
        self.mean = np.float32(255) * np.asarray(mean, np.float32)
        self.inv_std = 1 / (np.float32(255) * np.asarray(std, np.float32))
        p = translate
        self.padded = np.pad(images, ((0, 0), (p, p), (p, p), (0, 0)), mode="reflect") if p else images
        self.epoch = 0
        self.base_flip = None

    def __len__(self):
        n, b = len(self.images), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def epoch_plan(self):
        """``(order, dy, dx, flip)`` for the next epoch (each per image, indexed by image), and advance."""
        n, p = len(self.images), self.translate
        if self.base_flip is None:
            self.base_flip = self.rng.random(n) < 0.5 if self.flip else np.zeros(n, bool)
        dy, dx = (self.rng.integers(0, 2 * p + 1, size=(2, n)) if p else np.zeros((2, n), np.int64))
        if self.flip and self.altflip:
            flip = self.base_flip ^ bool(self.epoch % 2)
        elif self.flip:
            flip = self.rng.random(n) < 0.5 if self.epoch else self.base_flip
        else:
            flip = self.base_flip
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        self.epoch += 1
        return order, dy, dx, flip

    def __iter__(self):
        order, dy, dx, flip = self.epoch_plan()
        h, w = self.images.shape[1:3]
        for k in range(len(self)):
            idx = order[k * self.batch_size:(k + 1) * self.batch_size]
            x = crop_flip_normalize(self.padded, idx, dy[idx], dx[idx], flip[idx], self.mean, self.inv_std, (h, w))
            yield x, self.labels[idx]
