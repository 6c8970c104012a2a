"""Primitives: the operations the IR is made of, with their rules in tables.

A :class:`Primitive` names one operation. Its rules live on it:

- ``impl``       the NumPy implementation (the eager path and the interpreter);
- ``abstract``   the shape/dtype rule, used when no concrete value is known;
- ``jvp``        one rule per positional input, ``rule(t, ans, *args, **params)``;
- ``vjp``        one rule per positional input, ``rule(g, ans, *args, **params)``;
- ``jvp_full``   instead of ``jvp``: ``rule(primals, tangents, **params) -> (out, tangent_out)`` with
                 ``None`` for zero tangents (primitives holding IR: one pass for all inputs);
- ``vjp_full``   instead of ``vjp``: ``rule(needed, g, ans, *args, **params) -> cotangents``, one per
                 input (``None`` where not needed or zero);
- ``on_tape``    ``rule(params) -> (prim, params, n)``: what a tape records and evaluates instead, of which
                 the caller sees the first ``n`` outputs (``custom_vjp_call``: the call that also returns
                 the residuals its vjp reads);
- ``batch``      ``rule(axis_size, args, dims, **params) -> (out, out_dim)``;
- ``kind``       ``"elementwise"``, ``"reduction"`` or ``"opaque"`` (for the fuser).

Rules are written with traceable operations, so every rule is differentiable again.
Calling a primitive binds it in the current trace::

    >>> from funcgrad.ops import sin
    >>> float(sin(0.0))
    0.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

REGISTRY: dict[str, Primitive] = {}


class Primitive:
    """One operation of the IR and its rule tables (see the module docstring)."""

    __slots__ = ("name", "impl", "abstract", "jvp", "vjp", "jvp_full", "vjp_full", "on_tape", "batch",
                 "kind", "multiple_results", "differentiable", "scalar_form")

    def __init__(self, name: str, impl: Callable, *, kind: str = "opaque",
                 multiple_results: bool = False, differentiable: bool = True,
                 abstract: Callable | None = None, scalar_form: str | None = None):
        if name in REGISTRY:
            raise ValueError(f"primitive {name!r} is already registered")
        self.name = name
        self.impl = impl
        self.kind = kind
        self.multiple_results = multiple_results
        self.differentiable = differentiable
        self.abstract = abstract
        self.scalar_form = scalar_form
        self.jvp: tuple | None = None
        self.jvp_full: Callable | None = None
        self.vjp_full: Callable | None = None
        self.on_tape: Callable | None = None
        self.vjp: tuple | None = None
        self.batch: Callable | None = None
        REGISTRY[name] = self

    def __call__(self, *args: Any, **params: Any) -> Any:
        return bind(self, *args, **params)

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __reduce__(self):
        return (lookup, (self.name,))

    def def_jvp(self, *rules: Callable | None) -> None:
        """Set the forward rules, one per positional input (``None``: no tangent flows)."""
        self.jvp = rules

    def def_vjp(self, *rules: Callable | None) -> None:
        """Set the reverse rules, one per positional input (``None``: no cotangent flows)."""
        self.vjp = rules

    def def_batch(self, rule: Callable) -> None:
        """Set the vmap rule."""
        self.batch = rule


# Families that :mod:`funcgrad.ops` does not import (SciPy's special functions need SciPy, which
# ``import funcgrad`` must not import): loaded when a name is not found, e.g. in a fresh process
# unpickling an IR that holds ``erf``.
_LAZY_FAMILIES = ("funcgrad.ops.special", "funcgrad.ops.fft", "funcgrad.ops.complex")


def lookup(name: str) -> Primitive:
    """The registered primitive called ``name``."""
    import funcgrad.ops  # noqa: F401  (registers every primitive)

    prim = REGISTRY.get(name)
    if prim is None:
        import importlib

        missing = []
        for module in _LAZY_FAMILIES:
            try:
                importlib.import_module(module)
            except ImportError as err:
                missing.append(f"{module} ({err})")
            if name in REGISTRY:
                return REGISTRY[name]
        raise KeyError(f"no primitive named {name!r} is registered" +
                       (f"; these could not be imported: {', '.join(missing)}" if missing else ""))
    return prim


from funcgrad.core.trace import bind  # noqa: E402
