"""Shape and data-movement functions: NumPy values, derivatives (fwd/rev, order 2), vmap, Jacobians.

Every case is a function ``fn(m, *xs)`` of a namespace ``m``: ``fn(np, ...)`` is the NumPy
reference, and the same code runs on traced values (plain ``np.*`` calls dispatch through
NEP 13/18) and on ``funcgrad.numpy`` (``fn(fnp, ...)``).
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


def _args(shapes, seed=0):
    return tuple(_rand(s, 100 * seed + i) for i, s in enumerate(shapes))


def _leaves(x):
    return [np.asarray(o) for o in tree.leaves(x)]


def _assert_same(got, want, exact=True):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape, (g.shape, w.shape)
        if exact:
            np.testing.assert_array_equal(g, w)
        else:
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)


def _inner(a, b):
    return sum(float(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(tree.leaves(a), tree.leaves(b)))


def _flat(fn):
    """``fn`` with its (tree of) outputs raveled and concatenated into one vector."""

    def flat(*xs):
        outs = tree.leaves(fn(*xs))
        return np.concatenate([np.ravel(o) for o in outs]) if len(outs) > 1 else np.ravel(outs[0])

    return flat


def _scalar(fn):
    """A smooth scalar function of ``fn``'s outputs (nonzero second derivative)."""

    def scalar(*xs):
        return sum(np.sum(np.sin(o) * o) for o in tree.leaves(fn(*xs)))

    return scalar


# ----------------------------------------------------------------------------- cases

CASES = [
    # reshape / ravel
    ("reshape_-1_last", lambda m, x: m.reshape(x, (4, -1)), [(2, 3, 4)]),
    ("reshape_-1_middle", lambda m, x: m.reshape(x, (2, -1, 2)), [(2, 3, 4)]),
    ("reshape_flat", lambda m, x: m.reshape(x, -1), [(2, 3, 4)]),
    ("reshape_from_0d", lambda m, x: m.reshape(x, (1, 1)), [()]),
    ("reshape_method", lambda m, x: x.reshape(3, 8), [(2, 3, 4)]),
    ("ravel", lambda m, x: m.ravel(x), [(2, 3, 4)]),
    # transposes
    ("transpose_default", lambda m, x: m.transpose(x), [(2, 3, 4)]),
    ("transpose_axes", lambda m, x: m.transpose(x, (1, 2, 0)), [(2, 3, 4)]),
    ("transpose_neg_axes", lambda m, x: m.transpose(x, (-1, 0, -2)), [(2, 3, 4)]),
    ("transpose_T", lambda m, x: x.T, [(3, 4)]),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 2), [(2, 3, 4)]),
    ("swapaxes_neg", lambda m, x: m.swapaxes(x, -1, 1), [(2, 3, 4)]),
    ("moveaxis", lambda m, x: m.moveaxis(x, 0, -1), [(2, 3, 4)]),
    ("moveaxis_multi", lambda m, x: m.moveaxis(x, [0, 1], [-1, 0]), [(2, 3, 4)]),
    ("moveaxis_multi2", lambda m, x: m.moveaxis(x, [2, 0], [0, 1]), [(2, 3, 4, 5)]),
    # expand / squeeze / broadcast
    ("expand_dims", lambda m, x: m.expand_dims(x, 1), [(2, 3)]),
    ("expand_dims_neg", lambda m, x: m.expand_dims(x, -1), [(2, 3)]),
    ("expand_dims_tuple", lambda m, x: m.expand_dims(x, (0, 3)), [(2, 3)]),
    ("squeeze_all", lambda m, x: m.squeeze(x), [(1, 3, 1, 2)]),
    ("squeeze_axis", lambda m, x: m.squeeze(x, 2), [(1, 3, 1, 2)]),
    ("squeeze_axes", lambda m, x: m.squeeze(x, (0, -2)), [(1, 3, 1, 2)]),
    ("broadcast_to", lambda m, x: m.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    ("broadcast_to_prepend", lambda m, x: m.broadcast_to(x, (3, 4)), [(4,)]),
    ("broadcast_to_scalar", lambda m, x: m.broadcast_to(x, (2, 3)), [()]),
    # joining
    ("concatenate_0", lambda m, x, y: m.concatenate([x, y]), [(2, 3), (4, 3)]),
    ("concatenate_1", lambda m, x, y: m.concatenate((x, y), axis=1), [(2, 3), (2, 1)]),
    ("concatenate_neg3", lambda m, x, y, z: m.concatenate([x, y, z], axis=-1), [(2, 2), (2, 3), (2, 1)]),
    ("concatenate_none", lambda m, x, y: m.concatenate([x, y], axis=None), [(2, 3), (4,)]),
    ("concatenate_same", lambda m, x: m.concatenate([x, x, x], axis=0), [(2, 3)]),
    ("stack_0", lambda m, x, y: m.stack([x, y]), [(2, 3), (2, 3)]),
    ("stack_1", lambda m, x, y, z: m.stack([x, y, z], axis=1), [(2, 3), (2, 3), (2, 3)]),
    ("stack_neg", lambda m, x, y: m.stack((x, y), axis=-1), [(2, 3), (2, 3)]),
    ("hstack_1d", lambda m, x, y: m.hstack([x, y]), [(2,), (3,)]),
    ("hstack_2d", lambda m, x, y: m.hstack((x, y)), [(2, 3), (2, 1)]),
    ("vstack_1d", lambda m, x, y: m.vstack([x, y]), [(3,), (3,)]),
    ("vstack_2d", lambda m, x, y: m.vstack((x, y)), [(2, 3), (1, 3)]),
    # splitting
    ("split_sections", lambda m, x: tuple(m.split(x, 3, axis=1)), [(2, 6)]),
    ("split_indices", lambda m, x: tuple(m.split(x, [1, 3], axis=0)), [(5, 2)]),
    ("split_neg_axis", lambda m, x: tuple(m.split(x, [2], axis=-1)), [(2, 3, 4)]),
    # tile / repeat
    ("tile_int", lambda m, x: m.tile(x, 2), [(2, 3)]),
    ("tile_tuple", lambda m, x: m.tile(x, (2, 1, 3)), [(2, 3)]),
    ("tile_short_reps", lambda m, x: m.tile(x, (3,)), [(2, 2, 2)]),
    ("repeat_flat", lambda m, x: m.repeat(x, 2), [(2, 3)]),
    ("repeat_axis", lambda m, x: m.repeat(x, 3, axis=1), [(2, 3)]),
    ("repeat_neg_axis", lambda m, x: m.repeat(x, 2, axis=-1), [(2, 3)]),
    ("repeat_per_element", lambda m, x: m.repeat(x, [1, 0, 2], axis=0), [(3, 2)]),
    ("repeat_per_element_array", lambda m, x: m.repeat(x, np.array([2, 1, 3]), axis=-1), [(2, 3)]),
    ("repeat_per_element_flat", lambda m, x: m.repeat(x, [1, 2, 0, 3]), [(2, 2)]),
    # flip / roll
    ("flip_all", lambda m, x: m.flip(x), [(2, 3, 4)]),
    ("flip_axis", lambda m, x: m.flip(x, 1), [(2, 3, 4)]),
    ("flip_axes", lambda m, x: m.flip(x, (0, -1)), [(2, 3, 4)]),
    ("fliplr", lambda m, x: m.fliplr(x), [(2, 3)]),
    ("flipud", lambda m, x: m.flipud(x), [(2, 3)]),
    ("roll_flat", lambda m, x: m.roll(x, 2), [(2, 3)]),
    ("roll_axis_neg", lambda m, x: m.roll(x, -1, axis=1), [(2, 3)]),
    ("roll_big_shift", lambda m, x: m.roll(x, 7, axis=0), [(3, 2)]),
    ("roll_multi", lambda m, x: m.roll(x, (1, 2), axis=(0, 1)), [(3, 4)]),
    ("roll_same_shift", lambda m, x: m.roll(x, 1, axis=(0, 2)), [(2, 3, 4)]),
    # triangles
    ("triu", lambda m, x: m.triu(x), [(3, 4)]),
    ("triu_k1", lambda m, x: m.triu(x, 1), [(4, 3)]),
    ("triu_kneg", lambda m, x: m.triu(x, k=-1), [(3, 3)]),
    ("tril", lambda m, x: m.tril(x), [(3, 4)]),
    ("tril_k1", lambda m, x: m.tril(x, 1), [(3, 3)]),
    ("tril_kneg_stacked", lambda m, x: m.tril(x, k=-1), [(2, 3, 4)]),
    # diagonals
    ("diag_build", lambda m, x: m.diag(x), [(3,)]),
    ("diag_build_k1", lambda m, x: m.diag(x, 1), [(3,)]),
    ("diag_build_kneg2", lambda m, x: m.diag(x, k=-2), [(3,)]),
    ("diag_extract", lambda m, x: m.diag(x), [(3, 4)]),
    ("diag_extract_k1", lambda m, x: m.diag(x, 1), [(3, 4)]),
    ("diag_extract_kneg", lambda m, x: m.diag(x, -1), [(4, 3)]),
    ("diag_roundtrip", lambda m, x: m.diag(m.diag(x)), [(3, 3)]),
    ("diagonal", lambda m, x: m.diagonal(x), [(3, 4)]),
    ("diagonal_offset", lambda m, x: m.diagonal(x, 1), [(3, 4)]),
    ("diagonal_offset_neg", lambda m, x: m.diagonal(x, offset=-2), [(4, 3)]),
    ("diagonal_axes", lambda m, x: m.diagonal(x, 0, 1, 2), [(2, 3, 4)]),
    ("diagonal_axes_rev", lambda m, x: m.diagonal(x, offset=1, axis1=2, axis2=0), [(3, 2, 4)]),
    ("diagonal_method", lambda m, x: x.diagonal(-1, -1, -2), [(2, 3, 3)]),
    ("trace", lambda m, x: m.trace(x), [(3, 4)]),
    ("trace_offset", lambda m, x: m.trace(x, 1), [(3, 4)]),
    ("trace_axes", lambda m, x: m.trace(x, -1, 0, 2), [(3, 2, 4)]),
    ("trace_method", lambda m, x: x.trace(), [(3, 3)]),
    # pad
    ("pad_constant", lambda m, x: m.pad(x, ((1, 2), (0, 1))), [(2, 3)]),
    ("pad_constant_value", lambda m, x: m.pad(x, 2, constant_values=1.5), [(2, 3)]),
    ("pad_constant_pair", lambda m, x: m.pad(x, (1, 3)), [(3,)]),
    ("pad_edge", lambda m, x: m.pad(x, ((2, 1), (1, 3)), mode="edge"), [(2, 3)]),
    ("pad_reflect", lambda m, x: m.pad(x, ((2, 1), (1, 2)), mode="reflect"), [(3, 4)]),
    ("pad_reflect_wide", lambda m, x: m.pad(x, (5, 7), mode="reflect"), [(3,)]),
    ("pad_symmetric", lambda m, x: m.pad(x, ((2, 1), (3, 0)), mode="symmetric"), [(3, 4)]),
    ("pad_symmetric_wide", lambda m, x: m.pad(x, (4, 6), mode="symmetric"), [(3,)]),
    ("pad_wrap", lambda m, x: m.pad(x, ((1, 2), (3, 1)), mode="wrap"), [(3, 4)]),
    ("pad_wrap_wide", lambda m, x: m.pad(x, (5, 4), mode="wrap"), [(2,)]),
    ("pad_3d", lambda m, x: m.pad(x, ((0, 0), (1, 1), (2, 0)), mode="edge"), [(2, 2, 3)]),
]

IDS = [c[0] for c in CASES]


def _np_fn(fn):
    return lambda *xs: fn(np, *xs)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=IDS)
def test_value_matches_numpy(name, fn, shapes):
    xs = _args(shapes)
    want = fn(np, *xs)
    _assert_same(fn(fnp, *xs), want)                            # funcgrad.numpy on concrete arrays
    out, _ = fg.jvp(_np_fn(fn), xs, tuple(np.ones_like(x) for x in xs))
    _assert_same(out, want)                                     # np.* dispatched on traced values
    out, _ = fg.vjp(_np_fn(fn), *xs)
    _assert_same(out, want)


# ----------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=IDS)
def test_check_grads(name, fn, shapes):
    xs = _args(shapes, seed=1)
    check_grads(_np_fn(fn), xs, order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=IDS)
def test_check_grads_nonlinear(name, fn, shapes):
    """Composed with nonlinear maps on both sides, so second derivatives are not zero."""
    xs = _args(shapes, seed=2)
    f = lambda *a: tree.map(lambda o: o * fnp.cos(o), fn(fnp, *[fnp.sin(x) * x for x in a]))
    check_grads(f, xs, order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name, fn, shapes", CASES, ids=IDS)
def test_dot_product_jvp_vjp(name, fn, shapes):
    """<v, J u> == <Jᵀ v, u>: forward and reverse mode are each other's transposes."""
    xs = _args(shapes, seed=3)
    f = _np_fn(fn)
    u = tuple(_rand(np.shape(x), 7 + i) for i, x in enumerate(xs))
    out, ju = fg.jvp(f, xs, u)
    v = tree.map(lambda o: _rand(np.shape(o), 11), out)
    out2, f_vjp = fg.vjp(f, *xs)
    jtv = f_vjp(v)
    lhs, rhs = _inner(v, ju), _inner(jtv, u)
    assert any(np.any(o != 0) for o in _leaves(ju))  # not vacuous
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    # and J u agrees with the finite difference of f along u
    eps = 1e-6
    fd = tree.map(lambda p, q: (p - q) / (2 * eps), f(*[x + eps * d for x, d in zip(xs, u)]),
                  f(*[x - eps * d for x, d in zip(xs, u)]))
    for a, b in zip(_leaves(ju), _leaves(fd)):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_repeat_gradient_accumulates_over_copies():
    x = np.array([1.0, 2.0, 3.0])
    g = fg.grad(lambda x: np.sum(np.repeat(x, [2, 0, 3]) * np.arange(5.0)))(x)
    np.testing.assert_array_equal(g, [0 + 1, 0, 2 + 3 + 4])


def test_tile_and_broadcast_gradients_sum_copies():
    x = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.tile(x, (3, 2))))(x), [[6.0, 6.0]])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.broadcast_to(x, (4, 3, 2))))(x), [[12.0, 12.0]])


def test_pad_reflect_gradient_counts_reflections():
    x = np.arange(3.0)
    # reflect of [a, b, c] by 2 on each side: [c, b, a, b, c, b, a]
    g = fg.grad(lambda x: np.sum(np.pad(x, 2, mode="reflect")))(x)
    np.testing.assert_array_equal(g, [2.0, 3.0, 2.0])
    g = fg.grad(lambda x: np.sum(np.pad(x, 2, mode="symmetric")))(x)  # [b, a, a, b, c, c, b]
    np.testing.assert_array_equal(g, [2.0, 3.0, 2.0])
    g = fg.grad(lambda x: np.sum(np.pad(x, (0, 4), mode="wrap")))(x)  # [a, b, c, a, b, c, a]
    np.testing.assert_array_equal(g, [3.0, 2.0, 2.0])


@pytest.mark.parametrize("shape, new", [((0, 3), (-1,)), ((0, 3), (3, -1)), ((2, 0), (-1, 4)), ((), (-1,))])
def test_reshape_minus_one_of_empty_and_0d_arrays(shape, new):
    x = np.zeros(shape)
    want = np.reshape(x, new).shape
    assert fnp.reshape(x, new).shape == want
    assert fg.vjp(lambda x: np.reshape(x, new), x)[0].shape == want
    assert fg.grad(lambda x: np.sum(np.reshape(x, new)))(x).shape == shape


def test_shape_errors_match_numpy():
    x = np.ones((2, 3))
    with pytest.raises(ValueError):
        fg.grad(lambda x: np.sum(np.reshape(x, (4, -1))))(x)
    with pytest.raises(ValueError):
        fg.grad(lambda x: np.sum(np.squeeze(x, 0)))(x)
    with pytest.raises(ValueError):
        fg.grad(lambda x: np.sum(np.split(x, 2, axis=1)[0]))(x)


# ----------------------------------------------------------------------------- vmap


def _batched(x, ax, n, seed):
    """A batch of ``n`` arrays like ``x`` stacked along ``ax``."""
    return np.stack([_rand(np.shape(x), seed + b) for b in range(n)], axis=ax)


def _vmap_reference(f, args, in_axes, out_axes, n):
    outs = [f(*[a if ax is None else np.take(a, b, axis=ax) for a, ax in zip(args, in_axes)]) for b in range(n)]
    return tree.map(lambda *o: np.stack(o, axis=out_axes), *outs)


def _vmap_cases():
    params = []
    for name, fn, shapes in CASES:
        xs = _args(shapes)
        out_nd = min(np.ndim(o) for o in tree.leaves(fn(np, *xs)))
        k = len(shapes)
        variants = [((0,) * k, 0)]
        if k == 1:
            if len(shapes[0]) >= 1:
                variants.append(((1,), 1 if out_nd >= 1 else 0))
            variants.append(((-1,), -1))
        else:
            variants.append(((0,) + (None,) * (k - 1), 0))
            variants.append(((None,) * (k - 1) + (0,), 1 if out_nd >= 1 else 0))
            if len(shapes[0]) >= 1:
                variants.append(((1,) + (0,) * (k - 1), 1 if out_nd >= 1 else 0))
        for in_axes, out_axes in variants:
            params.append(pytest.param(fn, shapes, in_axes, out_axes, id=f"{name}-in{in_axes}-out{out_axes}"))
    return params


@pytest.mark.parametrize("fn, shapes, in_axes, out_axes", _vmap_cases())
def test_vmap_matches_loop(fn, shapes, in_axes, out_axes):
    n = 3
    xs = _args(shapes, seed=4)
    args = tuple(x if ax is None else _batched(x, ax, n, 50 + 10 * i) for i, (x, ax) in enumerate(zip(xs, in_axes)))
    f = _np_fn(fn)
    got = fg.vmap(f, in_axes=in_axes, out_axes=out_axes)(*args)
    want = _vmap_reference(f, args, in_axes, out_axes, n)
    _assert_same(got, want)


def test_vmap_of_concatenate_with_unbatched_constant_operand():
    X = _rand((4, 2, 3), 0)
    c = np.arange(3.0)[None]
    got = fg.vmap(lambda x: np.concatenate([c, x, c]))(X)
    np.testing.assert_array_equal(got, np.stack([np.concatenate([c, x, c]) for x in X]))


# ----------------------------------------------------------------------------- vmap of grad, Jacobians

UNARY = [c for c in CASES if len(c[2]) == 1 and c[2][0] != ()]


@pytest.mark.parametrize("name, fn, shapes", UNARY, ids=[c[0] for c in UNARY])
def test_vmap_of_grad_matches_numerical(name, fn, shapes):
    f = _scalar(_np_fn(fn))
    X = _batched(_rand(shapes[0], 0), 0, 3, 60)
    got = fg.vmap(fg.grad(f))(X)
    want = np.stack([numerical_jacobian(f, x) for x in X])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, fn, shapes", UNARY, ids=[c[0] for c in UNARY])
@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd], ids=["jacrev", "jacfwd"])
def test_jacobian_matches_numerical(jac, name, fn, shapes):
    f = _flat(_np_fn(fn))
    x = _rand(shapes[0], 5)
    got = jac(f)(x)
    want = numerical_jacobian(f, x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name, fn, shapes", [c for c in CASES if len(c[2]) > 1], ids=[c[0] for c in CASES
                                                                                         if len(c[2]) > 1])
def test_vmap_of_grad_wrt_batched_first_argument(name, fn, shapes):
    xs = _args(shapes, seed=6)
    f = _scalar(_np_fn(fn))
    X = _batched(xs[0], 0, 3, 70)
    rest = xs[1:]
    got = fg.vmap(fg.grad(f), in_axes=(0,) + (None,) * len(rest))(X, *rest)
    want = np.stack([numerical_jacobian(lambda x: f(x, *rest), x) for x in X])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_hessian_through_shape_ops():
    def f(x):
        y = np.pad(np.roll(np.reshape(x, (2, 3)), 1, axis=1), 1, mode="reflect")
        return np.sum(np.tril(y) ** 3)

    x = _rand(6, 8)
    h = fg.hessian(f)(x)
    want = numerical_jacobian(fg.grad(f), x)
    np.testing.assert_allclose(h, want, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(h, h.T, atol=1e-12)
