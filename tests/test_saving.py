"""minicnn.saving: one-file models, exact resume, weights with any suffix, refusal of bad files."""
import io
import json
import os
import zipfile

import numpy as np
import pytest

import minicnn
from minicnn import saving
from minicnn.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D


def small_model(compile=True, units=3, optimizer=None):
    model = minicnn.Sequential([
        Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)), BatchNormalization(), MaxPooling2D(2),
        Flatten(), Dropout(0.3), Dense(units, activation="softmax")])
    if compile:
        model.compile(optimizer or minicnn.optimizers.Adam(0.01), "sparse_categorical_crossentropy")
    return model


schedules = minicnn.optimizers.schedules
#: every optimizer, its common arguments and every schedule, for the exact-resume test
RESUME_OPTIMIZERS = {
    "adam": lambda: minicnn.optimizers.Adam(0.01),
    "adam_amsgrad_wd_clipnorm": lambda: minicnn.optimizers.Adam(0.01, amsgrad=True, weight_decay=0.1, clipnorm=1.0),
    "adamw_cosine_warmup": lambda: minicnn.optimizers.AdamW(
        schedules.CosineDecay(0.0, 12, warmup_target=0.01, warmup_steps=6)),
    "sgd_nesterov_piecewise": lambda: minicnn.optimizers.SGD(
        schedules.PiecewiseConstantDecay([7, 12], [0.1, 0.05, 0.01]), momentum=0.9, nesterov=True),
    "rmsprop_centered_exponential": lambda: minicnn.optimizers.RMSprop(
        schedules.ExponentialDecay(0.01, 5, 0.5, staircase=True), momentum=0.5, centered=True),
    "adagrad_inverse_time": lambda: minicnn.optimizers.Adagrad(schedules.InverseTimeDecay(0.1, 3, 0.5)),
    "adadelta_global_clipnorm": lambda: minicnn.optimizers.Adadelta(1.0, global_clipnorm=0.5),
    "adamax_polynomial": lambda: minicnn.optimizers.Adamax(schedules.PolynomialDecay(0.01, 15, power=2.0)),
    "nadam_keras2_decay_clipvalue": lambda: minicnn.optimizers.Nadam(0.01, decay=0.05, clipvalue=0.2),
    "sgd_restarts": lambda: minicnn.optimizers.SGD(schedules.CosineDecayRestarts(0.1, 4), weight_decay=0.01),
}


@pytest.fixture
def data():
    rng = np.random.default_rng(1)
    return rng.random((40, 8, 8, 1), dtype=np.float32), rng.integers(0, 3, 40)


def weights_equal(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    return len(wa) == len(wb) and all(np.array_equal(p, q) for p, q in zip(wa, wb))


def test_save_load_round_trip_is_bit_identical_and_keeps_the_path(tmp_path, data):
    x, y = data
    model = small_model()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "model.ckpt"
    model.save(path, metadata={"class_names": ["a", "b", "c"]})
    assert sorted(os.listdir(tmp_path)) == ["model.ckpt"]  # exact name, no ".npz" added, no temp left
    loaded = minicnn.load_model(path)
    assert weights_equal(model, loaded)
    assert np.array_equal(model.predict(x), loaded.predict(x))
    assert loaded.metadata == {"class_names": ["a", "b", "c"]}
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.iterations == model.optimizer.iterations == 5
    assert loaded.loss.get_config() == model.loss.get_config() and loaded.metrics == ["accuracy"]
    assert loaded.to_json() == model.to_json()


@pytest.mark.parametrize("optimizer", sorted(RESUME_OPTIMIZERS))
def test_resume_continues_exactly_like_uninterrupted_training(tmp_path, data, optimizer):
    x, y = data
    make = RESUME_OPTIMIZERS[optimizer]
    minicnn.set_seed(3)
    straight = small_model(optimizer=make())
    history = straight.fit(x, y, epochs=4, batch_size=8, verbose=0)

    minicnn.set_seed(3)
    first = small_model(optimizer=make())
    first.fit(x, y, epochs=2, batch_size=8, verbose=0)
    first.save(tmp_path / "m.npz")
    minicnn.set_seed(12345)  # whatever happens to the global stream in between must not matter
    resumed = minicnn.load_model(tmp_path / "m.npz")
    assert resumed.optimizer.get_config() == first.optimizer.get_config()
    assert type(resumed.optimizer) is type(first.optimizer)
    resumed_history = resumed.fit(x, y, epochs=4, initial_epoch=2, batch_size=8, verbose=0)

    assert weights_equal(straight, resumed)
    assert resumed.optimizer.iterations == straight.optimizer.iterations == 20
    assert resumed_history.history["learning_rate"] == history.history["learning_rate"][2:]
    assert np.array_equal(straight.predict(x), resumed.predict(x))


def test_loading_does_not_consume_the_global_random_stream(tmp_path):
    small_model().save(tmp_path / "m.npz")
    minicnn.set_seed(5)
    expected = minicnn.rng.global_generator().random(3)
    minicnn.set_seed(5)
    minicnn.load_model(tmp_path / "m.npz")
    assert np.array_equal(minicnn.rng.global_generator().random(3), expected)


def test_save_weights_accepts_any_suffix_and_checks_the_architecture(tmp_path, data):
    x, y = data
    model = small_model()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save_weights(tmp_path / "model.weights")
    assert os.listdir(tmp_path) == ["model.weights"]
    fresh = small_model(compile=False)
    fresh.load_weights(tmp_path / "model.weights")
    assert weights_equal(model, fresh)
    with pytest.raises(ValueError, match="architecture mismatch"):
        small_model(units=4).load_weights(tmp_path / "model.weights")
    with pytest.raises(ValueError, match="weights only"):
        minicnn.load_model(tmp_path / "model.weights")


def test_json_round_trip_and_strict_keys():
    model = small_model(compile=False)
    rebuilt = saving.model_from_json(model.to_json())
    assert rebuilt.to_json() == model.to_json()
    spec = json.loads(model.to_json())
    with pytest.raises(ValueError, match="unknown architecture keys"):
        saving.model_from_json(json.dumps({**spec, "extra": 1}))
    with pytest.raises(ValueError, match="wrong format version"):
        saving.model_from_json(json.dumps({**spec, "format_version": 99}))
    spec["config"]["layers"][0]["config"]["bogus"] = 1
    with pytest.raises(ValueError, match="bogus"):
        saving.model_from_json(json.dumps(spec))
    with pytest.raises(ValueError, match="not a model JSON"):
        saving.model_from_json("{not json")


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    small_model().save(path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(saving.np, "savez", broken)
    with pytest.raises(OSError, match="disk full"):
        small_model(units=4).save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.npz"]


# ------------------------------------------------------------------ bad files
def rewrite(src, dst, edit_header=None, drop=(), add=None):
    """Copy a saved model's arrays to ``dst``, editing its JSON header or arrays."""
    with np.load(src, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    header = json.loads(arrays[saving.HEADER_KEY].tobytes())
    if edit_header:
        edit_header(header)
    arrays[saving.HEADER_KEY] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    for key in drop:
        del arrays[key]
    arrays.update(add or {})
    with open(dst, "wb") as f:
        np.savez(f, **arrays)


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "good.npz"
    small_model().save(path)
    return path


def test_truncated_file(saved, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        minicnn.load_model(bad)


def test_flipped_bytes_are_detected(saved, tmp_path):
    raw = bytearray(saved.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # inside a weight array: zip CRC check fails
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="truncated or corrupt"):
        minicnn.load_model(bad)


def test_random_bytes(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(np.random.default_rng(0).bytes(1000))
    with pytest.raises(ValueError, match="not a minicnn model file"):
        minicnn.load_model(bad)


def test_npz_that_is_not_minicnn(tmp_path):
    bad = tmp_path / "other.npz"
    np.savez(bad, a=np.zeros(3))
    with pytest.raises(ValueError, match="not a minicnn file"):
        minicnn.load_model(bad)


@pytest.mark.parametrize("edit_header, drop, add, message", [
    (lambda h: h.update(format_version=99), (), None, "wrong format version.*99"),
    (None, ["weights/dense/kernel"], None, r"missing \['weights/dense/kernel'\]"),
    (None, (), {"weights/extra": np.zeros(2)}, r"unexpected \['weights/extra'\]"),
    (lambda h: h.update(surprise=1), (), None, "unknown header keys"),
    (lambda h: h["optimizer"].update(warp_speed=9), (), None, "bad optimizer config.*warp_speed"),
    (lambda h: h["optimizer"].update(learning_rate={"class_name": "os.system", "config": {}}), (), None,
     "bad optimizer config.*unknown learning-rate schedule 'os.system'"),
    (lambda h: h["loss"].update(name="hinge"), (), None, "bad loss config"),
    (None, (), {"evil": np.array([{"a": 1}], dtype=object)}, "pickled"),
], ids=["wrong-version", "missing-array", "extra-array", "unknown-header-key", "unknown-optimizer-key",
        "unknown-schedule", "unknown-loss", "pickle-inside"])
def test_bad_contents_are_refused(saved, tmp_path, edit_header, drop, add, message):
    bad = tmp_path / "bad.npz"
    rewrite(saved, bad, edit_header=edit_header, drop=drop, add=add)
    with pytest.raises(ValueError, match=message):
        minicnn.load_model(bad)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model file"):
        minicnn.load_model(tmp_path / "nope.npz")
    with pytest.raises(ValueError, match="is a directory"):
        minicnn.load_model(tmp_path)


# ------------------------------------------------------------------ seeded repeatability
def mnist_run(seed):
    (x, y), _ = minicnn.data.load_mnist()
    x = (x[:256, ..., None] / np.float32(255)).astype(np.float32)
    minicnn.set_seed(seed)
    model = minicnn.Sequential([Conv2D(8, 3, activation="relu", input_shape=(28, 28, 1)), MaxPooling2D(2),
                                Flatten(), Dropout(0.5), Dense(10, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(0.05, momentum=0.9), "sparse_categorical_crossentropy")
    model.fit(x, y[:256], epochs=2, batch_size=32, verbose=0)
    return model


def test_set_seed_makes_training_repeatable_bit_for_bit():
    a, b, c = mnist_run(7), mnist_run(7), mnist_run(8)
    assert weights_equal(a, b)
    assert not weights_equal(a, c)


def test_non_finite_or_non_float_weights_are_refused(saved, tmp_path):
    with np.load(saved, allow_pickle=False) as npz:
        kernel_key = next(k for k in npz.files if k.endswith("/kernel"))
        kernel = npz[kernel_key].copy()
    kernel.flat[0] = np.nan
    bad = tmp_path / "nan.npz"
    rewrite(saved, bad, add={kernel_key: kernel})
    with pytest.raises(ValueError, match="must be finite real numbers"):
        minicnn.load_model(bad)
    bad_dtype = tmp_path / "dtype.npz"
    rewrite(saved, bad_dtype, add={kernel_key: np.full(kernel.shape, "x")})
    with pytest.raises(ValueError, match="must be finite real numbers"):
        minicnn.load_model(bad_dtype)
