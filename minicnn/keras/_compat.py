"""Helpers shared by the ``minicnn.keras`` modules: refusing what minicnn does not implement.

Every Keras argument or name outside the subset minicnn implements raises
``NotImplementedError`` naming the missing piece and the nearest supported one; nothing is
silently ignored.
"""
import warnings


def not_implemented(what, nearest):
    """The NotImplementedError for ``what`` (e.g. ``"optimizers.RMSprop"``), pointing at ``nearest``."""
    return NotImplementedError(f"{what} is not implemented in minicnn; {nearest}")


def require_default(owner, argument, value, default, nearest):
    """NotImplementedError unless ``value`` equals Keras's ``default`` for ``owner(argument=...)``.

    ``nearest`` says what to use instead. Ints and tuples of equal ints compare equal, as Keras
    treats ``dilation_rate=1`` and ``(1, 1)`` alike.
    """
    if _same(value, default):
        return
    raise not_implemented(f"{owner}({argument}={value!r})", nearest)


def _same(value, default):
    if isinstance(default, tuple) and isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * len(default)
    if isinstance(value, list):
        value = tuple(value)
    return value is default or value == default


def module_getattr(module_name, nearest, default_nearest):
    """A module-level ``__getattr__`` raising NotImplementedError for Keras names minicnn lacks.

    ``nearest``: ``{keras name: advice}``; other public names get ``default_nearest``. Private and
    dunder names raise AttributeError, as import machinery and tools expect.
    """
    def __getattr__(name):
        if name.startswith("_"):
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        raise not_implemented(f"{module_name.replace('minicnn.keras', 'keras')}.{name}",
                              nearest.get(name, default_nearest))
    return __getattr__


def check_layer_kwargs(owner, kwargs):
    """Translate Keras's base-layer keyword arguments into minicnn's (name, input_shape, dtype, trainable).

    ``input_dim=n`` becomes ``input_shape=(n,)``; ``batch_input_shape``/``batch_shape`` drop the batch
    axis. Mixed-precision dtype policies and unknown arguments are refused, as Keras refuses unknown ones.
    """
    kwargs = dict(kwargs)
    out = {}
    for key in ("name", "trainable"):
        if key in kwargs:
            out[key] = kwargs.pop(key)
    dtype = kwargs.pop("dtype", None)
    if dtype is not None:
        if str(dtype) not in ("float32", "float64"):
            raise not_implemented(f"{owner}(dtype={dtype!r})", "use dtype='float32' (or 'float64')")
        out["dtype"] = str(dtype)
    kwargs.pop("autocast", None)  # only matters for mixed precision, which is refused above
    input_dim = kwargs.pop("input_dim", None)
    input_shape = kwargs.pop("input_shape", None)
    for key in ("batch_input_shape", "batch_shape"):
        batch_shape = kwargs.pop(key, None)
        if batch_shape is not None:
            input_shape = tuple(batch_shape)[1:]
    if input_dim is not None:
        input_shape = (input_dim,)
    if input_shape is not None:
        out["input_shape"] = _as_shape(input_shape, f"{owner}(input_shape=...)")
    require_default(owner, "activity_regularizer", kwargs.pop("activity_regularizer", None), None,
                    "use Dropout or BatchNormalization layers for regularization")
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments passed to {owner}: {kwargs}")
    return out


def _as_shape(shape, what):
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    if any(d is None for d in shape):
        raise not_implemented(f"{what} with an unknown dimension {shape}",
                              "give every dimension of the shape (e.g. (28, 28, 1))")
    return tuple(int(d) for d in shape)


def no_regularizers(owner, **given):
    """NotImplementedError for any non-None regularizer or constraint argument."""
    for argument, value in given.items():
        nearest = ("use Dropout or BatchNormalization layers for regularization" if "regularizer" in argument
                   else "leave the weights unconstrained")
        require_default(owner, argument, value, None, nearest)


def check_data_format(owner, data_format):
    if data_format not in (None, "channels_last"):
        raise not_implemented(f"{owner}(data_format={data_format!r})",
                              "minicnn is channels_last (NHWC) only: use data_format='channels_last' and "
                              "images shaped (batch, height, width, channels)")


def keras_get(core_get, kind, nearest):
    """The ``get(identifier, owner=kind)`` of a ``minicnn.keras`` module wrapping the core module's
    ``core_get``: what the core refuses (ValueError) becomes NotImplementedError naming ``owner=...``."""
    def get(identifier, owner=kind):
        try:
            return core_get(identifier)
        except ValueError:
            raise not_implemented(f"{owner}={identifier!r}", nearest) from None
    get.__doc__ = f"The minicnn {kind} for a Keras identifier (name, object or saved config)."
    return get
