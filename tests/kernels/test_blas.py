"""minicnn.kernels.blas: which BLAS kernel runs, and when it is slower than the CPU allows."""
from minicnn.kernels import blas

SKYLAKEX = {"internal_api": "openblas", "version": "0.3.31", "architecture": "SkylakeX", "num_threads": 2}
HASWELL = dict(SKYLAKEX, architecture="Haswell")


def test_describe_reports_numpys_blas():
    libraries = blas.describe()
    assert all(set(lib) == {"internal_api", "version", "architecture", "num_threads"} for lib in libraries)
    assert all(lib["num_threads"] >= 1 for lib in libraries)


def test_a_pinned_core_is_named_with_the_variables_and_the_command_that_unsets_them():
    env = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}
    [warning] = blas.kernel_warnings([HASWELL], cpu_has_avx512=True, environ=env)
    assert "OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE=512" in warning and "Haswell kernel" in warning
    assert "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE" in warning
    # the variable is named even when the forced core is the CPU's own
    assert len(blas.kernel_warnings([SKYLAKEX], True, {"OPENBLAS_CORETYPE": "SkylakeX"})) == 1


def test_an_avx2_kernel_on_an_avx512_cpu_is_flagged_without_a_pin():
    [warning] = blas.kernel_warnings([HASWELL], cpu_has_avx512=True, environ={})
    assert "without AVX-512" in warning
    assert blas.kernel_warnings([HASWELL], cpu_has_avx512=False, environ={}) == []
    assert blas.kernel_warnings([SKYLAKEX], cpu_has_avx512=True, environ={}) == []
    # other BLAS libraries report no OpenBLAS kernel and are not judged
    assert blas.kernel_warnings([dict(HASWELL, internal_api="mkl")], True, {"OPENBLAS_CORETYPE": "x"}) == []
