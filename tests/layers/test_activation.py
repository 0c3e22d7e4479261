import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minicnn
from minicnn.layers import ELU, Activation, Conv2D, Dense, LeakyReLU, PReLU, ReLU, Softmax
from minicnn.layers import activation as A

from .helpers import assert_gradients_correct

#: every activation spec minicnn implements, with arguments where they matter
SPECS = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", {"name": "gelu", "approximate": True}, "sigmoid",
         "tanh", "softplus", "silu", "swish", "softmax", {"name": "elu", "alpha": 0.5},
         {"name": "leaky_relu", "negative_slope": 0.1},
         {"name": "relu", "max_value": 0.5, "negative_slope": 0.1, "threshold": 0.2}]
feature_shapes = st.one_of(st.tuples(st.integers(1, 5)), st.tuples(st.integers(1, 3), st.integers(1, 3),
                                                                   st.integers(1, 3)))


@pytest.mark.parametrize("spec", SPECS, ids=str)
@settings(max_examples=4, deadline=None)
@given(shape=feature_shapes, batch=st.integers(1, 3))
def test_activation_gradients(spec, shape, batch):
    assert_gradients_correct(Activation(spec), shape, batch_size=batch)


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_dense_and_conv_with_each_activation(spec):
    assert_gradients_correct(Dense(3, activation=spec), (4,), batch_size=2)
    assert_gradients_correct(Conv2D(2, 2, activation=spec), (3, 3, 2), batch_size=2)


@settings(max_examples=8, deadline=None)
@given(shape=feature_shapes, batch=st.integers(1, 3), slope=st.floats(0.0, 0.9),
       max_value=st.one_of(st.none(), st.floats(0.3, 0.8)), threshold=st.sampled_from([0.0, 0.25]))
def test_activation_layers_gradients(shape, batch, slope, max_value, threshold):
    assert_gradients_correct(ReLU(max_value=max_value, negative_slope=slope, threshold=threshold), shape,
                             batch_size=batch)
    assert_gradients_correct(LeakyReLU(slope), shape, batch_size=batch)
    assert_gradients_correct(ELU(alpha=0.5 + slope), shape, batch_size=batch)
    assert_gradients_correct(PReLU(alpha_initializer="random_normal"), shape, batch_size=batch)


def test_prelu_shared_axes_and_softmax_over_several_axes():
    prelu = PReLU(alpha_initializer=minicnn.initializers.RandomUniform(0.1, 0.5, seed=3), shared_axes=[1, 2])
    assert_gradients_correct(prelu, (3, 4, 2), batch_size=3)
    assert prelu.params["alpha"].shape == (1, 1, 2)
    assert PReLU().build((3, 4, 2)) and PReLU(shared_axes=3).build((3, 4, 2)) == (3, 4, 2)
    assert_gradients_correct(Softmax(axis=[1, 2]), (3, 2), batch_size=2)
    assert_gradients_correct(Softmax(axis=1), (3, 2), batch_size=2)
    with pytest.raises(ValueError, match="shared_axes.*axis 4"):
        PReLU(shared_axes=[4]).build((3, 4, 2))


def test_prelu_at_zero_follows_tensorflow_and_is_not_misjudged():
    # at x = 0 Keras's relu(x) - alpha * relu(-x) has the derivative 0 on TensorFlow, neither side's
    # slope (1 and alpha): the kink check must count those coordinates as unverifiable, not fail them,
    # whatever alpha (it failed before kink_state reported both masks)
    for alpha in (0.3, -0.2):
        make = lambda: PReLU(alpha_initializer=minicnn.initializers.Constant(alpha), shared_axes=[1, 2])
        prelu, x = make(), np.zeros((1, 3, 3, 2))
        prelu.build(x.shape[1:])
        prelu.forward(x, training=True)
        np.testing.assert_array_equal(prelu.backward(np.ones_like(x)), np.zeros_like(x))
        x[0, 0, 0, 0] = 0.5                       # one coordinate off the kink: still checked
        report = minicnn.gradcheck.check_layer(make(), x=x)
        assert report.passed, str(report)
        assert report["input"].skipped_kinks == x.size - 1 and report["input"].checked == 1, str(report)


def test_formulas_match_independent_definitions():
    x = np.linspace(-4, 4, 17)
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(A.sigmoid(x), sig, rtol=1e-15)
    np.testing.assert_allclose(A.silu(x), x * sig, rtol=1e-14)
    np.testing.assert_allclose(A.softplus(x), np.log(1 + np.exp(x)), rtol=1e-14)
    np.testing.assert_allclose(A.tanh(x), np.tanh(x))
    np.testing.assert_allclose(A.gelu(x), [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in x], rtol=1e-14)
    np.testing.assert_allclose(A.gelu(x, approximate=True),
                               0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))), rtol=1e-14)
    np.testing.assert_allclose(A.elu(x, 0.7), np.where(x > 0, x, 0.7 * (np.exp(x) - 1)), rtol=1e-14)
    np.testing.assert_allclose(A.selu(x), 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * (np.exp(x) - 1)),
                               rtol=1e-14)
    np.testing.assert_allclose(A.leaky_relu(x), np.where(x > 0, x, 0.2 * x))  # Keras's function default 0.2
    assert LeakyReLU().negative_slope == 0.3  # ... and the layer's 0.3
    # keras.activations.relu's docstring examples
    v = [-10, -5, 0.0, 5, 10]
    np.testing.assert_array_equal(A.relu(v), [0, 0, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(v, negative_slope=0.5), [-5, -2.5, 0, 5, 10])
    np.testing.assert_array_equal(A.relu(v, max_value=5.0), [0, 0, 0, 5, 5])
    np.testing.assert_array_equal(A.relu(v, threshold=5.0), [0, 0, 0, 0, 10])
    np.testing.assert_array_equal(A.relu6([-1.0, 3.0, 9.0]), [0, 3, 6])


def test_stable_for_huge_inputs_and_keeps_float32():
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        for spec in SPECS:
            y = Activation(spec).forward(x[None])
            assert y.dtype == np.float32 and np.isfinite(y).all(), spec
    np.testing.assert_allclose(A.sigmoid(x), [0, 0, 0.5, 1, 1], atol=1e-40)
    assert A.sigmoid(np.float32(-20)) > 0  # not 1 - tanh cancellation


def test_kink_state_marks_the_decisions():
    x = np.array([[-0.5, 0.2, 0.7, 1.5]])
    relu = ReLU(max_value=1.0, threshold=0.1)
    relu.forward(x)
    before = relu.kink_state()
    relu.forward(x + np.array([[0, -0.15, 0, 0]]))  # 0.2 -> 0.05 crosses the threshold
    after = relu.kink_state()
    assert [(b != a).sum() for b, a in zip(before, after)] == [1, 0, 0]  # x > t flips; x > 0, x < max do not
    for layer in (LeakyReLU(), PReLU(), Activation("leaky_relu"), Dense(2, activation="relu"),
                  Dense(2, activation="leaky_relu")):
        layer.forward(x)
        assert layer.kink_state() and all(m.dtype == bool for m in layer.kink_state())
    for layer in (Activation("sigmoid"), Activation("gelu"), Dense(2, activation="tanh"), Dense(2)):
        layer.forward(x)
        assert layer.kink_state() == []


@pytest.mark.parametrize("make", [lambda: Activation("sigmoid"), lambda: Dense(3, activation="sigmoid"),
                                  lambda: Conv2D(3, 1, activation="sigmoid")])
def test_sigmoid_head_protocol(make):
    layer = make()
    shape = (4,) if isinstance(layer, (Activation, Dense)) else (2, 2, 3)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2,) + shape)
    layer.build(shape)
    layer.cast(np.float64)
    y = layer.forward(x)
    assert layer.ends_in_sigmoid and not layer.ends_in_softmax
    np.testing.assert_allclose(y, 1 / (1 + np.exp(-layer.logits)))
    dy = rng.normal(size=y.shape)
    dx = layer.backward(dy)
    grads = {k: g.copy() for k, g in layer.grads.items()}
    np.testing.assert_allclose(layer.backward_logits(dy * y * (1 - y)), dx)  # the chain rule, from the logits
    for k, g in grads.items():
        np.testing.assert_allclose(layer.grads[k], g)


def test_softmax_head_protocol_is_kept():
    for layer in (Softmax(), Activation("softmax"), Dense(3, activation="softmax")):
        assert layer.ends_in_softmax and not layer.ends_in_sigmoid
    assert not Softmax(axis=1).ends_in_softmax or Softmax(axis=1).build((3,)) is None
    s = Softmax(axis=1)
    s.build((4,))
    assert s.ends_in_softmax  # axis 1 is the last axis of (batch, 4)
    s = Softmax(axis=1)
    s.build((4, 3))
    assert not s.ends_in_softmax
    assert not Dense(2, activation="relu").ends_in_sigmoid and not Activation("tanh").ends_in_sigmoid


def test_specs_from_layers_and_json_round_trip():
    assert A.activation_spec(LeakyReLU(0.2)) == "leaky_relu"
    assert A.activation_spec(LeakyReLU()) == {"name": "leaky_relu", "negative_slope": 0.3}
    assert A.activation_spec(ReLU(max_value=6)) == {"name": "relu", "max_value": 6.0, "negative_slope": 0.0,
                                                    "threshold": 0.0}
    assert Dense(2, activation=ReLU()).activation == "relu"  # the fused fast path
    for layer in (Activation({"name": "gelu", "approximate": True}), Dense(2, activation=LeakyReLU(0.1)),
                  ReLU(max_value=6, negative_slope=0.1, threshold=0.5), LeakyReLU(0.2), ELU(0.5),
                  PReLU(shared_axes=[1, 2], alpha_initializer="ones"), Softmax(axis=[1, 2])):
        config = json.loads(json.dumps(layer.get_config()))
        assert type(layer).from_config(config).get_config() == layer.get_config()


def test_models_with_new_activations_save_and_load(tmp_path):
    minicnn.set_seed(0)
    model = minicnn.Sequential([Conv2D(3, 3, activation="gelu", input_shape=(6, 6, 1)), PReLU(shared_axes=[1, 2]),
                                Conv2D(3, 3, activation={"name": "leaky_relu", "negative_slope": 0.1}),
                                ReLU(max_value=6), minicnn.layers.Flatten(), Dense(4, activation="selu"),
                                LeakyReLU(), ELU(), Dense(1, activation="sigmoid")])
    x = np.random.default_rng(0).normal(size=(3, 6, 6, 1)).astype(np.float32)
    model.layers[1].set_weights([np.full((1, 1, 3), 0.25, np.float32)])
    model.save(tmp_path / "m.npz")
    loaded = minicnn.load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.layers[-1].ends_in_sigmoid


def test_none_is_linear():
    layer = Activation(None)
    x = np.array([[-2.0, 3.0]])
    np.testing.assert_array_equal(layer.forward(x), x)
    assert layer.get_config()["activation"] == "linear" and layer.kink_state() == []


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown activation 'softsign'"):
        Activation("softsign")
    with pytest.raises(ValueError, match="takes the arguments \\['alpha'\\], got \\['slope'\\]"):
        Activation({"name": "elu", "slope": 2})
    with pytest.raises(ValueError, match="negative_slope.*>= 0"):
        LeakyReLU(-0.1)
    with pytest.raises(ValueError, match="max_value"):
        ReLU(max_value=-1)
    with pytest.raises(ValueError, match="has weights.*layer of its own"):
        Dense(2, activation=PReLU())
    with pytest.raises(ValueError, match="approximate must be True or False"):
        Activation({"name": "gelu", "approximate": "yes"})
    with pytest.raises(ValueError, match="axis"):
        Softmax(axis=1.5)


def test_relu_backward_does_not_modify_its_input_gradient():
    relu = ReLU()
    relu.forward(np.array([[-1.0, 2.0]], np.float32))
    dy = np.array([[5.0, 5.0]], np.float32)
    dx = relu.backward(dy)
    np.testing.assert_array_equal(dy, [[5, 5]])
    np.testing.assert_array_equal(dx, [[0, 5]])


def test_relu_derivative_at_zero_is_zero():
    relu = ReLU()
    relu.forward(np.zeros((1, 3), np.float32))
    assert not relu.backward(np.ones((1, 3), np.float32)).any()


def test_softmax_is_stable_for_huge_logits():
    y = Softmax().forward(np.array([[1e4, 0.0, -1e4]], np.float32))
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y, [[1, 0, 0]])
