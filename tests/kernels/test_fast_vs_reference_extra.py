"""The fused/fast kernels added for speed agree with their plain references (no timing here)."""
import numpy as np
import pytest

from minicnn.kernels import blas, fused, max_pool, max_pool_reference, parallel
from minicnn.kernels.padding import WindowGeometry
from minicnn.kernels.pooling import (is_2x2, max_pool_2x2, max_pool_2x2_argmax_reference, max_pool_2x2_backward,
                                     max_pool_backward_reference)
from minicnn.layers import BatchNormalization, Conv2D, Dense, Dropout
import minicnn.kernels.conv as conv_kernels

RNG = np.random.default_rng(1234)
DTYPES = [np.float32, np.float64]


def tol(dtype):
    return dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("shape", [(3, 4, 5), (300, 200, 70), (2000, 288, 64)])
def test_blas_matmul_matches_numpy_single_and_multithreaded(shape, monkeypatch):
    m, k, n = shape
    a = RNG.standard_normal((m, k)).astype(np.float32)
    b = RNG.standard_normal((k, n)).astype(np.float32)
    expected = a.astype(np.float64) @ b
    for threshold in (0.0, float("inf")):
        monkeypatch.setattr(blas, "MULTITHREAD_MIN_FLOPS", threshold)
        np.testing.assert_allclose(blas.matmul(a, b), expected, rtol=1e-4, atol=1e-3)
        out = np.empty((k, k), np.float32)  # a transposed operand and an out= buffer
        assert blas.matmul(a.T, a, out=out) is out
        np.testing.assert_allclose(out, a.T.astype(np.float64) @ a, rtol=1e-4, atol=1e-2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("with_bias", [False, True])
def test_bias_act(dtype, relu, with_bias):
    z = RNG.standard_normal((37, 11)).astype(dtype)
    bias = RNG.standard_normal(11).astype(dtype) if with_bias else None
    expected = fused.bias_act_reference(z, bias, relu)
    np.testing.assert_allclose(fused.bias_act(z.copy(), bias, relu), expected, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("relu", [False, True])
def test_relu_mask_bias_grad(dtype, relu):
    dy = RNG.standard_normal((53, 7)).astype(dtype)
    y = np.maximum(RNG.standard_normal((53, 7)), 0).astype(dtype)  # exact zeros included
    dz_ref, db_ref = fused.relu_mask_bias_grad_reference(dy, y, relu)
    dz, db = fused.relu_mask_bias_grad(dy, y, relu)
    np.testing.assert_allclose(dz, dz_ref, **tol(dtype))
    np.testing.assert_allclose(db, db_ref, **tol(dtype))
    buf = np.empty_like(dy)
    dz2, _ = fused.relu_mask_bias_grad(dy, y, relu, dz=buf)
    assert dz2 is buf
    np.testing.assert_array_equal(dz2, dz)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows", [200, 2 * parallel.SPLIT_MIN_ELEMENTS // 6 + 5])  # one piece; split over workers
def test_batchnorm_kernels(dtype, rows):
    x = (3 + 2 * RNG.standard_normal((rows, 6))).astype(dtype)
    gamma = RNG.standard_normal(6).astype(dtype)
    beta = RNG.standard_normal(6).astype(dtype)
    # the reference in float64 (a float32 reference's own sums are the less accurate side on many rows)
    y_ref, xhat, mean_ref, var_ref, inv_std = fused.batchnorm_forward_train_reference(
        x.astype(np.float64), gamma.astype(np.float64), beta.astype(np.float64), 1e-3)
    y, mean, var, inv_std_fast = fused.batchnorm_forward_train(x, gamma, beta, 1e-3)
    for got, want in zip((y, mean, var, inv_std_fast), (y_ref, mean_ref, var_ref, inv_std)):
        np.testing.assert_allclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-5)
    dy = RNG.standard_normal(x.shape).astype(dtype)
    for got, want in zip(fused.batchnorm_backward_train(dy, x, mean, gamma, inv_std_fast),
                         fused.batchnorm_backward_train_reference(dy.astype(np.float64), xhat, gamma, inv_std)):
        np.testing.assert_allclose(got, want, rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_dropout_kernels(dtype):
    x = RNG.standard_normal((4, 5, 6)).astype(dtype)
    bits = RNG.integers(0, 2**32, (4, 5, 6), dtype=np.uint32)
    threshold = int(np.ceil(0.3 * 2**24))            # the exact edges of u >= 0.3 on the 2^-24 grid
    bits.reshape(-1)[:2] = [(threshold - 1) << 8 | 255, threshold << 8]
    y, keep = fused.dropout_apply(x, bits, 0.3)
    y_ref, keep_ref = fused.dropout_reference(x, bits, 0.3)
    np.testing.assert_array_equal(keep, keep_ref)
    assert keep.reshape(-1)[:2].tolist() == [0, 1]
    with pytest.raises(ValueError, match="uint32 bits"):
        fused.dropout_apply(x, bits.astype(np.float32), 0.3)
    np.testing.assert_allclose(y, y_ref, **tol(dtype))
    dy = RNG.standard_normal(x.shape).astype(dtype)
    np.testing.assert_allclose(fused.dropout_backward(dy, keep, 0.3), dy * keep * dtype(1 / 0.7), **tol(dtype))


@pytest.mark.parametrize("shape", [(2, 4, 6, 3), (3, 7, 5, 2), (1, 13, 13, 4), (2, 2, 3, 1)])
@pytest.mark.parametrize("ties", [False, True])
def test_max_pool_2x2_matches_reference(shape, ties):
    x = RNG.standard_normal(shape).astype(np.float32)
    if ties:
        x = np.round(x).astype(np.float32)  # many equal values: the first maximum must win
    geom = WindowGeometry(shape[1], shape[2], (2, 2), (2, 2), "valid")
    assert is_2x2(geom)
    y_ref, argmax_ref = max_pool_reference(x, geom)
    y, which = max_pool_2x2(x)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(max_pool_2x2_argmax_reference(which, shape), argmax_ref)
    dy = RNG.standard_normal(y.shape).astype(np.float32)
    np.testing.assert_array_equal(max_pool_2x2_backward(dy, which, shape),
                                  max_pool_backward_reference(dy, argmax_ref, shape))


def test_is_2x2_only_for_the_plain_case():
    assert not is_2x2(WindowGeometry(7, 7, (2, 2), (2, 2), "same"))  # odd size: padded
    assert not is_2x2(WindowGeometry(8, 8, (2, 2), (1, 1), "valid"))
    assert not is_2x2(WindowGeometry(8, 8, (3, 3), (2, 2), "valid"))


def _conv_reference_grads(layer, x, dy):
    """Output and gradients of a Conv2D from the reference kernels, in float64."""
    k, b = layer.params["kernel"].astype(np.float64), layer.params["bias"].astype(np.float64)
    z = conv_kernels.conv2d_reference(x.astype(np.float64), k, b, layer.geom)
    y = np.maximum(z, 0) if layer.activation == "relu" else z
    dz = dy * (z > 0) if layer.activation == "relu" else dy
    from minicnn.kernels import col2im_reference, im2col_reference
    cols = im2col_reference(x.astype(np.float64), layer.geom)
    dk = (cols.T @ dz.reshape(-1, k.shape[3])).reshape(k.shape)
    dx = col2im_reference(dz.reshape(-1, k.shape[3]) @ k.reshape(-1, k.shape[3]).T, x.shape, layer.geom)
    return y, dk, dz.sum(axis=(0, 1, 2)), dx


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("padding,strides", [("valid", 1), ("same", 1), ("same", 2), ("valid", 3)])
@pytest.mark.parametrize("budget", [None, 1])  # 1 byte: one sample per chunk (the chunked path)
def test_conv_layer_fast_paths_match_reference(activation, padding, strides, budget, monkeypatch):
    if budget is not None:
        monkeypatch.setattr(conv_kernels, "COLS_BUDGET_BYTES", budget)
    layer = Conv2D(4, (3, 2), strides=strides, padding=padding, activation=activation)
    layer.build((7, 6, 3))
    layer.params["bias"][...] = RNG.standard_normal(4).astype(np.float32)
    x = RNG.standard_normal((3, 7, 6, 3)).astype(np.float32)
    for _ in range(2):  # buffers reused on the second step
        y = layer.forward(x, training=True)
        dy = RNG.standard_normal(y.shape).astype(np.float32)
        y_ref, dk_ref, db_ref, dx_ref = _conv_reference_grads(layer, x, dy)
        y_copy = y.copy()
        dx = layer.backward(dy)
        np.testing.assert_allclose(y, y_ref, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(y, y_copy)  # backward leaves the returned output alone
        np.testing.assert_allclose(layer.grads["kernel"], dk_ref, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(layer.grads["bias"], db_ref, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(dx, dx_ref, rtol=1e-4, atol=1e-4)


def test_outputs_are_not_overwritten_by_the_next_call():
    """Layers reuse scratch buffers, never the arrays they return."""
    for layer, shape in ((Conv2D(3, 3, activation="relu"), (6, 6, 2)), (Dense(5, activation="relu"), (4,)),
                         (BatchNormalization(), (3, 3, 2)), (Dropout(0.5, seed=0), (8,))):
        layer.build(shape)
        x1 = RNG.standard_normal((4,) + shape).astype(np.float32)
        x2 = RNG.standard_normal((4,) + shape).astype(np.float32)
        y1 = layer.forward(x1, training=True)
        dx1 = layer.backward(np.ones_like(y1))
        y1_copy, dx1_copy = y1.copy(), dx1.copy()
        y2 = layer.forward(x2, training=True)
        layer.backward(2 * np.ones_like(y2))
        np.testing.assert_array_equal(y1, y1_copy)
        np.testing.assert_array_equal(dx1, dx1_copy)


@pytest.mark.parametrize("activation", [None, "relu", "softmax"])
def test_dense_fast_path_matches_numpy(activation):
    layer = Dense(6, activation=activation)
    layer.build((9,))
    layer.params["bias"][...] = RNG.standard_normal(6).astype(np.float32)
    x = RNG.standard_normal((5, 9)).astype(np.float32)
    y = layer.forward(x, training=True)
    z = x.astype(np.float64) @ layer.params["kernel"] + layer.params["bias"]
    dy = RNG.standard_normal(y.shape).astype(np.float32)
    if activation == "relu":
        expected, dz = np.maximum(z, 0), dy * (z > 0)
    elif activation == "softmax":
        expected = np.exp(z - z.max(1, keepdims=True))
        expected /= expected.sum(1, keepdims=True)
        dz = expected * (dy - (dy * expected).sum(1, keepdims=True))
    else:
        expected, dz = z, dy
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    dx = layer.backward(dy)
    np.testing.assert_allclose(layer.grads["kernel"], x.T.astype(np.float64) @ dz, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.grads["bias"], dz.sum(0), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx, dz @ layer.params["kernel"].T, rtol=1e-4, atol=1e-5)


def test_map_chunks_keeps_chunk_order_with_several_workers(monkeypatch):
    chunks = parallel.chunk_bounds(10, 3)
    assert chunks == [(0, 3), (3, 6), (6, 9), (9, 10)]
    for workers in (1, 2, 3):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        assert parallel.map_chunks(lambda c, w: c[0], chunks) == [0, 3, 6, 9]


def test_map_chunks_workers_run_under_the_callers_numpy_errstate(monkeypatch):
    """fit silences overflow warnings with np.errstate, a context variable: the workers must see it
    (a pool thread starts in its own context, where the default 'warn' holds)."""
    monkeypatch.setattr(parallel, "WORKERS", 2)
    with np.errstate(over="raise", invalid="ignore"):
        seen = parallel.map_chunks(lambda c, w: (w, np.geterr()["over"], np.geterr()["invalid"]), [0, 1])
    assert seen == [(0, "raise", "ignore"), (1, "raise", "ignore")]
    assert parallel.map_chunks(lambda c, w: np.geterr()["over"], [0, 1]) == [np.geterr()["over"]] * 2


def test_sum_chunks_is_the_sum_in_a_fixed_order_on_any_worker_count(monkeypatch):
    """Partial sums per fixed run of chunks, then the runs in order: bitwise the same on 1, 2 or 3
    workers, equal to the plain sum, and scratch returned by the chunk function is copied."""
    rng = np.random.default_rng(0)
    parts = rng.standard_normal((7, 5)).astype(np.float32) * 10.0 ** rng.integers(-4, 4, (7, 1))
    chunks = parallel.chunk_bounds(7, 1)
    scratch = np.empty((3, 5), np.float32)   # one row per worker, as parallel.shared_scratch

    def partial(chunk, worker):
        scratch[worker] = parts[chunk[0]]
        return scratch[worker], parts[chunk[0]] * 2
    results = []
    for workers in (1, 2, 3):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        results.append(parallel.sum_chunks(partial, chunks))
    for total, doubled in results[1:]:
        np.testing.assert_array_equal(total, results[0][0])
        np.testing.assert_array_equal(doubled, results[0][1])
    np.testing.assert_allclose(results[0][0], parts.astype(np.float64).sum(axis=0), rtol=1e-5)
    np.testing.assert_allclose(results[0][1], 2 * results[0][0], rtol=1e-6)


@pytest.mark.parametrize("workers", [1, 2])
def test_conv_layer_threaded_chunks_match_single_thread(workers, monkeypatch):
    monkeypatch.setattr(conv_kernels, "COLS_BUDGET_BYTES", 1)  # one sample per chunk
    results = []
    for w in (1, workers):
        monkeypatch.setattr(parallel, "WORKERS", w)
        layer = Conv2D(5, 3, padding="same", activation="relu", kernel_initializer="ones")
        layer.build((6, 5, 4))
        x = np.random.default_rng(7).standard_normal((5, 6, 5, 4)).astype(np.float32)
        y = layer.forward(x, training=True)
        dx = layer.backward(np.random.default_rng(8).standard_normal(y.shape).astype(np.float32))
        results.append((y, dx, layer.grads["kernel"].copy(), layer.grads["bias"].copy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_kernel(dtype, nesterov):
    p = RNG.standard_normal((7, 3)).astype(dtype)
    g = RNG.standard_normal((7, 3)).astype(dtype)
    v = RNG.standard_normal((7, 3)).astype(dtype)
    p_ref, v_ref = p.copy(), v.copy()
    for _ in range(3):
        fused.sgd_momentum_update_reference(p_ref, g, v_ref, dtype(0.01), dtype(0.9), nesterov)
        fused.sgd_momentum_update(p, g, v, 0.01, 0.9, nesterov)
    np.testing.assert_allclose(p, p_ref, **tol(dtype))
    np.testing.assert_allclose(v, v_ref, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_torch_kernel(dtype, nesterov):
    p = RNG.standard_normal((7, 3)).astype(dtype)
    v = RNG.standard_normal((7, 3)).astype(dtype)
    p_ref, v_ref = p.copy(), v.copy()
    for _ in range(3):
        g = RNG.standard_normal((7, 3)).astype(dtype)
        fused.sgd_torch_update_reference(p_ref, g, v_ref, dtype(0.1), dtype(0.85), nesterov, dtype(0.003))
        fused.sgd_torch_update(p, g, v, 0.1, 0.85, nesterov, 0.003)
    np.testing.assert_allclose(p, p_ref, **tol(dtype))
    np.testing.assert_allclose(v, v_ref, **tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_adam_kernel(dtype):
    p = RNG.standard_normal(50).astype(dtype)
    m, v = np.zeros_like(p), np.zeros_like(p)
    p_ref, m_ref, v_ref = p.copy(), m.copy(), v.copy()
    for t in range(1, 4):
        g = RNG.standard_normal(50).astype(dtype)
        lr_t = 1e-3 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        fused.adam_update_reference(p_ref, g, m_ref, v_ref, dtype(lr_t), dtype(0.1), dtype(0.001), dtype(1e-7))
        fused.adam_update(p, g, m, v, lr_t, 0.1, 0.001, 1e-7)
    for a, b in ((p, p_ref), (m, m_ref), (v, v_ref)):
        np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_inference_kernel(dtype):
    x = (2 + RNG.standard_normal((40, 5))).astype(dtype)
    mean, gamma, beta = (RNG.standard_normal(5).astype(dtype) for _ in range(3))
    inv_std = (1 / np.sqrt(RNG.random(5) + 0.5)).astype(dtype)
    np.testing.assert_allclose(fused.batchnorm_inference(x, mean, inv_std, gamma, beta),
                               fused.batchnorm_inference_reference(x, mean, inv_std, gamma, beta), **tol(dtype))


def test_conv_layers_in_concurrent_threads_do_not_share_scratch(monkeypatch):
    """Shared scratch is per calling thread: two models trained at once stay independent."""
    import threading
    monkeypatch.setattr(conv_kernels, "COLS_BUDGET_BYTES", 1)  # multi-chunk: shared scratch in use

    def run(seed, out):
        layer = Conv2D(6, 3, padding="same", activation="relu", kernel_initializer="ones")
        layer.build((9, 9, 3))
        x = np.random.default_rng(seed).standard_normal((6, 9, 9, 3)).astype(np.float32)
        for _ in range(20):
            y = layer.forward(x, training=True)
            dx = layer.backward(y)
        out.append((dx.copy(), layer.grads["kernel"].copy()))

    expected = {}
    for seed in (1, 2):
        res = []
        run(seed, res)
        expected[seed] = res[0]
    got = {1: [], 2: []}
    threads = [threading.Thread(target=run, args=(s, got[s])) for s in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed in (1, 2):
        for a, b in zip(got[seed][0], expected[seed]):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


def test_blas_thread_switch_goes_through_threadpoolctl():
    from threadpoolctl import threadpool_info
    ours = {lib.filepath for lib in blas._BLAS}   # the BLAS NumPy loaded (others may come later)
    if not ours:
        pytest.skip("threadpoolctl finds no BLAS library in this NumPy")
    threads = lambda: {lib["num_threads"] for lib in threadpool_info() if lib["filepath"] in ours}
    a = np.ones((4, 4), np.float32)
    blas.matmul(a, a)  # a tiny product: one thread
    assert threads() == {1}
    blas._use_threads(blas.BLAS_THREADS)
    assert threads() == {blas.BLAS_THREADS}


@pytest.mark.parametrize("shape", [(32, 5408, 100), (5408, 32, 100), (32, 100, 5408)])
def test_split_matmul_is_the_same_on_one_or_two_workers(shape, monkeypatch):
    """Mid-sized products are cut in fixed row blocks: the numbers do not depend on the threads."""
    monkeypatch.setattr(parallel, "SPLIT_MIN_FLOPS", 4e6)   # dense-layer products at batch 32 split
    m, k, n = shape
    a = RNG.standard_normal((k, m)).astype(np.float32).T if m > k else RNG.standard_normal((m, k)).astype(np.float32)
    b = RNG.standard_normal((k, n)).astype(np.float32)
    assert len(parallel.split_bounds(max(m, n), 2.0 * m * k * n)) == parallel.SPLIT_PARTS  # split by rows or columns
    results = []
    for workers in (1, 2):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        results.append(blas.matmul(a, b))
    np.testing.assert_array_equal(results[0], results[1])
    np.testing.assert_allclose(results[0], a.astype(np.float64) @ b, rtol=1e-4, atol=1e-3)
    out = np.empty((m, n), np.float32)
    assert blas.matmul(a, b, out=out) is out
    np.testing.assert_array_equal(out, results[0])


@pytest.mark.parametrize("workers", [1, 2])
def test_split_optimizer_updates_match_the_references(workers, monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", workers)
    n = parallel.SPLIT_MIN_ELEMENTS + 7   # split in two pieces
    p, g, v = (RNG.standard_normal(n).astype(np.float32) for _ in range(3))
    p_ref, v_ref = p.copy(), v.copy()
    fused.sgd_momentum_update_reference(p_ref, g, v_ref, np.float32(0.01), np.float32(0.9), False)
    fused.sgd_momentum_update(p, g, v, 0.01, 0.9, False)
    np.testing.assert_allclose(p, p_ref, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(v, v_ref, rtol=1e-6, atol=1e-7)
    m2, v2 = np.zeros(n, np.float32), np.zeros(n, np.float32)
    p2, m_ref, v2_ref = p.copy(), m2.copy(), v2.copy()
    fused.adam_update_reference(p2, g, m_ref, v2_ref, np.float32(1e-3), np.float32(0.1), np.float32(0.001),
                                np.float32(1e-7))
    fused.adam_update(p, g, m2, v2, 1e-3, 0.1, 0.001, 1e-7)
    np.testing.assert_allclose(p, p2, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(m2, m_ref, rtol=1e-6, atol=1e-7)


def test_batchnorm_kernels_do_not_depend_on_the_thread_count(monkeypatch):
    x = RNG.standard_normal((parallel.SPLIT_MIN_ELEMENTS // 4 + 3, 8)).astype(np.float32)
    dy = RNG.standard_normal(x.shape).astype(np.float32)
    gamma, beta = np.ones(8, np.float32), np.zeros(8, np.float32)
    runs = []
    for workers in (1, 2):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        y, mean, var, inv_std = fused.batchnorm_forward_train(x, gamma, beta, 1e-3)
        runs.append((y, mean, var) + fused.batchnorm_backward_train(dy, x, mean, gamma, inv_std))
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_max_pool_2x2_split_over_workers_matches_reference(monkeypatch):
    shape = (4, 10, 12, parallel.SPLIT_MIN_ELEMENTS // 400 + 1)   # large enough to be split by samples
    x = RNG.standard_normal(shape).astype(np.float32)
    geom = WindowGeometry(shape[1], shape[2], (2, 2), (2, 2), "valid")
    y_ref, argmax_ref = max_pool_reference(x, geom)
    dy = RNG.standard_normal(y_ref.shape).astype(np.float32)
    for workers in (1, 2):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        y, which = max_pool_2x2(x)
        np.testing.assert_array_equal(y, y_ref)
        np.testing.assert_array_equal(max_pool_2x2_argmax_reference(which, shape), argmax_ref)
        np.testing.assert_array_equal(max_pool_2x2_backward(dy, which, shape),
                                      max_pool_backward_reference(dy, argmax_ref, shape))


def test_map_chunks_nested_in_a_worker_runs_inline(monkeypatch):
    """A kernel that splits its own work, called from a chunk on a worker, must not wait for the pool."""
    monkeypatch.setattr(parallel, "WORKERS", 2)
    inner = lambda chunk, w: parallel.map_chunks(lambda c, v: c * 10, [chunk, chunk + 1])
    assert parallel.map_chunks(inner, [1, 2, 3, 4]) == [[10, 20], [20, 30], [30, 40], [40, 50]]


def test_training_steps_are_bitwise_the_same_on_one_or_two_workers(monkeypatch):
    """Every split (conv chunks, products, BN rows, pooling, optimizer) is fixed by the shapes, and
    partial sums are added in a fixed order: the thread count never changes a number."""
    from minicnn import Sequential, optimizers
    from minicnn.layers import Flatten, MaxPooling2D
    monkeypatch.setattr(parallel, "SPLIT_MIN_FLOPS", 4e6)       # low thresholds: every kind of split
    monkeypatch.setattr(parallel, "SPLIT_MIN_ELEMENTS", 2**17)  # happens on these small shapes
    rng = np.random.default_rng(5)
    x = rng.random((32, 16, 16, 3), dtype=np.float32)
    y = rng.integers(0, 10, 32)
    weights = []
    for workers in (1, 2):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        model = Sequential([Conv2D(16, 3, padding="same", activation="relu", input_shape=(16, 16, 3)),
                            BatchNormalization(), Conv2D(16, 3, padding="same", activation="relu"),
                            MaxPooling2D(2), Flatten(), Dense(128, activation="relu"), Dense(10, activation="softmax")])
        model.set_weights([np.full_like(w, 0.01) + 0.001 * np.arange(w.size).reshape(w.shape) % 0.05
                           for w in model.get_weights()])
        model.compile(optimizers.Adam(1e-3), "sparse_categorical_crossentropy", ["accuracy"])
        for _ in range(3):
            model.train_on_batch(x, y)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)
