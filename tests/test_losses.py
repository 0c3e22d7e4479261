import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn import losses


def test_sparse_crossentropy_from_logits_by_hand():
    logits = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])
    y = np.array([0, 1])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -(np.log(p[0, 0]) + np.log(p[1, 1])) / 2
    loss, grad = losses.SparseCategoricalCrossentropy(from_logits=True).value_and_grad(logits, y)
    assert loss == pytest.approx(expected, rel=1e-12)
    onehot = np.eye(3)[y]
    np.testing.assert_allclose(grad, (p - onehot) / 2, rtol=1e-12)


@pytest.mark.parametrize("scale", [1e4, -1e4, 1e30])
def test_extreme_logits_give_finite_loss_and_gradient(scale):
    logits = np.array([[scale, 0.0, -scale], [0.0, scale, 1.0]], dtype=np.float32)
    for loss_obj, y in ((losses.SparseCategoricalCrossentropy(from_logits=True), np.array([2, 0])),
                        (losses.CategoricalCrossentropy(from_logits=True), np.eye(3, dtype=np.float32)[[2, 0]])):
        loss, grad = loss_obj.value_and_grad(logits, y)
        assert np.isfinite(loss) and np.isfinite(grad).all()
        assert loss > 1e3 or scale < 0


@given(st.integers(1, 5), st.integers(2, 6), st.integers(0, 2**32 - 1))
def test_sparse_and_categorical_agree_and_gradient_is_numerically_right(n, k, seed):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k))
    y = rng.integers(0, k, n)
    l1, g1 = losses.SparseCategoricalCrossentropy(from_logits=True).value_and_grad(logits, y)
    l2, g2 = losses.CategoricalCrossentropy(from_logits=True).value_and_grad(logits, np.eye(k)[y])
    assert l1 == pytest.approx(l2, rel=1e-12)
    np.testing.assert_allclose(g1, g2, atol=1e-14)
    h = 1e-6
    num = np.zeros_like(logits)
    for idx in np.ndindex(*logits.shape):
        up, down = logits.copy(), logits.copy()
        up[idx] += h
        down[idx] -= h
        num[idx] = (losses.sparse_categorical_crossentropy(y, up, from_logits=True)
                    - losses.sparse_categorical_crossentropy(y, down, from_logits=True)) / (2 * h)
    np.testing.assert_allclose(g1, num, rtol=1e-6, atol=1e-9)


def test_probability_form_clips_like_keras():
    probs = np.array([[1.0, 0.0]], dtype=np.float64)
    loss, grad = losses.SparseCategoricalCrossentropy().value_and_grad(probs, np.array([1]))
    assert loss == pytest.approx(-np.log(1e-7))
    assert grad[0, 1] == 0  # clipped: no gradient
    loss, grad = losses.SparseCategoricalCrossentropy().value_and_grad(np.array([[0.25, 0.75]]), np.array([1]))
    assert loss == pytest.approx(-np.log(0.75))
    # through the row normalization: d/dp_j of -log(p_1 / (p_0 + p_1)) = [1, 1 - 1/p_1] at sum 1
    np.testing.assert_allclose(grad, [[1, 1 - 1 / 0.75]])


def test_probability_form_normalizes_rows_like_keras():
    # Keras 3 divides each row by its sum before clipping: [.2, .3, .1] -> [1/3, 1/2, 1/6]
    probs = np.array([[0.2, 0.3, 0.1], [0.5, 0.5, 0.5]])
    y = np.array([1, 2])
    expected = -(np.log(0.5) + np.log(1 / 3)) / 2
    assert losses.sparse_categorical_crossentropy(y, probs) == pytest.approx(expected, rel=1e-12)
    assert losses.categorical_crossentropy(np.eye(3)[y], probs) == pytest.approx(expected, rel=1e-12)
    loss_obj = losses.SparseCategoricalCrossentropy()
    grad = loss_obj.value_and_grad(probs, y)[1]
    h = 1e-7
    for idx in np.ndindex(*probs.shape):
        up, down = probs.copy(), probs.copy()
        up[idx] += h
        down[idx] -= h
        numeric = (loss_obj(y, up) - loss_obj(y, down)) / (2 * h)
        assert grad[idx] == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_predictions_must_be_two_dimensional():
    with pytest.raises(ValueError, match=r"shape \(batch, classes\), got \(2,\)"):
        losses.sparse_categorical_crossentropy([0, 1], [0.2, 0.8])


def test_labels_are_validated():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match=r"label 3 at index 1 is outside \[0, 3\)"):
        loss.value_and_grad(z, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"label -1 at index 0"):
        loss.value_and_grad(z, np.array([-1, 0]))
    with pytest.raises(ValueError, match="must be integers"):
        loss.value_and_grad(z, np.array([0.5, 1.0]))
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        loss.value_and_grad(z, np.eye(3)[:2] + 0.0)   # one-hot given to the sparse loss
    loss.value_and_grad(z, np.array([[0], [2]]))        # (n, 1) labels as Keras's CIFAR gives
    with pytest.raises(ValueError, match=r"one-hot labels of shape \(batch, 3\)"):
        losses.CategoricalCrossentropy(from_logits=True).value_and_grad(z, np.array([0, 1]))


def test_get_by_name_and_function():
    assert isinstance(losses.get("sparse_categorical_crossentropy"), losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get(losses.categorical_crossentropy), losses.CategoricalCrossentropy)
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        losses.get("hinge")


# ---------------------------------------------------------------- heads (issue 14), Keras's rule
def identity_head(activation, *after):
    """Dense(3) with an identity kernel: the pre-activation equals the input row."""
    import minicnn
    from minicnn.layers import Dense
    model = minicnn.Sequential([Dense(3, activation=activation, input_shape=(3,)), *after])
    model.layers[0].params["kernel"][...] = np.eye(3)
    return model


def evaluate_loss(model, loss, x, y):
    import minicnn
    model.compile(minicnn.optimizers.SGD(0.1), loss, metrics=None)
    return model.evaluate(np.array([x], dtype=np.float32), np.array([y]), verbose=0)


@pytest.mark.parametrize("labels", ["sparse", "onehot"])
def test_relu_head_of_zeros_gives_keras_log3_not_nan(labels):
    # Keras: 1.0986 with integer labels (clip, log, log-softmax); NaN with one-hot ones (0 / 0).
    loss = losses.SparseCategoricalCrossentropy() if labels == "sparse" else losses.CategoricalCrossentropy()
    y = 0 if labels == "sparse" else [1.0, 0.0, 0.0]
    assert evaluate_loss(identity_head("relu"), loss, [-1.0, -2.0, -3.0], y) == pytest.approx(np.log(3), rel=1e-6)
    value, grad = loss.value_and_grad(np.zeros((1, 3)), np.array([y]))
    assert value == pytest.approx(np.log(3)) and np.all(grad == 0)  # clipped everywhere: no gradient


def test_linear_head_sparse_clips_before_normalizing_like_keras():
    # outputs [2, 1, -1] -> clip [1-e, 1-e, e] -> log-softmax: (1 - e) / (2 - e) for label 0
    assert evaluate_loss(identity_head(None), "sparse_categorical_crossentropy", [2.0, 1.0, -1.0], 0) \
        == pytest.approx(0.6931, abs=1e-4)


def test_softmax_head_with_from_logits_uses_the_softmax_inputs_and_warns_once():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    model = identity_head("softmax")
    with pytest.warns(UserWarning, match="from_logits=True.*softmax.*Remove from_logits=True"):
        value = evaluate_loss(model, loss, [2.0, 1.0, -1.0], 0)
    assert value == pytest.approx(np.log(np.exp([2.0, 1.0, -1.0]).sum()) - 2.0, rel=1e-6)  # 0.3490, not 0.7663
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.evaluate(np.array([[2.0, 1.0, -1.0]], np.float32), np.array([0]), verbose=0)


@pytest.mark.parametrize("after", ["linear", "dropout"])
def test_logits_pass_through_layers_that_return_their_input(after):
    from minicnn.layers import Activation, Dropout
    layer = Activation("linear") if after == "linear" else Dropout(0.5)
    model = identity_head("softmax", layer)
    assert evaluate_loss(model, "sparse_categorical_crossentropy", [0.0, -20.0, 20.0], 0) \
        == pytest.approx(20.0, rel=1e-6)  # not 16.118, the clipped probability


def test_dropout_in_training_breaks_the_pass_through_as_in_keras():
    from minicnn.layers import Dropout
    model = identity_head("softmax", Dropout(0.5, seed=1))
    model.compile(losses_sgd(), "sparse_categorical_crossentropy", metrics=None)
    x = np.array([[0.0, -20.0, 20.0]], np.float32)
    out = model._forward(x, True)
    model._loss_and_grad(out, np.array([0]))
    assert model._heads_at_logits == [None]  # Dropout in training returned a new array
    out = model._forward(x, False)
    model._loss_and_grad(out, np.array([0]))
    assert model._heads_at_logits[0][1].layer is model.layers[0]  # through Dropout at inference


def losses_sgd():
    import minicnn
    return minicnn.optimizers.SGD(0.1)


@pytest.mark.filterwarnings("ignore:sparse_categorical_crossentropy received from_logits=True")
def test_training_through_every_head_gives_the_finite_difference_gradient():
    """The model's backward from whichever tensor the loss read matches central differences of the loss."""
    import minicnn
    from minicnn.layers import Activation, Dense
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4, 5))
    y = rng.integers(0, 3, 4)
    for head, loss in [("softmax", losses.SparseCategoricalCrossentropy(from_logits=True)),
                       (None, losses.SparseCategoricalCrossentropy()),
                       (None, losses.CategoricalCrossentropy(label_smoothing=0.1)),
                       ("softmax", losses.CategoricalCrossentropy(reduction="sum"))]:
        model = minicnn.Sequential([Dense(3, activation=head, input_shape=(5,)), Activation("linear")])
        model.compile(minicnn.optimizers.SGD(0.1), loss, metrics=None)
        model.cast("float64")
        kernel = model.layers[0].params["kernel"]
        kernel[...] = rng.uniform(0.05, 0.3, kernel.shape)  # positive outputs for the probability forms
        labels = np.eye(3)[y] if isinstance(loss, losses.CategoricalCrossentropy) else y
        out = model._forward(x, True)
        model._loss_and_grad(out, labels)
        model._backward(model._loss_and_grad(out, labels)[1])
        analytic = model.layers[0].grads["kernel"].copy()
        numeric = np.zeros_like(kernel)
        for idx in np.ndindex(*kernel.shape):
            kernel[idx] += 1e-6
            up = model._loss_and_grad(model._forward(x, True), labels)[0]
            kernel[idx] -= 2e-6
            down = model._loss_and_grad(model._forward(x, True), labels)[0]
            kernel[idx] += 1e-6
            numeric[idx] = (up - down) / 2e-6
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9, err_msg=f"{head} {loss.get_config()}")


def numeric_grad(f, z, h=1e-6):
    g = np.zeros_like(z)
    for idx in np.ndindex(*z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += h
        down[idx] -= h
        g[idx] = (f(up) - f(down)) / (2 * h)
    return g


LOSS_CASES = [
    lambda: losses.SparseCategoricalCrossentropy(),
    lambda: losses.SparseCategoricalCrossentropy(label_smoothing=0.2),
    lambda: losses.CategoricalCrossentropy(),
    lambda: losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2, reduction="sum"),
    lambda: losses.BinaryCrossentropy(),
    lambda: losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
    lambda: losses.MeanSquaredError(),
    lambda: losses.MeanAbsoluteError(reduction="sum"),
    lambda: losses.Huber(delta=0.3),
]


def labels_for(loss, rng, n, k):
    if isinstance(loss, losses.SparseCategoricalCrossentropy):
        return rng.integers(0, k, n)
    if isinstance(loss, losses.CategoricalCrossentropy):
        return np.eye(k)[rng.integers(0, k, n)]
    if isinstance(loss, losses.BinaryCrossentropy):
        return rng.integers(0, 2, (n, k)).astype(float)
    return rng.uniform(-1, 1, (n, k))


@pytest.mark.parametrize("case", range(len(LOSS_CASES)))
@given(n=st.integers(1, 4), k=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_every_loss_gradient_is_numerically_right(case, n, k, seed):
    loss = LOSS_CASES[case]()
    rng = np.random.default_rng(seed)
    if isinstance(loss, (losses.SparseCategoricalCrossentropy, losses.CategoricalCrossentropy)) and k == 1:
        k = 2
    if getattr(loss, "from_logits", False) or not loss.reads_logits:
        outputs = rng.uniform(-2, 2, (n, k))
        outputs[np.abs(outputs) < 0.05] = 0.5   # off MAE's kink at 0 (targets are drawn apart below)
    else:
        outputs = rng.uniform(0.05, 0.95, (n, k))  # inside the clip range
    y = labels_for(loss, rng, n, k)
    if isinstance(loss, losses.MeanAbsoluteError):
        y = outputs + rng.choice([-1, 1], outputs.shape) * rng.uniform(0.05, 1, outputs.shape)
    if isinstance(loss, losses.Huber):
        err = rng.choice([-1, 1], outputs.shape) * rng.choice([0.1, 0.2, 0.5, 1.0], outputs.shape)
        y = outputs - err  # |error| away from delta = 0.3
    value, grad = loss.value_and_grad(outputs, y)
    np.testing.assert_allclose(grad, numeric_grad(lambda z: loss.value_and_grad(z, y)[0], outputs),
                               rtol=1e-5, atol=1e-8)
    assert np.isfinite(value)


def test_binary_and_regression_losses_by_hand():
    p = np.array([[0.9], [0.2]])
    t = np.array([1, 0])
    assert losses.binary_crossentropy(t, p) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    z = np.array([[3.0], [-1.0]])
    s = 1 / (1 + np.exp(-z))
    assert losses.BinaryCrossentropy(from_logits=True)(t, z) == pytest.approx(-(np.log(s[0, 0]) + np.log(1 - s[1, 0])) / 2)
    ls = losses.BinaryCrossentropy(label_smoothing=0.2)(t, p)   # targets 0.9 and 0.1
    assert ls == pytest.approx(-(0.9 * np.log(0.9) + 0.1 * np.log(0.1) + 0.1 * np.log(0.2) + 0.9 * np.log(0.8)) / 2)
    pred, true = np.array([[1.0, 2.0], [0.0, -3.0]]), np.array([[0.0, 2.0], [1.0, 0.0]])
    assert losses.MeanSquaredError()(true, pred) == pytest.approx((1 + 0 + 1 + 9) / 4)
    assert losses.MeanAbsoluteError()(true, pred) == pytest.approx((1 + 0 + 1 + 3) / 4)
    assert losses.Huber()(true, pred) == pytest.approx((0.5 + 0 + 0.5 + 2.5) / 4)
    assert losses.CategoricalCrossentropy(label_smoothing=0.3)(np.array([[0.0, 1.0]]), np.array([[0.25, 0.75]])) \
        == pytest.approx(-(0.15 * np.log(0.25) + 0.85 * np.log(0.75)))


def test_extreme_binary_logits_are_finite():
    z = np.array([[1e4], [-1e4], [0.0]])
    value, grad = losses.BinaryCrossentropy(from_logits=True).value_and_grad(z, np.array([0.0, 1.0, 1.0]))
    assert value == pytest.approx((1e4 + 1e4 + np.log(2)) / 3) and np.isfinite(grad).all()


def test_reductions_and_their_errors():
    p, y = np.array([[0.2, 0.8], [0.6, 0.4]]), np.array([1, 0])
    per_sample = losses.SparseCategoricalCrossentropy(reduction="none")(y, p)
    np.testing.assert_allclose(per_sample, -np.log([0.8, 0.6]))
    assert losses.SparseCategoricalCrossentropy(reduction="sum")(y, p) == pytest.approx(per_sample.sum())
    assert losses.SparseCategoricalCrossentropy(reduction="mean")(y, p) == pytest.approx(per_sample.mean())
    with pytest.raises(ValueError, match="unknown reduction 'avg'"):
        losses.MeanSquaredError(reduction="avg")
    import minicnn
    from minicnn.layers import Dense
    model = minicnn.Sequential([Dense(2, input_shape=(3,))])
    with pytest.raises(ValueError, match="reduction='none' gives one loss per sample"):
        model.compile("sgd", losses.MeanSquaredError(reduction="none"))


def test_label_errors_name_what_was_expected():
    with pytest.raises(ValueError, match=r"labels in \[0, 1\], got 3.0 at index \(1, 0\)"):
        losses.BinaryCrossentropy()(np.array([0, 3]), np.array([[0.5], [0.5]]))
    with pytest.raises(ValueError, match=r"labels of shape \(2, 2\).*got \(2, 3\)"):
        losses.MeanSquaredError()(np.zeros((2, 3)), np.zeros((2, 2)))


def test_binary_head_trains_and_counts_accuracy_as_keras():
    import minicnn
    from minicnn.layers import Dense
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    minicnn.set_seed(0)
    model = minicnn.Sequential([Dense(1, input_shape=(4,))])
    model.compile(minicnn.optimizers.SGD(0.5), losses.BinaryCrossentropy(from_logits=True))
    model.fit(x, y, epochs=20, batch_size=16, verbose=0)
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy >= 0.9  # binary accuracy (threshold 0.5), not argmax over one output
    assert minicnn.metrics.count_correct(np.array([[0.7], [0.2], [0.6]]), np.array([1, 1, 0])) == 1.0
    assert minicnn.metrics.count_correct(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[1], [0]])) == 2.0


def test_loss_configs_round_trip():
    for make in LOSS_CASES:
        loss = make()
        again = losses.from_config(loss.get_config())
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
