"""Indexing (getitem) and functional updates (``x.at[idx].set/add/multiply``): NumPy values,
derivatives (fwd/rev, order 2), the jvp/vjp dot-product identity, vmap (also over batched index
arrays and scatters) and Jacobians.
"""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree
from funcgrad.testing import check_grads, numerical_jacobian

# ----------------------------------------------------------------------------- helpers

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit


def _rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _inner(a, b):
    return sum(float(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(tree.leaves(a), tree.leaves(b)))


I3 = np.array([0, 2, 2, 1, 2])          # repeated indices
I_NEG = np.array([-1, 0, -1, 1])
I2D = np.array([[0, 1], [2, 2]])
J4 = np.array([3, 0, 3, 1, 0])
MASK = np.array([True, False, True, True])
MASK2D = np.array([[True, False, True, False, True],
                   [False, False, True, True, False],
                   [True, True, False, False, False],
                   [False, True, False, True, True]])

# (name, key, shape of x)
KEYS = [
    # basic
    ("slice", np.s_[1:3], (4, 5)),
    ("slice_step", np.s_[::2], (5,)),
    ("slice_neg_step", np.s_[::-1], (5,)),
    ("slice_neg_step2", np.s_[::-2], (5,)),
    ("slice_neg_bounds", np.s_[-1:-4:-1], (5,)),
    ("slice_rev_to_start", np.s_[3::-2], (5,)),
    ("slice_2d_mixed_steps", np.s_[1:, ::-2], (4, 5)),
    ("slice_empty", np.s_[3:1], (5,)),
    ("slice_clipped", np.s_[-10:10], (5,)),
    ("int", np.s_[1], (4, 5)),
    ("int_neg", np.s_[-1, 2], (4, 5)),
    ("int_scalar", np.s_[2, 3], (4, 5)),
    ("int_0d_result_1d", np.s_[-2], (5,)),
    ("none", np.s_[None, 1:, None], (4, 5)),
    ("ellipsis_last", np.s_[..., 1], (2, 3, 4)),
    ("ellipsis_first", np.s_[1, ...], (2, 3, 4)),
    ("ellipsis_middle", np.s_[0, ..., ::-1], (2, 3, 4)),
    ("ellipsis_none", np.s_[..., None], (2, 3)),
    ("np_int", np.s_[np.int64(2)], (4, 5)),
    # integer arrays
    ("int_array_repeated", I3, (4, 5)),
    ("int_array_neg", I_NEG, (4,)),
    ("int_list", [0, 0, 3], (4, 5)),
    ("int_array_2d", I2D, (4, 2)),
    ("int_array_axis1", np.s_[:, J4], (3, 4)),
    ("int_arrays_pair", (I3, J4), (4, 5)),
    ("int_arrays_broadcast", (np.array([[0], [3]]), np.array([1, 4, 1])), (4, 5)),
    ("int_array_0d", (np.array(1), slice(None), np.array(3)), (3, 4, 5)),
    ("list_of_lists", [[0, 1], [2, 2]], (3, 4)),
    ("empty_int_array", np.array([], dtype=int), (3, 4)),
    # boolean masks (concrete)
    ("mask_rows", MASK, (4, 5)),
    ("mask_full", MASK2D, (4, 5)),
    ("mask_then_slice", np.s_[MASK, 1:4], (4, 5)),
    ("slice_then_mask", np.s_[::-1, np.array([True, False, True, True, False])], (4, 5)),
    ("mask_last_axis", np.s_[..., np.array([False, True, True])], (2, 2, 3)),
    ("mask_all_false", np.array([False, False, False]), (3, 2)),
    ("int_then_mask", np.s_[1, np.array([True, False, True, False])], (3, 4)),
    ("two_masks", np.s_[np.array([True, False, True]), np.array([True, False, False, True])], (3, 4)),
    # mixed advanced + basic
    ("adjacent_arrays", np.s_[:, np.array([0, 2, 1]), np.array([3, 3, 0])], (2, 3, 4)),
    ("nonadjacent_arrays", np.s_[np.array([1, 0, 1]), :, np.array([3, 3, 0])], (2, 3, 4)),
    ("int_and_array_adjacent", np.s_[:, 1, np.array([0, 3, 3])], (2, 3, 4)),
    ("int_and_array_nonadjacent", np.s_[1, :, np.array([0, 3, 3])], (2, 3, 4)),
    ("array_slice_none", np.s_[np.array([2, 0, 2]), 1:3, None], (3, 4, 5)),
    ("none_array_ellipsis_array", np.s_[None, np.array([1, 0]), ..., np.array([4, 4])], (2, 3, 5)),
    ("array_2d_with_slice", np.s_[1:, I2D], (3, 4)),
    ("array_neg_step", np.s_[np.array([1, 1]), ::-2], (3, 4)),
    ("arrays_around_none", np.s_[np.array([0, 1]), None, np.array([1, 2])], (3, 4, 5)),
    ("slice_start_out_of_bounds_neg_step", np.s_[10::-1], (5,)),
]
KEY_IDS = [k[0] for k in KEYS]


def _getitem(key):
    return lambda x: x[key]


# ----------------------------------------------------------------------------- getitem


@pytest.mark.parametrize("name, key, shape", KEYS, ids=KEY_IDS)
def test_getitem_value_matches_numpy(name, key, shape):
    x = _rand(shape, 0)
    want = x[key]
    for got in (fnp.getitem(x, key), fg.vjp(_getitem(key), x)[0], fg.jvp(_getitem(key), (x,), (x,))[0]):
        assert np.shape(got) == want.shape
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name, key, shape", KEYS, ids=KEY_IDS)
def test_getitem_check_grads(name, key, shape):
    x = _rand(shape, 1)
    check_grads(_getitem(key), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda x: np.sin(x[key] * x[key]), (x,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name, key, shape", KEYS, ids=KEY_IDS)
def test_getitem_gradient_is_scatter_add(name, key, shape):
    """The gradient of sum(w * x[key]) puts each w at its source, accumulating repeats."""
    x = _rand(shape, 2)
    w = _rand(np.shape(x[key]), 3)
    want = np.zeros(shape)
    np.add.at(want, key if not isinstance(key, list) else np.asarray(key), w)
    np.testing.assert_allclose(fg.grad(lambda x: np.sum(w * x[key]))(x), want, rtol=1e-14, atol=1e-14)


def test_repeated_index_gradient_accumulates():
    g = fg.grad(lambda x: np.sum(x[np.array([0, 2, 2, 2, 1, 0])]))(np.ones(4))
    np.testing.assert_array_equal(g, [2.0, 1.0, 3.0, 0.0])
    _, t = fg.jvp(lambda x: x[np.array([1, 1])], (np.zeros(3),), (np.array([1.0, 5.0, 9.0]),))
    np.testing.assert_array_equal(t, [5.0, 5.0])


@pytest.mark.parametrize("name, key, shape", KEYS, ids=KEY_IDS)
def test_getitem_dot_product(name, key, shape):
    x = _rand(shape, 4)
    u = _rand(shape, 5)
    f = _getitem(key)
    out, ju = fg.jvp(f, (x,), (u,))
    v = _rand(np.shape(out), 6)
    (jtv,) = fg.vjp(f, x)[1](v)
    np.testing.assert_allclose(_inner(v, ju), _inner(jtv, u), rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(ju, u[key])


@pytest.mark.parametrize("name, key, shape", KEYS, ids=KEY_IDS)
@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd], ids=["jacrev", "jacfwd"])
def test_getitem_jacobian(jac, name, key, shape):
    f = lambda x: np.ravel(x[key])
    x = _rand(shape, 7)
    got = jac(f)(x)
    # (fg.testing.numerical_jacobian cannot reshape an empty output)
    want = numerical_jacobian(f, x) if np.size(x[key]) else np.zeros((0,) + shape)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, atol=1e-8)


@pytest.mark.eager_only  # under jit a mask's value is unknown (a clear IndexError)
def test_traced_boolean_mask_from_concrete_comparison():
    """A mask computed from the input is concrete under grad, so x[x > 0] works."""
    x = np.array([-1.0, 2.0, -3.0, 4.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x[x > 0] ** 2))(x), [0.0, 4.0, 0.0, 8.0])


def test_traced_boolean_mask_under_vmap_is_an_error():
    with pytest.raises((IndexError, TypeError)):
        fg.vmap(lambda x: x[x > 0].sum())(np.ones((2, 3)))


def test_out_of_bounds_index_raises():
    with pytest.raises(IndexError):
        fg.grad(lambda x: x[4])(np.ones(4))
    with pytest.raises(IndexError):
        fg.grad(lambda x: x[0, 0])(np.ones(4))


# ----------------------------------------------------------------------------- functional updates

# (name, key, shape of x, shape of v)
UPDATES = [
    ("int", np.s_[1], (4, 3), (3,)),
    ("int_scalar_value", np.s_[2], (4, 3), ()),
    ("slice", np.s_[1:3], (4, 3), (2, 3)),
    ("slice_neg_step", np.s_[::-2], (5,), (3,)),
    ("slice_broadcast_value", np.s_[:, 1:], (3, 4), (3,)),
    ("ellipsis", np.s_[..., 0], (2, 3), (2,)),
    ("int_array", np.array([3, 0]), (4, 3), (2, 3)),
    ("int_array_axis1", np.s_[:, np.array([2, 0])], (3, 4), (3, 2)),
    ("int_arrays_pair", (np.array([0, 3, 1]), np.array([2, 2, 0])), (4, 3), (3,)),
    ("mask", MASK, (4, 2), (3, 2)),
    ("mixed_nonadjacent", np.s_[np.array([1, 0]), :, np.array([3, 0])], (2, 3, 4), (2, 3)),
]
UPDATE_IDS = [u[0] for u in UPDATES]

REPEATED = ("repeated", np.array([0, 2, 2, 1, 2]), (4, 3), (5, 3))


def _ref_update(op, x, key, v):
    y = x.copy()
    if op == "set":
        y[key] = v
    elif op == "add":
        np.add.at(y, key, v)
    else:  # multiply: x[key] * v written back, so with a repeated index the last write wins
        y[key] = x[key] * v
    return y


def _update(op, key):
    return lambda x, v: getattr(fnp.at(x)[key], op)(v)


def _update_method(op, key):
    """``x.at[key].op(v)`` through the method of traced arrays (``fnp.at`` for the plain
    arrays that ``check_grads`` passes for its finite differences)."""
    return lambda x, v: getattr((x.at if hasattr(x, "at") else fnp.at(x))[key], op)(v)


OPS = ["set", "add", "multiply"]


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("name, key, xshape, vshape", UPDATES + [REPEATED], ids=UPDATE_IDS + ["repeated"])
def test_update_value_matches_numpy(op, name, key, xshape, vshape):
    x, v = _rand(xshape, 0), _rand(vshape, 1)
    want = _ref_update(op, x, key, v)
    # (exact, but for the order of summation where .add hits a repeated index)
    np.testing.assert_allclose(_update(op, key)(x, v), want, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(fg.vjp(_update_method(op, key), x, v)[0], want, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(x, _rand(xshape, 0))  # the input is not mutated


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("name, key, xshape, vshape", UPDATES + [REPEATED], ids=UPDATE_IDS + ["repeated"])
def test_update_check_grads_wrt_x_and_v(op, name, key, xshape, vshape):
    x, v = _rand(xshape, 2), _rand(vshape, 3)
    check_grads(_update_method(op, key), (x, v), order=2, modes=("fwd", "rev"))
    check_grads(lambda x, v: np.sin(_update(op, key)(x * x, np.cos(v))), (x, v), order=2, modes=("fwd", "rev"))
    # each argument on its own (the other a constant of the trace)
    check_grads(lambda x: _update_method(op, key)(x, v), (x,), order=2, modes=("fwd", "rev"))
    check_grads(lambda v: _update(op, key)(x, v ** 2), (v,), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("name, key, xshape, vshape", UPDATES + [REPEATED], ids=UPDATE_IDS + ["repeated"])
def test_update_dot_product_and_jacobians(op, name, key, xshape, vshape):
    x, v = _rand(xshape, 4), _rand(vshape, 5)
    f = _update(op, key)
    u = (_rand(xshape, 6), _rand(vshape, 7))
    out, ju = fg.jvp(f, (x, v), u)
    w = _rand(np.shape(out), 8)
    jtw = fg.vjp(f, x, v)[1](w)
    np.testing.assert_allclose(_inner(w, ju), _inner(jtw, u), rtol=1e-12)
    for argnum, arg in enumerate((x, v)):
        g = (lambda a: f(a, v)) if argnum == 0 else (lambda a: f(x, a))
        want = numerical_jacobian(g, arg)
        np.testing.assert_allclose(fg.jacrev(f, argnums=argnum)(x, v), want, atol=1e-8)
        np.testing.assert_allclose(fg.jacfwd(f, argnums=argnum)(x, v), want, atol=1e-8)


def test_update_gradients_known_values():
    x = np.arange(4.0)
    v = np.array([10.0, 20.0])
    key = np.array([3, 1])
    gx, gv = fg.grad(lambda x, v: np.sum(x.at[key].set(v) * np.arange(1.0, 5.0)), argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(gx, [1.0, 0.0, 3.0, 0.0])
    np.testing.assert_array_equal(gv, [4.0, 2.0])
    gx, gv = fg.grad(lambda x, v: np.sum(x.at[key].multiply(v) * np.arange(1.0, 5.0)), argnums=(0, 1))(x, v)
    np.testing.assert_array_equal(gx, [1.0, 20.0 * 2.0, 3.0, 10.0 * 4.0])
    np.testing.assert_array_equal(gv, [3.0 * 4.0, 1.0 * 2.0])
    gv = fg.grad(lambda v: np.sum(fnp.at(x)[np.array([0, 0, 2])].add(v) * np.arange(1.0, 5.0)))(np.ones(3))
    np.testing.assert_array_equal(gv, [1.0, 1.0, 3.0])


def test_set_with_repeated_indices_derivative_follows_the_value():
    """With a repeated index, only the value that lands (the last one) can carry a derivative."""
    x = np.zeros(3)
    key = np.array([1, 1])
    f = lambda v: fnp.at(x)[key].set(v)
    v = np.array([2.0, 5.0])
    np.testing.assert_array_equal(f(v), [0.0, 5.0, 0.0])
    want = numerical_jacobian(f, v)
    np.testing.assert_allclose(want, [[0, 0], [0, 1], [0, 0]], atol=1e-9)
    np.testing.assert_allclose(fg.jacrev(f)(v), want, atol=1e-9)
    np.testing.assert_allclose(fg.jacfwd(f)(v), want, atol=1e-9)


def test_multiply_repeated_indices():
    """``x.at[i].multiply(v)`` is ``x[i] = x[i] * v``: with repeats, like NumPy, the last write wins."""
    x, v = _rand(4, 0), _rand(3, 1)
    key = np.array([1, 1, 2])
    y = x.copy()
    y[key] = x[key] * v
    f = lambda x, v: fnp.at(x)[key].multiply(v)
    np.testing.assert_array_equal(f(x, v), y)
    check_grads(f, (x, v), order=2, modes=("fwd", "rev"))


def test_at_get_and_other_updates():
    x = _rand((3, 4), 0)
    key = np.s_[1:, np.array([0, 2])]
    np.testing.assert_array_equal(fg.vjp(lambda x: x.at[key].get(), x)[0], x[key])
    for op, ref in [("subtract", lambda a, b: a - b), ("divide", lambda a, b: a / b),
                    ("min", np.minimum), ("max", np.maximum)]:
        y = x.copy()
        y[key] = ref(x[key], 0.3)
        f = lambda x: _update_method(op, key)(x, 0.3)
        np.testing.assert_array_equal(fg.vjp(f, x)[0], y)
        check_grads(f, (x,), order=2, modes=("fwd", "rev"))


def test_setitem_on_traced_value_is_a_type_error():
    def f(x):
        x[0] = 1.0
        return x

    with pytest.raises(TypeError, match="at"):
        fg.grad(lambda x: f(x).sum())(np.ones(3))


# ----------------------------------------------------------------------------- vmap


def _stack_along(arrs, ax):
    return np.stack(arrs, axis=ax)


@pytest.mark.parametrize("name, key, shape", KEYS, ids=KEY_IDS)
@pytest.mark.parametrize("in_axis, out_axis", [(0, 0), (1, -1), (-1, 0)])
def test_vmap_getitem_with_fixed_key(in_axis, out_axis, name, key, shape):
    n = 3
    xs = [_rand(shape, 10 + b) for b in range(n)]
    X = _stack_along(xs, in_axis)
    got = fg.vmap(_getitem(key), in_axes=in_axis, out_axes=out_axis)(X)
    want = _stack_along([x[key] for x in xs], out_axis)
    np.testing.assert_array_equal(got, want)


# batched index arrays: (x shape, index shape, number of trailing slices)
BATCHED_INDEX = [
    ("1d", (5,), (4,)),
    ("2d_rows", (5, 3), (4,)),
    ("2d_index_array", (5, 3), (2, 2)),
    ("scalar_index", (5, 3), ()),
]


@pytest.mark.parametrize("name, xshape, ishape", BATCHED_INDEX, ids=[b[0] for b in BATCHED_INDEX])
@pytest.mark.parametrize("in_axes", [(0, 0), (None, 0), (0, None), (1, 0)], ids=str)
def test_vmap_getitem_with_batched_index_arrays(in_axes, name, xshape, ishape):
    n = 4
    rng = np.random.default_rng(0)
    xs = [_rand(xshape, 20 + b) for b in range(n)]
    ids = [rng.integers(-xshape[0], xshape[0], ishape) for _ in range(n)]
    if in_axes[0] is None:
        xs = [xs[0]] * n
    if in_axes[1] is None:
        ids = [ids[0]] * n
    X = xs[0] if in_axes[0] is None else np.stack(xs, axis=in_axes[0])
    I = ids[0] if in_axes[1] is None else np.stack(ids, axis=in_axes[1])
    f = lambda x, i: fnp.getitem(x, i)
    got = fg.vmap(f, in_axes=in_axes)(X, I)
    np.testing.assert_array_equal(got, np.stack([x[i] for x, i in zip(xs, ids)]))
    if in_axes[0] is not None:
        got = fg.vmap(lambda x, i: x[i], in_axes=in_axes)(X, I)  # the operator on a traced x
        np.testing.assert_array_equal(got, np.stack([x[i] for x, i in zip(xs, ids)]))


def test_vmap_getitem_batched_index_with_slices_and_second_array():
    X = _rand((3, 4, 5, 6), 0)
    I = np.array([[0, 3], [1, 1], [2, 0]])
    J = np.array([5, 0])
    for f in (lambda x, i: x[i, :, J], lambda x, i: x[:, i, J], lambda x, i: x[1:, i], lambda x, i: x[i, 1, ::-1]):
        got = fg.vmap(f, in_axes=(0, 0), out_axes=1)(X, I)
        np.testing.assert_array_equal(got, np.stack([f(x, i) for x, i in zip(X, I)], axis=1))


def test_vmap_of_grad_of_gather_with_batched_indices():
    X = _rand((3, 5), 0)
    I = np.array([[0, 0, 4], [1, 2, 3], [4, 4, 4]])
    f = lambda x, i: np.sum(np.sin(x[i]))
    got = fg.vmap(fg.grad(f))(X, I)
    want = np.stack([numerical_jacobian(lambda x: f(x, i), x) for x, i in zip(X, I)])
    np.testing.assert_allclose(got, want, atol=1e-8)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("in_axes, out_axes", [((0, 0), 0), ((0, None), 0), ((None, 0), 1), ((1, 0), 1)], ids=str)
@pytest.mark.parametrize("name, key, xshape, vshape",
                         [u for u in UPDATES if u[0] in ("int", "slice", "int_array", "int_arrays_pair", "mask",
                                                         "mixed_nonadjacent", "slice_broadcast_value")] + [REPEATED],
                         ids=str)
def test_vmap_update_with_fixed_key(op, in_axes, out_axes, name, key, xshape, vshape):
    n = 3
    xs = [_rand(xshape, 30 + b) for b in range(n)]
    vs = [_rand(vshape, 40 + b) for b in range(n)]
    if in_axes[0] is None:
        xs = [xs[0]] * n
    if in_axes[1] is None:
        vs = [vs[0]] * n
    X = xs[0] if in_axes[0] is None else np.stack(xs, axis=in_axes[0])
    V = vs[0] if in_axes[1] is None else np.stack(vs, axis=in_axes[1])
    ref = [_ref_update(op, x, key, v) for x, v in zip(xs, vs)]
    got = fg.vmap(_update(op, key), in_axes=in_axes, out_axes=out_axes)(X, V)
    np.testing.assert_allclose(got, np.stack(ref, axis=out_axes), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("op", ["set", "add"])
@pytest.mark.parametrize("in_axes", [(0, 0, 0), (None, 0, None), (0, 0, None), (None, 0, 0), (0, None, 0)], ids=str)
def test_vmap_scatter_with_batched_index_arrays(op, in_axes):
    n = 3
    rng = np.random.default_rng(1)
    xs = [_rand((5, 2), 50 + b) for b in range(n)]
    ids = [rng.integers(0, 5, 4) for _ in range(n)]
    ids[0][:2] = 3  # a repeated index
    vs = [_rand((4, 2), 60 + b) for b in range(n)]
    arrs = []
    for lst, ax in zip((xs, ids, vs), in_axes):
        if ax is None:
            lst[1:] = [lst[0]] * (n - 1)
        arrs.append(lst[0] if ax is None else np.stack(lst, axis=ax))
    f = lambda x, i, v: getattr(fnp.at(x)[i], op)(v)
    got = fg.vmap(f, in_axes=in_axes)(*arrs)
    want = np.stack([_ref_update(op, x, i, v) for x, i, v in zip(xs, ids, vs)])
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("op", OPS)
def test_vmap_of_grad_of_update(op):
    X = _rand((3, 4, 2), 0)
    V = _rand((3, 2, 2), 1)
    key = np.array([3, 0])
    f = lambda x, v: np.sum(np.sin(_update_method(op, key)(x, v)) * np.arange(8.0).reshape(4, 2))
    gx, gv = fg.vmap(fg.grad(f, argnums=(0, 1)))(X, V)
    for b in range(3):
        np.testing.assert_allclose(gx[b], numerical_jacobian(lambda x: f(x, V[b]), X[b]), atol=1e-8)
        np.testing.assert_allclose(gv[b], numerical_jacobian(lambda v: f(X[b], v), V[b]), atol=1e-8)


def test_vmap_of_grad_of_scatter_add_with_batched_indices():
    X = _rand((3, 5), 0)
    V = _rand((3, 4), 1)
    I = np.array([[0, 0, 1, 4], [2, 3, 2, 2], [4, 1, 0, 3]])
    f = lambda x, i, v: np.sum(np.tanh(fnp.at(x)[i].add(v * v)))
    gx, gv = fg.vmap(fg.grad(f, argnums=(0, 2)))(X, I, V)
    for b in range(3):
        np.testing.assert_allclose(gx[b], numerical_jacobian(lambda x: f(x, I[b], V[b]), X[b]), atol=1e-8)
        np.testing.assert_allclose(gv[b], numerical_jacobian(lambda v: f(X[b], I[b], v), V[b]), atol=1e-8)


def test_jacobians_of_gather_and_scatter_chain():
    key = np.array([2, 0, 2])

    def f(x):
        y = x[key] * x[::-1][:3]
        return fnp.at(x)[np.array([1, 1, 3])].add(y)[None, 1:]

    x = _rand(4, 3)
    want = numerical_jacobian(f, x)
    np.testing.assert_allclose(fg.jacrev(f)(x), want, atol=1e-8)
    np.testing.assert_allclose(fg.jacfwd(f)(x), want, atol=1e-8)
    np.testing.assert_allclose(fg.hessian(lambda x: np.sum(f(x) ** 2))(x),
                               numerical_jacobian(fg.grad(lambda x: np.sum(f(x) ** 2)), x), atol=1e-6)


@pytest.mark.parametrize("op", OPS)
def test_vmap_scatter_batched_index_after_a_slice(op):
    """Batched index arrays that are not the first index (their dims stay in place)."""
    X = _rand((3, 4, 5), 0)
    I = np.array([[4, 0], [1, 1], [2, 3]])
    V = _rand((3, 4, 2), 1)
    f = lambda x, i, v: getattr(fnp.at(x)[:, i], op)(v)
    got = fg.vmap(f)(X, I, V)
    want = np.stack([f(x, i, v) for x, i, v in zip(X, I, V)])
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=1e-15)
    s = lambda x, i, v: np.sum(np.sin(f(x, i, v)) * np.arange(20.0).reshape(4, 5))
    gx, gv = fg.vmap(fg.grad(s, argnums=(0, 2)))(X, I, V)
    for b in range(3):
        np.testing.assert_allclose(gx[b], numerical_jacobian(lambda x: s(x, I[b], V[b]), X[b]), atol=1e-8)
        np.testing.assert_allclose(gv[b], numerical_jacobian(lambda v: s(X[b], I[b], v), V[b]), atol=1e-8)


def test_vmap_of_jacobians_of_set_with_batched_repeated_indices():
    x0 = np.zeros(4)
    I = np.array([[1, 1, 2], [0, 3, 0], [2, 2, 2]])
    V = _rand((3, 3), 2)
    f = lambda v, i: fnp.at(x0)[i].set(v * v)
    for jac in (fg.jacrev, fg.jacfwd):
        got = fg.vmap(jac(f))(V, I)
        want = np.stack([numerical_jacobian(lambda v: f(v, i), v) for v, i in zip(V, I)])
        np.testing.assert_allclose(got, want, atol=1e-8)
