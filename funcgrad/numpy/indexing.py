"""Indexing: ``take``, ``take_along_axis``, ``nonzero`` and functional ``.at[]`` updates."""

from __future__ import annotations

import builtins
import typing as _typing

import numpy as _np

from funcgrad import ops
from funcgrad.core.trace import Tracer, concrete_or_none
from funcgrad.numpy._base import _arr, _is_traced, _no, asarray, astype
from funcgrad.numpy._values import _index_array
from funcgrad.numpy.elementwise import maximum, minimum
from funcgrad.numpy.shapes import broadcast_to, ravel
from funcgrad.ops.indexing import searchsorted as _searchsorted_p
from funcgrad.ops.reductions import argsort as _argsort_p
from funcgrad.ops.util import dtype_of, is_float, normalize_axis, shape_of

if _typing.TYPE_CHECKING:
    from typing import Any

__all__ = ["argsort", "at", "choose", "compress", "diag_indices_from", "digitize", "extract", "fill_diagonal",
    "getitem", "interp", "ix_", "lexsort", "nonzero", "ravel_multi_index", "searchsorted", "sort", "take",
    "take_along_axis", "tril_indices_from", "triu_indices_from"]


def getitem(x, key):
    """``x[key]``: basic and advanced indexing, boolean masks on concrete values.

    >>> fnp.getitem(np.arange(5.0), slice(1, 3)).tolist()
    [1.0, 2.0]
    """
    return ops.index(_arr(x), key)


def take(a, indices, axis=None, out=None, mode=None):
    """``numpy.take``: a gather (the derivative scatters back, adding repeated indices).

    >>> fg.grad(lambda x: fnp.sum(fnp.take(x, [0, 0, 2])))(np.ones(3)).tolist()
    [2.0, 0.0, 1.0]
    """
    _no("take", out=out, mode=mode)
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, len(shape_of(a)))
    return ops.index(a, (slice(None),) * axis + (_index_array(asarray(indices)),))


def take_along_axis(arr, indices, axis):
    """``numpy.take_along_axis``.

    >>> fnp.take_along_axis(np.array([[3.0, 1.0]]), np.array([[1, 0]]), 1).tolist()
    [[1.0, 3.0]]
    """
    arr = _arr(arr)
    nd = len(shape_of(arr))
    axis = normalize_axis(axis, nd)
    ind = _index_array(asarray(indices))
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
    """``numpy.nonzero`` (needs the concrete value: its output shape depends on it).

    >>> [i.tolist() for i in fnp.nonzero(np.array([0.0, 2.0, 3.0]))]
    [[1, 2]]
    """
    v = concrete_or_none(a)
    if v is None:
        raise IndexError("nonzero needs a concrete value, which is unknown under jit")
    return _np.nonzero(_np.asarray(v))


class _IndexUpdate:
    """``x.at[idx]``: functional updates that return a new array."""

    __slots__ = ("x", "key")

    def __init__(self, x, key):
        self.x = x
        self.key = tuple(_index_array(k) for k in key) if isinstance(key, tuple) else _index_array(key)

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
    """``fnp.at(x)[idx].set(v)``: JAX-style functional updates (also ``x.at`` on traced values).

    >>> fnp.at(np.zeros(3))[1].set(5.0).tolist()
    [0.0, 5.0, 0.0]
    """

    __slots__ = ("x",)

    def __init__(self, x):
        self.x = _arr(x)

    def __getitem__(self, key) -> _IndexUpdate:
        return _IndexUpdate(self.x, key)


def _sort_axis(a, axis, name):
    a = _arr(a)
    if axis is None:
        return ravel(a), 0
    if not shape_of(a):
        raise _np.exceptions.AxisError(f"{name}: axis {axis} is out of bounds for a 0-d array")
    return a, normalize_axis(axis, len(shape_of(a)))


def argsort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: bool | None = None) -> Any:
    """``numpy.argsort``, ties ordered as NumPy orders them (``kind='stable'``: kept in order); no derivative.

    >>> argsort(_np.array([3.0, 1.0, 2.0])).tolist()
    [1, 2, 0]
    """
    _no("argsort", order=order)
    a, axis = _sort_axis(a, axis, "argsort")
    return _argsort_p(ops.stop_gradient(a), axis=axis, stable=bool(stable) or kind == "stable")


def sort(a: Any, axis: Any = -1, kind: Any = None, order: Any = None, *, stable: bool | None = None) -> Any:
    """``numpy.sort``: a gather by the stable ``argsort``, so each output's derivative goes to the input
    it came from (of tied inputs, to the one NumPy's stable sort puts there).

    >>> sort(_np.array([3.0, 1.0, 2.0])).tolist()
    [1.0, 2.0, 3.0]
    """
    _no("sort", order=order)
    a, axis = _sort_axis(a, axis, "sort")
    if not _is_traced(a):
        return _np.sort(a, axis=axis, kind="stable")
    return take_along_axis(a, _argsort_p(ops.stop_gradient(a), axis=axis, stable=True), axis)


def searchsorted(a: Any, v: Any, side: str = "left", sorter: Any = None) -> Any:
    """``numpy.searchsorted``: insertion positions of ``v`` in the sorted 1-D ``a`` (no derivative).

    >>> searchsorted(_np.array([1.0, 2.0, 3.0]), _np.array([2.5, 0.0])).tolist()
    [2, 0]
    """
    if side not in ("left", "right"):
        raise ValueError(f"funcgrad.numpy.searchsorted: side must be 'left' or 'right', not {side!r}")
    a, v = _arr(a), _arr(v)
    if len(shape_of(a)) != 1:
        raise ValueError("funcgrad.numpy.searchsorted: a must be 1-D")
    if sorter is not None:
        a = take(a, sorter)
    if not (_is_traced(a) or _is_traced(v)):
        return _np.searchsorted(a, v, side=side)
    return _searchsorted_p(ops.stop_gradient(a), ops.stop_gradient(v), side=side)


def digitize(x: Any, bins: Any, right: bool = False) -> Any:
    """``numpy.digitize``: the index of the bin each ``x`` falls in (monotonic ``bins``; no derivative).

    >>> digitize(_np.array([0.5, 1.5, 3.0]), _np.array([1.0, 2.0])).tolist()
    [0, 1, 2]
    """
    x, bins = _arr(x), _arr(bins)
    if not (_is_traced(x) or _is_traced(bins)):
        return _np.digitize(x, bins, right)
    if len(shape_of(bins)) != 1:
        raise ValueError("funcgrad.numpy.digitize: bins must be 1-D")
    side = "left" if right else "right"
    n = shape_of(bins)[0]
    if n < 2:
        return searchsorted(bins, x, side)
    b = concrete_or_none(bins)
    if b is not None:
        b = _np.asarray(b)
        if b[-1] >= b[0]:
            return searchsorted(b, x, side)
        return n - searchsorted(b[::-1].copy(), x, side)
    from funcgrad.numpy.elementwise import where

    flipped = ops.index(bins, (slice(None, None, -1),))
    return where(ops.greater_equal(ops.index(bins, (-1,)), ops.index(bins, (0,))), searchsorted(bins, x, side),
                 n - searchsorted(flipped, x, side))


def choose(a: Any, choices: Any, out: Any = None, mode: str = "raise") -> Any:
    """``numpy.choose``: ``choices[a[i]][i]``; the derivative flows to the chosen entries.

    >>> choose(_np.array([1, 0]), [_np.array([1.0, 2.0]), _np.array([3.0, 4.0])]).tolist()
    [3.0, 2.0]
    """
    from funcgrad.numpy.elementwise import select

    _no("choose", out=out)
    a = _arr(a)
    if not _np.issubdtype(dtype_of(a), _np.integer):
        raise TypeError(f"funcgrad.numpy.choose: a must hold integers, not {dtype_of(a)}")
    choices = [_arr(c) for c in choices]
    n = len(choices)
    if mode == "wrap":
        a = a % n
    elif mode == "clip":
        a = minimum(maximum(a, 0), n - 1)
    elif mode == "raise":
        v = concrete_or_none(a)
        if v is not None and _np.size(v) and (_np.min(v) < 0 or _np.max(v) >= n):
            raise ValueError("funcgrad.numpy.choose: invalid entry in choice array")
    else:
        raise ValueError(f"funcgrad.numpy.choose: mode must be 'raise', 'wrap' or 'clip', not {mode!r}")
    if not n:
        raise ValueError("funcgrad.numpy.choose: choices must not be empty")
    return select([ops.equal(a, k) for k in range(n)], choices,
                  default=_np.zeros((), _np.result_type(*[dtype_of(c) for c in choices])))


def fill_diagonal(a: Any, val: Any, wrap: bool = False, *, inplace: bool = True) -> Any:
    """``numpy.fill_diagonal``, functional: ``fill_diagonal(a, val, inplace=False)`` returns a new array
    (derivatives flow to ``a`` off the diagonal and to ``val`` on it). Traced arrays cannot be changed in
    place, so the default ``inplace=True`` (NumPy's call) works only on NumPy arrays.

    >>> fill_diagonal(_np.zeros((2, 2)), 5.0, inplace=False).tolist()
    [[5.0, 0.0], [0.0, 5.0]]
    """
    if inplace:
        if _is_traced(a) or _is_traced(val):
            raise TypeError("funcgrad.numpy.fill_diagonal: traced arrays are immutable, so it cannot fill a "
                            "diagonal in place; use a = fnp.fill_diagonal(a, val, inplace=False), which "
                            "returns a new array")
        return _np.fill_diagonal(a, val, wrap)
    a, val = _arr(a), _arr(val)
    s = shape_of(a)
    if len(s) < 2:
        raise ValueError("funcgrad.numpy.fill_diagonal: array must be at least 2-d")
    if len(s) == 2:
        step = s[1] + 1
        end = None if wrap else s[1] * s[1]
    else:
        if builtins.any(n != s[0] for n in s):
            raise ValueError("funcgrad.numpy.fill_diagonal: all dimensions of input must be of equal length")
        step = 1 + int(_np.cumprod(s[:-1]).sum())
        end = None
    total = int(_np.prod(s, dtype=_np.int64))
    idx = _np.arange(total)[:end:step]
    flat_val = ravel(astype(val, dtype_of(a)) if is_float(a) else val)
    nv = shape_of(flat_val)[0]
    if nv == 0 or idx.size == 0:
        return a
    vals = take(flat_val, _np.arange(idx.size) % nv)
    from funcgrad.numpy.shapes import reshape

    return reshape(at(ravel(a))[idx].set(vals), s)


def interp(x: Any, xp: Any, fp: Any, left: Any = None, right: Any = None, period: Any = None) -> Any:
    """``numpy.interp``: piecewise-linear interpolation, differentiable in ``x``, ``xp``, ``fp``, ``left`` and
    ``right`` (``period``: periodic in ``x``). At a knot the derivative in ``x`` is the slope of the segment
    to its right (at the last knot, of the segment to its left); outside ``[xp[0], xp[-1]]`` it is 0.

    >>> interp(_np.array([0.5, 2.5]), _np.array([0.0, 1.0, 2.0]), _np.array([0.0, 10.0, 30.0])).tolist()
    [5.0, 30.0]
    """
    from funcgrad.numpy.elementwise import where

    from funcgrad.numpy.shapes import concatenate

    x, xp, fp = _arr(x), _arr(xp), _arr(fp)
    if len(shape_of(xp)) != 1 or shape_of(xp) != shape_of(fp):
        raise ValueError("funcgrad.numpy.interp: xp and fp must be 1-D sequences of the same length")
    n = shape_of(xp)[0]
    if n == 0:
        raise ValueError("funcgrad.numpy.interp: array of sample points is empty")
    dtype = _np.float64  # as NumPy's, whatever the inputs' float types
    x, xp, fp = astype(x, dtype), astype(xp, dtype), astype(fp, dtype)
    if not builtins.any(_is_traced(v) for v in (x, xp, fp, left, right, period)):
        return _np.interp(x, xp, fp, left, right, period)
    if period is not None:  # NumPy's reduction to one period, padded by a point on each side
        if _is_traced(period):
            raise TypeError("funcgrad.numpy.interp: period must be a number, not a traced value")
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = builtins.abs(float(period))
        left = right = None
        x, xp = ops.mod(x, period), ops.mod(xp, period)
        order = argsort(xp, kind="stable")
        xp, fp = take(xp, order), take(fp, order)
        xp = concatenate([ops.index(xp, (slice(-1, None),)) - period, xp, ops.index(xp, (slice(0, 1),)) + period])
        fp = concatenate([ops.index(fp, (slice(-1, None),)), fp, ops.index(fp, (slice(0, 1),))])
        n += 2
    lo_val = take(fp, 0) if left is None else _arr(left)
    hi_val = take(fp, n - 1) if right is None else _arr(right)
    if n == 1:
        y = take(fp, 0) + 0.0 * x
    else:
        i = minimum(maximum(searchsorted(xp, x, "right"), 1), n - 1)
        x0, x1, y0, y1 = take(xp, i - 1), take(xp, i), take(fp, i - 1), take(fp, i)
        y = y0 + (x - x0) * ((y1 - y0) / (x1 - x0))
    y = where(ops.less(x, take(xp, 0)), lo_val, y)
    return where(ops.greater(x, take(xp, n - 1)), hi_val, y)


def compress(condition: Any, a: Any, axis: Any = None, out: Any = None) -> Any:
    """``numpy.compress``: the slices where the concrete ``condition`` holds (a gather).

    >>> compress([True, False, True], _np.array([1.0, 2.0, 3.0])).tolist()
    [1.0, 3.0]
    """
    from funcgrad.numpy._values import _value_of

    _no("compress", out=out)
    keep = _np.flatnonzero(_np.asarray(_value_of("compress", condition), bool))
    a = _arr(a)
    if axis is None:
        a, axis = ravel(a), 0
    axis = normalize_axis(axis, len(shape_of(a)))
    if keep.size and keep[-1] >= shape_of(a)[axis]:
        raise IndexError("funcgrad.numpy.compress: condition is longer than the axis")
    return ops.index(a, (slice(None),) * axis + (keep,))


def extract(condition: Any, arr: Any) -> Any:
    """``numpy.extract``: the elements of ``arr`` where the concrete ``condition`` is true (a gather).

    >>> extract(_np.array([[True, False], [False, True]]), _np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [1.0, 4.0]
    """
    from funcgrad.numpy._values import _value_of

    keep = _np.flatnonzero(_np.ravel(_value_of("extract", condition)))
    return ops.index(ravel(_arr(arr)), (keep,))


def lexsort(keys: Any, axis: int = -1) -> Any:
    """``numpy.lexsort``: indices that sort by the last key, then the one before, ... (stable; no derivative).

    >>> lexsort((_np.array([2.0, 1.0, 3.0]), _np.array([1.0, 1.0, 0.0]))).tolist()
    [2, 1, 0]
    """
    keys = [ops.stop_gradient(_arr(k)) for k in keys] if isinstance(keys, list | tuple) else \
        [ops.stop_gradient(k) for k in _arr(keys)]
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    idx = argsort(keys[0], axis=axis, kind="stable")
    for k in keys[1:]:
        idx = take_along_axis(idx, argsort(take_along_axis(k, idx, axis), axis=axis, kind="stable"), axis)
    return idx


def ravel_multi_index(multi_index: Any, dims: Any, mode: str = "raise", order: str = "C") -> Any:
    """``numpy.ravel_multi_index``: flat indices from coordinate arrays (integer arithmetic; no derivative).

    >>> ravel_multi_index((_np.array([1, 0]), _np.array([2, 1])), (2, 3)).tolist()
    [5, 1]
    """
    dims = (int(dims),) if isinstance(dims, int | _np.integer) else tuple(int(d) for d in dims)
    idx = [_arr(i) for i in multi_index]
    if not builtins.any(_is_traced(i) for i in idx):
        return _np.ravel_multi_index(tuple(idx), dims, mode=mode, order=order)
    if len(idx) != len(dims):
        raise ValueError("parameter multi_index must be a sequence of length " + str(len(dims)))
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    if mode == "wrap":
        idx = [i % d for i, d in zip(idx, dims)]
    elif mode == "clip":
        idx = [minimum(maximum(i, 0), d - 1) for i, d in zip(idx, dims)]
    elif mode != "raise":
        raise ValueError(f"funcgrad.numpy.ravel_multi_index: mode must be 'raise', 'wrap' or 'clip', not {mode!r}")
    order_ = range(len(dims)) if order == "C" else range(len(dims) - 1, -1, -1)
    flat = None
    for k in order_:
        flat = idx[k] if flat is None else flat * dims[k] + idx[k]
    return flat


def ix_(*args: Any) -> Any:
    """``numpy.ix_``: open-mesh index arrays (reshapes of the 1-D inputs).

    >>> [a.shape for a in ix_(_np.array([0, 1]), _np.array([2, 0, 1]))]
    [(2, 1), (1, 3)]
    """
    from funcgrad.numpy.shapes import reshape

    nd = len(args)
    out = []
    for k, a in enumerate(args):
        a = _arr(a)
        if len(shape_of(a)) != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if dtype_of(a) == _np.bool_:
            a = _np.flatnonzero(_np.asarray(concrete_or_none(a)))
        out.append(reshape(a, (1,) * k + (-1,) + (1,) * (nd - k - 1)))
    return tuple(out)


def _shape2(name, arr):
    s = shape_of(_arr(arr))
    if len(s) < 2:
        raise ValueError(f"funcgrad.numpy.{name}: input array must be at least 2-d")
    return s


def tril_indices_from(arr: Any, k: int = 0) -> Any:
    """``numpy.tril_indices_from`` (from the shape alone).

    >>> [i.tolist() for i in tril_indices_from(_np.ones((2, 2)))]
    [[0, 1, 1], [0, 0, 1]]
    """
    s = _shape2("tril_indices_from", arr)
    return _np.tril_indices(s[-2], k=k, m=s[-1])


def triu_indices_from(arr: Any, k: int = 0) -> Any:
    """``numpy.triu_indices_from`` (from the shape alone).

    >>> [i.tolist() for i in triu_indices_from(_np.ones((2, 2)))]
    [[0, 0, 1], [0, 1, 1]]
    """
    s = _shape2("triu_indices_from", arr)
    return _np.triu_indices(s[-2], k=k, m=s[-1])


def diag_indices_from(arr: Any) -> Any:
    """``numpy.diag_indices_from`` (from the shape alone).

    >>> [i.tolist() for i in diag_indices_from(_np.ones((2, 2)))]
    [[0, 1], [0, 1]]
    """
    s = _shape2("diag_indices_from", arr)
    if builtins.any(n != s[0] for n in s):
        raise ValueError("All dimensions of input must be of equal length")
    return _np.diag_indices(s[0], len(s))
