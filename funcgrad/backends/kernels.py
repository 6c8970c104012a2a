"""numba kernels for fused clusters: source generation and a content-hashed disk cache.

One kernel computes one ``fused`` equation (see :mod:`funcgrad.passes.fusion`): a
loop nest over the cluster's iteration shape — kept axes outside, reduced axes
inside — whose body evaluates each member's scalar form, stores the outputs other
code reads, and accumulates the reductions. Inputs that broadcast are read in place
(their unit axes at index 0), 0-d inputs are passed as scalars. Sizes are arguments, so one kernel serves
every shape of the same rank.

Each kernel is written to ``<cache>/kernels/k_<hash>.py`` (the hash of its source),
imported from there and compiled with ``cache=True``: numba then keeps the machine
code beside it and a new process loads it instead of compiling. ``fastmath`` stays
off and ``error_model="numpy"`` keeps NumPy's inf/NaN results for division by zero.
"""

from __future__ import annotations

import hashlib
import importlib.util
import math
import os
import sys
import threading
from typing import Any

import numpy as np

from funcgrad import debug
from funcgrad.core.ir import Eqn, Literal, Var

PARALLEL_THRESHOLD = int(os.environ.get("FUNCGRAD_PARALLEL_ELEMENTS", str(1 << 19)))
_loaded: dict[str, Any] = {}
_lock = threading.Lock()
_F32, _F64, _BOOL = np.dtype("float32"), np.dtype("float64"), np.dtype("bool")

# fast, vectorisable implementations of these ufuncs (funcgrad.backends.numba_math), where present
try:
    from funcgrad.backends import numba_math as _numba_math  # noqa: F401  (imports numba)

    FAST = {name for name, _ in getattr(_numba_math, "FUNCTIONS", {})}
except ImportError:  # pragma: no cover - only without the module
    FAST = set()


def cache_dir() -> str:
    """``$FUNCGRAD_CACHE_DIR``, else the user's cache directory, for generated kernels."""
    root = os.environ.get("FUNCGRAD_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "funcgrad")
    return os.path.join(root, "kernels")


def _cast(dtype: np.dtype) -> str:
    return {_F32: "_f32", _F64: "_f64"}.get(dtype, "")


class _Source:
    """Collects the lines and typed constants of one kernel module."""

    def __init__(self):
        self.consts: dict[str, str] = {}

    def literal(self, value: Any, dtype: np.dtype) -> str:
        if isinstance(value, bool | np.bool_):
            return repr(bool(value))
        value = float(value)
        if dtype == _F64 and math.isfinite(value):
            return repr(value)
        name = f"_L{len(self.consts)}"
        self.consts[name] = f"np.{dtype.name}({value!r})" if math.isfinite(value) else f"np.{dtype.name}('{value}')"
        return name


def _form(eqn: Eqn, args: list[str]) -> str:
    prim = eqn.prim
    dtype = eqn.ins[0].aval.dtype if eqn.ins else _F64
    if dtype not in (_F32, _F64):
        return prim.scalar_form.format(*args)
    suffix = "f32" if dtype == _F32 else "f64"
    if prim.name in FAST and len(args) == 1:
        return f"_fm.{prim.name}_{suffix}({args[0]})"
    text = prim.scalar_form.format(*args)
    for name in FAST:  # composite forms (logistic's exp, ...)
        text = text.replace(f"np.{name}(", f"_fm.{name}_{suffix}(")
    return text


def _index_map(e: Eqn, at: list[str | None], names: dict, src: _Source, interior: str | None = None,
               bounds: list | None = None) -> str:
    """The scalar of a ``window``, ``inside`` or ``eye`` (:mod:`funcgrad.passes.windows`) at the loop position
    ``at`` (one loop index, or ``None`` for a unit axis, per axis of its result).

    With ``interior`` (a loop index), the scalar is for the iterations of that index where every read is in
    bounds and every ``inside`` holds: no clamps, no tests; each such range ``[lo, hi)`` is added to ``bounds``.
    """
    p = e.params
    if e.prim.name == "window":
        x = e.ins[0]
        index = []
        for i, o, s, n in zip(at, p["offset"], p["shape"], x.aval.shape):
            if n == 1:
                index.append("0")
                continue
            lo, hi = o, o + s - 1  # the range of the index read
            expr = str(min(max(o, 0), n - 1)) if i is None else (f"{i} + {o}" if o else i)
            if i is not None and i == interior and (lo < 0 or hi > n - 1):
                bounds.append((max(0, -o), n - o))  # where 0 <= i + o <= n - 1
            else:
                if i is not None and lo < 0:
                    expr = f"max({expr}, 0)"
                if i is not None and hi > n - 1:
                    expr = f"min({expr}, {n - 1})"
            index.append(expr)
        return f"{names[x]}[{', '.join(index)}]"
    if e.prim.name == "inside":
        terms = []
        for i, lo, hi, s in zip(at, p["lo"], p["hi"], p["shape"]):
            if i is None:
                if not lo <= 0 < hi:
                    return "False"
            elif lo > 0 or hi < s:
                if i == interior:
                    bounds.append((lo, hi))
                else:
                    terms.append(f"{lo} <= {i} < {hi}")
        return "(" + " and ".join(terms) + ")" if terms else "True"
    a, b = p["axes"]
    dtype = np.dtype(p["dtype"])
    value, zero = src.literal(p["scale"], dtype), src.literal(p["zero"], dtype)
    return f"({value} if {at[a] or 0} - {at[b] or 0} == {p['k']} else {zero})"


def loop_axes(shape: tuple) -> list[int | None]:
    """The loop axis each axis of a member of ``shape`` runs along: its non-unit axes, in order,
    are the cluster's loop axes; unit axes (``None``) run along none."""
    axes, k = [], 0
    for n in shape:
        axes.append(None if n == 1 else k)
        k += n != 1
    return axes


def _position(x_shape: tuple, member_shape: tuple) -> list[str | None]:
    """The loop index for each axis of ``x`` read by a member of ``member_shape`` (``None``: a unit axis)."""
    along = loop_axes(member_shape)
    lead = len(member_shape) - len(x_shape)
    return [None if n == 1 else f"n{along[lead + d]}" for d, n in enumerate(x_shape)]


def _index(x: Var, member_shape: tuple) -> str:
    return ", ".join(i or "0" for i in _position(x.aval.shape, member_shape))


def _loop_body(sub, maps: dict, reductions: list, kept: list, names: dict, src: _Source, interior: str | None,
               bounds: list | None) -> tuple[list, list, list]:
    """The lines of a cluster's loop body (each member's scalar form), the accumulators' initialisations
    and the reductions' stores; ``interior`` and ``bounds`` as for :func:`_index_map`."""
    body: list[str] = []
    inits: list[str] = []
    stores: list[str] = []
    reads: dict[tuple, str] = {}

    def atom(x, dtype, member_shape) -> str:
        """``x``'s scalar at the loop position, as read by a member of ``member_shape``."""
        if isinstance(x, Literal):
            return src.literal(np.asarray(x.val).item(), dtype)
        if x in maps:
            at = _position(x.aval.shape, member_shape)
            key = (x, tuple(at))
            if key not in reads:
                reads[key] = f"m{len(reads)}"
                body.append(f"{reads[key]} = {_index_map(maps[x], at, names, src, interior, bounds)}")
            return reads[key]
        if x in sub.in_vars and x.aval.shape != ():
            key = (x, _index(x, member_shape))
            if key not in reads:
                reads[key] = f"x{len(reads)}"
                body.append(f"{reads[key]} = {names[x]}[{key[1]}]")
            return reads[key]
        return names[x]

    for j, e in enumerate(sub.eqns):
        out = e.outs[0]
        if e.prim.kind == "index_map":
            continue
        var_dtypes = [x.aval.dtype for x in e.ins if isinstance(x, Var) and x.aval.dtype.kind == "f"]
        lit_dtype = np.result_type(*var_dtypes) if var_dtypes else (out.aval.dtype if out.aval.dtype.kind == "f"
                                                                     else _F64)
        reads_own = e.prim.name.startswith("reduce_") or e.prim.name == "reshape"
        member_shape = e.ins[0].aval.shape if reads_own else out.aval.shape
        args = [atom(x, lit_dtype, member_shape) for x in e.ins]
        if e.prim.name.startswith("reduce_"):
            acc, x = f"acc{j}", args[0]
            name = e.prim.name
            wide = "_f64" if name in ("reduce_sum", "reduce_mean", "reduce_prod") else _cast(out.aval.dtype)
            init = {"reduce_sum": "0.0", "reduce_mean": "0.0", "reduce_prod": "1.0",
                    "reduce_max": "-np.inf", "reduce_min": "np.inf"}[name]
            inits.append(f"{acc} = {wide}({init})")
            body.append({"reduce_sum": f"{acc} += {x}", "reduce_mean": f"{acc} += {x}",
                         "reduce_prod": f"{acc} *= {x}",
                         "reduce_max": f"{acc} = {x} if ({x} > {acc} or {x} != {x}) else {acc}",
                         "reduce_min": f"{acc} = {x} if ({x} < {acc} or {x} != {x}) else {acc}"}[name])
            count = int(np.prod([e.ins[0].aval.shape[a] for a in e.params["axes"]]))
            value = f"{acc} / {count}" if name == "reduce_mean" else acc
            red_index = ", ".join(f"n{a}" for a in kept) or "0"
            stores.append(f"r{reductions.index(e)}[{red_index}] = {_cast(out.aval.dtype)}({value})")
        elif e.prim.name == "reshape":  # a reshape inside a cluster only moves unit axes
            names[out] = args[0]
        else:
            names[out] = f"v{j}"
            body.append(f"v{j} = {_cast(out.aval.dtype)}({_form(e, args)})")
    return body, inits, stores


def kernel_source(eqn: Eqn) -> tuple[str, dict]:
    """The module source of the kernel for a ``fused`` equation, and how to call it.

    The loop nest runs over the cluster's shape (its members' shapes without their unit
    axes); every value is read and stored at its own indices (unit axes at 0). The layout
    says, per input, ``"scalar"`` or ``"array"``; the kernel takes ``(*sizes, *inputs,
    *outputs)`` (rank ≥ 1: outputs are preallocated arrays of their own shapes, one per
    materialised value and one per reduction) or ``(*inputs)`` and returns the outputs (rank 0).
    """
    sub, shape, axes = eqn.params["ir"], eqn.params["shape"], eqn.params["axes"]
    rank = len(shape)
    src = _Source()
    names: dict[Var, str] = {k: f"i{j}" for j, k in enumerate(sub.in_vars)}
    kinds = ["scalar" if v.aval.shape == () else "array" for v in sub.in_vars]
    maps = {e.outs[0]: e for e in sub.eqns if e.prim.kind == "index_map"}
    reductions = [e for e in sub.eqns if e.prim.name.startswith("reduce_")]
    red_out = {e.outs[0] for e in reductions}
    stored = [o for o in sub.outs if o not in red_out]
    kept = [a for a in range(rank) if a not in axes]
    order = kept + list(axes)  # loop nest, outermost first

    def loop_body(interior: str | None = None, bounds: list | None = None) -> tuple[list, list, list]:
        """The loop body's lines, the accumulators' initialisations and the reductions' stores."""
        return _loop_body(sub, maps, reductions, kept, names, src, interior, bounds)

    body, inits, stores = loop_body()
    if rank:
        body += [f"o{k}[{_index(o, o.aval.shape)}] = {names[o]}" for k, o in enumerate(stored)]
    split = None
    if rank:  # the innermost loop's interior, where reads need no clamps and masks no tests
        bounds: list = []
        inner, _, _ = loop_body(f"n{order[-1]}", bounds)
        if bounds:
            lo, hi = max(b[0] for b in bounds), min(b[1] for b in bounds)
            if lo < hi:
                inner += [f"o{k}[{_index(o, o.aval.shape)}] = {names[o]}" for k, o in enumerate(stored)]
                split = (lo, hi, inner)

    sizes = [f"s{a}" for a in range(rank)]
    params = [f"i{k}" for k in range(len(kinds))]
    parallel = rank > 0 and math.prod(shape) >= PARALLEL_THRESHOLD and (bool(kept) or not axes)
    lines = []
    if rank == 0:
        lines += ["    " + s for s in body]
        lines.append(f"    return ({', '.join(names[o] for o in sub.outs)},)")
        signature = params
    else:
        signature = sizes + params + [f"o{k}" for k in range(len(stored))] + [f"r{k}" for k in range(len(reductions))]
        depth = 1
        for level, a in enumerate(order):
            if level == len(kept):
                lines += ["    " * depth + s for s in inits]
            loop = "prange" if parallel and level == 0 else "range"
            if level < len(order) - 1 or split is None:
                lines.append("    " * depth + f"for n{a} in {loop}(s{a}):")
                depth += 1
                continue
            # the innermost loop in three parts: the edges with clamps and tests, the interior without
            lo, hi, inner = split
            pad = "    " * depth
            # the interior starts at a literal, so numba's compiler sees its indices are never negative
            lines += [pad + f"hi{a} = max({lo}, min({hi}, s{a}))"]
            for start, stop, part, kind in ((0, f"min({lo}, s{a})", body, "range"), (lo, f"hi{a}", inner, loop),
                                            (f"hi{a}", f"s{a}", body, "range")):
                lines.append(pad + f"for n{a} in {kind}({start}, {stop}):")
                lines += [pad + "    " + s for s in part]
        if split is None:
            depth = 1 + len(order)
            lines += ["    " * depth + s for s in body]
        if axes:
            depth = 1 + len(kept)
            lines += ["    " * depth + s for s in stores]
    header = ["import numpy as np", "from numba import njit, prange  # noqa: F401",
              "from funcgrad.backends import numba_math as _fm  # noqa: F401" if FAST else "",
              "_f32, _f64 = np.float32, np.float64"]
    header += [f"{k} = {v}" for k, v in src.consts.items()]
    source = "\n".join(h for h in header if h) + "\n\n\n" + (
        f"@njit(cache=True, error_model='numpy', parallel={parallel}, nogil=True)\n"
        f"def kernel({', '.join(signature)}):\n" + "\n".join(lines) + "\n")
    layout = {"kinds": kinds, "stored": stored, "reductions": reductions, "kept": kept}
    return source, layout


class KernelCacheWarning(UserWarning):
    """The kernel cache directory cannot be trusted or written; this process compiles into a private one."""


_directories: dict[str, str] = {}


def _untrusted(directory: str) -> str | None:
    """Why generated code must not be loaded from ``directory`` (``None``: it may)."""
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        st = os.stat(directory)
    except OSError as err:
        return f"it cannot be created ({err.strerror})"
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        return f"it belongs to another user (uid {st.st_uid})"
    if st.st_mode & 0o022:
        return "other users can write to it (chmod go-w it)"
    if not os.access(directory, os.W_OK | os.X_OK):
        return "it is not writable"
    return None


def kernel_dir() -> str:
    """The directory kernels are written to and loaded from: :func:`cache_dir` if it is ours and
    private, else (with one :class:`KernelCacheWarning`) a private temporary directory."""
    directory = cache_dir()
    usable = _directories.get(directory)
    if usable is None:
        reason = _untrusted(directory)
        usable = directory
        if reason is not None:
            import tempfile
            import warnings

            usable = tempfile.mkdtemp(prefix="funcgrad-kernels-")
            warnings.warn(f"funcgrad: not using the kernel cache {directory}: {reason}. Kernels of this process "
                          f"are compiled in {usable} instead; set FUNCGRAD_CACHE_DIR to a directory of your own.",
                          KernelCacheWarning, stacklevel=2)
        _directories[directory] = usable
    return usable


def load(source: str) -> Any:
    """The numba dispatcher of a kernel module's source (written to, and imported from, the disk cache).

    A kernel file whose text is not exactly what this source produces (truncated, edited,
    written by another version) is replaced before it is imported."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:24]
    kernel = _loaded.get(digest)
    if kernel is not None:
        return kernel
    with _lock:
        kernel = _loaded.get(digest)
        if kernel is not None:
            return kernel
        directory = kernel_dir()
        path = os.path.join(directory, f"k_{digest}.py")
        text = f"# funcgrad kernel {digest} (generated)\n" + source
        if _read(path) != text:
            tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
            debug.report("kernels", f"{path}:\n{source}")
        elif debug.enabled("kernels"):
            debug.report("kernels", f"{path} (from the cache):\n{source}")
        name = f"funcgrad_kernel_{digest}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        kernel = _loaded[digest] = _recovering(module.kernel)
        return kernel


def _recovering(kernel: Any) -> Any:
    """``kernel`` with numba's on-disk cache made self-healing: an entry that cannot be read
    (truncated, corrupted) is flushed and the kernel compiled afresh instead of failing."""
    cache = getattr(kernel, "_cache", None)
    if cache is None or not hasattr(cache, "load_overload") or not hasattr(cache, "flush"):
        return kernel
    load_overload = cache.load_overload

    def load_or_flush(*args, **kwargs):
        try:
            return load_overload(*args, **kwargs)
        except Exception:  # noqa: BLE001  (any unreadable entry: numba raises pickle, EOF and OS errors)
            cache.flush()
            return None

    cache.load_overload = load_or_flush
    return kernel


def _read(path: str) -> str | None:
    try:
        with open(path) as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None
