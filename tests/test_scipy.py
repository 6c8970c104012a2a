"""funcgrad.scipy: special functions and stats.norm against SciPy (float64 and float32), derivatives to
order 2 in both modes, vmap against a loop, plain ``scipy.special`` ufuncs on traced values, the numba
tier, and primitives that resolve in a fresh process without ``import funcgrad`` loading SciPy."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

sc = pytest.importorskip("scipy.special")
st = pytest.importorskip("scipy.stats")

import funcgrad as fg  # noqa: E402
from funcgrad.scipy import special as fs  # noqa: E402
from funcgrad.scipy.stats import norm  # noqa: E402
from funcgrad.testing import check_grads, vmap_loop  # noqa: E402


def _normal(scale=1.0):
    return lambda rng, shape: scale * rng.standard_normal(shape)


def _uniform(lo, hi):
    return lambda rng, shape: rng.uniform(lo, hi, shape)


# (name, ours, SciPy's, one sampler per argument, inside each function's domain)
CASES = [
    ("erf", fs.erf, sc.erf, [_normal()]),
    ("erfc", fs.erfc, sc.erfc, [_normal()]),
    ("erfinv", fs.erfinv, sc.erfinv, [_uniform(-0.9, 0.9)]),
    ("gammaln", fs.gammaln, sc.gammaln, [_uniform(0.5, 4.0)]),
    ("gammaln_negative", fs.gammaln, sc.gammaln, [_uniform(-2.9, -2.1)]),
    ("digamma", fs.digamma, sc.digamma, [_uniform(0.5, 4.0)]),
    ("polygamma_0", lambda x: fs.polygamma(0, x), lambda x: sc.polygamma(0, x), [_uniform(0.5, 4.0)]),
    ("polygamma_1", lambda x: fs.polygamma(1, x), lambda x: sc.polygamma(1, x), [_uniform(0.5, 4.0)]),
    ("polygamma_3", lambda x: fs.polygamma(3, x), lambda x: sc.polygamma(3, x), [_uniform(0.5, 4.0)]),
    ("ndtri", fs.ndtri, sc.ndtri, [_uniform(0.05, 0.95)]),
    ("log_ndtr", fs.log_ndtr, sc.log_ndtr, [_uniform(-9.0, 4.0)]),
    ("ndtr", fs.ndtr, sc.ndtr, [_normal(2.0)]),
    ("expit", fs.expit, sc.expit, [_normal(3.0)]),
    ("logit", fs.logit, sc.logit, [_uniform(0.05, 0.95)]),
    ("xlogy", fs.xlogy, sc.xlogy, [_normal(), _uniform(0.5, 3.0)]),
    ("xlog1py", fs.xlog1py, sc.xlog1py, [_normal(), _uniform(-0.5, 2.0)]),
    ("betaln", fs.betaln, sc.betaln, [_uniform(0.5, 4.0), _uniform(0.5, 4.0)]),
    ("logsumexp", fs.logsumexp, sc.logsumexp, [_normal(3.0)]),
    ("logsumexp_axis", lambda a: fs.logsumexp(a, axis=1), lambda a: sc.logsumexp(a, axis=1), [_normal(3.0)]),
    ("logsumexp_b", lambda a, b: fs.logsumexp(a, axis=0, b=b), lambda a, b: sc.logsumexp(a, axis=0, b=b),
     [_normal(), _uniform(0.5, 2.0)]),
    ("softmax", fs.softmax, sc.softmax, [_normal(2.0)]),
    ("softmax_axis", lambda x: fs.softmax(x, axis=-1), lambda x: sc.softmax(x, axis=-1), [_normal(2.0)]),
    ("log_softmax", lambda x: fs.log_softmax(x, axis=0), lambda x: sc.log_softmax(x, axis=0), [_normal(2.0)]),
    ("norm.pdf", norm.pdf, st.norm.pdf, [_normal(), _normal(), _uniform(0.5, 2.0)]),
    ("norm.logpdf", norm.logpdf, st.norm.logpdf, [_normal(), _normal(), _uniform(0.5, 2.0)]),
    ("norm.cdf", norm.cdf, st.norm.cdf, [_normal(), _normal(), _uniform(0.5, 2.0)]),
    ("norm.logcdf", norm.logcdf, st.norm.logcdf, [_normal(3.0), _normal(), _uniform(0.5, 2.0)]),
    ("norm.sf", norm.sf, st.norm.sf, [_normal(), _normal(), _uniform(0.5, 2.0)]),
    ("norm.logsf", norm.logsf, st.norm.logsf, [_normal(3.0), _normal(), _uniform(0.5, 2.0)]),
    ("norm.ppf", norm.ppf, st.norm.ppf, [_uniform(0.05, 0.95), _normal(), _uniform(0.5, 2.0)]),
    ("norm.isf", norm.isf, st.norm.isf, [_uniform(0.05, 0.95), _normal(), _uniform(0.5, 2.0)]),
]
IDS = [c[0] for c in CASES]


def _args(samplers, shape=(2, 3), seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return tuple(np.asarray(s(rng, shape), dtype) for s in samplers)


@pytest.mark.parametrize("name, ours, theirs, samplers", CASES, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_match_scipy(name, ours, theirs, samplers, dtype):
    args = _args(samplers, dtype=dtype)
    got, want = np.asarray(ours(*args)), np.asarray(theirs(*args))
    assert got.shape == want.shape
    assert got.dtype == dtype, (got.dtype, dtype)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    np.testing.assert_allclose(got, want.astype(dtype), rtol=tol, atol=tol)


@pytest.mark.usefixtures("transform_mode")  # eager, and every transform under fg.jit
@pytest.mark.parametrize("name, ours, theirs, samplers", CASES, ids=IDS)
def test_derivatives_order2(name, ours, theirs, samplers):
    check_grads(lambda *a: ours(*a), _args(samplers, shape=(2, 3), seed=1), order=2, modes=("fwd", "rev"))


@pytest.mark.parametrize("name, ours, theirs, samplers", CASES, ids=IDS)
def test_float32_gradients_stay_float32(name, ours, theirs, samplers):
    args = _args(samplers, shape=(2, 3), seed=2, dtype=np.float32)
    grads = fg.grad(lambda *a: fg.numpy.sum(ours(*a)), argnums=tuple(range(len(args))))(*args)
    want = fg.grad(lambda *a: fg.numpy.sum(ours(*a)), argnums=tuple(range(len(args))))(
        *[a.astype(np.float64) for a in args])
    for g, w in zip(grads, want):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-4)


@pytest.mark.usefixtures("transform_mode")
@pytest.mark.parametrize("name, ours, theirs, samplers", CASES, ids=IDS)
def test_vmap_matches_loop(name, ours, theirs, samplers):
    args = _args(samplers, shape=(3, 2, 3), seed=3)
    in_axes = (0,) + (1,) * (len(args) - 1)   # the other arguments mapped along another axis
    args = args[:1] + tuple(np.swapaxes(a, 0, 1).copy() for a in args[1:])
    np.testing.assert_allclose(fg.vmap(ours, in_axes=in_axes)(*args), vmap_loop(ours, args, in_axes), rtol=1e-12)
    grad = fg.grad(lambda *a: fg.numpy.sum(ours(*a)))
    np.testing.assert_allclose(fg.vmap(grad, in_axes=in_axes)(*args), vmap_loop(grad, args, in_axes), rtol=1e-12)


def test_plain_scipy_ufuncs_dispatch_to_ours():
    x = np.array([0.3, 0.6, 0.9])
    for name in ("erf", "erfc", "erfinv", "gammaln", "psi", "digamma", "ndtri", "log_ndtr", "ndtr", "expit",
                 "logit"):
        f, ours = getattr(sc, name), getattr(fs, name)
        np.testing.assert_allclose(fg.grad(lambda v: np.sum(f(v)))(x), fg.grad(lambda v: np.sum(ours(v)))(x),
                                   rtol=1e-14, err_msg=name)
        np.testing.assert_allclose(fg.jit(f)(x), f(x), rtol=1e-14, err_msg=name)
    for name in ("xlogy", "xlog1py", "betaln"):
        f, ours = getattr(sc, name), getattr(fs, name)
        np.testing.assert_allclose(fg.grad(lambda a, b: np.sum(f(a, b)), argnums=(0, 1))(x, x + 1),
                                   fg.grad(lambda a, b: np.sum(ours(a, b)), argnums=(0, 1))(x, x + 1), rtol=1e-14)
    assert float(fg.grad(fg.grad(sc.erf))(1.0)) == pytest.approx(-2 * 2 / np.sqrt(np.pi) * np.exp(-1.0), rel=1e-14)
    with pytest.raises(NotImplementedError, match="scipy.special.gamma on traced values"):
        fg.grad(sc.gamma)(1.0)
    with pytest.raises(TypeError, match="out="):
        fg.grad(lambda v: sc.erf(v, out=np.zeros(())))(1.0)
    with pytest.raises(TypeError, match="scipy.special.erf of complex values"):
        fg.grad(lambda v: np.sum(np.real(sc.erf(np.fft.fft(v)))))(x)


def test_special_values_and_conventions():
    assert float(fs.xlogy(0.0, 0.0)) == 0.0 and np.isnan(fs.xlogy(0.0, np.nan))
    # d/dx x log y at x = 0 is log y; d/dy is x / y = 0 there, also at y = 0
    gx, gy = fg.grad(fs.xlogy, argnums=(0, 1))(0.0, 2.0)
    assert float(gx) == pytest.approx(np.log(2.0)) and float(gy) == 0.0
    assert float(fg.grad(fs.xlogy, argnums=1)(0.0, 0.0)) == 0.0
    # log_ndtr's derivative stays finite far in the tail, where ndtr underflows
    d = float(fg.grad(fs.log_ndtr)(-40.0))
    assert np.isfinite(d) and d == pytest.approx(40.0, rel=1e-3)
    # the derivatives of polygamma are polygamma of the next order, to any depth
    assert float(fg.grad(fg.grad(fg.grad(fs.digamma)))(1.5)) == pytest.approx(sc.polygamma(3, 1.5), rel=1e-12)
    # erfinv's derivative is infinite at ±1, but a zero cotangent from an unselected branch stays zero
    g = fg.grad(lambda x: np.sum(np.where(x < 1, fs.erfinv(np.minimum(x, 0.5)), 0.0)))(np.array([0.2, 1.0]))
    assert np.all(np.isfinite(g))


def test_logsumexp_sign_and_keepdims():
    a, b = np.array([[0.1, 0.7, -0.3], [1.2, -2.0, 0.4]]), np.array([[1.0, -2.0, 0.5], [0.3, 0.2, -0.1]])
    for axis in (None, 0, 1, (0, 1)):
        for keepdims in (False, True):
            got = fs.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
            want = sc.logsumexp(a, axis=axis, b=b, keepdims=keepdims, return_sign=True)
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, rtol=1e-13)
                assert np.shape(g) == np.shape(w)
    check_grads(lambda a: fs.logsumexp(a, axis=1, b=b, return_sign=True)[0], (a,), order=2)
    assert np.isnan(fs.logsumexp(a, axis=1, b=b)[0]) == np.isnan(sc.logsumexp(a, axis=1, b=b)[0])
    assert float(fs.logsumexp(np.array([-np.inf, -np.inf]))) == -np.inf
    assert float(fs.logsumexp(np.array([1e4, 1e4]))) == pytest.approx(1e4 + np.log(2.0))


def test_polygamma_order_errors():
    with pytest.raises(TypeError, match="polygamma: the order n must be a concrete integer"):
        fg.grad(lambda n: fs.polygamma(n, 1.0))(1.0)
    with pytest.raises(TypeError, match="polygamma: the order n must be a single integer"):
        fs.polygamma(np.array([1, 2]), 1.0)
    with pytest.raises(TypeError, match="polygamma: the order n must be an integer"):
        fs.polygamma(1.5, 1.0)
    with pytest.raises(ValueError, match="polygamma: the order n must be >= 0"):
        fs.polygamma(-1, 1.0)
    assert float(fs.polygamma(2.0, 1.5)) == pytest.approx(sc.polygamma(2, 1.5), rel=1e-14)


def test_norm_bad_scale_is_nan_like_scipy():
    x = np.array([0.5, 1.0])
    for f, g in ((norm.pdf, st.norm.pdf), (norm.logpdf, st.norm.logpdf), (norm.cdf, st.norm.cdf),
                 (norm.ppf, st.norm.ppf)):
        got = f(np.array([0.3, 0.6]) if f is norm.ppf else x, 0.0, np.array([-1.0, 0.0]))
        want = g(np.array([0.3, 0.6]) if f is norm.ppf else x, 0.0, np.array([-1.0, 0.0]))
        assert np.all(np.isnan(got)) and np.all(np.isnan(want))
    # a traced scale: NaN where not positive, and the other lanes' derivatives are untouched
    g = fg.grad(lambda s: np.sum(norm.logpdf(x, 0.0, s)))(np.array([-1.0, 2.0]))
    assert g[0] == 0.0
    assert g[1] == pytest.approx(-1 / 2.0 + 1.0 / 2.0 ** 3)


def test_jit_and_numba_tier(monkeypatch):
    """Special functions have no scalar form: the fuser keeps them out of kernels, the rest still fuses."""
    monkeypatch.setenv("FUNCGRAD_NUMBA", "always")

    def f(x):
        return np.sum(fs.erf(np.sin(x) * 2.0) * np.exp(x) + fs.gammaln(x * x + 1.0))

    x = np.linspace(0.1, 2.0, 64)
    jg = fg.jit(fg.grad(f))
    np.testing.assert_allclose(jg(x), fg.grad(f)(x), rtol=1e-13)
    assert jg.tier(x) == "numba"
    assert "erf" in str(jg.ir(x)) and "digamma" in str(jg.ir(x))


def test_fresh_process_resolves_primitives_without_importing_scipy_at_import():
    ir = fg.make_ir(lambda x: fs.erf(x) + fs.polygamma(2, x) + fs.betaln(x, 2.0))(0.3)
    code = ("import pickle, sys\n"
            "import funcgrad, funcgrad.numpy\n"
            "assert 'scipy' not in sys.modules, 'import funcgrad imported scipy'\n"
            "from funcgrad.backends.interpreter import eval_ir\n"
            "ir = pickle.loads(sys.stdin.buffer.read())\n"
            "print(repr(float(eval_ir(ir, 0.3)[0])))\n")
    out = subprocess.run([sys.executable, "-c", code], input=pickle.dumps(ir), capture_output=True, check=False)
    assert out.returncode == 0, out.stderr.decode()
    want = sc.erf(0.3) + sc.polygamma(2, 0.3) + sc.betaln(0.3, 2.0)
    assert float(out.stdout) == pytest.approx(want, rel=1e-14)
