import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn.kernels import WindowGeometry, conv2d, conv2d_reference
from minicnn.kernels import conv as conv_module

from .strategies import window_case


@given(window_case())
def test_fast_conv_matches_loop_reference(case):
    batch, h, w, c, window, strides, padding = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, h, w, c)).astype(np.float32)
    kernel = rng.standard_normal(window + (c, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    g = WindowGeometry(h, w, window, strides, padding)
    np.testing.assert_allclose(conv2d(x, kernel, bias, strides, padding), conv2d_reference(x, kernel, bias, g),
                               rtol=1e-5, atol=1e-5)


def test_conv_by_hand():
    x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
    kernel = np.array([[1, 0], [0, -1]], dtype=np.float32).reshape(2, 2, 1, 1)   # x[i,j] - x[i+1,j+1]
    y = conv2d(x, kernel, strides=2)
    np.testing.assert_array_equal(y[0, :, :, 0], [[-5, -5], [-5, -5]])


def test_chunking_gives_the_same_result(monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 6, 6, 2)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 2, 3)).astype(np.float32)
    whole = conv2d(x, kernel, padding="same")
    monkeypatch.setattr(conv_module, "COLS_BUDGET_BYTES", 1)   # one sample per chunk
    np.testing.assert_array_equal(conv2d(x, kernel, padding="same"), whole)


def test_samples_per_chunk_respects_the_budget():
    g = WindowGeometry(32, 32, (3, 3), (1, 1), "same")
    per_sample = 32 * 32 * 9 * 64 * 4
    n = conv_module.samples_per_chunk(256, g, 64, 4, budget=64 * 2**20)
    assert n * per_sample <= 64 * 2**20 < (n + 1) * per_sample


def test_mismatched_channels_error():
    with pytest.raises(ValueError, match="same C"):
        conv2d(np.zeros((1, 5, 5, 3)), np.zeros((3, 3, 2, 4)))


# ----------------------------------------------------------------------------- input gradient, engine
@st.composite
def stride1_case(draw):
    batch, h, w, c, window, _, padding = draw(window_case(max_size=7, max_window=3))
    return batch, h, w, c, window, padding, draw(st.integers(1, 4))


@given(stride1_case())
def test_input_grad_as_flipped_convolution_matches_col2im_form(case):
    """The two forms of dx agree: col2im(dZ @ K^T) and conv(pad(dZ), flip(K)) (stride 1)."""
    batch, h, w, c, window, padding, f = case
    rng = np.random.default_rng(1)
    g = WindowGeometry(h, w, window, (1, 1), padding)
    kernel = rng.standard_normal(window + (c, f))
    dz = rng.standard_normal((batch, g.out_h, g.out_w, f))
    expected = conv_module.input_grad_reference(dz, kernel, (batch, h, w, c), g)
    np.testing.assert_allclose(conv_module.input_grad_flipped_reference(dz, kernel, (batch, h, w, c), g), expected,
                               rtol=1e-10, atol=1e-10)


@given(window_case(max_size=7, max_window=3), st.integers(1, 4), st.booleans(), st.sampled_from([None, 1]),
       st.sampled_from([None, 5]))
def test_conv_engine_backward_matches_references(case, f, relu, budget, block):
    """conv2d_backward (kept or recomputed columns, col2im or flipped dx; without dx, the kernel
    gradient by blocks of rows, down to 5 rows a block) against the references."""
    batch, h, w, c, window, strides, padding = case
    rng = np.random.default_rng(2)
    g = WindowGeometry(h, w, window, strides, padding)
    x = rng.standard_normal((batch, h, w, c)).astype(np.float32)
    kernel = rng.standard_normal(window + (c, f)).astype(np.float32)
    bias = rng.standard_normal(f).astype(np.float32)
    old = conv_module.COLS_BUDGET_BYTES, conv_module.KEEP_COLS_BYTES, conv_module.FILTER_GRAD_BLOCK_ROWS
    try:
        if budget is not None:  # one sample per chunk, columns recomputed in backward
            conv_module.COLS_BUDGET_BYTES = conv_module.KEEP_COLS_BYTES = budget
        if block is not None:
            conv_module.FILTER_GRAD_BLOCK_ROWS = block
        work = conv_module.ConvWorkspace()
        y = conv_module.conv2d_forward(x, kernel, bias, relu, g, work)
        dy = rng.standard_normal(y.shape).astype(np.float32)
        dk, db, dx = conv_module.conv2d_backward(dy, y if relu else None, relu, x, kernel, g, work)
        dk_only, db_only, none = conv_module.conv2d_backward(dy, y if relu else None, relu, x, kernel, g, work,
                                                             input_grad=False)
    finally:
        conv_module.COLS_BUDGET_BYTES, conv_module.KEEP_COLS_BYTES, conv_module.FILTER_GRAD_BLOCK_ROWS = old
    assert none is None
    z = conv2d_reference(x.astype(np.float64), kernel.astype(np.float64), bias, g)
    np.testing.assert_allclose(y, np.maximum(z, 0) if relu else z, rtol=1e-4, atol=1e-4)
    dz = dy * (z > 0) if relu else dy.astype(np.float64)
    from minicnn.kernels import im2col_reference
    dk_ref = (im2col_reference(x.astype(np.float64), g).T @ dz.reshape(-1, f)).reshape(kernel.shape)
    for dk_, db_ in ((dk, db), (dk_only, db_only)):
        np.testing.assert_allclose(dk_, dk_ref, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(db_, dz.sum(axis=(0, 1, 2)), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dx, conv_module.input_grad_reference(dz, kernel.astype(np.float64), x.shape, g),
                               rtol=1e-4, atol=1e-4)


def test_filter_gradient_goes_by_blocks_in_one_single_threaded_chunk_only():
    mnist = WindowGeometry(28, 28, (3, 3), (1, 1), "valid")
    assert conv_module.uses_filter_grad_blocks([(0, 32)], mnist, 1, 32)
    assert not conv_module.uses_filter_grad_blocks([(0, 16), (16, 32)], mnist, 1, 32)   # on the workers
    big = WindowGeometry(224, 224, (3, 3), (1, 1), "same")   # 2 * 50176 * 27 * 128 FLOPs: all threads
    assert not conv_module.uses_filter_grad_blocks([(0, 1)], big, 3, 128)


def test_flipped_input_grad_is_used_for_same_padding_with_few_filters():
    g = WindowGeometry(8, 8, (3, 3), (1, 1), "same")
    assert conv_module.uses_flipped_input_grad(g, 32, 32)
    assert not conv_module.uses_flipped_input_grad(g, 32, 64)
    assert not conv_module.uses_flipped_input_grad(WindowGeometry(8, 8, (3, 3), (1, 1), "valid"), 32, 32)
    assert not conv_module.uses_flipped_input_grad(WindowGeometry(8, 8, (3, 3), (2, 2), "same"), 32, 32)


def test_small_batches_split_in_chunks_that_do_not_depend_on_threads(monkeypatch):
    from minicnn.kernels import parallel
    monkeypatch.setattr(parallel, "SPLIT_PARTS", 2)   # the default (MINICNN_SPLIT_PARTS may change it)
    monkeypatch.setattr(parallel, "SPLIT_MIN_FLOPS", 4e6)
    g = WindowGeometry(26, 26, (3, 3), (1, 1), "valid")
    chunks = conv_module.conv_chunks(32, g, 1, 32, 4)   # the mnist layer: 12.5 MFLOP, fits one chunk
    assert chunks == [(0, 16), (16, 32)]
    assert conv_module.conv_chunks(32, WindowGeometry(4, 4, (3, 3), (1, 1), "valid"), 1, 2, 4) == [(0, 32)]
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 26, 26, 1)).astype(np.float32)
    kernel = rng.standard_normal((3, 3, 1, 32)).astype(np.float32)
    runs = []
    for workers in (1, 2):
        monkeypatch.setattr(parallel, "WORKERS", workers)
        y = conv_module.conv2d_forward(x, kernel, None, True, g, conv_module.ConvWorkspace())
        runs.append((y,) + conv_module.conv2d_backward(y, y, True, x, kernel, g)[:2])
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)  # bitwise: the same chunks summed in the same order
