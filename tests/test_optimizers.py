"""minicnn.optimizers: every optimizer against its Keras 3 formula written out by hand, step by
step, in float64; weight decay, clipping, Keras 2's decay, schedules and the state round trip."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from minicnn import optimizers
from minicnn.optimizers import schedules

W0 = np.array([1.0, -2.0, 0.5])
GRADS = [np.array([0.1, -0.2, 0.3]), np.array([-0.4, 0.5, 0.0]), np.array([0.2, 0.2, -0.1])]
ALL = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"]


def run(opt, dtype=np.float64, grads=GRADS, key="w"):
    w = W0.astype(dtype)
    trajectory = []
    for g in grads:
        opt.apply_gradients([(key, w, g.astype(dtype))])
        trajectory.append(w.copy())
    return trajectory


def assert_trajectory(opt, expected, rtol=1e-12):
    for got, want in zip(run(opt), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-15)


def test_plain_sgd():
    traj = run(optimizers.SGD(0.1))
    np.testing.assert_allclose(traj[-1], W0 - 0.1 * sum(GRADS), rtol=1e-12)


def test_sgd_momentum_matches_keras_formula_by_hand():
    lr, mom = 0.1, 0.9
    w, v, expected = W0.copy(), np.zeros(3), []
    for g in GRADS:
        v = mom * v - lr * g
        w = w + v
        expected.append(w)
    assert_trajectory(optimizers.SGD(lr, momentum=mom), expected)
    # step 1 by hand: v = -0.01, 0.02, -0.03
    np.testing.assert_allclose(run(optimizers.SGD(lr, momentum=mom))[0], [0.99, -1.98, 0.47])


def test_sgd_nesterov_matches_keras_formula_by_hand():
    lr, mom = 0.1, 0.9
    w, v, expected = W0.copy(), np.zeros(3), []
    for g in GRADS:
        v = mom * v - lr * g
        w = w + mom * v - lr * g
        expected.append(w)
    assert_trajectory(optimizers.SGD(lr, momentum=mom, nesterov=True), expected)


def adam_by_hand(lr, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, wd=0.0):
    w, m, v, v_hat, expected = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(GRADS, start=1):
        w = w - w * wd * lr
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        v_hat = np.maximum(v_hat, v)
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - lr_t * m / (np.sqrt(v_hat if amsgrad else v) + eps)
        expected.append(w)
    return expected


def test_adam_matches_keras_formula_by_hand():
    assert_trajectory(optimizers.Adam(0.01), adam_by_hand(0.01))
    # first step moves every weight by about lr against its gradient's sign
    np.testing.assert_allclose(run(optimizers.Adam(0.01))[0], W0 - 0.01 * np.sign(GRADS[0]), rtol=1e-5)


def test_adam_amsgrad_keeps_the_largest_second_moment():
    expected = adam_by_hand(0.01, b2=0.5, amsgrad=True)
    assert_trajectory(optimizers.Adam(0.01, beta_2=0.5, amsgrad=True), expected)
    # the third gradient's second moment shrinks for the last weight: amsgrad must differ there
    assert not np.allclose(expected[-1], adam_by_hand(0.01, b2=0.5)[-1])


def test_adamw_is_adam_after_decoupled_weight_decay():
    assert_trajectory(optimizers.AdamW(0.01, weight_decay=0.1), adam_by_hand(0.01, wd=0.1))
    assert optimizers.AdamW().weight_decay == 0.004
    with pytest.raises(ValueError, match="weight_decay.*must be a float"):
        optimizers.AdamW(weight_decay=None)


@pytest.mark.parametrize("momentum,centered", [(0.0, False), (0.5, False), (0.0, True), (0.5, True)])
def test_rmsprop_matches_keras_formula_by_hand(momentum, centered):
    lr, rho, eps = 0.01, 0.9, 1e-7
    w, v, a, mom, expected = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for g in GRADS:
        v = rho * v + (1 - rho) * g * g
        a = rho * a + (1 - rho) * g
        increment = lr * g / np.sqrt((v - a * a if centered else v) + eps)
        mom = momentum * mom + increment
        w = w - (mom if momentum else increment)
        expected.append(w)
    assert_trajectory(optimizers.RMSprop(lr, momentum=momentum, centered=centered), expected)


def test_rmsprop_first_step_by_hand():
    # v = 0.1 g^2, so w moves by lr * g / sqrt(0.1 g^2 + eps) ~ lr * sign(g) / sqrt(0.1)
    np.testing.assert_allclose(run(optimizers.RMSprop(0.01))[0], W0 - 0.01 * np.sign(GRADS[0]) / np.sqrt(0.1),
                               rtol=1e-5)


def test_adagrad_matches_keras_formula_by_hand():
    lr, eps = 0.1, 1e-7
    w, acc, expected = W0.copy(), np.full(3, 0.1), []
    for g in GRADS:
        acc = acc + g * g
        w = w - lr * g / np.sqrt(acc + eps)
        expected.append(w)
    assert_trajectory(optimizers.Adagrad(lr), expected)
    # step 1 for the first weight: acc = 0.1 + 0.01, w = 1 - 0.1 * 0.1 / sqrt(0.11)
    assert run(optimizers.Adagrad(lr))[0][0] == pytest.approx(1 - 0.01 / np.sqrt(0.11), rel=1e-6)
    assert run(optimizers.Adagrad(lr, initial_accumulator_value=0.0))[0][0] == pytest.approx(0.9, rel=1e-5)


def test_adadelta_matches_keras_formula_by_hand():
    lr, rho, eps = 1.0, 0.95, 1e-7
    w, acc_g, acc_d, expected = W0.copy(), np.zeros(3), np.zeros(3), []
    for g in GRADS:
        acc_g = rho * acc_g + (1 - rho) * g * g
        delta = -np.sqrt(acc_d + eps) * g / np.sqrt(acc_g + eps)
        acc_d = rho * acc_d + (1 - rho) * delta * delta
        w = w + lr * delta
        expected.append(w)
    assert_trajectory(optimizers.Adadelta(lr), expected)
    assert optimizers.Adadelta().learning_rate == 0.001  # Keras 3's default (Keras 2 had 1.0)


def test_adamax_matches_keras_formula_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w, m, u, expected = W0.copy(), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(GRADS, start=1):
        m = m + (g - m) * (1 - b1)
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
        expected.append(w)
    assert_trajectory(optimizers.Adamax(lr), expected)


@pytest.mark.parametrize("schedule_decay", [None, 0.004])
def test_nadam_matches_keras_formula_by_hand(schedule_decay):
    # Keras 3: 0.96 ** t; Keras 2's schedule_decay d: 0.96 ** (t * d)
    lr, b1, b2, eps, d = 0.01, 0.9, 0.999, 1e-7, schedule_decay or 1.0
    w, m, v, product, expected = W0.copy(), np.zeros(3), np.zeros(3), 1.0, []
    for t, g in enumerate(GRADS, start=1):
        u_t = b1 * (1 - 0.5 * 0.96 ** (t * d))
        u_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * d))
        product = product * u_t
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
        v_hat = v / (1 - b2 ** t)
        w = w - m_hat * lr / (np.sqrt(v_hat) + eps)
        expected.append(w)
    assert_trajectory(optimizers.Nadam(lr, schedule_decay=schedule_decay), expected)


# ---------------------------------------------------------------------- weight decay and clipping
@pytest.mark.parametrize("name", ALL)
def test_weight_decay_shrinks_every_weight_by_lr_times_decay(name):
    # with a zero gradient every update is zero, so only w -= w * wd * lr remains
    opt = optimizers.get(name)
    opt.learning_rate, opt.weight_decay = 0.1, 0.2
    traj = run(opt, grads=[np.zeros(3)] * 3)
    np.testing.assert_allclose(traj[-1], W0 * (1 - 0.02) ** 3, rtol=1e-12)


def test_weight_decay_comes_before_the_update_and_uses_the_step_learning_rate():
    lr = schedules.PiecewiseConstantDecay([0], [0.1, 0.05])
    w, expected = W0.copy(), []
    for t, g in enumerate(GRADS):
        rate = 0.1 if t == 0 else 0.05
        w = w - w * 0.3 * rate
        w = w - rate * g
        expected.append(w)
    assert_trajectory(optimizers.SGD(lr, weight_decay=0.3), expected)


def test_exclude_from_weight_decay_by_name_and_by_array():
    opt = optimizers.SGD(0.1, weight_decay=0.5)
    kernel, bias, gamma = np.ones(2), np.ones(2), np.ones(2)
    opt.exclude_from_weight_decay(var_list=[gamma], var_names=["bias"])
    opt.apply_gradients([("dense/kernel", kernel, np.zeros(2)), ("dense/bias", bias, np.zeros(2)),
                         ("bn/gamma", gamma, np.zeros(2))])
    np.testing.assert_array_equal(kernel, [0.95, 0.95])
    np.testing.assert_array_equal(bias, [1.0, 1.0])
    np.testing.assert_array_equal(gamma, [1.0, 1.0])
    with pytest.raises(ValueError, match="before the optimizer is built"):
        opt.exclude_from_weight_decay(var_names=["kernel"])


def test_clipnorm_clips_each_gradient_by_its_own_norm():
    a, b = np.zeros(2), np.zeros(2)
    ga, gb = np.array([3.0, 4.0]), np.array([0.3, 0.4])  # norms 5 and 0.5
    optimizers.SGD(1.0, clipnorm=1.0).apply_gradients([("a", a, ga), ("b", b, gb)])
    np.testing.assert_allclose(a, [-0.6, -0.8])
    np.testing.assert_allclose(b, [-0.3, -0.4])
    np.testing.assert_array_equal(ga, [3.0, 4.0])  # the layer's gradient is not modified


def test_global_clipnorm_clips_all_gradients_by_one_norm():
    a, b = np.zeros(2), np.zeros(1)
    optimizers.SGD(1.0, global_clipnorm=2.6).apply_gradients([("a", a, np.array([3.0, 4.0])),
                                                              ("b", b, np.array([12.0]))])  # norm 13
    np.testing.assert_allclose(a, [-0.6, -0.8])
    np.testing.assert_allclose(b, [-2.4])


def test_clipvalue_clips_each_entry():
    a = np.zeros(3)
    optimizers.SGD(1.0, clipvalue=0.5).apply_gradients([("a", a, np.array([-2.0, 0.25, 0.7]))])
    np.testing.assert_allclose(a, [0.5, -0.25, -0.5])
    with pytest.raises(ValueError, match="Only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        optimizers.Adam(clipnorm=1.0, clipvalue=1.0)


GRADIENT_LISTS = st.lists(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4),
                                     elements=st.floats(-10, 10)), min_size=1, max_size=3)


@given(grads=GRADIENT_LISTS, clip=st.floats(0.01, 20), kind=st.sampled_from(["clipnorm", "global_clipnorm"]))
def test_norm_clipping_is_kerass_formula_for_any_shapes(grads, clip, kind):
    params = [np.zeros_like(g) for g in grads]
    optimizers.SGD(1.0, **{kind: clip}).apply_gradients(
        [(f"p{i}", p, g) for i, (p, g) in enumerate(zip(params, grads))])
    global_norm = np.sqrt(sum(np.sum(g * g) for g in grads))
    for p, g in zip(params, grads):
        norm = np.linalg.norm(g) if kind == "clipnorm" else global_norm
        np.testing.assert_allclose(-p, g * clip / max(norm, clip), rtol=1e-12, atol=1e-300)
        assert np.linalg.norm(p) <= clip * (1 + 1e-12)


# ---------------------------------------------------------------------- learning rates
def test_schedule_is_evaluated_at_the_steps_already_taken():
    lr = schedules.PiecewiseConstantDecay([0, 1], [0.1, 0.01, 0.001])  # steps 0, 1, 2
    opt = optimizers.SGD(lr)
    assert opt.learning_rate == 0.1 and opt.schedule is lr
    traj = run(opt)
    np.testing.assert_allclose(traj[-1], W0 - 0.1 * GRADS[0] - 0.01 * GRADS[1] - 0.001 * GRADS[2], rtol=1e-12)
    assert opt.learning_rate == 0.001 and opt.iterations == 3


def test_a_schedule_driven_learning_rate_cannot_be_set_but_a_schedule_can_replace_a_float():
    opt = optimizers.Adam(schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.01
    opt = optimizers.Adam(0.01)
    opt.learning_rate = 0.02
    assert opt.learning_rate == 0.02
    opt.learning_rate = schedules.InverseTimeDecay(0.1, 1, 1.0)
    assert opt.learning_rate == 0.1
    with pytest.raises(ValueError, match="LearningRateSchedule subclass"):
        optimizers.SGD(lambda: 0.1)


def test_keras2_decay_is_inverse_time_decay_per_step():
    traj = run(optimizers.SGD(0.1, decay=0.5))
    rates = [0.1 / (1 + 0.5 * t) for t in range(3)]
    np.testing.assert_allclose(traj[-1], W0 - sum(r * g for r, g in zip(rates, GRADS)), rtol=1e-12)
    same = run(optimizers.SGD(schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=0.5)))
    np.testing.assert_allclose(traj[-1], same[-1], rtol=1e-15)


# ---------------------------------------------------------------------- dtype, state, names
@pytest.mark.parametrize("name", ALL)
def test_float32_state_stays_float32(name):
    opt = optimizers.get(name)
    traj = run(opt, np.float32)
    assert traj[-1].dtype == np.float32
    assert opt.slots or name == "sgd"
    assert all(s.dtype == np.float32 for slots in opt.slots.values() for s in slots.values())


@pytest.mark.parametrize("name", ALL + ["amsgrad", "rmsprop_centered", "sgd_nesterov", "schedule", "decay",
                                        "nadam_keras2"])
def test_state_round_trip_resumes_exactly(name):
    make = {"amsgrad": lambda: optimizers.Adam(0.01, amsgrad=True, clipnorm=0.3),
            "rmsprop_centered": lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True, weight_decay=0.1),
            "sgd_nesterov": lambda: optimizers.SGD(0.1, momentum=0.9, nesterov=True, global_clipnorm=0.5),
            "schedule": lambda: optimizers.Nadam(schedules.CosineDecay(0.0, 5, warmup_target=0.1, warmup_steps=2)),
            "decay": lambda: optimizers.Adamax(0.01, decay=0.1, clipvalue=0.15),
            "nadam_keras2": lambda: optimizers.Nadam(0.002, schedule_decay=0.004)}.get(name, lambda: optimizers.get(name))
    opt = make()
    straight = run(opt, grads=GRADS + GRADS)[-1]
    first = make()
    w = run(first)[-1]
    clone = optimizers.from_config(first.get_config())
    assert clone.get_config() == first.get_config()
    clone.set_state({k: np.array(v) for k, v in first.get_state().items()})
    for g in GRADS:
        clone.apply_gradients([("w", w, g)])
    np.testing.assert_array_equal(w, straight)


def test_names_and_errors():
    for name in ALL:
        assert type(optimizers.get(name)).__name__.lower() == name
    assert isinstance(optimizers.get("RMSprop"), optimizers.RMSprop)
    assert optimizers.get("SGD").learning_rate == 0.01
    assert optimizers.get("adam").epsilon == 1e-7
    with pytest.raises(ValueError, match="unknown optimizer 'ftrl'"):
        optimizers.get("ftrl")
    with pytest.raises(ValueError, match=r"learning_rate must be in \(0, inf\), got 0"):
        optimizers.SGD(0)
    with pytest.raises(ValueError, match=r"weight_decay must be in \[0, inf\)"):
        optimizers.SGD(weight_decay=-1)


# ---------------------------------------------------------------- airbench: torch form, lr multipliers
def _two_params(seed=0):
    rng = np.random.default_rng(seed)
    return [("conv/kernel", rng.standard_normal((3, 4))), ("bn/beta", rng.standard_normal(4))]


def test_sgd_torch_form_matches_torch_optim_sgd_with_groups_and_a_schedule():
    torch = pytest.importorskip("torch")
    from minicnn.optimizers import airbench_sgd
    batch, steps = 8, 12
    sched = ([0, 3, steps], [0.2, 1.0, 0.07])
    opt = airbench_sgd(11.5, 0.0153, 0.85, batch, schedule=sched)
    opt.set_lr_multipliers({"bn/": 64.0})
    params = [(k, p.astype(np.float64)) for k, p in _two_params()]
    tparams = [torch.tensor(p.copy(), requires_grad=True) for _, p in params]
    kilostep = 1024 * (1 + 1 / 0.15)
    lr, wd = 11.5 / kilostep, 0.0153 * batch / kilostep
    topt = torch.optim.SGD([dict(params=[tparams[1]], lr=lr * 64, weight_decay=wd / (lr * 64)),
                            dict(params=[tparams[0]], lr=lr, weight_decay=wd / lr)], momentum=0.85, nesterov=True)
    xp, fp = np.array(sched[0]), np.array(sched[1])
    tsched = torch.optim.lr_scheduler.LambdaLR(topt, lambda i: float(np.interp(i, xp, fp)))
    rng = np.random.default_rng(1)
    for _ in range(steps):
        grads = [rng.standard_normal(p.shape) for _, p in params]   # gradients of the mean loss
        opt.apply_gradients([(k, p, g) for (k, p), g in zip(params, grads)])
        for t, g in zip(tparams, grads):
            t.grad = torch.tensor(g * batch)                          # PyTorch's loss is the batch sum
        topt.step()
        tsched.step()
    for (_, p), t in zip(params, tparams):
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_lr_multiplier_scales_the_step_not_the_decoupled_weight_decay():
    p_plain = {k: p.copy() for k, p in _two_params()}
    p_mult = {k: p.copy() for k, p in _two_params()}
    g = {k: np.ones_like(p) for k, p in p_plain.items()}
    plain = optimizers.SGD(0.1, weight_decay=0.5)
    mult = optimizers.SGD(0.1, weight_decay=0.5)
    mult.set_lr_multipliers({"beta$": 3.0})
    assert mult.lr_multiplier("bn/beta") == 3.0 and mult.lr_multiplier("conv/kernel") == 1.0
    plain.apply_gradients([(k, p, g[k]) for k, p in p_plain.items()])
    mult.apply_gradients([(k, p, g[k]) for k, p in p_mult.items()])
    np.testing.assert_array_equal(p_mult["conv/kernel"], p_plain["conv/kernel"])
    start = _two_params()[1][1]
    np.testing.assert_allclose(p_mult["bn/beta"], start - start * 0.5 * 0.1 - 0.3)
    with pytest.raises(ValueError, match="lr multiplier"):
        mult.set_lr_multipliers({"x": -1.0})


def test_sgd_form_is_checked_and_saved():
    with pytest.raises(ValueError, match="form"):
        optimizers.SGD(form="caffe")
    opt = optimizers.SGD(0.1, momentum=0.9, form="torch", weight_decay=0.01)
    assert opt.weight_decay is None and opt.get_config()["weight_decay"] == 0.01
    assert opt.get_config()["form"] == "torch"


def test_piecewise_linear_schedule():
    s = optimizers.schedules.PiecewiseLinear([0, 10, 20], [0.2, 1.0, 0.0])
    np.testing.assert_allclose([s(0), s(5), s(10), s(15), s(25), s(-1)], [0.2, 0.6, 1.0, 0.5, 0.0, 0.2])
    again = optimizers.schedules.deserialize(optimizers.schedules.serialize(s))
    assert again(5) == s(5)
    jump = optimizers.schedules.PiecewiseLinear([0, 0, 4], [0.2, 1.0, 0.0])   # as airbench's triangle at 23% of 4
    assert (jump(0), jump(2), jump(4)) == (1.0, 0.5, 0.0)
    with pytest.raises(ValueError, match="non-decreasing"):
        optimizers.schedules.PiecewiseLinear([1, 0], [1, 1])
