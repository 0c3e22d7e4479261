"""Input checks for every model, in one place: inputs, labels, finiteness, compile state.

Each check raises a ValueError (RuntimeError when the model is not compiled) naming what was
expected and what came; nothing is truncated or coerced silently.
"""
import numpy as np



def check_finite(x, what="inputs"):
    """ValueError at the first NaN/inf; checked in slices so no dataset-sized mask is built."""
    if x.dtype.kind != "f":
        return
    step = max(1, (1 << 22) // max(1, int(np.prod(x.shape[1:]))))
    for start in range(0, x.shape[0], step):
        part = x[start:start + step]
        if not np.isfinite(part).all():
            bad = np.argwhere(~np.isfinite(part))[0]
            bad[0] += start
            raise ValueError(f"{what} contain NaN or inf (first at index {tuple(int(i) for i in bad)}: "
                             f"{x[tuple(bad)]})")


def check_array(x, input_shape, what="inputs"):
    """``x`` as an array of shape ``(batch,) + input_shape`` with a numeric dtype."""
    if x.ndim != len(input_shape) + 1 or x.shape[1:] != input_shape:
        hint = ""
        if x.shape[1:] == input_shape[:-1] and input_shape[-1] == 1:
            hint = "; add the channel axis with x[..., None]"
        raise ValueError(f"the model expects {what} of shape (batch, {', '.join(map(str, input_shape))}), "
                         f"got {x.shape}{hint}")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got dtype {x.dtype}")
    return x


def check_labels(loss, y, n, shape):
    """``y`` as an array of ``n`` targets for ``loss`` on outputs of ``shape`` (no batch axis)."""
    y = np.asarray(y)
    if y.ndim == 0 or y.shape[0] != n:
        raise ValueError(f"got {n} inputs but {y.shape[0] if y.ndim else 'a scalar for the'} labels")
    loss.targets(y, (n,) + tuple(shape))
    return y


def n_samples(x):
    """The batch size of ``x`` (an array, or a list of arrays for several inputs or outputs)."""
    return (x[0] if isinstance(x, list) else x).shape[0]


def take(x, index):
    """``x[index]`` for an array or for every array of a list."""
    return [a[index] for a in x] if isinstance(x, list) else x[index]


def as_list(values, names, what):
    """A list with one entry per name from a list/tuple (in order) or a dict keyed by the names."""
    if isinstance(values, dict):
        unknown = set(values) - set(names)
        if unknown or len(values) != len(names):
            raise ValueError(f"{what} are keyed by {sorted(values)}; the model's are {names}")
        return [values[k] for k in names]
    if not isinstance(values, (list, tuple)) or len(values) != len(names):
        raise ValueError(f"the model has {len(names)} {what} ({', '.join(names)}): pass a list of {len(names)} "
                         f"arrays or a dict keyed by those names, got {type(values).__name__}"
                         + (f" of {len(values)}" if isinstance(values, (list, tuple)) else ""))
    return list(values)


class InputChecks:
    """The checks as model methods (``self.input_shape``, ``self.output_shape``, ``self.loss``);
    lists of arrays for a model with several inputs or outputs."""

    def _ensure_built(self, x):
        if not self.built:
            self.build(x.shape[1:] if self.layers[0]._requested_input_shape is None else None)

    def _check_x(self, x, what="inputs"):
        if self._multi_input:
            xs = as_list(x, [t.name or f"input_{k}" for k, t in enumerate(self._inputs)], what)
            xs = [self._check_one_x(a, shape, f"{what} [{k}]") for k, (a, shape) in enumerate(zip(xs, self.input_shape))]
            if len({a.shape[0] for a in xs}) != 1:
                raise ValueError(f"the model's {what} must have one batch size, got {[a.shape[0] for a in xs]}")
            return xs
        x = np.asarray(x)
        if x.ndim == 0 or x.shape[0] == 0:
            raise ValueError(f"{what} hold no samples (shape {x.shape})")
        self._ensure_built(x)
        return check_array(x, self.input_shape, what)

    def _check_one_x(self, x, shape, what):
        x = np.asarray(x)
        if x.ndim == 0 or x.shape[0] == 0:
            raise ValueError(f"{what} hold no samples (shape {x.shape})")
        return check_array(x, shape, what)

    def _check_finite(self, x, what="inputs"):
        for k, a in enumerate(x if isinstance(x, list) else [x]):
            check_finite(a, what if not isinstance(x, list) else f"{what} [{k}]")

    def _check_y(self, y, n):
        if not self._multi_output:
            return check_labels(self.loss, y, n, self.output_shape)
        ys = as_list(y, self.output_names, "outputs' labels")
        checked = []
        for yk, loss, shape, name in zip(ys, self._losses(), self.output_shape, self.output_names):
            try:
                checked.append(check_labels(loss, yk, n, shape))
            except ValueError as err:
                raise ValueError(f"labels for output {name!r}: {err}") from None
        return checked

    def _require_compiled(self):
        if self.optimizer is None or self.loss is None:
            raise RuntimeError("compile(optimizer, loss) the model before training or evaluating it")

    def _as_float(self, x):
        if isinstance(x, list):
            return [np.ascontiguousarray(a, dtype=self.dtype) for a in x]
        return np.ascontiguousarray(x, dtype=self.dtype)
