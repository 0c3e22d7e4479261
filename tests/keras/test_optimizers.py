"""minicnn.keras.optimizers: Keras 3's classes and names, Keras 2's spellings (lr=, decay=, lower-case
factories) with their DeprecationWarnings, schedules, and refusals of what minicnn lacks."""
import warnings

import numpy as np
import pytest

from minicnn import keras
from minicnn import optimizers as core
from minicnn.keras import layers, models, optimizers


def test_keras_classes_are_the_core_optimizers_with_keras_arguments():
    opt = optimizers.RMSprop(learning_rate=0.01, rho=0.8, momentum=0.5, centered=True, weight_decay=0.1,
                             clipnorm=1.0, name="rms", use_ema=False, loss_scale_factor=None)
    assert isinstance(opt, core.RMSprop) and isinstance(opt, optimizers.Optimizer)
    assert (opt.rho, opt.momentum, opt.centered, opt.weight_decay, opt.clipnorm) == (0.8, 0.5, True, 0.1, 1.0)
    assert optimizers.Adam(amsgrad=True).amsgrad
    assert optimizers.AdamW().weight_decay == 0.004
    with pytest.raises(ValueError, match=r"Argument\(s\) not recognized: \{'betas': 1\}"):
        optimizers.Adam(betas=1)


@pytest.mark.parametrize("name", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"])
def test_string_names_in_any_case(name):
    for spelling in (name, name.upper(), type(optimizers.get(name)).__name__):
        assert type(optimizers.get(spelling)).__name__.lower() == name


def test_get_takes_keras_config_dicts_and_serialize_writes_them():
    schedule = optimizers.schedules.ExponentialDecay(0.1, 10, 0.9)
    opt = optimizers.get(optimizers.serialize(optimizers.Nadam(schedule, beta_1=0.8)))
    assert isinstance(opt, core.Nadam) and opt.beta_1 == 0.8
    assert opt.schedule.get_config() == schedule.get_config()
    keras_config = {"module": "keras.optimizers", "class_name": "Adam", "registered_name": None,
                    "config": {"name": "adam", "learning_rate": 0.002, "weight_decay": None, "clipnorm": None,
                               "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
                               "ema_overwrite_frequency": None, "loss_scale_factor": None,
                               "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999,
                               "epsilon": 1e-07, "amsgrad": False}}
    assert optimizers.get(keras_config).learning_rate == 0.002


def test_lr_is_the_old_name_of_learning_rate():
    with pytest.warns(DeprecationWarning, match=r"`lr` is Keras 2's name of `learning_rate`, which Keras 3 removed"):
        opt = optimizers.SGD(lr=0.5, momentum=0.9)
    assert opt.learning_rate == 0.5
    with pytest.raises(ValueError, match="give the learning rate once"):
        optimizers.SGD(0.1, lr=0.5)
    with pytest.warns(DeprecationWarning, match="optimizer.lr is Keras 2's name of optimizer.learning_rate"):
        opt.lr = 0.25
    with pytest.warns(DeprecationWarning, match="Keras 3 removed: use optimizer.learning_rate"):
        assert opt.lr == 0.25 == opt.learning_rate


def test_decay_is_keras2_inverse_time_decay_with_a_warning_that_keras3_ignores_it():
    with pytest.warns(DeprecationWarning, match=r"Keras 3 removed it \(it ignores the argument.*InverseTimeDecay"):
        opt = optimizers.SGD(learning_rate=0.1, decay=0.5)
    w = np.ones(2)
    for _ in range(3):
        opt.apply_gradients([("w", w, np.ones(2))])
    np.testing.assert_allclose(w, 1 - 0.1 * (1 + 1 / 1.5 + 1 / 2.0))
    assert core.from_config(opt.get_config()).decay == 0.5


@pytest.mark.parametrize("factory,cls,keras2_lr", [
    (optimizers.sgd, core.SGD, 0.01), (optimizers.rmsprop, core.RMSprop, 0.001),
    (optimizers.adagrad, core.Adagrad, 0.01), (optimizers.adadelta, core.Adadelta, 1.0),
    (optimizers.adam, core.Adam, 0.001), (optimizers.adamax, core.Adamax, 0.002),
    (optimizers.nadam, core.Nadam, 0.002)])
def test_lower_case_factories_are_keras2_aliases_with_keras2_default_learning_rates(factory, cls, keras2_lr):
    name = cls.__name__
    with pytest.warns(DeprecationWarning, match=rf"keras.optimizers.{factory.__name__}\(\) is Keras 2's lower-case "
                                                rf"alias of keras.optimizers.{name}, which Keras 3 removed: use "
                                                rf"keras.optimizers.{name}\(...\)") as caught:
        opt = factory()
    assert isinstance(opt, cls) and opt.learning_rate == keras2_lr
    assert caught[0].filename == __file__  # the warning points at the user's line
    with pytest.warns(DeprecationWarning):
        assert factory(lr=0.25).learning_rate == 0.25


def deprecations(make):
    """``make()`` and the messages of the DeprecationWarnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
    assert all(w.category is DeprecationWarning and w.filename == __file__ for w in caught)
    return result, " | ".join(str(w.message) for w in caught)


def test_keras2_epsilon_none_and_nadam_schedule_decay():
    opt, said = deprecations(lambda: optimizers.Adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0,
                                                     amsgrad=False))
    assert opt.epsilon == 1e-7 and opt.decay == 0.0
    assert "Adam(epsilon=None) is Keras 2's 'use backend.epsilon()', 1e-07" in said
    assert "Adam(decay=0.0): `decay` is Keras 2's inverse-time decay, here switched off; Keras 3 removed it" in said
    opt, said = deprecations(lambda: optimizers.Nadam(lr=0.002, epsilon=None, schedule_decay=0.004))
    assert "Nadam(schedule_decay=0.004) is Keras 2's Nadam momentum warm-up" in said
    assert opt.schedule_decay == 0.004 and core.from_config(opt.get_config()).schedule_decay == 0.004
    opt, said = deprecations(optimizers.nadam)
    assert opt.schedule_decay == 0.004 and "schedule_decay=0.004 (Keras 3 removed it)" in said
    assert optimizers.Nadam().schedule_decay is None  # Keras 3's formula
    with pytest.raises(ValueError, match="not recognized.*schedule_decay"):
        optimizers.Adam(schedule_decay=0.004)


def test_the_keras2_cifar10_example_line_runs():
    opt, said = deprecations(lambda: keras.optimizers.rmsprop(lr=0.0001, decay=1e-6))
    assert said.count(" | ") == 2  # the alias, lr and decay
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=opt, metrics=["accuracy"])
    model.train_on_batch(np.ones((2, 4), np.float32), np.eye(3, dtype=np.float32)[[0, 1]])
    assert opt.iterations == 1 and opt.current_learning_rate() == pytest.approx(0.0001 / (1 + 1e-6))


def test_compile_defaults_to_rmsprop_as_in_keras():
    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy")
    assert isinstance(model.optimizer, core.RMSprop) and model.optimizer.learning_rate == 0.001


def test_schedules_are_reachable_the_ways_lessons_write_them():
    from minicnn.keras.optimizers.schedules import CosineDecay, LearningRateSchedule
    assert keras.optimizers.schedules.ExponentialDecay is core.schedules.ExponentialDecay
    opt = optimizers.SGD(learning_rate=CosineDecay(0.1, 100, warmup_target=0.2, warmup_steps=10))
    assert isinstance(opt.schedule, LearningRateSchedule) and opt.learning_rate == 0.1


@pytest.mark.parametrize("make,match", [
    (lambda: optimizers.Lion, "Lion.*SGD, Adam, AdamW, RMSprop"),
    (lambda: optimizers.get("ftrl"), "ftrl"),
    (lambda: optimizers.Adam(use_ema=True), "use_ema"),
    (lambda: optimizers.RMSprop(loss_scale_factor=128.0), "loss_scale_factor"),
    (lambda: optimizers.SGD(gradient_accumulation_steps=4), "gradient_accumulation_steps"),
])
def test_what_minicnn_lacks_raises_not_implemented(make, match):
    with pytest.raises(NotImplementedError, match=match):
        make()
