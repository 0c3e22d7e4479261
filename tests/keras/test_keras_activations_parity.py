"""Parity with real Keras for activations, initializers, regularizers and constraints.

Activations: forward in float32 and float64, input (and PReLU alpha) gradients in float64 through
``tf.GradientTape``. Regularizers and constraints: the loss (penalty included) and the weights
after three SGD steps of a small Dense + Conv2D model, float64 on both sides. Skipped without
TensorFlow (the optional extra ``bench``).
"""
import os

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow", reason="TensorFlow is the optional extra 'bench' "
                                              "(pip install minicnn[bench]); parity tests need it")
keras = tf.keras

import minicnn  # noqa: E402
from minicnn import constraints as C  # noqa: E402
from minicnn import initializers as I  # noqa: E402
from minicnn import layers as L  # noqa: E402
from minicnn import regularizers as R  # noqa: E402

NAMES = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "tanh", "softplus", "silu", "swish",
         "softmax"]


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    assert a.shape == b.shape
    scale = max(np.linalg.norm(a), np.linalg.norm(b))
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def inputs(shape, dtype, seed=0):
    """Normal inputs kept 0.05 away from the kinks at 0, 0.5 and 6."""
    x = np.random.default_rng(seed).normal(0, 3, shape)
    for kink in (0.0, 0.5, 6.0):
        near = np.abs(x - kink) < 0.05
        x[near] += 0.1
    return x.astype(dtype)


def keras_value_and_input_grad(fn, x, dy, weights=()):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = fn(x)
        objective = tf.reduce_sum(y * dy)
    grads = tape.gradient(objective, [x] + list(weights))
    return y.numpy(), [g.numpy() for g in grads]


def compare_layer(ours, make_keras, shape, weights=None, tol=1e-6, float64_tol=1e-12):
    """Forward in float32 and float64, then dL/dx (and dL/dweights) in float64, of ``ours`` and
    ``make_keras(dtype)`` (a Keras layer of that dtype, or an activation function).

    ``float64_tol``: two TensorFlow ops are less exact than float64 allows: LeakyRelu holds its
    slope as a float32 attribute (float32(0.2) = 0.2000000030), and tf.nn.gelu is ~1e-9 off the
    exact formula, which minicnn matches to 1e-16 (checked against long double)."""
    for dtype, forward_tol in ((np.float32, 1e-6), (np.float64, float64_tol)):
        x = inputs((3,) + shape, dtype)
        ours.cast(dtype)
        assert rel_err(ours.forward(x), make_keras(np.dtype(dtype).name)(tf.constant(x)).numpy()) <= forward_tol
    keras_fn = make_keras("float64")
    x = inputs((3,) + shape, np.float64, seed=1)
    dy = np.random.default_rng(2).normal(size=x.shape)
    y, grads = keras_value_and_input_grad(keras_fn, x, dy, weights(keras_fn) if weights else ())
    ours.cast(np.float64)
    assert rel_err(ours.forward(x), y) <= float64_tol
    assert rel_err(ours.backward(dy), grads[0]) <= tol
    return ours, grads[1:]


def function(fn):
    return lambda dtype: fn


@pytest.mark.parametrize("name", NAMES)
def test_activation_by_name_matches_keras(name):
    compare_layer(L.Activation(name), function(keras.activations.get(name)), (4, 5),
                  float64_tol={"leaky_relu": 1e-7, "gelu": 1e-8}.get(name, 1e-12))


@pytest.mark.parametrize("name", NAMES)
def test_dense_and_conv_with_activation_match_keras_in_float32(name):
    rng = np.random.default_rng(3)
    for ours, theirs, shape in ((L.Dense(4, activation=name), keras.layers.Dense(4, activation=name), (5,)),
                                (L.Conv2D(3, 2, activation=name), keras.layers.Conv2D(3, 2, activation=name),
                                 (4, 4, 2))):
        ours.build(shape)
        theirs.build((None,) + shape)
        weights = [rng.normal(0, 1, w.shape).astype(np.float32) for w in ours.get_weights()]
        ours.set_weights(weights)
        theirs.set_weights(weights)
        x = inputs((2,) + shape, np.float32)
        assert rel_err(ours.forward(x), theirs(x).numpy()) <= 2e-6


@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_both_forms(approximate):
    compare_layer(L.Activation({"name": "gelu", "approximate": approximate}),
                  function(lambda x: keras.activations.gelu(x, approximate=approximate)), (6,), float64_tol=1e-8)


@pytest.mark.parametrize("kwargs", [{"max_value": 6.0}, {"negative_slope": 0.1}, {"threshold": 0.5},
                                    {"max_value": 6.0, "negative_slope": 0.2, "threshold": 0.5}])
def test_relu_layer_arguments(kwargs):
    compare_layer(L.ReLU(**kwargs), lambda dtype: keras.layers.ReLU(**kwargs, dtype=dtype), (3, 3, 2),
                  float64_tol=1e-7)


def test_leaky_relu_elu_softmax_layers():
    compare_layer(L.LeakyReLU(), lambda dtype: keras.layers.LeakyReLU(dtype=dtype), (7,),
                  float64_tol=1e-7)  # the layer's default slope, 0.3
    compare_layer(L.LeakyReLU(0.05), lambda dtype: keras.layers.LeakyReLU(negative_slope=0.05, dtype=dtype), (7,),
                  float64_tol=1e-7)
    compare_layer(L.ELU(0.6), lambda dtype: keras.layers.ELU(alpha=0.6, dtype=dtype), (2, 3))
    compare_layer(L.Softmax(axis=[1, 2]), lambda dtype: keras.layers.Softmax(axis=[1, 2], dtype=dtype), (3, 4))
    compare_layer(L.Softmax(axis=1), lambda dtype: keras.layers.Softmax(axis=1, dtype=dtype), (3, 4))


@pytest.mark.parametrize("shared_axes", [None, [1, 2]])
def test_prelu_with_alpha_gradient(shared_axes):
    alpha = np.random.default_rng(5).uniform(0.05, 0.5, (1, 1, 2) if shared_axes else (3, 4, 2))
    alpha = alpha.astype(np.float32).astype(np.float64)  # ours is built in float32 first

    def make_keras(dtype):
        layer = keras.layers.PReLU(shared_axes=shared_axes, dtype=dtype)
        layer.build((None, 3, 4, 2))
        layer.alpha.assign(alpha)
        return layer

    ours = L.PReLU(shared_axes=shared_axes)
    ours.build((3, 4, 2))
    ours.set_weights([alpha])
    ours, (alpha_grad,) = compare_layer(ours, make_keras, (3, 4, 2), weights=lambda layer: [layer.alpha])
    assert rel_err(ours.grads["alpha"], alpha_grad) <= 1e-10


@pytest.mark.parametrize("name", ["lecun_normal", "lecun_uniform", "glorot_normal", "he_uniform"])
def test_initializer_spread_matches_keras(name):
    shape = (3, 3, 32, 64)
    ours = I.initialize(name, shape, np.float32)
    theirs = keras.initializers.get(name)(shape).numpy()
    assert abs(ours.std() / theirs.std() - 1) < 0.02
    assert abs(np.abs(ours).max() / np.abs(theirs).max() - 1) < 0.02  # the same bound / truncation


def test_random_initializer_objects_match_keras_spread():
    for ours, theirs in ((I.RandomNormal(0.1, 0.3, seed=1), keras.initializers.RandomNormal(0.1, 0.3, seed=1)),
                         (I.TruncatedNormal(0.0, 0.2, seed=1), keras.initializers.TruncatedNormal(0.0, 0.2, seed=1)),
                         (I.RandomUniform(-0.2, 0.4, seed=1), keras.initializers.RandomUniform(-0.2, 0.4, seed=1))):
        a, b = ours((200, 100)), theirs((200, 100)).numpy()
        assert abs(a.mean() - b.mean()) < 0.01 and abs(a.std() / b.std() - 1) < 0.02
        assert abs(a.min() - b.min()) < 0.05 * (b.max() - b.min()) or isinstance(ours, I.RandomNormal)


def _models():
    """The same small model in minicnn and Keras (float64), with weight and activity
    regularizers and constraints.

    The penalty factors are powers of two: Keras casts them to the weights' dtype through a
    float32 tensor, so in float64 it uses float32(0.03) = 0.0299999993; minicnn uses 0.03."""
    rng = np.random.default_rng(0)
    ours = minicnn.Sequential([
        L.Conv2D(3, 3, activation="elu", input_shape=(6, 6, 2), kernel_regularizer=R.L2(2 ** -4),
                 bias_regularizer=R.L1(2 ** -6), kernel_constraint=C.MaxNorm(0.8, [0, 1, 2]),
                 bias_constraint=C.NonNeg(), activity_regularizer=R.L1(2 ** -8)),
        L.Flatten(),
        L.Dense(3, activation="softmax", kernel_regularizer=R.L1L2(2 ** -7, 2 ** -5), kernel_constraint=C.MaxNorm(0.5),
                activity_regularizer=R.L2(2 ** -2))])
    theirs = keras.Sequential([
        keras.Input((6, 6, 2), dtype="float64"),
        keras.layers.Conv2D(3, 3, activation="elu", dtype="float64", kernel_regularizer=keras.regularizers.L2(2 ** -4),
                            bias_regularizer=keras.regularizers.L1(2 ** -6),
                            kernel_constraint=keras.constraints.MaxNorm(0.8, axis=[0, 1, 2]),
                            bias_constraint=keras.constraints.NonNeg(),
                            activity_regularizer=keras.regularizers.L1(2 ** -8)),
        keras.layers.Flatten(dtype="float64"),
        keras.layers.Dense(3, activation="softmax", dtype="float64",
                           kernel_regularizer=keras.regularizers.L1L2(2 ** -7, 2 ** -5),
                           kernel_constraint=keras.constraints.MaxNorm(0.5),
                           activity_regularizer=keras.regularizers.L2(2 ** -2))])
    weights = [rng.normal(0, 0.25, w.shape) for w in theirs.get_weights()]  # no saturated softmax (Keras clips)
    theirs.set_weights(weights)
    ours.cast(np.float64)
    ours.set_weights(weights)
    return ours, theirs, rng


@pytest.fixture
def keras_float64():
    """Keras sums the float64 penalties with float32 values unless floatx is float64. Keras caches
    a global dtype policy made from floatx when a layer first asks for it: restore both."""
    previous, policy = keras.config.floatx(), keras.config.dtype_policy()
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield
    keras.config.set_floatx(previous)
    keras.config.set_dtype_policy(policy)


def test_training_steps_with_regularizers_and_max_norm_match_keras(keras_float64):
    ours, theirs, rng = _models()
    x, y = rng.normal(size=(8, 6, 6, 2)), rng.integers(0, 3, 8)
    ours.compile(minicnn.optimizers.SGD(0.2), "sparse_categorical_crossentropy", metrics=None)
    theirs.compile(keras.optimizers.SGD(0.2), keras.losses.SparseCategoricalCrossentropy(dtype="float64"))
    penalty = ours.regularization_loss()
    assert penalty > 0.05
    assert abs(ours.evaluate(x, y, batch_size=8, verbose=0) - theirs.evaluate(x, y, batch_size=8, verbose=0)) < 1e-9
    for _ in range(3):
        ours_loss = ours.train_on_batch(x, y)
        theirs_loss = float(theirs.train_on_batch(x, y))
        assert abs(ours_loss - theirs_loss) < 1e-9 * max(1, abs(theirs_loss))
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        assert rel_err(a, b) < 1e-9
    # the constraints were active: the dense kernel's columns sit at the max norm
    np.testing.assert_allclose(np.linalg.norm(ours.layers[2].params["kernel"], axis=0), 0.5, rtol=1e-5)
