"""``keras.metrics``: accuracy, the metric minicnn tracks during fit and evaluate.

``compile(metrics=["accuracy"])`` (or "acc", "sparse_categorical_accuracy",
"categorical_accuracy", or these classes) adds it; the History key is the name given, as in Keras.
"""
from ._compat import module_getattr, not_implemented

_NAMES = ("accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy")
_ADVICE = ("minicnn tracks accuracy only: use metrics=['accuracy'] (compute others after predict with "
           "minicnn.metrics)")


class _Accuracy:
    default_name = None

    def __init__(self, name=None, dtype=None):
        self.name = name or self.default_name


class Accuracy(_Accuracy):
    default_name = "accuracy"


class SparseCategoricalAccuracy(_Accuracy):
    default_name = "sparse_categorical_accuracy"


class CategoricalAccuracy(_Accuracy):
    default_name = "categorical_accuracy"


def metric_names(metrics):
    """The History names of ``compile(metrics=...)``: [] or [one accuracy name]."""
    if metrics is None:
        return []
    if isinstance(metrics, (str, _Accuracy)):
        metrics = [metrics]
    names = []
    for metric in metrics:
        name = metric.name if isinstance(metric, _Accuracy) else metric
        if name not in _NAMES:
            raise not_implemented(f"metrics=[{getattr(name, '__name__', name)!r}]", _ADVICE)
        names.append(name)
    if len(names) > 1:
        raise not_implemented(f"several metrics {names}", "use metrics=['accuracy']")
    return names


__getattr__ = module_getattr(__name__, {}, _ADVICE)
