"""Parity with real Keras 3: every optimizer, its common arguments (weight_decay, clipnorm,
clipvalue, global_clipnorm, amsgrad) and every learning-rate schedule give the same weights step
after step, and schedule-driven learning rates behave the same in fit and callbacks.

The optimizers are compared on bare variables fed the same random float32 gradients for 6 steps
(two variables, so global_clipnorm sees more than one tensor), in float32 as lessons train.
Tolerance per variable and step: ``||a - b|| / ||b|| <= 2e-6`` (float32 rounding of a few
operations done in another order: minicnn's fused kernels and float64 scalars such as Adam's
lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) differ from Keras's float32 ops by about 1e-7, and Adam's
m / sqrt(v) amplifies that where successive gradients cancel; most cases agree bit for bit). TensorFlow is the optional extra ``bench``; without it these tests skip.
"""
import os
import warnings

import numpy as np
import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
tf = pytest.importorskip("tensorflow", reason="TensorFlow is the optional extra 'bench' "
                                              "(pip install minicnn[bench]); parity tests need it")
keras = pytest.importorskip("keras")

import minicnn  # noqa: E402
from minicnn.keras import optimizers as ours  # noqa: E402

TOL = 2e-6
STEPS = 6
SHAPES = [(3, 4), (5,)]


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


def gradients(seed, scale=1.0):
    rng = np.random.default_rng(seed)
    return [[(rng.standard_normal(s) * scale).astype(np.float32) for s in SHAPES] for _ in range(STEPS)]


def compare(our_opt, their_opt, seed=0, scale=1.0, tol=TOL):
    rng = np.random.default_rng(100 + seed)
    init = [rng.standard_normal(s).astype(np.float32) for s in SHAPES]
    theirs = [keras.Variable(w.copy(), dtype="float32", name=f"v{i}") for i, w in enumerate(init)]
    mine = [w.copy() for w in init]
    worst = 0.0
    for step, grads in enumerate(gradients(seed, scale)):
        their_opt.apply_gradients([(tf.constant(g), v) for g, v in zip(grads, theirs)])
        our_opt.apply_gradients([(f"layer/v{i}", w, g) for i, (w, g) in enumerate(zip(mine, grads))])
        for w, v in zip(mine, theirs):
            assert w.dtype == np.float32
            err = rel_err(w, v.numpy())
            worst = max(worst, err)
            assert err <= tol, f"step {step + 1}: relative error {err:.2e}"
    assert our_opt.iterations == int(their_opt.iterations) == STEPS
    return worst


CASES = {
    "sgd": dict(cls="SGD", learning_rate=0.05),
    "sgd_momentum_wd": dict(cls="SGD", learning_rate=0.05, momentum=0.9, weight_decay=0.1),
    "sgd_nesterov_global_clip": dict(cls="SGD", learning_rate=0.05, momentum=0.9, nesterov=True, global_clipnorm=1.0),
    "adam": dict(cls="Adam", learning_rate=0.01),
    "adam_amsgrad_clipnorm": dict(cls="Adam", learning_rate=0.01, beta_2=0.9, amsgrad=True, clipnorm=0.5),
    "adam_wd": dict(cls="Adam", learning_rate=0.01, weight_decay=0.05),
    "adamw": dict(cls="AdamW", learning_rate=0.01),
    "adamw_amsgrad": dict(cls="AdamW", learning_rate=0.01, weight_decay=0.1, amsgrad=True, beta_2=0.9),
    "rmsprop": dict(cls="RMSprop", learning_rate=0.01),
    "rmsprop_momentum": dict(cls="RMSprop", learning_rate=0.01, momentum=0.8, rho=0.8),
    "rmsprop_centered": dict(cls="RMSprop", learning_rate=0.01, centered=True),
    "rmsprop_centered_momentum_wd_clipvalue": dict(cls="RMSprop", learning_rate=0.01, centered=True, momentum=0.5,
                                                   weight_decay=0.1, clipvalue=0.7),
    "adagrad": dict(cls="Adagrad", learning_rate=0.1),
    "adagrad_wd": dict(cls="Adagrad", learning_rate=0.1, initial_accumulator_value=0.5, weight_decay=0.2),
    "adadelta": dict(cls="Adadelta", learning_rate=1.0),
    "adadelta_wd": dict(cls="Adadelta", learning_rate=1.0, rho=0.9, weight_decay=0.1, clipnorm=1.0),
    "adamax": dict(cls="Adamax", learning_rate=0.01),
    "adamax_wd": dict(cls="Adamax", learning_rate=0.01, beta_1=0.8, weight_decay=0.1),
    "nadam": dict(cls="Nadam", learning_rate=0.01),
    "nadam_wd_clip": dict(cls="Nadam", learning_rate=0.01, weight_decay=0.1, global_clipnorm=2.0),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_optimizer_trajectories_match_keras(case):
    kwargs = dict(CASES[case])
    name = kwargs.pop("cls")
    compare(getattr(ours, name)(**kwargs), getattr(keras.optimizers, name)(**kwargs))


def test_string_names_give_keras_defaults():
    for name in ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"]:
        mine, theirs = ours.get(name), keras.optimizers.get(name)
        assert type(mine).__name__ == type(theirs).__name__
        assert mine.learning_rate == pytest.approx(float(theirs.learning_rate), rel=1e-7)
        compare(mine, theirs, seed=1)


SCHEDULES = {
    "exponential": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5)),
    "exponential_staircase": ("ExponentialDecay", dict(initial_learning_rate=0.1, decay_steps=3, decay_rate=0.5,
                                                       staircase=True)),
    "inverse_time": ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.7)),
    "inverse_time_staircase": ("InverseTimeDecay", dict(initial_learning_rate=0.1, decay_steps=2, decay_rate=0.7,
                                                        staircase=True)),
    "piecewise": ("PiecewiseConstantDecay", dict(boundaries=[1, 3, 4], values=[0.1, 0.05, 0.02, 0.01])),
    "polynomial": ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=4, end_learning_rate=0.01,
                                           power=2.0)),
    "polynomial_cycle": ("PolynomialDecay", dict(initial_learning_rate=0.1, decay_steps=3, power=0.5, cycle=True)),
    "cosine": ("CosineDecay", dict(initial_learning_rate=0.1, decay_steps=4, alpha=0.1)),
    "cosine_warmup": ("CosineDecay", dict(initial_learning_rate=0.0, decay_steps=3, warmup_target=0.1,
                                          warmup_steps=2)),
    "cosine_restarts": ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=2, t_mul=1.5,
                                                    m_mul=0.8, alpha=0.05)),
    "cosine_restarts_t1": ("CosineDecayRestarts", dict(initial_learning_rate=0.1, first_decay_steps=2, t_mul=1.0)),
}


@pytest.mark.parametrize("case", sorted(SCHEDULES))
def test_schedules_match_keras_value_by_value_and_in_training(case):
    name, kwargs = SCHEDULES[case]
    mine = getattr(ours.schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    for step in range(12):
        assert mine(step) == pytest.approx(float(theirs(step)), rel=1e-6, abs=1e-9), f"step {step}"
    assert ours.schedules.serialize(mine) == keras.optimizers.schedules.serialize(theirs)
    compare(ours.SGD(mine, momentum=0.9), keras.optimizers.SGD(theirs, momentum=0.9))
    compare(ours.Adam(getattr(ours.schedules, name)(**kwargs), weight_decay=0.1),
            keras.optimizers.Adam(getattr(keras.optimizers.schedules, name)(**kwargs), weight_decay=0.1))


def test_keras2_decay_matches_keras_inverse_time_decay():
    with pytest.warns(DeprecationWarning, match="InverseTimeDecay"):
        mine = ours.RMSprop(learning_rate=0.01, decay=0.3)
    theirs = keras.optimizers.RMSprop(keras.optimizers.schedules.InverseTimeDecay(0.01, decay_steps=1, decay_rate=0.3))
    compare(mine, theirs)
    with warnings.catch_warnings():  # Keras 3 itself ignores decay with a warning, as the message says
        warnings.simplefilter("ignore")
        ignored = keras.optimizers.RMSprop(learning_rate=0.01, decay=0.3)
    compare(ours.RMSprop(learning_rate=0.01), ignored)


def test_optimizer_configs_carry_keras_argument_values():
    for case, kwargs in CASES.items():
        kwargs = dict(kwargs)
        name = kwargs.pop("cls")
        mine = getattr(ours, name)(**kwargs).get_config()
        theirs = getattr(keras.optimizers, name)(**kwargs).get_config()
        for key, value in mine.items():
            if isinstance(value, float):
                assert theirs[key] == pytest.approx(value, rel=1e-7), (case, key)
            elif key != "name":
                assert theirs[key] == value, (case, key)


# ---------------------------------------------------------------------- schedules in fit and callbacks
def tiny_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((12, 4)).astype(np.float32), rng.integers(0, 3, 12)


def fit_both(make_schedule, callbacks):
    x, y = tiny_data()
    results = []
    for lib in (keras, minicnn.keras):
        model = lib.models.Sequential([lib.layers.Input((4,)), lib.layers.Dense(3, activation="softmax")])
        model.compile(optimizer=lib.optimizers.SGD(make_schedule(lib)), loss="sparse_categorical_crossentropy")
        try:
            history = model.fit(x, y, batch_size=5, epochs=3, verbose=0, callbacks=callbacks(lib))
            results.append(history.history.get("learning_rate"))
        except TypeError as err:
            results.append(f"TypeError: {err}")
    return results


def test_fit_logs_the_schedule_value_at_each_epoch_end_like_keras():
    theirs, mine = fit_both(lambda lib: lib.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5),
                            lambda lib: [lib.callbacks.ReduceLROnPlateau(monitor="loss", patience=100)])
    assert len(theirs) == 3
    np.testing.assert_allclose(mine, theirs, rtol=1e-6)  # steps 3, 6, 9: 0.1 * 0.5 ** (steps / 2)


@pytest.mark.parametrize("callback", ["LearningRateScheduler", "ReduceLROnPlateau"])
def test_callbacks_cannot_set_a_schedule_driven_learning_rate_like_keras(callback):
    def callbacks(lib):
        if callback == "LearningRateScheduler":
            return [lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)]
        return [lib.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0)]
    theirs, mine = fit_both(lambda lib: lib.optimizers.schedules.ExponentialDecay(0.1, 2, 0.5), callbacks)
    assert theirs.startswith("TypeError") and "not settable" in theirs
    assert mine == theirs


# ---------------------------------------------------------------------- a whole CNN
MODEL_CASES = {
    "rmsprop": lambda lib: lib.optimizers.RMSprop(0.001),
    "rmsprop_centered_momentum": lambda lib: lib.optimizers.RMSprop(0.001, momentum=0.9, centered=True),
    "nadam": lambda lib: lib.optimizers.Nadam(0.002),
    "adadelta": lambda lib: lib.optimizers.Adadelta(1.0),
    "adagrad": lambda lib: lib.optimizers.Adagrad(0.01),
    "adamax": lambda lib: lib.optimizers.Adamax(0.002),
    "adamw_cosine_warmup": lambda lib: lib.optimizers.AdamW(
        lib.optimizers.schedules.CosineDecay(0.0, 3, warmup_target=0.001, warmup_steps=2), weight_decay=0.05),
    "sgd_exponential_clipnorm": lambda lib: lib.optimizers.SGD(
        lib.optimizers.schedules.ExponentialDecay(0.05, 2, 0.5), momentum=0.9, clipnorm=0.5),
}


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_small_cnn_trains_like_keras(case):
    """Five train_on_batch steps of the MNIST seed architecture and its Keras copy (minicnn.interop),
    in float64 as in test_keras_parity.py (float32 ReLU kinks would blur the comparison): every
    weight within 1e-5. (Most agree to 1e-7; AdamW's 6e-6 on the zero-initialized biases is Keras's
    float32 beta_2 in the bias correction, explained at test_keras_parity.test_optimizer_trajectories.)"""
    from minicnn import architectures
    from minicnn.interop import to_keras
    minicnn.set_seed(8)
    model = architectures.mnist(input_shape=(10, 10, 1))
    model.cast("float64")
    kmodel = to_keras(model)
    model.compile(MODEL_CASES[case](minicnn.keras), "sparse_categorical_crossentropy")
    kmodel.compile(optimizer=MODEL_CASES[case](keras),
                   loss=keras.losses.SparseCategoricalCrossentropy(dtype="float64"))
    rng = np.random.default_rng(0)
    before = [w.copy() for w in model.get_weights()]
    for _ in range(5):
        x, y = rng.normal(0, 1, (8, 10, 10, 1)), rng.integers(0, 10, 8)
        model.train_on_batch(x, y)
        kmodel.train_on_batch(x, y)
    theirs = [w for layer in kmodel.layers for w in layer.get_weights()]
    for w0, a, b in zip(before, model.get_weights(), theirs, strict=True):
        assert not np.array_equal(a, w0)
        assert rel_err(a, b) <= 1e-5
