"""minicnn.tta: airbench's 6-view test-time augmentation, against its torch code when available."""
import numpy as np
import pytest

import minicnn
from minicnn import tta
from minicnn.layers import Conv2D, Dense, Flatten


def _model():
    minicnn.set_seed(0)
    model = minicnn.Sequential([Conv2D(2, 3, input_shape=(5, 5, 3)), Flatten(), Dense(4)])
    model.compile(minicnn.optimizers.SGD(0.1), minicnn.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def test_views_weights_and_shapes():
    x = np.arange(2 * 5 * 5 * 3, dtype=np.float32).reshape(2, 5, 5, 3)
    for level, n in ((0, 1), (1, 2), (2, 6)):
        vs = tta.views(x, level)
        assert len(vs) == n and abs(sum(w for w, _ in vs) - 1) < 1e-12
        assert all(v.shape == x.shape for _, v in vs)
    vs = tta.views(x, 2)
    np.testing.assert_array_equal(vs[1][1], x[:, :, ::-1])
    np.testing.assert_array_equal(vs[2][1][:, 1:, 1:], x[:, :-1, :-1])   # shifted down-right by one
    np.testing.assert_array_equal(vs[2][1][:, 0, 1:], x[:, 1, :-1])      # reflect: row -1 is row 1
    with pytest.raises(ValueError, match="tta must be one of"):
        tta.views(x, 3)


def test_predict_and_evaluate_with_tta_average_the_views():
    model = _model()
    x = np.random.default_rng(0).standard_normal((7, 5, 5, 3)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 0, 1, 2])
    expected = sum(w * model.predict(v) for w, v in tta.views(x, 2))
    np.testing.assert_allclose(model.predict(x, batch_size=3, tta=2), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, tta=0), model.predict(x))
    loss, acc = model.evaluate(x, y, tta=1)
    out = model.predict(x, tta=1)
    assert acc == np.mean(out.argmax(1) == y)
    assert np.isclose(loss, model.loss.compute(out, y)[0])


def test_tta_matches_airbench_infer():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F
    x = np.random.default_rng(1).standard_normal((4, 5, 5, 3)).astype(np.float32)
    w = np.random.default_rng(2).standard_normal((75, 3)).astype(np.float32)
    net = lambda t: t.permute(0, 2, 3, 1).reshape(len(t), -1) @ torch.tensor(w)  # noqa: E731 (NCHW in)

    def infer_mirror(inputs):      # airbench utils.infer, level 2
        return 0.5 * net(inputs) + 0.5 * net(inputs.flip(-1))
    inputs = torch.tensor(x).permute(0, 3, 1, 2)
    padded = F.pad(inputs, (1,) * 4, "reflect")
    shifted = torch.stack([infer_mirror(padded[:, :, 0:5, 0:5]), infer_mirror(padded[:, :, 2:7, 2:7])]).mean(0)
    ref = (0.5 * infer_mirror(inputs) + 0.5 * shifted).numpy()
    ours = sum(wt * (v.reshape(len(v), -1) @ w) for wt, v in tta.views(x, 2))
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-5)
