"""Reductions and scans: ``sum``, ``mean``, ``var``, ``logsumexp``, ``cumsum``, ..."""

from __future__ import annotations

import typing as _typing

import numpy as _np

from funcgrad import ops
from funcgrad.core.trace import concrete_or_none
from funcgrad.numpy._base import _arr, _is_traced, _no, astype
from funcgrad.numpy._values import _value_of
from funcgrad.numpy.constants import float64, int64
from funcgrad.numpy.elementwise import exp, isfinite, isnan, log, sqrt, where
from funcgrad.numpy.elementwise import where as _where
from funcgrad.numpy.shapes import broadcast_to, diagonal, ravel, reshape, squeeze
from funcgrad.ops.util import dtype_of, is_float, normalize_axes, normalize_axis, shape_of

if _typing.TYPE_CHECKING:
    from typing import Any

__all__ = ["all", "amax", "amin", "any", "apply_along_axis", "apply_over_axes", "argmax", "argmin", "average",
    "corrcoef", "cov", "cumprod", "cumsum", "cumulative_prod", "cumulative_sum", "diff", "ediff1d", "gradient",
    "logsumexp", "max", "mean", "median", "min", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax",
    "nanmean", "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar",
    "percentile", "prod", "ptp", "quantile", "std", "sum", "trace", "trapezoid", "unwrap", "var"]


def _reduce(prim, a, axis, keepdims, dtype=None):
    a = _arr(a)
    if dtype is not None:
        a = astype(a, dtype)
    axes = normalize_axes(axis, len(shape_of(a)))
    if not axes:
        return a
    return prim(a, axes=axes, keepdims=bool(keepdims))


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.sum`` over ``axis`` (int, tuple or None).

    >>> fnp.sum(np.array([[1.0, 2.0], [3.0, 4.0]]), axis=1).tolist()
    [3.0, 7.0]
    """
    _no("sum", out=out, initial=initial, where=where)
    a = _arr(a)
    if dtype is None and dtype_of(a) == _np.bool_:
        dtype = int64
    return _reduce(ops.reduce_sum, a, axis, keepdims, dtype)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.prod``; the derivative is exact where elements are zero.

    >>> fg.grad(fnp.prod)(np.array([2.0, 0.0, 3.0])).tolist()
    [0.0, 6.0, 0.0]
    """
    _no("prod", out=out, initial=initial, where=where)
    return _reduce(ops.reduce_prod, a, axis, keepdims, dtype)


def max(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.max``; tied maxima share the derivative evenly.

    >>> fg.grad(fnp.max)(np.array([3.0, 1.0, 3.0])).tolist()
    [0.5, 0.0, 0.5]
    """
    _no("max", out=out, initial=initial, where=where)
    return _reduce(ops.reduce_max, a, axis, keepdims)


def min(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    """``numpy.min``; tied minima share the derivative evenly.

    >>> float(fnp.min(np.array([3.0, 1.0, 2.0])))
    1.0
    """
    _no("min", out=out, initial=initial, where=where)
    return _reduce(ops.reduce_min, a, axis, keepdims)


amax, amin = max, min


def _count(a, axis) -> int:
    shape = shape_of(a)
    return int(_np.prod([shape[i] for i in normalize_axes(axis, len(shape))], dtype=_np.int64))


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
    """``numpy.mean``.

    >>> fnp.mean(np.array([[1.0, 2.0], [3.0, 5.0]]), axis=0).tolist()
    [2.0, 3.5]
    """
    _no("mean", out=out, where=where)
    a = _arr(a)
    if dtype is None and not is_float(a):
        dtype = float64
    return _reduce(ops.reduce_mean, a, axis, keepdims, dtype)


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """``numpy.var`` with ``ddof``.

    >>> float(fnp.var(np.array([1.0, 3.0]), ddof=1))
    2.0
    """
    _no("var", out=out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    a = _arr(a)
    if dtype is not None or not is_float(a):
        a = astype(a, dtype or float64)
    centred = a - _reduce(ops.reduce_sum, a, axis, True) / _count(a, axis)
    return ops.div(_reduce(ops.reduce_sum, centred * centred, axis, keepdims), _count(a, axis) - ddof)


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None, mean=None, correction=None):
    """``numpy.std`` with ``ddof``.

    >>> float(fnp.std(np.array([1.0, 3.0])))
    1.0
    """
    return sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction))


def logsumexp(a, axis=None, keepdims=False, b=None):
    """``log(sum(exp(a)))`` computed stably (as ``scipy.special.logsumexp``).

    >>> print(f"{float(fnp.logsumexp(np.array([0.0, np.log(3.0)]))):.6f}")
    1.386294
    """
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
    """``numpy.cumsum``.

    >>> fg.grad(lambda x: fnp.sum(fnp.cumsum(x)))(np.zeros(3)).tolist()
    [3.0, 2.0, 1.0]
    """
    _no("cumsum", out=out)
    return _scan(ops.cumsum, a, axis, dtype)


def cumprod(a, axis=None, dtype=None, out=None):
    """``numpy.cumprod``; the derivative is exact where elements are zero.

    >>> fnp.cumprod(np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 2.0, 6.0]
    """
    _no("cumprod", out=out)
    return _scan(ops.cumprod, a, axis, dtype)


def _arg(prim, a, axis, keepdims):
    a = _arr(a)
    nd = len(shape_of(a))
    axes = tuple(range(nd)) if axis is None else (normalize_axis(axis, nd),)
    return prim(a, axes=axes, keepdims=bool(keepdims))


def argmax(a, axis=None, out=None, *, keepdims=False):
    """``numpy.argmax`` (integer: no derivative).

    >>> int(fnp.argmax(np.array([1.0, 3.0, 2.0])))
    1
    """
    _no("argmax", out=out)
    return _arg(ops.argmax, a, axis, keepdims)


def argmin(a, axis=None, out=None, *, keepdims=False):
    """``numpy.argmin`` (integer: no derivative).

    >>> int(fnp.argmin(np.array([1.0, 3.0, 2.0])))
    0
    """
    _no("argmin", out=out)
    return _arg(ops.argmin, a, axis, keepdims)


def any(a, axis=None, out=None, keepdims=False, *, where=None):
    """``numpy.any`` (boolean: no derivative).

    >>> bool(fnp.any(np.array([1.0, -2.0]) < 0))
    True
    """
    _no("any", out=out, where=where)
    return _reduce(ops.reduce_any, a, axis, keepdims)


def all(a, axis=None, out=None, keepdims=False, *, where=None):
    """``numpy.all`` (boolean: no derivative).

    >>> bool(fnp.all(np.array([1.0, 2.0]) > 0))
    True
    """
    _no("all", out=out, where=where)
    return _reduce(ops.reduce_all, a, axis, keepdims)


def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """``numpy.average`` with optional weights.

    >>> float(fnp.average(np.array([1.0, 2.0, 4.0]), weights=np.array([1.0, 1.0, 2.0])))
    2.75
    """
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

def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """``numpy.trace``: the sum of a diagonal.

    >>> float(fnp.trace(np.array([[1.0, 2.0], [3.0, 4.0]])))
    5.0
    """
    _no("trace", out=out)
    return sum(diagonal(a, offset, axis1, axis2), -1, dtype=dtype)


def ptp(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    """``numpy.ptp``: ``max - min`` (ties share the derivative, as in ``max`` and ``min``).

    >>> float(ptp(_np.array([3.0, -1.0, 2.0])))
    4.0
    """
    _no("ptp", out=out)
    return max(a, axis, keepdims=keepdims) - min(a, axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- differences and integrals

def _slice(nd, axis, s):
    return (slice(None),) * axis + (s,) + (slice(None),) * (nd - axis - 1)


def diff(a: Any, n: int = 1, axis: Any = -1, prepend: Any = _np._NoValue, append: Any = _np._NoValue) -> Any:
    """``numpy.diff``: the ``n``-th forward difference along ``axis``.

    >>> diff(_np.array([1.0, 4.0, 9.0, 16.0]), 2).tolist()
    [2.0, 2.0]
    """
    from funcgrad.numpy.shapes import concatenate

    a = _arr(a)
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if n == 0:
        return a
    nd = len(shape_of(a))
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis(axis, nd)
    parts = []
    for extra in (prepend, append):
        if extra is _np._NoValue:
            parts.append(None)
            continue
        extra = _arr(extra)
        if not shape_of(extra):
            shape = list(shape_of(a))
            shape[axis] = 1
            extra = broadcast_to(extra, tuple(shape))
        parts.append(extra)
    if parts[0] is not None or parts[1] is not None:
        a = concatenate([p for p in (parts[0], a, parts[1]) if p is not None], axis)
    boolean = dtype_of(a) == _np.bool_
    for _ in range(n):
        hi, lo = ops.index(a, _slice(nd, axis, slice(1, None))), ops.index(a, _slice(nd, axis, slice(None, -1)))
        a = ops.not_equal(hi, lo) if boolean else hi - lo
    return a


def ediff1d(ary: Any, to_end: Any = None, to_begin: Any = None) -> Any:
    """``numpy.ediff1d``: differences of the flattened array, with optional values before and after.

    >>> ediff1d(_np.array([1.0, 2.0, 4.0]), to_begin=0.0).tolist()
    [0.0, 1.0, 2.0]
    """
    from funcgrad.numpy.shapes import concatenate

    ary = ravel(_arr(ary))
    d = ops.index(ary, (slice(1, None),)) - ops.index(ary, (slice(None, -1),))
    parts = [d]
    if to_begin is not None:
        parts.insert(0, astype(ravel(_arr(to_begin)), dtype_of(d)))
    if to_end is not None:
        parts.append(astype(ravel(_arr(to_end)), dtype_of(d)))
    return concatenate(parts, 0) if len(parts) > 1 else d


def _uniform(h):
    """The one spacing of coordinate differences ``h`` if they are all equal and concrete, else ``None``."""
    v = concrete_or_none(h)
    if v is None:
        return None
    v = _np.asarray(v)
    return v[0] if v.size and _np.all(v == v[0]) else None


def gradient(f: Any, *varargs: Any, axis: Any = None, edge_order: int = 1) -> Any:
    """``numpy.gradient``: central differences inside, one-sided ones (first or second order) at the edges;
    spacings are scalars or coordinate arrays. Linear in ``f`` (and differentiable in the coordinates).

    >>> gradient(_np.array([1.0, 2.0, 4.0, 7.0])).tolist()
    [1.0, 1.5, 2.5, 3.0]
    """
    from funcgrad.numpy.shapes import concatenate, expand_dims

    f = _arr(f)
    if not is_float(f):
        f = astype(f, float64)
    nd = len(shape_of(f))
    axes = normalize_axes(axis, nd) if axis is not None else tuple(range(nd))
    if axis is not None and not isinstance(axis, int | _np.integer):
        axes = tuple(normalize_axis(int(a), nd) for a in axis)
    if edge_order not in (1, 2):
        raise ValueError("'edge_order' greater than 2 not supported")
    if len(varargs) == 0:
        spacings = [1.0] * len(axes)
    elif len(varargs) == 1 and not shape_of(_arr(varargs[0])):
        spacings = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        spacings = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    outs = []
    for ax, h in zip(axes, spacings):
        n = shape_of(f)[ax]
        if n < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        h = _arr(h)
        if shape_of(h):
            if shape_of(h) != (n,):
                raise ValueError("when 1d, distances must match the length of the corresponding dimension")
            if not is_float(h):
                h = astype(h, float64)
            dx = diff(h)
            u = _uniform(dx)
            dx = u if u is not None else dx
        else:
            dx = h
        uniform = not shape_of(dx)

        def at(s):
            return ops.index(f, _slice(nd, ax, s))

        def along(v):  # coefficients along ``ax``, shaped to broadcast against ``f``
            return reshape(v, (-1,) + (1,) * (nd - ax - 1))

        def pick(s):
            return dx if uniform else ops.index(dx, (s,))

        if uniform:
            inner = (at(slice(2, None)) - at(slice(None, -2))) / (2.0 * dx)
        else:
            dx1, dx2 = along(ops.index(dx, (slice(None, -1),))), along(ops.index(dx, (slice(1, None),)))
            a = -(dx2) / (dx1 * (dx1 + dx2))
            b = (dx2 - dx1) / (dx1 * dx2)
            c = dx1 / (dx2 * (dx1 + dx2))
            inner = a * at(slice(None, -2)) + b * at(slice(1, -1)) + c * at(slice(2, None))
        if edge_order == 1:
            first = (at(1) - at(0)) / pick(0)
            last = (at(-1) - at(-2)) / pick(-1)
        else:
            if uniform:
                a, b, c = -1.5 / dx, 2.0 / dx, -0.5 / dx
            else:
                dx1, dx2 = pick(0), pick(1)
                a = -(2.0 * dx1 + dx2) / (dx1 * (dx1 + dx2))
                b = (dx1 + dx2) / (dx1 * dx2)
                c = -dx1 / (dx2 * (dx1 + dx2))
            first = a * at(0) + b * at(1) + c * at(2)
            if uniform:
                a, b, c = 0.5 / dx, -2.0 / dx, 1.5 / dx
            else:
                dx1, dx2 = pick(-2), pick(-1)
                a = dx2 / (dx1 * (dx1 + dx2))
                b = -(dx2 + dx1) / (dx1 * dx2)
                c = (2.0 * dx2 + dx1) / (dx2 * (dx1 + dx2))
            last = a * at(-3) + b * at(-2) + c * at(-1)
        out = concatenate([expand_dims(first, ax), inner, expand_dims(last, ax)], ax)
        outs.append(astype(out, dtype_of(f)))
    return outs[0] if len(outs) == 1 else tuple(outs)


def trapezoid(y: Any, x: Any = None, dx: Any = 1.0, axis: Any = -1) -> Any:
    """``numpy.trapezoid``: the trapezoidal rule along ``axis``, differentiable in ``y`` and ``x``.

    >>> float(trapezoid(_np.array([1.0, 2.0, 3.0]), dx=0.5))
    2.0
    """
    y = _arr(y)
    nd = len(shape_of(y))
    axis = normalize_axis(axis, nd)
    if x is None:
        d = dx
    else:
        x = _arr(x)
        d = diff(x, axis=-1 if len(shape_of(x)) == 1 else axis)
        if len(shape_of(x)) == 1:
            d = reshape(d, (-1,) + (1,) * (nd - axis - 1))
    hi, lo = ops.index(y, _slice(nd, axis, slice(1, None))), ops.index(y, _slice(nd, axis, slice(None, -1)))
    return sum(d * (hi + lo) / 2.0, axis)


# ----------------------------------------------------------------------------- covariance

def cov(m: Any, y: Any = None, rowvar: bool = True, bias: bool = False, ddof: Any = None, fweights: Any = None,
        aweights: Any = None, *, dtype: Any = None) -> Any:
    """``numpy.cov``: the covariance of the variables in the rows (``rowvar``) of ``m``, with optional
    frequency and analytic weights (which must be concrete).

    >>> cov(_np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.0]])).tolist()
    [[1.0, -1.0], [-1.0, 1.0]]
    """
    from funcgrad.numpy.contractions import dot
    from funcgrad.numpy.shapes import concatenate, transpose

    dtype = _np.result_type(dtype_of(_arr(m)), _np.float64) if dtype is None else dtype
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")

    def rows(v):
        v = astype(_arr(v), dtype)
        if len(shape_of(v)) > 2:
            raise ValueError("m has more than 2 dimensions")
        if len(shape_of(v)) < 2:
            v = reshape(v, (1, -1))
        return transpose(v) if not rowvar and shape_of(v)[0] != 1 else v

    X = rows(m)
    if y is not None:
        X = concatenate([X, rows(y)], 0)
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    n = shape_of(X)[1]
    for name, weights in (("fweights", fweights), ("aweights", aweights)):
        if weights is None:
            continue
        wv = _np.asarray(_value_of("cov", weights), dtype=float)
        if name == "fweights" and not _np.all(wv == _np.around(wv)):
            raise TypeError("fweights must be integer")
        if wv.ndim > 1 or wv.shape[0] != n:
            raise RuntimeError(f"incompatible numbers of samples and {name}")
        if _np.any(wv < 0):
            raise ValueError(f"{name} cannot be negative")
        w = wv if w is None else w * wv
    if w is None:
        avg = mean(X, 1, keepdims=True)
        fact = n - ddof
    else:
        w_sum = float(w.sum())
        avg = sum(X * w.astype(dtype), 1, keepdims=True) / w_sum
        if ddof == 0:
            fact = w_sum
        elif aweights is None:
            fact = w_sum - ddof
        else:
            fact = w_sum - ddof * float(_np.sum(w * _np.asarray(_value_of("cov", aweights), float))) / w_sum
    if fact <= 0:
        import warnings

        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    X = X - avg
    X_T = transpose(X) if w is None else transpose(X * w.astype(dtype))
    with _np.errstate(divide="ignore"):
        c = dot(X, X_T) * _np.true_divide(1, fact).astype(dtype)
    return squeeze(c)


def corrcoef(x: Any, y: Any = None, rowvar: bool = True, *, dtype: Any = None) -> Any:
    """``numpy.corrcoef``: Pearson correlation coefficients (not clipped to ``[-1, 1]``, so that the
    derivative is that of the formula everywhere).

    >>> corrcoef(_np.array([[0.0, 1.0, 2.0], [2.0, 1.0, 0.5]])).round(4).tolist()
    [[1.0, -0.982], [-0.982, 1.0]]
    """
    c = cov(x, y, rowvar, dtype=dtype)
    if not shape_of(c):
        return c / c
    d = sqrt(diagonal(c))
    return c / reshape(d, (-1, 1)) / reshape(d, (1, -1))


# ----------------------------------------------------------------------------- order statistics

def _to_last(a, axis):
    """``a`` with the axes of ``axis`` merged into one last axis, and the kept shape."""
    from funcgrad.numpy.shapes import transpose

    nd = len(shape_of(a))
    axes = normalize_axes(axis, nd)
    keep = [i for i in range(nd) if i not in axes]
    a = transpose(a, keep + list(axes))
    return reshape(a, tuple(shape_of(a)[:len(keep)]) + (-1,)), axes


def _keepdims(r, qnd, nd, axes):
    s = shape_of(r)
    full, it = list(s[:qnd]), iter(s[qnd:])
    full += [1 if i in axes else next(it) for i in range(nd)]
    return reshape(r, tuple(full))


def _lerp(lo, hi, t):
    """NumPy's interpolation ``a + (b - a) t``, from the nearer end (exact at ``t`` = 0 and 1)."""
    d = hi - lo
    return where(ops.greater_equal(t, 0.5), hi - d * (1.0 - t), lo + d * t)


# NumPy's methods (Hyndman and Fan's): picked elements, or ``(alpha, beta)`` of the interpolating ones
_DISCRETE = ("lower", "higher", "nearest", "inverted_cdf", "closest_observation")
_CONTINUOUS = {"linear": (1.0, 1.0), "interpolated_inverted_cdf": (0.0, 1.0), "hazen": (0.5, 0.5),
               "weibull": (0.0, 0.0), "median_unbiased": (1 / 3.0, 1 / 3.0), "normal_unbiased": (3 / 8.0, 3 / 8.0),
               "midpoint": None, "averaged_inverted_cdf": None}
_METHODS = _DISCRETE + tuple(_CONTINUOUS)


def _discrete_index(method, q, n):
    """The (float) index of the element a discrete method picks."""
    if method == "lower":
        return ops.floor((n - 1.0) * q)
    if method == "higher":
        return ops.ceil((n - 1.0) * q)
    if method == "nearest":
        return ops.rint((n - 1.0) * q)
    index = n * q - 1.0 - (0.5 if method == "closest_observation" else 0.0)
    below = ops.floor(index)
    exact = ops.equal(index - below, 0.0)
    if method == "closest_observation":
        exact = ops.logical_and(exact, ops.equal(ops.mod(below, 2.0), 1.0))
    return ops.maximum(where(exact, below, below + 1.0), 0.0)


def _quantile(name, a, q, axis, method, keepdims, nan_aware, scale=1.0):
    """Quantiles ``q`` (in [0, 1] after ``scale``) of ``a`` along ``axis``: a gather from the sorted values
    (each output's derivative goes to the one or two elements it interpolates), and a derivative in ``q``."""
    from funcgrad.numpy.indexing import sort, take_along_axis
    from funcgrad.numpy.shapes import moveaxis

    if method not in _METHODS:
        raise ValueError(f"funcgrad.numpy.{name}: {method!r} is not a valid method; use one of {', '.join(_METHODS)}")
    weak = isinstance(q, int | float)
    a = _arr(a)
    if not is_float(a):
        a = astype(a, float64)
    # NumPy's result type: a Python scalar q is weak, an array q promotes
    dt = _np.result_type(dtype_of(a), dtype_of(q) if _is_traced(q) or isinstance(q, _np.ndarray | _np.generic)
                         else _np.asarray(q).dtype if isinstance(q, list | tuple) else q)
    if method in _DISCRETE:  # values of a, picked
        dt = dtype_of(a)
    a = astype(a, dt)
    qv = concrete_or_none(q)
    if qv is not None and not _is_traced(q):
        qv = _np.asarray(q, dtype=float) / scale
        if _np.any((qv < 0) | (qv > 1)) or _np.any(_np.isnan(qv)):
            raise ValueError(f"funcgrad.numpy.{name}: quantiles must be in the range "
                             f"[0, {'100' if scale != 1 else '1'}]")
        q = qv  # indices and weights in float64, as NumPy computes them
    else:
        q = astype(_arr(q), dt) / scale if scale != 1 else astype(_arr(q), dt)
    nd = len(shape_of(a))
    flat, axes = _to_last(a, axis)
    srt = sort(flat, axis=-1)
    n = shape_of(srt)[-1]
    if n == 0:
        raise ValueError(f"funcgrad.numpy.{name}: cannot take a quantile of an empty axis")
    qshape = shape_of(q)
    lead = len(shape_of(srt)) - 1
    qf = reshape(reshape(q, (-1,)), (1,) * lead + (-1,))
    if nan_aware:
        count = sum(ops.logical_not(ops.isnan(srt)), -1, keepdims=True)  # NaN sort last
        count_f = astype(count, dt)
    else:
        count_f = float(n)
    last = (count - 1) if nan_aware else n - 1
    shape = shape_of(srt)[:-1] + (shape_of(qf)[-1],)

    def gather(index):
        index = ops.minimum(ops.maximum(astype(index, _np.intp), 0), last)
        return take_along_axis(srt, broadcast_to(index, shape), -1)

    if method in _DISCRETE:
        r = gather(_discrete_index(method, qf, count_f))
    else:
        if method == "midpoint":
            virtual = 0.5 * (ops.floor((count_f - 1.0) * qf) + ops.ceil((count_f - 1.0) * qf))
        elif method == "averaged_inverted_cdf":
            virtual = count_f * qf - 1.0
        elif method == "linear":
            virtual = (count_f - 1.0) * qf
        else:
            alpha, beta = _CONTINUOUS[method]
            virtual = count_f * qf + (alpha + qf * (1.0 - alpha - beta)) - 1.0
        below = ops.floor(virtual)
        t = virtual - below
        if method == "midpoint":
            t = where(ops.equal(t, 0.0), 0.0, 0.5)
        elif method == "averaged_inverted_cdf":
            t = where(ops.equal(t, 0.0), 0.5, 1.0)
        # outside [0, n - 1] both neighbours are the end element (so t has no effect)
        at_end = ops.greater_equal(virtual, count_f - 1.0)
        at_start = ops.less(virtual, 0.0)
        lo = where(at_end, count_f - 1.0, where(at_start, 0.0, below))
        hi = where(at_end, count_f - 1.0, where(at_start, 0.0, below + 1.0))
        if weak and isinstance(t, _np.ndarray) and t.size == 1:
            t = float(t.ravel()[0])  # a Python scalar q interpolates as a Python float (NumPy's weak q)
        else:
            t = astype(t, dt)
        r = _lerp(gather(lo), gather(hi), t)
    if nan_aware:
        r = where(ops.equal(count, 0), _np.nan, r)
    else:
        r = where(ops.isnan(ops.index(srt, (Ellipsis, slice(n - 1, n)))), _np.nan, r)
    r = moveaxis(r, -1, 0)
    r = reshape(r, qshape + shape_of(r)[1:])
    return _keepdims(r, len(qshape), nd, axes) if keepdims else r


def quantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
             method: str = "linear", keepdims: bool = False, *, weights: Any = None) -> Any:
    """``numpy.quantile`` with each of NumPy's methods, differentiable in ``a`` (and in ``q`` for the
    interpolating methods).

    >>> quantile(_np.array([1.0, 2.0, 4.0, 8.0]), [0.5, 0.75]).tolist()
    [3.0, 5.0]
    """
    _no("quantile", out=out, weights=weights)
    return _quantile("quantile", a, q, axis, method, keepdims, False)


def percentile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
               method: str = "linear", keepdims: bool = False, *, weights: Any = None) -> Any:
    """``numpy.percentile``: ``quantile`` with ``q`` in percent.

    >>> float(percentile(_np.array([1.0, 2.0, 4.0, 8.0]), 50))
    3.0
    """
    _no("percentile", out=out, weights=weights)
    return _quantile("percentile", a, q, axis, method, keepdims, False, 100.0)


def median(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """``numpy.median``: the middle element, or the mean of the two middle ones (which share the derivative).

    >>> float(median(_np.array([3.0, 1.0, 4.0, 2.0])))
    2.5
    """
    from funcgrad.numpy.indexing import sort

    _no("median", out=out)
    a = _arr(a)
    if not is_float(a):
        a = astype(a, float64)
    nd = len(shape_of(a))
    flat, axes = _to_last(a, axis)
    srt = sort(flat, axis=-1)
    n = shape_of(srt)[-1]
    if n == 0:
        raise ValueError("funcgrad.numpy.median: cannot take the median of an empty axis")
    mid = ops.index(srt, (Ellipsis, n // 2))
    r = mid if n % 2 else (ops.index(srt, (Ellipsis, n // 2 - 1)) + mid) * 0.5
    r = where(ops.isnan(ops.index(srt, (Ellipsis, n - 1))), _np.nan, r)
    return _keepdims(r, 0, nd, axes) if keepdims else r


# ----------------------------------------------------------------------------- NaN-ignoring reductions

def _nan_free(a, fill):
    a = _arr(a)
    return where(isnan(a), fill, a) if is_float(a) else a


def nansum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, initial: Any = None,
           where: Any = None) -> Any:
    """``numpy.nansum``: NaN counts as zero (and gets derivative 0).

    >>> float(nansum(_np.array([1.0, _np.nan, 2.0])))
    3.0
    """
    _no("nansum", out=out, initial=initial, where=where)
    return sum(_nan_free(a, 0.0), axis, dtype, keepdims=keepdims)


def nanprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False,
            initial: Any = None, where: Any = None) -> Any:
    """``numpy.nanprod``: NaN counts as one.

    >>> float(nanprod(_np.array([2.0, _np.nan, 3.0])))
    6.0
    """
    _no("nanprod", out=out, initial=initial, where=where)
    return prod(_nan_free(a, 1.0), axis, dtype, keepdims=keepdims)


def _nan_count(a, axis, keepdims):
    return sum(ops.logical_not(isnan(a)), axis, keepdims=keepdims)


def nanmean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, *,
            where: Any = None) -> Any:
    """``numpy.nanmean``: the mean of the non-NaN elements (NaN for an all-NaN slice).

    >>> float(nanmean(_np.array([1.0, _np.nan, 2.0])))
    1.5
    """
    _no("nanmean", out=out, where=where)
    a = _arr(a)
    if not is_float(a):
        return mean(a, axis, dtype, keepdims=keepdims)
    if dtype is not None:
        a = astype(a, dtype)
    count = astype(_nan_count(a, axis, keepdims), dtype_of(a))
    with _np.errstate(invalid="ignore", divide="ignore"):
        return sum(_nan_free(a, 0.0), axis, keepdims=keepdims) / count


def nanvar(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: bool = False, *,
           where: Any = None, mean: Any = None, correction: Any = None) -> Any:
    """``numpy.nanvar``: the variance of the non-NaN elements, with ``ddof``.

    >>> float(nanvar(_np.array([1.0, _np.nan, 3.0])))
    1.0
    """
    _no("nanvar", out=out, where=where, mean=mean)
    ddof = correction if correction is not None else ddof
    a = _arr(a)
    if not is_float(a) or dtype is not None:
        a = astype(a, dtype or float64)
    count = astype(_nan_count(a, axis, True), dtype_of(a))
    with _np.errstate(invalid="ignore", divide="ignore"):
        centred = _nan_free(a - sum(_nan_free(a, 0.0), axis, keepdims=True) / count, 0.0)
        dof = count - ddof
        v = sum(centred * centred, axis, keepdims=True) / _where(ops.greater(dof, 0), dof, 1.0)
    v = _where(ops.greater(dof, 0), v, _np.nan)
    return v if keepdims else squeeze(v, normalize_axes(axis, len(shape_of(a))) or None) if shape_of(a) else v


def nanstd(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: Any = 0, keepdims: bool = False, *,
           where: Any = None, mean: Any = None, correction: Any = None) -> Any:
    """``numpy.nanstd``: the square root of ``nanvar``.

    >>> float(nanstd(_np.array([1.0, _np.nan, 3.0])))
    1.0
    """
    return sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean, correction=correction))


def _nan_ext(name, fn, fill, a, axis, keepdims):
    a = _arr(a)
    if not is_float(a):
        return fn(a, axis, keepdims=keepdims)
    r = fn(_nan_free(a, fill), axis, keepdims=keepdims)
    return where(all(isnan(a), axis, keepdims=keepdims), _np.nan, r)


def nanmax(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, initial: Any = None,
           where: Any = None) -> Any:
    """``numpy.nanmax``: the maximum of the non-NaN elements (ties share the derivative).

    >>> float(nanmax(_np.array([1.0, _np.nan, 2.0])))
    2.0
    """
    _no("nanmax", out=out, initial=initial, where=where)
    return _nan_ext("nanmax", max, -_np.inf, a, axis, keepdims)


def nanmin(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, initial: Any = None,
           where: Any = None) -> Any:
    """``numpy.nanmin``: the minimum of the non-NaN elements (ties share the derivative).

    >>> float(nanmin(_np.array([1.0, _np.nan, 2.0])))
    1.0
    """
    _no("nanmin", out=out, initial=initial, where=where)
    return _nan_ext("nanmin", min, _np.inf, a, axis, keepdims)


def _nan_arg(name, fn, fill, a, axis, keepdims):
    a = _arr(a)
    if not is_float(a):
        return fn(a, axis, keepdims=keepdims)
    empty = all(isnan(a), axis, keepdims=keepdims)
    v = concrete_or_none(empty)
    if v is not None and _np.any(v):
        raise ValueError(f"funcgrad.numpy.{name}: All-NaN slice encountered")
    # without concrete values (under jit) an all-NaN slice cannot raise: its index is -1, as in JAX
    return where(empty, -1, fn(_nan_free(a, fill), axis, keepdims=keepdims))


def nanargmax(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """``numpy.nanargmax``: the index of the maximum, ignoring NaN (no derivative); an all-NaN slice raises,
    or under jit, where values are unknown, gets index -1.

    >>> int(nanargmax(_np.array([1.0, _np.nan, 2.0])))
    2
    """
    _no("nanargmax", out=out)
    return _nan_arg("nanargmax", argmax, -_np.inf, a, axis, keepdims)


def nanargmin(a: Any, axis: Any = None, out: Any = None, *, keepdims: bool = False) -> Any:
    """``numpy.nanargmin``: the index of the minimum, ignoring NaN (no derivative); an all-NaN slice raises,
    or under jit gets index -1.

    >>> int(nanargmin(_np.array([1.0, _np.nan, 2.0])))
    0
    """
    _no("nanargmin", out=out)
    return _nan_arg("nanargmin", argmin, _np.inf, a, axis, keepdims)


def nancumsum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``numpy.nancumsum``: NaN counts as zero.

    >>> nancumsum(_np.array([1.0, _np.nan, 2.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    _no("nancumsum", out=out)
    return cumsum(_nan_free(a, 0.0), axis, dtype)


def nancumprod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None) -> Any:
    """``numpy.nancumprod``: NaN counts as one.

    >>> nancumprod(_np.array([2.0, _np.nan, 3.0])).tolist()
    [2.0, 2.0, 6.0]
    """
    _no("nancumprod", out=out)
    return cumprod(_nan_free(a, 1.0), axis, dtype)


def nanquantile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
                method: str = "linear", keepdims: bool = False, *, weights: Any = None) -> Any:
    """``numpy.nanquantile``: ``quantile`` of the non-NaN elements of each slice (NaN for an all-NaN one).

    >>> float(nanquantile(_np.array([1.0, _np.nan, 3.0]), 0.5))
    2.0
    """
    _no("nanquantile", out=out, weights=weights)
    return _quantile("nanquantile", a, q, axis, method, keepdims, True)


def nanpercentile(a: Any, q: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False,
                  method: str = "linear", keepdims: bool = False, *, weights: Any = None) -> Any:
    """``numpy.nanpercentile``: ``nanquantile`` with ``q`` in percent.

    >>> float(nanpercentile(_np.array([1.0, _np.nan, 3.0]), 50))
    2.0
    """
    _no("nanpercentile", out=out, weights=weights)
    return _quantile("nanpercentile", a, q, axis, method, keepdims, True, 100.0)


def nanmedian(a: Any, axis: Any = None, out: Any = None, overwrite_input: bool = False, keepdims: bool = False) -> Any:
    """``numpy.nanmedian``: the median of the non-NaN elements.

    >>> float(nanmedian(_np.array([1.0, _np.nan, 3.0, 4.0])))
    3.0
    """
    _no("nanmedian", out=out)
    return _quantile("nanmedian", a, 0.5, axis, "linear", keepdims, True)


def _cumulative(name, scan, fill, x, axis, dtype, include_initial):
    from funcgrad.numpy.shapes import concatenate

    x = _arr(x)
    nd = len(shape_of(x))
    if axis is None:
        if nd > 1:
            raise ValueError(f"funcgrad.numpy.{name}: axis must be given for arrays of more than one dimension")
        axis = 0
    out = scan(x, axis, dtype)
    if include_initial:
        axis = normalize_axis(axis, nd)
        shape = list(shape_of(out))
        shape[axis] = 1
        out = concatenate([_np.full(shape, fill, dtype_of(out)), out], axis)
    return out


def cumulative_sum(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                   include_initial: bool = False) -> Any:
    """``numpy.cumulative_sum`` (the array-API ``cumsum``, optionally starting with 0).

    >>> cumulative_sum(_np.array([1.0, 2.0, 3.0]), include_initial=True).tolist()
    [0.0, 1.0, 3.0, 6.0]
    """
    _no("cumulative_sum", out=out)
    return _cumulative("cumulative_sum", cumsum, 0, x, axis, dtype, include_initial)


def cumulative_prod(x: Any, /, *, axis: Any = None, dtype: Any = None, out: Any = None,
                    include_initial: bool = False) -> Any:
    """``numpy.cumulative_prod`` (the array-API ``cumprod``, optionally starting with 1).

    >>> cumulative_prod(_np.array([1.0, 2.0, 3.0]), include_initial=True).tolist()
    [1.0, 1.0, 2.0, 6.0]
    """
    _no("cumulative_prod", out=out)
    return _cumulative("cumulative_prod", cumprod, 1, x, axis, dtype, include_initial)


def unwrap(p: Any, discont: Any = None, axis: int = -1, *, period: float = 2 * _np.pi) -> Any:
    """``numpy.unwrap``: remove jumps larger than ``discont`` by adding multiples of ``period``; the
    corrections are piecewise constant, so the derivative is that of ``p``.

    >>> unwrap(_np.array([0.0, 3.0, 6.5, 0.2])).round(4).tolist()
    [0.0, 3.0, 0.2168, 0.2]
    """
    from funcgrad.numpy.shapes import concatenate

    p = _arr(p)
    if not is_float(p):
        p = astype(p, float64)
    nd = len(shape_of(p))
    axis = normalize_axis(axis, nd)
    dd = diff(p, axis=axis)
    discont = period / 2 if discont is None else discont
    high = period / 2
    low = -high
    ddmod = ops.mod(dd - low, period) + low
    ddmod = where(ops.logical_and(ops.equal(ddmod, low), ops.greater(dd, 0)), high, ddmod)
    correct = ops.stop_gradient(where(ops.less(ops.abs(dd), discont), 0.0, ddmod - dd))
    rest = ops.index(p, _slice(nd, axis, slice(1, None))) + cumsum(correct, axis)
    return concatenate([ops.index(p, _slice(nd, axis, slice(0, 1))), rest], axis)


def apply_along_axis(func1d: Any, axis: int, arr: Any, *args: Any, **kwargs: Any) -> Any:
    """``numpy.apply_along_axis``: ``func1d`` on every 1-D slice along ``axis``, batched with ``fg.vmap`` (so
    ``func1d`` must be traceable without Python control flow on values).

    >>> apply_along_axis(lambda v: v[::-1] * 2, 0, _np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [[6.0, 8.0], [2.0, 4.0]]
    """
    from funcgrad.numpy.shapes import moveaxis
    from funcgrad.transforms.api import vmap

    arr = _arr(arr)
    nd = len(shape_of(arr))
    axis = normalize_axis(axis, nd)
    moved = moveaxis(arr, axis, -1)
    lead = shape_of(moved)[:-1]
    flat = reshape(moved, (-1, shape_of(moved)[-1]))
    out = vmap(lambda v: _arr(func1d(v, *args, **kwargs)))(flat)
    res = shape_of(out)[1:]
    out = reshape(out, lead + res)
    # the result's own axes take the place of ``axis``
    return moveaxis(out, tuple(range(len(lead), len(lead) + len(res))), tuple(range(axis, axis + len(res)))) \
        if res else out


def apply_over_axes(func: Any, a: Any, axes: Any) -> Any:
    """``numpy.apply_over_axes``: ``func(a, axis)`` repeatedly, keeping the reduced axes.

    >>> apply_over_axes(sum, _np.ones((2, 3, 4)), [0, 2]).shape
    (1, 3, 1)
    """
    from funcgrad.numpy.shapes import expand_dims

    val = _arr(a)
    nd = len(shape_of(val))
    for axis in ([axes] if isinstance(axes, int) else axes):
        axis = normalize_axis(axis, nd)
        res = _arr(func(val, axis))
        if len(shape_of(res)) == nd:
            val = res
        elif len(shape_of(res)) == nd - 1:
            val = expand_dims(res, axis)
        else:
            raise ValueError("function is not returning an array of the correct shape")
    return val
