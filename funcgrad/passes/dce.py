"""Dead-code elimination: drop equations whose outputs nobody reads."""

from __future__ import annotations

from funcgrad.core.ir import IR, Var


def dce(ir: IR) -> IR:
    """``ir`` without the equations that do not contribute to its outputs."""
    live = {x for x in ir.outs if isinstance(x, Var)}
    kept = []
    for eqn in reversed(ir.eqns):
        if any(o in live for o in eqn.outs):
            kept.append(eqn)
            live.update(x for x in eqn.ins if isinstance(x, Var))
    kept.reverse()
    consts = [(v, c) for v, c in zip(ir.const_vars, ir.consts) if v in live]
    return IR(ir.in_vars, kept, ir.outs, [v for v, _ in consts], [c for _, c in consts])
