"""Tiers: a jitted function starts on generated Python and moves to numba kernels once hot.

The numba tier is the same generated Python glue with every ``fused`` cluster (see
:mod:`funcgrad.passes.fusion`) replaced by a call of its numba kernel
(:mod:`funcgrad.backends.kernels`); matmul and the other opaque primitives still
call NumPy/BLAS. A signature is promoted when it has been called
``FUNCGRAD_NUMBA_CALLS`` times (default 10), or as soon as calls × elements its
kernels would visit reach ``FUNCGRAD_NUMBA_ELEMENTS`` (default 2 000 000), where
compiling pays at once. ``FUNCGRAD_NUMBA=always`` compiles at the first call (for
testing), ``never`` keeps generated Python. A compile failure warns once and keeps the
Python tier: the answer never depends on the tier.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from funcgrad import debug
from funcgrad.core.ir import IR


class NumbaFallbackWarning(UserWarning):
    """The numba tier could not be built for a jitted function; it runs on generated Python."""


def policy() -> tuple[str, int, int]:
    """``(mode, calls, elements)`` from the environment (see the module docstring)."""
    mode = os.environ.get("FUNCGRAD_NUMBA", "auto").strip().lower()
    if mode not in ("auto", "always", "never"):
        raise ValueError(f"FUNCGRAD_NUMBA must be 'auto', 'always' or 'never', got {mode!r}")
    return (mode, int(os.environ.get("FUNCGRAD_NUMBA_CALLS", "10")),
            int(float(os.environ.get("FUNCGRAD_NUMBA_ELEMENTS", "2e6"))))


def _emit_fused(eqn, n) -> list[str] | None:
    from funcgrad.backends.kernels import kernel_source, load
    from funcgrad.passes.fusion import fused

    if eqn.prim is not fused:
        return None
    source, layout = kernel_source(eqn)
    kernel = n.bind(load(source), "kernel")
    shape = eqn.params["shape"]
    args = []
    for v, kind in zip(eqn.ins, layout["kinds"]):
        a = n.atom(v)
        if kind == "scalar":
            args.append(f"({a}[()] if type({a}) is {n.bind(np.ndarray, 'ndarray')} else {a})")
        else:
            args.append(a)
    outs = [n.local(o) for o in eqn.outs]
    if not shape:  # a scalar cluster: the kernel returns its outputs
        lines = [f"{', '.join(outs)}, = {kernel}({', '.join(args)})"]
        full = n.bind(np.full, "full")
        lines += [f"{name} = {n.bind(o.aval.dtype.type, o.aval.dtype.name)}({name})" if o.aval.shape == () else
                  f"{name} = {full}({o.aval.shape!r}, {name}, {n.bind(o.aval.dtype, o.aval.dtype.name)})"
                  for name, o in zip(outs, eqn.outs)]
        return lines
    empty = n.bind(np.empty, "empty")
    lines, stored, reds = [], [], []
    for o in layout["stored"]:
        name = n.local(o)
        lines.append(f"{name} = {empty}({o.aval.shape!r}, {n.bind(o.aval.dtype, o.aval.dtype.name)})")
        stored.append(name)
    kept_shape = tuple(shape[a] for a in layout["kept"]) or (1,)
    finish = []
    for e in layout["reductions"]:
        buf, o = f"{n.local(e.outs[0])}_buffer", e.outs[0]
        lines.append(f"{buf} = {empty}({kept_shape!r}, {n.bind(o.aval.dtype, o.aval.dtype.name)})")
        reds.append(buf)
        finish.append(f"{n.local(o)} = {buf}[0]" if o.aval.shape == () else
                      f"{n.local(o)} = {buf}.reshape({o.aval.shape!r})")
    call = [str(s) for s in shape] + args + stored + reds
    return lines + [f"{kernel}({', '.join(call)})"] + finish


def kernel_ir(ir: IR) -> IR:
    """``ir`` as the numba tier runs it: index maps (:mod:`funcgrad.passes.windows`), then fusion."""
    from funcgrad.passes.fusion import fuse
    from funcgrad.passes.windows import index_maps

    return fuse(index_maps(ir))


def compile_numba(ir: IR, name: str):
    """The numba tier of ``ir`` (a :class:`~funcgrad.backends.python.CompiledPython`), or ``None``
    if it has no cluster worth a kernel."""
    from funcgrad.backends.python import compile_ir
    from funcgrad.passes.fusion import fused

    fused_ir = kernel_ir(ir)
    if not any(e.prim is fused for e in fused_ir.eqns):
        return None
    compiled = compile_ir(fused_ir, name, emit=_emit_fused)
    debug.report("code", f"fg.jit({name}), numba tier:\n{compiled.source}")
    return compiled


def kernel_elements(ir: IR) -> int:
    """How many elements the clusters of ``ir`` visit per call (0: nothing to compile)."""
    from funcgrad.passes.fusion import cluster_size, fused

    return sum(cluster_size(e) for e in kernel_ir(ir).eqns if e.prim is fused)


class Tiered:
    """Runs the Python tier, counting calls, until the signature is hot; then builds the numba
    tier and installs it with ``install(fn)`` so later calls go straight to it."""

    __slots__ = ("ir", "name", "python", "install", "calls", "threshold", "elements")

    def __init__(self, ir: IR, name: str, python: Callable, install: Callable, calls: int, elements: int):
        self.ir, self.name, self.python, self.install = ir, name, python, install
        self.calls = 0
        self.threshold = calls
        self.elements = elements

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        size = kernel_elements(self.ir) if self.calls == 1 else None
        if size is not None:
            self.elements = max(1, self.elements // max(size, 1)) if size else 0
            if not size:  # no clusters: this signature stays on the Python tier
                self.install(self.python)
                return self.python(*args)
        if self.calls >= self.threshold or (self.elements and self.calls >= self.elements):
            return self.promote(args)
        return self.python(*args)

    def promote(self, args: tuple) -> Any:
        try:
            compiled = compile_numba(self.ir, self.name)
            if compiled is None:
                self.install(self.python)
                return self.python(*args)
            out = compiled.fn(*args)
        except Exception as err:
            out = self.python(*args)  # an error of the user's own raises again here
            warnings.warn(f"fg.jit({self.name}): the numba tier could not be built ({type(err).__name__}: {err}); "
                          f"this signature runs on generated Python", NumbaFallbackWarning, stacklevel=3)
            self.install(self.python)
            return out
        self.install(compiled.fn)
        return out


def tiered(ir: IR, name: str, python: Callable, install: Callable) -> Callable:
    """What a new signature calls first: the Python tier, or a :class:`Tiered` that may move on."""
    mode, calls, elements = policy()
    if mode == "never":
        return python
    if mode == "always":
        calls, elements = 1, 1
    return Tiered(ir, name, python, install, calls, elements)
