"""Elementwise functions and ufuncs: ``sin``, ``add``, ``where``, ``clip``, ..."""

from __future__ import annotations

import typing as _typing

import numpy as _np

from funcgrad import ops
from funcgrad.numpy._base import _arr, _is_traced, _no, astype
from funcgrad.numpy.constants import float64, pi
from funcgrad.ops.util import dtype_of, shape_of

if _typing.TYPE_CHECKING:
    from typing import Any

__all__ = ["abs", "absolute", "add", "angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "around", "bitwise_and", "bitwise_count", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "cbrt", "ceil", "clip", "conj", "conjugate", "copysign", "cos", "cosh", "deg2rad", "degrees",
    "divide", "divmod", "equal", "exp", "exp2", "expm1", "fabs", "fix", "float_power", "floor", "floor_divide",
    "fmax", "fmin", "fmod", "frexp", "gcd", "greater", "greater_equal", "heaviside", "hypot", "i0", "imag", "invert",
    "iscomplex", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "lcm", "ldexp", "left_shift", "less",
    "less_equal", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2", "logical_and", "logical_not",
    "logical_or", "logical_xor", "maximum", "minimum", "mod", "modf", "multiply", "nan_to_num", "negative",
    "nextafter", "not_equal", "piecewise", "positive", "power", "rad2deg", "radians", "real", "real_if_close",
    "reciprocal", "remainder", "right_shift", "rint", "round", "select", "sigmoid", "sign", "signbit", "sin", "sinh",
    "spacing", "sqrt", "square", "subtract", "tan", "tanh", "true_divide", "trunc", "where"]


def _unary(prim, name=None):
    def fn(x, /, out=None, *, where=None, dtype=None, **kwargs):
        _no(name or prim.name, out=out, where=where)
        r = prim(_arr(x))
        return r if dtype is None else astype(r, dtype)

    fn.__name__ = name or prim.name
    fn.__doc__ = f"Elementwise ``numpy.{fn.__name__}``, traceable.\n\n" + _example(fn.__name__, 1)
    fn.primitive = prim
    return fn


def _binary(prim, name=None):
    def fn(x, y, /, out=None, *, where=None, dtype=None, **kwargs):
        _no(name or prim.name, out=out, where=where)
        r = prim(_arr(x), _arr(y))
        return r if dtype is None else astype(r, dtype)

    fn.__name__ = name or prim.name
    fn.__doc__ = f"Elementwise ``numpy.{fn.__name__}``, traceable.\n\n" + _example(fn.__name__, 2)
    fn.primitive = prim
    return fn


# example inputs of the generated functions: floats in their domain, integers or booleans where NumPy wants them
_INTEGER = ("bitwise_and", "bitwise_or", "bitwise_xor", "invert", "gcd", "lcm", "left_shift", "right_shift",
            "bitwise_count")
_BOOLEAN = ("logical_and", "logical_or", "logical_xor", "logical_not")


def _example(name, arity):
    """A doctest comparing ``fnp.<name>`` with ``np.<name>`` (and, where it is differentiable, a derivative)."""
    x = ("np.array([3, 5])" if name in _INTEGER else "np.array([True, False])" if name in _BOOLEAN
         else "np.array([1.5, 2.5])" if name == "arccosh" else "np.array([0.25, 0.5])")
    args = ", ".join([x] * arity) if arity == 1 or name in _INTEGER + _BOOLEAN else f"{x}, np.array([0.75, 2.0])"
    return (f"    >>> bool(np.array_equal(fnp.{name}({args}), np.{name}({args}), equal_nan=True))\n"
            f"    True\n")


sin = _unary(ops.sin)
cos = _unary(ops.cos)
tan = _unary(ops.tan)
arcsin = _unary(ops.arcsin)
arccos = _unary(ops.arccos)
arctan = _unary(ops.arctan)
sinh = _unary(ops.sinh)
cosh = _unary(ops.cosh)
tanh = _unary(ops.tanh)
arcsinh = _unary(ops.arcsinh)
arccosh = _unary(ops.arccosh)
arctanh = _unary(ops.arctanh)
exp = _unary(ops.exp)
exp2 = _unary(ops.exp2)
expm1 = _unary(ops.expm1)
log = _unary(ops.log)
log2 = _unary(ops.log2)
log10 = _unary(ops.log10)
log1p = _unary(ops.log1p)
sqrt = _unary(ops.sqrt)
cbrt = _unary(ops.cbrt)
sign = _unary(ops.sign)
floor = _unary(ops.floor)
ceil = _unary(ops.ceil)
rint = _unary(ops.rint)
trunc = _unary(ops.trunc)
logical_not = _unary(ops.logical_not)
isnan = _unary(ops.isnan)
isinf = _unary(ops.isinf)
isfinite = _unary(ops.isfinite)
signbit = _unary(ops.signbit)
arctan2 = _binary(ops.arctan2)
hypot = _binary(ops.hypot)
logaddexp = _binary(ops.logaddexp)
logaddexp2 = _binary(ops.logaddexp2)
fmod = _binary(ops.fmod)
mod = _binary(ops.mod)
maximum = _binary(ops.maximum)
minimum = _binary(ops.minimum)
equal = _binary(ops.equal)
not_equal = _binary(ops.not_equal)
less = _binary(ops.less)
less_equal = _binary(ops.less_equal)
greater = _binary(ops.greater)
greater_equal = _binary(ops.greater_equal)
logical_and = _binary(ops.logical_and)
logical_or = _binary(ops.logical_or)
logical_xor = _binary(ops.logical_xor)
floor_divide = _binary(ops.floor_divide)
bitwise_and = _binary(ops.bitwise_and)
bitwise_or = _binary(ops.bitwise_or)
bitwise_xor = _binary(ops.bitwise_xor)
gcd = _binary(ops.gcd)
lcm = _binary(ops.lcm)
left_shift = bitwise_left_shift = _binary(ops.left_shift)
right_shift = bitwise_right_shift = _binary(ops.right_shift)
nextafter = _binary(ops.nextafter)
spacing = _unary(ops.spacing)
bitwise_count = _unary(ops.bitwise_count)

absolute = abs = fabs = _unary(ops.abs)
negative = _unary(ops.neg, "negative")
add = _binary(ops.add)
subtract = _binary(ops.sub, "subtract")
multiply = _binary(ops.mul, "multiply")
true_divide = divide = _binary(ops.div, "divide")
remainder = mod
fix = trunc


def reciprocal(x, /, out=None, **kw):
    """Elementwise ``1 / x``.

    >>> fnp.reciprocal(np.array([2.0, 4.0])).tolist()
    [0.5, 0.25]
    """
    _no("reciprocal", out=out)
    return ops.reciprocal(_arr(x))


def positive(x, /, out=None, **kw):
    """``numpy.positive``: the input.

    >>> fnp.positive(np.array([1.0, -2.0])).tolist()
    [1.0, -2.0]
    """
    _no("positive", out=out)
    return _arr(x)


def square(x, /, out=None, **kw):
    """Elementwise ``x * x``.

    >>> float(fg.grad(fnp.square)(3.0))
    6.0
    """
    _no("square", out=out)
    x = _arr(x)
    return ops.mul(x, x)


def power(x, y, /, out=None, **kw):
    """Elementwise ``x ** y``; small constant exponents become products.

    >>> float(fg.grad(lambda x: fnp.power(x, 3))(2.0))
    12.0
    """
    _no("power", out=out)
    x, y = _arr(x), _arr(y)
    if isinstance(y, int | float) and y in (1, 2) and _is_traced(x):
        return ops.power_const(x, y)
    return ops.pow(x, y)


def float_power(x, y, /, out=None, **kw):
    """``numpy.float_power``: ``x ** y`` in float64.

    >>> fnp.float_power(np.array([2.0, 3.0], np.float32), 2).dtype
    dtype('float64')
    """
    return power(astype(x, float64), astype(y, float64) if _is_traced(y) or isinstance(y, _np.ndarray) else float(y))


def deg2rad(x, /, out=None, **kw):
    """``numpy.deg2rad`` (``numpy.radians``).

    >>> float(fnp.deg2rad(180.0))
    3.141592653589793
    """
    return _arr(x) * (pi / 180)


def rad2deg(x, /, out=None, **kw):
    """``numpy.rad2deg`` (``numpy.degrees``).

    >>> float(fnp.rad2deg(np.pi))
    180.0
    """
    return _arr(x) * (180 / pi)


radians, degrees = deg2rad, rad2deg


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, computed stably.

    >>> float(fnp.sigmoid(0.0))
    0.5
    """
    return ops.logistic(_arr(x))


def fmax(x, y, /, out=None, **kw):
    """Elementwise maximum that ignores NaN.

    >>> fnp.fmax(np.array([1.0, np.nan]), np.array([2.0, 0.5])).tolist()
    [2.0, 0.5]
    """
    x, y = _arr(x), _arr(y)
    return where(isnan(y), x, where(isnan(x), y, maximum(x, y)))


def fmin(x, y, /, out=None, **kw):
    """Elementwise minimum that ignores NaN.

    >>> fnp.fmin(np.array([1.0, np.nan]), np.array([2.0, 0.5])).tolist()
    [1.0, 0.5]
    """
    x, y = _arr(x), _arr(y)
    return where(isnan(y), x, where(isnan(x), y, minimum(x, y)))


def round(a, decimals=0, out=None):
    """``numpy.round``: zero derivative.

    >>> fnp.round(np.array([0.26, 1.5]), 1).tolist()
    [0.3, 1.5]
    """
    _no("round", out=out)
    return ops.round(_arr(a), decimals=decimals)


around = round


def invert(x, /, out=None, **kw):
    """``numpy.invert`` (bitwise not; logical not of booleans).

    >>> fnp.invert(np.array([True, False])).tolist()
    [False, True]
    """
    x = _arr(x)
    return ops.logical_not(x) if dtype_of(x) == _np.bool_ else ops.invert(x)


def where(condition, x=None, y=None, /):
    """``numpy.where``: select between ``x`` and ``y``; a zero cotangent stays zero.

    >>> fnp.where(np.array([True, False]), 1.0, np.array([2.0, 3.0])).tolist()
    [1.0, 3.0]
    """
    if x is None and y is None:
        from funcgrad.numpy.indexing import nonzero  # indexing builds on this module

        return nonzero(condition)
    return ops.select(_arr(condition), _arr(x), _arr(y))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kw):
    """``numpy.clip``: derivative 1 inside the interval, 0 outside.

    >>> fg.grad(lambda x: fnp.sum(fnp.clip(x, 0.0, 1.0)))(np.array([-1.0, 0.5, 2.0])).tolist()
    [0.0, 1.0, 0.0]
    """
    _no("clip", out=out)
    a_min = min if a_min is None else a_min
    a_max = max if a_max is None else a_max
    a = _arr(a)
    if a_min is not None:
        a = ops.maximum(a, _arr(a_min))
    if a_max is not None:
        a = ops.minimum(a, _arr(a_max))
    return a


def heaviside(x, h0, /, **kw):
    """``numpy.heaviside`` (piecewise constant: derivative 0).

    >>> fnp.heaviside(np.array([-1.0, 0.0, 2.0]), 0.5).tolist()
    [0.0, 0.5, 1.0]
    """
    x = _arr(x)
    return where(ops.greater(x, 0), 1.0, where(ops.equal(x, 0), h0, 0.0))


def _real_only(name, x):
    x = _arr(x)
    if _np.issubdtype(dtype_of(x), _np.complexfloating):
        raise TypeError(f"funcgrad.numpy.{name}: complex input is not supported (funcgrad differentiates real "
                        f"arrays); pass the real and imaginary parts as separate real arrays")
    return x


def copysign(x1: Any, x2: Any, /, out: Any = None, **kw: Any) -> Any:
    """``numpy.copysign``: ``|x1|`` with the sign of ``x2``; derivative ``±1`` in ``x1``, ``0`` in ``x2``.

    >>> copysign(_np.array([1.0, -2.0]), -1.0).tolist()
    [-1.0, -2.0]
    """
    _no("copysign", out=out)
    x1, x2 = _real_only("copysign", x1), _real_only("copysign", x2)
    x1 = astype(x1, _np.result_type(*[v if isinstance(v, int | float) else dtype_of(v) for v in (x1, x2)], 1.0))
    return where(ops.equal(ops.signbit(x1), ops.signbit(x2)), x1, ops.neg(x1))


def ldexp(x1: Any, x2: Any, /, out: Any = None, **kw: Any) -> Any:
    """``numpy.ldexp``: ``x1 * 2**x2`` for integer ``x2`` (derivative in ``x1`` only).

    >>> float(ldexp(3.0, 2))
    12.0
    """
    _no("ldexp", out=out)
    x1, x2 = _real_only("ldexp", x1), _arr(x2)
    if not _np.issubdtype(dtype_of(x2), _np.integer):
        raise TypeError("funcgrad.numpy.ldexp: the exponent x2 must be an integer array or int, "
                        f"not {dtype_of(x2)}; use x1 * 2.0 ** x2 for a float exponent")
    if not _np.issubdtype(dtype_of(x1), _np.floating):
        x1 = astype(x1, float64)
    if _is_traced(x2):
        return ops.mul(x1, ops.exp2(astype(x2, dtype_of(x1))))
    return ops.mul(x1, _np.ldexp(_np.ones((), dtype_of(x1)), x2))


def frexp(x: Any, /, out: Any = None, **kw: Any) -> Any:
    """``numpy.frexp``: ``(mantissa, exponent)`` with ``x = mantissa * 2**exponent``; the mantissa's
    derivative is ``2**-exponent``, the exponent has none.

    >>> [v.tolist() for v in frexp(_np.array([8.0, -0.75]))]
    [[0.5, -0.75], [4, 0]]
    """
    _no("frexp", out=out)
    x = _real_only("frexp", x)
    if not _np.issubdtype(dtype_of(x), _np.floating):
        x = astype(x, float64)
    e = ops.frexp_exponent(x)
    return ldexp(x, ops.neg(e)), e


def modf(x: Any, /, out: Any = None, **kw: Any) -> Any:
    """``numpy.modf``: ``(fractional part, integral part)``; derivatives ``1`` and ``0``.

    >>> [v.tolist() for v in modf(_np.array([2.5, -1.25]))]
    [[0.5, -0.25], [2.0, -1.0]]
    """
    _no("modf", out=out)
    x = _real_only("modf", x)
    if not _np.issubdtype(dtype_of(x), _np.floating):
        x = astype(x, float64)
    whole = ops.trunc(x)
    return where(ops.isinf(x), copysign(_np.zeros((), dtype_of(x)), x), ops.sub(x, whole)), whole


def i0(x: Any) -> Any:
    """``numpy.i0``, the modified Bessel function of order 0; its derivative is ``I1``.

    >>> print(f"{float(i0(1.0)):.6f}")
    1.266066
    """
    x = _real_only("i0", x)
    return ops.i0(x)


def real(val: Any) -> Any:
    """``numpy.real`` of a real array: the array itself.

    >>> real(_np.array([1.0, -2.0])).tolist()
    [1.0, -2.0]
    """
    if _np.issubdtype(dtype_of(val), _np.complexfloating):
        from funcgrad.numpy import _complex

        return _complex.real(val)
    return _real_only("real", val)


def imag(val: Any) -> Any:
    """``numpy.imag`` of a real array: zeros (no derivative).

    >>> imag(_np.array([1.0, -2.0])).tolist()
    [0.0, 0.0]
    """
    if _np.issubdtype(dtype_of(val), _np.complexfloating):
        from funcgrad.numpy import _complex

        return _complex.imag(val)
    val = _real_only("imag", val)
    return _np.zeros(shape_of(val), dtype_of(val))


def conjugate(x: Any, /, out: Any = None, **kw: Any) -> Any:
    """``numpy.conjugate`` of a real array: the array itself.

    >>> conjugate(_np.array([1.0, -2.0])).tolist()
    [1.0, -2.0]
    """
    if _np.issubdtype(dtype_of(x), _np.complexfloating):
        from funcgrad.numpy import _complex

        return _complex.conj(x)
    _no("conjugate", out=out)
    return _real_only("conjugate", x)


conj = conjugate


def angle(z: Any, deg: bool = False) -> Any:
    """``numpy.angle`` of a real array: ``pi`` where ``z < 0``, else ``0`` (no derivative).

    >>> angle(_np.array([1.0, -2.0])).tolist()
    [0.0, 3.141592653589793]
    """
    if _np.issubdtype(dtype_of(z), _np.complexfloating):
        from funcgrad.numpy import _complex

        return _complex.angle(z, deg)
    z = _real_only("angle", z)
    half_turn = 180.0 if deg else pi
    if not _np.issubdtype(dtype_of(z), _np.floating):
        z = astype(z, float64)
    return where(ops.signbit(z), _np.asarray(half_turn, dtype_of(z)), _np.zeros((), dtype_of(z)))


def nan_to_num(x: Any, copy: bool = True, nan: Any = 0.0, posinf: Any = None, neginf: Any = None) -> Any:
    """``numpy.nan_to_num``: NaN and infinities replaced by finite numbers (derivative 0 there).

    >>> nan_to_num(_np.array([_np.nan, 1.0, -_np.inf]), neginf=-9.0).tolist()
    [0.0, 1.0, -9.0]
    """
    x = _real_only("nan_to_num", x)
    if not _np.issubdtype(dtype_of(x), _np.floating):
        return x
    info = _np.finfo(dtype_of(x))
    big = float(info.max) if posinf is None else posinf
    small = float(info.min) if neginf is None else neginf
    x = where(ops.isnan(x), nan, x)
    x = where(ops.logical_and(ops.isinf(x), ops.greater(x, 0)), big, x)
    return where(ops.logical_and(ops.isinf(x), ops.less(x, 0)), small, x)


def select(condlist: Any, choicelist: Any, default: Any = 0) -> Any:
    """``numpy.select``: from the first true condition's choice; the derivative flows to that choice.

    >>> x = _np.array([-1.0, 0.5, 2.0])
    >>> select([x < 0, x > 1], [-x, x * 10], default=7.0).tolist()
    [1.0, 7.0, 20.0]
    """
    condlist, choicelist = list(condlist), list(choicelist)
    if len(condlist) != len(choicelist):
        raise ValueError("select: list of cases must be same length as list of conditions")
    if not condlist:
        raise ValueError("select with an empty condition list is not possible")
    choices = [_arr(c) for c in choicelist] + [_arr(default)]
    common = _np.result_type(*[dtype_of(c) for c in choices])
    out = astype(choices[-1], common)
    for cond, choice in zip(condlist[::-1], choices[-2::-1]):
        cond = _arr(cond)
        if dtype_of(cond) != _np.bool_:
            raise TypeError(f"funcgrad.numpy.select: invalid entry in condlist: should be boolean ndarray, "
                            f"not {dtype_of(cond)}")
        out = where(cond, astype(choice, common), out)
    shape = _np.broadcast_shapes(*[shape_of(_arr(c)) for c in condlist + choices])
    if shape_of(out) != shape:
        from funcgrad.numpy.shapes import broadcast_to  # shapes builds on this module

        out = broadcast_to(out, shape)
    return out


def isposinf(x: Any, out: Any = None) -> Any:
    """``numpy.isposinf`` (boolean: no derivative).

    >>> isposinf(_np.array([_np.inf, -_np.inf, 1.0])).tolist()
    [True, False, False]
    """
    _no("isposinf", out=out)
    x = _real_only("isposinf", x)
    return ops.logical_and(ops.isinf(x), ops.logical_not(ops.signbit(x)))


def isneginf(x: Any, out: Any = None) -> Any:
    """``numpy.isneginf`` (boolean: no derivative).

    >>> isneginf(_np.array([_np.inf, -_np.inf, 1.0])).tolist()
    [False, True, False]
    """
    _no("isneginf", out=out)
    x = _real_only("isneginf", x)
    return ops.logical_and(ops.isinf(x), ops.signbit(x))


def isreal(x: Any) -> Any:
    """``numpy.isreal`` of a real array: all true.

    >>> isreal(_np.array([1.0, 2.0])).tolist()
    [True, True]
    """
    return _np.ones(shape_of(_real_only("isreal", x)), bool)


def iscomplex(x: Any) -> Any:
    """``numpy.iscomplex`` of a real array: all false.

    >>> iscomplex(_np.array([1.0, 2.0])).tolist()
    [False, False]
    """
    return _np.zeros(shape_of(_real_only("iscomplex", x)), bool)


def real_if_close(a: Any, tol: Any = 100) -> Any:
    """``numpy.real_if_close`` of a real array: the array itself.

    >>> real_if_close(_np.array([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    return _real_only("real_if_close", a)


def divmod(x1: Any, x2: Any, /, out: Any = None, **kw: Any) -> Any:
    """``numpy.divmod``: ``(floor_divide(x1, x2), mod(x1, x2))``.

    >>> [v.tolist() for v in divmod(_np.array([7.0, -7.0]), 2.0)]
    [[3.0, -4.0], [1.0, 1.0]]
    """
    _no("divmod", out=out)
    x1, x2 = _arr(x1), _arr(x2)
    return ops.floor_divide(x1, x2), ops.mod(x1, x2)


def piecewise(x: Any, condlist: Any, funclist: Any, *args: Any, **kw: Any) -> Any:
    """``numpy.piecewise``: ``funclist[i](x)`` where ``condlist[i]`` (the last true one wins), a constant or
    0 elsewhere; every piece is evaluated on all of ``x`` and the unchosen ones contribute no derivative.

    >>> x = _np.array([-2.0, 0.5, 3.0])
    >>> piecewise(x, [x < 0, x > 1], [lambda v: -v, lambda v: v * v, 7.0]).tolist()
    [2.0, 7.0, 9.0]
    """
    x = _arr(x)
    if isinstance(condlist, list | tuple) or (hasattr(condlist, "dtype") and len(shape_of(condlist)) > len(
            shape_of(x))):
        conds = [_arr(c) for c in condlist]
    else:
        conds = [_arr(condlist)]
    funclist = list(funclist)
    n = len(conds)
    if len(funclist) == n + 1:
        anyc = conds[0]
        for c in conds[1:]:
            anyc = ops.logical_or(anyc, c)
        conds.append(ops.logical_not(anyc))
    elif len(funclist) != n:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    out = _np.zeros(shape_of(x), dtype_of(x))
    for cond, f in zip(conds, funclist):
        val = _arr(f(x, *args, **kw)) if callable(f) else _arr(f)
        out = where(cond, val, out)
    return out
