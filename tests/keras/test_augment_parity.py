"""ImageDataGenerator, flow_from_directory and image_dataset_from_directory against real Keras.

Keras's ``apply_transform`` samples through ``scipy.ndimage.affine_transform``. Without scipy in
the environment, Keras's module is given minicnn's loop reference of that one function
(``affine_transform_2d_reference``, itself pinned by hand-computed cases in
tests/kernels/test_affine.py), so these tests still check everything Keras does around the
sampling: the matrix composition, which axis is which, the flips, channel shift, brightness and
their order. With scipy installed, the sampling is Keras's own too.
"""
import types

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("tensorflow", reason="tensorflow is not installed")
kimage = pytest.importorskip("keras.src.legacy.preprocessing.image", reason="keras 3 is not installed")

from minicnn.kernels.affine import affine_transform_2d_reference  # noqa: E402
from minicnn.keras.preprocessing import image as ours  # noqa: E402
from minicnn.keras.utils import image_dataset_from_directory  # noqa: E402

try:
    import scipy.ndimage  # noqa: F401
    HAVE_SCIPY = True
except ImportError:
    HAVE_SCIPY = False

# Keras's legacy code reaches affine_transform through scipy's deprecated ndimage.interpolation
pytestmark = pytest.mark.filterwarnings("ignore:Please import `affine_transform`:DeprecationWarning")


@pytest.fixture
def keras_generator(monkeypatch):
    if not HAVE_SCIPY:
        interpolation = types.SimpleNamespace(affine_transform=affine_transform_2d_reference)
        monkeypatch.setattr(kimage, "scipy", types.SimpleNamespace(
            ndimage=types.SimpleNamespace(interpolation=interpolation)))
    return kimage.ImageDataGenerator


CASES = [
    {"theta": 30.0},
    {"tx": 2.5},
    {"ty": -1.25},
    {"tx": 3.0, "ty": -2.0},
    {"shear": 20.0},
    {"zx": 1.3, "zy": 0.8},
    {"theta": -50.0, "tx": 1.5, "ty": 2.0, "shear": 10.0, "zx": 0.9, "zy": 1.2},
    {"theta": 17.0, "flip_horizontal": True},
    {"tx": 1.0, "flip_vertical": True, "flip_horizontal": True},
    {"zx": 1.1, "zy": 1.1, "channel_shift_intensity": 40.0},
    {"theta": 10.0, "brightness": 1.4},
    {"brightness": 0.6, "flip_horizontal": True, "channel_shift_intensity": -30.0},
]


@pytest.mark.parametrize("fill_mode", ["nearest", "constant", "reflect", "wrap"])
@pytest.mark.parametrize("params", CASES)
@pytest.mark.parametrize("shape", [(9, 9, 3), (7, 10, 1)])
def test_apply_transform_matches_keras(keras_generator, fill_mode, params, shape):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, shape).astype(np.float32)
    keras_gen = keras_generator(fill_mode=fill_mode, cval=11.0)
    our_gen = ours.ImageDataGenerator(fill_mode=fill_mode, cval=11.0)
    expected = keras_gen.apply_transform(x.copy(), dict(params))
    got = our_gen.apply_transform(x, dict(params))
    assert got.dtype == np.float32 and got.shape == x.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=2e-3 if "brightness" not in params else 1.0)
    if "brightness" in params:  # a truncation to uint8 may differ by one level where float32 rounding differs
        assert np.mean(np.abs(got - expected) > 1e-3) < 0.02


def test_brightness_outside_0_255_is_scaled_there_and_back(keras_generator):
    x = np.random.default_rng(1).normal(0, 2, (6, 6, 3)).astype(np.float32)
    expected = keras_generator().apply_transform(x.copy(), {"brightness": 1.3})
    got = ours.ImageDataGenerator().apply_transform(x, {"brightness": 1.3})
    step = (x.max() - x.min()) / 255  # one uint8 level in the image's own units
    assert np.max(np.abs(got - expected)) <= step * 1.01


@pytest.mark.parametrize("options", [
    {"featurewise_center": True, "featurewise_std_normalization": True, "rescale": 1 / 255},
    {"samplewise_center": True, "samplewise_std_normalization": True},
    {"zca_whitening": True, "rescale": 0.01},
    {"featurewise_center": True, "preprocessing_function": lambda im: im[::-1] * 0.5},
])
def test_fit_and_standardize_match_keras(keras_generator, options):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (12, 5, 5, 3)).astype(np.float32)
    with pytest.warns(UserWarning) if "zca_whitening" in options else _no_warning():
        keras_gen = keras_generator(**options)
    with pytest.warns(UserWarning) if "zca_whitening" in options else _no_warning():
        our_gen = ours.ImageDataGenerator(**options)
    keras_gen.fit(x)
    our_gen.fit(x)
    for name in ("mean", "std", "zca_whitening_matrix"):
        if getattr(keras_gen, name) is not None:
            np.testing.assert_allclose(getattr(our_gen, name), getattr(keras_gen, name), rtol=1e-4, atol=1e-5)
    expected = np.stack([keras_gen.standardize(im.copy()) for im in x])
    np.testing.assert_allclose(our_gen.standardize(x.copy()), expected, rtol=1e-4, atol=1e-4)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _tree(root, sizes=((6, 8), (9, 5), (6, 6)), classes=("b_dog", "a_cat", "c_bird")):
    rng = np.random.default_rng(3)
    for c, name in enumerate(classes):
        for i in range(3 + c):
            h, w = sizes[i % len(sizes)]
            folder = root / name / ("sub" if i == 2 else "")
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    (root / "a_cat" / "notes.txt").write_text("not an image")
    return root


@pytest.mark.parametrize("class_mode", ["categorical", "sparse", "binary", None])
@pytest.mark.parametrize("subset", [None, "training", "validation"])
def test_flow_from_directory_matches_keras_without_shuffling(tmp_path, class_mode, subset, capsys):
    root = _tree(tmp_path)
    kw = dict(target_size=(7, 6), batch_size=4, shuffle=False, class_mode=class_mode, subset=subset)
    split = {"validation_split": 0.4} if subset else {}
    theirs = kimage.ImageDataGenerator(rescale=1 / 255, **split).flow_from_directory(str(root), **kw)
    mine = ours.ImageDataGenerator(rescale=1 / 255, **split).flow_from_directory(str(root), **kw)
    assert mine.class_indices == theirs.class_indices
    assert mine.filenames == theirs.filenames and mine.samples == theirs.samples
    np.testing.assert_array_equal(mine.classes, theirs.classes)
    assert len(mine) == len(theirs)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1]  # "Found N images belonging to K classes."
    for _ in range(len(mine) + 1):
        a, b = next(mine), next(theirs)
        if class_mode is None:
            np.testing.assert_allclose(a, b, rtol=1e-6)
        else:
            np.testing.assert_allclose(a[0], b[0], rtol=1e-6)
            np.testing.assert_array_equal(a[1], b[1])
            assert a[1].dtype == b[1].dtype


def test_flow_subsets_match_keras():
    x = np.random.default_rng(4).integers(0, 256, (10, 4, 4, 1)).astype(np.float32)
    y = np.arange(10) % 2
    for subset in ("training", "validation"):
        theirs = kimage.ImageDataGenerator(validation_split=0.3).flow(x, y, batch_size=10, shuffle=False,
                                                                      subset=subset)
        mine = ours.ImageDataGenerator(validation_split=0.3).flow(x, y, batch_size=10, shuffle=False, subset=subset)
        (a, ay), (b, by) = next(mine), next(theirs)
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(ay, by)
    with pytest.raises(ValueError, match="different number of classes"):
        ours.ImageDataGenerator(validation_split=0.3).flow(x, np.arange(10) // 5, subset="training")


@pytest.mark.parametrize("label_mode", ["int", "categorical", "binary"])
def test_image_dataset_from_directory_matches_keras(tmp_path, label_mode):
    import keras

    root = _tree(tmp_path)
    if label_mode == "binary":
        import shutil
        shutil.rmtree(root / "c_bird")
    kw = dict(image_size=(5, 7), batch_size=3, label_mode=label_mode, seed=7, verbose=False)
    for subset in ("training", "validation"):
        theirs = keras.utils.image_dataset_from_directory(str(root), validation_split=0.3, subset=subset, **kw)
        mine = image_dataset_from_directory(str(root), validation_split=0.3, subset=subset, **kw)
        assert mine.class_names == theirs.class_names
        assert mine.file_paths == theirs.file_paths  # Keras's seeded global shuffle and split
        assert len(mine) == len(theirs)
    plain = dict(kw, seed=None)
    theirs = keras.utils.image_dataset_from_directory(str(root), shuffle=False, **plain)
    mine = image_dataset_from_directory(str(root), shuffle=False, **plain)
    batches = list(mine)
    assert len(batches) == len(mine) == len(theirs)
    for (a, ay), (b, by) in zip(batches, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-3)  # tf.image.resize, bilinear
        np.testing.assert_array_equal(ay, by.numpy())
        assert a.dtype == np.float32 and ay.dtype == by.numpy().dtype


@pytest.mark.parametrize("aspect", ["crop_to_aspect_ratio", "pad_to_aspect_ratio"])
def test_image_dataset_aspect_options_match_keras(tmp_path, aspect):
    import keras

    root = _tree(tmp_path)
    kw = dict(image_size=(5, 9), batch_size=4, shuffle=False, verbose=False, **{aspect: True})
    theirs = keras.utils.image_dataset_from_directory(str(root), **kw)
    mine = image_dataset_from_directory(str(root), **kw)
    for (a, _), (b, _) in zip(mine, theirs):
        np.testing.assert_allclose(a, b.numpy(), rtol=1e-5, atol=1e-3)
