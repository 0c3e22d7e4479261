"""``keras.metrics``: the metrics minicnn tracks during fit and evaluate.

``compile(metrics=[...])`` takes Keras's names (``"accuracy"``/``"acc"``, ``"binary_accuracy"``,
``"categorical_accuracy"``, ``"sparse_categorical_accuracy"``, ``"top_k_categorical_accuracy"``,
``"sparse_top_k_categorical_accuracy"``, ``"mae"``, ``"mse"``...; ``minicnn.metrics.BATCH_METRICS``)
or these classes; the History key is the name given (a class's ``name``), as in Keras. Each is the
mean over the samples of an epoch.
"""
from ._compat import module_getattr

_ADVICE = ("minicnn tracks the metrics of minicnn.metrics.BATCH_METRICS (compute others after predict with "
           "minicnn.metrics)")


class _Metric:
    """A metric object for ``compile(metrics=[...])``: Keras's ``name`` and arguments."""
    default_name = None
    metric = None  # the function in minicnn.metrics.BATCH_METRICS

    def __init__(self, name=None, dtype=None):
        self.name = name or self.default_name
        self.dtype = dtype

    def metric_spec(self):
        """What ``compile`` reads (``minicnn.metrics.metric_spec``)."""
        return {"metric": self.metric, "name": self.name, **self._arguments()}

    def _arguments(self):
        return {}

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, **self._arguments()}


class Accuracy(_Metric):
    """minicnn's ``accuracy`` (Keras's shape rule for ``metrics=['accuracy']``)."""
    default_name = metric = "accuracy"


class SparseCategoricalAccuracy(_Metric):
    default_name = metric = "sparse_categorical_accuracy"


class CategoricalAccuracy(_Metric):
    default_name = metric = "categorical_accuracy"


class BinaryAccuracy(_Metric):
    default_name = metric = "binary_accuracy"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(name, dtype)
        self.threshold = float(threshold)

    def _arguments(self):
        return {"threshold": self.threshold}


class TopKCategoricalAccuracy(_Metric):
    default_name = metric = "top_k_categorical_accuracy"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(name, dtype)
        self.k = k

    def _arguments(self):
        return {"k": self.k}


class SparseTopKCategoricalAccuracy(TopKCategoricalAccuracy):
    default_name = metric = "sparse_top_k_categorical_accuracy"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(k, name, dtype)


class MeanAbsoluteError(_Metric):
    default_name = metric = "mean_absolute_error"


class MeanSquaredError(_Metric):
    default_name = metric = "mean_squared_error"


__getattr__ = module_getattr(__name__, {}, _ADVICE)
