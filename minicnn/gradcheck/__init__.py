"""Finite-difference gradient checks that find the bug and say what it is, with no false alarms.

    from minicnn.gradcheck import check_layer, check_model, check_function, assert_gradients

* Central differences in float64, ``dL/dw_i ~ (L(w + h e_i) - L(w - h e_i)) / (2h)`` with
  ``h = 1e-6`` (truncation ~h^2 and rounding ~1e-16/h are both ~1e-11 there; ``sweep=True``
  shows the whole curve for h = 1e-2 .. 1e-10).
* Kinks are known from the layers themselves (``Layer.kink_state``: ReLU masks, max-pool
  winners). A coordinate whose +h / -h evaluations change a decision is compared with the
  one-sided slope on the side where the decisions equal those at ``w`` (``minicnn.gradcheck.core``),
  so zeros and ties in the input (raw MNIST) give no false FAIL.
* The report gives, per tensor, the max and mean relative error with the verdict band
  (right < 1e-7 <= probably right < 1e-4 <= suspicious < 1e-2 <= wrong), the worst coordinates
  with analytic and numeric side by side, and a diagnosis in words (``minicnn.gradcheck.diagnose``).
* ``fast=True``: ``v^T J u`` along random directions (``minicnn.gradcheck.fast`` says what it can miss).
* float32 layers: the float64 shadow gives the verdict; the float32 error is reported beside it.
* ``kink_free_arrays(shape)``: a hypothesis strategy (needs hypothesis, imported on first use).

The pytest pattern for a layer of your own (``assert_gradients`` raises an AssertionError whose
message is the whole report)::

    from hypothesis import given, settings
    from minicnn.gradcheck import assert_gradients, kink_free_arrays

    def test_my_layer_gradients():
        assert_gradients(MyLayer(), (8, 8, 3))            # input shape without the batch axis

    @settings(deadline=None)
    @given(kink_free_arrays((2, 5, 5, 3)))                # or a strategy of shapes
    def test_my_layer_gradients_on_any_input(x):
        assert_gradients(MyLayer(), x=x)

    def test_my_layer_on_zeros():                         # kinks are judged, not failed
        assert_gradients(MyLayer(), x=np.zeros((2, 5, 5, 3)))
"""
from .checks import assert_gradients, check_function, check_layer, check_model, describe, kink_free_input
from .core import ABSOLUTE_TOLERANCE, BANDS, DEFAULT_EPS, DEFAULT_TOLERANCE, TensorCheck, band
from .report import GradCheckReport
from .standard import run_standard_checks, standard_checks
from .sweep import SWEEP_STEPS, StepSweep, classify

__all__ = ["check_layer", "check_model", "check_function", "assert_gradients", "kink_free_input",
           "kink_free_arrays", "GradCheckReport", "TensorCheck", "StepSweep", "band", "BANDS", "classify",
           "describe", "standard_checks", "run_standard_checks", "DEFAULT_EPS", "DEFAULT_TOLERANCE",
           "ABSOLUTE_TOLERANCE", "SWEEP_STEPS"]


def kink_free_arrays(shape):
    """Hypothesis strategy for float64 arrays of ``shape`` away from kinks (see ``.strategies``);
    hypothesis is imported only here, with a clear error when it is missing."""
    from .strategies import kink_free_arrays as strategy
    return strategy(shape)
