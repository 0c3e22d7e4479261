"""CIFAR-10 in the official "python version" layout.

``load_cifar10`` reads ``<data dir>/cifar-10-batches-py/`` or, if that folder does not
exist, the members of ``<data dir>/cifar-10-python.tar.gz`` straight from the archive
(no extraction). Each batch is a pickled dict with ``b'data'``: uint8 (n, 3072), each
row the R, G and B planes of a 32x32 image in row-major order, and ``b'labels'``: a
list of n ints in 0..9. The pickles are untrusted and are read with
``safe_pickle.restricted_loads``.
"""
import tarfile
from pathlib import Path

import numpy as np

from .download import DownloadError
from .download import download as download_file
from .paths import DATA_DIR_ENV_VAR, resolve_data_dir
from .safe_pickle import restricted_loads

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR10_FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
META_FILE = "batches.meta"
CIFAR10_CLASS_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)
IMAGE_SHAPE_HWC = (32, 32, 3)
PIXELS_PER_IMAGE = 32 * 32 * 3


def load_cifar10(data_dir=None, download=True):
    """Load CIFAR-10 as NHWC uint8 images and uint8 labels.

    Data dir: ``data_dir``, else ``$MINICNN_DATA``, else ``~/.cache/minicnn``. If it
    holds neither ``cifar-10-batches-py/`` nor ``cifar-10-python.tar.gz``, the archive
    is downloaded there (md5-checked) unless ``download=False``.

    Returns ``(x_train, y_train), (x_test, y_test), class_names``: x uint8 of shape
    (n, 32, 32, 3) (50000 train and 10000 test for the real data), y uint8 of shape
    (n,) with values 0..9 (1-D, unlike Keras's (n, 1)), class_names a list of 10 str.
    Raises ``ValueError`` naming the file for malformed batches, and
    ``FileNotFoundError``/``DownloadError`` naming what to put where if data is missing.
    """
    root = resolve_data_dir(data_dir)
    folder, archive = root / CIFAR10_FOLDER, root / CIFAR10_ARCHIVE
    if folder.is_dir():
        reader = _FolderReader(folder)
    else:
        if not archive.is_file():
            _fetch_archive(archive, download)
        reader = _ArchiveReader(archive)
    with reader:
        class_names = _parse_meta(reader.read(META_FILE), reader.describe(META_FILE))
        train = [_parse_batch(reader.read(name), reader.describe(name)) for name in TRAIN_BATCHES]
        test = _parse_batch(reader.read(TEST_BATCH), reader.describe(TEST_BATCH))
    x_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return (x_train, y_train), test, class_names


def _fetch_archive(archive, download):
    how_to_fix = (
        f"put {CIFAR10_ARCHIVE} (from {CIFAR10_URL}) or its extracted {CIFAR10_FOLDER}/ "
        f"folder (data_batch_1..5, test_batch, batches.meta) into {archive.parent} "
        f"(set ${DATA_DIR_ENV_VAR} or pass data_dir= to use another directory)"
    )
    if not download:
        raise FileNotFoundError(f"CIFAR-10 not found: {how_to_fix}")
    try:
        download_file(CIFAR10_URL, archive, CIFAR10_MD5)
    except DownloadError as err:
        raise DownloadError(f"CIFAR-10 download failed: {err}\nTo fix: {how_to_fix}") from err


def _parse_batch(raw, source):
    """Unpickle one batch file: returns x uint8 (n, 32, 32, 3), y uint8 (n,)."""
    batch = _expect_dict(restricted_loads(raw, source), source)
    data = _get(batch, "data", source)
    labels = _get(batch, "labels", source)
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 \
            or data.shape[1] != PIXELS_PER_IMAGE:
        found = f"{data.dtype} array of shape {data.shape}" if isinstance(data, np.ndarray) \
            else type(data).__name__
        raise ValueError(f"{source}: expected b'data' as a uint8 array of shape (n, 3072), found {found}")
    if not isinstance(labels, (list, np.ndarray)) \
            or not all(isinstance(label, (int, np.integer)) for label in labels):
        raise ValueError(f"{source}: expected b'labels' as a list of ints")
    y = np.asarray(labels, dtype=np.int64).reshape(-1)
    if len(y) != len(data):
        raise ValueError(f"{source}: expected {len(data)} labels to match b'data', found {len(y)}")
    bad = y[(y < 0) | (y >= len(CIFAR10_CLASS_NAMES))]
    if bad.size:
        raise ValueError(f"{source}: expected labels in 0..9, found {sorted(set(bad.tolist()))[:10]}")
    # Each row holds the R, G, B planes (3, 32, 32); NHWC puts the channel last.
    x = np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    return x, y.astype(np.uint8)


def _parse_meta(raw, source):
    """Unpickle batches.meta: returns the class names as a list of 10 str."""
    meta = _expect_dict(restricted_loads(raw, source), source)
    names = _get(meta, "label_names", source)
    if not isinstance(names, list) or len(names) != len(CIFAR10_CLASS_NAMES) \
            or not all(isinstance(name, (bytes, str)) for name in names):
        raise ValueError(f"{source}: expected b'label_names' as a list of 10 names, found {names!r:.200}")
    return [name.decode("utf-8") if isinstance(name, bytes) else name for name in names]


def _expect_dict(obj, source):
    if not isinstance(obj, dict):
        raise ValueError(f"{source}: expected a pickled dict, found {type(obj).__name__}")
    return obj


def _get(batch, key, source):
    """``batch[b'key']`` (official files, loaded with encoding='bytes') or ``batch['key']``."""
    for candidate in (key.encode(), key):
        if candidate in batch:
            return batch[candidate]
    raise ValueError(f"{source}: expected a key b'{key}', found keys {sorted(map(repr, batch))}")


class _FolderReader:
    """Reads batch files from an extracted ``cifar-10-batches-py`` folder."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def describe(self, name):
        return str(self.folder / name)

    def read(self, name):
        path = self.folder / name
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} is missing: {self.folder} must hold data_batch_1..5, test_batch and "
                f"batches.meta (the contents of {CIFAR10_ARCHIVE} from {CIFAR10_URL})"
            )
        return path.read_bytes()


class _ArchiveReader:
    """Reads batch files from ``cifar-10-python.tar.gz`` without extracting it."""

    def __init__(self, archive):
        self.archive = Path(archive)
        try:
            self.tar = tarfile.open(self.archive, "r:*")
        except (tarfile.TarError, OSError, EOFError) as err:
            raise ValueError(f"{self.archive}: not a readable tar archive ({err})") from err

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.tar.close()
        return False

    def describe(self, name):
        return f"{self.archive}:{CIFAR10_FOLDER}/{name}"

    def read(self, name):
        member_name = f"{CIFAR10_FOLDER}/{name}"
        try:
            member = self.tar.getmember(member_name)
            if not member.isfile():
                raise KeyError(member_name)
            return self.tar.extractfile(member).read()
        except KeyError:
            raise FileNotFoundError(
                f"{self.archive} has no member {member_name}: expected the official "
                f"{CIFAR10_ARCHIVE} layout ({CIFAR10_FOLDER}/data_batch_1..5, test_batch, batches.meta)"
            ) from None
        except (tarfile.TarError, OSError, EOFError) as err:
            raise ValueError(f"{self.archive}: corrupt archive while reading {member_name} ({err})") from err
