"""Contractions (dot, matmul, inner, outer, tensordot, einsum, vdot, kron) and linear algebra
(norm, inv, solve, det, slogdet, cholesky): NumPy values, derivatives (fwd/rev, order 2), the
jvp/vjp dot-product identity, vmap and Jacobians.

Every case is a function ``fn(m, *xs)`` of a namespace ``m`` (``np`` or ``funcgrad.numpy``).
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


def _well_conditioned(shape, seed):
    """Random square matrices (stacks allowed) with eigenvalues kept away from zero."""
    n = shape[-1]
    return _rand(shape, seed) + 3.0 * np.eye(n)


def _inner(a, b):
    return sum(float(np.sum(np.asarray(x) * np.asarray(y))) for x, y in zip(tree.leaves(a), tree.leaves(b)))


def _spd(m, a):
    """``a aᵀ + n I`` (stacks allowed): symmetric positive definite."""
    n = a.shape[-1]
    return m.matmul(a, m.swapaxes(a, -1, -2)) + n * np.eye(n)


# (name, fn(m, *xs), shapes, kind): kind "r" random inputs, "w" well-conditioned square matrices
CONTRACTIONS = [
    # dot: every combination of 1-D, 2-D and N-D
    ("dot_1_1", lambda m, a, b: m.dot(a, b), [(3,), (3,)]),
    ("dot_2_1", lambda m, a, b: m.dot(a, b), [(2, 3), (3,)]),
    ("dot_1_2", lambda m, a, b: m.dot(a, b), [(3,), (3, 4)]),
    ("dot_2_2", lambda m, a, b: m.dot(a, b), [(2, 3), (3, 4)]),
    ("dot_3_1", lambda m, a, b: m.dot(a, b), [(2, 3, 4), (4,)]),
    ("dot_1_3", lambda m, a, b: m.dot(a, b), [(4,), (2, 4, 3)]),
    ("dot_3_2", lambda m, a, b: m.dot(a, b), [(2, 3, 4), (4, 5)]),
    ("dot_2_3", lambda m, a, b: m.dot(a, b), [(2, 4), (3, 4, 5)]),
    ("dot_3_3", lambda m, a, b: m.dot(a, b), [(2, 3, 4), (5, 4, 2)]),
    ("dot_0_2", lambda m, a, b: m.dot(a, b), [(), (2, 3)]),
    ("dot_0_0", lambda m, a, b: m.dot(a, b), [(), ()]),
    # matmul
    ("matmul_1_1", lambda m, a, b: m.matmul(a, b), [(3,), (3,)]),
    ("matmul_1_2", lambda m, a, b: m.matmul(a, b), [(3,), (3, 4)]),
    ("matmul_2_1", lambda m, a, b: m.matmul(a, b), [(2, 3), (3,)]),
    ("matmul_2_2", lambda m, a, b: m.matmul(a, b), [(2, 3), (3, 4)]),
    ("matmul_batch_broadcast", lambda m, a, b: m.matmul(a, b), [(2, 1, 3, 4), (5, 4, 2)]),
    ("matmul_3_2", lambda m, a, b: m.matmul(a, b), [(5, 2, 3), (3, 4)]),
    ("matmul_2_3", lambda m, a, b: m.matmul(a, b), [(3, 4), (5, 4, 2)]),
    ("matmul_1_3", lambda m, a, b: m.matmul(a, b), [(3,), (2, 3, 4)]),
    ("matmul_3_1", lambda m, a, b: m.matmul(a, b), [(2, 3, 4), (4,)]),
    ("matmul_3_3", lambda m, a, b: m.matmul(a, b), [(2, 3, 4), (2, 4, 5)]),
    ("matmul_1_4", lambda m, a, b: m.matmul(a, b), [(3,), (4, 2, 3, 5)]),
    ("matmul_operator", lambda m, a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)]),
    ("matmul_operator_1d", lambda m, a, b: a @ b, [(4,), (4,)]),
    # inner / outer / vdot / kron
    ("inner_1_1", lambda m, a, b: m.inner(a, b), [(3,), (3,)]),
    ("inner_2_2", lambda m, a, b: m.inner(a, b), [(2, 3), (4, 3)]),
    ("inner_3_2", lambda m, a, b: m.inner(a, b), [(2, 3, 4), (5, 4)]),
    ("inner_scalar", lambda m, a, b: m.inner(a, b), [(), (2, 3)]),
    ("outer", lambda m, a, b: m.outer(a, b), [(3,), (4,)]),
    ("outer_flattens", lambda m, a, b: m.outer(a, b), [(2, 2), (3,)]),
    ("vdot", lambda m, a, b: m.vdot(a, b), [(3,), (3,)]),
    ("vdot_flattens", lambda m, a, b: m.vdot(a, b), [(2, 3), (3, 2)]),
    ("kron_2_2", lambda m, a, b: m.kron(a, b), [(2, 2), (3, 3)]),
    ("kron_1_1", lambda m, a, b: m.kron(a, b), [(3,), (2,)]),
    ("kron_2_1", lambda m, a, b: m.kron(a, b), [(2, 3), (2,)]),
    ("kron_3_2", lambda m, a, b: m.kron(a, b), [(2, 1, 2), (2, 2)]),
    # tensordot
    ("tensordot_0", lambda m, a, b: m.tensordot(a, b, 0), [(2, 3), (4,)]),
    ("tensordot_1", lambda m, a, b: m.tensordot(a, b, 1), [(2, 3), (3, 4)]),
    ("tensordot_2", lambda m, a, b: m.tensordot(a, b), [(2, 3, 4), (3, 4, 5)]),
    ("tensordot_axes", lambda m, a, b: m.tensordot(a, b, axes=([1, 0], [0, 1])), [(2, 3, 4), (3, 2, 5)]),
    ("tensordot_int_pair", lambda m, a, b: m.tensordot(a, b, axes=(2, 0)), [(2, 3, 4), (4, 5)]),
    ("tensordot_neg_axes", lambda m, a, b: m.tensordot(a, b, axes=([-1], [-2])), [(2, 3), (4, 3, 2)]),
    ("tensordot_empty_axes", lambda m, a, b: m.tensordot(a, b, axes=([], [])), [(2,), (3,)]),
    # einsum
    ("einsum_matmul", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [(2, 3), (3, 4)]),
    ("einsum_trace", lambda m, a: m.einsum("ii->", a), [(3, 3)]),
    ("einsum_diag", lambda m, a: m.einsum("ii->i", a), [(3, 3)]),
    ("einsum_batch_matmul", lambda m, a, b: m.einsum("bij,bjk->bik", a, b), [(2, 3, 4), (2, 4, 5)]),
    ("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk", a, b), [(2, 3, 4), (2, 4, 5)]),
    ("einsum_ellipsis_broadcast", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b), [(3, 4), (2, 4, 5)]),
    ("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [(2, 3), (3, 4)]),
    ("einsum_implicit_order", lambda m, a, b: m.einsum("kj,ji", a, b), [(2, 3), (3, 4)]),
    ("einsum_three", lambda m, a, b, c: m.einsum("ij,jk,kl->il", a, b, c), [(2, 3), (3, 4), (4, 2)]),
    ("einsum_transpose", lambda m, a: m.einsum("ijk->kij", a), [(2, 3, 4)]),
    ("einsum_sum_axis", lambda m, a: m.einsum("ij->j", a), [(2, 3)]),
    ("einsum_inner", lambda m, a, b: m.einsum("i,i->", a, b), [(3,), (3,)]),
    ("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [(3,), (2,)]),
    ("einsum_bilinear", lambda m, a, b, c: m.einsum("i,ij,j->", a, b, c), [(3,), (3, 4), (4,)]),
    ("einsum_spaces", lambda m, a, b: m.einsum("ij, kj -> ki", a, b), [(2, 3), (4, 3)]),
    ("einsum_repeated_in_two", lambda m, a, b: m.einsum("iij,jk->ik", a, b), [(3, 3, 2), (2, 4)]),
    ("einsum_diag3", lambda m, a: m.einsum("iii->i", a), [(3, 3, 3)]),
    ("einsum_four", lambda m, a, b, c, d: m.einsum("ab,bc,cd,da->", a, b, c, d), [(2, 3), (3, 4), (4, 2), (2, 2)]),
    ("einsum_rowwise_dot", lambda m, a, b: m.einsum("ij,ij->i", a, b), [(2, 3), (2, 3)]),
    ("einsum_ellipsis_size1", lambda m, a, b: m.einsum("...i,...i->...", a, b), [(2, 1, 3), (4, 3)]),
    ("einsum_label_size1", lambda m, a, b: m.einsum("ij,j->i", a, b), [(2, 1), (3,)]),
]

LINALG = [
    # norms
    ("norm_default", lambda m, x: m.linalg.norm(x), [(2, 3)]),
    ("norm_vec_none", lambda m, x: m.linalg.norm(x, None), [(4,)]),
    ("norm_vec_1", lambda m, x: m.linalg.norm(x, 1), [(4,)]),
    ("norm_vec_2", lambda m, x: m.linalg.norm(x, 2), [(4,)]),
    ("norm_vec_inf", lambda m, x: m.linalg.norm(x, np.inf), [(4,)]),
    ("norm_vec_neg_inf", lambda m, x: m.linalg.norm(x, -np.inf), [(4,)]),
    ("norm_vec_3", lambda m, x: m.linalg.norm(x, 3), [(4,)]),
    ("norm_vec_neg_2", lambda m, x: m.linalg.norm(x, -2), [(4,)]),
    ("norm_vec_0_times_x", lambda m, x: m.linalg.norm(x, 0) * x, [(4,)]),
    ("norm_vec_axis", lambda m, x: m.linalg.norm(x, axis=1), [(3, 4)]),
    ("norm_vec_1_axis0_keepdims", lambda m, x: m.linalg.norm(x, 1, axis=0, keepdims=True), [(3, 4)]),
    ("norm_vec_inf_axis_neg", lambda m, x: m.linalg.norm(x, np.inf, axis=-1), [(2, 3, 4)]),
    ("norm_vec_3_keepdims", lambda m, x: m.linalg.norm(x, 3, axis=1, keepdims=True), [(2, 3, 4)]),
    ("norm_fro", lambda m, x: m.linalg.norm(x, "fro"), [(3, 4)]),
    ("norm_mat_1", lambda m, x: m.linalg.norm(x, 1), [(3, 4)]),
    ("norm_mat_inf", lambda m, x: m.linalg.norm(x, np.inf), [(3, 4)]),
    ("norm_mat_neg_1", lambda m, x: m.linalg.norm(x, -1), [(3, 4)]),
    ("norm_fro_axes_keepdims", lambda m, x: m.linalg.norm(x, "fro", axis=(0, 2), keepdims=True), [(3, 2, 4)]),
    ("norm_mat_1_axes", lambda m, x: m.linalg.norm(x, 1, axis=(2, 1)), [(2, 3, 4)]),
    ("norm_mat_inf_axes_keepdims", lambda m, x: m.linalg.norm(x, np.inf, axis=(1, 2), keepdims=True), [(2, 3, 4)]),
    ("norm_all_keepdims", lambda m, x: m.linalg.norm(x, keepdims=True), [(2, 3)]),
    # inverse, solve, det
    ("inv", lambda m, a: m.linalg.inv(a), [(3, 3)], "w"),
    ("inv_stacked", lambda m, a: m.linalg.inv(a), [(2, 3, 3)], "w"),
    ("solve_vector", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3,)], "w"),
    ("solve_matrix", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (3, 2)], "w"),
    ("solve_stacked", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (2, 3, 2)], "w"),
    ("solve_stacked_vector", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (3,)], "w"),
    ("solve_broadcast_a", lambda m, a, b: m.linalg.solve(a, b), [(3, 3), (2, 3, 2)], "w"),
    ("solve_broadcast_b", lambda m, a, b: m.linalg.solve(a, b), [(2, 3, 3), (3, 2)], "w"),
    ("solve_broadcast_both", lambda m, a, b: m.linalg.solve(a, b), [(2, 1, 3, 3), (4, 3, 2)], "w"),
    ("inv_1x1", lambda m, a: m.linalg.inv(a), [(2, 1, 1)], "w"),
    ("det", lambda m, a: m.linalg.det(a), [(3, 3)], "w"),
    ("det_stacked", lambda m, a: m.linalg.det(a), [(2, 3, 3)], "w"),
    ("det_stacked2", lambda m, a: m.linalg.det(a), [(2, 2, 2, 2)], "w"),
    ("det_negative", lambda m, a: m.linalg.det(a[::-1]), [(3, 3)], "w"),
    ("slogdet", lambda m, a: m.linalg.slogdet(a)[1], [(3, 3)], "w"),
    ("slogdet_negative_det", lambda m, a: m.linalg.slogdet(-a)[1], [(3, 3)], "w"),
    ("slogdet_stacked", lambda m, a: m.linalg.slogdet(a)[1], [(2, 3, 3)], "w"),
    ("cholesky", lambda m, a: m.linalg.cholesky(_spd(m, a)), [(3, 3)]),
    ("cholesky_stacked", lambda m, a: m.linalg.cholesky(_spd(m, a)), [(2, 3, 3)]),
    ("cholesky_upper", lambda m, a: m.linalg.cholesky(_spd(m, a), upper=True), [(3, 3)]),
    ("trace", lambda m, a: m.linalg.trace(a), [(2, 3, 3)]),
    ("matmul_linalg", lambda m, a, b: m.linalg.matmul(a, b), [(2, 3, 4), (4, 2)]),
    ("matrix_power", lambda m, a: m.linalg.matrix_power(a, 3), [(3, 3)], "w"),
    ("matrix_power_neg", lambda m, a: m.linalg.matrix_power(a, -2), [(2, 3, 3)], "w"),
]


def _norm(case):
    return case if len(case) == 4 else case + ("r",)


CASES = [_norm(c) for c in CONTRACTIONS + LINALG]
IDS = [c[0] for c in CASES]


def _args(shapes, kind, seed=0):
    make = _well_conditioned if kind == "w" else _rand
    return tuple(make(s, 100 * seed + i) if (kind != "w" or i == 0) else _rand(s, 100 * seed + i)
                 for i, s in enumerate(shapes))


def _np_fn(fn):
    return lambda *xs: fn(np, *xs)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("name, fn, shapes, kind", CASES, ids=IDS)
def test_value_matches_numpy(name, fn, shapes, kind):
    xs = _args(shapes, kind)
    want = np.asarray(fn(np, *xs))
    for got in (fn(fnp, *xs), fg.vjp(_np_fn(fn), *xs)[0], fg.jvp(_np_fn(fn), xs, xs)[0]):
        got = np.asarray(got)
        assert got.shape == want.shape
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


# ----------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name, fn, shapes, kind", CASES, ids=IDS)
def test_check_grads(name, fn, shapes, kind):
    xs = _args(shapes, kind, seed=1)
    check_grads(_np_fn(fn), xs, order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name, fn, shapes, kind", CASES, ids=IDS)
def test_dot_product_jvp_vjp(name, fn, shapes, kind):
    """<v, J u> == <Jᵀ v, u>, and J u matches a central difference."""
    xs = _args(shapes, kind, seed=2)
    f = _np_fn(fn)
    u = tuple(_rand(np.shape(x), 7 + i) for i, x in enumerate(xs))
    out, ju = fg.jvp(f, xs, u)
    v = _rand(np.shape(out), 11)
    jtv = fg.vjp(f, *xs)[1](v)
    assert np.any(np.asarray(ju) != 0)
    np.testing.assert_allclose(_inner(v, ju), _inner(jtv, u), rtol=1e-11)
    eps = 1e-6
    fd = (f(*[x + eps * d for x, d in zip(xs, u)]) - f(*[x - eps * d for x, d in zip(xs, u)])) / (2 * eps)
    np.testing.assert_allclose(ju, fd, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name, fn, shapes, kind", CASES, ids=IDS)
@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd], ids=["jacrev", "jacfwd"])
def test_jacobian_matches_numerical(jac, name, fn, shapes, kind):
    xs = _args(shapes, kind, seed=3)
    f = _np_fn(fn)
    argnum = len(xs) - 1  # the last argument (the other ones are constants of the trace)
    g = lambda x: f(*xs[:argnum], x)
    got = jac(f, argnums=argnum)(*xs)
    want = numerical_jacobian(g, xs[argnum])
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_known_gradients():
    a = _well_conditioned((3, 3), 0)
    np.testing.assert_allclose(fg.grad(np.linalg.det)(a), np.linalg.det(a) * np.linalg.inv(a).T, rtol=1e-12)
    np.testing.assert_allclose(fg.grad(lambda a: np.linalg.slogdet(a)[1])(-a), np.linalg.inv(-a).T, rtol=1e-12)
    x = np.array([3.0, -4.0])
    np.testing.assert_allclose(fg.grad(np.linalg.norm)(x), x / 5.0, rtol=1e-15)
    np.testing.assert_allclose(fg.grad(lambda x: np.linalg.norm(x, 1))(x), [1.0, -1.0])
    np.testing.assert_allclose(fg.grad(lambda x: np.linalg.norm(x, np.inf))(x), [0.0, -1.0])
    b = _rand(3, 1)
    g = fg.grad(lambda b: np.sum(np.linalg.solve(a, b)))(b)
    np.testing.assert_allclose(g, np.linalg.solve(a.T, np.ones(3)), rtol=1e-12)


def test_dot_method_of_a_traced_array():
    """``x.dot(y)`` with ``x`` traced (the method of a plain ndarray cannot see a traced argument)."""
    a, b = _rand((2, 3), 0), _rand((3, 4), 1)
    f = lambda a: a.dot(b)
    np.testing.assert_allclose(fg.vjp(f, a)[0], a.dot(b), rtol=1e-14)
    check_grads(lambda a: np.sin(f(a)), (a,), order=2, modes=("fwd", "rev"))
    np.testing.assert_allclose(fg.jacrev(f)(a), numerical_jacobian(f, a), atol=1e-8)
    np.testing.assert_allclose(fg.vmap(f)(_rand((5, 2, 3), 2)), _rand((5, 2, 3), 2) @ b, rtol=1e-13)


def test_fnp_einsum_stays_a_function_after_use():
    a = _rand((3, 3), 0)
    for _ in range(2):
        assert callable(fnp.einsum)
        np.testing.assert_allclose(fnp.einsum("ii", a), np.trace(a), rtol=1e-14)


def test_slogdet_sign_has_no_derivative_and_matches_numpy():
    a = -_well_conditioned((2, 3, 3), 1)
    sign, logdet = fg.vjp(lambda a: np.linalg.slogdet(a), a)[0]
    want = np.linalg.slogdet(a)
    np.testing.assert_array_equal(sign, want[0])
    np.testing.assert_allclose(logdet, want[1], rtol=1e-14)
    _, t = fg.jvp(lambda a: np.linalg.slogdet(a)[0], (a,), (np.ones_like(a),))
    np.testing.assert_array_equal(t, 0.0)


def test_cholesky_reconstructs_and_solves():
    a = _rand((3, 3), 4)
    s = _spd(np, a)
    L = fg.vjp(lambda a: np.linalg.cholesky(_spd(np, a)), a)[0]
    np.testing.assert_allclose(L @ L.T, s, rtol=1e-12)
    np.testing.assert_array_equal(np.triu(L, 1), 0.0)
    # the derivative of a symmetric input is symmetric
    g = fg.grad(lambda s: np.sum(np.sin(np.linalg.cholesky(s))))(s)
    np.testing.assert_allclose(g, g.T, rtol=1e-12)


def test_invalid_matrix_norm_is_an_error():
    with pytest.raises(ValueError, match="invalid norm order 3"):
        fg.grad(lambda x: np.linalg.norm(x, 3))(np.eye(2))
    with pytest.raises(np.linalg.LinAlgError):
        fg.grad(lambda x: np.linalg.det(x))(np.ones((2, 3)))


def test_matmul_shape_errors():
    with pytest.raises(ValueError):
        fg.grad(lambda a: np.sum(a @ np.ones((4, 2))))(np.ones((2, 3)))
    with pytest.raises(ValueError):
        fg.grad(lambda a: np.sum(np.matmul(a, 2.0)))(np.ones(3))


def test_hessian_of_log_det_and_quadratic_form():
    a = _well_conditioned((3, 3), 5)
    b = _rand(3, 6)
    f = lambda a: np.linalg.slogdet(a)[1] + b @ np.linalg.solve(a, b) + np.einsum("ij,jk,ki->", a, a, a)
    h = fg.hessian(f)(a)
    want = numerical_jacobian(fg.grad(f), a)
    np.testing.assert_allclose(h, want, rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- vmap


def _batched(x, ax, n, seed, kind):
    make = _well_conditioned if kind == "w" else _rand
    return np.stack([make(np.shape(x), seed + b) for b in range(n)], axis=ax)


def _vmap_reference(f, args, in_axes, out_axes, n):
    outs = [f(*[a if ax is None else np.take(a, b, axis=ax) for a, ax in zip(args, in_axes)]) for b in range(n)]
    return np.stack(outs, axis=out_axes)


def _vmap_cases():
    params = []
    for name, fn, shapes, kind in CASES:
        out_nd = np.ndim(fn(np, *_args(shapes, kind)))
        k = len(shapes)
        variants = [((0,) * k, 0)]
        if k == 1:
            if len(shapes[0]) >= 1:
                variants.append(((1,) if kind != "w" else (-1,), -1))
        else:
            variants.append(((0,) + (None,) * (k - 1), 0))
            variants.append(((None,) * (k - 1) + (0,), 1 if out_nd >= 1 else 0))
            if len(shapes[0]) >= 1 and kind != "w":
                variants.append(((1,) + (0,) * (k - 1), 1 if out_nd >= 1 else 0))
            elif kind == "w":
                variants.append(((0, 1) if len(shapes[1]) >= 1 else (0, 0), 1 if out_nd >= 1 else 0))
        for in_axes, out_axes in variants:
            params.append(pytest.param(fn, shapes, kind, in_axes, out_axes, id=f"{name}-in{in_axes}-out{out_axes}"))
    return params


@pytest.mark.parametrize("fn, shapes, kind, in_axes, out_axes", _vmap_cases())
def test_vmap_matches_loop(fn, shapes, kind, in_axes, out_axes):
    n = 3
    xs = _args(shapes, kind, seed=4)
    args = tuple(x if ax is None else _batched(x, ax, n, 50 + 10 * i, kind if i == 0 else "r")
                 for i, (x, ax) in enumerate(zip(xs, in_axes)))
    f = _np_fn(fn)
    got = fg.vmap(f, in_axes=in_axes, out_axes=out_axes)(*args)
    want = _vmap_reference(f, args, in_axes, out_axes, n)
    assert np.shape(got) == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name, fn, shapes, kind", CASES, ids=IDS)
def test_vmap_of_grad_matches_numerical(name, fn, shapes, kind):
    xs = _args(shapes, kind, seed=5)
    f = lambda *a: np.sum(np.sin(fn(np, *a)))
    X = _batched(xs[0], 0, 2, 80, kind)
    rest = xs[1:]
    got = fg.vmap(fg.grad(f), in_axes=(0,) + (None,) * len(rest))(X, *rest)
    want = np.stack([numerical_jacobian(lambda x: f(x, *rest), x) for x in X])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("jac", [fg.jacrev, fg.jacfwd], ids=["jacrev", "jacfwd"])
@pytest.mark.parametrize("name, fn, shapes", [
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 2)]),
    ("solve", lambda a, b: np.linalg.solve(a, b), [(3, 3), (3,)]),
    ("det", lambda a, b: np.linalg.det(a) * b, [(3, 3), ()]),
    ("einsum", lambda a, b: np.einsum("ij,j->i", a, b), [(2, 3), (3,)]),
], ids=lambda v: v if isinstance(v, str) else None)
def test_vmap_of_jacobians_wrt_both_arguments(jac, name, fn, shapes):
    n = 3
    A = np.stack([_well_conditioned(shapes[0], 90 + b) if shapes[0][0] == shapes[0][-1] else _rand(shapes[0], 90 + b)
                  for b in range(n)])
    B = np.stack([_rand(shapes[1], 95 + b) for b in range(n)])
    ja, jb = fg.vmap(jac(fn, argnums=(0, 1)))(A, B)
    for i in range(n):
        np.testing.assert_allclose(ja[i], numerical_jacobian(lambda a: fn(a, B[i]), A[i]), rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(jb[i], numerical_jacobian(lambda b: fn(A[i], b), B[i]), rtol=1e-6, atol=1e-7)
