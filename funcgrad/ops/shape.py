"""Shape primitives: reshape, transpose, broadcast_to, concatenate, pad.

Everything else that moves data without arithmetic (squeeze, expand_dims,
moveaxis, stack, tile, ...) is a composition of these, in ``funcgrad.numpy``.
"""

from __future__ import annotations

import math

import numpy as np

from funcgrad.core.ir import ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.ops.util import normalize_axis, shape_of, unbroadcast


def _shape_prim(name, impl, abstract) -> Primitive:
    return Primitive(name, impl, kind="opaque", abstract=abstract)


def _to_front(x, d):
    return x if d == 0 else moveaxis(x, d, 0)


# ----------------------------------------------------------------------------- reshape

reshape = _shape_prim("reshape", lambda x, shape: np.reshape(x, shape),
                      lambda x, shape: ShapedArray(tuple(shape), x.dtype))
reshape.def_jvp(lambda t, ans, x, shape: reshape(t, shape=shape))
reshape.def_vjp(lambda g, ans, x, shape: reshape(g, shape=shape_of(x)))
reshape.def_batch(lambda n, args, dims, shape: (reshape(_to_front(args[0], dims[0]), shape=(n,) + shape), 0))


# ----------------------------------------------------------------------------- transpose

transpose = _shape_prim("transpose", lambda x, perm: np.transpose(x, perm),
                        lambda x, perm: ShapedArray(tuple(x.shape[p] for p in perm), x.dtype))
transpose.def_jvp(lambda t, ans, x, perm: transpose(t, perm=perm))
transpose.def_vjp(lambda g, ans, x, perm: transpose(g, perm=tuple(np.argsort(perm).tolist())))
transpose.def_batch(lambda n, args, dims, perm:
                    (transpose(args[0], perm=(dims[0],) + tuple(p + (p >= dims[0]) for p in perm)), 0))


def moveaxis(x, source: int, destination: int):
    """Move one axis of ``x`` (a composition of ``transpose``)."""
    nd = len(shape_of(x))
    source, destination = normalize_axis(source, nd), normalize_axis(destination, nd)
    if source == destination:
        return x
    order = [i for i in range(nd) if i != source]
    order.insert(destination, source)
    return transpose(x, perm=tuple(order))


# ----------------------------------------------------------------------------- broadcast_to

def _broadcast_batch(n, args, dims, shape):
    x = _to_front(args[0], dims[0])
    xs = shape_of(x)
    missing = len(shape) - (len(xs) - 1)
    if missing:
        x = reshape(x, shape=(n,) + (1,) * missing + xs[1:])
    return broadcast_to(x, shape=(n,) + shape), 0


_SMALL = 1 << 14  # below this many elements a copy is cheaper than numpy.broadcast_to's view


def _broadcast_to(x, shape):
    x = np.asarray(x)
    if math.prod(shape) > _SMALL:
        return np.broadcast_to(x, shape)
    if x.ndim > len(shape):
        raise ValueError(f"cannot broadcast an array of shape {x.shape} to the smaller rank of {shape}")
    out = np.empty(shape, x.dtype)
    np.copyto(out, x)
    return out


broadcast_to = _shape_prim("broadcast_to", _broadcast_to,
                           lambda x, shape: ShapedArray(tuple(shape), x.dtype))
broadcast_to.def_jvp(lambda t, ans, x, shape: broadcast_to(t, shape=shape))
broadcast_to.def_vjp(lambda g, ans, x, shape: unbroadcast(g, shape_of(x)))
broadcast_to.def_batch(_broadcast_batch)


# ----------------------------------------------------------------------------- concatenate

class EachInput:
    """A rule shared by all inputs of an n-ary primitive: ``rule(i, ...)``."""

    __slots__ = ("rule",)

    def __init__(self, rule):
        self.rule = rule

    def __getitem__(self, i):
        rule = self.rule
        return lambda *args, **params: rule(i, *args, **params)


def _concat_abstract(*xs, axis):
    shape = list(xs[0].shape)
    shape[axis] = sum(x.shape[axis] for x in xs)
    return ShapedArray(tuple(shape), np.result_type(*[x.dtype for x in xs]))


def _concat_vjp(i, g, ans, *xs, axis):
    from funcgrad.ops.indexing import index

    start = sum(shape_of(x)[axis] for x in xs[:i])
    stop = start + shape_of(xs[i])[axis]
    return index(g, (slice(None),) * axis + (slice(start, stop),))


def _concat_jvp(i, t, ans, *xs, axis):
    widths = [(0, 0)] * len(shape_of(ans))
    start = sum(shape_of(x)[axis] for x in xs[:i])
    widths[axis] = (start, shape_of(ans)[axis] - start - shape_of(xs[i])[axis])
    return pad(t, widths=tuple(widths), value=0.0)


def _concat_batch(n, args, dims, axis):
    new = []
    for x, d in zip(args, dims):
        new.append(broadcast_to(x, shape=(n,) + shape_of(x)) if d is None else _to_front(x, d))
    return concatenate(*new, axis=axis + 1), 0


concatenate = _shape_prim("concatenate", lambda *xs, axis: np.concatenate(xs, axis=axis), _concat_abstract)
concatenate.jvp = EachInput(_concat_jvp)
concatenate.vjp = EachInput(_concat_vjp)
concatenate.def_batch(_concat_batch)


# ----------------------------------------------------------------------------- pad

def _pad_impl(x, widths, value):
    return np.pad(x, widths, mode="constant", constant_values=value)


def _pad_abstract(x, widths, value):
    return ShapedArray(tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths)), x.dtype)


def _pad_vjp(g, ans, x, widths, value):
    from funcgrad.ops.indexing import index

    return index(g, tuple(slice(lo, lo + n) for n, (lo, _) in zip(shape_of(x), widths)))


pad = _shape_prim("pad", _pad_impl, _pad_abstract)
pad.def_jvp(lambda t, ans, x, widths, value: pad(t, widths=widths, value=0.0))
pad.def_vjp(_pad_vjp)
pad.def_batch(lambda n, args, dims, widths, value:
              (pad(_to_front(args[0], dims[0]), widths=((0, 0),) + widths, value=value), 0))
