"""Shape functions: ``reshape``, ``transpose``, ``concatenate``, ``split``, ``pad``, ..."""

from __future__ import annotations

import builtins
import typing as _typing

import numpy as _np

from funcgrad import ops
from funcgrad.core.trace import concrete_or_none
from funcgrad.numpy._base import _arr, _is_traced, _no, _unsupported, astype
from funcgrad.ops.indexing import Arr, IndexSpec
from funcgrad.ops.util import dtype_of, is_float, normalize_axes, normalize_axis, shape_of

if _typing.TYPE_CHECKING:
    from typing import Any

__all__ = ["append", "array_split", "atleast_1d", "atleast_2d", "atleast_3d", "block", "broadcast_arrays",
    "broadcast_to", "column_stack", "concat", "concatenate", "delete", "diag", "diagonal", "dsplit", "dstack",
    "expand_dims", "flip", "fliplr", "flipud", "hsplit", "hstack", "insert", "matrix_transpose", "moveaxis", "ndim",
    "pad", "permute_dims", "ravel", "repeat", "reshape", "resize", "roll", "rollaxis", "rot90", "row_stack", "shape",
    "size", "split", "squeeze", "stack", "swapaxes", "tile", "transpose", "tril", "triu", "unstack", "vsplit",
    "vstack"]


def shape(a) -> tuple[int, ...]:
    """``numpy.shape``.

    >>> fnp.shape(np.ones((2, 3)))
    (2, 3)
    """
    return shape_of(_arr(a))


def ndim(a) -> int:
    """``numpy.ndim``.

    >>> fnp.ndim(np.ones((2, 3)))
    2
    """
    return len(shape_of(_arr(a)))


def size(a, axis=None) -> int:
    """``numpy.size``.

    >>> fnp.size(np.ones((2, 3)))
    6
    """
    s = shape_of(_arr(a))
    return int(_np.prod(s)) if axis is None else s[axis]


def reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    """``numpy.reshape`` (one dimension may be -1).

    >>> fnp.reshape(np.arange(6.0), (2, -1)).shape
    (2, 3)
    """
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
    """``numpy.ravel`` (C order).

    >>> fnp.ravel(np.arange(4.0).reshape(2, 2)).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    return reshape(a, (-1,), order)


def transpose(a, axes=None):
    """``numpy.transpose``.

    >>> fnp.transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    a = _arr(a)
    nd = len(shape_of(a))
    perm = tuple(range(nd))[::-1] if axes is None else tuple(normalize_axis(int(p), nd) for p in axes)
    if perm == tuple(range(nd)):
        return a
    return ops.transpose(a, perm=perm)


def permute_dims(a, axes=None):
    """``numpy.permute_dims`` (``transpose``).

    >>> fnp.permute_dims(np.ones((2, 3, 4)), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return transpose(a, axes)


def swapaxes(a, axis1, axis2):
    """``numpy.swapaxes``.

    >>> fnp.swapaxes(np.ones((2, 3)), 0, 1).shape
    (3, 2)
    """
    a = _arr(a)
    nd = len(shape_of(a))
    perm = list(range(nd))
    i, j = normalize_axis(axis1, nd), normalize_axis(axis2, nd)
    perm[i], perm[j] = perm[j], perm[i]
    return transpose(a, perm)


def moveaxis(a, source, destination):
    """``numpy.moveaxis`` (ints or sequences).

    >>> fnp.moveaxis(np.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
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
    """``numpy.expand_dims``.

    >>> fnp.expand_dims(np.ones(3), (0, 2)).shape
    (1, 3, 1)
    """
    a = _arr(a)
    s = shape_of(a)
    axes = normalize_axes(axis, len(s) + (1 if isinstance(axis, int) else len(axis)))
    new = list(s)
    for ax in axes:
        new.insert(ax, 1)
    return reshape(a, tuple(new))


def squeeze(a, axis=None):
    """``numpy.squeeze``.

    >>> fnp.squeeze(np.ones((1, 3, 1))).shape
    (3,)
    """
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
    """``numpy.broadcast_to``.

    >>> fg.grad(lambda x: fnp.sum(fnp.broadcast_to(x, (4, 2))))(np.ones(2)).tolist()
    [4.0, 4.0]
    """
    array = _arr(array)
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if shape_of(array) == shape:
        return array
    _np.broadcast_shapes(shape_of(array), shape)
    return ops.broadcast_to(array, shape=shape)


def broadcast_arrays(*args, subok=False):
    """``numpy.broadcast_arrays``.

    >>> [a.shape for a in fnp.broadcast_arrays(np.ones((2, 1)), np.ones(3))]
    [(2, 3), (2, 3)]
    """
    args = [_arr(a) for a in args]
    shape = _np.broadcast_shapes(*[shape_of(a) for a in args])
    return tuple(broadcast_to(a, shape) for a in args)


def atleast_1d(*arys):
    """``numpy.atleast_1d``.

    >>> fnp.atleast_1d(1.0).shape
    (1,)
    """
    out = [reshape(a, (1,)) if not shape_of(_arr(a)) else _arr(a) for a in arys]
    return out[0] if len(out) == 1 else out


def atleast_2d(*arys):
    """``numpy.atleast_2d``.

    >>> fnp.atleast_2d(np.ones(3)).shape
    (1, 3)
    """
    out = []
    for a in arys:
        a = _arr(a)
        nd = len(shape_of(a))
        out.append(reshape(a, (1, 1)) if nd == 0 else reshape(a, (1,) + shape_of(a)) if nd == 1 else a)
    return out[0] if len(out) == 1 else out


def concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    """``numpy.concatenate`` (``axis=None`` flattens first).

    >>> fnp.concatenate([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
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
    """``numpy.stack``.

    >>> fnp.stack([np.ones(2), np.zeros(2)], axis=1).tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
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
    """``numpy.hstack``.

    >>> fnp.hstack([np.ones(2), np.zeros(1)]).tolist()
    [1.0, 1.0, 0.0]
    """
    arrs = atleast_1d(*tup) if len(tup) > 1 else [atleast_1d(tup[0])]
    return concatenate(arrs, 0 if len(shape_of(arrs[0])) == 1 else 1, dtype=dtype)


def vstack(tup, *, dtype=None, casting=None):
    """``numpy.vstack`` (``numpy.row_stack``).

    >>> fnp.vstack([np.ones(2), np.zeros(2)]).tolist()
    [[1.0, 1.0], [0.0, 0.0]]
    """
    arrs = atleast_2d(*tup) if len(tup) > 1 else [atleast_2d(tup[0])]
    return concatenate(arrs, 0, dtype=dtype)


row_stack = vstack


def column_stack(tup):
    """``numpy.column_stack``: 1-D inputs become columns.

    >>> fnp.column_stack([np.ones(2), np.zeros(2)]).tolist()
    [[1.0, 0.0], [1.0, 0.0]]
    """
    return concatenate([reshape(a, (-1, 1)) if len(shape_of(_arr(a))) < 2 else _arr(a) for a in tup], 1)


def split(ary, indices_or_sections, axis=0):
    """``numpy.split``: a list of slices.

    >>> [a.tolist() for a in fnp.split(np.arange(4.0), [1])]
    [[0.0], [1.0, 2.0, 3.0]]
    """
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
    """``numpy.array_split``: sections of nearly equal size.

    >>> [a.tolist() for a in fnp.array_split(np.arange(5.0), 2)]
    [[0.0, 1.0, 2.0], [3.0, 4.0]]
    """
    ary = _arr(ary)
    if isinstance(indices_or_sections, int | _np.integer):
        n = shape_of(ary)[normalize_axis(axis, len(shape_of(ary)))]
        k = int(indices_or_sections)
        sizes = [n // k + (1 if i < n % k else 0) for i in range(k)]
        indices_or_sections = list(_np.cumsum(sizes)[:-1])
    return split(ary, indices_or_sections, axis)


def hsplit(ary, indices_or_sections):
    """``numpy.hsplit``: split along the second axis (the first of 1-D arrays).

    >>> [a.shape for a in fnp.hsplit(np.ones((2, 4)), 2)]
    [(2, 2), (2, 2)]
    """
    return split(ary, indices_or_sections, 1 if len(shape_of(_arr(ary))) > 1 else 0)


def vsplit(ary, indices_or_sections):
    """``numpy.vsplit``: split along the first axis.

    >>> [a.shape for a in fnp.vsplit(np.ones((4, 2)), 2)]
    [(2, 2), (2, 2)]
    """
    return split(ary, indices_or_sections, 0)


def tile(A, reps):
    """``numpy.tile`` (broadcast and reshape).

    >>> fnp.tile(np.array([1.0, 2.0]), 2).tolist()
    [1.0, 2.0, 1.0, 2.0]
    """
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
    """``numpy.repeat``.

    >>> fnp.repeat(np.array([1.0, 2.0]), 2).tolist()
    [1.0, 1.0, 2.0, 2.0]
    """
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
    """``numpy.flip``.

    >>> fnp.flip(np.array([1.0, 2.0, 3.0])).tolist()
    [3.0, 2.0, 1.0]
    """
    m = _arr(m)
    axes = normalize_axes(axis, len(shape_of(m)))
    return ops.index(m, tuple(slice(None, None, -1) if i in axes else slice(None) for i in range(len(shape_of(m)))))


def fliplr(m):
    """``numpy.fliplr``: reverse the second axis.

    >>> fnp.fliplr(np.array([[1.0, 2.0]])).tolist()
    [[2.0, 1.0]]
    """
    return flip(m, 1)


def flipud(m):
    """``numpy.flipud``: reverse the first axis.

    >>> fnp.flipud(np.array([[1.0], [2.0]])).tolist()
    [[2.0], [1.0]]
    """
    return flip(m, 0)


def roll(a, shift, axis=None):
    """``numpy.roll``.

    >>> fnp.roll(np.array([1.0, 2.0, 3.0]), 1).tolist()
    [3.0, 1.0, 2.0]
    """
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
    """``numpy.tril``: zeros above diagonal ``k``.

    >>> fnp.tril(np.ones((2, 2))).tolist()
    [[1.0, 0.0], [1.0, 1.0]]
    """
    m = _arr(m)
    return ops.select(_tri_mask(shape_of(m), k, True), m, 0)


def triu(m, k=0):
    """``numpy.triu``: zeros below diagonal ``k``.

    >>> fnp.triu(np.ones((2, 2))).tolist()
    [[1.0, 1.0], [0.0, 1.0]]
    """
    m = _arr(m)
    return ops.select(_tri_mask(shape_of(m), k, False), m, 0)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """``numpy.diagonal`` (the diagonal becomes the last axis).

    >>> fnp.diagonal(np.arange(4.0).reshape(2, 2)).tolist()
    [0.0, 3.0]
    """
    a = _arr(a)
    nd = len(shape_of(a))
    a = moveaxis(a, (normalize_axis(axis1, nd), normalize_axis(axis2, nd)), (-2, -1))
    n, m = shape_of(a)[-2:]
    rows = _np.arange(builtins.max(0, -offset), builtins.min(n, m - offset)) if offset < m else _np.arange(0)
    cols = rows + offset
    return ops.index(a, (Ellipsis, rows, cols))


def diag(v, k=0):
    """``numpy.diag``: extract a diagonal, or build a diagonal matrix from a vector.

    >>> fnp.diag(np.array([1.0, 2.0])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    v = _arr(v)
    s = shape_of(v)
    if len(s) == 2:
        return diagonal(v, k)
    if len(s) != 1:
        raise ValueError("diag: input must be 1-D or 2-D")
    n = s[0] + builtins.abs(k)
    rows = _np.arange(s[0]) + builtins.max(0, -k)
    return ops.scatter_add(v, rows, rows + k, idx=IndexSpec((Arr(0), Arr(1))), shape=(n, n))



def pad(array, pad_width, mode="constant", **kwargs):
    """``numpy.pad``: modes constant, edge, reflect, symmetric and wrap.

    >>> fnp.pad(np.array([1.0, 2.0]), 1, mode='edge').tolist()
    [1.0, 1.0, 2.0, 2.0]
    """
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


def atleast_3d(*arys: Any) -> Any:
    """``numpy.atleast_3d``: ``(N,)`` becomes ``(1, N, 1)`` and ``(M, N)`` becomes ``(M, N, 1)``.

    >>> atleast_3d(_np.ones((2, 3))).shape
    (2, 3, 1)
    """
    out = []
    for a in arys:
        a = _arr(a)
        s = shape_of(a)
        out.append(reshape(a, (1, 1, 1)) if len(s) == 0 else reshape(a, (1,) + s + (1,)) if len(s) == 1
                   else reshape(a, s + (1,)) if len(s) == 2 else a)
    return out[0] if len(out) == 1 else tuple(out)


def dstack(tup: Any) -> Any:
    """``numpy.dstack``: join along the third axis.

    >>> dstack([_np.ones(2), _np.zeros(2)]).shape
    (1, 2, 2)
    """
    arrs = [atleast_3d(a) for a in tup]
    return concatenate(arrs, 2)


def dsplit(ary: Any, indices_or_sections: Any) -> Any:
    """``numpy.dsplit``: split along the third axis.

    >>> [a.shape for a in dsplit(_np.ones((1, 2, 4)), 2)]
    [(1, 2, 2), (1, 2, 2)]
    """
    if len(shape_of(_arr(ary))) < 3:
        raise ValueError("dsplit only works on arrays of 3 or more dimensions")
    return split(ary, indices_or_sections, 2)


def rot90(m: Any, k: int = 1, axes: Any = (0, 1)) -> Any:
    """``numpy.rot90``: rotate by 90 degrees ``k`` times in the plane of ``axes``.

    >>> rot90(_np.array([[1, 2], [3, 4]])).tolist()
    [[2, 4], [1, 3]]
    """
    m = _arr(m)
    nd = len(shape_of(m))
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("rot90: len(axes) must be 2")
    if axes[0] == axes[1] or builtins.abs(axes[0] - axes[1]) == nd:
        raise ValueError("rot90: axes must be different")
    a0, a1 = normalize_axis(axes[0], nd), normalize_axis(axes[1], nd)
    k %= 4
    if k == 0:
        return m
    if k == 2:
        return flip(flip(m, a0), a1)
    perm = list(range(nd))
    perm[a0], perm[a1] = perm[a1], perm[a0]
    return transpose(flip(m, a1), perm) if k == 1 else flip(transpose(m, perm), a1)


def rollaxis(a: Any, axis: Any, start: int = 0) -> Any:
    """``numpy.rollaxis``: move ``axis`` to before position ``start``.

    >>> rollaxis(_np.ones((3, 4, 5)), 2).shape
    (5, 3, 4)
    """
    a = _arr(a)
    nd = len(shape_of(a))
    axis = normalize_axis(axis, nd)
    if start < 0:
        start += nd
    if not 0 <= start < nd + 1:
        raise _np.exceptions.AxisError(f"rollaxis: start {start} is out of bounds for an array of dimension {nd}")
    if axis < start:
        start -= 1
    if axis == start:
        return a
    return moveaxis(a, axis, start)


def append(arr: Any, values: Any, axis: Any = None) -> Any:
    """``numpy.append``: a new array with ``values`` after ``arr`` (flattened if ``axis`` is None).

    >>> append(_np.array([1.0, 2.0]), 3.0).tolist()
    [1.0, 2.0, 3.0]
    """
    arr, values = _arr(arr), _arr(values)
    if axis is None:
        return concatenate([ravel(arr), ravel(values)], 0)
    return concatenate([arr, values], axis)


def resize(a: Any, new_shape: Any) -> Any:
    """``numpy.resize``: ``a``'s elements repeated cyclically to fill ``new_shape``.

    >>> resize(_np.array([1.0, 2.0, 3.0]), (2, 2)).tolist()
    [[1.0, 2.0], [3.0, 1.0]]
    """
    a = _arr(a)
    new_shape = (int(new_shape),) if isinstance(new_shape, int | _np.integer) else tuple(int(n) for n in new_shape)
    if builtins.any(n < 0 for n in new_shape):
        raise ValueError("resize: all elements of `new_shape` must be non-negative")
    total = int(_np.prod(new_shape, dtype=_np.int64))
    flat = ravel(a)
    n = shape_of(flat)[0]
    if n == 0 or total == 0:
        return _np.zeros(new_shape, dtype_of(a))
    return reshape(ops.index(flat, (_np.arange(total) % n,)), new_shape)


def matrix_transpose(x: Any, /) -> Any:
    """``numpy.matrix_transpose``: swap the last two axes.

    >>> matrix_transpose(_np.ones((2, 3, 4))).shape
    (2, 4, 3)
    """
    x = _arr(x)
    if len(shape_of(x)) < 2:
        raise ValueError("matrix_transpose: input array must be at least 2-dimensional")
    return swapaxes(x, -1, -2)


def unstack(x: Any, /, *, axis: Any = 0) -> Any:
    """``numpy.unstack``: the slices along ``axis``, as a tuple.

    >>> [a.tolist() for a in unstack(_np.array([[1.0, 2.0], [3.0, 4.0]]))]
    [[1.0, 2.0], [3.0, 4.0]]
    """
    x = _arr(x)
    if not shape_of(x):
        raise ValueError("Input array must be at least 1-d.")
    axis = normalize_axis(axis, len(shape_of(x)))
    return tuple(ops.index(x, (slice(None),) * axis + (i,)) for i in range(shape_of(x)[axis]))


def delete(arr: Any, obj: Any, axis: Any = None) -> Any:
    """``numpy.delete`` with a concrete ``obj`` (int, slice or indices): a gather of the kept entries.

    >>> delete(_np.array([1.0, 2.0, 3.0]), 1).tolist()
    [1.0, 3.0]
    """
    arr = _arr(arr)
    if axis is None:
        arr, axis = ravel(arr), 0
    axis = normalize_axis(axis, len(shape_of(arr)))
    if _is_traced(obj):
        obj = concrete_or_none(obj)
        if obj is None:
            raise _unsupported("delete", "a traced obj under jit (the result's shape depends on it)")
    keep = _np.delete(_np.arange(shape_of(arr)[axis]), obj)
    return ops.index(arr, (slice(None),) * axis + (keep,))


def block(arrays: Any) -> Any:
    """``numpy.block``: assemble an array from nested lists of blocks (the innermost list joins along the
    last axis, the next along the one before, ...).

    >>> block([[_np.eye(2), _np.zeros((2, 1))], [_np.ones((1, 2)), _np.ones((1, 1))]]).shape
    (3, 3)
    """
    def depth(x):
        if isinstance(x, tuple):
            raise TypeError("funcgrad.numpy.block: arrays is a tuple; only lists can be used to arrange blocks")
        if isinstance(x, list):
            if not x:
                raise ValueError("funcgrad.numpy.block: lists cannot be empty")
            ds = {depth(v) for v in x}
            if len(ds) != 1:
                raise ValueError("funcgrad.numpy.block: list depths are mismatched")
            return 1 + ds.pop()
        return 0

    def max_ndim(x):
        return builtins.max(max_ndim(v) for v in x) if isinstance(x, list) else len(shape_of(_arr(x)))

    d = depth(arrays)
    nd = builtins.max(d, max_ndim(arrays))

    def build(x, level):
        if not isinstance(x, list):
            a = _arr(x)
            return reshape(a, (1,) * (nd - len(shape_of(a))) + shape_of(a))
        return concatenate([build(v, level + 1) for v in x], axis=-(d - level))

    return build(arrays, 0)


def insert(arr: Any, obj: Any, values: Any, axis: Any = None) -> Any:
    """``numpy.insert`` with a concrete ``obj``: NumPy's own layout, computed on index arrays, then a gather
    from ``arr`` and ``values`` (differentiable in both).

    >>> insert(_np.array([1.0, 2.0, 3.0]), 1, 9.0).tolist()
    [1.0, 9.0, 2.0, 3.0]
    """
    arr, values = _arr(arr), _arr(values)
    if _is_traced(obj):
        obj = concrete_or_none(obj)
        if obj is None:
            raise _unsupported("insert", "a traced obj under jit (the result's shape depends on it)")
    if axis is None:
        arr = ravel(arr)
    # positive tags are arr's elements (1-based), negative ones values' elements, placed by NumPy itself
    tags = _np.insert(_np.arange(1, int(_np.prod(shape_of(arr))) + 1).reshape(shape_of(arr)), obj,
                      -_np.arange(1, int(_np.prod(shape_of(values))) + 1).reshape(shape_of(values)),
                      axis if axis is None else normalize_axis(axis, len(shape_of(arr))))
    dtype = dtype_of(arr)
    from_arr = ops.index(ravel(arr), (_np.maximum(tags, 1) - 1,))
    from_values = ops.index(ravel(astype(values, dtype)), (_np.maximum(-tags, 1) - 1,)) if shape_of(values) or \
        _np.any(tags < 0) else None
    if from_values is None:
        return from_arr
    return ops.select(tags > 0, from_arr, from_values)
