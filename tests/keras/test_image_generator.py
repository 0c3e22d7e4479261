"""minicnn.keras.preprocessing.image: Keras's draw rules and names (no TensorFlow needed)."""
import numpy as np
import pytest
from PIL import Image

from minicnn.keras.preprocessing import image
from minicnn.keras.preprocessing.image import ImageDataGenerator


def test_shift_draws_follow_keras_including_its_axis_quirk():
    gen = ImageDataGenerator(height_shift_range=3, width_shift_range=0.25)
    p = gen.get_random_transform_batch((8, 20, 1), 5000, np.random.default_rng(0))
    # an int range r draws from -(r-1)..r-1; Keras pairs it with tx, which moves columns
    assert sorted(set(p["tx"].tolist())) == [-2, -1, 0, 1, 2]
    # a float below 1 is a fraction of the width for ty (which moves rows, Keras's quirk)
    assert np.abs(p["ty"]).max() <= 0.25 * 20 and np.abs(p["ty"]).max() > 4.9
    listed = ImageDataGenerator(width_shift_range=[-4, 4]).get_random_transform_batch((5, 5, 1), 2000)
    assert set(listed["ty"].tolist()) == {-4.0, 4.0}
    big = ImageDataGenerator(height_shift_range=2.5).get_random_transform_batch((5, 5, 1), 2000)
    assert np.abs(big["tx"]).max() <= 2.5 and not np.all(big["tx"] == np.round(big["tx"]))
    x = np.arange(5 * 6, dtype=np.float32).reshape(5, 6, 1)
    moved = gen.apply_transform(x, {"tx": 2})  # Keras's tx: content moves 2 columns left
    np.testing.assert_array_equal(moved[:, :4], x[:, 2:])


def test_keras_signature_and_refusals():
    gen = ImageDataGenerator(False, False, False, False, False, 1e-6, 10)  # positional, Keras's order
    assert gen.rotation_range == 10
    with pytest.raises(NotImplementedError, match="channels_last"):
        ImageDataGenerator(data_format="channels_first")
    with pytest.raises(NotImplementedError, match="flow_from_directory"):
        gen.flow_from_dataframe(None)
    with pytest.raises(NotImplementedError, match="save_to_dir"):
        gen.flow(np.zeros((2, 3, 3, 1)), save_to_dir="out")
    with pytest.raises(ValueError, match="width_shift_range"):
        ImageDataGenerator(width_shift_range=-0.1)


def test_load_img_and_img_to_array(tmp_path):
    Image.fromarray(np.full((6, 4, 3), 9, np.uint8)).save(tmp_path / "a.png")
    img = image.load_img(tmp_path / "a.png", target_size=(3, 2))
    array = image.img_to_array(img)
    assert array.shape == (3, 2, 3) and array.dtype == np.float32 and np.all(array == 9)
    gray = image.img_to_array(image.load_img(tmp_path / "a.png", color_mode="grayscale"))
    assert gray.shape == (6, 4, 1)
