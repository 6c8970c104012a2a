"""Elementwise primitives: derivatives to order 2 (fwd and rev), broadcasting, NumPy values, dtypes, vmap.

Every differentiable primitive of ``funcgrad.ops.elementwise`` is checked against finite differences
through plain NumPy calls on traced values (NEP 13/18), through ``funcgrad.numpy`` and, where Python
has one, through the operator. Inputs are random (seeded) and inside each function's domain, away
from kinks, singular points and discontinuities.
"""

import operator
import zlib

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import ops
from funcgrad.ops import safe_mul
from funcgrad.ops.elementwise import BINARY, NONDIFF_BINARY, NONDIFF_UNARY, UNARY

MODES = ("fwd", "rev")

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit
TRANSFORM_MODES = ("eager", "jit", "numba")  # and with numba kernels forced everywhere


def _rng(*key):
    """A generator seeded from the test's parameters (stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _check(f, *args, **kw):
    fg.testing.check_grads(f, args, order=2, modes=MODES, **kw)


# ----------------------------------------------------------------------------- unary

# name: (low, high, random sign) -- a sampling interval inside the domain, away from singularities and kinks
UNARY_DOMAINS = {
    "sin": (-3.0, 3.0, False), "cos": (-3.0, 3.0, False), "tan": (-1.2, 1.2, False),
    "arcsin": (-0.9, 0.9, False), "arccos": (-0.9, 0.9, False), "arctan": (-3.0, 3.0, False),
    "sinh": (-2.0, 2.0, False), "cosh": (-2.0, 2.0, False), "tanh": (-2.0, 2.0, False),
    "arcsinh": (-3.0, 3.0, False), "arccosh": (1.2, 3.0, False), "arctanh": (-0.9, 0.9, False),
    "exp": (-2.0, 2.0, False), "exp2": (-2.0, 2.0, False), "expm1": (-2.0, 2.0, False),
    "log": (0.2, 3.0, False), "log2": (0.2, 3.0, False), "log10": (0.2, 3.0, False), "log1p": (-0.8, 3.0, False),
    "sqrt": (0.2, 3.0, False), "cbrt": (0.2, 3.0, True), "reciprocal": (0.3, 3.0, True),
    "abs": (0.2, 3.0, True), "logistic": (-4.0, 4.0, False), "relu": (0.2, 3.0, True),
}


def _numpy_unary(name):
    """NumPy's function for a UNARY row (``logistic`` and ``relu`` have none)."""
    special = {"logistic": lambda x: 1 / (1 + np.exp(-x)), "relu": lambda x: np.maximum(x, 0.0)}
    return special.get(name) or getattr(np, name)


def _fnp_unary(name):
    return {"logistic": fnp.sigmoid, "relu": ops.relu}.get(name) or getattr(fnp, name)


def _unary_input(name, shape=(2, 3)):
    lo, hi, signed = UNARY_DOMAINS[name]
    rng = _rng("unary", name, shape)
    x = rng.uniform(lo, hi, shape)
    return x * rng.choice([-1.0, 1.0], shape) if signed else x


def test_every_unary_primitive_has_a_domain():
    assert set(UNARY_DOMAINS) == set(UNARY)


@pytest.mark.parametrize("api", ["np", "fnp"])
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_derivatives(name, api):
    x = _unary_input(name)
    fn = _numpy_unary(name) if api == "np" else _fnp_unary(name)
    _check(fn, x)
    out = fg.vjp(fn, x)[0]
    want = _numpy_unary(name)(x)
    assert out.shape == want.shape and out.dtype == want.dtype
    np.testing.assert_allclose(out, want, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name", ["sin", "exp", "log", "sqrt", "arccosh", "logistic", "abs"])
def test_unary_derivatives_of_0d_inputs(name):
    x = _unary_input(name, shape=())
    _check(_fnp_unary(name), x)
    _check(_fnp_unary(name), float(x))


@pytest.mark.parametrize("api", [np.negative, fnp.negative, operator.neg])
def test_neg(api):
    x = _rng("neg").standard_normal((2, 3))
    _check(api, x)
    np.testing.assert_array_equal(fg.vjp(api, x)[1](np.arange(6.0).reshape(2, 3))[0], -np.arange(6.0).reshape(2, 3))


# the point where each singular derivative is infinite (or not a number)
SINGULAR_POINTS = {
    "tan": np.pi / 2, "arcsin": 1.0, "arccos": -1.0, "arccosh": 1.0, "arctanh": 1.0, "log": 0.0, "log2": 0.0,
    "log10": 0.0, "log1p": -1.0, "sqrt": 0.0, "cbrt": 0.0, "reciprocal": 0.0,
}


def test_every_singular_unary_has_a_singular_point():
    assert set(SINGULAR_POINTS) == {name for name, (_, _, singular) in UNARY.items() if singular}


@pytest.mark.parametrize("name", sorted(SINGULAR_POINTS))
def test_singular_derivative_in_unselected_where_branch_stays_zero(name):
    p = SINGULAR_POINTS[name]
    fn = _fnp_unary(name)
    f = lambda x: np.sum(np.where(x == p, 0.0, fn(x)))
    x = np.array([p, UNARY_DOMAINS[name][0] + 0.3])
    g = fg.grad(f)(x)
    h = fg.hessian(f)(x)
    assert g[0] == 0.0 and np.all(h[0] == 0.0) and np.all(h[:, 0] == 0.0)
    d = fg.grad(lambda x: np.sum(fn(x)))(x[1:])
    np.testing.assert_allclose(g[1], d[0], rtol=1e-14)
    assert np.isfinite(h[1, 1])


def test_unary_known_values_are_exact():
    x = _rng("known unary").uniform(0.5, 2.0, 5)
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.sin(x)))(x), np.cos(x))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.exp(x)))(x), np.exp(x))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.cos(x)))(x), -np.sin(x))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.log(x)))(x), 1 / x)
    s = fnp.sigmoid(x)
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(fnp.sigmoid(x)))(x), s * (1 - s))
    y = np.array([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.abs(x)))(y), [-1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(abs(x)))(y), [-1.0, -1.0, 1.0, 1.0])
    np.testing.assert_array_equal(fg.hessian(lambda x: np.sum(np.abs(x)))(y), np.zeros((4, 4)))


def test_logistic_is_stable_for_large_inputs():
    x = np.array([-800.0, -30.0, 0.0, 30.0, 800.0])
    out, f_vjp = fg.vjp(fnp.sigmoid, x)
    assert np.all(np.isfinite(out)) and out[0] == 0.0 and out[-1] == 1.0 and out[2] == 0.5
    g = f_vjp(np.ones(5))[0]
    assert np.all(np.isfinite(g)) and g[2] == 0.25 and g[0] == 0.0 and g[-1] == 0.0


# ----------------------------------------------------------------------------- binary

SHAPE_PAIRS = [((3,), ()), ((), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((4, 1, 3), (2, 3)), ((2, 3), (2, 3))]
BINARY_APIS = {
    "add": (np.add, fnp.add, operator.add),
    "sub": (np.subtract, fnp.subtract, operator.sub),
    "mul": (np.multiply, fnp.multiply, operator.mul),
    "div": (np.divide, fnp.divide, operator.truediv),
    "pow": (np.power, fnp.power, operator.pow),
    "maximum": (np.maximum, fnp.maximum),
    "minimum": (np.minimum, fnp.minimum),
    **{name: (getattr(np, name), getattr(fnp, name)) for name in ("arctan2", "hypot", "logaddexp", "logaddexp2",
                                                                  "fmod", "mod")},
}
BINARY_APIS["mod"] += (operator.mod,)


def _separated(rng, sx, sy, gap=0.1):
    """Signed x, y with |x - y| >= gap wherever they meet (no ties for maximum/minimum)."""
    while True:
        x, y = rng.uniform(-2, 2, sx), rng.uniform(-2, 2, sy)
        if np.min(np.abs(np.subtract(x, y))) >= gap:
            return x, y


def _binary_inputs(name, sx, sy):
    rng = _rng("binary", name, sx, sy)
    signed = lambda s: rng.uniform(0.5, 2.0, s) * rng.choice([-1.0, 1.0], s)
    if name in ("maximum", "minimum"):
        return _separated(rng, sx, sy)
    if name == "pow":
        return rng.uniform(0.5, 2.0, sx), rng.uniform(-1.5, 2.5, sy)
    if name in ("fmod", "mod"):
        # x near k + 1/2, |y| near 1: x / y stays at least 0.2 away from every integer (the jumps)
        x = rng.integers(-3, 3, sx) + 0.5 + rng.uniform(-0.05, 0.05, sx)
        y = rng.uniform(0.95, 1.05, sy) * rng.choice([-1.0, 1.0], sy)
        q = np.divide(x, y)
        assert np.min(np.abs(q - np.round(q))) > 0.2
        return x, y
    return signed(sx), signed(sy)


def test_every_binary_primitive_is_tested():
    assert set(BINARY) <= set(BINARY_APIS)  # a new row needs a sampler in _binary_inputs and an entry above


BINARY_CASES = [
    pytest.param(name, k, sx, sy, id=f"{name}-{('np', 'fnp', 'operator')[k]}-{sx}x{sy}")
    for name, apis in BINARY_APIS.items() for k in range(len(apis)) for sx, sy in SHAPE_PAIRS
]


@pytest.mark.parametrize(("name", "k", "sx", "sy"), BINARY_CASES)
def test_binary_derivatives_with_broadcasting(name, k, sx, sy):
    fn = BINARY_APIS[name][k]
    x, y = _binary_inputs(name, sx, sy)
    _check(fn, x, y)
    out, f_vjp = fg.vjp(fn, x, y)
    want = BINARY_APIS[name][0](x, y)
    assert np.shape(out) == np.shape(want) == np.broadcast_shapes(sx, sy)
    np.testing.assert_array_equal(out, want)
    gx, gy = f_vjp(np.ones(np.shape(want)))
    assert np.shape(gx) == sx and np.shape(gy) == sy


@pytest.mark.parametrize("f", [
    lambda x: x + 2.0, lambda x: 2.0 - x, lambda x: 3.0 / x, lambda x: x / 3.0, lambda x: 2.0 ** x,
    lambda x: x ** 3, lambda x: x ** 2, lambda x: x ** -2, lambda x: x ** 0.5, lambda x: np.maximum(x, 1.0),
    lambda x: np.minimum(1.0, x), lambda x: np.arctan2(x, 2.0), lambda x: np.hypot(1.5, x),
    lambda x: np.logaddexp(x, 0.3), lambda x: np.mod(x, 0.45), lambda x: np.power(x, 3),
    lambda x: np.float_power(x, 3), lambda x: np.square(x) * np.positive(x),
], ids=["radd", "rsub", "rdiv", "div_const", "rpow", "cube", "square", "pow_neg", "pow_half", "maximum_const",
        "minimum_const", "arctan2_const", "hypot_const", "logaddexp_const", "mod_const", "np_power_int",
        "float_power", "square_positive"])
def test_binary_with_python_scalar_operand(f):
    x = _rng("scalar operand").uniform(0.6, 1.6, (2, 3))
    _check(f, x)


def test_binary_known_values_are_exact():
    rng = _rng("binary known")
    x, y = rng.uniform(0.5, 2.0, 4), rng.uniform(0.5, 2.0, 4)
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x ** 2))(x), 2 * x)
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x * x))(x), 2 * x)
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x ** 2))(np.zeros(3)), np.zeros(3))
    gx, gy = fg.grad(lambda x, y: np.sum(x * y), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, y)
    np.testing.assert_array_equal(gy, x)
    gx, gy = fg.grad(lambda x, y: np.sum(x / y), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, 1 / y, rtol=1e-15)
    np.testing.assert_allclose(gy, -x / y ** 2, rtol=1e-14)
    gx, gy = fg.grad(lambda x, y: np.sum(x ** y), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, y * x ** (y - 1), rtol=1e-14)
    np.testing.assert_allclose(gy, x ** y * np.log(x), rtol=1e-14)
    # broadcasting sums the gradient over the broadcast axes
    g = fg.grad(lambda b, m: np.sum(m + b), argnums=0)(np.zeros(3), np.ones((4, 3)))
    np.testing.assert_array_equal(g, [4.0, 4.0, 4.0])


def test_pow_at_a_zero_base_is_finite():
    gx, gy = fg.grad(lambda x, y: np.sum(x ** y), argnums=(0, 1))(np.zeros(3), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(gx, [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(gy, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(fg.grad(lambda y: np.sum(0.0 ** y))(np.array([1.0, 2.0])), [0.0, 0.0])


def test_div_by_zero_in_unselected_where_branch_stays_zero():
    x, y = np.array([1.0, 2.0, 3.0]), np.array([0.0, 2.0, 0.0])
    gx, gy = fg.grad(lambda x, y: np.sum(np.where(y != 0, x / y, 0.0)), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, [0.0, 0.5, 0.0])
    np.testing.assert_array_equal(gy, [0.0, -0.5, 0.0])


@pytest.mark.parametrize("fn", [np.maximum, np.minimum, fnp.maximum, fnp.minimum])
def test_maximum_minimum_ties_share_the_derivative(fn):
    x = np.array([-1.0, 0.5, 2.0])
    gx, gy = fg.grad(lambda x, y: np.sum(fn(x, y)), argnums=(0, 1))(x, x.copy())
    np.testing.assert_array_equal(gx, [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(gy, [0.5, 0.5, 0.5])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(fn(x, x)))(x), [1.0, 1.0, 1.0])
    _, t = fg.jvp(lambda x, y: fn(x, y), (x, x.copy()), (np.array([1.0, 2.0, 3.0]), np.array([3.0, 2.0, 1.0])))
    np.testing.assert_array_equal(t, [2.0, 2.0, 2.0])


def test_relu_gradient_is_a_step():
    x = np.array([-2.0, -0.1, 0.1, 3.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.maximum(x, 0.0)))(x), [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.minimum(x, 0.0)))(x), [1.0, 1.0, 0.0, 0.0])


# ----------------------------------------------------------------------------- select / where, clip

def _unbroadcast(g, shape):
    """Sum ``g`` down to ``shape`` (the reference for a broadcast operand's gradient)."""
    g = np.sum(g, axis=tuple(range(g.ndim - len(shape))))
    return np.sum(g, axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True).reshape(shape)


@pytest.mark.parametrize("where", [np.where, fnp.where])
@pytest.mark.parametrize(("sc", "sx", "sy"), [((2, 3), (2, 3), (2, 3)), ((2, 1), (1, 3), ()), ((3,), (2, 3), (2, 1))])
def test_where_derivatives_with_broadcasting(where, sc, sx, sy):
    rng = _rng("where", sc, sx, sy)
    c = rng.random(sc) > 0.5
    x, y = rng.standard_normal(sx), rng.standard_normal(sy)
    f = lambda x, y: where(c, np.sin(x), y * y)
    _check(f, x, y)
    np.testing.assert_array_equal(fg.vjp(f, x, y)[0], np.where(c, np.sin(x), y * y))
    shape = np.broadcast_shapes(sc, sx, sy)
    gx, gy = fg.vjp(f, x, y)[1](np.ones(shape))
    np.testing.assert_allclose(gx, _unbroadcast(np.where(c, np.cos(x), 0.0) + np.zeros(shape), sx), rtol=1e-14)
    np.testing.assert_allclose(gy, _unbroadcast(np.where(c, 0.0, 2 * y) + np.zeros(shape), sy), rtol=1e-14)


def test_where_with_traced_condition():
    rng = _rng("where traced")
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((4,))
    f = lambda x, y: np.where(x > y, x * y, np.exp(y))
    _check(f, x, y)
    gx, gy = fg.grad(lambda x, y: np.sum(f(x, y)), argnums=(0, 1))(x, y)
    m = x > y
    np.testing.assert_allclose(gx, np.where(m, y, 0.0), rtol=1e-15)
    np.testing.assert_allclose(gy, np.sum(np.where(m, x, np.exp(y)), axis=0), rtol=1e-14)
    np.testing.assert_array_equal(fg.grad(lambda c: np.sum(np.where(c > 0, 1.0, 2.0)))(x), np.zeros((3, 4)))


@pytest.mark.parametrize("clip", [
    lambda x: fnp.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0), lambda x: x.clip(-1.0, 1.0),
    lambda x: fnp.clip(x, min=-1.0, max=1.0),
], ids=["fnp", "np", "method", "fnp_keywords"])
def test_clip(clip):
    rng = _rng("clip")
    x = rng.uniform(0.05, 0.95, (3, 4)) * rng.choice([-1.0, 1.0], (3, 4)) + rng.choice([-1.0, 0.0, 1.0], (3, 4))
    assert np.min(np.abs(np.abs(x) - 1.0)) > 0.04  # away from the kinks
    _check(clip, x)
    np.testing.assert_array_equal(fg.vjp(clip, x)[0], np.clip(x, -1.0, 1.0))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(clip(x)))(x), (np.abs(x) < 1).astype(float))


def test_clip_with_traced_and_missing_bounds():
    x = np.array([-1.5, -0.5, 0.5, 2.0])
    f = lambda x, lo, hi: np.sum(fnp.clip(x, lo, hi) * np.arange(1.0, 5.0))
    gx, glo, ghi = fg.grad(f, argnums=(0, 1, 2))(x, -1.0, 1.0)
    np.testing.assert_array_equal(gx, [0.0, 2.0, 3.0, 0.0])
    assert glo == 1.0 and ghi == 4.0
    _check(lambda x, lo, hi: fnp.clip(x, lo, hi), x, np.array(-1.0), np.array(1.0))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.clip(x, None, 1.0)))(x), [1.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(np.clip(x, -1.0, None)))(x), [0.0, 1.0, 1.0, 1.0])


# ----------------------------------------------------------------------------- convert, safe_mul

def test_convert_float64_to_float32_and_back():
    x = _rng("convert").uniform(-2, 2, (2, 3))
    f = lambda x: np.sin(x.astype(np.float32)).astype(np.float64) * x
    # the float32 round trip limits the finite differences' accuracy
    _check(f, x, eps=1e-3, atol=1e-3, rtol=1e-3)
    out, t = fg.jvp(lambda x: fnp.astype(x, np.float32), (x,), (np.ones_like(x) / 3,))
    assert out.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_array_equal(t, np.full(x.shape, 1 / 3, np.float32))
    out, f_vjp = fg.vjp(lambda x: x.astype(np.float32), x)
    (g,) = f_vjp(np.full(x.shape, 0.1, np.float32))
    assert g.dtype == np.float64
    np.testing.assert_array_equal(g, np.full(x.shape, np.float32(0.1), np.float64))


def test_convert_float32_to_float64():
    x = _rng("convert32").uniform(-2, 2, (2, 3)).astype(np.float32)
    f = lambda x: np.sin(x.astype(np.float64)) * x
    _check(f, x)
    g = fg.grad(lambda x: np.sum(x.astype(np.float64) ** 2))(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, 2 * x)
    out, t = fg.jvp(lambda x: x.astype(np.float64), (x,), (np.ones_like(x),))
    assert out.dtype == np.float64 and t.dtype == np.float64


def test_convert_to_integer_or_bool_blocks_the_gradient():
    x = np.array([0.3, -1.2, 2.5])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x.astype(np.int64).astype(np.float64)))(x), np.zeros(3))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x.astype(np.int64) * x))(x), [0.0, -1.0, 2.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum((x > 0).astype(np.float64) * x))(x), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(x.astype(bool) * x))(x), [1.0, 1.0, 1.0])
    _, t = fg.jvp(lambda x: x.astype(np.int64) * x, (x,), (np.ones(3),))
    np.testing.assert_array_equal(t, [0.0, -1.0, 2.0])


@pytest.mark.parametrize(("sg", "sd"), [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (3,))])
def test_safe_mul(sg, sd):
    rng = _rng("safe_mul", sg, sd)
    g, d = rng.standard_normal(sg), rng.standard_normal(sd)
    _check(safe_mul, g, d)
    np.testing.assert_array_equal(fg.vjp(safe_mul, g, d)[0], g * d)


def test_safe_mul_keeps_zero_times_infinite_zero():
    out = safe_mul(np.array([0.0, 0.0, 2.0]), np.array([np.inf, np.nan, 3.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 6.0])
    gd = fg.grad(lambda d: np.sum(safe_mul(np.array([0.0, 2.0]), d)))(np.array([np.inf, 3.0]))
    np.testing.assert_array_equal(gd, [0.0, 2.0])


# ----------------------------------------------------------------------------- non-differentiable ops

NONDIFF_UNARY_CASES = {
    "floor": np.floor, "ceil": np.ceil, "sign": np.sign, "rint": np.rint, "trunc": np.trunc, "fix": np.fix,
    "round": np.round, "round_1": lambda x: np.round(x, 1), "around": np.around, "round_method": lambda x: x.round(),
    "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite, "signbit": np.signbit,
    "logical_not": lambda x: np.logical_not(x > 0), "invert_bool": lambda x: ~(x > 0),
    "invert": lambda x: np.invert(x.astype(np.int64)), "heaviside": lambda x: np.heaviside(x, 0.5),
}
NONDIFF_BINARY_CASES = {
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
    "greater": np.greater, "greater_equal": np.greater_equal, "==": operator.eq, "!=": operator.ne,
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
    "logical_and": lambda x, y: np.logical_and(x > 0, y > 0), "logical_or": lambda x, y: np.logical_or(x > 0, y > 0),
    "logical_xor": lambda x, y: np.logical_xor(x > 0, y > 0), "&": lambda x, y: (x > 0) & (y > 0),
    "|": lambda x, y: (x > 0) | (y > 0), "^": lambda x, y: (x > 0) ^ (y > 0),
    "floor_divide": np.floor_divide, "//": operator.floordiv,
    "bitwise_and": lambda x, y: np.bitwise_and(x.astype(np.int64), y.astype(np.int64)),
    "bitwise_or": lambda x, y: np.bitwise_or(x.astype(np.int64), y.astype(np.int64)),
    "bitwise_xor": lambda x, y: np.bitwise_xor(x.astype(np.int64), y.astype(np.int64)),
    "isclose": np.isclose,
}


def test_every_non_differentiable_primitive_is_tested():
    assert set(NONDIFF_UNARY) <= set(NONDIFF_UNARY_CASES)
    assert set(NONDIFF_BINARY) <= set(NONDIFF_BINARY_CASES)


def _nondiff_inputs(key):
    rng = _rng("nondiff", key)
    x = rng.uniform(-3, 3, (2, 4))
    x[0, 0] = 1.5  # exact halves and integers exercise rounding and the comparisons' ties
    x[1, 1] = -2.0
    if key in ("isnan", "isinf", "isfinite", "signbit"):
        x[0, 2], x[1, 2], x[1, 3] = np.nan, -np.inf, -0.0
    y = rng.uniform(-3, 3, (4,))
    y[0] = x[0, 0]
    return x, y


@pytest.mark.parametrize("name", sorted(NONDIFF_UNARY_CASES))
def test_non_differentiable_unary(name):
    f = NONDIFF_UNARY_CASES[name]
    (x, _) = _nondiff_inputs(name)
    out = fg.vjp(lambda x: f(x) * 1.0, x)[0]
    traced = fg.jvp(lambda x: (f(x), x)[0], (x,), (np.ones_like(x),))[0]
    want = f(x)
    assert np.asarray(traced).dtype == want.dtype
    np.testing.assert_array_equal(traced, want)
    np.testing.assert_array_equal(out, want * 1.0)
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(f(x) * 1.0))(x), np.zeros_like(x))
    np.testing.assert_array_equal(fg.jvp(lambda x: f(x) * 1.0, (x,), (np.ones_like(x),))[1], np.zeros_like(x))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(f(x) * x))(x), want.astype(np.float64))


@pytest.mark.parametrize("name", sorted(NONDIFF_BINARY_CASES))
def test_non_differentiable_binary(name):
    f = NONDIFF_BINARY_CASES[name]
    x, y = _nondiff_inputs(name)
    want = f(x, y)
    traced = fg.jvp(lambda x, y: f(x, y), (x, y), (np.ones_like(x), np.ones_like(y)))[0]
    assert np.asarray(traced).dtype == want.dtype
    np.testing.assert_array_equal(traced, want)
    gx, gy = fg.grad(lambda x, y: np.sum(f(x, y) * 1.0), argnums=(0, 1))(x, y)
    np.testing.assert_array_equal(gx, np.zeros_like(x))
    np.testing.assert_array_equal(gy, np.zeros_like(y))
    _, t = fg.jvp(lambda x, y: f(x, y) * 1.0, (x, y), (np.ones_like(x), np.ones_like(y)))
    np.testing.assert_array_equal(t, np.zeros(want.shape))
    np.testing.assert_array_equal(fg.grad(lambda x: np.sum(f(x, y) * x))(x), want.astype(np.float64))


# ----------------------------------------------------------------------------- jvp / vjp duality

def test_dot_product_of_jvp_and_vjp():
    """<v, J u> == <Jᵀ v, u> for a broadcasting composite of elementwise ops."""
    rng = _rng("duality")
    x, y = rng.uniform(0.5, 1.5, (4, 1, 3)), rng.uniform(0.5, 1.5, (2, 3))

    def f(x, y):
        a = np.sin(x) * y + np.maximum(x, y + 0.01) ** 2 / np.hypot(x, y)
        b = np.where(x > y, np.log1p(x * y), np.arctan2(y, x)) - fnp.sigmoid(x - y) ** y
        return a, np.tanh(b) / np.sqrt(y)

    u = (rng.standard_normal(x.shape), rng.standard_normal(y.shape))
    out, ju = fg.jvp(f, (x, y), u)
    v = tuple(rng.standard_normal(o.shape) for o in out)
    jtv = fg.vjp(f, x, y)[1](v)
    lhs = sum(np.sum(vi * ji) for vi, ji in zip(v, ju))
    rhs = sum(np.sum(ji * ui) for ji, ui in zip(jtv, u))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)
    assert abs(lhs) > 1e-3


# ----------------------------------------------------------------------------- float32

FLOAT32_CASES = {
    "sin": np.sin, "exp": np.exp, "exp2": np.exp2, "log2": lambda x: np.log2(np.abs(x)),
    "log10": lambda x: np.log10(np.abs(x)), "tanh": np.tanh, "sqrt_abs": lambda x: np.sqrt(np.abs(x)),
    "sigmoid": fnp.sigmoid, "cbrt": np.cbrt, "mul_scalar": lambda x: x * 2.0, "div_scalar": lambda x: x / 3.0,
    "cube": lambda x: x ** 3, "pow_float": lambda x: np.abs(x) ** 2.5, "rpow": lambda x: 2.0 ** x,
    "rpow_int": lambda x: 2 ** x, "maximum": lambda x: np.maximum(x, 0.5), "where": lambda x: np.where(x > 0, x, 0.0),
    "clip": lambda x: np.clip(x, -1, 1), "arctan2": lambda x: np.arctan2(x, 2.0), "hypot": lambda x: np.hypot(x, 1.0),
    "logaddexp": lambda x: np.logaddexp(x, 1.0), "logaddexp2": lambda x: np.logaddexp2(x, 1.0),
    "mod": lambda x: np.mod(x, 0.7), "reciprocal": np.reciprocal,
}


@pytest.mark.parametrize("name", sorted(FLOAT32_CASES))
def test_float32_in_float32_out_and_float32_derivatives(name):
    f = FLOAT32_CASES[name]
    x = np.array([0.3, -1.2, 2.5, 0.8], np.float32)
    out, f_vjp = fg.vjp(f, x)
    assert out.dtype == np.float32 and f(x).dtype == np.float32
    np.testing.assert_allclose(out, f(x), rtol=1e-6)
    assert f_vjp(np.ones(4, np.float32))[0].dtype == np.float32
    assert fg.jvp(f, (x,), (np.ones(4, np.float32),))[1].dtype == np.float32
    assert fg.grad(lambda x: np.sum(f(x)))(x).dtype == np.float32
    assert fg.hessian(lambda x: np.sum(f(x)))(x).dtype == np.float32
    _check(f, x)


@pytest.mark.parametrize("name", ["add", "mul", "div", "pow", "maximum", "arctan2", "hypot", "logaddexp", "fmod"])
def test_float32_binary(name):
    fn = BINARY_APIS[name][0]
    x, y = (a.astype(np.float32) for a in _binary_inputs(name, (2, 3), (3,)))
    gx, gy = fg.vjp(fn, x, y)[1](np.ones((2, 3), np.float32))
    assert fg.vjp(fn, x, y)[0].dtype == np.float32 and gx.dtype == np.float32 and gy.dtype == np.float32
    _check(fn, x, y)


def test_float32_input_promoted_by_float64_operand_gets_float32_gradient():
    x = np.array([0.5, 1.5], np.float32)
    assert fg.grad(lambda x: np.sum(x * np.ones(2)))(x).dtype == np.float32


# ----------------------------------------------------------------------------- vmap

VMAP_CASES = {
    "sin_mul": lambda x, y: np.sin(x) * y, "pow": lambda x, y: x ** y, "div": lambda x, y: x / y,
    "maximum": np.maximum, "arctan2": np.arctan2, "where": lambda x, y: np.where(x > y, x, 2 * y),
    "clip": lambda x, y: fnp.clip(x, 0.8, y), "logaddexp": np.logaddexp, "mod": lambda x, y: np.mod(x, y + 0.5),
    "astype": lambda x, y: x.astype(np.float32) * y, "safe_mul": safe_mul, "log_sub": lambda x, y: np.log(y) - x,
}
IN_AXES = [(0, None), (None, 0), (0, 0), (1, 0), (0, -1)]


def _vmap_args(in_axes):
    rng = _rng("vmap", in_axes)
    x, y = rng.uniform(0.5, 2.0, (5, 2, 3)), rng.uniform(0.5, 2.0, (5, 3))
    xs = x[0] if in_axes[0] is None else np.moveaxis(x, 0, in_axes[0])
    ys = y[0] if in_axes[1] is None else np.moveaxis(y, 0, in_axes[1])
    return xs, ys


_loop = fg.testing.vmap_loop


@pytest.mark.parametrize("in_axes", IN_AXES, ids=str)
@pytest.mark.parametrize("name", sorted(VMAP_CASES))
def test_vmap(name, in_axes):
    f = VMAP_CASES[name]
    args = _vmap_args(in_axes)
    got, want = fg.vmap(f, in_axes=in_axes)(*args), _loop(f, args, in_axes)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    argnum = 0 if in_axes[0] is not None else 1
    g = fg.grad(lambda x, y: np.sum(f(x, y) ** 2), argnums=argnum)
    got, want = fg.vmap(g, in_axes=in_axes)(*args), _loop(g, args, in_axes)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14)
