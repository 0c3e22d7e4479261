"""Unpickling of untrusted dataset files (the CIFAR-10 "python version" batches).

``pickle.load`` can run arbitrary code: a pickle may name any importable callable
(``os.system``, ``builtins.eval``...) and call it. The CIFAR batches only need plain
containers (dict, list, bytes, str, int) and NumPy arrays, so ``RestrictedUnpickler``
resolves only the few globals that NumPy array pickles reference and refuses every
other one *before* anything is called.

Globals the files reference (checked with ``pickletools.dis``): the official files,
pickled by Python 2 / NumPy 1, use ``numpy.core.multiarray._reconstruct``,
``numpy.ndarray`` and ``numpy.dtype``; files re-pickled by NumPy 2 name
``numpy._core.multiarray._reconstruct`` instead, and protocol 5 pickles use
``numpy._core.numeric._frombuffer``. NumPy scalars use ``...multiarray.scalar``.
"""
import io
import pickle

import numpy as np

_RECONSTRUCT = np.zeros(1).__reduce__()[0]
_FROMBUFFER = np.zeros(1).__reduce_ex__(5)[0]
_SCALAR = np.float64(0).__reduce__()[0]

#: (module, name) -> the object it resolves to. Everything else is refused.
ALLOWED_GLOBALS = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("numpy.core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy._core.multiarray", "_reconstruct"): _RECONSTRUCT,
    ("numpy.core.multiarray", "scalar"): _SCALAR,
    ("numpy._core.multiarray", "scalar"): _SCALAR,
    ("numpy.core.numeric", "_frombuffer"): _FROMBUFFER,
    ("numpy._core.numeric", "_frombuffer"): _FROMBUFFER,
}


class ForbiddenGlobalError(pickle.UnpicklingError):
    """The pickle names a global outside ``ALLOWED_GLOBALS`` (nothing was called)."""


class RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that only resolves ``ALLOWED_GLOBALS``.

    ``source`` names the file in error messages. Any other global raises
    ``ForbiddenGlobalError`` (a ``pickle.UnpicklingError``) before it could be called.
    """

    def __init__(self, file, source, **kwargs):
        super().__init__(file, **kwargs)
        self.source = source

    def find_class(self, module, name):
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise ForbiddenGlobalError(
                f"refusing to load {module}.{name} from {self.source}: "
                "only numpy arrays and plain containers are allowed"
            ) from None

    def persistent_load(self, pid):
        raise ForbiddenGlobalError(
            f"refusing persistent id {pid!r} in {self.source}: only numpy arrays and "
            "plain containers are allowed"
        )


def restricted_loads(data, source):
    """Unpickle the bytes ``data`` (read from ``source``) with ``encoding="bytes"``.

    Python 2 ``str`` objects come back as ``bytes``, as for the official CIFAR files.
    Raises ``ForbiddenGlobalError`` (a ``pickle.UnpicklingError``) for forbidden
    globals and ``ValueError`` naming ``source`` if the data is not a valid pickle.
    """
    unpickler = RestrictedUnpickler(io.BytesIO(data), source, encoding="bytes")
    try:
        return unpickler.load()
    except ForbiddenGlobalError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError,
            KeyError, AttributeError) as err:
        raise ValueError(f"{source}: not a valid pickle ({type(err).__name__}: {err})") from err
