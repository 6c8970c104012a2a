"""numpy.linalg's decompositions and what is built on them (eigh, eigvalsh, svd, svdvals, qr, eig,
eigvals, pinv, lstsq, multi_dot, matrix_power, norms, cond, tensorsolve, tensorinv, matrix_rank):
values against NumPy in float64 and float32, derivatives (fwd/rev, order 2) on stacked inputs, vmap
against a Python loop, finite derivatives of value-only functions at repeated values, and errors.

Every case is a function ``fn(m, *xs)`` of a namespace ``m`` (``np`` or ``funcgrad.numpy``). The
factors of a decomposition are unique only up to signs (or rotations at repeated values), so cases
differentiate functions of them that do not depend on that choice: ``u @ diag(s) @ vt``, ``|u|``,
``q @ r``, eigenvector projectors.
"""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree
from funcgrad.testing import check_grads, numerical_jacobian
from funcgrad.transforms.api import grad as eager_grad  # a reference that stays eager in the jit mode

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit

INF = np.inf


# ----------------------------------------------------------------------------- inputs


def _rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def _make(kind, shape, seed):
    """``r`` random; ``w`` well-conditioned square; ``e`` square with real, well-separated eigenvalues."""
    if kind == "r":
        return _rand(shape, seed)
    n = shape[-1]
    if kind == "w":
        return _rand(shape, seed) + 3.0 * np.eye(n)
    p = _rand(shape, seed) + 2.0 * np.eye(n)  # eigenvectors: a well-conditioned basis
    lam = np.arange(n) * 1.5 + 0.5 * np.random.default_rng(seed + 1).random(shape[:-1])
    return p @ (lam[..., :, None] * np.linalg.inv(p))


def _swap(m, x):
    return m.swapaxes(x, -1, -2)


def _proj0(m, v):
    """The projector on the first eigen/singular vector: sign-free."""
    c = v[..., :, :1]
    return m.matmul(c, _swap(m, c))


def _usv(m, a):
    u, s, vt = m.linalg.svd(a, full_matrices=False)
    return m.matmul(u * s[..., None, :], vt)


def _eigh_rebuild(m, a):
    w, v = m.linalg.eigh(a)
    return m.matmul(v * w[..., None, :], _swap(m, v))


def _qr_product(m, a):
    q, r = m.linalg.qr(a)
    return m.matmul(q, r)


# (name, fn(m, *xs), shapes, kind)
CASES = [
    # eigh / eigvalsh (random inputs: one triangle is read)
    ("eigvalsh", lambda m, a: m.linalg.eigvalsh(a), [(3, 4, 4)], "r"),
    ("eigvalsh_upper", lambda m, a: m.linalg.eigvalsh(a, UPLO="U"), [(4, 4)], "r"),
    ("eigh_projector", lambda m, a: _proj0(m, m.linalg.eigh(a)[1]), [(3, 4, 4)], "r"),
    ("eigh_vector_squares", lambda m, a: m.linalg.eigh(a).eigenvectors ** 2, [(3, 3)], "r"),
    ("eigh_rebuild_upper", lambda m, a: _eigh_rebuild(m, m.swapaxes(a, -1, -2)), [(2, 3, 3)], "r"),
    # svd / svdvals
    ("svd_rebuild_tall", _usv, [(2, 5, 3)], "r"),
    ("svd_polar_square", lambda m, a: (lambda u, s, vt: m.matmul(u, vt))(*m.linalg.svd(a)), [(3, 4, 4)], "r"),
    ("svd_abs_u_tall", lambda m, a: m.abs(m.linalg.svd(a, full_matrices=False)[0]), [(2, 5, 3)], "r"),
    ("svd_abs_vt_tall", lambda m, a: m.abs(m.linalg.svd(a, full_matrices=False)[2]), [(5, 3)], "r"),
    ("svd_abs_u_wide", lambda m, a: m.abs(m.linalg.svd(a, full_matrices=False).U), [(3, 5)], "r"),
    ("svd_abs_vt_wide", lambda m, a: m.abs(m.linalg.svd(a, full_matrices=False).Vh), [(2, 3, 5)], "r"),
    ("svd_values_only", lambda m, a: m.linalg.svd(a, compute_uv=False), [(2, 4, 3)], "r"),
    ("svdvals", lambda m, a: m.linalg.svdvals(a), [(3, 3, 5)], "r"),
    ("svd_hermitian_values", lambda m, a: m.linalg.svd(a, compute_uv=False, hermitian=True), [(2, 3, 3)], "r"),
    ("svd_hermitian_factors", lambda m, a: m.linalg.svd(a, hermitian=True), [(2, 3, 3)], "r"),
    # qr
    ("qr_q_tall", lambda m, a: m.linalg.qr(a)[0], [(2, 5, 3)], "r"),
    ("qr_r_tall", lambda m, a: m.linalg.qr(a)[1], [(2, 5, 3)], "r"),
    ("qr_square", lambda m, a: m.linalg.qr(a).Q * 2.0 + m.linalg.qr(a).R, [(3, 4, 4)], "r"),
    ("qr_q_wide", lambda m, a: m.linalg.qr(a)[0], [(2, 3, 5)], "r"),
    ("qr_r_wide", lambda m, a: m.linalg.qr(a)[1], [(2, 3, 5)], "r"),
    ("qr_product_wide", _qr_product, [(3, 5)], "r"),
    ("qr_mode_r", lambda m, a: m.linalg.qr(a, mode="r"), [(4, 3)], "r"),
    ("qr_complete_square", lambda m, a: m.linalg.qr(a, mode="complete")[0], [(3, 3)], "r"),
    # eig / eigvals (matrices with real eigenvalues)
    ("eigvals", lambda m, a: m.linalg.eigvals(a), [(3, 4, 4)], "e"),
    ("eig_values", lambda m, a: m.linalg.eig(a).eigenvalues, [(3, 3)], "e"),
    ("eig_abs_vectors", lambda m, a: m.abs(m.linalg.eig(a)[1]), [(2, 3, 3)], "e"),
    # pinv / lstsq
    ("pinv_square", lambda m, a: m.linalg.pinv(a), [(3, 4, 4)], "r"),
    ("pinv_tall", lambda m, a: m.linalg.pinv(a), [(2, 5, 3)], "r"),
    ("pinv_wide", lambda m, a: m.linalg.pinv(a), [(3, 5)], "r"),
    ("pinv_rank_2_of_4x3", lambda m, b, c: m.linalg.pinv(m.matmul(b, c)), [(4, 2), (2, 3)], "r"),
    ("pinv_rtol", lambda m, a: m.linalg.pinv(a, rtol=None), [(4, 3)], "r"),
    ("pinv_hermitian", lambda m, a: m.linalg.pinv(a, hermitian=True), [(2, 3, 3)], "r"),
    ("lstsq_vector", lambda m, a, b: m.linalg.lstsq(a, b)[0], [(5, 3), (5,)], "r"),
    ("lstsq_matrix", lambda m, a, b: m.linalg.lstsq(a, b)[0], [(5, 3), (5, 2)], "r"),
    ("lstsq_wide", lambda m, a, b: m.linalg.lstsq(a, b)[0], [(3, 5), (3,)], "r"),
    ("lstsq_residuals", lambda m, a, b: m.linalg.lstsq(a, b)[1], [(5, 3), (5, 2)], "r"),
    ("lstsq_singular_values", lambda m, a, b: m.linalg.lstsq(a, b)[3], [(5, 3), (5,)], "r"),
    # products
    ("multi_dot_3", lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 2)], "r"),
    ("multi_dot_4_vector_ends", lambda m, a, b, c, d: m.linalg.multi_dot([a, b, c, d]),
     [(3,), (3, 4), (4, 5), (5,)], "r"),
    ("multi_dot_5", lambda m, a, b, c, d, e: m.linalg.multi_dot([a, b, c, d, e]),
     [(4, 2), (2, 5), (5, 1), (1, 3), (3, 2)], "r"),
    ("multi_dot_2", lambda m, a, b: m.linalg.multi_dot([a, b]), [(3,), (3, 2)], "r"),
    ("matrix_power_5", lambda m, a: m.linalg.matrix_power(a * 0.3, 5), [(2, 3, 3)], "w"),
    ("matrix_power_neg_3", lambda m, a: m.linalg.matrix_power(a, -3), [(2, 3, 3)], "w"),
    ("matrix_power_1", lambda m, a: m.linalg.matrix_power(a, 1), [(3, 3)], "r"),
    ("matrix_power_0_plus_a", lambda m, a: m.linalg.matrix_power(a, 0) + a, [(2, 3, 3)], "r"),
    # norms
    ("norm_matrix_2", lambda m, x: m.linalg.norm(x, 2), [(3, 4)], "r"),
    ("norm_matrix_neg_2", lambda m, x: m.linalg.norm(x, -2), [(4, 3)], "r"),
    ("norm_nuc", lambda m, x: m.linalg.norm(x, "nuc"), [(3, 4)], "r"),
    ("norm_2_axes_keepdims", lambda m, x: m.linalg.norm(x, 2, axis=(2, 0), keepdims=True), [(3, 2, 4)], "r"),
    ("norm_nuc_axes", lambda m, x: m.linalg.norm(x, "nuc", axis=(0, 1)), [(3, 4, 2)], "r"),
    ("norm_neg_2_stack", lambda m, x: m.linalg.norm(x, -2, axis=(-2, -1)), [(2, 3, 3)], "r"),
    ("norm_vector_neg_1", lambda m, x: m.linalg.norm(x, -1), [(4,)], "r"),
    ("norm_vector_half", lambda m, x: m.linalg.norm(x, 0.5, axis=0), [(4, 2)], "r"),
    ("vector_norm", lambda m, x: m.linalg.vector_norm(x), [(2, 3)], "r"),
    ("vector_norm_axes_inf", lambda m, x: m.linalg.vector_norm(x, axis=(0, 2), ord=INF), [(2, 3, 4)], "r"),
    ("vector_norm_3_keepdims", lambda m, x: m.linalg.vector_norm(x, keepdims=True, ord=3), [(2, 3)], "r"),
    ("vector_norm_neg_inf", lambda m, x: m.linalg.vector_norm(x, axis=-1, ord=-INF), [(2, 4)], "r"),
    ("vector_norm_0_times_x", lambda m, x: m.linalg.vector_norm(x, ord=0) * x, [(3,)], "r"),
    ("matrix_norm_fro", lambda m, x: m.linalg.matrix_norm(x), [(2, 3, 4)], "r"),
    ("matrix_norm_2", lambda m, x: m.linalg.matrix_norm(x, ord=2), [(2, 3, 4)], "r"),
    ("matrix_norm_neg_2", lambda m, x: m.linalg.matrix_norm(x, ord=-2), [(2, 4, 3)], "r"),
    ("matrix_norm_nuc_keepdims", lambda m, x: m.linalg.matrix_norm(x, ord="nuc", keepdims=True), [(2, 3, 3)], "r"),
    ("matrix_norm_1", lambda m, x: m.linalg.matrix_norm(x, ord=1), [(2, 3, 4)], "r"),
    ("matrix_norm_neg_1", lambda m, x: m.linalg.matrix_norm(x, ord=-1), [(2, 3, 4)], "r"),
    ("matrix_norm_inf", lambda m, x: m.linalg.matrix_norm(x, ord=INF), [(2, 3, 4)], "r"),
    ("matrix_norm_neg_inf", lambda m, x: m.linalg.matrix_norm(x, ord=-INF), [(2, 3, 4)], "r"),
    # cond
    ("cond", lambda m, a: m.linalg.cond(a), [(3, 4, 4)], "r"),
    ("cond_2_tall", lambda m, a: m.linalg.cond(a, 2), [(5, 3)], "r"),
    ("cond_neg_2", lambda m, a: m.linalg.cond(a, -2), [(2, 3, 3)], "r"),
    ("cond_1", lambda m, a: m.linalg.cond(a, 1), [(2, 3, 3)], "w"),
    ("cond_neg_1", lambda m, a: m.linalg.cond(a, -1), [(3, 3)], "w"),
    ("cond_inf", lambda m, a: m.linalg.cond(a, INF), [(2, 3, 3)], "w"),
    ("cond_neg_inf", lambda m, a: m.linalg.cond(a, -INF), [(3, 3)], "w"),
    ("cond_fro", lambda m, a: m.linalg.cond(a, "fro"), [(2, 3, 3)], "w"),
    ("cond_nuc", lambda m, a: m.linalg.cond(a, "nuc"), [(3, 3)], "w"),
    # tensor equations
    ("tensorsolve", lambda m, a, b: m.linalg.tensorsolve(m.reshape(a, (2, 3, 6)), b), [(6, 6), (2, 3)], "w"),
    ("tensorsolve_axes", lambda m, a, b: m.linalg.tensorsolve(m.reshape(m.swapaxes(a, 0, 1), (6, 2, 3)), b,
                                                              axes=(0,)), [(6, 6), (2, 3)], "w"),
    ("tensorinv", lambda m, a: m.linalg.tensorinv(m.reshape(a, (2, 3, 6))), [(6, 6)], "w"),
    ("tensorinv_ind_1", lambda m, a: m.linalg.tensorinv(m.reshape(a, (4, 2, 2)), ind=1), [(4, 4)], "w"),
    # the array API's names
    ("linalg_diagonal", lambda m, x: m.linalg.diagonal(x, offset=1), [(2, 3, 4)], "r"),
    ("linalg_matrix_transpose", lambda m, x: m.linalg.matrix_transpose(x), [(2, 3, 4)], "r"),
    ("linalg_outer", lambda m, a, b: m.linalg.outer(a, b), [(3,), (4,)], "r"),
    ("linalg_vecdot", lambda m, a, b: m.linalg.vecdot(a, b), [(2, 3), (3,)], "r"),
    ("linalg_tensordot", lambda m, a, b: m.linalg.tensordot(a, b, axes=1), [(2, 3), (3, 4)], "r"),
    ("linalg_cross", lambda m, a, b: m.linalg.cross(a, b), [(2, 3), (2, 3)], "r"),
]
IDS = [c[0] for c in CASES]


def _args(shapes, kind, seed=0, dtype=np.float64):
    # the first argument has the case's kind, the others are random
    return tuple(_make(kind if i == 0 else "r", s, 100 * seed + i).astype(dtype) for i, s in enumerate(shapes))


def _np_fn(fn):
    return lambda *xs: fn(np, *xs)


def _close(got, want, rtol, atol):
    for g, w in zip(tree.leaves(got), tree.leaves(want), strict=True):
        g, w = np.asarray(g), np.asarray(w)
        assert g.shape == w.shape
        if w.dtype.kind == "f":
            assert g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name, fn, shapes, kind", CASES, ids=IDS)
def test_value_matches_numpy(name, fn, shapes, kind, dtype):
    xs = _args(shapes, kind, dtype=dtype)
    want = fn(np, *xs)
    tol = 1e-10 if dtype == np.float64 else 2e-4
    _close(fn(fnp, *xs), want, tol, tol)
    _close(fg.vjp(_np_fn(fn), *xs)[0], want, tol, tol)  # traced (and jitted in the jit mode)


def test_lstsq_matches_numpy_in_full(transform_mode):
    a, b = _rand((5, 3), 0), _rand((5, 2), 1)
    for got in (fnp.linalg.lstsq(a, b), fg.vjp(lambda a: np.linalg.lstsq(a, b), a)[0]):
        want = np.linalg.lstsq(a, b)
        for g, w in zip(got, want):
            np.testing.assert_allclose(np.asarray(g), w, rtol=1e-10)
    a = _rand((5, 2), 2) @ _rand((2, 3), 3)  # rank 2 < 3 columns: no residuals, as in NumPy
    x, res, rank, s = fg.vjp(lambda a: np.linalg.lstsq(a, b[:, 0]), a)[0]
    want = np.linalg.lstsq(a, b[:, 0])
    np.testing.assert_allclose(x, want[0], rtol=1e-9)
    assert int(rank) == want[2] == 2
    if transform_mode == "eager":  # the rank is known while tracing, so the residuals are NumPy's
        assert np.shape(res) == (0,)


def test_matrix_rank_values_and_no_derivative():
    a = np.stack([_rand((4, 2), 0) @ _rand((2, 4), 1), _rand((4, 4), 2), np.zeros((4, 4))])
    for rank in (fnp.linalg.matrix_rank(a), fg.jit(np.linalg.matrix_rank)(a), fg.vmap(np.linalg.matrix_rank)(a)):
        np.testing.assert_array_equal(rank, np.linalg.matrix_rank(a))
    np.testing.assert_array_equal(fnp.linalg.matrix_rank(a, tol=1e-3), np.linalg.matrix_rank(a, tol=1e-3))
    np.testing.assert_array_equal(fnp.linalg.matrix_rank(a, rtol=0.5), np.linalg.matrix_rank(a, rtol=0.5))
    assert int(fnp.linalg.matrix_rank(np.array([0.0, 1.0]))) == 1
    x = _rand((3, 3), 4)
    g = fg.grad(lambda x: np.linalg.matrix_rank(x) * np.sum(x))(x)  # the rank is a constant factor
    np.testing.assert_allclose(g, np.full((3, 3), 3.0))


def test_factors_are_factorisations():
    a = _rand((2, 5, 3), 0)
    u, s, vt = fg.vjp(lambda a: np.linalg.svd(a), a)[0]  # default full_matrices=True: values
    assert u.shape == (2, 5, 5) and vt.shape == (2, 3, 3)
    np.testing.assert_allclose(u[..., :3] * s[..., None, :] @ vt, a, atol=1e-12)
    q, r = fg.vjp(lambda a: np.linalg.qr(a, mode="complete"), a)[0]
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    w = _rand((3, 3, 5), 1)
    q, r = fg.vjp(lambda w: np.linalg.qr(w), w)[0]
    np.testing.assert_allclose(q @ r, w, atol=1e-12)
    np.testing.assert_allclose(np.swapaxes(q, -1, -2) @ q, np.broadcast_to(np.eye(3), (3, 3, 3)), atol=1e-12)
    s = _make("e", (4, 4), 2)
    w, v = fg.vjp(lambda s: np.linalg.eig(s), s)[0]
    np.testing.assert_allclose(s @ v, v * w, atol=1e-10)
    # the non-unique factors still batch and jit (as values)
    for f in (lambda a: np.linalg.svd(a), lambda a: np.linalg.qr(a, mode="complete")):
        _close(fg.vmap(f)(a), f(a), 1e-12, 1e-12)
        _close(fg.jit(f)(a), f(a), 1e-12, 1e-12)


# ----------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name, fn, shapes, kind", CASES, ids=IDS)
def test_check_grads(name, fn, shapes, kind):
    xs = _args(shapes, kind, seed=1)
    check_grads(_np_fn(fn), xs, order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name, fn, shapes, kind", [c for c in CASES if c[0] in (
    "eigvalsh", "eigh_projector", "svd_rebuild_tall", "svd_abs_vt_wide", "qr_q_tall", "qr_r_wide", "eigvals",
    "eig_abs_vectors", "pinv_wide", "lstsq_matrix", "norm_nuc", "cond")], ids=lambda v: v if isinstance(v, str) else "")
def test_jacobian_matches_numerical(name, fn, shapes, kind):
    xs = _args(shapes, kind, seed=3)
    f = _np_fn(fn)
    g = lambda x: f(x, *xs[1:])
    want = numerical_jacobian(g, xs[0])
    for jac in (fg.jacrev, fg.jacfwd):
        np.testing.assert_allclose(jac(f)(*xs), want, rtol=1e-6, atol=1e-7)


def test_known_derivatives():
    a = _rand((3, 3), 0)
    s = (a + a.T) / 2
    w, v = np.linalg.eigh(s)
    # d λ_k = v_k^T dA v_k, read from the lower triangle
    g = fg.grad(lambda s: np.linalg.eigvalsh(s)[2])(s)
    outer = np.outer(v[:, 2], v[:, 2])
    np.testing.assert_allclose(g, np.tril(outer + outer.T) - np.diag(np.diag(outer)), atol=1e-12)
    # spectral and nuclear norms: u_1 v_1^T and U V^T
    u, sv, vt = np.linalg.svd(a)
    np.testing.assert_allclose(fg.grad(lambda a: np.linalg.norm(a, 2))(a), np.outer(u[:, 0], vt[0]), atol=1e-12)
    np.testing.assert_allclose(fg.grad(lambda a: np.linalg.norm(a, "nuc"))(a), u @ vt, atol=1e-12)
    # pinv of an invertible matrix is the inverse, with the inverse's derivative
    w = _make("w", (3, 3), 1)
    t = _rand((3, 3), 2)
    inv = np.linalg.inv(w)
    np.testing.assert_allclose(fg.jvp(np.linalg.pinv, (w,), (t,))[1], -inv @ t @ inv, atol=1e-12)


def test_symmetric_gradients_on_symmetric_perturbations():
    """For symmetric inputs the triangle convention does not matter along symmetric directions."""
    a = _rand((4, 4), 5)
    s, t = a + a.T, _rand((4, 4), 6)
    t = t + t.T
    f = lambda s: np.sum(np.linalg.eigvalsh(s) ** 3)
    lower = fg.jvp(f, (s,), (t,))[1]
    upper = fg.jvp(lambda s: np.sum(np.linalg.eigvalsh(s, "U") ** 3), (s,), (t,))[1]
    np.testing.assert_allclose(lower, upper, rtol=1e-12)
    np.testing.assert_allclose(lower, 3 * np.trace(np.linalg.matrix_power(s, 2) @ t), rtol=1e-10)


# ----------------------------------------------------------------------------- degenerate points


@pytest.mark.parametrize("name, f, x", [
    ("eigvalsh_identity", lambda a: np.linalg.eigvalsh(a), np.eye(3)),
    ("eigvalsh_repeated", lambda a: np.linalg.eigvalsh(a), np.diag([1.0, 2.0, 2.0])),
    ("svdvals_identity", lambda a: np.linalg.svdvals(a), np.eye(3)),
    ("svdvals_orthogonal", lambda a: np.linalg.svdvals(a), np.linalg.qr(_rand((3, 3), 0))[0]),
    ("svdvals_rank_deficient", lambda a: np.linalg.svdvals(a), np.diag([2.0, 1.0, 0.0])),
    ("norm_2_identity", lambda a: np.linalg.norm(a, 2), np.eye(3)),
    ("norm_nuc_identity", lambda a: np.linalg.norm(a, "nuc"), np.eye(3)),
    ("norm_neg_2_repeated", lambda a: np.linalg.norm(a, -2), np.diag([3.0, 1.0, 1.0])),
    ("cond_identity", lambda a: np.linalg.cond(a), np.eye(3)),
    ("eigvals_repeated_free", lambda a: np.linalg.eigvals(a), np.array([[2.0, 0.0], [0.0, 2.0]])),
    ("pinv_identity", lambda a: np.linalg.pinv(a), np.eye(3)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_value_functions_have_finite_derivatives_at_repeated_values(name, f, x):
    for jac in (fg.jacrev, fg.jacfwd):
        j = np.asarray(jac(f)(x))
        assert np.all(np.isfinite(j)), (name, jac)
    # and right along x itself, a direction that keeps tied values tied
    t = x
    fd = (np.asarray(f(x + 1e-6 * t)) - np.asarray(f(x - 1e-6 * t))) / 2e-6
    np.testing.assert_allclose(fg.jvp(f, (x,), (t,))[1], fd, atol=1e-7)


def test_documented_values_at_repeated_values():
    eye = np.eye(3)
    np.testing.assert_allclose(fg.grad(lambda a: np.linalg.norm(a, 2))(eye), eye / 3, atol=1e-14)  # ties shared
    np.testing.assert_allclose(fg.grad(lambda a: np.linalg.norm(a, "nuc"))(eye), eye, atol=1e-14)
    np.testing.assert_allclose(fg.grad(lambda a: np.sum(np.linalg.eigvalsh(a)))(eye), eye, atol=1e-14)


@pytest.mark.parametrize("f", [np.linalg.norm, lambda x: np.linalg.norm(x, 3), lambda x: np.linalg.vector_norm(x),
                               lambda x: np.linalg.norm(x.reshape(2, 2), "fro")], ids=["2", "3", "vector", "fro"])
def test_norms_at_zero_have_derivative_zero_in_every_mode(f):
    z = np.zeros(4)
    for d in (fg.grad(f)(z), fg.jacfwd(f)(z), fg.jacrev(f)(z), fg.hessian(f)(z)):
        np.testing.assert_array_equal(d, 0.0)


def test_eigenvector_derivatives_at_repeated_values_are_not_finite():
    f = lambda a: np.linalg.eigh(a)[1]
    j = fg.jacfwd(f)(np.eye(3))
    assert not np.all(np.isfinite(j))


# ----------------------------------------------------------------------------- vmap


def _vmap_params():
    params = []
    for name, fn, shapes, kind in CASES:
        k = len(shapes)
        params.append(pytest.param(fn, shapes, kind, (0,) * k, id=f"{name}-all"))
        if k > 1:
            params.append(pytest.param(fn, shapes, kind, (0,) + (None,) * (k - 1), id=f"{name}-first"))
            params.append(pytest.param(fn, shapes, kind, (None,) * (k - 1) + (0,), id=f"{name}-last"))
        elif len(shapes[0]) >= 2:
            params.append(pytest.param(fn, shapes, kind, (len(shapes[0]),), id=f"{name}-last-axis"))
    return params


@pytest.mark.parametrize("fn, shapes, kind, in_axes", _vmap_params())
def test_vmap_matches_loop(fn, shapes, kind, in_axes):
    n = 3
    xs = _args(shapes, kind, seed=4)
    args = tuple(x if ax is None else np.stack([_make(kind if i == 0 else "r", np.shape(x), 50 + 10 * i + b)
                                                for b in range(n)], axis=ax)
                 for i, (x, ax) in enumerate(zip(xs, in_axes)))
    f = _np_fn(fn)
    got = fg.vmap(f, in_axes=in_axes)(*args)
    want = [f(*[a if ax is None else np.take(a, b, axis=ax) for a, ax in zip(args, in_axes)]) for b in range(n)]
    want = tree.map(lambda *leaves: np.stack(leaves), *want)
    _close(got, want, 1e-10, 1e-10)


def test_vmap_of_grad_of_decompositions():
    f = lambda a: np.sum(np.linalg.svdvals(a) ** 3) + np.sum(np.abs(np.linalg.qr(a)[1])) + np.linalg.eigvalsh(a)[-1]
    A = _rand((3, 4, 4), 7)
    got = fg.vmap(fg.grad(f))(A)
    want = np.stack([numerical_jacobian(f, a) for a in A])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_hessian_of_spectral_function():
    f = lambda a: np.sum(np.linalg.svdvals(a) ** 3) + np.linalg.slogdet(np.linalg.pinv(a))[1]
    a = _make("w", (3, 3), 8)
    np.testing.assert_allclose(fg.hessian(f)(a), numerical_jacobian(eager_grad(f), a), rtol=1e-6, atol=1e-6)


# ----------------------------------------------------------------------------- errors


def test_complex_eigenvalues_are_an_error():
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(np.linalg.LinAlgError, match="complex eigenvalues"):
        fg.grad(lambda a: np.sum(np.linalg.eigvals(a)))(rot)
    w = fnp.linalg.eigvals(rot)  # concrete arrays go to NumPy
    np.testing.assert_allclose(np.sort_complex(w), [-1j, 1j])


@pytest.mark.parametrize("f, x, match", [
    (lambda a: np.linalg.svd(a)[0], np.ones((3, 2)), "full_matrices=False"),
    (lambda a: np.linalg.qr(a, mode="complete")[0], np.ones((3, 2)), "mode='reduced'"),
], ids=["svd_full_matrices", "qr_complete"])
def test_nonunique_factors_have_no_derivative(f, x, match):
    with pytest.raises(NotImplementedError, match=match):
        fg.jacrev(f)(x + np.arange(6.0).reshape(x.shape) ** 2)
    with pytest.raises(NotImplementedError, match=match):
        fg.jacfwd(f)(x + np.arange(6.0).reshape(x.shape) ** 2)


@pytest.mark.parametrize("f, x, error, match", [
    (lambda a: np.linalg.qr(a, mode="raw"), np.ones((3, 2)), NotImplementedError, "mode='raw'"),
    (lambda a: np.linalg.qr(a, mode="full"), np.ones((3, 2)), ValueError, "unrecognized mode"),
    (lambda a: np.linalg.eigh(a, UPLO="X"), np.eye(2), ValueError, "UPLO"),
    (lambda a: np.linalg.eigh(a), np.ones((2, 3)), np.linalg.LinAlgError, "square"),
    (lambda a: np.linalg.svd(a), np.ones(3), np.linalg.LinAlgError, "two-dimensional"),
    (lambda a: np.linalg.norm(a, 3), np.eye(2), ValueError, "for matrices"),
    (lambda a: np.linalg.norm(a, "fro", axis=0), np.eye(2), ValueError, "for vectors"),
    (lambda a: np.linalg.matrix_power(a, 1.5), np.eye(2), TypeError, "integer"),
    (lambda a: np.linalg.lstsq(a, np.ones((2, 2))), np.ones((2, 2, 2)), np.linalg.LinAlgError, "vmap"),
    (lambda a: np.linalg.pinv(a, rcond=np.ones(2)), np.ones((2, 2, 2)), TypeError, "scalar"),
    (lambda a: np.linalg.tensorinv(a), np.ones((2, 3, 4)), np.linalg.LinAlgError, "prod"),
    (lambda a: np.linalg.multi_dot([a]), np.eye(2), ValueError, "at least two"),
], ids=["qr_raw", "qr_mode", "uplo", "eigh_shape", "svd_1d", "norm_ord", "vector_ord", "power_float",
        "lstsq_stack", "pinv_rcond", "tensorinv_shape", "multi_dot_one"])
def test_bad_input_is_a_clear_error(f, x, error, match):
    with pytest.raises(error, match=match):
        fg.grad(lambda a: np.sum(f(a)))(x)


def test_complex_input_is_a_type_error():
    with pytest.raises(TypeError, match="complex"):
        fnp.linalg.eigh(np.eye(2) * 1j)
