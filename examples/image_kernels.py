"""Hand-made filters: what sharpening, blurring and edge-detection kernels do to an image.

Lesson: before a CNN learns its kernels, here are classic ones, applied with
``minicnn.filters`` (true convolution on the engine's own ``conv2d``, edge-replicated borders):
sharpen ``[[0,-1,0],[-1,5,-1],[0,-1,0]]``, a 5x5 Gaussian blur (sigma 1), blur then sharpen (the
sharpening cannot bring back what the blur removed), the Sobel gradient magnitude, and Canny edges
(Gaussian smoothing, Sobel, non-maximum suppression, double threshold, hysteresis). The kernels
are printed; the results are shown side by side.

Run from the repository root:

    python examples/image_kernels.py              # a CIFAR-10 test image ($MINICNN_DATA), else a
                                                  # generated test pattern
    python examples/image_kernels.py photo.jpg    # any image Pillow reads (shrunk to <= 256 px)
    python examples/image_kernels.py --out DIR

Saves ``filters.png`` into ``--out`` (default ``<temp dir>/minicnn_examples/image_kernels/``).
No training, so there is no --full.
"""
import argparse
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

import _common
from minicnn import filters

MAX_SIDE = 256
CIFAR_INDEX = 12  # a test image with clear edges (a truck, in the JPEG test set's order)


def test_pattern(size=96):
    """A float RGB image in [0, 1]: a colour gradient with a bright disc, a dark square and stripes."""
    i, j = np.mgrid[0:size, 0:size] / (size - 1)
    img = np.stack([0.2 + 0.5 * j, 0.3 + 0.3 * i, 0.6 - 0.4 * j], axis=-1)
    img[(i - 0.35) ** 2 + (j - 0.3) ** 2 < 0.04] = (0.95, 0.9, 0.3)
    img[(i > 0.55) & (i < 0.85) & (j > 0.5) & (j < 0.8)] = (0.1, 0.1, 0.2)
    stripes = (i > 0.1) & (i < 0.3) & (j > 0.6)
    img[stripes] = ((np.round(j * (size - 1)).astype(int) // 3) % 2)[stripes, None]  # 3-pixel black/white
    return img.astype(np.float32)


def load_image(path):
    """``(float32 (H, W, 3) in [0, 1], description)`` from ``path``, a CIFAR-10 test image, or the pattern."""
    if path is not None:
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            return np.asarray(image, dtype=np.float32) / 255.0, str(path)
    if _common.cifar10_available():
        _, (x_test, y_test), names = _common.cifar10_cached()
        return x_test[CIFAR_INDEX].astype(np.float32) / 255.0, f"CIFAR-10 test image {CIFAR_INDEX} ({names[y_test[CIFAR_INDEX]]})"
    return test_pattern(), "generated test pattern"


def filtered_versions(img):
    """[(title, image in [0, 1] as (H, W, 3) or (H, W))] for the panels of the figure."""
    blurred = filters.gaussian_blur(img, 5, 1.0)
    magnitude, _ = filters.sobel(img)
    return [
        ("original", img),
        ("sharpen", np.clip(filters.sharpen(img), 0, 1)),
        ("Gaussian blur 5x5, sigma 1", np.clip(blurred, 0, 1)),
        ("blur, then sharpen", np.clip(filters.sharpen(blurred), 0, 1)),
        ("Sobel magnitude", magnitude / max(float(magnitude.max()), 1e-12)),
        ("Canny edges", filters.canny(img, low=0.2, high=0.5, sigma=1.0).astype(np.float32)),
    ]


def plot_panels(panels, title, path):
    fig = Figure(figsize=(3.0 * len(panels), 3.4), layout="constrained")
    for ax, (name, image) in zip(fig.subplots(1, len(panels)), panels):
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches="tight", facecolor="white")
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python examples/image_kernels.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("image", nargs="?", type=Path, help="an image file (default: CIFAR-10 or a pattern)")
    parser.add_argument("--out", type=Path, default=_common.default_out_dir("image_kernels"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    img, description = load_image(args.image)
    print(f"image: {description}, {img.shape[0]}x{img.shape[1]}")
    np.set_printoptions(precision=3, suppress=True)
    for name, kernel in (("sharpen", filters.sharpen_kernel(1.0)), ("Gaussian 5x5, sigma 1", filters.gaussian_kernel(5, 1.0)),
                         ("Sobel x (convolution form)", filters.SOBEL_X), ("Sobel y (convolution form)", filters.SOBEL_Y)):
        print(f"{name} kernel:\n{kernel}")
    path = args.out / "filters.png"
    plot_panels(filtered_versions(img), f"Hand-made kernels on {description}", path)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
