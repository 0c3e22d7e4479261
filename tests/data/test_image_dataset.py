"""flow_from_directory and image_dataset_from_directory on small Pillow-made trees (and on the
CIFAR-10 JPEG tree where this machine has it)."""
import os
import tarfile

import numpy as np
import pytest
from PIL import Image

import minicnn
from minicnn.data import ImageDataGenerator, image_dataset_from_directory
from minicnn.data.image_folder import resize_like_tf

from ..optional_data import cifar_jpeg_tarball


def _tree(root, counts=(3, 5), size=(6, 8)):
    """classes 'cat' (value 10 + i) and 'dog' (value 100 + i), one nested file, one stray text file."""
    for c, (name, count) in enumerate(zip(("cat", "dog"), counts)):
        for i in range(count):
            folder = root / name / ("deep" if i == 0 else "")
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.full(size + (3,), 10 + 90 * c + i, np.uint8)).save(folder / f"{i}.png")
    (root / "cat" / "README.txt").write_text("not an image")
    return root


@pytest.mark.parametrize("class_mode", ["categorical", "sparse", "binary", "input", None])
def test_flow_from_directory_attributes_and_batches(tmp_path, class_mode, capsys):
    it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        _tree(tmp_path), target_size=(4, 4), class_mode=class_mode, batch_size=3, shuffle=False)
    assert capsys.readouterr().out.strip() == "Found 8 images belonging to 2 classes."
    assert it.class_indices == {"cat": 0, "dog": 1} and it.samples == 8 and len(it) == 3
    assert it.filenames[:3] == ["cat/1.png", "cat/2.png", os.path.join("cat", "deep", "0.png")]
    assert it.classes.tolist() == [0, 0, 0, 1, 1, 1, 1, 1]
    batch = next(it)
    images = batch if class_mode is None else batch[0]
    assert images.shape == (3, 4, 4, 3) and images.dtype == np.float32
    np.testing.assert_allclose(images[:, 0, 0, 0], np.array([11, 12, 10]) / 255, rtol=1e-6)
    if class_mode == "categorical":
        np.testing.assert_array_equal(batch[1], [[1, 0]] * 3)
    elif class_mode in ("sparse", "binary"):
        assert batch[1].dtype == np.float32 and batch[1].tolist() == [0, 0, 0]
    elif class_mode == "input":
        np.testing.assert_array_equal(batch[1], images)
    assert sum(len(next(it)[0] if class_mode else next(it)) for _ in range(2)) == 5  # 3 + 2 to end the pass


def test_flow_from_directory_classes_subsets_shuffle_and_seed(tmp_path):
    root = _tree(tmp_path, counts=(5, 5))
    gen = ImageDataGenerator(validation_split=0.4)
    val = gen.flow_from_directory(root, target_size=(2, 2), subset="validation", verbose=False)
    train = gen.flow_from_directory(root, target_size=(2, 2), subset="training", verbose=False)
    assert val.samples == 4 and train.samples == 6  # int(0.4 * 5) = 2 files of each class
    assert not set(val.filenames) & set(train.filenames)
    only_dog = gen.flow_from_directory(root, target_size=(2, 2), classes=["dog"], verbose=False)
    assert only_dog.class_indices == {"dog": 0} and only_dog.samples == 5
    a = ImageDataGenerator(rotation_range=20).flow_from_directory(root, (4, 4), seed=3, verbose=False)
    b = ImageDataGenerator(rotation_range=20).flow_from_directory(root, (4, 4), seed=3, verbose=False)
    np.testing.assert_array_equal(next(a)[0], next(b)[0])
    with pytest.raises(ValueError, match="class_mode must be one of"):
        gen.flow_from_directory(root, class_mode="multi")
    with pytest.raises(ValueError, match="have no folder"):
        gen.flow_from_directory(root, classes=["cow"])
    with pytest.raises(ValueError, match="color_mode must be one of"):
        gen.flow_from_directory(root, color_mode="cmyk")


def test_flow_from_directory_color_modes_and_nearest_resize(tmp_path):
    root = _tree(tmp_path)
    gray = ImageDataGenerator().flow_from_directory(root, (3, 4), color_mode="grayscale", verbose=False)
    assert gray.image_shape == (3, 4, 1) and next(gray)[0].shape[1:] == (3, 4, 1)
    rgba = ImageDataGenerator().flow_from_directory(root, (3, 4), color_mode="rgba", verbose=False)
    assert next(rgba)[0].shape[1:] == (3, 4, 4)


def test_resize_like_tf_bilinear():
    x = np.arange(4, dtype=np.float32).reshape(1, 4, 1) * 10  # one row: 0 10 20 30
    up = resize_like_tf(x, (1, 8))[0, :, 0]
    # half-pixel centres: output j samples (j + 0.5) / 2 - 0.5, clamped to [0, 3]
    np.testing.assert_allclose(up, [0, 2.5, 7.5, 12.5, 17.5, 22.5, 27.5, 30])
    down = resize_like_tf(x, (1, 2))[0, :, 0]
    np.testing.assert_allclose(down, [5, 25])  # samples 0.5 and 2.5, no antialiasing
    np.testing.assert_array_equal(resize_like_tf(x, (1, 2), "nearest")[0, :, 0], [10, 30])


def test_image_dataset_from_directory_split_labels_and_passes(tmp_path, capsys):
    root = _tree(tmp_path, counts=(4, 6))
    train, val = image_dataset_from_directory(root, image_size=(3, 5), batch_size=4, validation_split=0.3,
                                              subset="both", seed=5, label_mode="categorical")
    out = capsys.readouterr().out.splitlines()
    assert out == ["Found 10 files belonging to 2 classes.", "Using 7 files for training.",
                   "Using 3 files for validation."]
    assert train.class_names == ["cat", "dog"] and len(train) == 2 and len(val) == 1
    assert not set(train.file_paths) & set(val.file_paths)
    first, second = [b[1].argmax(1).tolist() for b in train], [b[1].argmax(1).tolist() for b in train]
    assert sorted(sum(first, [])) == sorted(sum(second, []))  # every file once per pass
    images, labels = next(iter(val))
    assert images.shape == (3, 3, 5, 3) and images.dtype == np.float32 and labels.shape == (3, 2)
    # each image is its file's constant value, and the label follows the file
    for image, label, path in zip(images, labels, val.file_paths):
        assert (image[0, 0, 0] >= 100) == bool(label[1])
    plain = image_dataset_from_directory(root, image_size=(3, 5), batch_size=None, shuffle=False, verbose=False,
                                         label_mode="binary")
    (images, labels), = list(plain)
    assert images.shape == (10, 3, 5, 3) and labels.shape == (10, 1) and labels.ravel().tolist() == [0] * 4 + [1] * 6
    assert len(plain.take(1)) == 1 and plain.cache().prefetch(2) is plain
    with pytest.raises(NotImplementedError, match="unbatch"):
        plain.unbatch()
    assert not hasattr(plain, "shape")
    mapped = plain.map(lambda x, y: (x / 255.0, y))
    np.testing.assert_allclose(next(iter(mapped))[0], images / 255.0)


def test_image_dataset_from_directory_argument_errors(tmp_path):
    root = _tree(tmp_path)
    with pytest.raises(ValueError, match="must provide a `seed`"):
        image_dataset_from_directory(root, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="`validation_split` must be set"):
        image_dataset_from_directory(root, subset="training", seed=1)
    with pytest.raises(ValueError, match="label_mode must be one of"):
        image_dataset_from_directory(root, label_mode="sparse")
    (root / "bird").mkdir()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(root / "bird" / "0.png")
    with pytest.raises(ValueError, match="exactly 2 class_names"):
        image_dataset_from_directory(root, label_mode="binary", verbose=False)
    with pytest.raises(ValueError, match="Only one of"):
        image_dataset_from_directory(root, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)


def test_fit_evaluate_predict_take_the_dataset(tmp_path):
    from minicnn.keras import layers, models

    root = _tree(tmp_path, counts=(4, 4))
    train, val = image_dataset_from_directory(root, image_size=(6, 6), batch_size=3, validation_split=0.25,
                                              subset="both", seed=1, verbose=False)
    minicnn.set_seed(0)
    model = models.Sequential([layers.Input((6, 6, 3)), layers.RandomFlip("horizontal"), layers.Conv2D(2, 3),
                               layers.Flatten(), layers.Dense(2, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, epochs=3, validation_data=val, verbose=0)  # 3 passes over a 2-batch dataset
    assert len(history.history["loss"]) == 3 and len(history.history["val_accuracy"]) == 3
    assert len(model.evaluate(val, verbose=0)) == 2 and model.predict(val, verbose=0).shape == (2, 2)


def test_cifar_jpeg_tree_through_flow_from_directory_and_the_dataset(tmp_path):
    names = {f"train/{c}/{i:04d}.jpg" for c in ("cat", "dog") for i in range(16)}
    with tarfile.open(cifar_jpeg_tarball(), "r:gz") as tar:  # read the stream only as far as needed
        members = []
        for member in tar:
            members += [member] if member.name in names else []
            if len(members) == len(names):
                break
        tar.extractall(tmp_path, members=members, filter="data")
    root = tmp_path / "train"
    gen = ImageDataGenerator(rescale=1 / 255, rotation_range=15, zoom_range=0.1, horizontal_flip=True)
    it = gen.flow_from_directory(root, target_size=(32, 32), class_mode="binary", batch_size=8, seed=0,
                                 verbose=False)
    assert it.class_indices == {"cat": 0, "dog": 1} and it.samples == 32
    xb, yb = next(it)
    assert xb.shape == (8, 32, 32, 3) and 0 <= xb.min() and xb.max() <= 1 and set(yb.tolist()) <= {0.0, 1.0}
    ds = image_dataset_from_directory(root, image_size=(32, 32), batch_size=8, seed=0, verbose=False)
    images, labels = next(iter(ds))
    assert images.shape == (8, 32, 32, 3) and labels.dtype == np.int32
    reference = np.asarray(Image.open(ds.file_paths[0]).convert("RGB"), dtype=np.float32)
    np.testing.assert_array_equal(ds.load(ds.file_paths[0]), reference)  # same size: no resampling


def test_keras_lesson_flow_from_directory_with_validation_generator(tmp_path, capsys):
    from minicnn.keras import layers, models
    from minicnn.keras.preprocessing.image import ImageDataGenerator as KerasGenerator

    root = _tree(tmp_path, counts=(6, 6))
    train_datagen = KerasGenerator(rescale=1.0 / 255, rotation_range=40, width_shift_range=0.2,
                                   height_shift_range=0.2, shear_range=0.2, zoom_range=0.2, horizontal_flip=True,
                                   fill_mode="nearest", validation_split=0.25)
    train = train_datagen.flow_from_directory(root, target_size=(8, 8), batch_size=3, class_mode="categorical",
                                              subset="training")
    val = train_datagen.flow_from_directory(root, target_size=(8, 8), batch_size=3, class_mode="categorical",
                                            subset="validation")
    assert (train.samples, val.samples) == (10, 2)
    minicnn.set_seed(0)
    model = models.Sequential([layers.Input((8, 8, 3)), layers.Conv2D(2, 3, activation="relu"), layers.Flatten(),
                               layers.Dense(2, activation="softmax")])
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train, steps_per_epoch=train.samples // 3, epochs=2, validation_data=val,
                        validation_steps=1, verbose=0)
    assert len(history.history["val_loss"]) == 2
