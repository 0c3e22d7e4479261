"""The minicnn.keras facade for activations, initializers, regularizers and constraints (no TensorFlow)."""
import functools
import json

import numpy as np
import pytest

import minicnn
import minicnn.keras as keras
from minicnn.keras import activations, constraints, initializers, layers, models, regularizers


def test_activation_identifiers():
    assert layers.Dense(2, activation=activations.swish).activation == "silu"
    assert layers.Dense(2, activation="swish").activation == "swish"
    assert layers.Dense(2, activation=layers.LeakyReLU(0.1)).activation == {"name": "leaky_relu",
                                                                           "negative_slope": 0.1}
    assert layers.Conv2D(2, 3, activation=functools.partial(activations.gelu, approximate=True)).activation == \
        {"name": "gelu", "approximate": True}
    assert layers.Activation(activations.sigmoid).ends_in_sigmoid
    np.testing.assert_allclose(activations.relu([-1.0, 7.0], max_value=6), [0, 6])
    with pytest.raises(NotImplementedError, match="'softsign'"):
        layers.Dense(2, activation="softsign")
    with pytest.raises(NotImplementedError, match="custom activation"):
        layers.Dense(2, activation=lambda x: x)


def test_keras2_alpha_for_leaky_relu_warns():
    with pytest.warns(DeprecationWarning, match="negative_slope"):
        layer = layers.LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1


def test_a_keras_lesson_with_everything():
    minicnn.set_seed(0)
    model = models.Sequential([
        layers.Input((8, 8, 1)),
        layers.Conv2D(4, 3, kernel_initializer=initializers.HeUniform(seed=1), kernel_regularizer=regularizers.l2(1e-3),
                      kernel_constraint=constraints.max_norm(2.0, axis=[0, 1, 2])),
        layers.PReLU(shared_axes=[1, 2]), layers.Flatten(),
        layers.Dense(8, activation="elu", kernel_initializer="lecun_normal", bias_regularizer="l1"),
        layers.LeakyReLU(), layers.Dense(3, activation="softmax", kernel_constraint=keras.constraints.NonNeg())])
    model.compile("adam", "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 8, 8, 1)).astype(np.float32), rng.integers(0, 3, 16)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    assert (model.layers[-1].params["kernel"] >= 0).all()
    config = json.loads(model.to_json())["config"]
    rebuilt = minicnn.Sequential.from_config(config)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_array_equal(rebuilt.predict(x), model.predict(x))
    assert rebuilt.regularization_loss() == pytest.approx(model.regularization_loss())
