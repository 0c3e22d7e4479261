"""``keras.constraints``: ``max_norm``, ``non_neg``, ``unit_norm``, ``min_max_norm`` (and their
class names) with Keras 3's formulas and axis defaults (``minicnn.constraints``)."""
from .. import constraints as _core
from ._compat import keras_get, module_getattr

Constraint = _core.Constraint
MaxNorm = max_norm = _core.MaxNorm
MinMaxNorm = min_max_norm = _core.MinMaxNorm
UnitNorm = unit_norm = _core.UnitNorm
NonNeg = non_neg = _core.NonNeg
serialize = _core.serialize
_ADVICE = "supported: max_norm, min_max_norm, unit_norm, non_neg"


get = keras_get(_core.get, 'constraint', _ADVICE)


__getattr__ = module_getattr(__name__, {}, _ADVICE)
