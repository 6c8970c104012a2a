"""Common-subexpression elimination: one equation per distinct (primitive, inputs, params).

The inputs of commutative primitives are compared as a set, so ``x * y`` and ``y * x`` are one
equation (forward mode makes both from ``x * x``).
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import IR, Eqn, Var


def _atom_key(x):
    if isinstance(x, Var):
        return ("v", id(x))
    v = x.val
    if isinstance(v, np.ndarray):
        return ("l", v.dtype.str, v.shape, v.tobytes())
    return ("l", type(v).__name__, repr(v))


def _params_key(params: dict):
    try:
        key = tuple(sorted(params.items()))
        hash(key)
        return key
    except TypeError:
        return repr(sorted(params.items()))


COMMUTATIVE = frozenset({"add", "mul", "maximum", "minimum", "hypot", "logaddexp", "logaddexp2", "equal",
                         "not_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
                         "bitwise_xor"})


def cse(ir: IR) -> IR:
    """``ir`` with repeated computations computed once."""
    rename: dict[Var, Var] = {}
    seen: dict = {}
    eqns = []

    def sub(x):
        return rename.get(x, x) if isinstance(x, Var) else x

    for eqn in ir.eqns:
        ins = tuple(sub(x) for x in eqn.ins)
        atoms = tuple(_atom_key(x) for x in ins)
        if eqn.prim.name in COMMUTATIVE:
            atoms = tuple(sorted(atoms, key=repr))
        key = (eqn.prim.name, atoms, _params_key(eqn.params))
        prev = seen.get(key)
        if prev is not None:
            rename.update(zip(eqn.outs, prev.outs))
            continue
        new = Eqn(eqn.prim, ins, eqn.outs, eqn.params)
        seen[key] = new
        eqns.append(new)
    return IR(ir.in_vars, eqns, [sub(x) for x in ir.outs], ir.const_vars, ir.consts)


