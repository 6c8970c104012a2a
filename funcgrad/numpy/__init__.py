"""``funcgrad.numpy``: NumPy's names, traceable.

Every function here accepts NumPy arrays, Python scalars and traced values, and
maps NumPy semantics onto the primitives in :mod:`funcgrad.ops`. The same
functions serve plain ``np.*`` calls on traced values through NEP 13/18::

    >>> import funcgrad as fg, funcgrad.numpy as fnp
    >>> float(fg.grad(lambda x: fnp.sum(fnp.sin(x) ** 2))(0.5))  # 2 sin cos
    0.8414709848078965
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as _np

from funcgrad import ops
from funcgrad.core.trace import Tracer, concrete_or_none
from funcgrad.ops.util import dtype_of, is_float, normalize_axes, normalize_axis, shape_of
from funcgrad.ops.indexing import Arr, IndexSpec

def _unsupported(name: str, what: str) -> NotImplementedError:
    return NotImplementedError(f"funcgrad.numpy.{name}: {what} is not supported")


def _no(name: str, **kwargs) -> None:
    for k, v in kwargs.items():
        if v is not None and v is not False:
            raise _unsupported(name, f"the argument {k}=")


_TRACED: tuple = (Tracer,)


def register_array_type(cls: type) -> None:
    """Let ``cls`` (e.g. autograd tensors) pass through this namespace like traced values."""
    global _TRACED
    _TRACED = _TRACED + (cls,)


def _is_traced(x: Any) -> bool:
    return isinstance(x, _TRACED)


def _is_array(x: Any) -> bool:
    return isinstance(x, _TRACED) or isinstance(x, _np.ndarray | _np.generic | int | float | complex | bool)


def asarray(a: Any, dtype: Any = None, order: Any = None, *, copy: Any = None, like: Any = None) -> Any:
    """Like ``numpy.asarray``; lists of traced values are stacked."""
    if isinstance(a, list | tuple):
        if builtins.any(_is_traced(v) or isinstance(v, list | tuple) for v in a):
            out = stack([asarray(v) for v in a]) if a else _np.asarray(a)
            return out if dtype is None else astype(out, dtype)
        return _np.asarray(a, dtype=dtype)
    if _is_traced(a):
        return a if dtype is None else astype(a, dtype)
    if hasattr(a, "__funcgrad_value__"):
        return a.__funcgrad_value__()
    return _np.asarray(a, dtype=dtype)


def array(a: Any, dtype: Any = None, copy: bool = True, order: Any = "K", ndmin: int = 0, **kw) -> Any:
    """Like ``numpy.array``; lists of traced values are stacked."""
    out = asarray(a, dtype)
    if isinstance(out, _np.ndarray) and copy:
        out = out.copy()
    while ndmin and len(shape_of(out)) < ndmin:
        out = expand_dims(out, 0)
    return out


def _arr(x: Any) -> Any:
    return x if _is_array(x) else asarray(x)


def astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    """Cast ``x`` to ``dtype`` (differentiable between float types)."""
    dtype = _np.dtype(dtype)
    x = _arr(x)
    if dtype_of(x) == dtype:
        return x
    return ops.convert(x, dtype=dtype)


# ----------------------------------------------------------------------------- elementwise

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


# ----------------------------------------------------------------------------- reductions

def _reduce(prim, a, axis, keepdims, dtype=None):
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    axes = normalize_axes(axis, len(shape_of(a)))
    if not axes:
        return a
    return prim(a, axes=axes, keepdims=bool(keepdims))


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.sum`` over ``axis`` (int, tuple or None)."""
    _no("sum", out=out, initial=initial, where=where)
    a = _arr(a)
    if dtype is None and dtype_of(a) == _np.bool_:
        dtype = int64
    return _reduce(ops.reduce_sum, a, axis, keepdims, dtype)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.prod``; the derivative is exact where elements are zero."""
    _no("prod", out=out, initial=initial, where=where)
    return _reduce(ops.reduce_prod, a, axis, keepdims, dtype)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.max``; tied maxima share the derivative evenly."""
    _no("max", out=out, initial=initial, where=where)
    return _reduce(ops.reduce_max, a, axis, keepdims)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.min``; tied minima share the derivative evenly."""
    _no("min", out=out, initial=initial, where=where)
    return _reduce(ops.reduce_min, a, axis, keepdims)


amax, amin = max, min


def _count(a, axis) -> int:
    shape = shape_of(a)
    return int(_np.prod([shape[i] for i in normalize_axes(axis, len(shape))], dtype=_np.int64))


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """``numpy.mean``."""
    _no("mean", out=out, where=where)
    a = _arr(a)
    if dtype is None and not is_float(a):
        dtype = float64
    return _reduce(ops.reduce_mean, a, axis, keepdims, dtype)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """``numpy.var`` with ``ddof``."""
    _no("var", out=out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    a = _arr(a)
    if dtype is not None or not is_float(a):
        a = astype(a, dtype or float64)
    centred = a - _reduce(ops.reduce_sum, a, axis, True) / _count(a, axis)
    return ops.div(_reduce(ops.reduce_sum, centred * centred, axis, keepdims), _count(a, axis) - ddof)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """``numpy.std`` with ``ddof``."""
    return sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction))


def logsumexp(a, axis=None, keepdims=False, b=None):
    """``log(sum(exp(a)))`` computed stably (as ``scipy.special.logsumexp``)."""
    a = _arr(a)
    m = ops.stop_gradient(_reduce(ops.reduce_max, a, axis, True))
    m = where(isfinite(m), m, 0.0)
    e = exp(a - m)
    if b is not None:
        e = e * _arr(b)
    s = log(_reduce(ops.reduce_sum, e, axis, True)) + m
    return s if keepdims else squeeze(s, axis=normalize_axes(axis, len(shape_of(a))) or None) if shape_of(a) else s


def _scan(prim, a, axis, dtype):
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    if axis is None:
        a, axis = ravel(a), 0
    return prim(a, axis=normalize_axis(axis, len(shape_of(a))), reverse=False)


def cumsum(a, axis=None, dtype=None, out=None):
    """``numpy.cumsum``."""
    _no("cumsum", out=out)
    return _scan(ops.cumsum, a, axis, dtype)


def cumprod(a, axis=None, dtype=None, out=None):
    """``numpy.cumprod``; the derivative is exact where elements are zero."""
    _no("cumprod", out=out)
    return _scan(ops.cumprod, a, axis, dtype)


def _arg(prim, a, axis, keepdims):
    a = _arr(a)
    nd = len(shape_of(a))
    axes = tuple(range(nd)) if axis is None else (normalize_axis(axis, nd),)
    return prim(a, axes=axes, keepdims=bool(keepdims))


def argmax(a, axis=None, out=None, *, keepdims=False):
    _no("argmax", out=out)
    return _arg(ops.argmax, a, axis, keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    _no("argmin", out=out)
    return _arg(ops.argmin, a, axis, keepdims)


def any(a, axis=None, out=None, keepdims=False, *, where=None):
    _no("any", out=out, where=where)
    return _reduce(ops.reduce_any, a, axis, keepdims)


def all(a, axis=None, out=None, keepdims=False, *, where=None):
    _no("all", out=out, where=where)
    return _reduce(ops.reduce_all, a, axis, keepdims)


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """``numpy.average`` with optional weights."""
    if weights is None:
        avg, wsum = mean(a, axis, keepdims=keepdims), _count(_arr(a), axis)
    else:
        a, w = _arr(a), _arr(weights)
        if shape_of(w) != shape_of(a):
            if axis is None or len(shape_of(w)) != 1:
                raise TypeError("average: weights must have the shape of a, or be 1-D along a given axis")
            shape = [1] * len(shape_of(a))
            shape[normalize_axis(axis, len(shape))] = shape_of(w)[0]
            w = reshape(w, shape)
        wsum = sum(broadcast_to(w, shape_of(a)), axis, keepdims=keepdims)
        avg = sum(a * w, axis, keepdims=keepdims) / wsum
    return (avg, wsum) if returned else avg


# ----------------------------------------------------------------------------- shapes

def shape(a) -> tuple[int, ...]:
    return shape_of(_arr(a))


def ndim(a) -> int:
    return len(shape_of(_arr(a)))


def size(a, axis=None) -> int:
    s = shape_of(_arr(a))
    return int(_np.prod(s)) if axis is None else s[axis]


def reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    """``numpy.reshape`` (one dimension may be -1)."""
    if order != "C":
        raise _unsupported("reshape", f"order={order!r}")
    shape = newshape if shape is None else shape
    a = _arr(a)
    shape = (shape,) if isinstance(shape, int | _np.integer) else tuple(int(s) for s in shape)
    total = int(_np.prod(shape_of(a), dtype=_np.int64))
    if -1 in shape:
        known = int(_np.prod([s for s in shape if s != -1], dtype=_np.int64))
        shape = tuple((total // known if known else 0) if s == -1 else s for s in shape)
    if int(_np.prod(shape, dtype=_np.int64)) != int(_np.prod(shape_of(a), dtype=_np.int64)):
        raise ValueError(f"cannot reshape array of shape {shape_of(a)} into shape {shape}")
    if shape == shape_of(a):
        return a
    return ops.reshape(a, shape=shape)


def ravel(a, order="C"):
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """``numpy.transpose``."""
    a = _arr(a)
    nd = len(shape_of(a))
    perm = tuple(range(nd))[::-1] if axes is None else tuple(normalize_axis(int(p), nd) for p in axes)
    if perm == tuple(range(nd)):
        return a
    return ops.transpose(a, perm=perm)


def permute_dims(a, axes=None):
    return transpose(a, axes)


def swapaxes(a, axis1, axis2):
    a = _arr(a)
    nd = len(shape_of(a))
    perm = list(range(nd))
    i, j = normalize_axis(axis1, nd), normalize_axis(axis2, nd)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
    """``numpy.moveaxis`` (ints or sequences)."""
    a = _arr(a)
    nd = len(shape_of(a))
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    src = [normalize_axis(s, nd) for s in src]
    dst = [normalize_axis(d, nd) for d in dst]
    order = [i for i in range(nd) if i not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return transpose(a, order)


def expand_dims(a, axis):
    a = _arr(a)
    s = shape_of(a)
    axes = normalize_axes(axis, len(s) + (1 if isinstance(axis, int) else len(axis)))
    new = list(s)
    for ax in axes:
        new.insert(ax, 1)
    return reshape(a, tuple(new))


def squeeze(a, axis=None):
    a = _arr(a)
    s = shape_of(a)
    if axis is None:
        axes = tuple(i for i, n in enumerate(s) if n == 1)
    else:
        axes = normalize_axes(axis, len(s))
        for ax in axes:
            if s[ax] != 1:
                raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return reshape(a, tuple(n for i, n in enumerate(s) if i not in axes))


def broadcast_to(array, shape, subok=False):
    """``numpy.broadcast_to``."""
    array = _arr(array)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if shape_of(array) == shape:
        return array
    _np.broadcast_shapes(shape_of(array), shape)
    return ops.broadcast_to(array, shape=shape)


def broadcast_arrays(*args, subok=False):
    args = [_arr(a) for a in args]
    shape = _np.broadcast_shapes(*[shape_of(a) for a in args])
    return tuple(broadcast_to(a, shape) for a in args)


def atleast_1d(*arys):
    out = [reshape(a, (1,)) if not shape_of(_arr(a)) else _arr(a) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    out = []
    for a in arys:
        a = _arr(a)
        nd = len(shape_of(a))
        out.append(reshape(a, (1, 1)) if nd == 0 else reshape(a, (1,) + shape_of(a)) if nd == 1 else a)
    return out[0] if len(out) == 1 else out


def concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    """``numpy.concatenate`` (``axis=None`` flattens first)."""
    _no("concatenate", out=out)
    arrays = [_arr(a) for a in arrays]
    if axis is None:
        arrays, axis = [ravel(a) for a in arrays], 0
    if dtype is not None:
        arrays = [astype(a, dtype) for a in arrays]
    nd = len(shape_of(arrays[0]))
    if nd == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis(axis, nd)
    common = _np.result_type(*[dtype_of(a) for a in arrays])
    arrays = [astype(a, common) for a in arrays]
    if len(arrays) == 1:
        return arrays[0]
    if not builtins.any(_is_traced(a) for a in arrays):
        return _np.concatenate(arrays, axis)
    return ops.concatenate(*arrays, axis=axis)


concat = concatenate


def stack(arrays, axis=0, out=None, *, dtype=None, casting=None):
    """``numpy.stack``."""
    _no("stack", out=out)
    arrays = [_arr(a) for a in arrays]
    if not arrays:
        raise ValueError("need at least one array to stack")
    s = shape_of(arrays[0])
    if builtins.any(shape_of(a) != s for a in arrays):
        raise ValueError("all input arrays must have the same shape")
    axis = normalize_axis(axis, len(s) + 1)
    return concatenate([expand_dims(a, axis) for a in arrays], axis, dtype=dtype)


def hstack(tup, *, dtype=None, casting=None):
    arrs = atleast_1d(*tup) if len(tup) > 1 else [atleast_1d(tup[0])]
    return concatenate(arrs, 0 if len(shape_of(arrs[0])) == 1 else 1, dtype=dtype)


def vstack(tup, *, dtype=None, casting=None):
    arrs = atleast_2d(*tup) if len(tup) > 1 else [atleast_2d(tup[0])]
    return concatenate(arrs, 0, dtype=dtype)


row_stack = vstack


def column_stack(tup):
    return concatenate([reshape(a, (-1, 1)) if len(shape_of(_arr(a))) < 2 else _arr(a) for a in tup], 1)


def split(ary, indices_or_sections, axis=0):
    """``numpy.split``: a list of slices."""
    ary = _arr(ary)
    axis = normalize_axis(axis, len(shape_of(ary)))
    n = shape_of(ary)[axis]
    if isinstance(indices_or_sections, int | _np.integer):
        k = int(indices_or_sections)
        if n % k:
            raise ValueError("array split does not result in an equal division")
        bounds = [i * (n // k) for i in range(k + 1)]
    else:
        bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    pre = (slice(None),) * axis
    return [ops.index(ary, pre + (slice(lo, hi),)) for lo, hi in zip(bounds[:-1], bounds[1:])]


def array_split(ary, indices_or_sections, axis=0):
    ary = _arr(ary)
    if isinstance(indices_or_sections, int | _np.integer):
        n = shape_of(ary)[normalize_axis(axis, len(shape_of(ary)))]
        k = int(indices_or_sections)
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        indices_or_sections = list(_np.cumsum(sizes)[:-1])
    return split(ary, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, 1 if len(shape_of(_arr(ary))) > 1 else 0)


def vsplit(ary, indices_or_sections):
    return split(ary, indices_or_sections, 0)


def tile(A, reps):
    """``numpy.tile`` (broadcast and reshape)."""
    A = _arr(A)
    reps = (reps,) if isinstance(reps, int) else tuple(reps)
    s = shape_of(A)
    nd = builtins.max(len(s), len(reps))
    s = (1,) * (nd - len(s)) + s
    reps = (1,) * (nd - len(reps)) + reps
    A = reshape(A, sum_tuples((1, n) for n in s))
    A = broadcast_to(A, sum_tuples((r, n) for r, n in zip(reps, s)))
    return reshape(A, tuple(r * n for r, n in zip(reps, s)))


def sum_tuples(pairs) -> tuple:
    out: tuple = ()
    for p in pairs:
        out += tuple(p)
    return out


def repeat(a, repeats, axis=None):
    """``numpy.repeat``."""
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, len(shape_of(a)))
    if isinstance(repeats, int | _np.integer):
        s = shape_of(a)
        b = reshape(a, s[:axis + 1] + (1,) + s[axis + 1:])
        b = broadcast_to(b, s[:axis + 1] + (int(repeats),) + s[axis + 1:])
        return reshape(b, s[:axis] + (s[axis] * int(repeats),) + s[axis + 1:])
    idx = _np.repeat(_np.arange(shape_of(a)[axis]), _np.asarray(concrete_or_none(repeats)))
    return ops.index(a, (slice(None),) * axis + (idx,))


def flip(m, axis=None):
    """``numpy.flip``."""
    m = _arr(m)
    axes = normalize_axes(axis, len(shape_of(m)))
    return ops.index(m, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(len(shape_of(m)))))


def fliplr(m):
    return flip(m, 1)


def flipud(m):
    return flip(m, 0)


def roll(a, shift, axis=None):
    """``numpy.roll``."""
    a = _arr(a)
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), shape_of(a))
    shifts = (shift,) if isinstance(shift, int) else tuple(shift)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    if len(shifts) == 1 and len(axes) > 1:
        shifts = shifts * len(axes)
    for s, ax in zip(shifts, axes):
        ax = normalize_axis(ax, len(shape_of(a)))
        n = shape_of(a)[ax]
        if n == 0:
            continue
        s = int(s) % n
        if s:
            pre = (slice(None),) * ax
            a = concatenate([ops.index(a, pre + (slice(n - s, None),)), ops.index(a, pre + (slice(0, n - s),))], ax)
    return a


def _tri_mask(shape, k, lower):
    n, m = shape[-2], shape[-1]
    return _np.tri(n, m, k, dtype=bool) if lower else ~_np.tri(n, m, k - 1, dtype=bool)


def tril(m, k=0):
    m = _arr(m)
    return ops.select(_tri_mask(shape_of(m), k, True), m, 0)


def triu(m, k=0):
    m = _arr(m)
    return ops.select(_tri_mask(shape_of(m), k, False), m, 0)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """``numpy.diagonal`` (the diagonal becomes the last axis)."""
    a = _arr(a)
    nd = len(shape_of(a))
    a = moveaxis(a, (normalize_axis(axis1, nd), normalize_axis(axis2, nd)), (-2, -1))
    n, m = shape_of(a)[-2:]
    rows = _np.arange(builtins.max(0, -offset), builtins.min(n, m - offset)) if offset < m else _np.arange(0)
    cols = rows + offset
    return ops.index(a, (Ellipsis, rows, cols))


def diag(v, k=0):
    """``numpy.diag``: extract a diagonal, or build a diagonal matrix from a vector."""
    v = _arr(v)
    s = shape_of(v)
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError("diag: input must be 1-D or 2-D")
    n = s[0] + builtins.abs(k)
    rows = _np.arange(s[0]) + builtins.max(0, -k)
    return ops.scatter_add(v, rows, rows + k, idx=IndexSpec((Arr(0), Arr(1))), shape=(n, n))


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no("trace", out=out)
    return sum(diagonal(a, offset, axis1, axis2), -1, dtype=dtype)


def pad(array, pad_width, mode="constant", **kwargs):
    """``numpy.pad``: modes constant, edge, reflect, symmetric and wrap."""
    array = _arr(array)
    nd = len(shape_of(array))
    widths = _np.broadcast_to(_np.asarray(pad_width, dtype=int), (nd, 2)).tolist()
    widths = tuple((int(lo), int(hi)) for lo, hi in widths)
    if mode == "constant":
        value = kwargs.get("constant_values", 0)
        if _is_traced(value) or _np.ndim(value) != 0:
            raise _unsupported("pad", "a traced or per-axis constant_values")
        return ops.pad(array, widths=widths, value=float(value) if is_float(array) else value)
    if mode not in ("edge", "reflect", "symmetric", "wrap"):
        raise _unsupported("pad", f"mode={mode!r}")
    for ax, (lo, hi) in enumerate(widths):
        n = shape_of(array)[ax]
        idx = _np.arange(-lo, n + hi)
        if mode == "edge":
            idx = _np.clip(idx, 0, n - 1)
        elif mode == "wrap":
            idx = idx % n
        else:
            period = 2 * n - (2 if mode == "reflect" else 0)
            idx = idx % period if period else idx * 0
            idx = _np.where(idx >= n, period - idx - (0 if mode == "reflect" else 1), idx)
        array = ops.index(array, (slice(None),) * ax + (idx,))
    return array


# ----------------------------------------------------------------------------- indexing

def getitem(x, key):
    """``x[key]``: basic and advanced indexing, boolean masks on concrete values."""
    return ops.index(_arr(x), key)


def take(a, indices, axis=None, out=None, mode=None):
    _no("take", out=out, mode=mode)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, len(shape_of(a)))
    return ops.index(a, (slice(None),) * axis + (asarray(indices),))


def take_along_axis(arr, indices, axis):
    arr = _arr(arr)
    nd = len(shape_of(arr))
    axis = normalize_axis(axis, nd)
    ind = asarray(indices)
    key = []
    for d in range(nd):
        if d == axis:
            key.append(ind)
        else:
            shp = [1] * nd
            shp[d] = shape_of(arr)[d]
            key.append(_np.arange(shape_of(arr)[d]).reshape(shp))
    return ops.index(arr, tuple(key))


def nonzero(a):
    v = concrete_or_none(a)
    if v is None:
        raise IndexError("nonzero needs a concrete value, which is unknown under jit")
    return _np.nonzero(_np.asarray(v))


class _IndexUpdate:
    """``x.at[idx]``: functional updates that return a new array."""

    __slots__ = ("x", "key")

    def __init__(self, x, key):
        self.x, self.key = x, key

    def _prepare(self, v):
        from funcgrad.ops.indexing import normalize_index

        spec, arrays = normalize_index(shape_of(self.x), self.key)
        traced = _is_traced(self.x) or builtins.any(isinstance(a, Tracer) for a in arrays)
        target = shape_of(ops.getitem(self.x, *arrays, idx=spec)) if traced else \
            _np.asarray(self.x)[ops.indexing.build_index(spec, [concrete_or_none(a) for a in arrays])].shape
        v = astype(_arr(v), dtype_of(self.x)) if is_float(self.x) else _arr(v)
        return spec, arrays, broadcast_to(v, target)

    def get(self):
        return getitem(self.x, self.key)

    def set(self, v):
        """Replace ``x[idx]`` by ``v``."""
        spec, arrays, v = self._prepare(v)
        return ops.scatter_set(self.x, v, *arrays, idx=spec)

    def add(self, v):
        """Add ``v`` at ``x[idx]`` (repeated indices accumulate)."""
        spec, arrays, v = self._prepare(v)
        return self.x + ops.scatter_add(v, *arrays, idx=spec, shape=shape_of(self.x))

    def subtract(self, v):
        return self.add(-_arr(v))

    def multiply(self, v):
        return self.set(self.get() * _arr(v))

    def divide(self, v):
        return self.set(self.get() / _arr(v))

    def power(self, v):
        return self.set(self.get() ** _arr(v))

    def min(self, v):
        return self.set(minimum(self.get(), _arr(v)))

    def max(self, v):
        return self.set(maximum(self.get(), _arr(v)))


class at:
    """``fnp.at(x)[idx].set(v)``: JAX-style functional updates (also ``x.at`` on traced values)."""

    __slots__ = ("x",)

    def __init__(self, x):
        self.x = _arr(x)

    def __getitem__(self, key) -> _IndexUpdate:
        return _IndexUpdate(self.x, key)


# ----------------------------------------------------------------------------- constructors

def zeros_like(a, dtype=None, order="K", subok=True, shape=None, **kw):
    a = _arr(a)
    return _np.zeros(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def ones_like(a, dtype=None, order="K", subok=True, shape=None, **kw):
    a = _arr(a)
    return _np.ones(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kw):
    a = _arr(a)
    out_shape = shape_of(a) if shape is None else shape
    if _is_traced(fill_value):
        return broadcast_to(astype(fill_value, dtype or dtype_of(a)), out_shape)
    return _np.full(out_shape, fill_value, dtype or dtype_of(a))


empty_like = zeros_like


def copy(a, order="K", subok=False):
    a = _arr(a)
    return a.copy() if isinstance(a, _np.ndarray) else a


from numpy import arange, empty, eye, full, identity, linspace, logspace, ones, tri, zeros  # noqa: E402,F401


# ----------------------------------------------------------------------------- contractions

def matmul(a, b, /, out=None, **kw):
    """``a @ b`` with NumPy's rules for 1-D operands and broadcast batch axes."""
    _no("matmul", out=out)
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are not allowed)")
    va, vb = len(sa) == 1, len(sb) == 1
    if va:
        a, sa = reshape(a, (1,) + sa), (1,) + sa
    if vb:
        b, sb = reshape(b, sb + (1,)), sb + (1,)
    if sa[-1] != sb[-2]:
        raise ValueError(f"matmul: mismatch in contracted dimension: shapes {shape_of(a)} and {shape_of(b)} "
                         f"(n={sa[-1]} is different from {sb[-2]})")
    if len(sb) == 2:
        out = ops.dot_general(a, b, contract=((len(sa) - 1,), (0,)), batch=((), ()))
    elif len(sa) == 2:
        out = ops.dot_general(a, b, contract=((1,), (len(sb) - 2,)), batch=((), ()))
        out = moveaxis(out, 0, -2)  # (n, batch..., m) -> (batch..., n, m)
    else:
        batch = _np.broadcast_shapes(sa[:-2], sb[:-2])
        a = broadcast_to(a, batch + sa[-2:])
        b = broadcast_to(b, batch + sb[-2:])
        lead = tuple(range(len(batch)))
        out = ops.dot_general(a, b, contract=((len(batch) + 1,), (len(batch),)), batch=(lead, lead))
    if va:
        out = squeeze(out, -2)
    if vb:
        out = squeeze(out, -1)
    return out


def dot(a, b, out=None):
    """``numpy.dot``."""
    _no("dot", out=out)
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return multiply(a, b)
    if len(sb) <= 2:
        return matmul(a, b) if len(sa) <= 2 else ops.dot_general(a, b, contract=((len(sa) - 1,), (0,)), batch=((), ()))
    return ops.dot_general(a, b, contract=((len(sa) - 1,), (len(sb) - 2,)), batch=((), ()))


def vdot(a, b):
    return dot(ravel(a), ravel(b))


def inner(a, b):
    """``numpy.inner``: contraction over the last axes."""
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return multiply(a, b)
    return ops.dot_general(a, b, contract=((len(sa) - 1,), (len(sb) - 1,)), batch=((), ()))


def outer(a, b, out=None):
    _no("outer", out=out)
    return multiply(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


def tensordot(a, b, axes=2):
    """``numpy.tensordot``."""
    a, b = _arr(a), _arr(b)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if isinstance(axes, int):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    ax_a = tuple(normalize_axis(i, na) for i in ax_a)
    ax_b = tuple(normalize_axis(i, nb) for i in ax_b)
    return ops.dot_general(a, b, contract=(ax_a, ax_b), batch=((), ()))


def kron(a, b):
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    nd = builtins.max(len(sa), len(sb))
    a = reshape(a, (1,) * (nd - len(sa)) + sa)
    b = reshape(b, (1,) * (nd - len(sb)) + sb)
    sa, sb = shape_of(a), shape_of(b)
    out = reshape(a, sum_tuples((n, 1) for n in sa)) * reshape(b, sum_tuples((1, n) for n in sb))
    return reshape(out, tuple(x * y for x, y in zip(sa, sb)))


def einsum(subscripts, *operands, optimize=False, out=None, dtype=None, casting=None, order=None):
    """``numpy.einsum`` (explicit or implicit output, ellipsis, traces of repeated indices)."""
    from funcgrad.numpy._einsum import einsum as _einsum

    _no("einsum", out=out)
    return _einsum(subscripts, *[_arr(o) for o in operands])


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    a, b = _arr(a), _arr(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if shape_of(a)[-1] != 3 or shape_of(b)[-1] != 3:
        raise _unsupported("cross", "vectors of length other than 3")
    a0, a1, a2 = (ops.index(a, (Ellipsis, i)) for i in range(3))
    b0, b1, b2 = (ops.index(b, (Ellipsis, i)) for i in range(3))
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)
    return moveaxis(c, -1, axisc)


# ----------------------------------------------------------------------------- misc

def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _arr(a), _arr(b)
    return less_equal(absolute(a - b), atol + rtol * absolute(b))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False) -> bool:
    return shape(a1) == shape(a2) and bool(all(equal(_arr(a1), _arr(a2))))


def result_type(*arrays_and_dtypes):
    return _np.result_type(*[dtype_of(a) if _is_traced(a) else a for a in arrays_and_dtypes])


def sinc(x):
    x = _arr(x)
    px = pi * where(equal(x, 0), 1.0, x)
    return where(equal(x, 0), 1.0, sin(px) / px)


# dtypes and constants, as in NumPy (defined last: parameters reuse some of these names)
bool_ = _np.bool_
complex64 = _np.complex64
complex128 = _np.complex128
dtype = _np.dtype
e = _np.e
euler_gamma = _np.euler_gamma
finfo = _np.finfo
float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
iinfo = _np.iinfo
inf = _np.inf
int8 = _np.int8
int16 = _np.int16
int32 = _np.int32
int64 = _np.int64
integer = _np.integer
issubdtype = _np.issubdtype
nan = _np.nan
newaxis = _np.newaxis
pi = _np.pi
uint8 = _np.uint8
floating = _np.floating
number = _np.number
float_ = float64
int_ = int64

from funcgrad.numpy.dispatch import dispatch_function, dispatch_ufunc  # noqa: E402,F401
from funcgrad.numpy import linalg as linalg  # noqa: E402,F811
