"""Reductions and scans: ``sum``, ``mean``, ``var``, ``logsumexp``, ``cumsum``, ..."""

from __future__ import annotations

import numpy as _np

from funcgrad import ops
from funcgrad.numpy._base import _arr, _no, astype
from funcgrad.numpy.constants import float64, int64
from funcgrad.numpy.elementwise import exp, isfinite, log, sqrt, where
from funcgrad.numpy.shapes import broadcast_to, diagonal, ravel, reshape, squeeze
from funcgrad.ops.util import dtype_of, is_float, normalize_axes, normalize_axis, shape_of


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

def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    _no("trace", out=out)
    return sum(diagonal(a, offset, axis1, axis2), -1, dtype=dtype)
