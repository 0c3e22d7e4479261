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

from ..kernels.affine import affine_warp

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


#: the file types ``image_dataset_from_directory`` lists (Keras's ``ALLOWLIST_FORMATS``)
DATASET_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
LABEL_MODES = ("int", "categorical", "binary", None)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 verbose=True):
    """Keras's ``image_dataset_from_directory`` for ``directory/<class>/<images>``: an
    ``ImageDataset`` of ``(images float32 (b, h, w, c), labels)`` batches that ``fit`` takes
    (two of them, training and validation, for ``subset="both"``).

    As in Keras: class names are the sorted sub-folders (or ``class_names``); files ending in
    .bmp .gif .jpeg .jpg .png, walked recursively in sorted order; with ``shuffle`` the file list
    is shuffled once by ``numpy.random.RandomState(seed).shuffle`` (so a seed gives Keras's own
    order and split), and the batches of each pass are reshuffled; ``validation_split`` keeps
    the last ``int(split * n)`` files for 'validation' and the rest for 'training' (a seed is
    required when shuffling). Images are resized to ``image_size`` (height, width) like
    ``tf.image.resize``: 'bilinear' (half-pixel centres, no antialiasing, an affine warp by
    ``minicnn.kernels.affine``) or 'nearest'. Labels: 'int' (int32 (b,)), 'categorical'
    (float32 one-hot), 'binary' (float32 (b, 1), exactly two classes), None (images only).
    ``crop_to_aspect_ratio`` first takes the largest centred crop of the target's aspect ratio
    (Keras's ``smart_resize``); ``pad_to_aspect_ratio`` resizes to fit and pads with zeros
    (``tf.image.resize_with_pad``).
    ``labels`` may also be a list of int labels, one per file in listing order, or None.
    """
    if data_format not in (None, "channels_last"):
        raise NotImplementedError(f"image_dataset_from_directory(data_format={data_format!r}): "
                                  "only channels_last images are supported")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("Only one of `pad_to_aspect_ratio`, `crop_to_aspect_ratio` can be set to `True`.")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"label_mode must be one of {LABEL_MODES}, got {label_mode!r}")
    if color_mode not in COLOR_MODES:
        raise ValueError(f"color_mode must be one of {tuple(COLOR_MODES)}, got {color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    image_size = _check_image_size(image_size)
    if interpolation not in ("bilinear", "nearest"):
        raise NotImplementedError(f"image_dataset_from_directory(interpolation={interpolation!r}): "
                                  "use 'bilinear' or 'nearest'")
    if batch_size is not None and (int(batch_size) != batch_size or batch_size < 1):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    if (validation_split is None or validation_split == 0) != (subset is None):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"subset must be 'training', 'validation', 'both' or None, got {subset!r}")
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"validation_split must be between 0 and 1, got {validation_split!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")
    if seed is None:
        seed = int(np.random.default_rng().integers(10**6))
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    root = Path(directory)
    inferred = isinstance(labels, str)
    if inferred and labels != "inferred":
        raise ValueError(f"labels must be 'inferred', a list of labels or None, got {labels!r}")
    if not root.is_dir():
        raise ValueError(f"image folder {root} does not exist or is not a directory")
    if inferred:
        names = list(class_names) if class_names else sorted(
            p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        paths, labels = [], []
        for label, name in enumerate(names):
            if not (root / name).is_dir():
                raise ValueError(f"class_names: {name!r} has no folder under {root}")
            files = _walk_images(root / name, DATASET_FORMATS, follow_links)
            paths += files
            labels += [label] * len(files)
    else:  # no labels, or one label per file: every image under the directory, recursively
        if class_names:
            raise ValueError("You can only pass `class_names` if `labels='inferred'`.")
        paths = _walk_images(root, DATASET_FORMATS, follow_links)
        names = None
        if labels is not None:
            labels = [int(v) for v in labels]
            if len(labels) != len(paths):
                raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target "
                                 f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                                 f"directory {directory}.")
            names = [str(v) for v in sorted(set(labels))]
    if verbose:
        print(f"Found {len(paths)} files." if labels is None
              else f"Found {len(paths)} files belonging to {len(names)} classes.")
    if not paths:
        raise ValueError(f"No images found in directory {directory}. Allowed formats: {DATASET_FORMATS}")
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. '
                         f"Received: class_names={names}")
    paths = [str(p) for p in paths]
    if shuffle:  # Keras's global shuffle, bit for bit
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    aspect = "crop" if crop_to_aspect_ratio else "pad" if pad_to_aspect_ratio else None
    options = dict(class_names=names, label_mode=label_mode, color_mode=color_mode, batch_size=batch_size,
                   image_size=image_size, shuffle=shuffle, seed=seed, interpolation=interpolation, aspect=aspect)
    if subset is None:
        return ImageDataset(paths, labels, **options)
    parts = {}
    n_val = int(validation_split * len(paths))
    for name in ("training", "validation"):
        if subset not in (name, "both"):
            continue
        part = slice(None, len(paths) - n_val) if name == "training" else slice(len(paths) - n_val, None)
        if verbose:
            print(f"Using {len(paths[part])} files for {name}.")
        parts[name] = ImageDataset(paths[part], None if labels is None else labels[part], **options)
    return (parts["training"], parts["validation"]) if subset == "both" else parts[subset]


def _walk_images(folder, formats, follow_links):
    """Files under ``folder`` ending in ``formats`` (case-insensitive): folders walked in sorted
    path order, files sorted by name."""
    return [Path(top) / file
            for top, _, files in sorted(os.walk(folder, followlinks=follow_links), key=lambda t: t[0])
            for file in sorted(files) if file.lower().endswith(formats)]


class ImageDataset:
    """Batches of images read from files, the object ``image_dataset_from_directory`` returns.

    ``for images, labels in ds`` is one pass (``len(ds)`` batches, the last may be smaller; a
    fresh order each pass when ``shuffle``); ``fit`` / ``evaluate`` accept it. Attributes:
    ``class_names``, ``file_paths``, ``labels``, ``image_size``, ``batch_size``, ``label_mode``.
    The ``tf.data`` calls lessons chain (``cache``, ``prefetch``, ``shuffle``) return a dataset that
    behaves the same; ``take(n)`` keeps the first n batches; ``map(fn)`` applies ``fn(x, y)``
    (or ``fn(x)`` without labels) to each batch.
    """

    def __init__(self, paths, labels, class_names, label_mode, color_mode, batch_size, image_size, shuffle,
                 seed, interpolation, aspect=None, take=None, transform=None):
        self.file_paths = list(paths)
        self.labels = None if labels is None else np.asarray(labels, dtype=np.int32)
        self.class_names, self.label_mode, self.color_mode = class_names, label_mode, color_mode
        self.batch_size, self.image_size, self.shuffle = batch_size, image_size, shuffle
        self.interpolation, self._seed, self._take, self._transform = interpolation, seed, take, transform
        self._aspect = aspect
        self._rng = np.random.default_rng(seed)

    def _options(self, **changes):
        options = dict(paths=self.file_paths, labels=self.labels, class_names=self.class_names,
                       label_mode=self.label_mode, color_mode=self.color_mode, batch_size=self.batch_size,
                       image_size=self.image_size, shuffle=self.shuffle, seed=self._seed,
                       interpolation=self.interpolation, aspect=self._aspect, take=self._take,
                       transform=self._transform)
        options.update(changes)
        return options

    def __len__(self):
        size = len(self.file_paths) if self.batch_size is None else self.batch_size
        count = 1 if self.batch_size is None else -(-len(self.file_paths) // size)
        return count if self._take is None else min(count, self._take)

    def __iter__(self):
        n = len(self.file_paths)
        order = self._rng.permutation(n) if self.shuffle else np.arange(n)
        size = n if self.batch_size is None else self.batch_size
        for b in range(len(self)):
            batch = self._batch(order[b * size:(b + 1) * size])
            if self._transform is not None:
                batch = self._transform(*batch) if isinstance(batch, tuple) else self._transform(batch)
            yield batch

    def _batch(self, indices):
        images = np.stack([self.load(self.file_paths[i]) for i in indices])
        if self.labels is None:
            return images
        labels = self.labels[indices]
        if self.label_mode == "categorical":
            onehot = np.zeros((len(indices), len(self.class_names)), dtype=np.float32)
            onehot[np.arange(len(indices)), labels] = 1.0
            return images, onehot
        if self.label_mode == "binary":
            return images, labels.astype(np.float32)[:, None]
        return images, labels

    def load(self, path):
        """One file as float32 (h, w, c), resized like ``tf.image.resize``."""
        with Image.open(path) as image:
            image.load()
        array = _to_array(image, Path(path), COLOR_MODES[self.color_mode], None, "stretch")
        if self._aspect == "crop":
            return resize_like_tf(_crop_to_aspect(array, self.image_size), self.image_size, self.interpolation)
        if self._aspect == "pad":
            return _resize_with_pad(array, self.image_size, self.interpolation)
        return resize_like_tf(array, self.image_size, self.interpolation)

    # the tf.data chain lessons write
    def cache(self, filename=""):
        return self

    def prefetch(self, buffer_size=None):
        return self

    def shuffle(self, buffer_size=None, seed=None, reshuffle_each_iteration=True):
        """Reshuffle the files each pass (this shuffles all files, not within a buffer)."""
        return ImageDataset(**self._options(shuffle=True, seed=self._seed if seed is None else seed))

    def take(self, count):
        return ImageDataset(**self._options(take=int(count) if count >= 0 else None))

    def map(self, map_func, num_parallel_calls=None, deterministic=None):
        inner = self._transform
        if inner is None:
            return ImageDataset(**self._options(transform=map_func))
        return ImageDataset(**self._options(transform=lambda *b: _apply(map_func, _apply(inner, b))))

    def as_numpy_iterator(self):
        return iter(self)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        raise UnsupportedDatasetMethod(f"ImageDataset.{name} (a tf.data method) is not supported; iterate over "
                                       "the batches, or use take / map / cache / prefetch / shuffle")


class UnsupportedDatasetMethod(NotImplementedError, AttributeError):
    """A tf.data method ImageDataset lacks: NotImplementedError for the user, AttributeError for
    ``hasattr``/``getattr(obj, name, default)`` probes."""


def _apply(fn, batch):
    return fn(*batch) if isinstance(batch, tuple) else fn(batch)


def _crop_to_aspect(array, image_size):
    """Keras's ``smart_resize`` crop: the largest centred crop with the target's aspect ratio."""
    height, width = array.shape[:2]
    target_height, target_width = image_size
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    top, left = int(float(height - crop_height) / 2), int(float(width - crop_width) / 2)
    return array[top:top + crop_height, left:left + crop_width]


def _resize_with_pad(array, image_size, interpolation):
    """``tf.image.resize_with_pad``: scale by the tighter ratio (size floored), then zero-pad,
    the offset ``floor((target - scaled) / 2)`` computed from the unfloored scaled size."""
    height, width = array.shape[:2]
    target_height, target_width = image_size
    ratio = max(width / target_width, height / target_height)
    scaled_height, scaled_width = height / ratio, width / ratio
    resized = resize_like_tf(array, (int(np.floor(scaled_height)), int(np.floor(scaled_width))), interpolation)
    top = max(0, int(np.floor((target_height - scaled_height) / 2)))
    left = max(0, int(np.floor((target_width - scaled_width) / 2)))
    out = np.zeros((target_height, target_width, array.shape[2]), dtype=np.float32)
    out[top:top + resized.shape[0], left:left + resized.shape[1]] = resized
    return out


def resize_like_tf(array, image_size, interpolation="bilinear"):
    """``tf.image.resize(array, image_size, method)`` for one (h, w, c) image, as float32:
    'bilinear' samples input position ``(i + 0.5) * in / out - 0.5`` clamped to the image (an
    affine warp with 'nearest' edges); 'nearest' takes index ``floor((i + 0.5) * in / out)``."""
    height, width = array.shape[:2]
    out_h, out_w = image_size
    scale_y, scale_x = height / out_h, width / out_w
    if interpolation == "nearest":
        rows = np.minimum(np.floor((np.arange(out_h) + 0.5) * scale_y).astype(int), height - 1)
        cols = np.minimum(np.floor((np.arange(out_w) + 0.5) * scale_x).astype(int), width - 1)
        return array[rows][:, cols].astype(np.float32)
    matrix = np.array([[[scale_y, 0.0, 0.5 * scale_y - 0.5], [0.0, scale_x, 0.5 * scale_x - 0.5]]])
    return affine_warp(array[None], matrix, "nearest", 0.0, output_size=image_size)[0]
