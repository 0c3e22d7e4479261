"""minicnn.lookahead: airbench's LookaheadState (lerp every 5 steps, then copy back), weights and
BatchNorm statistics."""
import numpy as np
import pytest

import minicnn
from minicnn.layers import BatchNormalization, Dense
from minicnn.lookahead import Lookahead, airbench_decay


def _model():
    minicnn.set_seed(0)
    model = minicnn.Sequential([Dense(3, input_shape=(4,)), BatchNormalization(), Dense(2)])
    model.compile(minicnn.optimizers.SGD(0.5, momentum=0.5), "sparse_categorical_crossentropy")
    return model


def _arrays(model):
    return [a for layer in model.layers for store in (layer.params, layer.state) for a in store.values()]


def test_lookahead_matches_airbench_lerp_and_copy():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 4)).astype(np.float32), rng.integers(0, 2, 16)
    model, plain = _model(), _model()
    total = 12
    la = Lookahead(airbench_decay(total), every=5, model=model)
    la.start()
    ema = [a.astype(np.float64) for a in _arrays(plain)]
    for step in range(1, total + 1):
        model.train_on_batch(x, y)
        la.step()
        plain.train_on_batch(x, y)
        if step % 5 == 0:            # airbench: ema.lerp_(w, 1 - decay); w.copy_(ema)
            d = 0.95 ** 5 * (step / total) ** 3
            for e, a in zip(ema, _arrays(plain)):
                e += (1 - d) * (a - e)
                a[...] = e
    for a, b in zip(_arrays(model), _arrays(plain)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    before = [a.copy() for a in _arrays(model)]
    la.finish()                    # decay 1.0: the slow weights, which equal the last copied state
    moved = any(not np.allclose(a, b) for a, b in zip(_arrays(model), before))
    assert moved                   # steps 11 and 12 trained past the last lerp; finish rewinds them


def test_lookahead_as_a_fit_callback_and_bad_arguments():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((20, 4)).astype(np.float32), rng.integers(0, 2, 20)
    model = _model()
    la = Lookahead(lambda s: 0.5, every=2)
    model.fit(x, y, batch_size=5, epochs=1, verbose=0, callbacks=[la])
    assert la.steps == 4
    with pytest.raises(ValueError, match="every"):
        Lookahead(lambda s: 0.5, every=0)
    with pytest.raises(ValueError, match="decay"):
        Lookahead(0.5)
