"""Transforms of closed IR, as IR: the rules of primitives that hold IR (``cond``, ``while``, ``scan``).

A control-flow primitive's rules do not run its body: they rewrite the body into a new
IR — its jvp (:func:`jvp_ir`), its vjp (:func:`vjp_ir`) or its batched form
(:func:`batch_ir`) — and bind the same primitive on that. Each is staged once per
IR and cached. :func:`stage` traces a user's function into IR whose constants
(values closed over, tracers of outer transforms included) become leading inputs,
so outer transforms see them as operands.

    >>> import funcgrad as fg, numpy as np
    >>> from funcgrad.core.ir import ShapedArray
    >>> ir, consts, _ = stage(np.sin, [ShapedArray((), np.dtype("float64"))])
    >>> print(jvp_ir(ir, (True,)))
    { lambda a:f64[] b:f64[] .
        c:f64[] = sin a
        d:f64[] = cos a
        e:f64[] = mul b d
      in (c e) }
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.backends.interpreter import eval_ir
from funcgrad.core.ir import IR, ShapedArray
from funcgrad.core.staging import StagingTrace
from funcgrad.core.trace import EVAL, Trace, current_trace, reset_trace, set_trace
from funcgrad.ops.util import shape_of

_derived: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _run(trace: Trace, fun: Callable, args: Sequence) -> Any:
    token = set_trace(trace)
    try:
        return fun(*args)
    finally:
        reset_trace(token)


def stage(fun: Callable, in_avals: Sequence[ShapedArray], context: str | None = None) -> tuple[IR, list, Any]:
    """``(ir, consts, out_tree)``: ``fun`` traced on abstract inputs. ``ir`` takes ``(*consts, *inputs)``."""
    from funcgrad.passes import run_passes

    trace = StagingTrace(current_trace(), concrete=False, context=context)
    inputs = [trace.new_input(a) for a in in_avals]
    try:
        out = _run(trace, fun, inputs)
    finally:
        trace.alive = False
    leaves, out_tree = tree.flatten(out)
    ir = run_passes(trace.to_ir(inputs, leaves))
    closed = IR(tuple(ir.const_vars) + tuple(ir.in_vars), ir.eqns, ir.outs)
    return closed, list(ir.consts), out_tree


def derive(fun: Callable, in_avals: Sequence[ShapedArray]) -> IR:
    """``fun`` (a function of explicit inputs only) staged into a closed IR with concrete constants."""
    from funcgrad.passes import run_passes

    trace = StagingTrace(EVAL, concrete=False)
    inputs = [trace.new_input(a) for a in in_avals]
    try:
        out = _run(trace, fun, inputs)
    finally:
        trace.alive = False
    return run_passes(trace.to_ir(inputs, list(out)))


def cached(ir: IR, key: tuple, make: Callable[[], IR]) -> IR:
    """``make()``, computed once per ``ir`` and ``key`` (a weak table: it goes with the IR)."""
    table = _derived.setdefault(ir, {})
    if key not in table:
        table[key] = make()
    return table[key]


def is_float(aval: ShapedArray) -> bool:
    return np.dtype(aval.dtype).kind == "f"


def zeros(aval: ShapedArray) -> np.ndarray:
    return np.zeros(aval.shape, aval.dtype)


def jvp_ir(ir: IR, which: Sequence[bool]) -> IR:
    """IR of ``(*primals, *tangents of the inputs in which) -> (*outs, *tangents of the float outs)``."""
    which = tuple(bool(w) for w in which)

    def make() -> IR:
        from funcgrad.transforms.forward import JVPTrace, JVPTracer

        n = len(ir.in_vars)

        def fun(*args):
            trace = JVPTrace(current_trace())
            tangents = iter(args[n:])
            ins = [JVPTracer(trace, p, next(tangents)) if w else p for p, w in zip(args[:n], which)]
            try:
                outs = _run(trace, lambda *a: eval_ir(ir, *a), ins)
            finally:
                trace.alive = False
            own = [type(o) is JVPTracer and o._trace is trace for o in outs]
            primals = [o.primal if k else o for o, k in zip(outs, own)]
            tans = [o.tangent if k else zeros(a) for o, k, a in zip(outs, own, ir.out_avals) if is_float(a)]
            return primals + tans

        return derive(fun, ir.in_avals + tuple(a for a, w in zip(ir.in_avals, which) if w))

    return cached(ir, ("jvp", which), make)


def vjp_ir(ir: IR, needed: Sequence[bool]) -> IR:
    """IR of ``(*primals, *cotangents of the float outs) -> cotangents of the inputs in needed``."""
    needed = tuple(bool(w) for w in needed)

    def make() -> IR:
        from funcgrad.transforms.reverse import TapeTrace, TapeTracer, backward_pass

        n = len(ir.in_vars)
        float_outs = [i for i, a in enumerate(ir.out_avals) if is_float(a)]

        def fun(*args):
            tape = TapeTrace(current_trace())
            ins = [tape.new_input(p) if w else p for p, w in zip(args[:n], needed)]
            try:
                outs = _run(tape, lambda *a: eval_ir(ir, *a), ins)
            finally:
                tape.alive = False
            cts: dict = {}
            for i, ct in zip(float_outs, args[n:]):
                o = outs[i]
                if type(o) is TapeTracer and o._trace is tape:
                    cts[o] = ct if o not in cts else cts[o] + ct
            backward_pass(tape.tape, cts)
            return [cts.get(x, zeros(a)) for x, a, w in zip(ins, ir.in_avals, needed) if w]

        return derive(fun, ir.in_avals + tuple(ir.out_avals[i] for i in float_outs))

    return cached(ir, ("vjp", needed), make)


def batch_ir(ir: IR, batched: Sequence[bool], size: int) -> IR:
    """IR of the inputs, batched along axis 0 where ``batched``, to the outputs batched along axis 0."""
    batched = tuple(bool(b) for b in batched)

    def make() -> IR:
        from funcgrad import numpy as fnp
        from funcgrad.transforms.batching import BatchTrace, BatchTracer

        def fun(*args):
            trace = BatchTrace(current_trace(), size)
            ins = [BatchTracer(trace, a, 0) if b else a for a, b in zip(args, batched)]
            try:
                outs = _run(trace, lambda *a: eval_ir(ir, *a), ins)
            finally:
                trace.alive = False
            return [fnp.moveaxis(o.val, o.bdim, 0) if type(o) is BatchTracer and o._trace is trace
                    else fnp.broadcast_to(o, (size,) + tuple(a.shape)) for o, a in zip(outs, ir.out_avals)]

        avals = [ShapedArray((size,) + tuple(a.shape), a.dtype) if b else a for a, b in zip(ir.in_avals, batched)]
        return derive(fun, avals)

    return cached(ir, ("batch", batched, size), make)


def batch_leading(x: Any, dim: int | None, size: int) -> Any:
    """``x`` with its batch axis first (broadcast to ``size`` if it has none)."""
    from funcgrad import numpy as fnp

    if dim is None:
        return fnp.broadcast_to(x, (size,) + tuple(shape_of(x)))
    return x if dim == 0 else fnp.moveaxis(x, dim, 0)
