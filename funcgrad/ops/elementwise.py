"""Elementwise primitives and their derivative tables.

Each differentiable unary primitive is one row ``name: (numpy impl, d(ans, x))``:
the forward rule is ``t * d`` and the reverse rule ``g * d``. Rows whose
derivative can be infinite use :func:`safe_mul`, so that a zero cotangent (from
the unselected branch of a ``where``) stays zero instead of becoming NaN.
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.ops.util import dtype_of, ndim_of, shape_of, unbroadcast


# ----------------------------------------------------------------------------- generic rules

def _elementwise_abstract(impl):
    def abstract(*args, **params):
        shapes = [a.shape if isinstance(a, ShapedArray) else np.shape(a) for a in args]
        probes = [(a.probe() if a.weak else np.ones((), a.dtype)) if isinstance(a, ShapedArray) else a for a in args]
        with np.errstate(all="ignore"):
            dtype = np.asarray(impl(*probes, **params)).dtype
        return ShapedArray(np.broadcast_shapes(*shapes), dtype)

    return abstract


def batch_elementwise(prim):
    """vmap rule for a broadcasting elementwise primitive: batch axis to the front."""

    def rule(axis_size, args, dims, **params):
        from funcgrad.ops.shape import moveaxis, reshape

        out_rank = max(ndim_of(a) - (d is not None) for a, d in zip(args, dims))
        new = []
        for a, d in zip(args, dims):
            if d is not None:
                if d != 0:
                    a = moveaxis(a, d, 0)
                shape = shape_of(a)
                if len(shape) - 1 < out_rank:
                    a = reshape(a, shape=(shape[0],) + (1,) * (out_rank - len(shape) + 1) + shape[1:])
            new.append(a)
        return prim(*new, **params), 0

    return rule


def elementwise(name: str, impl, differentiable: bool = True) -> Primitive:
    prim = Primitive(name, impl, kind="elementwise", differentiable=differentiable,
                     abstract=_elementwise_abstract(impl))
    prim.def_batch(batch_elementwise(prim))
    return prim


# ----------------------------------------------------------------------------- safe product

def _safe_mul_impl(g, d):
    out = np.multiply(g, d)
    zero = np.equal(g, 0)
    if np.any(zero):
        out = np.where(zero, np.zeros((), out.dtype), out)
    return out


safe_mul = elementwise("safe_mul", _safe_mul_impl)
safe_mul.scalar_form = "(0.0 if {0} == 0 else {0} * {1})"
safe_mul.def_jvp(lambda t, ans, g, d: safe_mul(t, d), lambda t, ans, g, d: safe_mul(g, t))
safe_mul.def_vjp(lambda ct, ans, g, d: unbroadcast(safe_mul(ct, d), shape_of(g)),
                 lambda ct, ans, g, d: unbroadcast(safe_mul(g, ct), shape_of(d)))


# ----------------------------------------------------------------------------- unary

def _logistic(x):
    e = np.exp(-np.abs(x))
    return np.where(np.greater_equal(x, 0), 1 / (1 + e), e / (1 + e)).astype(np.result_type(x, 1.0), copy=False)


# Python floats, so that float32 derivatives stay float32 (an np.float64 would promote them).
_LN2, _LN10 = float(np.log(2.0)), float(np.log(10.0))

# name: (impl, derivative(ans, x), derivative may be infinite)
UNARY = {
    "sin": (np.sin, lambda ans, x: cos(x), False),
    "cos": (np.cos, lambda ans, x: -sin(x), False),
    "tan": (np.tan, lambda ans, x: 1 + ans * ans, True),
    "arcsin": (np.arcsin, lambda ans, x: 1 / sqrt(1 - x * x), True),
    "arccos": (np.arccos, lambda ans, x: -1 / sqrt(1 - x * x), True),
    "arctan": (np.arctan, lambda ans, x: 1 / (1 + x * x), False),
    "sinh": (np.sinh, lambda ans, x: cosh(x), False),
    "cosh": (np.cosh, lambda ans, x: sinh(x), False),
    "tanh": (np.tanh, lambda ans, x: 1 - ans * ans, False),
    "arcsinh": (np.arcsinh, lambda ans, x: 1 / sqrt(x * x + 1), False),
    "arccosh": (np.arccosh, lambda ans, x: 1 / sqrt(x * x - 1), True),
    "arctanh": (np.arctanh, lambda ans, x: 1 / (1 - x * x), True),
    "exp": (np.exp, lambda ans, x: ans, False),
    "exp2": (np.exp2, lambda ans, x: ans * _LN2, False),
    "expm1": (np.expm1, lambda ans, x: ans + 1, False),
    "log": (np.log, lambda ans, x: 1 / x, True),
    "log2": (np.log2, lambda ans, x: 1 / (x * _LN2), True),
    "log10": (np.log10, lambda ans, x: 1 / (x * _LN10), True),
    "log1p": (np.log1p, lambda ans, x: 1 / (1 + x), True),
    "sqrt": (np.sqrt, lambda ans, x: 0.5 / ans, True),
    "cbrt": (np.cbrt, lambda ans, x: 1 / (3 * ans * ans), True),
    "reciprocal": (lambda x: np.reciprocal(x) if np.issubdtype(dtype_of(x), np.inexact) else np.true_divide(1, x),
                   lambda ans, x: -(ans * ans), True),
    "abs": (np.abs, lambda ans, x: sign(x), False),
    "logistic": (_logistic, lambda ans, x: ans * (1 - ans), False),
    # sign(ans), not a constant mask, so that a graph-building backward still depends on x (as in PyTorch)
    "relu": (lambda x: np.maximum(x, np.zeros((), dtype_of(x))), lambda ans, x: sign(ans), False),
}

NONDIFF_UNARY = {
    "sign": np.sign, "floor": np.floor, "ceil": np.ceil, "rint": np.rint, "trunc": np.trunc,
    "logical_not": np.logical_not, "isnan": np.isnan, "isinf": np.isinf, "isfinite": np.isfinite,
    "signbit": np.signbit, "invert": np.invert,
}


def _unary_rules(prim, deriv, singular):
    if singular:
        prim.def_jvp(lambda t, ans, x: safe_mul(t, deriv(ans, x)))
        prim.def_vjp(lambda g, ans, x: safe_mul(g, deriv(ans, x)))
    else:
        prim.def_jvp(lambda t, ans, x: t * deriv(ans, x))
        prim.def_vjp(lambda g, ans, x: g * deriv(ans, x))


def _define_unary(name):
    impl, deriv, singular = UNARY[name]
    prim = elementwise(name, impl)
    _unary_rules(prim, deriv, singular)
    return prim


(
    sin, cos, tan, arcsin, arccos, arctan, sinh, cosh, tanh, arcsinh, arccosh, arctanh, exp, exp2,
    expm1, log, log2, log10, log1p, sqrt, cbrt, reciprocal, abs, logistic, relu,
) = map(_define_unary, UNARY)
(
    sign, floor, ceil, rint, trunc, logical_not, isnan, isinf, isfinite, signbit, invert,
) = (
    elementwise(name, impl, differentiable=False) for name, impl in NONDIFF_UNARY.items())


def _complex_aware(real_rule, which):
    """``abs``'s rule, or for a complex input the modulus rule of :mod:`funcgrad.ops.complex`."""

    def rule(t, ans, x):
        if dtype_of(x).kind == "c":
            from funcgrad.ops.complex import complex_abs

            return getattr(complex_abs, which)[0](t, ans, x)
        return real_rule(t, ans, x)

    return rule


abs.def_jvp(_complex_aware(abs.jvp[0], "jvp"))
abs.def_vjp(_complex_aware(abs.vjp[0], "vjp"))


def _zero_cotangent(g, ans, x, **params):
    return np.zeros(shape_of(x), dtype_of(x))


# Piecewise-constant: never recorded by the functional transforms (not differentiable), but an
# autograd tensor records them, as PyTorch does, with this zero derivative.
for _p in (sign, floor, ceil, rint, trunc):
    _p.def_vjp(_zero_cotangent)

neg = elementwise("neg", np.negative)
neg.def_jvp(lambda t, ans, x: neg(t))
neg.def_vjp(lambda g, ans, x: neg(g))

round = elementwise("round", lambda x, decimals=0: np.round(x, decimals), differentiable=False)
round.def_vjp(_zero_cotangent)

stop_gradient = elementwise("stop_gradient", lambda x: x, differentiable=False)


def _convert_impl(x, dtype):
    return np.asarray(x).astype(dtype, copy=False) if np.ndim(x) else np.asarray(x, dtype=dtype)[()]


convert = elementwise("convert", _convert_impl)
convert.def_jvp(lambda t, ans, x, dtype: convert(t, dtype=dtype) if np.issubdtype(dtype, np.inexact) else None)
convert.def_vjp(lambda g, ans, x, dtype:  # no cotangent flows back through an integer or bool result
                convert(g, dtype=dtype_of(x))
                if np.issubdtype(dtype_of(x), np.inexact) and np.issubdtype(dtype, np.inexact) else None)


# ----------------------------------------------------------------------------- binary

add = elementwise("add", np.add)
add.def_jvp(lambda t, ans, x, y: t, lambda t, ans, x, y: t)
add.def_vjp(lambda g, ans, x, y: unbroadcast(g, shape_of(x)),
            lambda g, ans, x, y: unbroadcast(g, shape_of(y)))

sub = elementwise("sub", np.subtract)
sub.def_jvp(lambda t, ans, x, y: t, lambda t, ans, x, y: neg(t))
sub.def_vjp(lambda g, ans, x, y: unbroadcast(g, shape_of(x)),
            lambda g, ans, x, y: unbroadcast(neg(g), shape_of(y)))

mul = elementwise("mul", np.multiply)
mul.def_jvp(lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
mul.def_vjp(lambda g, ans, x, y: unbroadcast(g * y, shape_of(x)),
            lambda g, ans, x, y: unbroadcast(x * g, shape_of(y)))

div = elementwise("div", np.true_divide)


def _over(t, y):
    """``t / y``, keeping a zero ``t`` zero where ``y`` may vanish."""
    if isinstance(y, int | float | np.generic) and y != 0:
        return t / y
    return safe_mul(t, 1 / y)


div.def_jvp(lambda t, ans, x, y: _over(t, y), lambda t, ans, x, y: safe_mul(neg(t), ans / y))
div.def_vjp(lambda g, ans, x, y: unbroadcast(_over(g, y), shape_of(x)),
            lambda g, ans, x, y: unbroadcast(safe_mul(neg(g), ans / y), shape_of(y)))


def power_const(x, n):
    """``x ** n``, written as a product for the small exponents derivatives produce."""
    if isinstance(n, int | float) and not isinstance(n, bool):
        if n == 1:
            return x
        if n == 2:
            return x * x
    return pow(x, n)


def _pow_d0(ans, x, y):
    """``y x^(y-1)``, and 0 where ``y == 0`` (``x^0`` is constant, also at ``x = 0``, where ``0 x^-1`` is nan)."""
    if isinstance(y, int | float | np.generic) and not isinstance(y, bool):
        return 0.0 if y == 0 else y * power_const(x, y - 1)
    return select(y == 0, 0.0, y * power_const(x, select(y == 0, 1, y) - 1))


def _pow_d1(ans, x, y):
    if isinstance(x, int | float):  # keep a Python base weak: a 0-d float64 log would promote float32
        with np.errstate(invalid="ignore", divide="ignore"):
            return ans * (float(np.log(x)) if x != 0 else 0.0)
    return ans * log(select(x == 0, 1, x))


pow = elementwise("pow", np.power)
pow.def_jvp(lambda t, ans, x, y: safe_mul(t, _pow_d0(ans, x, y)),
            lambda t, ans, x, y: safe_mul(t, _pow_d1(ans, x, y)))
pow.def_vjp(lambda g, ans, x, y: unbroadcast(safe_mul(g, _pow_d0(ans, x, y)), shape_of(x)),
            lambda g, ans, x, y: unbroadcast(safe_mul(g, _pow_d1(ans, x, y)), shape_of(y)))


def _balanced(g, x, ans, y):
    """The share of ``g`` that ``x`` gets in ``max``/``min``: all of it, or half at a tie."""
    return select(x == ans, select(x == y, g * 0.5, g), 0)


maximum = elementwise("maximum", np.maximum)
minimum = elementwise("minimum", np.minimum)
for _p in (maximum, minimum):
    _p.def_jvp(lambda t, ans, x, y: _balanced(t, x, ans, y), lambda t, ans, x, y: _balanced(t, y, ans, x))
    _p.def_vjp(lambda g, ans, x, y: unbroadcast(_balanced(g, x, ans, y), shape_of(x)),
               lambda g, ans, x, y: unbroadcast(_balanced(g, y, ans, x), shape_of(y)))

BINARY = {
    # name: (impl, d/dx(ans, x, y), d/dy(ans, x, y))
    "arctan2": (np.arctan2, lambda ans, x, y: y / (x * x + y * y), lambda ans, x, y: -x / (x * x + y * y)),
    "hypot": (np.hypot, lambda ans, x, y: x / ans, lambda ans, x, y: y / ans),
    "logaddexp": (np.logaddexp, lambda ans, x, y: exp(x - ans), lambda ans, x, y: exp(y - ans)),
    "logaddexp2": (np.logaddexp2, lambda ans, x, y: exp2(x - ans), lambda ans, x, y: exp2(y - ans)),
    "fmod": (np.fmod, lambda ans, x, y: 1, lambda ans, x, y: -trunc(x / y)),
    "mod": (np.mod, lambda ans, x, y: 1, lambda ans, x, y: -floor(x / y)),
}


def _binary_rules(prim, d0, d1):
    prim.def_jvp(lambda t, ans, x, y: safe_mul(t, d0(ans, x, y)), lambda t, ans, x, y: safe_mul(t, d1(ans, x, y)))
    prim.def_vjp(lambda g, ans, x, y: unbroadcast(safe_mul(g, d0(ans, x, y)), shape_of(x)),
                 lambda g, ans, x, y: unbroadcast(safe_mul(g, d1(ans, x, y)), shape_of(y)))


def _define_binary(name):
    impl, d0, d1 = BINARY[name]
    prim = elementwise(name, impl)
    _binary_rules(prim, d0, d1)
    return prim


(
    arctan2, hypot, logaddexp, logaddexp2, fmod, mod,
) = map(_define_binary, BINARY)

NONDIFF_BINARY = {
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less, "less_equal": np.less_equal,
    "greater": np.greater, "greater_equal": np.greater_equal, "logical_and": np.logical_and,
    "logical_or": np.logical_or, "logical_xor": np.logical_xor, "floor_divide": np.floor_divide,
    "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor,
}
(
    equal, not_equal, less, less_equal, greater, greater_equal, logical_and, logical_or, logical_xor,
    floor_divide, bitwise_and, bitwise_or, bitwise_xor,
) = (
    elementwise(name, impl, differentiable=False) for name, impl in NONDIFF_BINARY.items())


# ----------------------------------------------------------------------------- select

select = elementwise("select", np.where)
select.def_jvp(None,
               lambda t, ans, c, x, y: select(c, t, 0),
               lambda t, ans, c, x, y: select(c, 0, t))
select.def_vjp(None,
               lambda g, ans, c, x, y: unbroadcast(select(c, g, 0), shape_of(x)),
               lambda g, ans, c, x, y: unbroadcast(select(c, 0, g), shape_of(y)))

# ----------------------------------------------------------------------------- Bessel functions I0, I1

# Chebyshev coefficients of Cephes' i1.c (highest degree first): exp(-x) I1(x) / x on [0, 8], and
# exp(-x) sqrt(x) I1(x) on (8, inf). NumPy's own i0 uses the matching tables of i0.c.
_I1_A = (
    2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16,
    -1.10559694773538630805e-15, 7.60068429473540693410e-15, -5.04218550472791168711e-14,
    3.22379336594557470981e-13, -1.98397439776494371520e-12, 1.17361862988909016308e-11,
    -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.88724975172282928790e-9,
    9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7,
    -8.56872026469545474066e-7, 3.47025130813767847674e-6, -1.32731636560394358279e-5,
    4.78156510755005422638e-5, -1.61760815825896745588e-4, 5.12285956168575772895e-4,
    -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
    2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1,
    -1.76416518357834055153e-1, 2.52587186443633654823e-1,
)
_I1_B = (
    7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17,
    -3.20952592199342395980e-17, 2.96262899764595013876e-16, 3.30820231092092828324e-16,
    -1.88035477551078244854e-15, -3.81440307243700780478e-15, 1.04202769841288027642e-14,
    4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
    -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11,
    3.25260358301548823856e-11, -1.89749581235054123450e-11, -5.58974346219658380687e-10,
    -3.83538038596423702205e-9, -2.63146884688951950684e-8, -2.51223623787020892529e-7,
    -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
    7.78576235018280120474e-1,
)


def _chbevl(t, coeffs):
    b0, b1, b2 = np.full_like(t, coeffs[0]), np.zeros_like(t), np.zeros_like(t)
    for c in coeffs[1:]:
        b2, b1 = b1, b0
        b0 = t * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _i1_impl(x):
    """The modified Bessel function of the first kind of order one (Cephes' ``i1``)."""
    x = np.asarray(x)
    dtype = np.result_type(x, np.float32) if x.dtype.kind == "f" else np.float64
    z = np.abs(x.astype(np.float64))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        small = _chbevl(np.minimum(z, 8.0) / 2.0 - 2.0, _I1_A) * z
        zl = np.maximum(z, 8.0)
        large = _chbevl(32.0 / zl - 2.0, _I1_B) / np.sqrt(zl)
        out = np.where(z <= 8.0, small, large) * np.exp(z)
    out = np.where(x < 0, -out, out).astype(dtype)
    return out if out.ndim else out[()]


def _i0_impl(x):
    x = np.asarray(x)
    out = np.i0(x).astype(np.result_type(x, np.float32) if x.dtype.kind == "f" else np.float64)
    return out if out.ndim else out[()]


i0 = elementwise("i0", _i0_impl)
i1 = elementwise("i1", _i1_impl)


def _i1_d(ans, x):
    """``I1'(x) = I0(x) - I1(x) / x``, with its limit ``1/2`` at ``x = 0``."""
    zero = x == 0
    return select(zero, 0.5, i0(x) - ans / select(zero, 1, x))


i0.def_jvp(lambda t, ans, x: t * i1(x))
i0.def_vjp(lambda g, ans, x: g * i1(x))
i1.def_jvp(lambda t, ans, x: t * _i1_d(ans, x))
i1.def_vjp(lambda g, ans, x: g * _i1_d(ans, x))


# ----------------------------------------------------------------------------- frexp

def _frexp_exponent_impl(x):
    return np.frexp(x)[1]


frexp_exponent = elementwise("frexp_exponent", _frexp_exponent_impl, differentiable=False)


# ----------------------------------------------------------------------------- integers, bits and ulps (no derivative)

gcd = elementwise("gcd", np.gcd, differentiable=False)
lcm = elementwise("lcm", np.lcm, differentiable=False)
left_shift = elementwise("left_shift", np.left_shift, differentiable=False)
right_shift = elementwise("right_shift", np.right_shift, differentiable=False)
nextafter = elementwise("nextafter", np.nextafter, differentiable=False)
spacing = elementwise("spacing", np.spacing, differentiable=False)
bitwise_count = elementwise("bitwise_count", np.bitwise_count, differentiable=False)

del _p


# ----------------------------------------------------------------------------- scalar forms
# What a kernel generator emits for one element: a Python expression over the inputs {0}, {1}, ...
# using operators and ``np.<ufunc>`` on scalars (valid in NumPy and in numba alike). Results are
# cast to the output's dtype by the generator, so float32 arithmetic rounds as NumPy's does.

_OPERATOR_FORMS = {
    "add": "({0} + {1})", "sub": "({0} - {1})", "mul": "({0} * {1})", "div": "({0} / {1})", "neg": "(-{0})",
    "pow": "({0} ** {1})", "equal": "({0} == {1})", "not_equal": "({0} != {1})", "less": "({0} < {1})",
    "less_equal": "({0} <= {1})", "greater": "({0} > {1})", "greater_equal": "({0} >= {1})",
    "logical_and": "({0} and {1})", "logical_or": "({0} or {1})", "logical_not": "(not {0})",
    "select": "({1} if {0} else {2})", "stop_gradient": "{0}", "logistic": "(1.0 / (1.0 + np.exp(-{0})))",
    "relu": "({0} if {0} > 0 or {0} != {0} else 0.0)", "reciprocal": "(1.0 / {0})",
}
_UFUNC_FORMS = (
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
    "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "cbrt", "abs", "sign", "floor", "ceil",
    "rint", "trunc", "isnan", "isinf", "isfinite", "maximum", "minimum", "arctan2", "hypot", "logaddexp",
    "logaddexp2",
)
for _name, _form in _OPERATOR_FORMS.items():
    globals()[_name].scalar_form = _form
for _name in _UFUNC_FORMS:
    _arity = 2 if _name in BINARY or _name in ("maximum", "minimum") else 1
    globals()[_name].scalar_form = f"np.{_name}(" + ", ".join(f"{{{i}}}" for i in range(_arity)) + ")"
del _name, _form, _arity
