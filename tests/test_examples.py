"""Every example lesson runs end to end in its --smoke mode (a few dozen images, one epoch) and
writes its pictures. The examples run in this process (``main(argv)``), which spares an
interpreter start and the imports per example. CIFAR-based ones skip, saying what
to get, without CIFAR-10 in the data directory (``tests/optional_data.py``)."""
import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from .optional_data import cifar10_dir, cifar_jpeg_tarball

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.fixture(scope="module")
def examples_path():
    sys.path.insert(0, str(EXAMPLES))
    yield
    sys.path.remove(str(EXAMPLES))


def load(name):
    return importlib.import_module(name)


def needs_cifar():
    cifar10_dir()


def assert_pictures(out, *names):
    for name in names:
        path = out / name
        assert path.is_file() and path.stat().st_size > 1000, f"{path} missing or empty"


def run_training_example(name, tmp_path, *extra):
    load(name).main(["--smoke", "--out", str(tmp_path), *extra])
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["mode"] == "smoke" and results["epochs_run"] == 1
    assert 0.0 <= results["test_accuracy"] <= 1.0 and results["seconds_per_epoch"] > 0
    assert len(json.loads((tmp_path / "history.json").read_text())) == 1
    assert_pictures(tmp_path, "learning_curves.png", "predictions.png", "confusion_matrix.png")
    return results


def test_mnist_cnn(examples_path, tmp_path, capsys):
    run_training_example("mnist_cnn", tmp_path)
    assert_pictures(tmp_path, "samples.png")
    assert "RESULT mnist_cnn [smoke]: test accuracy" in capsys.readouterr().out


def test_cifar10_small(examples_path, tmp_path):
    needs_cifar()
    results = run_training_example("cifar10_small", tmp_path)
    assert results["params"] == 122570 and results["test_images"] == 64
    assert_pictures(tmp_path, "samples.png")


def test_cifar10_bn_augmented(examples_path, tmp_path):
    needs_cifar()
    assert run_training_example("cifar10_bn", tmp_path, "--augment")["augment"] is True
    assert_pictures(tmp_path, "samples.png")


def test_cifar10_deep(examples_path, tmp_path):
    needs_cifar()
    run_training_example("cifar10_deep", tmp_path)
    assert_pictures(tmp_path, "augmented.png")


def test_sharpened_cifar_compares_with_plain(examples_path, tmp_path):
    needs_cifar()
    results = run_training_example("sharpened_cifar", tmp_path)
    assert 0.0 <= results["plain_test_accuracy"] <= 1.0
    assert_pictures(tmp_path, "plain_vs_sharpened.png")


def test_sharpen_images_matches_one_by_one(examples_path):
    import numpy as np
    from minicnn import filters
    x = np.random.default_rng(0).integers(0, 256, size=(3, 8, 9, 3), dtype=np.uint8)
    batched = load("sharpened_cifar").sharpen_images(x)
    for k in range(3):
        np.testing.assert_allclose(batched[k], np.clip(filters.sharpen(x[k] / 255.0), 0, 1), atol=1e-6)


def test_image_folder_on_a_given_folder(examples_path, tmp_path):
    """A user's folder (here synthetic shapes of several sizes), resized with padding, split 80/20."""
    module = load("image_folder")
    folder = module.synthetic_folder(tmp_path / "photos", per_class=10)
    results = run_training_example("image_folder", tmp_path / "out", str(folder))
    assert results["train_images"] == 16 and results["test_images"] == 4
    assert_pictures(tmp_path / "out", "samples.png", "feature_maps.png")


def test_image_folder_demo(examples_path, tmp_path):
    module = load("image_folder")
    if module.find_tarball() is None:
        cifar_jpeg_tarball()  # skips, saying where it looked and what the file is
    results = run_training_example("image_folder", tmp_path)
    assert results["data"].startswith("cat vs dog") and results["train_images"] == 64
    assert_pictures(tmp_path, "feature_maps.png")


def test_image_kernels(examples_path, tmp_path, capsys):
    load("image_kernels").main(["--out", str(tmp_path)])
    assert_pictures(tmp_path, "filters.png")
    assert "Sobel x (convolution form) kernel" in capsys.readouterr().out


def test_image_kernels_on_a_file(examples_path, tmp_path):
    from PIL import Image
    module = load("image_kernels")
    photo = tmp_path / "photo.png"
    Image.fromarray((module.test_pattern(300) * 255).astype("uint8")).save(photo)
    module.main([str(photo), "--out", str(tmp_path)])
    assert_pictures(tmp_path, "filters.png")


def test_bad_sizes_are_rejected(examples_path, tmp_path, capsys):
    with pytest.raises(SystemExit):
        load("mnist_cnn").main(["--epochs", "0", "--out", str(tmp_path)])
    assert "--epochs must be a positive integer, got 0" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["mnist", "cifar_small", "cifar_bn", "cifar_deep", "image_folder"])
def test_keras_reference_builds_the_examples_models(examples_path, name):
    """The Keras reference trains the same model as the minicnn example: same layer output shapes and
    the same parameter count per layer."""
    pytest.importorskip("tensorflow", reason="the Keras reference needs the optional extra 'bench'")
    import keras
    from minicnn import architectures
    reference = load("keras_reference")
    ours = {"mnist": architectures.mnist, "cifar_small": architectures.cifar_small,
            "cifar_bn": architectures.cifar_bn, "cifar_deep": load("cifar10_deep").deep_model,
            "image_folder": load("image_folder").alexnet_style}[name]()
    theirs = reference.build(name, keras)
    ours_layers = [(tuple(layer.output_shape), layer.count_params()) for layer in ours.layers]
    theirs_layers = [(tuple(layer.output.shape[1:]), layer.count_params()) for layer in theirs.layers]
    assert ours_layers == theirs_layers


def test_resnet_cifar10(examples_path, tmp_path):
    needs_cifar()
    results = run_training_example("resnet_cifar10", tmp_path)
    assert results["test_images"] == 32 and results["params"] == load("resnet_cifar10").build_resnet().count_params()
    assert_pictures(tmp_path, "samples.png", "model.png", "feature_maps.png")


def test_keras_reference_builds_the_resnet_graph(examples_path):
    """The Keras twin of resnet_cifar10.py: the same layers (type, output shape, parameters) and the
    same connections (each layer's inputs, by layer type)."""
    pytest.importorskip("tensorflow", reason="the Keras reference needs the optional extra 'bench'")
    import keras
    ours = load("resnet_cifar10").build_resnet()
    theirs = load("keras_reference").build("resnet", keras)
    assert ours.count_params() == theirs.count_params()
    mine = sorted((type(l).__name__, tuple(l.output_shape), l.count_params()) for l in ours.layers)
    keras_layers = [l for l in theirs.layers if type(l).__name__ != "InputLayer"]
    assert mine == sorted((type(l).__name__, tuple(l.output.shape[1:]), l.count_params()) for l in keras_layers)


def test_keras_reference_sharpened_data_is_the_examples(examples_path):
    """`keras_reference.py cifar_bn --sharpen` trains on the very images sharpened_cifar.py uses."""
    needs_cifar()
    from minicnn import filters
    reference = load("keras_reference")
    (x_train, y_train), (x_test, _) = reference.load("cifar_bn", 16, 8, 0, sharpen=True)
    (x_plain, y_plain), (x_plain_test, _) = reference.load("cifar_bn", 16, 8, 0)
    assert x_train.dtype == np.float32 and np.array_equal(y_train, y_plain)
    for sharp, plain in ((x_train[3], x_plain[3]), (x_test[5], x_plain_test[5])):
        np.testing.assert_allclose(sharp, np.clip(filters.sharpen(plain), 0.0, 1.0), atol=1e-6)
        assert not np.allclose(sharp, plain)
    with pytest.raises(SystemExit, match="--sharpen is for the CIFAR-10 models, not mnist"):
        reference.load("mnist", 16, 8, 0, sharpen=True)


def test_keras_reference_augmented_epoch_is_one_pass_of_the_flow(examples_path):
    """With --augment, Keras is given one pass of the example's flow per epoch: every image once,
    the same augmented batches in the same order as the flow would yield them."""
    reference = load("keras_reference")
    x = np.random.default_rng(1).random((10, 6, 6, 3), dtype=np.float32)
    y = np.arange(10)
    flow = reference.augmentation().flow(x, y, batch_size=4, seed=3)
    twin = reference.augmentation().flow(x, y, batch_size=4, seed=3)
    for _ in range(2):  # two epochs: the second pass continues the flow
        x_epoch, y_epoch = reference.one_pass(flow)
        batches = [next(twin) for _ in range(3)]
        assert sorted(y_epoch) == list(range(10))
        np.testing.assert_array_equal(x_epoch, np.concatenate([b[0] for b in batches]))
        np.testing.assert_array_equal(y_epoch, np.concatenate([b[1] for b in batches]))
        assert not np.array_equal(x_epoch, x[y_epoch])  # augmented, not the originals


def test_cifar10_speedrun(examples_path, capsys):
    needs_cifar()
    result = load("cifar10_speedrun").main(["--smoke", "--seed", "1"])
    printed = capsys.readouterr().out
    assert "RESULT cifar10_speedrun" in printed and "epoch_seconds" in printed
    assert 0.0 <= result["test_accuracy"] <= 1.0 and 0.0 <= result["tta_test_accuracy"] <= 1.0
    assert result["train_seconds"] > 0 and result["peak_memory_mb"] > 0 and result["steps"] == 4


def test_airbench94_torch_port_smoke(capsys):
    needs_cifar()
    pytest.importorskip("torch")
    sys.path.insert(0, str(EXAMPLES.parent / "benchmarks"))
    try:
        result = importlib.import_module("airbench94_torch").main(["--smoke"])
    finally:
        sys.path.remove(str(EXAMPLES.parent / "benchmarks"))
    assert "RESULT airbench94_torch" in capsys.readouterr().out
    assert 0.0 <= result["tta_test_accuracy"] <= 1.0 and result["train_seconds"] > 0


def test_cifar10_speedrun_network_gradients(examples_path):
    """The recipe's whole network (whitening conv with its kernel frozen, Dirac convs without bias,
    BatchNormalization(scale=False), GELU, pools, the 1/9 head) and its smoothed loss, by finite
    differences in float64 (a narrow copy; the loss as the example compiles it)."""
    import minicnn
    from minicnn.gradcheck import check_model
    speedrun = load("cifar10_speedrun")
    minicnn.set_seed(0)
    model = speedrun.make_net((4, 6, 6))
    model.compile(minicnn.optimizers.SGD(0.1),
                  minicnn.losses.SparseCategoricalCrossentropy(from_logits=True, label_smoothing=0.2))
    model.build()
    model.layers[0].freeze("kernel")
    rng = np.random.default_rng(0)
    report = check_model(model, rng.standard_normal((3, 32, 32, 3)), np.array([1, 4, 7]), max_coords=12)
    assert report.passed, report
