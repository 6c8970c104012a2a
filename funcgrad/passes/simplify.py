"""Algebraic simplification and constant folding.

Rewrites that never change a value (shapes and dtypes are checked): ``x*1``,
``x+0``, ``x-0``, ``--x``, transpose of a transpose, reshape of a reshape,
identity reshape/broadcast/convert, ``x**1``, ``x**2 → x*x``, ``sum(broadcast(x))
→ x*n``, and folding of equations whose inputs are all literals.
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import IR, Eqn, Literal, ShapedArray, Var
from funcgrad.core.trace import dispatch


def _is_lit(x, value) -> bool:
    if not isinstance(x, Literal) or np.ndim(x.val) != 0:
        return False
    try:
        return bool(x.val == value)
    except (TypeError, ValueError):
        return False


_IDENTITY = {"mul": 1, "add": 0}  # x * 1 == 1 * x == x + 0 == 0 + x == x


def simplify(ir: IR) -> IR:
    """``ir`` with the rewrites above applied once, front to back."""
    from funcgrad import ops

    rename: dict = {}
    producer: dict[Var, Eqn] = {}
    eqns: list[Eqn] = []

    def sub(x):
        return rename.get(x, x) if isinstance(x, Var) else x

    def emit(prim, ins, outs, params):
        e = Eqn(prim, tuple(ins), tuple(outs), params)
        eqns.append(e)
        for o in outs:
            producer[o] = e

    for eqn in ir.eqns:
        ins = [sub(x) for x in eqn.ins]
        out = eqn.outs[0]
        name, p = eqn.prim.name, eqn.params
        same = lambda x: x.aval[:2] == out.aval[:2]  # noqa: E731  (a weak input may stand for its strong result)
        replacement = None
        if not eqn.prim.multiple_results and ins and all(isinstance(x, Literal) for x in ins) and out.aval.size <= 64:
            replacement = Literal(dispatch(eqn.prim, [x.val for x in ins], p), out.aval)
        elif name in _IDENTITY:
            a, b = ins
            unit = _IDENTITY[name]
            if _is_lit(b, unit) and same(a):
                replacement = a
            elif _is_lit(a, unit) and same(b):
                replacement = b
        elif name == "sub" and _is_lit(ins[1], 0) and same(ins[0]):
            replacement = ins[0]
        elif name == "neg" and isinstance(ins[0], Var) and producer.get(ins[0]) is not None \
                and producer[ins[0]].prim.name == "neg":
            replacement = producer[ins[0]].ins[0]
        elif name in ("reshape", "broadcast_to", "convert") and same(ins[0]):
            replacement = ins[0]
        elif name == "reshape" and isinstance(ins[0], Var) and ins[0] in producer \
                and producer[ins[0]].prim.name == "reshape":
            emit(eqn.prim, [producer[ins[0]].ins[0]], eqn.outs, p)
            continue
        elif name == "transpose":
            if p["perm"] == tuple(range(len(p["perm"]))):
                replacement = ins[0]
            elif isinstance(ins[0], Var) and ins[0] in producer and producer[ins[0]].prim.name == "transpose":
                inner = producer[ins[0]]
                perm = tuple(inner.params["perm"][i] for i in p["perm"])
                if perm == tuple(range(len(perm))):
                    replacement = inner.ins[0]
                else:
                    emit(eqn.prim, [inner.ins[0]], eqn.outs, {"perm": perm})
                    continue
        elif name == "pow" and _is_lit(ins[1], 1) and same(ins[0]):
            replacement = ins[0]
        elif name == "pow" and _is_lit(ins[1], 2) and same(ins[0]):
            emit(ops.mul, [ins[0], ins[0]], eqn.outs, {})
            continue
        elif name == "reduce_sum" and isinstance(ins[0], Var) and ins[0] in producer \
                and producer[ins[0]].prim.name == "broadcast_to":
            src = producer[ins[0]].ins[0]
            full = ins[0].aval.shape
            lead = len(full) - len(src.aval.shape)
            src_shape = (1,) * lead + tuple(src.aval.shape)
            axes = p["axes"]
            if all(src_shape[a] == 1 for a in axes) and all(src_shape[i] == full[i] for i in range(len(full))
                                                           if i not in axes):
                n = int(np.prod([full[a] for a in axes]))
                mid = Var(type(out.aval)(out.aval.shape, src.aval.dtype))
                emit(ops.reshape, [src], [mid], {"shape": out.aval.shape})
                emit(ops.mul, [mid, Literal(n)], eqn.outs, {})
                continue
        if replacement is not None:
            rename[out] = replacement
            continue
        emit(eqn.prim, ins, eqn.outs, p)
    return IR(ir.in_vars, eqns, [sub(x) for x in ir.outs], ir.const_vars, ir.consts)


def uniform_constants(ir: IR) -> IR:
    """Constants that hold one value everywhere (broadcasts of a scalar, such as the ones a gradient
    starts from) become scalar literals wherever an elementwise equation's result keeps its shape,
    so that ``x * ones`` simplifies to ``x`` and kernels read a scalar instead of a stride-0 array."""
    uniform = {}
    for v, c in zip(ir.const_vars, ir.consts):
        if not (isinstance(c, np.ndarray) and c.size and c.dtype.kind in "fb"):
            continue
        if not any(c.strides) or (c.size <= 1 << 16 and bool(np.all(c == c.flat[0]))
                                  and len(set(np.signbit(c).flat)) == 1):  # -0.0 and 0.0 are not one value
            uniform[v] = c.flat[0]
    if not uniform:
        return ir
    eqns = []
    for eqn in ir.eqns:
        ins = eqn.ins
        if eqn.prim.kind == "elementwise" and any(x in uniform for x in ins if isinstance(x, Var)):
            others = [x.aval.shape for x in ins if not (isinstance(x, Var) and x in uniform)]
            if others and np.broadcast_shapes(*others) == eqn.outs[0].aval.shape:
                ins = tuple(Literal(uniform[x], ShapedArray((), x.aval.dtype)) if isinstance(x, Var)
                            and x in uniform else x for x in ins)
        eqns.append(ins is eqn.ins and eqn or Eqn(eqn.prim, ins, eqn.outs, eqn.params))
    return IR(ir.in_vars, eqns, ir.outs, ir.const_vars, ir.consts)
