"""Sparsity detection: an abstract interpreter of the IR over index sets.

Every variable of the IR is interpreted as a :class:`Dep`: for each of its elements, the
set of input elements it depends on (a sparse boolean matrix ``p`` of shape
``(size, n)``), and the set of input pairs ``(i, j)`` on which its second derivatives may
be nonzero (``h``, ``n × n``, the union over its elements). Rules say how these sets flow
through each primitive; they are declarative tables like the derivative rules:

- elementwise primitives flow by broadcasting; a ``None`` vjp rule (a ``where``'s
  condition) or a non-differentiable primitive carries nothing; :data:`HESSIAN_CLASS`
  says whether a primitive creates second-order interactions (``linear``, ``bilinear``
  like ``mul``, ``quotient`` like ``div``, or ``nonlinear``);
- shape and indexing primitives are *selections*: their index maps come from running
  their NumPy ``impl`` on arrays of element numbers;
- reductions, scans, ``dot_general`` and the window sums (``convolve``) declare which elements meet;
- control flow interprets the held IR (``cond``: every branch, ``while``: to a
  fixpoint, ``scan``: unrolled);
- any other primitive is *dense in its inputs*: a missing rule can only add nonzeros,
  never drop one.

Patterns are *global* (valid for every input) unless values are known: in local mode
every value is, and ``where``, ``maximum``, ``abs``, ``relu``, ``max`` and products by
zero keep only the side that is live at that input. Constants' zeros are used in both
modes (a product by a constant zero, a matmul with a sparse constant matrix).

    >>> import numpy as np, funcgrad as fg
    >>> from funcgrad.sparse.detection import jacobian_pattern
    >>> ir = fg.make_ir(lambda x: x[1:] * x[:-1])(np.ones(4))
    >>> jacobian_pattern(ir, 0).toarray().astype(int)
    array([[1, 1, 0, 0],
           [0, 1, 1, 0],
           [0, 0, 1, 1]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from funcgrad.core.ir import IR, Literal

# ----------------------------------------------------------------------------- index-set algebra


class Dep(NamedTuple):
    """What one variable depends on: ``p`` (size × n, or None: nothing), ``h`` (n × n or None), ``val``."""

    p: Any
    h: Any
    val: Any


NONE = Dep(None, None, None)


def _csr(rows, cols, shape) -> sp.csr_array:
    m = sp.csr_array((np.ones(len(rows)), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def _binary(m):
    if m is None:
        return None
    m = sp.csr_array(m)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.data[:] = 1.0
    return m


def _union(*ms):
    ms = [m for m in ms if m is not None]
    if not ms:
        return None
    out = ms[0]
    for m in ms[1:]:
        out = out + m
    return _binary(out)


def gather(idx: np.ndarray, in_size: int) -> sp.csr_array:
    """The selection matrix of an index map: output ``k`` takes input ``idx[k]`` (none where ``-1``)."""
    idx = np.asarray(idx, np.int64).ravel()
    rows = np.flatnonzero(idx >= 0)
    return _csr(rows, idx[rows], (idx.size, in_size))


def _apply(s, dep: Dep):
    """The pattern ``s`` (out × in) carries ``dep`` to: ``s @ dep.p``."""
    if s is None or dep.p is None:
        return None
    return _binary(s @ dep.p)


def _outer(a, b):
    """Input pairs met by the same output element: ``aᵀ b`` (n × n)."""
    if a is None or b is None:
        return None
    return _binary(a.T @ b)


def _sym(m):
    return None if m is None else _binary(m + m.T)


def _size(aval) -> int:
    return int(np.prod(aval.shape, dtype=np.int64))


def _elements(shape) -> np.ndarray:
    return np.arange(int(np.prod(shape, dtype=np.int64)), dtype=np.int64).reshape(shape)


# ----------------------------------------------------------------------------- rules

RULES: dict[str, Callable] = {}
"""Rules by primitive name: ``rule(ctx, eqn, ins: list[Dep]) -> list[Dep]`` (one per output)."""

HESSIAN_CLASS: dict[str, str] = {
    **dict.fromkeys(("add", "sub", "neg", "convert", "select", "maximum", "minimum", "relu", "abs", "mod", "fmod"),
                    "linear"),
    "mul": "bilinear", "safe_mul": "bilinear", "div": "quotient",
}
"""How an elementwise primitive couples its inputs at second order (default ``nonlinear``)."""

LINEAR_PRIMITIVES = {"reshape", "transpose", "broadcast_to", "getitem", "pad", "concatenate", "scatter_add",
                     "scatter_set", "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "cumsum"}


class Context(NamedTuple):
    n: int        # number of input elements
    local: bool   # values of every variable are known


def _flow(out_aval, parts, hessian: str = "linear", pairs=None) -> Dep:
    """Combine ``parts`` — ``(s, dep)``: input ``dep`` reaches the output through pattern ``s`` — into a Dep.

    ``hessian`` says which second-order interactions the primitive creates among the parts:
    ``linear`` none, ``nonlinear`` all pairs within an output element, ``bilinear`` / ``quotient``
    (two parts: ``a * b``, ``a / b``), or ``pairs`` given explicitly (an n × n pattern).
    """
    flows = [(_apply(s, d), d) for s, d in parts]
    p = _union(*[q for q, _ in flows])
    live = [d.h for q, d in flows if q is not None and q.nnz and d.h is not None]
    extra = pairs
    qs = [q for q, _ in flows]
    if hessian == "nonlinear":
        extra = _union(extra, _outer(p, p))
    elif hessian in ("bilinear", "quotient") and len(qs) == 2:
        extra = _union(extra, _sym(_outer(qs[0], qs[1])))
        if hessian == "quotient":
            extra = _union(extra, _outer(qs[1], qs[1]))
    return Dep(p, _union(*live, extra), None)


def _dense(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    """The rule of a primitive without one: every output element depends on every input element."""
    u = _union(*[_binary(sp.csr_array(np.asarray(d.p.sum(axis=0)).reshape(1, -1))) for d in ins if d.p is not None])
    h = _union(*[d.h for d in ins], _outer(u, u))
    out = []
    for v in eqn.outs:
        if u is None or not np.issubdtype(v.aval.dtype, np.inexact):
            out.append(NONE)
        else:
            ones = sp.csr_array(np.ones((_size(v.aval), 1)))
            out.append(Dep(_binary(ones @ u), h, None))
    return out


def _inexact(aval) -> bool:
    return np.issubdtype(aval.dtype, np.inexact)


# ----------------------------------------------------------------------------- elementwise

def _broadcast_map(in_shape, out_shape) -> np.ndarray:
    nd = len(out_shape)
    idx = _elements(in_shape).reshape((1,) * (nd - len(in_shape)) + tuple(in_shape))
    return np.broadcast_to(idx, out_shape).ravel()


def _live_masks(name: str, vals: list, n_in: int, out_shape) -> list:
    """Where each input's derivative is structurally zero given known values (``None``: unknown)."""
    masks: list = [None] * n_in

    def b(v):
        return np.broadcast_to(np.asarray(v), out_shape).ravel()

    if name in ("mul", "safe_mul"):
        for i, j in ((0, 1), (1, 0)):
            if vals[j] is not None:
                masks[i] = b(vals[j]) != 0
    elif name == "select" and vals[0] is not None:
        c = b(vals[0]).astype(bool)
        masks[1], masks[2] = c, ~c
    elif name in ("maximum", "minimum") and vals[0] is not None and vals[1] is not None:
        x, y = b(vals[0]), b(vals[1])
        masks[0], masks[1] = (x >= y, y >= x) if name == "maximum" else (x <= y, y <= x)
    elif name == "relu" and vals[0] is not None:
        masks[0] = b(vals[0]) > 0
    elif name == "abs" and vals[0] is not None:
        masks[0] = b(vals[0]) != 0
    return masks


def _elementwise(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    prim, out = eqn.prim, eqn.outs[0].aval
    if not prim.differentiable or not _inexact(out):
        return [NONE]
    masks = _live_masks(prim.name, [d.val for d in ins], len(ins), out.shape)
    parts = []
    for i, (x, d) in enumerate(zip(eqn.ins, ins)):
        if d.p is None or (prim.vjp is not None and prim.vjp[i] is None):
            parts.append((None, d))
            continue
        idx = _broadcast_map(x.aval.shape, out.shape)
        if masks[i] is not None:
            idx = np.where(masks[i], idx, -1)
        parts.append((gather(idx, _size(x.aval)), d))
    kind = HESSIAN_CLASS.get(prim.name, "nonlinear")
    if kind in ("bilinear", "quotient") and len(parts) != 2:
        kind = "nonlinear"
    return [_flow(out, parts, kind)]


# ----------------------------------------------------------------------------- selections

def _selection(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    """Shape and indexing primitives: each output element is one input element, or nothing."""
    name, params = eqn.prim.name, dict(eqn.params)
    out = eqn.outs[0].aval
    vals = [d.val for d in ins]
    if name == "getitem":
        if any(v is None for v in vals[1:]):
            return _dense(ctx, eqn, ins[:1]) if ins[0].p is not None else [NONE]
        m = eqn.prim.impl(_elements(eqn.ins[0].aval.shape), *vals[1:], **params)
        return [_flow(out, [(gather(m, _size(eqn.ins[0].aval)), ins[0])])]
    if name == "concatenate":
        sizes = [_size(x.aval) for x in eqn.ins]
        offsets = np.cumsum([0] + sizes)
        m = np.asarray(eqn.prim.impl(*[_elements(x.aval.shape) + o for x, o in zip(eqn.ins, offsets)],
                                     **params)).ravel()
        parts = [(gather(np.where((m >= lo) & (m < lo + k), m - lo, -1), k), d)
                 for lo, k, d in zip(offsets, sizes, ins)]
        return [_flow(out, parts)]
    if name == "pad":
        params["value"] = -1
    m = eqn.prim.impl(_elements(eqn.ins[0].aval.shape), **params)
    return [_flow(out, [(gather(np.asarray(m), _size(eqn.ins[0].aval)), ins[0])])]


def _scatter_positions(eqn, vals, out_shape, u_aval):
    """For each element of the update ``u``, the output element it lands on."""
    from funcgrad.ops.indexing import build_index

    pos = _elements(out_shape)[build_index(eqn.params["idx"], vals)]
    return np.broadcast_to(pos, u_aval.shape).ravel()


def _scatter(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    """``scatter_add(u, *idx)`` and ``scatter_set(x, u, *idx)``: each element of ``u`` lands on one output element
    (``scatter_set``: where it lands, ``x``'s element is overwritten)."""
    n = 1 if eqn.prim.name == "scatter_add" else 2
    out = eqn.outs[0].aval
    vals = [d.val for d in ins[n:]]
    if any(v is None for v in vals):  # traced indices: anything may land anywhere
        return _dense(ctx, eqn, ins[:n])
    u = eqn.ins[n - 1].aval
    pos = _scatter_positions(eqn, vals, out.shape, u)
    parts = [(_csr(pos, np.arange(_size(u)), (_size(out), _size(u))), ins[n - 1])]
    if n == 2:
        keep = _elements(out.shape).ravel()
        keep[pos] = -1
        parts.append((gather(keep, _size(out)), ins[0]))
    return [_flow(out, parts)]


# ----------------------------------------------------------------------------- reductions, scans, contractions

def _reduction(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    prim, out = eqn.prim, eqn.outs[0].aval
    if not prim.differentiable or not _inexact(out) or ins[0].p is None:
        return [NONE]
    x = eqn.ins[0].aval
    axes = eqn.params["axes"]
    kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
    target = np.broadcast_to(_elements(kept), x.shape).ravel()
    source = np.arange(_size(x))
    if prim.name in ("reduce_max", "reduce_min") and ins[0].val is not None:  # only the extreme elements
        v = np.asarray(ins[0].val)
        extreme = (np.max if prim.name == "reduce_max" else np.min)(v, axis=axes, keepdims=True)
        live = (v == extreme).ravel()
        target, source = target[live], source[live]
    s = _csr(target, source, (_size(out), _size(x)))
    return [_flow(out, [(s, ins[0])], "nonlinear" if prim.name == "reduce_prod" else "linear")]


def _cumulative(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    out = eqn.outs[0].aval
    if ins[0].p is None:
        return [NONE]
    axis, reverse = eqn.params["axis"], eqn.params["reverse"]
    e = np.moveaxis(_elements(out.shape), axis, -1)
    n = e.shape[-1]
    later, earlier = np.tril_indices(n)  # output position ``later`` reads input position ``earlier`` <= it
    if reverse:
        later, earlier = n - 1 - later, n - 1 - earlier
    rows = e[..., later].ravel()
    cols = e[..., earlier].ravel()
    s = _csr(rows, cols, (_size(out), _size(out)))
    return [_flow(out, [(s, ins[0])], "linear" if eqn.prim.name == "cumsum" else "nonlinear")]


def _bilinear(eqn, ins: list[Dep], o: np.ndarray, xi: np.ndarray, yi: np.ndarray) -> list[Dep]:
    """A product that sums ``x[xi] * y[yi]`` into ``out[o]`` (arrays of the same shape: one term each),
    skipping terms whose factor is a known zero."""
    out = eqn.outs[0].aval
    live = np.ones(o.shape, bool)
    for d, idx in ((ins[0], xi), (ins[1], yi)):
        if d.val is not None:
            live &= np.asarray(d.val).ravel()[idx] != 0
    o, xi, yi = o[live], xi[live], yi[live]
    sx = _csr(o, xi, (_size(out), _size(eqn.ins[0].aval)))
    sy = _csr(o, yi, (_size(out), _size(eqn.ins[1].aval)))
    pairs = None
    if ins[0].p is not None and ins[1].p is not None:
        t = _csr(xi, yi, (_size(eqn.ins[0].aval), _size(eqn.ins[1].aval)))
        pairs = _sym(_binary(ins[0].p.T @ t @ ins[1].p))
    return [_flow(out, [(sx, ins[0]), (sy, ins[1])], pairs=pairs)]


_TERMS_LIMIT = 20_000_000  # above this many terms a product is taken as dense in its inputs


def _dot_general(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    """``out[b, i, j] = Σ_c x[b, i, c] y[b, c, j]``."""
    (xc, yc), (xb, yb) = eqn.params["contract"], eqn.params["batch"]
    xs, ys = eqn.ins[0].aval.shape, eqn.ins[1].aval.shape
    xf = [i for i in range(len(xs)) if i not in xc and i not in xb]
    yf = [i for i in range(len(ys)) if i not in yc and i not in yb]
    nb = int(np.prod([xs[i] for i in xb], dtype=np.int64))
    fx = int(np.prod([xs[i] for i in xf], dtype=np.int64))
    fy = int(np.prod([ys[i] for i in yf], dtype=np.int64))
    k = int(np.prod([xs[i] for i in xc], dtype=np.int64))
    if nb * fx * fy * k > _TERMS_LIMIT:
        return _dense(ctx, eqn, ins)
    X = np.transpose(_elements(xs), tuple(xb) + tuple(xf) + tuple(xc)).reshape(nb, fx, 1, k)
    Y = np.transpose(_elements(ys), tuple(yb) + tuple(yc) + tuple(yf)).reshape(nb, k, fy)
    Y = np.swapaxes(Y, 1, 2).reshape(nb, 1, fy, k)
    O = _elements((nb, fx, fy, 1))
    shape = (nb, fx, fy, k)
    return _bilinear(eqn, ins, *(np.broadcast_to(a, shape).ravel() for a in (O, X, Y)))


def _windowed(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    """Sliding-window sums along the last axis (leading axes broadcast), banded like a stencil:
    ``convolve(a, v)[k] = Σ_i a[i] v[k - i]`` and ``correlate_valid(x, w)[j] = Σ_i x[i + j] w[i]``."""
    a, v, out = eqn.ins[0].aval.shape, eqn.ins[1].aval.shape, eqn.outs[0].aval.shape
    lead, k, m = out[:-1], out[-1], v[-1]
    if int(np.prod(lead, dtype=np.int64)) * k * m > _TERMS_LIMIT:
        return _dense(ctx, eqn, ins)
    if eqn.prim.name == "convolve":  # out[i + j] = a[i] v[j]
        i, j = np.meshgrid(np.arange(a[-1]), np.arange(m), indexing="ij")
        o, ia = i + j, i
    else:  # out[j] = x[i + j] w[i]
        j, i = np.meshgrid(np.arange(k), np.arange(m), indexing="ij")
        o, ia = j, i + j
    A = np.broadcast_to(_elements(a), lead + (a[-1],))[..., ia]
    V = np.broadcast_to(_elements(v), lead + (m,))[..., i if eqn.prim.name == "correlate_valid" else j]
    O = _elements(out)[..., o]
    return _bilinear(eqn, ins, O.ravel(), A.ravel(), V.ravel())


# ----------------------------------------------------------------------------- control flow and held IR

def interpret(ir: IR, ins: list[Dep], ctx: Context) -> list[Dep]:
    """Run the index-set interpreter over ``ir`` (inputs: constants first, then arguments)."""
    env: dict = {}
    for v, c in zip(ir.const_vars, ir.consts):
        env[v] = Dep(None, None, None if _is_tracer(c) else np.asarray(c))
    env.update(zip(ir.in_vars, ins))

    def read(x) -> Dep:
        return Dep(None, None, np.asarray(x.val)) if type(x) is Literal else env[x]

    for eqn in ir.eqns:
        args = [read(x) for x in eqn.ins]
        rule = RULES.get(eqn.prim.name)
        if rule is None:
            rule = {"elementwise": _elementwise, "reduction": _reduction}.get(eqn.prim.kind, _dense)
        outs = rule(ctx, eqn, args)
        vals = _values(ctx, eqn, args)
        for v, d, val in zip(eqn.outs, outs, vals):
            env[v] = d._replace(val=val) if val is not None else d
    return [read(x) for x in ir.outs]


def _is_tracer(x) -> bool:
    from funcgrad.core.trace import Tracer

    return isinstance(x, Tracer)


def _values(ctx: Context, eqn, args: list[Dep]) -> list:
    """The equation's values when all its inputs' are known (local mode)."""
    n = len(eqn.outs)
    if not ctx.local or any(a.val is None for a in args):
        return [None] * n
    with np.errstate(all="ignore"):
        res = eqn.prim.impl(*[a.val for a in args], **eqn.params)
    return [np.asarray(r) for r in res] if eqn.prim.multiple_results else [np.asarray(res)]


def _union_deps(a: Dep, b: Dep) -> Dep:
    return Dep(_union(a.p, b.p), _union(a.h, b.h), None)


def _cond(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    branches = eqn.params["branches"]
    index, ops = ins[0], ins[1:]
    if index.val is not None:
        from funcgrad.ops.control import _cond_index

        return interpret(branches[_cond_index(index.val, len(branches))], ops, ctx)
    results = [interpret(b, [o._replace(val=None) for o in ops], ctx) for b in branches]
    return [_none_if_empty(_fold(_union_deps, outs)) for outs in zip(*results)]


def _fold(fn, items):
    items = list(items)
    out = items[0]
    for x in items[1:]:
        out = fn(out, x)
    return out


def _none_if_empty(d: Dep) -> Dep:
    return NONE if d.p is None and d.h is None else d


def _same(a: Dep, b: Dep) -> bool:
    def eq(x, y):
        if x is None or y is None:
            return x is None and y is None
        return x.nnz == y.nnz and (x != y).nnz == 0

    return eq(a.p, b.p) and eq(a.h, b.h)


_FIXPOINT_STEPS = 64


def _while(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    cond, body = eqn.params["cond"], eqn.params["body"]
    n_cc, n_bc = eqn.params["n_cc"], eqn.params["n_bc"]
    cc, bc, carry = ins[:n_cc], ins[n_cc:n_cc + n_bc], list(ins[n_cc + n_bc:])
    if ctx.local and all(d.val is not None for d in ins):
        from funcgrad.ops.control import _run

        while bool(_run(cond, *[d.val for d in cc], *[d.val for d in carry])[0]):
            carry = interpret(body, bc + carry, ctx)
        return carry
    state = [d._replace(val=None) for d in carry]
    for _ in range(_FIXPOINT_STEPS):
        step = interpret(body, bc + state, ctx._replace(local=False))
        new = [_union_deps(s, t) for s, t in zip(state, step)]
        if all(_same(a, b) for a, b in zip(new, state)):
            return [_none_if_empty(d) for d in new]
        state = new
    return _dense(ctx, eqn, ins)


_UNROLL_LIMIT = 100_000


def _scan(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
    p = eqn.params
    body, length, n_consts, n_carry, reverse = p["body"], p["length"], p["n_consts"], p["n_carry"], p["reverse"]
    if length * max(len(body.eqns), 1) > _UNROLL_LIMIT:
        return _dense(ctx, eqn, ins)
    consts, carry, xs = ins[:n_consts], list(ins[n_consts:n_consts + n_carry]), ins[n_consts + n_carry:]
    x_avals = [v.aval for v in eqn.ins[n_consts + n_carry:]]
    ys: list[list[Dep]] = [[] for _ in body.outs[n_carry:]]
    for k in (range(length - 1, -1, -1) if reverse else range(length)):
        step = [_slice(d, a, k) for d, a in zip(xs, x_avals)]
        res = interpret(body, consts + carry + step, ctx)
        carry = res[:n_carry]
        for acc, y in zip(ys, res[n_carry:]):
            acc.append(y)
    if reverse:
        for acc in ys:
            acc.reverse()
    stacked = [_stack(acc, ctx) for acc in ys]
    return carry + stacked


def _slice(d: Dep, aval, k: int) -> Dep:
    """Element ``k`` along the leading axis."""
    m = int(np.prod(aval.shape[1:], dtype=np.int64))
    p = None if d.p is None else d.p[k * m:(k + 1) * m]
    return Dep(p, d.h if p is not None and p.nnz else None, None if d.val is None else np.asarray(d.val)[k])


def _stack(parts: list[Dep], ctx: Context) -> Dep:
    if not parts:
        return NONE
    if all(d.p is None for d in parts):
        val = None if any(d.val is None for d in parts) else np.stack([d.val for d in parts])
        return Dep(None, None, val)
    rows = []
    for d in parts:
        rows.append(d.p if d.p is not None else sp.csr_array((_size_of(d, parts), ctx.n)))
    return Dep(_binary(sp.vstack(rows, format="csr")), _union(*[d.h for d in parts]), None)


def _size_of(d: Dep, parts: list[Dep]) -> int:
    for q in parts:
        if q.p is not None:
            return q.p.shape[0]
    return 0


def _held(key: str, split: Callable) -> Callable:
    """A primitive that runs an IR held in ``params[key]`` on some of its operands."""

    def rule(ctx: Context, eqn, ins: list[Dep]) -> list[Dep]:
        from funcgrad.custom import _ir

        return interpret(_ir(eqn.params[key]), split(eqn.params, ins), ctx)

    return rule


def _custom_vjp_operands(params, ins):
    from funcgrad.custom import _split_ops

    fc, _, _, args = _split_ops(ins, params["n_fun_consts"], params["n_fwd_consts"], params["n_bwd_consts"])
    return list(fc) + list(args)


RULES.update({
    **dict.fromkeys(("reshape", "transpose", "broadcast_to", "getitem", "pad", "concatenate"), _selection),
    "scatter_add": _scatter, "scatter_set": _scatter,
    "cumsum": _cumulative, "cumprod": _cumulative,
    "dot_general": _dot_general, "convolve": _windowed, "correlate_valid": _windowed,
    "cond": _cond, "while": _while, "scan": _scan,
    "checkpoint": _held("fun", lambda params, ins: list(ins)),
    "custom_jvp_call": _held("fun", lambda params, ins: list(ins[:params["n_fun_consts"]])
                             + list(ins[params["n_fun_consts"] + params["n_jvp_consts"]:])),
    "custom_vjp_call": _held("fun", _custom_vjp_operands),
})


# ----------------------------------------------------------------------------- entry points

def _run_ir(ir: IR, argnum: int, local: bool, values=None) -> tuple[list[Dep], int]:
    n = _size(ir.in_vars[argnum].aval)
    ctx = Context(n, local)
    ins = []
    for i, v in enumerate(ir.in_vars):
        val = None if values is None else np.asarray(values[i])
        if i == argnum:
            p = sp.identity(n, format="csr", dtype=np.float64) if _inexact(v.aval) else None
            ins.append(Dep(p, None, val))
        else:
            ins.append(Dep(None, None, val))
    return interpret(ir, ins, ctx), n


def jacobian_pattern(ir: IR, argnum: int = 0, values=None) -> sp.csr_array:
    """The Jacobian pattern of ``ir``'s outputs (stacked, flattened) in input ``argnum`` (flattened).

    ``values`` (all inputs' values) switches to local detection at that point.
    """
    outs, n = _run_ir(ir, argnum, values is not None, values)
    blocks = [d.p if d.p is not None else sp.csr_array((_size(v.aval), n)) for d, v in zip(outs, ir.outs)]
    return _pattern(sp.vstack(blocks, format="csr") if len(blocks) > 1 else blocks[0])


def hessian_pattern(ir: IR, argnum: int = 0, values=None) -> sp.csr_array:
    """The Hessian pattern (n × n, symmetric) of ``ir``'s scalar output in input ``argnum``."""
    outs, n = _run_ir(ir, argnum, values is not None, values)
    h = outs[0].h
    return _pattern(_sym(h) if h is not None else sp.csr_array((n, n)))


def _pattern(m) -> sp.csr_array:
    m = sp.csr_array(m)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.sort_indices()
    return sp.csr_array((np.ones(m.nnz, bool), m.indices, m.indptr), shape=m.shape)
