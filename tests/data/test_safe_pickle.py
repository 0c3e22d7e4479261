import os
import pickle

import numpy as np
import pytest

from minicnn.data.safe_pickle import ForbiddenGlobalError, restricted_loads


class _WritesMarker:
    """Unpickling this with plain pickle.loads would run os.system."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_os_system_is_refused_without_running(tmp_path, protocol):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"data": [1, _WritesMarker(marker)]}, protocol=protocol)
    with pytest.raises(pickle.UnpicklingError, match=r"refusing to load posix\.system from evil\.pkl: only numpy arrays"):
        restricted_loads(data, "evil.pkl")
    assert not marker.exists()


@pytest.mark.parametrize("target", [eval, getattr, __import__, np.load])
def test_other_callables_are_refused(target):
    class Sneaky:
        def __reduce__(self):
            return target, ("1",)

    with pytest.raises(ForbiddenGlobalError, match="refusing to load"):
        restricted_loads(pickle.dumps(Sneaky(), protocol=2), "f")


@pytest.mark.parametrize("protocol", [3, 4, 5])
def test_numpy_arrays_and_plain_containers_load(protocol):
    batch = {b"data": np.arange(12, dtype=np.uint8).reshape(3, 4), b"labels": [1, 2, 3],
             b"names": [b"a", "b"], b"nested": (1.5, None, True), b"scalar": np.int64(7)}
    loaded = restricted_loads(pickle.dumps(batch, protocol=protocol), "ok.pkl")
    np.testing.assert_array_equal(loaded[b"data"], batch[b"data"])
    assert loaded[b"labels"] == [1, 2, 3] and loaded[b"names"] == [b"a", "b"]
    assert loaded[b"scalar"] == 7


def test_bytes_pickled_by_python3_protocol_2_need_codecs_and_are_refused():
    # Not needed by the official files (written by Python 2), so not allowed.
    with pytest.raises(ForbiddenGlobalError, match=r"_codecs\.encode"):
        restricted_loads(pickle.dumps(b"abc", protocol=2), "p2.pkl")


def test_python2_strings_come_back_as_bytes():
    # Protocol-2 pickle as Python 2's cPickle writes a str: SHORT_BINSTRING 'abc'.
    data = b"\x80\x02U\x03abcq\x00."
    assert restricted_loads(data, "py2.pkl") == b"abc"


def test_garbage_is_a_value_error_naming_source():
    with pytest.raises(ValueError, match=r"junk\.pkl: not a valid pickle"):
        restricted_loads(b"definitely not a pickle", "junk.pkl")
    with pytest.raises(ValueError, match=r"cut\.pkl: not a valid pickle"):
        restricted_loads(pickle.dumps([1, 2, 3])[:-3], "cut.pkl")
