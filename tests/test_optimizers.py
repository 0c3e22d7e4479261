import numpy as np
import pytest

from minicnn import optimizers

W0 = np.array([1.0, -2.0, 0.5])
GRADS = [np.array([0.1, -0.2, 0.3]), np.array([-0.4, 0.5, 0.0]), np.array([0.2, 0.2, -0.1])]


def run(opt, dtype=np.float64):
    w = W0.astype(dtype)
    trajectory = []
    for g in GRADS:
        opt.apply_gradients([("w", w, g.astype(dtype))])
        trajectory.append(w.copy())
    return trajectory


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
    for got, want in zip(run(optimizers.SGD(lr, momentum=mom)), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # step 1 by hand: v = -0.01, 0.02, -0.03
    np.testing.assert_allclose(run(optimizers.SGD(lr, momentum=mom))[0], [0.99, -1.98, 0.47])


def test_sgd_nesterov_matches_keras_formula_by_hand():
    lr, mom = 0.1, 0.9
    w, v, expected = W0.copy(), np.zeros(3), []
    for g in GRADS:
        v = mom * v - lr * g
        w = w + mom * v - lr * g
        expected.append(w)
    for got, want in zip(run(optimizers.SGD(lr, momentum=mom, nesterov=True)), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_adam_matches_keras_formula_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w, m, v, expected = W0.copy(), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(GRADS, start=1):
        m = m + (g - m) * (1 - b1)
        v = v + (g * g - v) * (1 - b2)
        lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - lr_t * m / (np.sqrt(v) + eps)
        expected.append(w)
    for got, want in zip(run(optimizers.Adam(lr)), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # first step moves every weight by about lr against its gradient's sign
    np.testing.assert_allclose(run(optimizers.Adam(lr))[0], W0 - lr * np.sign(GRADS[0]), rtol=1e-5)


def test_float32_state_stays_float32():
    opt = optimizers.Adam()
    traj = run(opt, np.float32)
    assert traj[-1].dtype == np.float32 and opt.slots["w"]["m"].dtype == np.float32


def test_state_round_trip():
    opt = optimizers.Adam(0.01)
    run(opt)
    clone = optimizers.from_config(opt.get_config())
    clone.set_state(opt.get_state())
    w1, w2 = W0.copy(), W0.copy()
    opt.apply_gradients([("w", w1, GRADS[0])])
    clone.apply_gradients([("w", w2, GRADS[0])])
    np.testing.assert_array_equal(w1, w2)


def test_names_and_errors():
    assert isinstance(optimizers.get("adam"), optimizers.Adam)
    assert optimizers.get("SGD").learning_rate == 0.01
    assert optimizers.get("adam").epsilon == 1e-7
    with pytest.raises(ValueError, match="unknown optimizer 'rmsprop'"):
        optimizers.get("rmsprop")
    with pytest.raises(ValueError, match=r"learning_rate must be in \(0, inf\), got 0"):
        optimizers.SGD(0)
