"""minicnn.schedules: each schedule against its Keras 3 formula by hand, argument checks, Keras's
serialized form, user subclasses, and schedules in fit, callbacks and save/load."""
import math

import numpy as np
import pytest

import minicnn
from minicnn import schedules
from minicnn.callbacks import LearningRateScheduler, ReduceLROnPlateau


def test_exponential_decay_by_hand():
    s = schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5)
    assert [s(t) for t in (0, 2, 4, 8)] == pytest.approx([0.1, 0.1 * 0.5 ** 0.5, 0.05, 0.025], rel=1e-15)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=True)
    assert [stairs(t) for t in (0, 3, 4, 7, 8)] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025], rel=1e-15)


def test_inverse_time_decay_by_hand():
    s = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5)
    assert [s(t) for t in (0, 1, 2, 6)] == pytest.approx([0.1, 0.1 / 1.25, 0.1 / 1.5, 0.1 / 2.5], rel=1e-15)
    stairs = schedules.InverseTimeDecay(0.1, decay_steps=2, decay_rate=0.5, staircase=True)
    assert [stairs(t) for t in (0, 1, 2, 3)] == pytest.approx([0.1, 0.1, 0.1 / 1.5, 0.1 / 1.5], rel=1e-15)


def test_piecewise_constant_decay_boundaries_belong_to_the_interval_below():
    s = schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5, 0.1])
    assert [s(t) for t in range(8)] == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.1, 0.1]
    with pytest.raises(ValueError, match="1 less than the length of values"):
        schedules.PiecewiseConstantDecay([2, 5], [1.0, 0.5])
    with pytest.raises(ValueError, match="strictly increasing"):
        schedules.PiecewiseConstantDecay([5, 2], [1.0, 0.5, 0.1])


def test_polynomial_decay_by_hand():
    s = schedules.PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.02, power=2.0)
    assert [s(t) for t in (0, 1, 4, 9)] == pytest.approx([0.1, 0.08 * 0.75 ** 2 + 0.02, 0.02, 0.02], rel=1e-15)
    cyc = schedules.PolynomialDecay(0.1, decay_steps=4, end_learning_rate=0.0, cycle=True)
    # step 6 lies in the second period, decay_steps -> 8: 0.1 * (1 - 6 / 8)
    assert [cyc(t) for t in (0, 4, 6)] == pytest.approx([0.1, 0.0, 0.025], rel=1e-15, abs=1e-18)


def test_cosine_decay_without_and_with_warmup_by_hand():
    s = schedules.CosineDecay(0.1, decay_steps=4, alpha=0.2)
    expected = [0.1 * (0.8 * 0.5 * (1 + math.cos(math.pi * min(t, 4) / 4)) + 0.2) for t in range(7)]
    assert [s(t) for t in range(7)] == pytest.approx(expected, rel=1e-15)
    assert s(2) == pytest.approx(0.1 * 0.6) and s(10) == pytest.approx(0.02)
    warm = schedules.CosineDecay(0.0, decay_steps=2, warmup_target=0.1, warmup_steps=4)
    # linear 0 -> 0.1 over steps 0..4, then cosine from 0.1 to 0 over 2 more steps, then constant
    assert [warm(t) for t in range(8)] == pytest.approx([0.0, 0.025, 0.05, 0.075, 0.1, 0.05, 0.0, 0.0], abs=1e-15)


def test_cosine_decay_restarts_by_hand():
    s = schedules.CosineDecayRestarts(1.0, first_decay_steps=2, t_mul=2.0, m_mul=0.5)
    # periods [0, 2), [2, 6), [6, 14): peaks 1, 0.5, 0.25
    assert s(0) == pytest.approx(1.0) and s(1) == pytest.approx(0.5)
    assert s(2) == pytest.approx(0.5) and s(4) == pytest.approx(0.25)
    assert s(6) == pytest.approx(0.25)
    flat = schedules.CosineDecayRestarts(1.0, first_decay_steps=2, t_mul=1.0, alpha=0.1)
    assert [flat(t) for t in (0, 1, 2, 3)] == pytest.approx([1.0, 0.55, 1.0, 0.55])


@pytest.mark.parametrize("make", [lambda: schedules.ExponentialDecay(0.1, 0, 0.5),
                                  lambda: schedules.InverseTimeDecay(0.1, -1, 0.5),
                                  lambda: schedules.CosineDecay(0.1, 0),
                                  lambda: schedules.PolynomialDecay(0.1, 0),
                                  lambda: schedules.CosineDecayRestarts(0.1, 0)])
def test_decay_steps_must_be_positive(make):
    with pytest.raises(ValueError, match="decay_steps` must be > 0"):
        make()


def test_bad_numbers_are_refused():
    with pytest.raises(ValueError, match="initial_learning_rate must be a finite number"):
        schedules.ExponentialDecay("0.1", 10, 0.5)
    with pytest.raises(ValueError, match="`warmup_steps` must be >= 0. Received: warmup_steps=-1"):
        schedules.CosineDecay(0.1, 10, warmup_target=0.2, warmup_steps=-1)
    assert schedules.CosineDecay(0.0, 10, warmup_target=0.2, warmup_steps=4.0)(2) == 0.1  # floats, as Keras


class HalvingEveryStep(schedules.LearningRateSchedule):
    def __init__(self, initial_learning_rate):
        self.initial_learning_rate = initial_learning_rate

    def __call__(self, step):
        return self.initial_learning_rate * 0.5 ** step

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate}


def test_serialize_uses_keras_form_and_deserialize_rebuilds_builtins_and_user_classes():
    s = schedules.CosineDecay(0.0, 10, alpha=0.1, warmup_target=0.1, warmup_steps=3)
    blob = schedules.serialize(s)
    assert blob == {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
                    "config": s.get_config(), "registered_name": None}
    again = schedules.deserialize(blob)
    assert type(again) is schedules.CosineDecay and again.get_config() == s.get_config()
    mine = schedules.deserialize(schedules.serialize(HalvingEveryStep(0.4)))
    assert type(mine) is HalvingEveryStep and mine(2) == 0.1
    with pytest.raises(ValueError, match="unknown learning-rate schedule 'Nope'"):
        schedules.deserialize({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="must be a dict with 'class_name'"):
        schedules.deserialize("ExponentialDecay")


def test_a_schedule_returning_a_bad_rate_is_named():
    opt = minicnn.optimizers.SGD(HalvingEveryStep(float("nan")))
    with pytest.raises(ValueError, match="schedule HalvingEveryStep returned nan at step 0; expected a finite"):
        opt.apply_gradients([("w", np.ones(2), np.ones(2))])


def test_the_base_class_names_what_a_subclass_must_provide():
    class NoConfig(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="must override `get_config"):
        schedules.serialize(NoConfig())
    assert minicnn.optimizers.schedules is schedules
    from minicnn.optimizers.schedules import ExponentialDecay  # noqa: F401  (importable as a submodule)


# ---------------------------------------------------------------------- in training
def tiny_model(optimizer):
    model = minicnn.Sequential([minicnn.layers.Dense(3, input_shape=(4,)), minicnn.layers.Softmax()])
    model.compile(optimizer, "sparse_categorical_crossentropy")
    return model


def tiny_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((12, 4)).astype(np.float32), rng.integers(0, 3, 12)


def test_fit_applies_the_schedule_per_step_and_logs_its_value_at_each_epoch_end():
    x, y = tiny_data()
    schedule = schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    model = tiny_model(minicnn.optimizers.SGD(schedule, momentum=0.9))
    by_hand = tiny_model(minicnn.optimizers.SGD(0.1, momentum=0.9))
    by_hand.set_weights(model.get_weights())
    history = model.fit(x, y, batch_size=5, epochs=3, verbose=0, shuffle=False)  # 3 steps per epoch
    assert model.optimizer.iterations == 9
    assert history.history["learning_rate"] == pytest.approx([schedule(3), schedule(6), schedule(9)])
    for step in range(9):  # the same steps with the rate the schedule gives at steps 0..8
        batch = slice((step % 3) * 5, (step % 3) * 5 + 5)
        by_hand.optimizer.learning_rate = schedule(step)
        by_hand.train_on_batch(x[batch], y[batch])
    for a, b in zip(by_hand.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("callback", [LearningRateScheduler(lambda epoch, lr: lr * 0.5),
                                      ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0)],
                         ids=["LearningRateScheduler", "ReduceLROnPlateau"])
def test_callbacks_cannot_set_a_schedule_driven_learning_rate(callback):
    x, y = tiny_data()
    model = tiny_model(minicnn.optimizers.Adam(schedules.InverseTimeDecay(0.01, 1, 0.1)))
    with pytest.raises(TypeError, match="created with a `LearningRateSchedule`.*not settable"):
        model.fit(x, y, batch_size=5, epochs=2, verbose=0, callbacks=[callback])


def test_callbacks_still_set_a_float_learning_rate_under_keras2_decay():
    x, y = tiny_data()
    model = tiny_model(minicnn.optimizers.SGD(0.1, decay=0.5))
    history = model.fit(x, y, batch_size=5, epochs=2, verbose=0,
                        callbacks=[LearningRateScheduler(lambda epoch, lr: 0.2)])
    assert history.history["learning_rate"] == [0.2, 0.2]  # the base rate, as Keras 2 logged it
    assert model.optimizer.current_learning_rate() == pytest.approx(0.2 / (1 + 0.5 * 6))


def test_save_and_load_keep_a_user_schedule(tmp_path):
    x, y = tiny_data()
    model = tiny_model(minicnn.optimizers.RMSprop(HalvingEveryStep(0.05), momentum=0.5))
    model.fit(x, y, batch_size=5, epochs=1, verbose=0)
    model.save(tmp_path / "m.npz")
    loaded = minicnn.load_model(tmp_path / "m.npz")
    assert type(loaded.optimizer.schedule) is HalvingEveryStep
    assert loaded.optimizer.learning_rate == model.optimizer.learning_rate == 0.05 * 0.5 ** 3
