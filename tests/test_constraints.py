import json

import numpy as np
import pytest

import minicnn
from minicnn import constraints as C
from minicnn.layers import Conv2D, Dense

EPS = 1e-7


def norms(w, axis):
    return np.sqrt((w.astype(np.float64) ** 2).sum(axis=axis, keepdims=True))


def test_max_norm_with_keras_axis_defaults():
    rng = np.random.default_rng(0)
    dense = rng.normal(size=(20, 5)).astype(np.float32)
    out = C.max_norm(2.0)(dense)
    assert out.dtype == np.float32
    n = norms(dense, 0)  # axis=0: each unit's incoming weights
    np.testing.assert_allclose(out, dense * np.minimum(n, 2) / (EPS + n), rtol=1e-6)
    assert norms(out, 0).max() <= 2 + 1e-5
    kernel = rng.normal(size=(3, 3, 4, 6)).astype(np.float32)
    default = C.MaxNorm(1.0)(kernel)  # Keras's default axis=0 takes norms over kh only
    np.testing.assert_allclose(norms(default, 0), np.minimum(norms(kernel, 0), 1.0), rtol=1e-5)
    per_filter = C.MaxNorm(1.0, axis=[0, 1, 2])(kernel)  # what Keras's docs advise for conv kernels
    np.testing.assert_allclose(norms(per_filter, (0, 1, 2)).ravel(), np.minimum(norms(kernel, (0, 1, 2)), 1).ravel(),
                               rtol=1e-5)
    small = np.full((4, 2), 0.1, np.float32)
    np.testing.assert_allclose(C.MaxNorm(3)(small), small * 0.2 / (EPS + 0.2), rtol=1e-6)  # shrinks by n / (eps + n)


def test_other_constraints():
    w = np.array([[3.0, -1.0], [4.0, 0.5]])
    np.testing.assert_allclose(C.unit_norm()(w), w / (EPS + norms(w, 0)))
    np.testing.assert_array_equal(C.non_neg()(w), [[3, 0], [4, 0.5]])
    n = norms(w, 0)  # [5, 1.118]
    expected = w * (0.5 * np.clip(n, 1.2, 2.0) + 0.5 * n) / (EPS + n)
    np.testing.assert_allclose(C.min_max_norm(1.2, 2.0, rate=0.5)(w), expected)
    with pytest.raises(ValueError, match="unknown constraint 'clip'"):
        C.get("clip")
    with pytest.raises(ValueError, match="axis"):
        C.MaxNorm(axis="rows")


def test_applied_after_every_optimizer_step_to_trainable_layers():
    rng = np.random.default_rng(0)
    minicnn.set_seed(0)
    model = minicnn.Sequential([Conv2D(2, 3, kernel_constraint=C.MaxNorm(0.05, axis=[0, 1, 2]),
                                       bias_constraint="non_neg", input_shape=(5, 5, 1)),
                                minicnn.layers.Flatten(), Dense(2, activation="softmax")])
    model.compile(minicnn.optimizers.SGD(1.0), "sparse_categorical_crossentropy")
    x, y = rng.normal(size=(8, 5, 5, 1)), rng.integers(0, 2, 8)
    model.train_on_batch(x, y)
    conv = model.layers[0]
    assert norms(conv.params["kernel"], (0, 1, 2)).max() <= 0.05 + 1e-6
    assert (conv.params["bias"] >= 0).all()
    conv.trainable = False
    frozen = conv.params["kernel"].copy()
    model.train_on_batch(x, y)
    np.testing.assert_array_equal(conv.params["kernel"], frozen)  # not re-projected (which would shrink it)


def test_config_round_trip():
    dense = Dense(2, kernel_constraint=C.MinMaxNorm(0.5, 2.0, rate=0.3, axis=[0]), bias_constraint="NonNeg")
    config = json.loads(json.dumps(dense.get_config()))
    assert Dense.from_config(config).get_config() == dense.get_config()
    assert config["kernel_constraint"] == {"class_name": "MinMaxNorm",
                                           "config": {"min_value": 0.5, "max_value": 2.0, "rate": 0.3, "axis": [0]}}
