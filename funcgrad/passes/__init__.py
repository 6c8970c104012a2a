"""IR → IR optimisation passes, and the pipeline applied to every staged IR."""

from __future__ import annotations

from funcgrad.core.ir import IR
from funcgrad.passes.cse import cse
from funcgrad.passes.dce import dce
from funcgrad.passes.simplify import simplify, uniform_constants


def run_passes(ir: IR, rounds: int = 4) -> IR:
    """Simplify, eliminate common subexpressions and dead code, until the size stops shrinking."""
    ir = uniform_constants(ir)
    for _ in range(rounds):
        size = len(ir.eqns)
        ir = dce(cse(simplify(ir)))
        if len(ir.eqns) == size:
            break
    return ir


__all__ = ["cse", "dce", "run_passes", "simplify", "uniform_constants"]
