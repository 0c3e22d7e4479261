"""Load an image classification dataset stored as one sub-folder per class.

    root/
      cat/  001.jpg  002.png ...
      dog/  a.jpg ...

Class names are the sorted sub-folder names and labels index into them. Files are
read in sorted order (recursively inside each class folder), so the result is
deterministic. Hidden files and folders (names starting with ".") are ignored.
"""
import os
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm"}
)
RESIZE_MODES = ("pad", "stretch")
COLOR_MODES = {"rgb": "RGB", "grayscale": "L", "rgba": "RGBA"}
#: Keras's ``Iterator.white_list_formats``: the files ``flow_from_directory`` lists
KERAS_IMAGE_FORMATS = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")
INTERPOLATIONS = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
                  "bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS,
                  "box": Image.Resampling.BOX, "hamming": Image.Resampling.HAMMING}


def load_image_folder(path, image_size=None, resize="pad", color_mode="rgb", return_skipped=False):
    """Read every image under ``path/<class>/`` into one array.

    ``image_size``: ``(height, width)`` to resize every image to, or None to require
    all images to share one size (else a ``ValueError`` naming two files that differ).
    ``resize``: ``"pad"`` keeps the aspect ratio like ``tf.image.resize_with_pad``
    (scale to fit, then zero-pad, centered); ``"stretch"`` resizes to exactly
    (height, width). Both use Pillow's bilinear filter.
    ``color_mode``: ``"rgb"`` (3 channels), ``"rgba"`` (4) or ``"grayscale"`` (1 channel, ITU-R 601-2
    luma). Palette images are expanded through their palette; an alpha channel is
    dropped (as Keras's ``load_img`` does), not blended.

    Files whose extension is not an image extension (``IMAGE_EXTENSIONS``) are still
    tried: if Pillow cannot identify them (a stray README.txt) they are skipped, with
    one ``warnings.warn`` giving the count. A file *with* an image extension that
    cannot be decoded raises ``ValueError`` naming it.

    Returns ``(x, y, class_names)``: x uint8 (n, height, width, 3 or 1), y int64 (n,),
    class_names a list of str; with ``return_skipped=True`` a fourth item, the list of
    skipped file paths, is appended. Raises ``ValueError`` if the root is missing, has
    no class folders, or a class folder has no images.
    """
    image_size = _check_options(image_size, resize, color_mode)
    root = Path(path)
    class_dirs = _class_dirs(root)
    images, labels, sources, skipped = [], [], [], []
    for label, class_dir in enumerate(class_dirs):
        count_before = len(images)
        for file in _files_in(class_dir):
            image = _open_image(file, skipped)
            if image is None:
                continue
            array = _to_array(image, file, COLOR_MODES[color_mode], image_size, resize)
            if image_size is None and images and array.shape != images[0].shape:
                raise ValueError(
                    f"images differ in size: {sources[0]} is {_describe(images[0])} but "
                    f"{file} is {_describe(array)}; pass image_size=(height, width) to resize"
                )
            images.append(array)
            labels.append(label)
            sources.append(file)
        if len(images) == count_before:
            raise ValueError(f"class folder {class_dir} contains no images")
    if skipped:
        warnings.warn(
            f"load_image_folder skipped {len(skipped)} non-image file(s) under {root} "
            f"(e.g. {skipped[0]}); pass return_skipped=True to list them",
            stacklevel=2,
        )
    x = np.stack(images)
    y = np.asarray(labels, dtype=np.int64)
    class_names = [d.name for d in class_dirs]
    if return_skipped:
        return x, y, class_names, skipped
    return x, y, class_names


def _check_image_size(image_size):
    try:
        height, width = (int(v) for v in image_size)
    except (TypeError, ValueError):
        raise ValueError(f"image_size must be (height, width), got {image_size!r}") from None
    if height < 1 or width < 1 or (height, width) != tuple(image_size):
        raise ValueError(f"image_size must be two positive integers, got {image_size!r}")
    return height, width


def _class_dirs(root):
    if not root.is_dir():
        raise ValueError(f"image folder {root} does not exist or is not a directory")
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not class_dirs:
        raise ValueError(
            f"image folder {root} has no class sub-folders: expected {root}/<class name>/<images>"
        )
    return class_dirs


def _files_in(class_dir):
    """All non-hidden files under ``class_dir``, recursively, sorted by relative path."""
    return sorted(
        p for p in class_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(class_dir).parts)
    )


def _open_image(file, skipped):
    """Open and fully decode ``file``; returns None (and records it) for non-images."""
    has_image_extension = file.suffix.lower() in IMAGE_EXTENSIONS
    try:
        with Image.open(file) as image:
            image.load()
            return image
    except UnidentifiedImageError:
        if has_image_extension:
            raise ValueError(f"{file}: not a readable image (Pillow cannot identify it)") from None
        skipped.append(file)
        return None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise ValueError(f"{file}: cannot decode image ({err})") from err


def load_image(path, image_size=None, resize="pad", color_mode="rgb", interpolation="bilinear",
               keep_aspect_ratio=False):
    """One image file as uint8 (height, width, 3, 4 or 1), converted and resized as
    :func:`load_image_folder` does. A file Pillow cannot decode raises ValueError naming it.

    ``interpolation`` (Pillow's filter: 'nearest', 'bilinear', 'bicubic', 'lanczos', 'box',
    'hamming') and ``keep_aspect_ratio`` (crop the centre to the target's aspect ratio before
    a 'stretch' resize) follow Keras's ``load_img``; an image already of the target size is
    not resampled."""
    image_size = _check_options(image_size, resize, color_mode)
    check_interpolation(interpolation)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such image file: {path}")
    try:
        with Image.open(path) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as err:
        raise ValueError(f"{path}: cannot decode image ({err})") from err
    return _to_array(image, path, COLOR_MODES[color_mode], image_size, resize, interpolation, keep_aspect_ratio)


def check_interpolation(interpolation):
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {tuple(INTERPOLATIONS)}, got {interpolation!r}")
    return interpolation


def list_class_files(directory, classes=None, split=None, follow_links=False):
    """Keras's ``flow_from_directory`` listing of ``directory/<class>/...``.

    ``classes``: the class names in label order (default: the sorted sub-folders). In each
    class folder, files whose lower-case name ends with a ``KERAS_IMAGE_FORMATS`` extension,
    walked recursively (folders sorted by path, files sorted by name); ``split`` (lo, hi)
    keeps files ``int(lo * n):int(hi * n)`` of each class. Returns ``(filenames, labels,
    class_indices)``: paths relative to ``directory`` ("cat/001.jpg"), int labels, and
    ``{class name: label}``.
    """
    root = Path(directory)
    if not root.is_dir():
        raise ValueError(f"image folder {root} does not exist or is not a directory")
    if classes is None or len(classes) == 0:
        classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    else:
        missing = [c for c in classes if not (root / c).is_dir()]
        if missing:
            raise ValueError(f"classes {missing} have no folder under {root}")
    class_indices = {name: i for i, name in enumerate(classes)}
    filenames, labels = [], []
    for name in classes:
        found = []
        for folder, _, files in sorted(os.walk(root / name, followlinks=follow_links), key=lambda t: t[0]):
            for file in sorted(files):
                if file.lower().endswith(KERAS_IMAGE_FORMATS):
                    found.append(os.path.join(name, os.path.relpath(os.path.join(folder, file), root / name)))
        if split is not None:
            found = found[int(split[0] * len(found)):int(split[1] * len(found))]
        filenames += found
        labels += [class_indices[name]] * len(found)
    return filenames, labels, class_indices


def _check_options(image_size, resize, color_mode):
    """Validate the loaders' options; return ``image_size`` as (height, width) or None."""
    if resize not in RESIZE_MODES:
        raise ValueError(f"resize must be one of {RESIZE_MODES}, got {resize!r}")
    if color_mode not in COLOR_MODES:
        raise ValueError(f"color_mode must be one of {tuple(COLOR_MODES)}, got {color_mode!r}")
    return None if image_size is None else _check_image_size(image_size)


def _to_array(image, file, pil_mode, image_size, resize, interpolation="bilinear", keep_aspect_ratio=False):
    """Convert the PIL image read from ``file`` to uint8 (h, w, channels), resized."""
    if image.mode == "P":
        image = image.convert("RGBA")  # applies the palette and its transparency
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        raise ValueError(f"{file}: unsupported {image.mode} (16/32-bit per channel) image")
    image = image.convert(pil_mode)
    if image_size is not None and image.size != (image_size[1], image_size[0]):
        image = _resize(image, image_size, resize, INTERPOLATIONS[interpolation], keep_aspect_ratio)
    array = np.asarray(image, dtype=np.uint8)
    return array[:, :, None] if array.ndim == 2 else array


def _resize(image, image_size, resize, resample=Image.Resampling.BILINEAR, keep_aspect_ratio=False):
    height, width = image_size
    if resize == "stretch" and keep_aspect_ratio:  # Keras's load_img: crop the centre first
        crop_height = min(image.height, (image.width * height) // width)
        crop_width = min(image.width, (image.height * width) // height)
        top, left = (image.height - crop_height) // 2, (image.width - crop_width) // 2
        return image.resize((width, height), resample, box=(left, top, left + crop_width, top + crop_height))
    if resize == "stretch":
        return image.resize((width, height), resample)
    # tf.image.resize_with_pad: scale by the tighter ratio, floor, center with zeros.
    ratio = max(image.width / width, image.height / height)
    new_width = max(1, min(width, int(image.width / ratio)))
    new_height = max(1, min(height, int(image.height / ratio)))
    resized = image.resize((new_width, new_height), resample)
    canvas = Image.new(image.mode, (width, height), 0)
    canvas.paste(resized, ((width - new_width) // 2, (height - new_height) // 2))
    return canvas


def _describe(array):
    return f"{array.shape[0]}x{array.shape[1]} (height x width)"
