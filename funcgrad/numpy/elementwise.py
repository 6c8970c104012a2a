"""Elementwise functions and ufuncs: ``sin``, ``add``, ``where``, ``clip``, ..."""

from __future__ import annotations

import numpy as _np

from funcgrad import ops
from funcgrad.numpy._base import _arr, _is_traced, _no, astype
from funcgrad.numpy.constants import float64, pi
from funcgrad.ops.util import dtype_of


def _unary(prim):
    def fn(x, /, out=None, *, where=None, dtype=None, **kwargs):
        _no(prim.name, out=out, where=where)
        r = prim(_arr(x))
        return r if dtype is None else astype(r, dtype)

    fn.__name__ = prim.name
    fn.__doc__ = f"Elementwise ``numpy.{prim.name}``, traceable."
    fn.primitive = prim
    return fn


def _binary(prim, name=None):
    def fn(x, y, /, out=None, *, where=None, dtype=None, **kwargs):
        _no(name or prim.name, out=out, where=where)
        r = prim(_arr(x), _arr(y))
        return r if dtype is None else astype(r, dtype)

    fn.__name__ = name or prim.name
    fn.__doc__ = f"Elementwise ``numpy.{fn.__name__}``, traceable."
    fn.primitive = prim
    return fn


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

absolute = abs = fabs = _unary(ops.abs)
negative = _unary(ops.neg)
add = _binary(ops.add)
subtract = _binary(ops.sub, "subtract")
multiply = _binary(ops.mul, "multiply")
true_divide = divide = _binary(ops.div, "divide")
remainder = mod
fix = trunc


def reciprocal(x, /, out=None, **kw):
    """Elementwise ``1 / x``."""
    _no("reciprocal", out=out)
    return ops.reciprocal(_arr(x))


def positive(x, /, out=None, **kw):
    _no("positive", out=out)
    return _arr(x)


def square(x, /, out=None, **kw):
    """Elementwise ``x * x``."""
    _no("square", out=out)
    x = _arr(x)
    return ops.mul(x, x)


def power(x, y, /, out=None, **kw):
    """Elementwise ``x ** y``; small constant exponents become products."""
    _no("power", out=out)
    x, y = _arr(x), _arr(y)
    if isinstance(y, int | float) and y in (1, 2) and _is_traced(x):
        return ops.power_const(x, y)
    return ops.pow(x, y)


def float_power(x, y, /, out=None, **kw):
    return power(astype(x, float64), astype(y, float64) if _is_traced(y) or isinstance(y, _np.ndarray) else float(y))


def deg2rad(x, /, out=None, **kw):
    return _arr(x) * (pi / 180)


def rad2deg(x, /, out=None, **kw):
    return _arr(x) * (180 / pi)


radians, degrees = deg2rad, rad2deg


def sigmoid(x):
    """The logistic function ``1 / (1 + exp(-x))``, computed stably."""
    return ops.logistic(_arr(x))


def fmax(x, y, /, out=None, **kw):
    """Elementwise maximum that ignores NaN."""
    x, y = _arr(x), _arr(y)
    return where(isnan(y), x, where(isnan(x), y, maximum(x, y)))


def fmin(x, y, /, out=None, **kw):
    """Elementwise minimum that ignores NaN."""
    x, y = _arr(x), _arr(y)
    return where(isnan(y), x, where(isnan(x), y, minimum(x, y)))


def round(a, decimals=0, out=None):
    """``numpy.round``: zero derivative."""
    _no("round", out=out)
    return ops.round(_arr(a), decimals=decimals)


around = round


def invert(x, /, out=None, **kw):
    x = _arr(x)
    return ops.logical_not(x) if dtype_of(x) == _np.bool_ else ops.invert(x)


def where(condition, x=None, y=None, /):
    """``numpy.where``: select between ``x`` and ``y``; a zero cotangent stays zero."""
    if x is None and y is None:
        from funcgrad.numpy.indexing import nonzero  # indexing builds on this module

        return nonzero(condition)
    return ops.select(_arr(condition), _arr(x), _arr(y))


def clip(a, a_min=None, a_max=None, out=None, *, min=None, max=None, **kw):
    """``numpy.clip``: derivative 1 inside the interval, 0 outside."""
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
    x = _arr(x)
    return where(ops.greater(x, 0), 1.0, where(ops.equal(x, 0), h0, 0.0))
