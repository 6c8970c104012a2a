"""Reductions and scans: derivatives to order 2 (fwd and rev) over every axis form, exactness at zeros
(prod, cumprod) and ties (max, min), NumPy values and dtypes, non-differentiable reductions, vmap.

Each reduction runs through ``funcgrad.numpy``, through plain NumPy calls on traced values (NEP 18)
and through the traced value's method (``x.max(axis=1)``).
"""

import zlib

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

MODES = ("fwd", "rev")
SHAPE = (2, 3, 4)
AXES = [None, 0, 1, -1, -2, (0, 2), (-1, 0), (0, 1, 2)]

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit
TRANSFORM_MODES = ("eager", "jit", "numba")  # and with numba kernels forced everywhere


def _rng(*key):
    """A generator seeded from the test's parameters (stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _check(f, *args, **kw):
    fg.testing.check_grads(f, args, order=2, modes=MODES, **kw)


def _signed(rng, shape, lo=0.5, hi=1.5):
    return rng.uniform(lo, hi, shape) * rng.choice([-1.0, 1.0], shape)


def _distinct(rng, shape, step=0.1):
    """Values at least ``step`` apart: no ties for max and min, even under finite differences."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * step - n * step / 2 + rng.uniform(0, step / 4, n)).reshape(shape)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


# name: (funcgrad.numpy function, NumPy reference, method name or None, keyword arguments, sampler)
REDUCTIONS = {
    "sum": (fnp.sum, np.sum, "sum", {}, _signed),
    "mean": (fnp.mean, np.mean, "mean", {}, _signed),
    "prod": (fnp.prod, np.prod, "prod", {}, _signed),
    "max": (fnp.max, np.max, "max", {}, _distinct),
    "min": (fnp.min, np.min, "min", {}, _distinct),
    "amax": (fnp.amax, np.amax, None, {}, _distinct),
    "var": (fnp.var, np.var, "var", {}, _signed),
    "var_ddof1": (fnp.var, np.var, "var", {"ddof": 1}, _signed),
    "std": (fnp.std, np.std, "std", {}, _signed),
    "std_ddof1": (fnp.std, np.std, "std", {"ddof": 1}, _signed),
    "logsumexp": (fnp.logsumexp, _logsumexp, None, {}, _signed),
}


def _reduction(name, api, axis, keepdims):
    ours, ref, method, kw, _ = REDUCTIONS[name]
    if api == "fnp":
        return lambda x: ours(x, axis=axis, keepdims=keepdims, **kw)
    if api == "np":
        return lambda x: ref(x, axis=axis, keepdims=keepdims, **kw)
    return lambda x: getattr(x, method)(axis=axis, keepdims=keepdims, **kw)


REDUCTION_CASES = [
    pytest.param(name, api, axis, keepdims, id=f"{name}-{api}-{axis}-{keepdims}")
    for name, (_, ref, method, _, _) in REDUCTIONS.items()
    for api in ("fnp",) + (("np",) if ref.__module__.startswith("numpy") else ()) + (("method",) if method else ())
    for axis in AXES for keepdims in (False, True)
    if api == "fnp" or axis in (None, 1, -1, (0, 2))  # the other paths share the axis handling
]


@pytest.mark.parametrize(("name", "api", "axis", "keepdims"), REDUCTION_CASES)
def test_reduction_derivatives(name, api, axis, keepdims):
    x = REDUCTIONS[name][4](_rng(name, axis), SHAPE)
    f = _reduction(name, api, axis, keepdims)
    _check(f, x)
    out = fg.vjp(f, x)[0]
    want = _reduction(name, "np", axis, keepdims)(x) if name != "logsumexp" else _logsumexp(x, axis, keepdims)
    assert np.shape(out) == np.shape(want)
    np.testing.assert_allclose(out, want, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_of_0d_and_1d_inputs(name):
    ours, _, _, kw, sample = REDUCTIONS[name]
    x = sample(_rng(name, "1d"), (5,))
    _check(lambda x: ours(x, axis=0, **kw), x)
    _check(lambda x: ours(x, **kw), x)
    # one element: var is identically 0 (ddof=1 divides by zero, as in NumPy; std = sqrt(0) has no derivative)
    if not kw and name != "std":
        g = fg.grad(lambda s: ours(s))(float(x[0]))
        assert g == (0.0 if name == "var" else 1.0)


@pytest.mark.parametrize("reduce", [np.add.reduce, np.multiply.reduce, np.maximum.reduce, np.minimum.reduce])
@pytest.mark.parametrize("axis", [0, -1, (0, 2), None])
def test_ufunc_reduce_methods(reduce, axis):
    x = _distinct(_rng("ufunc.reduce", axis), SHAPE) if reduce.__self__ in (np.maximum, np.minimum) \
        else _signed(_rng("ufunc.reduce", axis), SHAPE)
    f = lambda x: reduce(x, axis=axis)
    _check(f, x)
    np.testing.assert_allclose(fg.vjp(f, x)[0], reduce(x, axis=axis), rtol=1e-14)


def test_empty_axis_tuple_is_the_identity():
    x = _signed(_rng("empty axis"), (2, 3))
    for f in (lambda x: np.sum(x, axis=()), lambda x: fnp.prod(x, axis=()), lambda x: np.max(x, axis=())):
        out, t = fg.jvp(f, (x,), (np.ones_like(x),))
        np.testing.assert_array_equal(out, x)
        np.testing.assert_array_equal(t, np.ones_like(x))


# ----------------------------------------------------------------------------- known values

def test_sum_mean_var_std_known_gradients():
    x = _signed(_rng("known"), (3, 4))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x ** 2))(x), 2 * x)
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.sum(x, axis=0) * [1.0, 2.0, 3.0, 4.0]))(x),
                                  np.tile([1.0, 2.0, 3.0, 4.0], (3, 1)))
    np.testing.assert_array_equal(fg.grad(np.mean)(x), np.full((3, 4), 1 / 12))
    for ddof in (0, 1):
        d = x - x.mean()
        np.testing.assert_allclose(fg.grad(lambda x: np.var(x, ddof=ddof))(x), 2 * d / (12 - ddof), rtol=1e-13)
        np.testing.assert_allclose(fg.grad(lambda x: np.std(x, ddof=ddof))(x),
                                   d / ((12 - ddof) * np.std(x, ddof=ddof)), rtol=1e-13)
    d = x - x.mean(axis=1, keepdims=True)
    np.testing.assert_allclose(fg.grad(lambda x: np.sum(x.var(axis=1, ddof=1)))(x), 2 * d / 3, rtol=1e-13)


def test_max_at_unique_max_is_one_hot():
    x = np.array([[0.5, 2.0, -1.0], [3.0, 1.0, 2.5]])
    np.testing.assert_array_equal(fg.grad(np.max)(x), [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(fg.grad(np.min)(x), [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x.max(axis=1)))(x), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x.min(axis=0)))(x), [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(fg.hessian(np.max)(x), np.zeros((2, 3, 2, 3)))


@pytest.mark.parametrize("fmax", [np.max, fnp.max, np.amax, lambda x: x.max()])
def test_max_ties_share_the_derivative_evenly(fmax):
    np.testing.assert_array_equal(fg.grad(fmax)(np.array([1.0, 3.0, 3.0])), [0.0, 0.5, 0.5])
    g = fg.grad(fmax)(np.array([2.0, 2.0, 2.0]))
    np.testing.assert_allclose(g, [1 / 3, 1 / 3, 1 / 3], rtol=1e-15)
    _, t = fg.jvp(fmax, (np.array([1.0, 3.0, 3.0]),), (np.array([5.0, 1.0, 2.0]),))
    assert t == 1.5


def test_min_ties_and_ties_along_an_axis():
    np.testing.assert_array_equal(fg.grad(np.min)(np.array([1.0, 1.0, 3.0])), [0.5, 0.5, 0.0])
    x = np.array([[1.0, 3.0, 3.0], [0.0, 0.0, -1.0]])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.max(x, axis=1)))(x), [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.min(x, axis=-1, keepdims=True)))(x),
                                  [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def test_logsumexp_gradient_is_softmax_and_stable():
    x = _signed(_rng("lse"), (3, 4), 0.0, 2.0)
    e = np.exp(x - x.max(axis=1, keepdims=True))
    softmax = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(fg.grad(lambda x: np.sum(fnp.logsumexp(x, axis=1)))(x), softmax, rtol=1e-14)
    big = np.array([1000.0, 1000.0, -np.inf])
    out, f_vjp = fg.vjp(fnp.logsumexp, big)
    np.testing.assert_allclose(out, 1000 + np.log(2.0), rtol=1e-15)
    np.testing.assert_array_equal(f_vjp(1.0)[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(fg.hessian(fnp.logsumexp)(big[:2]), [[0.25, -0.25], [-0.25, 0.25]], rtol=1e-15)
    np.testing.assert_allclose(fnp.logsumexp(np.array([0.0, 1.0]), b=np.array([1.0, 2.0])),
                               np.log(1 + 2 * np.e), rtol=1e-15)
    assert fnp.logsumexp(np.array([-np.inf, -np.inf])) == -np.inf


# ----------------------------------------------------------------------------- prod and cumprod at zeros

def _prod_of_others(x):
    return np.array([np.prod(np.delete(x, i)) for i in range(x.size)])


def _prod_hessian(x):
    n = x.size
    return np.array([[np.prod(np.delete(x, [i, j])) if i != j else 0.0 for j in range(n)] for i in range(n)])


# small dyadic values: every product is exact, so the derivative must match bit for bit
ZERO_CASES = {
    "no_zero": [1.5, -2.0, 0.5, 3.0],
    "one_zero": [2.0, 0.0, 3.0, -1.5],
    "one_zero_first": [0.0, 2.0, -0.5, 3.0],
    "two_zeros": [0.0, 2.0, 0.0, 3.0],
    "all_zeros": [0.0, 0.0, 0.0],
}


@pytest.mark.parametrize("name", sorted(ZERO_CASES))
@pytest.mark.parametrize("prod", [np.prod, fnp.prod, lambda x: x.prod(), np.multiply.reduce], ids=["np", "fnp",
                                                                                                  "method", "ufunc"])
def test_prod_derivatives_are_exact_at_zeros(name, prod):
    x = np.array(ZERO_CASES[name])
    want = _prod_of_others(x)
    np.testing.assert_array_equal(fg.grad(prod)(x), want)
    np.testing.assert_array_equal(fg.jacfwd(prod)(x), want)
    np.testing.assert_array_equal(fg.hessian(prod)(x), _prod_hessian(x))
    # prod is multilinear: central differences are exact up to rounding
    np.testing.assert_allclose(fg.testing.numerical_jacobian(prod, x), want, atol=1e-9)
    _check(prod, x)
    if name == "one_zero":
        assert np.count_nonzero(want) == 1  # only the zero's own partial survives
    if name == "two_zeros":
        assert not np.any(want) and np.count_nonzero(_prod_hessian(x)) == 2


@pytest.mark.parametrize("axis", [0, 1, -1, (0, 1), None])
@pytest.mark.parametrize("keepdims", [False, True])
def test_prod_along_axes_with_zeros(axis, keepdims):
    x = np.array([[2.0, 0.0, 3.0, 0.5], [0.0, 0.0, 1.5, -2.0], [1.0, 2.0, -3.0, 0.25]])
    f = lambda x: np.prod(x, axis=axis, keepdims=keepdims)
    _check(f, x)
    out, f_vjp = fg.vjp(f, x)
    ct = _rng("prod ct", axis, keepdims).standard_normal(np.shape(out))
    jac = fg.testing.numerical_jacobian(f, x)  # exact up to rounding (multilinear)
    np.testing.assert_allclose(f_vjp(ct)[0], np.tensordot(ct, jac, axes=np.ndim(ct)), atol=1e-8)
    if axis == 1:
        # rows: one zero (only its own partial survives), two zeros (all partials vanish), no zero
        rows = fg.jacrev(f)(x).reshape(3, 3, 4)[[0, 1, 2], [0, 1, 2]]
        np.testing.assert_array_equal(rows, [_prod_of_others(r) for r in x])
        assert np.count_nonzero(rows, axis=1).tolist() == [1, 0, 4]


def _cumprod_jacobian(x):
    n = x.size
    return np.array([[np.prod(np.delete(x[:j + 1], i)) if i <= j else 0.0 for i in range(n)] for j in range(n)])


@pytest.mark.parametrize("name", sorted(ZERO_CASES))
@pytest.mark.parametrize("cumprod", [np.cumprod, fnp.cumprod, lambda x: x.cumprod(), np.multiply.accumulate],
                         ids=["np", "fnp", "method", "ufunc"])
def test_cumprod_derivatives_are_exact_at_zeros(name, cumprod):
    x = np.array(ZERO_CASES[name])
    want = _cumprod_jacobian(x)
    np.testing.assert_array_equal(fg.jacrev(cumprod)(x), want)
    np.testing.assert_array_equal(fg.jacfwd(cumprod)(x), want)
    np.testing.assert_allclose(fg.testing.numerical_jacobian(cumprod, x), want, atol=1e-9)
    _check(cumprod, x)
    # second order: d2 y_j / dx_i dx_k is the product of the other factors of y_j
    h = fg.jacfwd(fg.jacrev(cumprod))(x)
    for j in range(x.size):
        want_j = np.zeros((x.size, x.size))
        want_j[:j + 1, :j + 1] = _prod_hessian(x[:j + 1])
        np.testing.assert_array_equal(h[j], want_j)


# ----------------------------------------------------------------------------- scans

SCANS = {"cumsum": (fnp.cumsum, np.cumsum, np.add.accumulate), "cumprod": (fnp.cumprod, np.cumprod,
                                                                           np.multiply.accumulate)}


SCAN_CASES = [(name, axis, api) for name in sorted(SCANS) for axis in [None, 0, 1, 2, -1]
              for api in ["fnp", "np", "method", "ufunc"] if not (api == "ufunc" and axis is None)]


@pytest.mark.parametrize(("name", "axis", "api"), SCAN_CASES)
def test_scan_derivatives(name, axis, api):
    ours, ref, ufunc = SCANS[name]
    f = {"fnp": lambda x: ours(x, axis=axis), "np": lambda x: ref(x, axis=axis),
         "method": lambda x: getattr(x, name)(axis=axis), "ufunc": lambda x: ufunc(x, axis=axis)}[api]
    x = _signed(_rng(name, axis), SHAPE)
    _check(f, x)
    out = fg.vjp(f, x)[0]
    want = ref(x, axis=axis)
    assert out.shape == want.shape
    np.testing.assert_allclose(out, want, rtol=1e-14)


def test_cumsum_known_gradient():
    x = _signed(_rng("cumsum known"), (5,))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.cumsum(x)))(x), [5.0, 4.0, 3.0, 2.0, 1.0])
    np.testing.assert_array_equal(fg.jacrev(np.cumsum)(x), np.tril(np.ones((5, 5))))
    np.testing.assert_array_equal(fg.jacfwd(np.cumsum)(x), np.tril(np.ones((5, 5))))


# ----------------------------------------------------------------------------- non-differentiable

ARG_CASES = {
    "argmax": (np.argmax, fnp.argmax, "argmax"),
    "argmin": (np.argmin, fnp.argmin, "argmin"),
}


@pytest.mark.parametrize("api", [0, 1, 2], ids=["np", "fnp", "method"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", sorted(ARG_CASES))
def test_argmax_argmin_values_and_zero_gradient(name, axis, keepdims, api):
    ref = ARG_CASES[name][0]
    fn = ARG_CASES[name][api]
    f = (lambda x: getattr(x, fn)(axis=axis, keepdims=keepdims)) if isinstance(fn, str) else \
        (lambda x: fn(x, axis=axis, keepdims=keepdims))
    x = _distinct(_rng(name, axis), SHAPE)
    traced = fg.jvp(f, (x,), (np.ones_like(x),))[0]
    want = ref(x, axis=axis, keepdims=keepdims)
    assert np.shape(traced) == np.shape(want) and np.asarray(traced).dtype == want.dtype
    np.testing.assert_array_equal(traced, want)
    g = fg.grad(lambda x: np.sum(f(x) * 1.0) + 0.0 * np.sum(x))(x)
    np.testing.assert_array_equal(g, np.zeros_like(x))
    _, t = fg.jvp(lambda x: f(x) * 1.0, (x,), (np.ones_like(x),))
    np.testing.assert_array_equal(t, np.zeros(np.shape(want)))


def test_argmax_selects_the_max_and_the_gradient_flows_through_the_selection():
    x = _distinct(_rng("argmax select"), (3, 4))
    f = lambda x: np.take_along_axis(x, np.argmax(x, axis=1)[:, None], axis=1)
    np.testing.assert_array_equal(fg.vjp(f, x)[0], x.max(axis=1, keepdims=True))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(f(x)))(x), fg.grad(lambda x: np.sum(x.max(axis=1)))(x))


@pytest.mark.parametrize("fn", [np.any, np.all, fnp.any, fnp.all, lambda x, axis: x.any(axis=axis)])
@pytest.mark.parametrize("axis", [None, 0, (0, 2)])
def test_any_all_values_and_zero_gradient(fn, axis):
    x = _signed(_rng("any", axis), SHAPE)
    f = lambda x: fn(x > 0.8, axis=axis)
    traced = fg.jvp(f, (x,), (np.ones_like(x),))[0]
    np.testing.assert_array_equal(traced, f(x))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(f(x) * x.sum()))(x), np.full(x.shape, np.sum(f(x))))


# ----------------------------------------------------------------------------- NumPy semantics and dtypes

@pytest.mark.parametrize(("ours", "ref"), [
    (fnp.mean, np.mean), (fnp.var, np.var), (fnp.std, np.std), (fnp.sum, np.sum), (fnp.prod, np.prod),
    (fnp.max, np.max), (fnp.cumsum, np.cumsum), (fnp.cumprod, np.cumprod), (fnp.argmax, np.argmax),
], ids=lambda f: getattr(f, "__name__", "?"))
@pytest.mark.parametrize("kind", ["int", "bool"])
def test_dtypes_of_integer_and_bool_reductions_follow_numpy(ours, ref, kind):
    a = np.array([[3, 1, 4], [1, 5, 9]]) if kind == "int" else np.array([[True, False, True], [True, True, False]])
    for kw in ({}, {"axis": 0}):
        got, want = ours(a, **kw), ref(a, **kw)
        assert np.asarray(got).dtype == np.asarray(want).dtype, (kw, np.asarray(got).dtype, np.asarray(want).dtype)
        np.testing.assert_allclose(got, want, rtol=1e-15)


FLOAT32_CASES = {
    "sum": lambda x: np.sum(x, axis=1), "mean": np.mean, "prod": lambda x: np.prod(x, axis=0),
    "max": lambda x: x.max(axis=-1), "min": np.min, "var": lambda x: np.var(x, ddof=1), "std": np.std,
    "cumsum": lambda x: np.cumsum(x, axis=1), "cumprod": np.cumprod, "logsumexp": lambda x: fnp.logsumexp(x, 0),
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
def test_float32_in_float32_out_and_float32_derivatives(name):
    f = FLOAT32_CASES[name]
    x = _distinct(_rng("f32", name), (3, 4), 0.25).astype(np.float32)
    out, f_vjp = fg.vjp(f, x)
    assert np.asarray(out).dtype == np.float32
    want = _logsumexp(x, 0) if name == "logsumexp" else f(x)
    np.testing.assert_allclose(out, want, rtol=1e-5)
    assert f_vjp(np.ones(np.shape(out), np.float32))[0].dtype == np.float32
    assert fg.jvp(f, (x,), (np.ones_like(x),))[1].dtype == np.float32
    assert fg.hessian(lambda x: np.sum(f(x)))(x).dtype == np.float32
    _check(f, x)


def test_sum_dtype_argument():
    x = _signed(_rng("sum dtype"), (3,))
    out, f_vjp = fg.vjp(lambda x: np.sum(x, dtype=np.float32), x)
    assert out.dtype == np.float32 and f_vjp(np.float32(1.0))[0].dtype == np.float64
    assert fg.vjp(lambda x: np.cumsum(x, dtype=np.float32), x)[0].dtype == np.float32


# ----------------------------------------------------------------------------- jvp / vjp duality

def test_dot_product_of_jvp_and_vjp():
    """<v, J u> == <Jᵀ v, u> for a tuple of reductions and scans along different axes."""
    rng = _rng("duality")
    x = _distinct(rng, (3, 4), 0.2)

    def f(x):
        return (np.sum(x ** 2, axis=0), np.prod(x, axis=1, keepdims=True), x.max(axis=-1), np.min(x),
                np.cumsum(x, axis=1), np.cumprod(x, axis=0), fnp.logsumexp(x, axis=0), np.std(x, axis=1, ddof=1),
                np.mean(x, axis=(0, 1)), x.var(axis=0))

    u = rng.standard_normal(x.shape)
    out, ju = fg.jvp(f, (x,), (u,))
    v = tuple(rng.standard_normal(np.shape(o)) for o in out)
    (jtv,) = fg.vjp(f, x)[1](v)
    lhs = sum(np.sum(vi * ji) for vi, ji in zip(v, ju))
    np.testing.assert_allclose(lhs, np.sum(jtv * u), rtol=1e-12)
    assert abs(lhs) > 1e-3


# ----------------------------------------------------------------------------- vmap

VMAP_CASES = {
    "sum": lambda x, w: np.sum(x * w, axis=-1), "sum_all": lambda x, w: np.sum(x * w),
    "mean": lambda x, w: np.mean(x * w, axis=(0, 2), keepdims=True), "prod": lambda x, w: np.prod(x * w, axis=1),
    "max": lambda x, w: (x * w).max(axis=1), "min_all": lambda x, w: np.min(x + w),
    "var": lambda x, w: np.var(x * w, axis=-1, ddof=1), "std": lambda x, w: np.std(x * w, axis=0),
    "cumsum": lambda x, w: np.cumsum(x * w, axis=1), "cumprod": lambda x, w: np.cumprod(x * w, axis=-1),
    "cumprod_flat": lambda x, w: np.cumprod(x * w), "logsumexp": lambda x, w: fnp.logsumexp(x * w, axis=-1),
    "logsumexp_all": lambda x, w: fnp.logsumexp(x * w),
}
NONDIFF_VMAP_CASES = {
    "argmax": lambda x, w: np.argmax(x * w, axis=1), "argmax_all": lambda x, w: np.argmax(x * w),
    "argmin_all_keepdims": lambda x, w: np.argmin(x + w, keepdims=True), "any": lambda x, w: np.any(x * w > 1, axis=0),
}
IN_AXES = [(0, None), (1, None), (-1, None), (None, 0), (0, 0)]


def _vmap_args(in_axes):
    rng = _rng("vmap", in_axes)
    x, w = _distinct(rng, (5, 2, 3, 4), 0.05), rng.uniform(0.5, 1.5, (5, 3, 4))
    xs = x[0] if in_axes[0] is None else np.moveaxis(x, 0, in_axes[0])
    ws = w[0] if in_axes[1] is None else np.moveaxis(w, 0, in_axes[1])
    return xs, ws


_loop = fg.testing.vmap_loop


@pytest.mark.parametrize("in_axes", IN_AXES, ids=str)
@pytest.mark.parametrize("name", sorted(VMAP_CASES) + sorted(NONDIFF_VMAP_CASES))
def test_vmap(name, in_axes):
    f = VMAP_CASES.get(name) or NONDIFF_VMAP_CASES[name]
    args = _vmap_args(in_axes)
    got, want = fg.vmap(f, in_axes=in_axes)(*args), _loop(f, args, in_axes)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
    if name in NONDIFF_VMAP_CASES:
        return
    argnum = 0 if in_axes[0] is not None else 1
    g = fg.grad(lambda x, w: np.sum(f(x, w) ** 2), argnums=argnum)
    got, want = fg.vmap(g, in_axes=in_axes)(*args), _loop(g, args, in_axes)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
