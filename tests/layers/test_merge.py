"""Merge layers: finite-difference checks in float64 of every input gradient, shapes, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from minicnn import layers as L
from minicnn.layers import merge

EPS, TOL = 1e-6, 1e-7


def numeric_grads(layer, xs, r):
    """Central differences of ``sum(layer(xs) * r)`` w.r.t. every entry of every input."""
    grads = []
    for x in xs:
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + EPS
            up = np.sum(layer.forward(xs) * r)
            x[i] = old - EPS
            down = np.sum(layer.forward(xs) * r)
            x[i] = old
            g[i] = (up - down) / (2 * EPS)
        grads.append(g)
    return grads


def check(layer, shapes, seed=0, spread=False):
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(0.5, 1.5, s) * rng.choice([-1, 1], s) for s in shapes]
    if spread:  # Maximum: inputs at least 0.1 apart everywhere, far from its kink (ties)
        base = rng.permutation(len(xs) * int(np.prod(shapes[0]))).reshape((len(xs),) + tuple(shapes[0])) * 0.1
        xs = [base[k].astype(np.float64) for k in range(len(xs))]
    layer.cast("float64")
    y = layer.forward(xs)
    r = rng.standard_normal(y.shape)
    analytic = layer.backward(r)
    assert len(analytic) == len(xs)
    for a, n, x in zip(analytic, numeric_grads(layer, xs, r), xs):
        assert a.shape == x.shape
        np.testing.assert_allclose(a, n, atol=TOL, rtol=TOL)
    return xs, y


shapes = st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).map(lambda s: (2,) + s)


@given(shape=shapes, n=st.integers(1, 3))
@pytest.mark.parametrize("cls", [L.Add, L.Multiply, L.Average])
def test_elementwise_gradients(cls, shape, n):
    check(cls(), [shape] * n)


@given(shape=shapes)
def test_subtract_gradients(shape):
    xs, y = check(L.Subtract(), [shape] * 2)
    np.testing.assert_array_equal(y, xs[0] - xs[1])


@given(shape=shapes, n=st.integers(2, 3))
def test_maximum_gradients_and_kink_state(shape, n):
    layer = L.Maximum()
    xs, y = check(layer, [shape] * n, spread=True)
    np.testing.assert_array_equal(layer.kink_state()[0], np.argmax(np.stack(xs), axis=0))
    np.testing.assert_array_equal(y, np.max(np.stack(xs), axis=0))


def test_maximum_sends_a_tie_to_the_first_input():
    layer = L.Maximum()
    x = np.ones((2, 3))
    layer.forward([x, x.copy()])
    first, second = layer.backward(np.ones((2, 3)))
    assert first.sum() == 6 and second.sum() == 0


@given(axis=st.sampled_from([-1, 1, 2, 3, -2, -3]), sizes=st.lists(st.integers(1, 3), min_size=1, max_size=3))
def test_concatenate_gradients_along_any_feature_axis(axis, sizes):
    base = [2, 2, 3, 2]
    a = axis % 4
    shapes = [tuple(size if i == a else d for i, d in enumerate(base)) for size in sizes]
    layer = L.Concatenate(axis=axis)
    xs, y = check(layer, shapes)
    np.testing.assert_array_equal(y, np.concatenate(xs, axis=a))
    assert layer.get_config()["axis"] == axis


def test_output_shapes_and_errors():
    assert L.Add().build([(4, 4, 2), (4, 4, 2)]) == (4, 4, 2)
    assert L.Concatenate().build([(4, 4, 2), (4, 4, 3)]) == (4, 4, 5)
    assert L.Concatenate(axis=1).build([(1, 4, 2), (3, 4, 2)]) == (4, 4, 2)
    with pytest.raises(ValueError, match="one shape"):
        L.Add().build([(4, 4, 2), (4, 4, 3)])
    with pytest.raises(ValueError, match="exactly 2"):
        L.Subtract().build([(3,)] * 3)
    with pytest.raises(ValueError, match="match except along the axis"):
        L.Concatenate().build([(4, 4, 2), (4, 3, 3)])
    with pytest.raises(ValueError, match="batch axis"):
        L.Concatenate(axis=0).build([(3,), (3,)])
    with pytest.raises(ValueError, match="list of arrays"):
        L.Add().forward(np.ones((2, 3)))
    layer = L.Add()
    layer.forward([np.ones((2, 3)), np.ones((2, 3))])
    with pytest.raises(ValueError, match=r"expects inputs of shapes \[\(None, 3\), \(None, 3\)\]"):
        layer.forward([np.ones((2, 3)), np.ones((2, 4))])


def test_functional_forms_build_merge_nodes():
    from minicnn import Input
    a, b = Input((3,)), Input((3,))
    for fn, cls in ((L.add, L.Add), (L.subtract, L.Subtract), (L.multiply, L.Multiply), (L.average, L.Average),
                    (L.maximum, L.Maximum), (L.concatenate, L.Concatenate)):
        out = fn([a, b])
        assert isinstance(out.node.layer, cls) and out.node.inputs == [a, b]
    assert L.concatenate([a, b]).shape == (None, 6)
    with pytest.raises(ValueError, match="list of inputs"):
        merge.add(a)


def test_inputs_are_never_written():
    xs = [np.arange(6.0).reshape(2, 3), np.ones((2, 3))]
    copies = [x.copy() for x in xs]
    for cls in (L.Add, L.Multiply, L.Average, L.Maximum, L.Subtract, L.Concatenate):
        layer = cls()
        layer.forward(xs)
        layer.backward(np.ones(layer.output_shape and (2,) + layer.output_shape))
        for x, c in zip(xs, copies):
            np.testing.assert_array_equal(x, c)
