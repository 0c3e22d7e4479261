import os

from hypothesis import HealthCheck, settings

# Gradient checks and numba kernels are slow-ish per example; keep hypothesis bounded and
# without deadlines (the first call of a kernel compiles it). A failure prints its
# @reproduce_failure blob, so a draw seen once in CI can be replayed.
settings.register_profile("minicnn", max_examples=int(os.environ.get("MINICNN_HYPOTHESIS_EXAMPLES", "25")),
                          deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("minicnn")
