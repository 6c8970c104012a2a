"""The reference backend: evaluate an IR equation by equation.

Each equation is *bound*, not executed directly, so evaluating an IR while a
transform is tracing applies that transform to it: this is how an IR is
rewritten into another IR.

    >>> import funcgrad as fg, numpy as np
    >>> ir = fg.make_ir(lambda x: np.sin(x) * 2)(1.0)
    >>> float(eval_ir(ir, 0.5)[0])
    0.958851077208406
"""

from __future__ import annotations

from typing import Any

from funcgrad.core.ir import IR, Literal
from funcgrad.core.trace import bind


def eval_ir(ir: IR, *args: Any) -> list:
    """Run ``ir`` on ``args`` in the current trace; returns the list of outputs."""
    if len(args) != len(ir.in_vars):
        raise TypeError(f"eval_ir: the IR takes {len(ir.in_vars)} inputs, got {len(args)}")
    env: dict = dict(zip(ir.const_vars, ir.consts))
    env.update(zip(ir.in_vars, args))

    def read(x):
        return x.val if type(x) is Literal else env[x]

    for eqn in ir.eqns:
        out = bind(eqn.prim, *[read(x) for x in eqn.ins], **eqn.params)
        if eqn.prim.multiple_results:
            env.update(zip(eqn.outs, out))
        else:
            env[eqn.outs[0]] = out
    return [read(x) for x in ir.outs]
