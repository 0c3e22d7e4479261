"""Test-time augmentation (minicnn's; Keras has none): the model's outputs averaged over views of
each image, as airbench does (``utils.infer``). ``model.predict(x, tta=2)`` and
``model.evaluate(x, y, tta=2)`` call :func:`predict`.

Levels (x: NHWC images; f: the model in inference mode; flip: mirror left-right; shift(x, dy, dx):
x translated by one pixel on a reflect pad of 1, i.e. ``pad(x, 1, "reflect")[1+dy : 1+dy+H,
1+dx : 1+dx+W]``):

    0: f(x)
    1: mirror(x) = (f(x) + f(flip x)) / 2
    2: mirror(x) / 2 + (mirror(shift(x, -1, -1)) + mirror(shift(x, 1, 1))) / 4

so level 2 has 6 views: the two unshifted weigh 1/4 each, the four shifted 1/8 each. Outputs are
averaged as they come (logits for a model that outputs logits, as airbench's).
"""
import numpy as np

LEVELS = (0, 1, 2)


def views(x, level):
    """``[(weight, view)]`` of the NHWC batch ``x`` for TTA ``level`` (weights sum to 1)."""
    if level not in LEVELS:
        raise ValueError(f"tta must be one of {list(LEVELS)} (0 none, 1 mirror, 2 mirror and translate), got {level!r}")
    if level == 0:
        return [(1.0, x)]
    mirror = lambda v, w: [(w / 2, v), (w / 2, v[:, :, ::-1])]  # noqa: E731
    if level == 1:
        return mirror(x, 1.0)
    h, w = x.shape[1:3]
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), mode="reflect")
    return mirror(x, 0.5) + mirror(padded[:, 0:h, 0:w], 0.25) + mirror(padded[:, 2:h + 2, 2:w + 2], 0.25)


def predict(model, x, level, batch_size=32):
    """The weighted mean of ``model.predict`` over the :func:`views` of ``x`` (float64 sum, model dtype out)."""
    total = None
    for start in range(0, len(x), batch_size):
        chunk = np.ascontiguousarray(x[start:start + batch_size])
        out = sum(weight * model.predict(np.ascontiguousarray(v), batch_size=len(chunk)).astype(np.float64)
                  for weight, v in views(chunk, level))
        if total is None:
            total = np.empty((len(x),) + out.shape[1:], dtype=model.dtype)
        total[start:start + len(chunk)] = out
    return total


def evaluate(model, x, y, level, batch_size=32):
    """``[loss, accuracy]`` of the TTA outputs (the loss of the averaged outputs)."""
    from .metrics import count_correct
    out = predict(model, x, level, batch_size)
    loss = model.loss.compute(out, y, None)[0] + model.regularization_loss()
    return [float(loss), count_correct(out, y) / max(len(x), 1)]
