import numpy as np
import pytest

from minicnn.layers import BatchNormalization

from .helpers import assert_gradients_correct


@pytest.mark.parametrize("shape, batch", [((3, 3, 2), 4), ((5,), 6), ((2, 1, 3), 3), ((1, 1, 1), 5)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients(shape, batch, training):
    layer = BatchNormalization()
    layer.build(shape)
    rng = np.random.default_rng(0)
    layer.params["gamma"][...] = rng.uniform(0.5, 1.5, shape[-1])
    layer.params["beta"][...] = rng.standard_normal(shape[-1])
    layer.state["moving_variance"][...] = rng.uniform(0.5, 2, shape[-1])
    assert_gradients_correct(layer, shape, batch_size=batch, training=training)


def test_training_uses_batch_statistics_and_updates_moving_ones_keras_style():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 4, 4, 3)) * 3 + 5).astype(np.float32)
    bn = BatchNormalization()
    bn.build((4, 4, 3))
    y = bn.forward(x, training=True)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    var = x.var(axis=(0, 1, 2))
    np.testing.assert_allclose(y.var(axis=(0, 1, 2)), var / (var + 1e-3), rtol=1e-4)
    np.testing.assert_allclose(bn.state["moving_mean"], 0.01 * x.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(bn.state["moving_variance"], 0.99 + 0.01 * var, rtol=1e-5)   # biased variance


def test_inference_uses_moving_statistics_and_does_not_update_them():
    bn = BatchNormalization(epsilon=1e-3)
    bn.build((2,))
    bn.state["moving_mean"][...] = [1.0, -1.0]
    bn.state["moving_variance"][...] = [4.0, 1.0]
    x = np.array([[3.0, 0.0]], np.float32)
    y = bn.forward(x, training=False)
    np.testing.assert_allclose(y, [[2 / np.sqrt(4.001), 1 / np.sqrt(1.001)]], rtol=1e-6)
    np.testing.assert_array_equal(bn.state["moving_mean"], [1.0, -1.0])


def test_parameter_counts_match_keras():
    bn = BatchNormalization()
    bn.build((8, 8, 32))
    assert bn.count_params() == 128 and bn.count_trainable_params() == 64


def test_unsupported_arguments():
    with pytest.raises(NotImplementedError, match="axis=-1"):
        BatchNormalization(axis=1)
    with pytest.raises(ValueError, match="momentum"):
        BatchNormalization(momentum=1.5)


def test_frozen_batchnorm_runs_in_inference_mode_like_keras():
    bn = BatchNormalization(trainable=False)
    bn.build((3,))
    bn.state["moving_mean"][...] = [1.0, 2.0, 3.0]
    x = np.random.default_rng(0).standard_normal((8, 3)).astype(np.float32) + 5
    y = bn.forward(x, training=True)
    np.testing.assert_array_equal(bn.state["moving_mean"], [1.0, 2.0, 3.0])   # statistics untouched
    np.testing.assert_allclose(y, (x - [1, 2, 3]) / np.sqrt(1 + 1e-3), rtol=1e-6)  # moving statistics used
    assert bn.count_trainable_params() == 0


@pytest.mark.parametrize("center, scale", [(True, False), (False, True), (False, False)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_without_scale_or_center_gradients(center, scale, training):
    layer = BatchNormalization(center=center, scale=scale)
    layer.build((3, 3, 2))
    rng = np.random.default_rng(1)
    assert sorted(layer.params) == sorted(k for k, keep in (("gamma", scale), ("beta", center)) if keep)
    for key in layer.params:
        layer.params[key][...] = rng.uniform(0.5, 1.5, 2)
    layer.state["moving_variance"][...] = rng.uniform(0.5, 2, 2)
    assert_gradients_correct(layer, (3, 3, 2), batch_size=4, training=training)


def test_scale_false_is_gamma_fixed_at_one_and_center_false_beta_at_zero():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((16, 2, 2, 3)).astype(np.float32)
    full = BatchNormalization()
    full.build((2, 2, 3))
    full.params["beta"][...] = [0.5, -1.0, 2.0]
    no_scale = BatchNormalization(scale=False)
    no_scale.build((2, 2, 3))
    no_scale.params["beta"][...] = [0.5, -1.0, 2.0]
    np.testing.assert_array_equal(no_scale.forward(x, True), full.forward(x, True))
    dy = rng.standard_normal(x.shape).astype(np.float32)
    np.testing.assert_array_equal(no_scale.backward(dy), full.backward(dy))
    np.testing.assert_array_equal(no_scale.grads["beta"], full.grads["beta"])
    no_center = BatchNormalization(center=False)
    no_center.build((2, 2, 3))
    np.testing.assert_allclose(no_center.forward(x, True), full.forward(x, True) - full.params["beta"], atol=1e-6)
    assert no_scale.count_params() == 9 and no_scale.count_trainable_params() == 3
    config = no_scale.get_config()
    assert config["scale"] is False and BatchNormalization.from_config(config).scale is False
