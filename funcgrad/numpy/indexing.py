"""Indexing: ``take``, ``take_along_axis``, ``nonzero`` and functional ``.at[]`` updates."""

from __future__ import annotations

import builtins

import numpy as _np

from funcgrad import ops
from funcgrad.core.trace import Tracer, concrete_or_none
from funcgrad.numpy._base import _arr, _is_traced, _no, asarray, astype
from funcgrad.numpy.elementwise import maximum, minimum
from funcgrad.numpy.shapes import broadcast_to, ravel
from funcgrad.ops.util import dtype_of, is_float, normalize_axis, shape_of


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
