"""Index maps for fusion: slices, zero padding and identity-like constants as index arithmetic.

Stencils (``x[1:] - x[:-1]``), the ``scatter_add`` that reverse mode makes of every
slice, and the basis matrices of Jacobians and Hessians would each cost a pass over
memory. :func:`index_maps` rewrites them into three primitives that a kernel evaluates
from its loop indices, so that :mod:`funcgrad.passes.fusion` keeps them inside one
loop nest:

- ``window[offset, shape] x``: ``out[j] = x[j + offset]`` (unit axes of ``x`` broadcast);
  a unit-step slice. Positions where ``j + offset`` falls outside ``x`` are unspecified
  (a kernel reads the nearest element); only padding makes such windows, and it masks them.
- ``inside[lo, hi, shape]``: ``True`` where ``lo <= j < hi`` on every axis.
- ``eye[shape, axes, k, scale, zero, dtype]``: ``scale`` where ``j[axes[0]] - j[axes[1]] == k``, else
  ``zero`` (``0.0`` or ``-0.0``).

Slices of elementwise results are pushed to the operands (the elementwise work is
recomputed at the shifted positions, as XLA does, instead of a stored temporary);
padding ``scatter_add(x)[j]`` becomes ``select(inside, window(x), 0)``; a constant that is
a scaled shifted identity becomes an ``eye``. This runs only for the numba tier:
on generated Python, stored constants and NumPy's slicing are faster.

    >>> import funcgrad as fg, numpy as np
    >>> ir = index_maps(fg.make_ir(lambda x: x[1:] - x[:-1])(np.ones(5)))
    >>> [e.prim.name for e in ir.eqns]
    ['window', 'window', 'sub']
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import IR, Eqn, Literal, ShapedArray, Var
from funcgrad.core.primitive import REGISTRY, Primitive
from funcgrad.passes.cse import cse
from funcgrad.passes.dce import dce

INDEX_MAPS = frozenset({"window", "inside", "eye"})


def _window_impl(x, *, offset, shape):
    x = np.asarray(x)
    index = []
    for o, s, n in zip(offset, shape, x.shape):
        if n == 1 and s != 1:
            index.append(slice(0, 1))
        elif 0 <= o and o + s <= n:
            index.append(slice(o, o + s))
        else:
            index.append(np.clip(np.arange(o, o + s), 0, n - 1))
    if any(isinstance(i, np.ndarray) for i in index):
        out = x[np.ix_(*[np.arange(n)[i] if isinstance(i, slice) else i for i, n in zip(index, x.shape)])]
    else:
        out = x[tuple(index)]
    return out if out.shape == tuple(shape) else np.broadcast_to(out, shape)


def _inside_impl(*, lo, hi, shape):
    out = np.zeros(shape, bool)
    out[tuple(slice(a, b) for a, b in zip(lo, hi))] = True
    return out


def _eye_impl(*, shape, axes, k, scale, zero, dtype):
    a, b = axes
    ia = np.arange(shape[a]).reshape([-1 if d == a else 1 for d in range(len(shape))])
    ib = np.arange(shape[b]).reshape([-1 if d == b else 1 for d in range(len(shape))])
    return np.where(np.broadcast_to(ia - ib == k, shape), np.dtype(dtype).type(scale), np.dtype(dtype).type(zero))


def _primitive(name, impl, abstract):
    return REGISTRY.get(name) or Primitive(name, impl, kind="index_map", abstract=abstract, differentiable=False)


window = _primitive("window", _window_impl, lambda x, *, offset, shape: ShapedArray(shape, x.dtype))
inside = _primitive("inside", _inside_impl, lambda *, lo, hi, shape: ShapedArray(shape, np.dtype(bool)))
eye = _primitive("eye", _eye_impl, lambda *, shape, axes, k, scale, zero, dtype: ShapedArray(shape, np.dtype(dtype)))


def _unit_slices(spec, rank: int) -> tuple[int, ...] | None:
    """The start of each axis if ``spec`` is unit-step slices of every axis (no ints, new axes, arrays)."""
    if len(spec) != rank or not all(type(e).__name__ == "Slice" and e.step == 1 for e in spec):
        return None
    return tuple(e.start for e in spec)


def _eye_pattern(c: np.ndarray) -> tuple | None:
    """``(axes, k, scale, rows, zero)`` if ``c`` is ``scale`` on one run of one shifted diagonal of two
    axes (rows ``rows[0] <= i < rows[1]`` of the first) and ``zero`` (all ``0.0`` or all ``-0.0``)
    elsewhere, else ``None``."""
    if not (c.dtype.kind == "f" and c.ndim >= 2 and c.size >= 256):
        return None
    big = [d for d in range(c.ndim) if c.shape[d] > 1]
    if len(big) != 2:
        return None
    m = c.reshape(c.shape[big[0]], c.shape[big[1]])
    nz = np.flatnonzero(m)
    if not nz.size:
        return None
    i0, j0 = divmod(int(nz[0]), m.shape[1])
    k = i0 - j0
    diag = np.diagonal(m, -k)
    run = np.flatnonzero(diag)
    scale = diag[run[0]]
    first, last = int(run[0]), int(run[-1]) + 1
    if nz.size != run.size or run.size != last - first or not np.all(diag[first:last] == scale):
        return None  # other values, or a broken run
    negative_zeros = int(np.signbit(m).sum()) - (scale < 0) * run.size
    if negative_zeros not in (0, m.size - run.size):
        return None  # 0.0 and -0.0 mixed
    return tuple(big), k, float(scale), (first + max(k, 0), last + max(k, 0)), -0.0 if negative_zeros else 0.0


def _shift(x_shape: tuple, offset: tuple, shape: tuple) -> tuple[tuple, tuple]:
    """The window of an operand of shape ``x_shape`` (right-aligned, broadcasting) that a window
    ``(offset, shape)`` of its consumer reads."""
    lead = len(shape) - len(x_shape)
    return (tuple(0 if n == 1 else offset[lead + d] for d, n in enumerate(x_shape)),
            tuple(1 if n == 1 else shape[lead + d] for d, n in enumerate(x_shape)))


def index_maps(ir: IR) -> IR:
    """``ir`` with slices, padding and identity-like constants as index maps (see the module docstring)."""
    from funcgrad import ops
    from funcgrad.passes.fusion import kernel_role

    consumers: dict[Var, list[Eqn]] = {}
    for e in ir.eqns:
        for x in e.ins:
            if isinstance(x, Var):
                consumers.setdefault(x, []).append(e)
    producer: dict[Var, Eqn] = {}
    eqns: list[Eqn] = []
    memo: dict = {}

    def emit(prim, ins, aval, params) -> Var:
        out = Var(aval)
        e = Eqn(prim, tuple(ins), (out,), params)
        eqns.append(e)
        producer[out] = e
        return out

    def shifted(x, offset: tuple, shape: tuple):
        """``window[offset, shape] x``, pushed through elementwise producers to their operands. Unit axes
        of ``x`` stay unit axes (the result broadcasts to ``shape`` as ``x`` does)."""
        if isinstance(x, Literal):
            return x
        offset = tuple(0 if n == 1 else o for o, n in zip(offset, x.aval.shape))
        shape = tuple(1 if n == 1 else s for s, n in zip(shape, x.aval.shape))
        if tuple(x.aval.shape) == shape and not any(offset):
            return x
        key = (x, offset, shape)
        if key in memo:
            return memo[key]
        e = producer.get(x)
        if e is not None and e.prim.name == "window":
            out = shifted(e.ins[0], tuple(a + b for a, b in zip(offset, e.params["offset"])), shape)
        elif e is not None and e.prim.name == "inside":
            p = e.params
            out = emit(inside, (), ShapedArray(shape, np.dtype(bool)),
                       {"lo": tuple(a - o for a, o in zip(p["lo"], offset)),
                        "hi": tuple(b - o for b, o in zip(p["hi"], offset)), "shape": shape})
        elif e is not None and e.prim.name == "eye":
            p = e.params
            a, b = p["axes"]
            out = emit(eye, (), ShapedArray(shape, x.aval.dtype),
                       {**p, "shape": shape, "k": p["k"] - offset[a] + offset[b]})
        elif e is not None and e.prim.name == "reshape" and kernel_role(e) is not None:  # moves unit axes only
            y = e.ins[0]
            ys = y.aval.shape
            inner_offset, inner_shape = [0] * len(ys), [1] * len(ys)
            for a, b in zip((d for d, n in enumerate(x.aval.shape) if n != 1), (d for d, n in enumerate(ys) if n != 1)):
                inner_offset[b], inner_shape[b] = offset[a], shape[a]
            inner = shifted(y, tuple(inner_offset), tuple(inner_shape))
            out = emit(e.prim, (inner,), ShapedArray(shape, x.aval.dtype), {"shape": shape})
        elif e is not None and e.prim.kind == "elementwise" and kernel_role(e) is not None:
            ins = [x2 if isinstance(x2, Literal) else shifted(x2, *_shift(x2.aval.shape, offset, shape))
                   for x2 in e.ins]
            out = emit(e.prim, ins, ShapedArray(shape, x.aval.dtype), e.params)
        else:
            out = emit(window, (x,), ShapedArray(shape, x.aval.dtype), {"offset": offset, "shape": shape})
        memo[key] = out
        return out

    rename: dict[Var, object] = {}
    const_vars, consts = [], []
    for v, c in zip(ir.const_vars, ir.consts):
        pattern = _eye_pattern(c) if isinstance(c, np.ndarray) and all(
            e.prim.kind == "elementwise" for e in consumers.get(v, ())) else None
        if pattern is None:
            const_vars.append(v)
            consts.append(c)
            continue
        axes, k, scale, rows, zero = pattern
        shape = tuple(c.shape)
        rename[v] = emit(eye, (), v.aval, {"shape": shape, "axes": axes, "k": k, "scale": scale, "zero": zero,
                                           "dtype": c.dtype.name})
        if rows != (0, shape[axes[0]]):
            lo, hi = [0] * len(shape), list(shape)
            lo[axes[0]], hi[axes[0]] = rows
            mask = emit(inside, (), ShapedArray(shape, np.dtype(bool)), {"lo": tuple(lo), "hi": tuple(hi),
                                                                          "shape": shape})
            rename[v] = emit(ops.select, (mask, rename[v], Literal(zero, ShapedArray((), c.dtype))), v.aval, {})

    def sub(x):
        return rename.get(x, x) if isinstance(x, Var) else x

    for eqn in ir.eqns:
        ins = [sub(x) for x in eqn.ins]
        out, name = eqn.outs[0], eqn.prim.name
        if name in ("getitem", "scatter_add") and len(ins) == 1 and isinstance(ins[0], Var) \
                and ins[0].aval.dtype.kind == "f":
            x = ins[0]
            if name == "getitem":
                starts = _unit_slices(eqn.params["idx"], len(x.aval.shape))
                if starts is not None:
                    rename[out] = shifted(x, starts, tuple(out.aval.shape))
                    continue
            else:
                shape = tuple(eqn.params["shape"])
                starts = _unit_slices(eqn.params["idx"], len(shape))
                if starts is not None and all(c.prim.kind == "elementwise" for c in consumers.get(out, ())) \
                        and out not in ir.outs:
                    mask = emit(inside, (), ShapedArray(shape, np.dtype(bool)),
                                {"lo": starts, "hi": tuple(s + n for s, n in zip(starts, x.aval.shape)),
                                 "shape": shape})
                    inner = shifted(x, tuple(-s for s in starts), shape)
                    zero = Literal(0.0, ShapedArray((), x.aval.dtype))
                    rename[out] = emit(ops.select, (mask, inner, zero), out.aval, {})
                    continue
        new = Eqn(eqn.prim, tuple(ins), eqn.outs, eqn.params)
        eqns.append(new)
        for o in eqn.outs:
            producer[o] = new
    return dce(cse(IR(ir.in_vars, eqns, [sub(x) for x in ir.outs], const_vars, consts)))
