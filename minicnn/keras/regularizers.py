"""``keras.regularizers``: ``l1``, ``l2``, ``l1_l2`` / ``L1``, ``L2``, ``L1L2`` with Keras 3's
formulas (``minicnn.regularizers``), for ``kernel_regularizer=`` and ``bias_regularizer=``."""
from .. import regularizers as _core
from ._compat import keras_get, module_getattr

Regularizer = _core.Regularizer
L1 = l1 = _core.L1
L2 = l2 = _core.L2
L1L2 = l1_l2 = _core.L1L2
serialize = _core.serialize
_ADVICE = "supported: l1, l2, l1_l2 (L1, L2, L1L2)"


get = keras_get(_core.get, 'regularizer', _ADVICE)


__getattr__ = module_getattr(__name__, {"OrthogonalRegularizer": "use l2"}, _ADVICE)
