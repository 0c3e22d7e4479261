"""Keras's file formats written and read by minicnn (minicnn/keras_format.py), without TensorFlow.

Files written by real Keras are tested in tests/keras/test_keras_files.py; here, files minicnn
writes are checked against Keras's layout, and read back both through minicnn's embedded save and,
with it removed, through the Keras layout alone (the path a file written by Keras takes)."""
import json
import sys
import zipfile

import numpy as np
import pytest

h5py = pytest.importorskip("h5py", reason="Keras files need h5py: pip install minicnn[keras-files]")

import minicnn  # noqa: E402
from minicnn import keras_format  # noqa: E402
from minicnn.keras import Input, layers, models  # noqa: E402


def every_layer_model():
    minicnn.set_seed(0)
    model = models.Sequential([
        Input((8, 8, 1)), layers.Conv2D(3, 3, activation="relu", padding="same"), layers.BatchNormalization(),
        layers.MaxPooling2D(), layers.Conv2D(2, 2, use_bias=False), layers.AveragePooling2D(1),
        layers.Dropout(0.2), layers.Activation("relu"), layers.ReLU(), layers.Flatten(), layers.Dense(4),
        layers.Dense(3), layers.Softmax()])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(1)
    x = rng.random((12, 8, 8, 1), dtype=np.float32)
    model.fit(x, rng.integers(0, 3, 12), epochs=1, batch_size=4, verbose=0)  # moves BatchNorm's statistics
    return model, x


def pooled_model():
    return models.Sequential([Input((6, 6, 2)), layers.Conv2D(2, 3), layers.GlobalAveragePooling2D(),
                              layers.Dense(2, activation="softmax")])


def strip_zip_member(path, member):
    with zipfile.ZipFile(path) as z:
        items = {name: z.read(name) for name in z.namelist() if name != member}
    with zipfile.ZipFile(path, "w") as z:
        for name, blob in items.items():
            z.writestr(name, blob)


def strip_dataset(path):
    with h5py.File(path, "a") as f:
        del f[keras_format.MINICNN_DATASET]


def same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights()))


def test_snake_case_and_weight_keys_are_keras_names():
    assert [keras_format.snake_case(n) for n in ("Conv2D", "MaxPooling2D", "ReLU", "GlobalAveragePooling2D",
                                                 "BatchNormalization")] == \
        ["conv2d", "max_pooling2d", "re_lu", "global_average_pooling2d", "batch_normalization"]
    assert keras_format.weight_keys(["Dense", "Conv2D", "Dense", "Dense"]) == ["dense", "conv2d", "dense_1", "dense_2"]


def test_dot_keras_is_keras3_zip_layout(tmp_path):
    model, _ = every_layer_model()
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["config.json", "metadata.json", "minicnn.npz", "model.weights.h5"]
        config = json.loads(z.read("config.json"))
        assert json.loads(z.read("metadata.json"))["keras_version"].startswith("3.")
        z.extract("model.weights.h5", tmp_path)
    assert config["class_name"] == "Sequential" and config["module"] == "keras"
    specs = config["config"]["layers"]
    assert specs[0]["class_name"] == "InputLayer" and specs[0]["config"]["batch_shape"] == [None, 8, 8, 1]
    assert [s["class_name"] for s in specs[1:]] == [type(l).__name__ for l in model.layers]
    assert specs[1]["config"]["filters"] == 3 and specs[1]["config"]["padding"] == "same"
    with h5py.File(tmp_path / "model.weights.h5") as h5:
        conv = model.layers[0]
        np.testing.assert_array_equal(h5["layers/conv2d/vars/0"], conv.params["kernel"])
        np.testing.assert_array_equal(h5["layers/conv2d/vars/1"], conv.params["bias"])
        assert len(h5["layers/conv2d_1/vars"]) == 1  # use_bias=False: the kernel only
        bn = model.layers[1]
        np.testing.assert_array_equal(h5["layers/batch_normalization/vars/3"], bn.state["moving_variance"])
        assert h5["layers/dense_1/vars"].attrs["name"] == model.layers[10].name
        assert len(h5["layers/max_pooling2d/vars"]) == 0 and h5["vars"].attrs["name"] == model.name
        opt = h5["optimizer/vars"]  # Keras's order: iterations, learning_rate, then m, v per trainable weight
        assert int(opt["0"][()]) == 3 and float(opt["1"][()]) == np.float32(0.001)
        kernel_key = f"{conv.name}/kernel"
        np.testing.assert_array_equal(opt["2"], model.optimizer.slots[kernel_key]["m"])
        np.testing.assert_array_equal(opt["3"], model.optimizer.slots[kernel_key]["v"])
        assert len(opt) == 2 + 2 * len(model.parameters())
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert config["compile_config"]["loss"] == "sparse_categorical_crossentropy"
    assert config["compile_config"]["metrics"] == ["accuracy"]


def test_dot_keras_round_trip_resumes_exactly_through_the_embedded_save(tmp_path):
    model, x = every_layer_model()
    model.metadata["class_names"] = ["a", "b", "c"]
    model.save(tmp_path / "m.keras")
    loaded = models.load_model(tmp_path / "m.keras")
    assert same_weights(model, loaded) and loaded.metadata["class_names"] == ["a", "b", "c"]
    assert loaded.optimizer.iterations == model.optimizer.iterations == 3
    y = np.arange(12) % 3
    model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=4, verbose=0)
    assert same_weights(model, loaded)  # same shuffling, dropout masks and Adam state


@pytest.mark.parametrize("name", ["m.keras", "m.h5"])
def test_the_keras_layout_alone_gives_the_same_model(tmp_path, name):
    model, x = every_layer_model()
    path = tmp_path / name
    model.save(path)
    if name.endswith(".keras"):
        strip_zip_member(path, keras_format.MINICNN_MEMBER)
    else:
        strip_dataset(path)
    loaded = minicnn.load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == [type(l).__name__ for l in model.layers]
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert same_weights(model, loaded)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.optimizer.get_config() == model.optimizer.get_config() and loaded.metrics_names == ["loss",
                                                                                                      "accuracy"]
    if name.endswith(".keras"):  # the optimizer's variables too (legacy .h5 files have none)
        assert loaded.optimizer.iterations == 3
        assert all(np.array_equal(loaded.optimizer.slots[k][n], v) for k, slots in model.optimizer.slots.items()
                   for n, v in slots.items())


def test_legacy_h5_layout(tmp_path):
    model, _ = every_layer_model()
    model.save(tmp_path / "m.h5")
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "m.h5") as h5:
        assert json.loads(h5.attrs["model_config"])["class_name"] == "Sequential"
        group = h5["model_weights"]
        assert [n.decode() for n in group.attrs["layer_names"]] == [l.name for l in model.layers]
        conv = model.layers[0].name
        assert [n.decode() for n in group[conv].attrs["weight_names"]] == [f"{conv}/kernel:0", f"{conv}/bias:0"]
        np.testing.assert_array_equal(group[conv][f"{conv}/kernel:0"], model.layers[0].params["kernel"])
    with h5py.File(tmp_path / "w.h5") as h5:  # Keras 2's save_weights: the same group at the root
        assert "model_config" not in h5.attrs and "layer_names" in h5.attrs


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5"])
def test_save_weights_in_keras_files_loads_back_with_or_without_the_embedded_save(tmp_path, name):
    model, x = every_layer_model()
    model.save_weights(tmp_path / name)
    with h5py.File(tmp_path / name) as h5:
        assert ("layers" in h5) == name.endswith(".weights.h5")
    for strip in (False, True):
        if strip:
            strip_dataset(tmp_path / name)
        fresh, _ = every_layer_model()
        fresh.set_weights([np.zeros_like(w) for w in fresh.get_weights()])
        fresh.load_weights(tmp_path / name)
        assert same_weights(model, fresh)
        with pytest.raises(ValueError, match="architecture mismatch"):
            pooled_model().load_weights(tmp_path / name)
    with pytest.raises(ValueError, match="weights only"):
        minicnn.load_model(tmp_path / name)


def test_minicnn_npz_files_named_like_keras_files_still_load(tmp_path):
    from minicnn import saving
    model, x = every_layer_model()
    saving.save_weights(model, tmp_path / "old.npz")
    (tmp_path / "old.npz").rename(tmp_path / "old.h5")  # what save_weights("old.h5") wrote before
    saving.save_model(model, tmp_path / "old2.npz")
    (tmp_path / "old2.npz").rename(tmp_path / "old.keras")
    fresh, _ = every_layer_model()
    fresh.set_weights([np.zeros_like(w) for w in fresh.get_weights()])
    fresh.load_weights(tmp_path / "old.h5")
    assert same_weights(model, fresh) and same_weights(model, minicnn.load_model(tmp_path / "old.keras"))


def edit_config(path, edit):
    with zipfile.ZipFile(path) as z:
        items = {name: z.read(name) for name in z.namelist() if name != keras_format.MINICNN_MEMBER}
    config = json.loads(items["config.json"])
    edit(config)
    items["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as z:
        for name, blob in items.items():
            z.writestr(name, blob)


def test_unsupported_layers_and_graphs_are_refused_clearly(tmp_path):
    path = tmp_path / "m.keras"
    pooled_model().save(path)

    def lstm(config):
        config["config"]["layers"][2] = {"module": "keras.layers", "class_name": "LSTM",
                                         "config": {"name": "lstm", "units": 4}}
    edit_config(path, lstm)
    with pytest.raises(ValueError, match=r"'lstm' is a Keras LSTM, which minicnn does not implement; "
                                         r"minicnn reads .*Conv2D"):
        minicnn.load_model(path)
    pooled_model().save(path)
    edit_config(path, lambda config: config.update(class_name="MyModel"))
    with pytest.raises(ValueError, match="Sequential models and functional chains, not 'MyModel'"):
        minicnn.load_model(path)


KERAS2_FUNCTIONAL = {  # tf.keras 2.x model.to_json() of a functional chain, Keras 2's config style
    "class_name": "Functional", "keras_version": "2.13.1", "backend": "tensorflow",
    "config": {"name": "model", "layers": [
        {"class_name": "InputLayer", "name": "input_1", "inbound_nodes": [],
         "config": {"batch_input_shape": [None, 6, 6, 2], "dtype": "float32", "name": "input_1"}},
        {"class_name": "Conv2D", "name": "conv2d", "inbound_nodes": [[["input_1", 0, 0, {}]]],
         "config": {"name": "conv2d", "trainable": True, "filters": 2, "kernel_size": [3, 3], "strides": [1, 1],
                    "padding": "valid", "activation": "relu", "use_bias": True,
                    "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}}},
        {"class_name": "GlobalMaxPooling2D", "name": "gmp", "inbound_nodes": [[["conv2d", 0, 0, {}]]],
         "config": {"name": "gmp", "data_format": "channels_last"}},
        {"class_name": "Dense", "name": "dense", "inbound_nodes": [[["gmp", 0, 0, {}]]],
         "config": {"name": "dense", "units": 3, "activation": "softmax", "use_bias": True}}],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense", 0, 0]]}}


def test_keras2_style_functional_json_and_branch_refusal():
    model = models.model_from_json(json.dumps(KERAS2_FUNCTIONAL))
    assert [type(l).__name__ for l in model.layers] == ["Conv2D", "GlobalMaxPooling2D", "Dense"]
    assert model.input_shape == (6, 6, 2) and model.predict(np.ones((2, 6, 6, 2), np.float32)).shape == (2, 3)
    branched = json.loads(json.dumps(KERAS2_FUNCTIONAL))
    branched["config"]["layers"][3]["inbound_nodes"] = [[["conv2d", 0, 0, {}]]]
    with pytest.raises(ValueError, match="takes \\['conv2d'\\], not the previous layer \\['gmp'\\]: minicnn reads "
                                         "chains"):
        models.model_from_json(json.dumps(branched))


def test_minicnn_json_round_trip_still_works():
    model = pooled_model()
    again = models.model_from_json(model.to_json())
    assert again.get_config() == model.get_config()


def test_missing_h5py_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(ImportError, match=r"pip install minicnn\[keras-files\]"):
        pooled_model().save(tmp_path / "m.keras")
    pooled_model().save(tmp_path / "m.npz")  # minicnn's own format needs no h5py


def write_keras2_h5(path, model):
    """A model file laid out as tf.keras 2.13's ``model.save("m.h5")`` writes it (Keras 2 configs,
    ``Custom>Adam`` with ``decay``, nested metrics, ``reduction: auto``), from ``model``'s weights."""
    layers_config = [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, *model.input_shape],
                                                             "dtype": "float32", "sparse": False,
                                                             "ragged": False, "name": "conv2d_input"}}]
    for layer in model.layers:
        config = {"name": layer.name, "trainable": True, "dtype": "float32"}
        config.update({k: v for k, v in layer.get_config().items()
                       if k in ("filters", "kernel_size", "strides", "padding", "units", "use_bias", "pool_size",
                                "momentum", "epsilon", "rate", "activation")})
        if "activation" in config and config["activation"] is None:
            config["activation"] = "linear"
        config["kernel_initializer"] = {"class_name": "GlorotUniform", "config": {"seed": None}}
        layers_config.append({"class_name": type(layer).__name__, "config": config})
    model_config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": layers_config}}
    training_config = {
        "loss": {"class_name": "SparseCategoricalCrossentropy",
                 "config": {"reduction": "auto", "name": "sparse_categorical_crossentropy", "from_logits": False}},
        "metrics": [[{"class_name": "MeanMetricWrapper", "config": {"name": "accuracy", "dtype": "float32"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {
            "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
            "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": False,
            "is_legacy_optimizer": False, "learning_rate": 0.0005, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": False, "decay": 0.0}}}
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["model_config"] = json.dumps(model_config)
        f.attrs["training_config"] = json.dumps(training_config)
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = np.array([l.name.encode() for l in model.layers])
        for layer in model.layers:
            names = [f"{layer.name}/{k}:0" for k in list(layer.params) + list(layer.state)]
            group = weights.create_group(layer.name)
            group.attrs["weight_names"] = np.array([n.encode() for n in names]) if names else np.array([])
            for name, value in zip(names, layer.get_weights()):
                group.create_dataset(name, data=value)


def test_reads_a_tf_keras_2_h5_file_with_its_compile_settings(tmp_path):
    model, x = every_layer_model()
    write_keras2_h5(tmp_path / "keras2.h5", model)
    loaded = minicnn.load_model(tmp_path / "keras2.h5")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert type(loaded.optimizer).__name__ == "Adam" and loaded.optimizer.learning_rate == 0.0005
    assert loaded.metrics_names == ["loss", "accuracy"] and loaded.loss.get_config()["from_logits"] is False


def test_compile_settings_minicnn_lacks_give_a_warning_and_an_uncompiled_model(tmp_path):
    model, x = every_layer_model()
    write_keras2_h5(tmp_path / "keras2.h5", model)
    with h5py.File(tmp_path / "keras2.h5", "a") as f:
        training = json.loads(f.attrs["training_config"])
        training["optimizer_config"] = {"class_name": "Custom>Ftrl", "config": {"learning_rate": 0.001}}
        f.attrs["training_config"] = json.dumps(training)
    with pytest.warns(UserWarning, match="returned uncompiled.*Ftrl"):
        loaded = minicnn.load_model(tmp_path / "keras2.h5")
    assert loaded.optimizer is None
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
