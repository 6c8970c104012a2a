"""vmap: every traced value carries one batch axis; rules move it through primitives."""

from __future__ import annotations

from typing import Any

from funcgrad.core.ir import ShapedArray
from funcgrad.core.trace import ConcretizationError, Trace, Tracer, check_alive, get_aval, reset_trace, set_trace


class BatchTracer(Tracer):
    __slots__ = ("val", "bdim")

    def __init__(self, trace: BatchTrace, val: Any, bdim: int):
        self._trace = trace
        self.val = val
        self.bdim = bdim

    @property
    def aval(self) -> ShapedArray:
        a = get_aval(self.val)
        return ShapedArray(a.shape[:self.bdim] + a.shape[self.bdim + 1:], a.dtype)

    def _concrete(self):
        raise ConcretizationError(
            f"under vmap a traced value {self.aval} differs from one batch element to the next, so "
            f"Python cannot branch on it or convert it: use fnp.where for selection or fg.cond")


class BatchTrace(Trace):
    """Applies each primitive's batching rule."""

    __slots__ = ("axis_size",)

    def __init__(self, parent: Trace, axis_size: int):
        super().__init__(parent)
        self.axis_size = axis_size

    def process(self, prim, args, params):
        own = False
        vals, dims = [], []
        for a in args:
            if type(a) is BatchTracer and a._trace is self:
                own = True
                vals.append(a.val)
                dims.append(a.bdim)
            else:
                if isinstance(a, Tracer):
                    check_alive(a, prim)
                vals.append(a)
                dims.append(None)
        if not own:
            return self.parent.process(prim, vals, params)
        if prim.batch is None:
            raise NotImplementedError(f"vmap of {prim.name} is not supported")
        token = set_trace(self.parent)
        try:
            out, out_dim = prim.batch(self.axis_size, vals, dims, **params)
        finally:
            reset_trace(token)
        if prim.multiple_results:
            if not isinstance(out_dim, tuple):
                out_dim = (out_dim,) * len(out)
            return tuple(o if d is None else BatchTracer(self, o, d) for o, d in zip(out, out_dim))
        return out if out_dim is None else BatchTracer(self, out, out_dim)
