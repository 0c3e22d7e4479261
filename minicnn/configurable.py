"""What initializers, regularizers and constraints share: a JSON config and look-up by
name, object or saved config ``{"class_name": ..., "config": {...}}``."""


class Configurable:
    """Base of the objects passed as ``kernel_initializer=``, ``kernel_regularizer=``, ... :
    ``get_config()`` returns the constructor arguments, ``from_config`` rebuilds the object."""

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def serialize(obj):
    """None stays None, names stay names, objects become ``{"class_name": ..., "config": {...}}``."""
    if isinstance(obj, Configurable):
        return {"class_name": type(obj).__name__, "config": obj.get_config()}
    return obj


def from_saved_config(identifier, kind, classes):
    """The object for a saved ``{"class_name": ..., "config": {...}}``, or None if ``identifier``
    is not such a dict; ValueError for an unknown class or bad arguments."""
    if not (isinstance(identifier, dict) and set(identifier) == {"class_name", "config"}):
        return None
    cls = classes.get(identifier["class_name"])
    if cls is None or not isinstance(identifier["config"], dict):
        raise ValueError(f"unknown {kind} config {identifier!r}; expected a class_name in {sorted(classes)}")
    try:
        return cls.from_config(identifier["config"])
    except TypeError as err:
        raise ValueError(f"bad config for {kind} {identifier['class_name']}: {err}") from None


def lookup(identifier, kind, base, names, classes, example):
    """None, a ``base`` object, a name in ``names`` (a new object) or a saved config -> the object."""
    if identifier is None or isinstance(identifier, base):
        return identifier
    if isinstance(identifier, str) and identifier in names:
        return names[identifier]()
    obj = from_saved_config(identifier, kind, classes)
    if obj is None:
        raise ValueError(f"unknown {kind} {identifier!r}; expected None, one of {sorted(names)}, a {base.__name__} "
                         f"object ({example}) or its saved config")
    return obj
