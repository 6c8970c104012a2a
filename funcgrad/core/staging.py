"""Staging: record a function into an :class:`~funcgrad.core.ir.IR`.

A :class:`StagingTrace` turns each primitive call on its tracers into an
equation. Calls that involve none of its tracers are evaluated by the parent
trace right away (constant folding for free). With ``concrete=True`` the tracers
also carry values, so Python control flow on them works while staging.
"""

from __future__ import annotations

import linecache
import os
import sys
from typing import Any

import numpy as np

from funcgrad.core.ir import IR, Eqn, Literal, ShapedArray, Var, aval_of
from funcgrad.core.trace import ConcretizationError, Trace, Tracer, check_alive, concrete_or_none, dispatch

UNKNOWN = object()


class StagingTracer(Tracer):
    __slots__ = ("ir_var", "value")

    def __init__(self, trace: StagingTrace, var: Var, value: Any = UNKNOWN):
        self._trace = trace
        self.ir_var = var
        self.value = value

    @property
    def aval(self) -> ShapedArray:
        return self.ir_var.aval

    def _concrete(self):
        if self.value is UNKNOWN:
            if self._trace.context is not None:
                raise ConcretizationError(_staged_value_message(self, self._trace.context))
            return super()._concrete()
        return self.value

    def __repr__(self) -> str:
        if self.value is UNKNOWN:
            return f"Traced<{self.aval}>"
        return f"Traced<{self.aval}>({self.value!r})"


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_NUMPY = os.path.dirname(np.__file__) + os.sep


def user_frame() -> tuple[str, int, str]:
    """``(file, line, source)`` of the innermost caller outside funcgrad and NumPy."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(_PACKAGE) or name.startswith(_NUMPY) or name.startswith("<frozen")):
            return name, frame.f_lineno, linecache.getline(name, frame.f_lineno).strip()
        frame = frame.f_back
    return "<unknown>", 0, ""


def _staged_value_message(tracer: StagingTracer, context: str) -> str:
    file, line, source = user_frame()
    where = f"{file}, line {line}" + (f": `{source}`" if source else "")
    return (f"{context}: Python needs the value of a traced array {tracer.aval} (shape {tracer.aval.shape}, "
            f"dtype {tracer.aval.dtype}) at {where}, but under jit only shapes and dtypes are known. Fixes: "
            f"branch or loop on values with fg.cond / fg.while_loop, select elementwise with fnp.where, "
            f"mark arguments that are not arrays static (static_argnums=... or static_argnames=...), "
            f"or call the function without fg.jit.")


class StagingTrace(Trace):
    """Records equations; ``concrete`` also computes values as it goes."""

    __slots__ = ("eqns", "const_vars", "consts", "concrete", "context")

    def __init__(self, parent: Trace, concrete: bool = False, context: str | None = None):
        super().__init__(parent)
        self.eqns: list[Eqn] = []
        self.const_vars: dict[int, Var] = {}
        self.consts: list = []
        self.concrete = concrete
        self.context = context  # who stages abstractly ("fg.jit(f)"), for errors that need a value

    def new_input(self, aval: ShapedArray, value: Any = UNKNOWN) -> StagingTracer:
        return StagingTracer(self, Var(aval), value if self.concrete else UNKNOWN)

    def lift(self, x: Any):
        """The IR atom for a value that is not one of this trace's tracers."""
        if isinstance(x, Tracer):
            check_alive(x, None)
        elif isinstance(x, int | float | bool | complex | np.generic) or (isinstance(x, np.ndarray) and x.ndim == 0):
            return Literal(x)
        var = self.const_vars.get(id(x))
        if var is None:
            var = self.const_vars[id(x)] = Var(x.aval if isinstance(x, Tracer) else aval_of(x))
            self.consts.append(x)
        return var

    def process(self, prim, args, params):
        own = False
        ins, vals = [], []
        for a in args:
            if type(a) is StagingTracer and a._trace is self:
                own = True
                ins.append(a.ir_var)
                vals.append(a.value)
            else:
                ins.append(self.lift(a))
                vals.append(a if not isinstance(a, Tracer) else concrete_or_none(a) if self.concrete else None)
        if not own:
            return self.parent.process(prim, args, params)
        value = UNKNOWN
        if self.concrete and all(v is not UNKNOWN and v is not None for v in vals):
            value = dispatch(prim, vals, params)
        if value is not UNKNOWN:
            avals = tuple(aval_of(v) for v in value) if prim.multiple_results else aval_of(value)
        else:
            avals = prim.abstract(*[x.aval if isinstance(x, Var) else x.val for x in ins], **params)
        if prim.multiple_results:
            outs = tuple(Var(a) for a in avals)
            self.eqns.append(Eqn(prim, tuple(ins), outs, params))
            values = value if value is not UNKNOWN else (UNKNOWN,) * len(outs)
            return tuple(StagingTracer(self, v, x) for v, x in zip(outs, values))
        out = Var(avals)
        self.eqns.append(Eqn(prim, tuple(ins), (out,), params))
        return StagingTracer(self, out, value)

    def to_ir(self, inputs: list[StagingTracer], outputs: list) -> IR:
        """Close the recording: an IR from ``inputs`` to ``outputs``."""
        outs = [o.ir_var if type(o) is StagingTracer and o._trace is self else self.lift(o) for o in outputs]
        const_vars = list(self.const_vars.values())
        return IR([t.ir_var for t in inputs], self.eqns, outs, const_vars, self.consts)
