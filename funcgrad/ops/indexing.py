"""Indexing: ``getitem`` and its transposes ``scatter_add`` and ``scatter_set``.

An index is normalised once into a hashable spec: a tuple whose entries are
``Slice(start, stop, step)`` (concrete bounds), ints, ``None`` (new axis) or
``Arr(k)``, the k-th integer-array operand of the primitive. Boolean masks become
integer arrays (they need concrete values). Index arrays may be traced integers.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from funcgrad.core.ir import ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.core.trace import Tracer, concrete_or_none
from funcgrad.ops.util import dtype_of, fallback_abstract, shape_of


class Slice(NamedTuple):
    start: int
    stop: int | None
    step: int

    def __str__(self) -> str:
        stop = "" if self.stop is None else self.stop
        return f"{self.start}:{stop}" + (f":{self.step}" if self.step != 1 else "")


class Arr(NamedTuple):
    k: int

    def __str__(self) -> str:
        return f"#{self.k}"


class IndexSpec(tuple):
    """A normalised index (hashable; prints like ``[1:3, #0, None]``)."""

    def __str__(self) -> str:
        return "[" + ", ".join(str(e) for e in self) + "]"


def _is_int_scalar(k) -> bool:
    return isinstance(k, int | np.integer) and not isinstance(k, bool | np.bool_)


def normalize_index(shape: tuple[int, ...], key: Any) -> tuple[IndexSpec, list]:
    """Turn a NumPy index into ``(spec, arrays)``."""
    if not isinstance(key, tuple):
        key = (key,)
    entries: list = []
    for k in key:
        if isinstance(k, list):
            k = np.asarray(k)
        if isinstance(k, Tracer) and k.dtype == bool or isinstance(k, np.ndarray) and k.dtype == bool:
            mask = concrete_or_none(k)
            if mask is None:
                raise IndexError("indexing with a traced boolean mask needs its concrete value, which is "
                                 "unknown under jit: use fnp.where(mask, x, 0) instead")
            entries.extend(np.nonzero(np.asarray(mask)))
        else:
            entries.append(k)
    consumed = sum(0 if (e is None or e is Ellipsis) else 1 for e in entries)
    if consumed > len(shape):
        raise IndexError(f"too many indices for array: array is {len(shape)}-dimensional, "
                         f"but {consumed} were indexed")
    spec, arrays, dim = [], [], 0
    for e in entries:
        if e is Ellipsis:
            n = len(shape) - consumed
            spec.extend(Slice(0, shape[dim + j], 1) for j in range(n))
            dim += n
            consumed = len(shape)
        elif e is None:
            spec.append(None)
        elif isinstance(e, slice):
            start, stop, step = e.indices(shape[dim])
            spec.append(Slice(start, None if stop < 0 else stop, step))
            dim += 1
        elif _is_int_scalar(e):
            n = shape[dim]
            if not -n <= int(e) < n:
                raise IndexError(f"index {int(e)} is out of bounds for axis {dim} with size {n}")
            spec.append(int(e) % n)
            dim += 1
        elif isinstance(e, Tracer | np.ndarray) and np.issubdtype(e.dtype, np.integer):
            spec.append(Arr(len(arrays)))
            arrays.append(e)
            dim += 1
        else:
            raise IndexError(f"funcgrad cannot index with {type(e).__name__} {e!r}: use ints, slices, "
                             f"None, Ellipsis, integer arrays or boolean masks")
    spec.extend(Slice(0, shape[d], 1) for d in range(dim, len(shape)))
    return IndexSpec(spec), arrays


def build_index(spec: IndexSpec, arrays) -> tuple:
    """The NumPy index that ``spec`` stands for."""
    return tuple(slice(e.start, e.stop, e.step) if type(e) is Slice
                 else arrays[e.k] if type(e) is Arr else e for e in spec)


def is_basic(spec: IndexSpec) -> bool:
    return not any(type(e) is Arr for e in spec)


def index(x, key):
    """``x[key]`` as a primitive call (usable in rules and in ``funcgrad.numpy``)."""
    spec, arrays = normalize_index(shape_of(x), key)
    if all(type(e) is Slice and e.start == 0 and e.step == 1 and e.stop == n
           for e, n in zip(spec, shape_of(x))) and len(spec) == len(shape_of(x)):
        return x
    return getitem(x, *arrays, idx=spec)


# ----------------------------------------------------------------------------- primitives

def _getitem_impl(x, *arrays, idx):
    return np.asarray(x)[build_index(idx, arrays)]


def _scatter_add_impl(u, *arrays, idx, shape):
    out = np.zeros(shape, np.result_type(u))
    if arrays:
        np.add.at(out, build_index(idx, arrays), u)
    else:
        out[build_index(idx, arrays)] = u
    return out


def _scatter_set_impl(x, u, *arrays, idx):
    out = np.array(x, dtype=np.result_type(x, u), copy=True)
    out[build_index(idx, arrays)] = u
    return out


getitem = Primitive("getitem", _getitem_impl, abstract=fallback_abstract(_getitem_impl))
scatter_add = Primitive("scatter_add", _scatter_add_impl,
                        abstract=lambda u, *arrays, idx, shape: ShapedArray(tuple(shape), np.result_type(u.dtype)))
scatter_set = Primitive("scatter_set", _scatter_set_impl, abstract=fallback_abstract(_scatter_set_impl))

getitem.def_jvp(lambda t, ans, x, *arrays, idx: getitem(t, *arrays, idx=idx))
getitem.def_vjp(lambda g, ans, x, *arrays, idx: scatter_add(g, *arrays, idx=idx, shape=shape_of(x)))

scatter_add.def_jvp(lambda t, ans, u, *arrays, idx, shape: scatter_add(t, *arrays, idx=idx, shape=shape))
scatter_add.def_vjp(lambda g, ans, u, *arrays, idx, shape: getitem(g, *arrays, idx=idx))


def _landed(u, arrays, idx, xshape):
    """Where ``idx`` repeats a position, only the last of ``u``'s values lands (as in NumPy's
    ``out[idx] = u``): a mask, shaped like ``u``, of the values that do."""
    from funcgrad.ops.elementwise import equal

    ushape = shape_of(u)
    ids = np.arange(1, int(np.prod(ushape, dtype=np.int64)) + 1, dtype=np.float64).reshape(ushape)
    return equal(getitem(scatter_set(np.zeros(xshape), ids, *arrays, idx=idx), *arrays, idx=idx), ids)


def _scatter_set_jvp_u(t, ans, x, u, *arrays, idx):
    return scatter_set(np.zeros(shape_of(x), dtype_of(t)), t, *arrays, idx=idx)


def _scatter_set_vjp_u(g, ans, x, u, *arrays, idx):
    from funcgrad.ops.elementwise import select

    gu = getitem(g, *arrays, idx=idx)
    return gu if is_basic(idx) else select(_landed(u, arrays, idx, shape_of(x)), gu, 0.0)


scatter_set.def_jvp(lambda t, ans, x, u, *arrays, idx: scatter_set(t, 0.0, *arrays, idx=idx), _scatter_set_jvp_u)
scatter_set.def_vjp(lambda g, ans, x, u, *arrays, idx: scatter_set(g, 0.0, *arrays, idx=idx), _scatter_set_vjp_u)


# ----------------------------------------------------------------------------- batching

def _advanced_dims_first(spec: IndexSpec) -> bool:
    """NumPy puts advanced-index dims first when advanced indices are not adjacent."""
    adv = [i for i, e in enumerate(spec) if type(e) is Arr or (type(e) is int)]
    if not any(type(e) is Arr for e in spec):
        return False
    return adv != list(range(adv[0], adv[0] + len(adv)))


def _index_rank(arrays) -> int:
    return len(np.broadcast_shapes(*[shape_of(a) for a in arrays])) if arrays else 0


def _batched_spec(n, spec, arrays, dims):
    """Index a batch-leading operand: ``(spec', arrays', out_dim, perm)``. ``perm`` (or ``None``)
    reorders the result of ``spec'`` into the batch-leading layout of ``spec``'s result."""
    from funcgrad.ops.shape import moveaxis, reshape

    if all(d is None for d in dims):
        out_dim = _index_rank(arrays) if _advanced_dims_first((Slice(0, n, 1),) + spec) else 0
        return IndexSpec((Slice(0, n, 1),) + spec), list(arrays), out_dim, None
    # batched index arrays: index the batch axis with an explicit arange
    rank = max(len(shape_of(a)) - (d is not None) for a, d in zip(arrays, dims))
    new_arrays = [np.arange(n).reshape((n,) + (1,) * rank)]
    for a, d in zip(arrays, dims):
        if d is not None:
            a = moveaxis(a, d, 0) if d != 0 else a
            s = shape_of(a)
            if len(s) - 1 < rank:
                a = reshape(a, shape=(n,) + (1,) * (rank - len(s) + 1) + s[1:])
        new_arrays.append(a)
    shifted = tuple(Arr(e.k + 1) if type(e) is Arr else e for e in spec)
    # The arange in front puts the advanced-index dims first; where ``spec`` keeps them in place
    # (adjacent advanced indices after p slices / new axes), move them back behind those p dims.
    perm = None
    p = [type(e) is Arr or type(e) is int for e in spec].index(True)
    if p and not _advanced_dims_first(spec):
        nd = 1 + rank + sum(1 for e in spec if e is None or type(e) is Slice)
        perm = ((0,) + tuple(range(rank + 1, rank + 1 + p)) + tuple(range(1, rank + 1))
                + tuple(range(rank + 1 + p, nd)))
    return IndexSpec((Arr(0),) + shifted), new_arrays, 0, perm


def _inverse(perm):
    return tuple(np.argsort(perm).tolist())


def _getitem_batch(n, args, dims, idx):
    from funcgrad.ops.shape import broadcast_to, moveaxis, transpose

    x, arrays = args[0], args[1:]
    xd, adims = dims[0], dims[1:]
    if xd is None:
        x = broadcast_to(x, shape=(n,) + shape_of(x))
    elif xd != 0:
        x = moveaxis(x, xd, 0)
    spec, new_arrays, out_dim, perm = _batched_spec(n, idx, arrays, adims)
    out = getitem(x, *new_arrays, idx=spec)
    return (out if perm is None else transpose(out, perm=perm)), out_dim


def _scatter_add_batch(n, args, dims, idx, shape):
    from funcgrad.ops.shape import broadcast_to, moveaxis, transpose

    u, arrays = args[0], args[1:]
    ud, adims = dims[0], dims[1:]
    spec, new_arrays, out_dim, perm = _batched_spec(n, idx, arrays, adims)
    if ud is None:
        u = broadcast_to(u, shape=(n,) + shape_of(u))
        ud = 0
    if ud != out_dim:
        u = moveaxis(u, ud, out_dim)
    if perm is not None:
        u = transpose(u, perm=_inverse(perm))
    return scatter_add(u, *new_arrays, idx=spec, shape=(n,) + tuple(shape)), 0


def _scatter_set_batch(n, args, dims, idx):
    from funcgrad.ops.shape import broadcast_to, moveaxis, transpose

    x, u, arrays = args[0], args[1], args[2:]
    xd, ud, adims = dims[0], dims[1], dims[2:]
    if xd is None:
        x = broadcast_to(x, shape=(n,) + shape_of(x))
    elif xd != 0:
        x = moveaxis(x, xd, 0)
    spec, new_arrays, out_dim, perm = _batched_spec(n, idx, arrays, adims)
    if ud is None:
        us = shape_of(u)
        if us:
            from funcgrad.ops.shape import reshape

            u = reshape(u, shape=us[:out_dim] + (1,) + us[out_dim:])
    elif ud != out_dim:
        u = moveaxis(u, ud, out_dim)
    if perm is not None and len(shape_of(u)) == len(perm):
        u = transpose(u, perm=_inverse(perm))
    return scatter_set(x, u, *new_arrays, idx=spec), 0


getitem.def_batch(_getitem_batch)
scatter_add.def_batch(_scatter_add_batch)
scatter_set.def_batch(_scatter_set_batch)


# ----------------------------------------------------------------------------- searchsorted

def _searchsorted_batch(n, args, dims, side):
    from funcgrad.ops.shape import broadcast_to, concatenate, moveaxis, reshape

    (a, v), (ad, vd) = args, dims
    if ad is None:  # the result has ``v``'s shape, batch axis included
        return searchsorted(a, v, side=side), vd
    a = moveaxis(a, ad, 0) if ad != 0 else a
    if vd is None:
        v = broadcast_to(v, shape=(n,) + shape_of(v))
    elif vd != 0:
        v = moveaxis(v, vd, 0)
    rest = shape_of(v)[1:]
    outs = [reshape(searchsorted(index(a, (i,)), index(v, (i,)), side=side), shape=(1,) + rest) for i in range(n)]
    return (concatenate(*outs, axis=0) if n > 1 else outs[0]), 0


# the positions at which ``v`` would be inserted into the sorted 1-D ``a`` (integer: no derivative)
searchsorted = Primitive("searchsorted", lambda a, v, side: np.searchsorted(a, v, side=side), differentiable=False,
                         abstract=lambda a, v, side: ShapedArray(v.shape if isinstance(v, ShapedArray)
                                                                 else np.shape(v), np.dtype(np.intp)))
searchsorted.def_batch(_searchsorted_batch)
