"""``fg.jit``: stage a function once per call signature, optimise its IR, run compiled code.

A call flattens its arguments and looks up their *signature* — pytree structure,
shapes, dtypes, whether each leaf is a Python scalar (a *weak* type: its value may
change without a retrace, and, as in NumPy, it takes the dtype of the arrays it
meets), and the values of static arguments. On a miss the function is traced
abstractly (shapes and dtypes only), the IR goes through the pass pipeline and the
backend compiles it; the result is kept in an LRU cache.

Called on traced values (inside ``grad``, ``vmap``, another ``jit`` ...), a jitted
function is *inlined*: its optimised IR is evaluated in the current trace, so the
enclosing transform sees ordinary primitives — there is no call primitive that
every transform would need rules for, and an enclosing ``jit`` optimises across
the boundary.

    >>> import funcgrad as fg, numpy as np
    >>> f = fg.jit(lambda x, y: np.sum(np.sin(x) * y))
    >>> float(f(np.zeros(3), 2.0))
    0.0
    >>> f.cache_info().misses
    1
    >>> float(f(np.ones(3), 3.0)), f.cache_info().misses   # a new float value: no retrace
    (7.573238863271068, 1)
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from funcgrad import debug, tree
from funcgrad.backends.interpreter import eval_ir
from funcgrad.core import trace as _trace
from funcgrad.core.ir import IR, ShapedArray
from funcgrad.core.staging import StagingTrace
from funcgrad.core.trace import EVAL, Tracer, current_trace, reset_trace, set_trace

DEFAULT_CACHE_SIZE = int(os.environ.get("FUNCGRAD_JIT_CACHE_SIZE", "128"))

_F64, _I64, _BOOL, _C128 = (np.dtype(t) for t in ("float64", "int64", "bool", "complex128"))
_LEAF = tree.LEAF
_WEAK = {float: ((), _F64, True), int: ((), _I64, True), bool: ((), _BOOL, True), complex: ((), _C128, True)}


def _leaf_signature(x: Any) -> tuple:
    """``(shape, dtype, weak)`` of one argument leaf."""
    t = type(x)
    if t is np.ndarray:
        return x.shape, x.dtype, False
    weak = _WEAK.get(t)
    if weak is not None:
        return weak
    if isinstance(x, Tracer):
        a = x.aval
        return a.shape, a.dtype, False
    if isinstance(x, np.generic | np.ndarray):
        return x.shape, x.dtype, False
    raise _NotAnArray(x)


class _NotAnArray(Exception):
    def __init__(self, value):
        self.value = value


_PYTHON_NAMES = {_F64: "float", _I64: "int", _BOOL: "bool", _C128: "complex"}


def _describe(sig: tuple) -> str:
    shape, dtype, weak = sig
    return f"a Python {_PYTHON_NAMES[dtype]}" if weak else str(ShapedArray(shape, dtype))


class CacheInfo(NamedTuple):
    """Statistics of a jitted function's signature cache (as ``functools.lru_cache`` gives)."""

    hits: int
    misses: int
    maxsize: int
    currsize: int


class _Entry:
    """One traced signature: its optimised IR, the output structure, and the compiled code."""

    __slots__ = ("ir", "out_tree", "compiled", "call", "desc", "name")

    def __init__(self, ir: IR, out_tree, desc: dict, name: str):
        self.ir, self.out_tree, self.desc, self.name = ir, out_tree, desc, name
        self.compiled = None
        self.call = None  # what runs on concrete values (set by compile)

    def compile(self) -> Callable:
        """Generate the Python tier; the first calls run it, until the numba tier takes over."""
        from funcgrad.backends.python import compile_ir
        from funcgrad.backends.tiering import tiered

        compiled = compile_ir(self.ir, self.name)
        debug.report("code", f"fg.jit({self.name}):\n{compiled.source}")
        self.compiled = compiled
        self.call = tiered(self.ir, self.name, compiled.fn, self._install)
        return self.call

    def _install(self, fn: Callable) -> None:
        self.call = fn

    @property
    def tier(self) -> str:
        """``"python"`` or ``"numba"``: what the next call of this signature runs."""
        from funcgrad.backends.tiering import Tiered

        return "python" if self.call is None or isinstance(self.call, Tiered) or self.call is self.compiled.fn \
            else "numba"


class _JitCall:
    """How a jitted call appears at the dispatch point (and in the profiler): ``jit(name)``."""

    __slots__ = ("name", "impl")

    def __init__(self, name: str, impl: Callable):
        self.name, self.impl = name, impl


def _statics_tuple(nums, names) -> tuple[tuple[int, ...], tuple[str, ...]]:
    nums = (nums,) if isinstance(nums, int) else tuple(nums)
    names = (names,) if isinstance(names, str) else tuple(names)
    return nums, names


class Jitted:
    """A function compiled by :func:`jit`. Call it like the original; pickles by reference to it."""

    # state in slots: ``functools.wraps`` copies a function's ``__dict__``, which holds only the wrapper's names
    __slots__ = ("fun", "static_argnums", "static_argnames", "cache_size", "_name", "_params", "_static_nums",
                 "_static_names", "_simple", "_cache", "_lock", "_hits", "_misses", "_last", "__dict__",
                 "__weakref__")

    def __init__(self, fun: Callable, static_argnums: int | Sequence[int] = (),
                 static_argnames: str | Sequence[str] = (), cache_size: int | None = None):
        if not callable(fun):
            raise TypeError(f"fg.jit: expected a function, got {type(fun).__name__}")
        self.fun = fun
        self.static_argnums, self.static_argnames = _statics_tuple(static_argnums, static_argnames)
        self.cache_size = DEFAULT_CACHE_SIZE if cache_size is None else int(cache_size)
        if self.cache_size < 1:
            raise ValueError(f"fg.jit: cache_size must be at least 1, got {cache_size}")
        functools.update_wrapper(self, fun, updated=())
        self._name = getattr(fun, "__name__", type(fun).__name__)
        self._params = self._signature_names()
        # a static argument may be passed by position or by name: know both
        nums, names = set(self.static_argnums), set(self.static_argnames)
        for i, p in enumerate(self._params or ()):
            if i in nums:
                names.add(p)
            if p in names:
                nums.add(i)
        self._static_nums, self._static_names = frozenset(nums), frozenset(names)
        self._simple = not nums and not names
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = 0
        self._last: _Entry | None = None

    def _signature_names(self) -> list[str] | None:
        try:
            params = inspect.signature(self.fun).parameters.values()
        except (TypeError, ValueError):
            return None
        return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._simple and not kwargs:  # the fast path: a flat tuple of arrays and Python scalars
            entry = self._fast_entry(args)
            if entry is not None:
                if current_trace() is EVAL:
                    outs = (entry.call or entry.compile())(*args) if _trace._dispatch_hook is None \
                        else self._dispatch(entry, args)
                    return outs[0] if entry.out_tree is _LEAF else tree.unflatten(entry.out_tree, outs)
                return self._run(entry, args)
        return self._call_general(args, kwargs)

    def _fast_entry(self, args: tuple) -> _Entry | None:
        """The entry for a flat tuple of arrays and Python scalars (tracing on a miss), else ``None``."""
        key = [len(args)]
        for a in args:
            t = type(a)
            if t is np.ndarray:
                key.append((a.shape, a.dtype, False))
            elif t in _WEAK:
                key.append(_WEAK[t])
            else:
                return None
        key = tuple(key)
        entry = self._cache.get(key)
        if entry is None:
            return self._miss(key, key[1:], args, {}, lambda inputs: (tuple(inputs), {}))
        self._hits += 1
        self._cache.move_to_end(key)
        return entry

    def _dispatch(self, entry: _Entry, leaves) -> tuple:
        """Run through the dispatch point, where a profiler sees one event per call."""
        return _trace.dispatch(_JitCall(f"jit({self._name})", entry.call or entry.compile()), leaves, {})

    def _run(self, entry: _Entry, leaves: list) -> Any:
        if current_trace() is not EVAL or any(isinstance(x, Tracer) for x in leaves):
            outs = eval_ir(entry.ir, *leaves)  # inside a transform: inline the IR
        else:
            outs = (entry.call or entry.compile())(*leaves) if _trace._dispatch_hook is None \
                else self._dispatch(entry, leaves)
        return outs[0] if entry.out_tree is _LEAF else tree.unflatten(entry.out_tree, outs)

    def _call_general(self, args: tuple, kwargs: dict) -> Any:
        found = self._lookup(args, kwargs)
        if found is None:
            return self.fun(*args, **kwargs)  # autograd tensors: run eagerly, so that their graph records
        return self._run(*found)

    def _lookup(self, args: tuple, kwargs: dict) -> tuple[_Entry, list] | None:
        """The cache entry for a call (tracing on a miss) and the dynamic leaves; ``None`` for tensors."""
        statics, dyn_args, dyn_kwargs = [], [], {}
        params = self._params or ()
        for i, a in enumerate(args):
            if i in self._static_nums:  # keyed by name where known: f(x, 3) and f(x, n=3) share a trace
                statics.append((params[i] if i < len(params) else f"#{i}", self._check_hashable(a, i)))
            else:
                dyn_args.append(a)
        for k in sorted(kwargs):
            if k in self._static_names:
                statics.append((k, self._check_hashable(kwargs[k], k)))
            else:
                dyn_kwargs[k] = kwargs[k]
        statics.sort(key=lambda kv: kv[0])
        for i in self.static_argnums:
            if i >= len(args) and (self._params is None or i >= len(self._params) or self._params[i] not in kwargs):
                raise TypeError(f"fg.jit({self._name}): static_argnums={self.static_argnums} names argument {i}, "
                                f"but the call passed {len(args)} positional argument(s)")
        leaves, treedef = tree.flatten((tuple(dyn_args), dyn_kwargs))
        try:
            key = (treedef, tuple(statics), *[_leaf_signature(x) for x in leaves])
        except _NotAnArray:
            return self._unusual(args, kwargs)
        entry = self._cache.get(key)
        if entry is not None:
            self._hits += 1
            self._cache.move_to_end(key)
        else:
            def rebuild(inputs):
                dyn_args, dyn_kwargs = tree.unflatten(treedef, inputs)
                it = iter(dyn_args)
                return (tuple(a if i in self._static_nums else next(it) for i, a in enumerate(args)),
                        {k: (v if k in self._static_names else dyn_kwargs[k]) for k, v in kwargs.items()})

            entry = self._miss(key, key[2:], args, kwargs, rebuild)
        return entry, leaves

    def _check_hashable(self, value: Any, where: int | str) -> Any:
        try:
            hash(value)
        except TypeError:
            what = f"argument {where!r}" if isinstance(where, str) else f"argument {where}" + (
                f" ({self._params[where]!r})" if self._params and where < len(self._params) else "")
            raise TypeError(f"fg.jit({self._name}): static {what} must be hashable, but it is a "
                            f"{type(value).__name__}. Pass a tuple instead of a list, or make the argument "
                            f"a traced (non-static) array.") from None
        return value

    def _unusual(self, args: tuple, kwargs: dict) -> None:
        """Arguments that are not arrays: ``None`` for autograd tensors (they run eagerly), else an error."""
        if any(hasattr(x, "__funcgrad_value__") for x in tree.leaves((args, kwargs))):
            return None
        for i, x in enumerate(args):
            if i in self._static_nums:
                continue
            for leaf in tree.leaves(x):
                try:
                    _leaf_signature(leaf)
                except _NotAnArray:
                    name = f" ({self._params[i]!r})" if self._params and i < len(self._params) else ""
                    raise TypeError(f"fg.jit({self._name}): argument {i}{name} contains a {type(leaf).__name__}, "
                                    f"which is not an array. Mark it static (static_argnums=({i},)) or pass an "
                                    f"array.") from None
        bad = next(k for k, v in kwargs.items()
                   if k not in self._static_names and not all(map(_is_array_leaf, tree.leaves(v))))
        raise TypeError(f"fg.jit({self._name}): keyword argument {bad!r} is not an array. Mark it static "
                        f"(static_argnames=({bad!r},)) or pass an array.")

    # ------------------------------------------------------------------ tracing
    def _miss(self, key: tuple, sigs: tuple, args: tuple, kwargs: dict, rebuild: Callable) -> _Entry:
        """Trace for a new signature ``key``: ``sigs`` are the leaves' signatures, ``rebuild(inputs)``
        makes the call's ``(args, kwargs)`` from one tracer per leaf."""
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None:
                return entry
            desc = self._describe_args(args, kwargs)
            if self._last is not None:
                debug.report("retrace", self._retrace_reason(self._last.desc, desc))
            entry = self._trace(sigs, rebuild, desc)
            self._misses += 1
            if not any(isinstance(c, Tracer) for c in entry.ir.consts):  # closures over outer tracers: one use
                self._cache[key] = entry
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
                self._last = entry
            return entry

    def _trace(self, sigs: tuple, rebuild: Callable, desc: dict) -> _Entry:
        from funcgrad.transforms.api import optimize

        trace = StagingTrace(current_trace(), concrete=False, context=f"fg.jit({self._name})")
        inputs = [trace.new_input(ShapedArray(*s)) for s in sigs]
        call_args, call_kwargs = rebuild(inputs)
        token = set_trace(trace)
        try:
            out = self.fun(*call_args, **call_kwargs)
        finally:
            reset_trace(token)
            trace.alive = False
        out_leaves, out_tree = tree.flatten(out)
        ir = optimize(trace.to_ir(inputs, out_leaves))
        debug.report("ir", f"fg.jit({self._name}) for {_format_desc(desc)}:\n{ir}")
        return _Entry(ir, out_tree, desc, self._name)

    def _describe_args(self, args: tuple, kwargs: dict) -> dict:
        desc = {}
        for i, a in enumerate(args):
            name = self._params[i] if self._params and i < len(self._params) else f"#{i}"
            desc[name] = self._describe_arg(a, i in self._static_nums)
        for k, v in kwargs.items():
            desc[k] = self._describe_arg(v, k in self._static_names)
        return desc

    @staticmethod
    def _describe_arg(a: Any, static: bool) -> str:
        if static:
            return f"static {a!r}"
        leaves, treedef = tree.flatten(a)
        parts = []
        for x in leaves:
            try:
                parts.append(_describe(_leaf_signature(x)))
            except _NotAnArray:
                parts.append(type(x).__name__)
        return parts[0] if treedef is tree.LEAF else f"{treedef!r} of [{', '.join(parts)}]"

    def _retrace_reason(self, old: dict, new: dict) -> str:
        changes = [f"argument {k!r} was {old.get(k, 'absent')}, now {new.get(k, 'absent')}"
                   for k in list(old) + [k for k in new if k not in old] if old.get(k) != new.get(k)]
        reason = "; ".join(changes) if changes else "a signature evicted from the cache was seen again"
        return f"fg.jit({self._name}) traced again (cache miss {self._misses + 1}): {reason}"

    # ------------------------------------------------------------------ introspection
    def cache_info(self) -> CacheInfo:
        """Hits, misses, the bound and the number of cached signatures.

            >>> import funcgrad as fg
            >>> f = fg.jit(lambda x: x * 2, cache_size=1)
            >>> _ = f(1.0), f(1.0)
            >>> f.cache_info()
            CacheInfo(hits=1, misses=1, maxsize=1, currsize=1)
        """
        return CacheInfo(self._hits, self._misses, self.cache_size, len(self._cache))

    def cache_clear(self) -> None:
        """Forget every traced signature."""
        with self._lock:
            self._cache.clear()
            self._last = None

    def ir(self, *args: Any, **kwargs: Any) -> IR:
        """The optimised IR this function runs for ``args``.

            >>> import funcgrad as fg, numpy as np
            >>> print(fg.jit(lambda x: np.sin(x) * 2).ir(1.0))
            { lambda a:f64~[] .
                b:f64[] = sin a
                c:f64[] = mul b 2
              in c }
        """
        return self._entry(args, kwargs).ir

    def tier(self, *args: Any, **kwargs: Any) -> str:
        """Which tier runs a call with ``args``: ``"python"`` (generated Python) or ``"numba"`` (kernels)."""
        return self._entry(args, kwargs).tier

    def source(self, *args: Any, **kwargs: Any) -> str:
        """The generated Python source this function runs for ``args``."""
        entry = self._entry(args, kwargs)
        if entry.compiled is None:
            entry.compile()
        return entry.compiled.source

    def _entry(self, args: tuple, kwargs: dict) -> _Entry:
        entry = self._fast_entry(args) if self._simple and not kwargs else None
        if entry is not None:
            return entry
        found = self._lookup(args, kwargs)
        if found is None:
            raise TypeError(f"fg.jit({self._name}): autograd tensors run eagerly; there is no IR to show")
        return found[0]

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self, obj)

    def __reduce__(self):
        return (functools.partial(Jitted, static_argnums=self.static_argnums, static_argnames=self.static_argnames,
                                  cache_size=self.cache_size), (self.fun,))

    def __repr__(self) -> str:
        return f"<jitted function {self._name}>"


def _is_array_leaf(x: Any) -> bool:
    try:
        _leaf_signature(x)
        return True
    except _NotAnArray:
        return False


def _format_desc(desc: dict) -> str:
    return ", ".join(f"{k}: {v}" for k, v in desc.items()) or "no arguments"


def jit(fun: Callable, static_argnums: int | Sequence[int] = (), static_argnames: str | Sequence[str] = (),
        *, cache_size: int | None = None) -> Jitted:
    """Compile ``fun``: trace it once per input signature, optimise its IR, run generated code.

    ``static_argnums`` / ``static_argnames`` name arguments that are Python values
    rather than arrays: each value gets its own trace (they must be hashable).
    ``cache_size`` bounds the number of signatures kept (default 128, or the
    ``FUNCGRAD_JIT_CACHE_SIZE`` environment variable); the least recently used goes first.

        >>> import funcgrad as fg, numpy as np
        >>> df = fg.jit(fg.grad(lambda x: np.sum(np.tanh(x) * x)))
        >>> df(np.array([0.0, 1.0]))
        array([0.       , 1.1815685])
        >>> power = fg.jit(lambda x, n: x ** n, static_argnums=1)
        >>> power(2.0, 3)
        np.float64(8.0)
    """
    if not callable(fun):
        raise TypeError(f"fg.jit: the function to compile must be callable, got {type(fun).__name__} {fun!r:.40}; "
                        f"pass the function itself, e.g. fg.jit(f), not fg.jit(f(x))")
    return Jitted(fun, static_argnums, static_argnames, cache_size)
