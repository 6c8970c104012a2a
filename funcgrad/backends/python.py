"""The generated-Python backend: one straight-line Python function per IR.

Each equation becomes one call of its primitive's NumPy implementation, with the
inputs as local variables, simple parameters written inline and everything else
(constants, arrays, dtypes, implementations) bound as globals of the generated
module. There is no per-equation dispatch and no environment dictionary. The
source is registered with :mod:`linecache`, so tracebacks show the line that failed
and ``FUNCGRAD_DEBUG=code`` prints it.

    >>> import funcgrad as fg, numpy as np
    >>> ir = fg.make_ir(lambda x: np.sin(x) * 2)(1.0)
    >>> fn = compile_ir(ir, "f")
    >>> print(fn.source)
    def f(a):
        b = _sin(a)
        c = _mul(b, 2)
        return (c,)
    >>> fn(0.5)
    (np.float64(0.958851077208406),)
"""

from __future__ import annotations

import itertools
import keyword
import linecache
import math
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from funcgrad.core.ir import IR, Var

_counter = itertools.count()


def _is_simple(v: Any) -> bool:
    """Whether ``repr(v)`` evaluates back to ``v`` (so it may be written inline)."""
    if v is None or type(v) in (bool, int, str):
        return True
    if type(v) is float:
        return math.isfinite(v)
    if type(v) is tuple:
        return all(_is_simple(x) for x in v)
    return False


class _Namer:
    """Local names for variables, global names for everything bound from outside."""

    def __init__(self):
        self.locals: dict[Var, str] = {}
        self.globals: dict[str, Any] = {}
        self._ids: dict[int, str] = {}
        self._letters = self._gen()

    @staticmethod
    def _gen():
        for n in itertools.count(1):
            for letters in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=n):
                name = "".join(letters)
                if not keyword.iskeyword(name):
                    yield name

    def local(self, v: Var) -> str:
        name = self.locals.get(v)
        if name is None:
            name = self.locals[v] = next(self._letters)
        return name

    def bind(self, value: Any, hint: str) -> str:
        """A global name for ``value`` (the same name for the same object)."""
        name = self._ids.get(id(value))
        if name is None:
            base = "_" + (hint if hint.isidentifier() else "g")  # locals never start with "_"
            name = base if base not in self.globals else f"{base}{len(self.globals)}"
            self._ids[id(value)] = name
            self.globals[name] = value
        return name

    def atom(self, x: Any) -> str:
        if isinstance(x, Var):
            return self.local(x)
        v = x.val
        return repr(v) if _is_simple(v) else self.bind(v, "lit")

    def param(self, v: Any) -> str:
        return repr(v) if _is_simple(v) else self.bind(v, "p")


def generate(ir: IR, name: str, emit: Callable | None = None) -> tuple[str, dict[str, Any]]:
    """The source of a function ``name(*inputs) -> tuple(outputs)`` computing ``ir``, and its globals.

    ``emit(eqn, namer)`` may return the lines for an equation itself (``None``: the default call).
    """
    n = _Namer()
    for v, c in zip(ir.const_vars, ir.consts):
        n.locals[v] = n.bind(c, "c")
    args = [n.local(v) for v in ir.in_vars]
    lines = [f"def {name}({', '.join(args)}):"]
    for eqn in ir.eqns:
        custom = emit(eqn, n) if emit is not None else None
        if custom is not None:
            lines += ["    " + line for line in custom]
            continue
        impl = n.bind(eqn.prim.impl, eqn.prim.name)
        call = ", ".join([n.atom(x) for x in eqn.ins] + [f"{k}={n.param(v)}" for k, v in eqn.params.items()])
        outs = ", ".join(n.local(o) for o in eqn.outs)
        lines.append(f"    {outs}{',' if eqn.prim.multiple_results and len(eqn.outs) == 1 else ''} = {impl}({call})")
    outs = [n.atom(x) if isinstance(x, Var) else n.bind(np.asarray(x.val)[()], "lit") for x in ir.outs]
    lines.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    return "\n".join(lines) + "\n", n.globals


class CompiledPython:
    """A generated function: ``fn(*inputs)`` returns the tuple of outputs; ``fn.source`` is its code."""

    __slots__ = ("fn", "source", "filename")

    def __init__(self, fn: Callable, source: str, filename: str):
        self.fn, self.source, self.filename = fn, source, filename

    def __call__(self, *args: Any) -> tuple:
        return self.fn(*args)


def compile_ir(ir: IR, name: str = "f", emit: Callable | None = None) -> CompiledPython:
    """Generate, compile and register (with :mod:`linecache`) the Python function for ``ir``."""
    fname = name if name.isidentifier() and not keyword.iskeyword(name) else "f"
    source, glob = generate(ir, fname, emit)
    filename = f"<funcgrad-jit {fname} #{next(_counter)}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = dict(glob)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102  (our own generated source)
    fn = namespace[fname]
    weakref.finalize(fn, linecache.cache.pop, filename, None)  # an evicted signature takes its source along
    return CompiledPython(fn, source, filename)
