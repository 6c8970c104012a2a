"""Differentiable control flow: ``cond``, ``while_loop``, ``fori_loop``, ``scan``.

With concrete values (no ``fg.jit``, no batched predicate) each runs as plain Python, so
eager calls cost what the Python code costs and every transform differentiates what
actually ran. Where a predicate or a bound is only known abstractly (under ``fg.jit``,
or batched under ``fg.vmap``), the function is staged into a primitive that holds its
IR (:mod:`funcgrad.ops.control`), with jvp, vjp and batching rules: the same results and
derivatives either way.

Reverse mode through ``while_loop`` works (unlike JAX): the forward sweep keeps every
carry, so the memory cost is one carry per iteration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.core.ir import ShapedArray
from funcgrad.core.trace import Tracer, concrete_or_none, get_aval

__all__ = ["cond", "fori_loop", "scan", "while_loop"]


def _leaves(name: str, what: str, value: Any) -> tuple[list, Any]:
    leaves, treedef = tree.flatten(value)
    for x in leaves:
        if not isinstance(x, Tracer | np.ndarray | np.generic | int | float | bool):
            raise TypeError(f"{name}: {what} must be a pytree of arrays, got a leaf of type {type(x).__name__}")
    return leaves, treedef


def _avals(leaves: list) -> list[ShapedArray]:
    return [ShapedArray(get_aval(x).shape, get_aval(x).dtype) for x in leaves]


def _describe(treedef, avals) -> str:
    return f"{treedef} with leaves ({', '.join(str(a) for a in avals)})"


def _same_type(name: str, what: str, tree_a, avals_a, tree_b, avals_b, sides: tuple[str, str]) -> None:
    if tree_a != tree_b or [a[:2] for a in avals_a] != [b[:2] for b in avals_b]:
        raise TypeError(f"{name}: {what} must have the same structure, shapes and dtypes, but\n"
                        f"  {sides[0]}: {_describe(tree_a, avals_a)}\n  {sides[1]}: {_describe(tree_b, avals_b)}")


def _staged(fun: Callable, treedef, avals, name: str, splat: bool = False):
    """``fun`` staged on the pytree ``treedef`` of abstract leaves (``fun(*tree)`` if ``splat``)."""
    from funcgrad.transforms.subir import stage

    if splat:
        return stage(lambda *xs: fun(*tree.unflatten(treedef, list(xs))), avals, context=name)
    return stage(lambda *xs: fun(tree.unflatten(treedef, list(xs))), avals, context=name)


def _is_concrete(x: Any) -> bool:
    return not isinstance(x, Tracer) or concrete_or_none(x) is not None


def _widen(ir, n_own: int, before: list[ShapedArray], after: list[ShapedArray]):
    """``ir`` (taking its ``n_own`` constants, then the operands) taking unused inputs of the avals
    ``before`` and ``after`` around its constants: each branch of a cond takes every branch's constants."""
    from funcgrad.core.ir import IR, Var

    own, rest = ir.in_vars[:n_own], ir.in_vars[n_own:]
    return IR([Var(a) for a in before] + list(own) + [Var(a) for a in after] + list(rest), ir.eqns, ir.outs)


# ----------------------------------------------------------------------------- cond

def cond(pred: Any, true_fun: Callable, false_fun: Callable, *operands: Any) -> Any:
    """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, differentiable, under jit and vmap.

        >>> import funcgrad as fg
        >>> fg.grad(lambda x: fg.cond(x > 0, lambda x: x ** 2, lambda x: -x, x))(3.0)
        np.float64(6.0)
    """
    if tuple(get_aval(pred).shape) != ():
        raise TypeError(f"fg.cond: pred must be a scalar (a bool or a 0-d array), got shape "
                        f"{get_aval(pred).shape}; for elementwise selection use fnp.where(pred, x, y)")
    if _is_concrete(pred):
        return true_fun(*operands) if bool(concrete_or_none(pred)) else false_fun(*operands)
    from funcgrad import numpy as fnp
    from funcgrad.ops.control import cond_p

    leaves, in_tree = _leaves("fg.cond", "the operands", operands)
    avals = _avals(leaves)
    f_ir, f_consts, f_tree = _staged(false_fun, in_tree, avals, "fg.cond(false_fun)", splat=True)
    t_ir, t_consts, t_tree = _staged(true_fun, in_tree, avals, "fg.cond(true_fun)", splat=True)
    _same_type("fg.cond", "true_fun and false_fun outputs", t_tree, t_ir.out_avals, f_tree, f_ir.out_avals,
               ("true_fun returns ", "false_fun returns"))
    f_avals, t_avals = _avals(f_consts), _avals(t_consts)
    branches = (_widen(f_ir, len(f_consts), [], t_avals), _widen(t_ir, len(t_consts), f_avals, []))
    outs = cond_p(fnp.astype(pred, np.int32), *f_consts, *t_consts, *leaves, branches=branches)
    return tree.unflatten(t_tree, list(outs))


# ----------------------------------------------------------------------------- while_loop

def while_loop(cond_fun: Callable, body_fun: Callable, init_val: Any) -> Any:
    """``val = body_fun(val)`` while ``cond_fun(val)``; differentiable in both modes, under jit and vmap.

        >>> import funcgrad as fg
        >>> fg.while_loop(lambda v: v < 10, lambda v: v * 2, 1)
        16
    """
    try:
        val = init_val
        while _python_bool(cond_fun(val)):
            val = body_fun(val)
        return val
    except _Abstract:
        pass
    from funcgrad.ops.control import while_p

    leaves, in_tree = _leaves("fg.while_loop", "init_val", init_val)
    avals = _avals(leaves)
    c_ir, c_consts, c_tree = _staged(cond_fun, in_tree, avals, "fg.while_loop(cond_fun)")
    out_avals = c_ir.out_avals
    if len(out_avals) != 1 or out_avals[0].shape != () or out_avals[0].dtype != np.dtype(bool):
        raise TypeError(f"fg.while_loop: cond_fun must return a scalar bool, got {_describe(c_tree, out_avals)}")
    b_ir, b_consts, b_tree = _staged(body_fun, in_tree, avals, "fg.while_loop(body_fun)")
    _same_type("fg.while_loop", "body_fun's output and the carry", b_tree, b_ir.out_avals, in_tree, avals,
               ("body_fun returns", "init_val is     "))
    outs = while_p(*c_consts, *b_consts, *leaves, cond=c_ir, body=b_ir, n_cc=len(c_consts), n_bc=len(b_consts))
    return tree.unflatten(in_tree, list(outs))


class _Abstract(Exception):
    """A predicate has no concrete value: stage the loop."""


def _python_bool(pred) -> bool:
    if isinstance(pred, Tracer):
        value = concrete_or_none(pred)
        if value is None:
            raise _Abstract
        return bool(value)
    return bool(pred)


# ----------------------------------------------------------------------------- fori_loop / scan

def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any) -> Any:
    """``val = body_fun(i, val)`` for ``i`` in ``range(lower, upper)``. Under jit, with static bounds it
    is a ``scan`` (reverse-mode differentiable), with traced bounds a ``while_loop``.

        >>> import funcgrad as fg
        >>> fg.fori_loop(0, 4, lambda i, v: v + i, 0)
        6
    """
    if _is_concrete(lower) and _is_concrete(upper):
        lo, hi = int(concrete_or_none(lower)), int(concrete_or_none(upper))
        if all(_is_concrete(x) for x in tree.leaves(init_val)):
            val = init_val
            for i in range(lo, hi):
                val = body_fun(i, val)
            return val
        (_, val), _ = scan(lambda c, _: ((c[0] + 1, body_fun(c[0], c[1])), None), (np.int64(lo), init_val),
                           None, length=max(hi - lo, 0))
        return val
    from funcgrad import numpy as fnp

    _, _, val = while_loop(lambda c: c[0] < c[1], lambda c: (c[0] + 1, c[1], body_fun(c[0], c[2])),
                           (fnp.asarray(lower), fnp.asarray(upper), init_val))
    return val


def scan(f: Callable, init: Any, xs: Any = None, length: int | None = None,
         reverse: bool = False) -> tuple[Any, Any]:
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry, stacked ys)``.

        >>> import funcgrad as fg, numpy as np
        >>> fg.scan(lambda c, x: (c + x, c * x), 0.0, np.array([1.0, 2.0, 3.0]))
        (np.float64(6.0), array([0., 2., 9.]))
    """
    x_leaves, x_tree = _leaves("fg.scan", "xs", xs)
    if any(get_aval(x).shape == () for x in x_leaves):
        raise TypeError("fg.scan: every leaf of xs needs a leading axis to scan over; got a 0-d leaf")
    lengths = {int(get_aval(x).shape[0]) for x in x_leaves} | ({int(length)} if length is not None else set())
    if len(lengths) != 1:
        raise ValueError(f"fg.scan: the leading axes of xs and length must agree, got lengths {sorted(lengths)}"
                         if lengths else "fg.scan: pass xs with a leading axis, or length= when xs is None")
    n = lengths.pop()
    init_leaves, init_tree = _leaves("fg.scan", "init", init)
    if n and all(_is_concrete(x) for x in init_leaves + x_leaves):
        return _scan_python(f, init, x_tree, x_leaves, n, reverse)
    from funcgrad.ops.control import scan_p
    from funcgrad.transforms.subir import stage

    c_avals = _avals(init_leaves)
    x_avals = [ShapedArray(tuple(get_aval(x).shape[1:]), get_aval(x).dtype) for x in x_leaves]
    n_c = len(init_leaves)
    trees = {}

    def step(*args):
        out = f(tree.unflatten(init_tree, list(args[:n_c])), tree.unflatten(x_tree, list(args[n_c:])))
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(f"fg.scan: f must return a pair (carry, y), got {type(out).__name__}")
        c_leaves, trees["carry"] = tree.flatten(out[0])
        y_leaves, trees["y"] = tree.flatten(out[1])
        return c_leaves + y_leaves

    body, consts, _ = stage(step, c_avals + x_avals, context="fg.scan(f)")
    _same_type("fg.scan", "f's carry output and init", trees["carry"], body.out_avals[:n_c], init_tree, c_avals,
               ("f returns carry", "init is        "))
    outs = scan_p(*consts, *init_leaves, *x_leaves, body=body, length=n, n_consts=len(consts), n_carry=n_c,
                  reverse=bool(reverse))
    return tree.unflatten(init_tree, list(outs[:n_c])), tree.unflatten(trees["y"], list(outs[n_c:]))


def _scan_python(f, init, x_tree, x_leaves, n, reverse):
    from funcgrad import numpy as fnp

    carry, ys = init, []
    for k in (range(n - 1, -1, -1) if reverse else range(n)):
        carry, y = f(carry, tree.unflatten(x_tree, [x[k] for x in x_leaves]))
        ys.append(y)
    if reverse:
        ys.reverse()
    y_tree = tree.flatten(ys[0])[1]
    cols = [tree.leaves(y) for y in ys]
    return carry, tree.unflatten(y_tree, [fnp.stack([c[j] for c in cols]) for j in range(len(cols[0]))])
