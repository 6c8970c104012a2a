"""Forward mode: every traced value carries a tangent; rules push tangents through.

A tangent of ``None`` is a symbolic zero: no work is done for it.
"""

from __future__ import annotations

from typing import Any

from funcgrad.core.ir import ShapedArray, aval_of
from funcgrad.core.trace import Trace, Tracer, check_alive, reset_trace, set_trace
from funcgrad.ops.util import shape_of


class JVPTracer(Tracer):
    __slots__ = ("primal", "tangent")

    def __init__(self, trace: JVPTrace, primal: Any, tangent: Any):
        self._trace = trace
        self.primal = primal
        self.tangent = tangent

    @property
    def aval(self) -> ShapedArray:
        p = self.primal
        return p.aval if isinstance(p, Tracer) else aval_of(p)

    @property
    def shape(self):
        return getattr(self.primal, "shape", ())

    def _concrete(self):
        p = self.primal
        return p._concrete() if isinstance(p, Tracer) else p


def _add_tangents(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return a + b


class JVPTrace(Trace):
    """Pushes tangents forward with each primitive's ``jvp`` rules."""

    __slots__ = ()

    def process(self, prim, args, params):
        own = False
        primals, tangents = [], []
        for a in args:
            if type(a) is JVPTracer and a._trace is self:
                own = True
                primals.append(a.primal)
                tangents.append(a.tangent)
            else:
                if isinstance(a, Tracer):
                    check_alive(a, prim)
                primals.append(a)
                tangents.append(None)
        if not own or not prim.differentiable:
            return self.parent.process(prim, primals, params)
        token = set_trace(self.parent)
        try:
            if prim.jvp_full is not None:
                out, t_out = prim.jvp_full(primals, tangents, **params)
                return tuple(o if t is None else JVPTracer(self, o, t) for o, t in zip(out, t_out))
            out = self.parent.process(prim, primals, params)
            rules = prim.jvp
            if rules is None:
                raise NotImplementedError(f"forward-mode differentiation of {prim.name} is not supported")
            t_out = None
            for i, t in enumerate(tangents):
                if t is None:
                    continue
                rule = rules[i]
                if rule is None:
                    continue
                ti = rule(t, out, *primals, **params)
                if prim.multiple_results:
                    t_out = ti if t_out is None else tuple(map(_add_tangents, t_out, ti))
                elif ti is not None:
                    t_out = ti if t_out is None else t_out + ti
            if t_out is not None and not prim.multiple_results and shape_of(t_out) != shape_of(out):
                from funcgrad.ops.shape import broadcast_to

                t_out = broadcast_to(t_out, shape=shape_of(out))
        finally:
            reset_trace(token)
        if prim.multiple_results:
            t_out = t_out or (None,) * len(out)
            return tuple(o if t is None else JVPTracer(self, o, t) for o, t in zip(out, t_out))
        if t_out is None:
            return out
        return JVPTracer(self, out, t_out)
