import tarfile
import warnings

import numpy as np
import pytest
from PIL import Image

from minicnn.data.image_folder import load_image_folder

from ..optional_data import cifar_jpeg_tarball



def _save(path, array, mode=None, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.fromarray(np.asarray(array, dtype=np.uint8), mode) if mode != "P" else array
    image.save(path, **kwargs)
    return path


def _rgb(h, w, value):
    return np.full((h, w, 3), value, dtype=np.uint8)


def test_same_size_tree_labels_order_and_pixels(tmp_path):
    _save(tmp_path / "b_dogs" / "2.png", _rgb(4, 6, 20))
    _save(tmp_path / "b_dogs" / "1.png", _rgb(4, 6, 10))
    _save(tmp_path / "a_cats" / "x.png", _rgb(4, 6, 30))
    _save(tmp_path / "a_cats" / "nested" / "y.png", _rgb(4, 6, 40))
    x, y, class_names = load_image_folder(tmp_path)
    assert class_names == ["a_cats", "b_dogs"]
    assert x.shape == (4, 4, 6, 3) and x.dtype == np.uint8
    assert y.dtype == np.int64 and y.tolist() == [0, 0, 1, 1]
    # files sorted by relative path: nested/y.png < x.png; 1.png < 2.png
    assert x[:, 0, 0, 0].tolist() == [40, 30, 10, 20]


def test_color_modes_rgba_grayscale_and_palette(tmp_path):
    rgba = np.zeros((3, 3, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 0  # fully transparent red: alpha dropped, like Keras
    _save(tmp_path / "c" / "rgba.png", rgba, "RGBA")
    _save(tmp_path / "c" / "gray.png", np.full((3, 3), 77, np.uint8), "L")
    palette = Image.new("P", (3, 3), 1)
    palette.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    _save(tmp_path / "c" / "pal.png", palette, "P")
    x, y, _ = load_image_folder(tmp_path)
    assert x.shape == (3, 3, 3, 3)
    assert x[0, 0, 0].tolist() == [77, 77, 77]  # gray.png
    assert x[1, 0, 0].tolist() == [10, 20, 30]  # pal.png through its palette
    assert x[2, 0, 0].tolist() == [200, 0, 0]  # rgba.png
    gray, _, _ = load_image_folder(tmp_path, color_mode="grayscale")
    assert gray.shape == (3, 3, 3, 1)
    assert gray[0, 0, 0, 0] == 77
    assert gray[1, 0, 0, 0] == round(0.299 * 10 + 0.587 * 20 + 0.114 * 30)


def test_mixed_sizes_need_image_size_and_name_two_files(tmp_path):
    _save(tmp_path / "a" / "small.png", _rgb(4, 4, 1))
    _save(tmp_path / "a" / "wide.png", _rgb(4, 8, 1))
    with pytest.raises(ValueError, match=r"small\.png is 4x4 .* but .*wide\.png is 4x8"):
        load_image_folder(tmp_path)


def test_resize_stretch_and_pad(tmp_path):
    _save(tmp_path / "a" / "wide.png", _rgb(4, 8, 200))
    _save(tmp_path / "a" / "square.png", _rgb(6, 6, 100))
    x, _, _ = load_image_folder(tmp_path, image_size=(8, 8), resize="stretch")
    assert x.shape == (2, 8, 8, 3)
    assert np.all(x[1] == 200) and np.all(x[0] == 100)
    x, _, _ = load_image_folder(tmp_path, image_size=(8, 8), resize="pad")
    wide = x[1, :, :, 0]
    # 4x8 fits 8x8 as 4x8 centered vertically: 2 rows of zeros above and below
    assert np.all(wide[:2] == 0) and np.all(wide[6:] == 0) and np.all(wide[2:6] == 200)
    assert np.all(x[0] == 100)


def test_stray_text_file_is_skipped_and_counted(tmp_path):
    _save(tmp_path / "a" / "1.png", _rgb(2, 2, 5))
    (tmp_path / "a" / "README.txt").write_text("notes")
    (tmp_path / "a" / ".DS_Store").write_bytes(b"\x00junk")  # hidden: ignored silently
    _save(tmp_path / "a" / "no_extension", _rgb(2, 2, 9), format="PNG")  # identified: loaded
    with pytest.warns(UserWarning, match="skipped 1 non-image file"):
        x, y, names, skipped = load_image_folder(tmp_path, return_skipped=True)
    assert [p.name for p in skipped] == ["README.txt"]
    assert x[:, 0, 0, 0].tolist() == [5, 9]


def test_no_warning_when_nothing_skipped(tmp_path):
    _save(tmp_path / "a" / "1.png", _rgb(2, 2, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_image_folder(tmp_path)


def test_corrupt_jpeg_is_named(tmp_path):
    _save(tmp_path / "a" / "good.jpg", _rgb(8, 8, 50))
    good = (tmp_path / "a" / "good.jpg").read_bytes()
    (tmp_path / "a" / "broken.jpg").write_bytes(good[:len(good) // 3])
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "fake.jpg").write_text("not a jpeg")
    with pytest.raises(ValueError, match=r"broken\.jpg: cannot decode image"):
        load_image_folder(tmp_path / "a" / "..")
    (tmp_path / "a" / "broken.jpg").unlink()
    with pytest.raises(ValueError, match=r"fake\.jpg: not a readable image"):
        load_image_folder(tmp_path)


def test_empty_class_folder_is_an_error(tmp_path):
    _save(tmp_path / "a" / "1.png", _rgb(2, 2, 5))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"class folder .*empty contains no images"):
        load_image_folder(tmp_path)
    (tmp_path / "empty" / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match=r"empty contains no images"):
        load_image_folder(tmp_path)


def test_bad_roots(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_image_folder(tmp_path / "nope")
    with pytest.raises(ValueError, match="has no class sub-folders"):
        load_image_folder(tmp_path)
    (tmp_path / "loose.png").write_bytes(b"")
    with pytest.raises(ValueError, match="has no class sub-folders"):
        load_image_folder(tmp_path)


def test_argument_validation(tmp_path):
    _save(tmp_path / "a" / "1.png", _rgb(2, 2, 5))
    with pytest.raises(ValueError, match="resize must be one of"):
        load_image_folder(tmp_path, image_size=(2, 2), resize="crop")
    with pytest.raises(ValueError, match="color_mode must be one of"):
        load_image_folder(tmp_path, color_mode="cmyk")
    with pytest.raises(ValueError, match="image_size must be"):
        load_image_folder(tmp_path, image_size=(0, 3))


def test_part_of_real_cifar_jpeg_tree(tmp_path):
    wanted = {"train/cat/", "train/ship/"}
    with tarfile.open(cifar_jpeg_tarball(), "r:gz") as tar:
        members = []
        for member in tar:
            prefix = member.name.rsplit("/", 1)[0] + "/"
            if member.isfile() and prefix in wanted and sum(m.name.startswith(prefix) for m in members) < 10:
                members.append(member)
            if len(members) == 20:
                break
        tar.extractall(tmp_path, members=members, filter="data")
    x, y, class_names = load_image_folder(tmp_path / "train")
    assert class_names == ["cat", "ship"]
    assert x.shape == (20, 32, 32, 3) and x.dtype == np.uint8
    assert np.bincount(y).tolist() == [10, 10]
    reference = np.asarray(Image.open(tmp_path / "train" / "ship" / "0000.jpg").convert("RGB"))
    np.testing.assert_array_equal(x[10], reference)
    small, _, _ = load_image_folder(tmp_path / "train", image_size=(16, 16), color_mode="grayscale")
    assert small.shape == (20, 16, 16, 1)


def test_load_image_converts_one_file_like_the_folder_loader(tmp_path):
    from minicnn.data import load_image
    _save(tmp_path / "a" / "wide.png", _rgb(10, 20, 200))
    (x, _, _) = load_image_folder(tmp_path, image_size=(8, 8), resize="pad")
    single = load_image(tmp_path / "a" / "wide.png", image_size=(8, 8), resize="pad")
    np.testing.assert_array_equal(single, x[0])
    assert load_image(tmp_path / "a" / "wide.png", color_mode="grayscale").shape == (10, 20, 1)
    with pytest.raises(FileNotFoundError, match="no such image file"):
        load_image(tmp_path / "missing.png")
    (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(ValueError, match="bad.jpg: cannot decode image"):
        load_image(tmp_path / "bad.jpg")
