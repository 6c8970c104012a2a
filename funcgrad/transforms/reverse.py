"""Reverse mode: record the forward equations on a tape, then run the vjp rules backwards.

The tape is the IR of the forward pass: each entry is one equation together with
the primal values it saw. The primal values live one trace below, so when an
outer transform is recording (``grad(grad(f))``, ``make_ir(grad(f))``) both the
forward pass and every backward rule are recorded by it: the backward pass *is*
an IR rewrite, evaluated in whatever trace is current.
"""

from __future__ import annotations

from typing import Any

from funcgrad.core.ir import ShapedArray, aval_of
from funcgrad.core.trace import Trace, Tracer, check_alive


class TapeTracer(Tracer):
    """A value on a tape: its primal (one trace below) is its identity in the IR."""

    __slots__ = ("primal",)

    def __init__(self, trace: TapeTrace, primal: Any):
        self._trace = trace
        self.primal = primal

    @property
    def aval(self) -> ShapedArray:
        p = self.primal
        return p.aval if isinstance(p, Tracer) else aval_of(p)

    @property
    def shape(self):
        return getattr(self.primal, "shape", ())

    @property
    def dtype(self):
        return self.aval.dtype

    def _concrete(self):
        p = self.primal
        return p._concrete() if isinstance(p, Tracer) else p


class TapeEntry:
    """One recorded equation: ``out = prim[params](*ins)``; ``in_keys[i]`` is the
    tracer of input ``i`` (``None`` for constants), ``out_key`` the output's."""

    __slots__ = ("prim", "params", "in_keys", "ins", "out_key", "out")

    def __init__(self, prim, params, in_keys, ins, out_key, out):
        self.prim, self.params, self.in_keys, self.ins, self.out_key, self.out = (
            prim, params, in_keys, ins, out_key, out)


class TapeTrace(Trace):
    """Records primitive calls on its tracers; evaluates them in the parent trace."""

    __slots__ = ("tape",)

    def __init__(self, parent: Trace):
        super().__init__(parent)
        self.tape: list[TapeEntry] = []

    def new_input(self, primal: Any) -> TapeTracer:
        return TapeTracer(self, primal)

    def process(self, prim, args, params):
        own = False
        primals = []
        keys = []
        for a in args:
            if type(a) is TapeTracer and a._trace is self:
                own = True
                primals.append(a.primal)
                keys.append(a)
            else:
                if isinstance(a, Tracer):
                    check_alive(a, prim)
                primals.append(a)
                keys.append(None)
        visible = None
        if own and prim.on_tape is not None:
            prim, params, visible = prim.on_tape(params)
        out = self.parent.process(prim, primals, params)
        if not own or not prim.differentiable:
            return out if visible is None else out[:visible]
        if prim.multiple_results:
            tracer = tuple(TapeTracer(self, o) for o in out)
        else:
            tracer = TapeTracer(self, out)
        self.tape.append(TapeEntry(prim, params, keys, primals, tracer, out))
        return tracer if visible is None else tracer[:visible]


_rule_hook = None


def set_rule_hook(hook):
    """Install ``hook(prim, params, i, thunk) -> ct`` around every vjp rule application; returns the old one."""
    global _rule_hook
    old, _rule_hook = _rule_hook, hook
    return old


def backward_pass(entries, cts: dict, on_entry=None) -> dict:
    """Propagate cotangents from outputs to inputs through ``entries`` (in reverse).

    ``cts`` maps keys to cotangents; it is updated in place and returned. Rules are
    evaluated in the current trace, so the result can itself be recorded.
    """
    for entry in reversed(entries):
        key = entry.out_key
        if type(key) is tuple:
            g = tuple(cts.pop(k, None) for k in key)
            if all(c is None for c in g):
                continue
        else:
            g = cts.pop(key, None)
            if g is None:
                continue
        if on_entry is not None:
            on_entry(entry, g)
        ins, params, out = entry.ins, entry.params, entry.out
        if entry.prim.vjp_full is not None:
            needed = [k is not None for k in entry.in_keys]
            for k, ct in zip(entry.in_keys, entry.prim.vjp_full(needed, g, out, *ins, **params)):
                if k is not None and ct is not None:
                    prev = cts.get(k)
                    cts[k] = ct if prev is None else prev + ct
            continue
        rules = entry.prim.vjp
        if rules is None:
            raise NotImplementedError(f"reverse-mode differentiation of {entry.prim.name} is not supported")
        for i, k in enumerate(entry.in_keys):
            if k is None or rules[i] is None:
                continue
            rule = rules[i]
            if _rule_hook is None:
                ct = rule(g, out, *ins, **params)
            else:
                ct = _rule_hook(entry.prim, params, i, lambda: rule(g, out, *ins, **params))
            if ct is not None:
                prev = cts.get(k)
                cts[k] = ct if prev is None else prev + ct
    return cts
