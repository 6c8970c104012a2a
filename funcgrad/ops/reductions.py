"""Reductions and scans along axes, with their derivative rules.

``axes`` is always a sorted tuple of non-negative ints (the NumPy layer normalises
it); ``keepdims`` keeps the reduced axes with length one.
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.ops.elementwise import convert, select
from funcgrad.ops.util import dtype_of, shape_of


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else n for i, n in enumerate(shape))
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def _reduction_abstract(impl):
    def abstract(x, axes, keepdims, **params):
        probe = np.ones((1,) * len(x.shape), x.dtype)
        dtype = np.asarray(impl(probe, axes=axes, keepdims=keepdims, **params)).dtype
        return ShapedArray(_reduced_shape(x.shape, axes, keepdims), dtype)

    return abstract


def _batch_reduction(prim):
    def rule(axis_size, args, dims, axes, keepdims, **params):
        from funcgrad.ops.shape import moveaxis

        (x,), (d,) = args, dims
        if d != 0:
            x = moveaxis(x, d, 0)
        return prim(x, axes=tuple(a + 1 for a in axes), keepdims=keepdims, **params), 0

    return rule


def reduction(name, impl, differentiable=True) -> Primitive:
    prim = Primitive(name, impl, kind="reduction", differentiable=differentiable,
                     abstract=_reduction_abstract(impl))
    prim.def_batch(_batch_reduction(prim))
    return prim


def expand_reduced(g, shape, axes, keepdims):
    """Broadcast a reduction's result (or cotangent) back to the input ``shape``."""
    from funcgrad.ops.shape import broadcast_to, reshape

    if not keepdims and axes != tuple(range(len(axes))):  # leading axes come back by broadcasting alone
        g = reshape(g, shape=_reduced_shape(shape, axes, True))
    return broadcast_to(g, shape=shape)


# ----------------------------------------------------------------------------- sum

reduce_sum = reduction("reduce_sum", lambda x, axes, keepdims: np.add.reduce(x, axes, None, None, keepdims))
reduce_sum.def_jvp(lambda t, ans, x, axes, keepdims: reduce_sum(t, axes=axes, keepdims=keepdims))
reduce_sum.def_vjp(lambda g, ans, x, axes, keepdims: expand_reduced(g, shape_of(x), axes, keepdims))


def _count(shape, axes) -> int:
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


reduce_mean = reduction("reduce_mean", lambda x, axes, keepdims: np.mean(x, axis=axes, keepdims=keepdims))
reduce_mean.def_jvp(lambda t, ans, x, axes, keepdims: reduce_mean(t, axes=axes, keepdims=keepdims))
reduce_mean.def_vjp(lambda g, ans, x, axes, keepdims:
                    expand_reduced(g / _count(shape_of(x), axes), shape_of(x), axes, keepdims))


# ----------------------------------------------------------------------------- max / min

def _argext_share(x, ans, axes, keepdims):
    """Where ``x`` attains the extremum, 1/count (ties share the derivative evenly)."""
    ans_full = expand_reduced(ans, shape_of(x), axes, keepdims)
    mask = convert(x == ans_full, dtype=dtype_of(x))
    count = reduce_sum(mask, axes=axes, keepdims=True)
    return mask / count


def _ext_jvp(t, ans, x, axes, keepdims):
    return reduce_sum(t * _argext_share(x, ans, axes, keepdims), axes=axes, keepdims=keepdims)


def _ext_vjp(g, ans, x, axes, keepdims):
    return expand_reduced(g, shape_of(x), axes, keepdims) * _argext_share(x, ans, axes, keepdims)


reduce_max = reduction("reduce_max", lambda x, axes, keepdims: np.maximum.reduce(x, axes, None, None, keepdims))
reduce_min = reduction("reduce_min", lambda x, axes, keepdims: np.minimum.reduce(x, axes, None, None, keepdims))
for _p in (reduce_max, reduce_min):
    _p.def_jvp(_ext_jvp)
    _p.def_vjp(_ext_vjp)


# ----------------------------------------------------------------------------- prod

def _prod_of_others(x, axes):
    """For every element, the product of the other elements along ``axes`` (exact at zeros)."""
    from funcgrad.ops.shape import pad, reshape, transpose

    shape = shape_of(x)
    keep = [i for i in range(len(shape)) if i not in axes]
    perm = tuple(keep) + tuple(axes)
    n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
    flat = reshape(transpose(x, perm=perm), shape=tuple(shape[i] for i in keep) + (n,))
    nd = len(keep) + 1
    widths_l = ((0, 0),) * (nd - 1) + ((1, 0),)
    widths_r = ((0, 0),) * (nd - 1) + ((0, 1),)
    left = cumprod(pad(flat, widths=widths_l, value=1.0), axis=nd - 1, reverse=False)
    right = cumprod(pad(flat, widths=widths_r, value=1.0), axis=nd - 1, reverse=True)
    from funcgrad.ops.indexing import index

    body = (slice(None),) * (nd - 1)
    others = index(left, body + (slice(None, -1),)) * index(right, body + (slice(1, None),))
    others = reshape(others, shape=tuple(shape[i] for i in perm))
    inverse = tuple(np.argsort(perm).tolist())
    return transpose(others, perm=inverse)


reduce_prod = reduction("reduce_prod", lambda x, axes, keepdims: np.multiply.reduce(x, axes, None, None, keepdims))
reduce_prod.def_jvp(lambda t, ans, x, axes, keepdims:
                    reduce_sum(t * _prod_of_others(x, axes), axes=axes, keepdims=keepdims))
reduce_prod.def_vjp(lambda g, ans, x, axes, keepdims:
                    expand_reduced(g, shape_of(x), axes, keepdims) * _prod_of_others(x, axes))


# ----------------------------------------------------------------------------- arg / logical

def _arg_impl(fn):
    def impl(x, axes, keepdims):
        if len(axes) == 1:
            return fn(x, axis=axes[0], keepdims=keepdims)
        # several axes (axis=None, also under vmap): the flat C-order index over ``axes``, as NumPy's axis=None
        x = np.asarray(x)
        keep = [i for i in range(x.ndim) if i not in axes]
        flat = np.transpose(x, keep + list(axes)).reshape([x.shape[i] for i in keep] + [-1])
        out = fn(flat, axis=-1)
        return out.reshape(_reduced_shape(x.shape, axes, True)) if keepdims else out

    return impl


argmax = reduction("argmax", _arg_impl(np.argmax), differentiable=False)
argmin = reduction("argmin", _arg_impl(np.argmin), differentiable=False)
reduce_any = reduction("reduce_any", lambda x, axes, keepdims: np.any(x, axis=axes, keepdims=keepdims),
                       differentiable=False)
reduce_all = reduction("reduce_all", lambda x, axes, keepdims: np.all(x, axis=axes, keepdims=keepdims),
                       differentiable=False)


# ----------------------------------------------------------------------------- scans

def _scan_impl(fn):
    def impl(x, axis, reverse):
        if reverse:
            x = np.flip(x, axis)
        out = fn(x, axis=axis)
        return np.flip(out, axis) if reverse else out

    return impl


def _scan_abstract(impl):
    def abstract(x, axis, reverse):
        dtype = impl(np.ones((1,) * len(x.shape), x.dtype), axis=axis, reverse=reverse).dtype
        return ShapedArray(x.shape, dtype)

    return abstract


def _batch_scan(prim):
    def rule(axis_size, args, dims, axis, reverse):
        from funcgrad.ops.shape import moveaxis

        (x,), (d,) = args, dims
        if d != 0:
            x = moveaxis(x, d, 0)
        return prim(x, axis=axis + 1, reverse=reverse), 0

    return rule


def scan_prim(name, fn):
    impl = _scan_impl(fn)
    prim = Primitive(name, impl, kind="opaque", abstract=_scan_abstract(impl))
    prim.def_batch(_batch_scan(prim))
    return prim


cumsum = scan_prim("cumsum", np.cumsum)
cumsum.def_jvp(lambda t, ans, x, axis, reverse: cumsum(t, axis=axis, reverse=reverse))
cumsum.def_vjp(lambda g, ans, x, axis, reverse: cumsum(g, axis=axis, reverse=not reverse))


def _cumprod_partials(x, axis, reverse):
    """``P[..., i, j] = d y_j / d x_i`` along the last two axes (exact at zeros)."""
    from funcgrad.ops.shape import broadcast_to, moveaxis, reshape

    xm = moveaxis(x, axis, -1)
    shape = shape_of(xm)
    n = shape[-1]
    eye = np.eye(n, dtype=bool)
    order = np.triu(np.ones((n, n), dtype=bool)) if not reverse else np.tril(np.ones((n, n), dtype=bool))
    rows = broadcast_to(reshape(xm, shape=shape[:-1] + (1, n)), shape=shape[:-1] + (n, n))
    partial = cumprod(select(eye, 1, rows), axis=len(shape), reverse=reverse)
    return select(order, partial, 0)


def _cumprod_jvp(t, ans, x, axis, reverse):
    from funcgrad.ops.shape import moveaxis, reshape

    tm = moveaxis(t, axis, -1)
    shape = shape_of(tm)
    out = reduce_sum(reshape(tm, shape=shape + (1,)) * _cumprod_partials(x, axis, reverse),
                     axes=(len(shape) - 1,), keepdims=False)
    return moveaxis(out, -1, axis)


def _cumprod_vjp(g, ans, x, axis, reverse):
    from funcgrad.ops.shape import moveaxis, reshape

    gm = moveaxis(g, axis, -1)
    shape = shape_of(gm)
    out = reduce_sum(reshape(gm, shape=shape[:-1] + (1, shape[-1])) * _cumprod_partials(x, axis, reverse),
                     axes=(len(shape),), keepdims=False)
    return moveaxis(out, -1, axis)


cumprod = scan_prim("cumprod", np.cumprod)
cumprod.def_jvp(_cumprod_jvp)
cumprod.def_vjp(_cumprod_vjp)

del _p


# ----------------------------------------------------------------------------- argsort

def _argsort_batch(axis_size, args, dims, axis, stable):
    from funcgrad.ops.shape import moveaxis

    (x,), (d,) = args, dims
    return argsort(moveaxis(x, d, 0) if d != 0 else x, axis=axis + 1, stable=stable), 0


# ``stable``: tied elements keep their order, so ``sort`` (a gather by these indices) routes the derivative
# of each output to one definite input; otherwise NumPy's default sort, whose order of ties ``argsort`` matches
argsort = Primitive("argsort", lambda x, axis, stable: np.argsort(x, axis=axis, kind="stable" if stable else None),
                    kind="opaque", differentiable=False,
                    abstract=lambda x, axis, stable: ShapedArray(x.shape, np.dtype(np.intp)))
argsort.def_batch(_argsort_batch)


# ----------------------------------------------------------------------------- convolution
# Sums over sliding windows along the last axis (leading axes broadcast):
#   convolve(a, v)[k]        = sum_i a[i] v[k - i]     (length n + m - 1, the full convolution)
#   correlate_valid(x, w)[j] = sum_i x[i + j] w[i]     (length len(x) - len(w) + 1, for len(w) <= len(x))
# Primitives, so that they cost NumPy's O(n m) time and O(n + m) memory; each one's rules are the other
# or itself, so every order of derivative stays at that cost.

def _windowed(np_fn, out_len):
    def impl(a, v):
        a, v = np.asarray(a), np.asarray(v)
        lead = np.broadcast_shapes(a.shape[:-1], v.shape[:-1])
        n, m = a.shape[-1], v.shape[-1]
        dtype = np.result_type(a, v)
        if not lead:
            return np_fn(a, v).astype(dtype, copy=False)
        a2 = np.broadcast_to(a, lead + (n,)).reshape(-1, n)
        v2 = np.broadcast_to(v, lead + (m,)).reshape(-1, m)
        out = np.empty((a2.shape[0], out_len(n, m)), dtype)
        for i in range(a2.shape[0]):
            out[i] = np_fn(a2[i], v2[i])
        return out.reshape(lead + (out_len(n, m),))

    def abstract(a, v):
        lead = np.broadcast_shapes(a.shape[:-1], v.shape[:-1])
        return ShapedArray(lead + (out_len(a.shape[-1], v.shape[-1]),), np.result_type(a.dtype, v.dtype))

    return impl, abstract


def _correlate_valid(x, w):
    if w.shape[-1] > x.shape[-1]:
        raise ValueError(f"correlate_valid: the window ({w.shape[-1]}) is longer than the signal ({x.shape[-1]})")
    return np.correlate(x, w, "valid")


def _windowed_batch(prim):
    def rule(size, args, dims):
        from funcgrad.ops.shape import broadcast_to, moveaxis, reshape

        out = []
        for x, d in zip(args, dims):
            if d is None:
                x = broadcast_to(x, shape=(size,) + shape_of(x))
            elif d != 0:
                x = moveaxis(x, d, 0)
            out.append(x)
        a, v = out
        if len(shape_of(a)) != len(shape_of(v)):  # leading axes align from the right, behind the batch axis
            short, long_ = (a, v) if len(shape_of(a)) < len(shape_of(v)) else (v, a)
            s = shape_of(short)
            short = reshape(short, shape=s[:1] + (1,) * (len(shape_of(long_)) - len(s)) + s[1:])
            a, v = (short, long_) if len(shape_of(a)) < len(shape_of(v)) else (long_, short)
        return prim(a, v), 0

    return rule


def _unbroadcast_lead(g, shape):
    from funcgrad.ops.util import unbroadcast

    return unbroadcast(g, shape)


_convolve_impl, _convolve_abstract = _windowed(np.convolve, lambda n, m: n + m - 1)
_correlate_impl, _correlate_abstract = _windowed(_correlate_valid, lambda n, m: n - m + 1)
convolve = Primitive("convolve", _convolve_impl, kind="opaque", abstract=_convolve_abstract)
correlate_valid = Primitive("correlate_valid", _correlate_impl, kind="opaque", abstract=_correlate_abstract)

convolve.def_jvp(lambda t, ans, a, v: convolve(t, v), lambda t, ans, a, v: convolve(a, t))
convolve.def_vjp(lambda g, ans, a, v: _unbroadcast_lead(correlate_valid(g, v), shape_of(a)),
                 lambda g, ans, a, v: _unbroadcast_lead(correlate_valid(g, a), shape_of(v)))
convolve.def_batch(_windowed_batch(convolve))

correlate_valid.def_jvp(lambda t, ans, x, w: correlate_valid(t, w), lambda t, ans, x, w: correlate_valid(x, t))
correlate_valid.def_vjp(lambda g, ans, x, w: _unbroadcast_lead(convolve(g, w), shape_of(x)),
                        lambda g, ans, x, w: _unbroadcast_lead(correlate_valid(x, g), shape_of(w)))
correlate_valid.def_batch(_windowed_batch(correlate_valid))
