"""Scale-out on Dask: per-example maps, blocked Jacobians and Hessians, and ``dask.array`` interop.

funcgrad runs on the workers of a ``dask.distributed`` cluster (a laptop's
``LocalCluster``, an HPC job through dask-jobqueue, Kubernetes) and grows no cluster
of its own. Install the extra with ``pip install "funcgrad[distributed]"``.

- :func:`map` runs ``vmap(f)`` over the leading axis of its input in batches, one task
  per batch, each batch by ``fg.jit(fg.vmap(f))``;
- :func:`jacobian` and :func:`hessian` compute a Jacobian's columns (jvp blocks) or rows
  (vjp blocks), or a Hessian's columns (hvp blocks), in blocks on the workers;
- :func:`map_blocks` is ``dask.array.map_blocks`` for funcgrad functions, and
  :func:`map` takes ``dask.array`` input and returns ``dask.array`` output lazily;
- :func:`cache_stats` reports, per worker, what was traced and compiled.

The function (pickled with cloudpickle: jitted and transformed functions pickle by
reference to yours) goes to the cluster once per call, as a task, and each worker process
keeps the first copy it receives, so a worker traces each signature once and compiles each
kernel at most once; kernels are also cached on disk in ``FUNCGRAD_CACHE_DIR``, which a
restarted worker loads. ``map`` and ``map_blocks`` know a function by its pickled content:
calling them again with the same function (closing over the same values) reuses the
workers' traces. A worker keeps the last ``RESIDENT_FUNCTIONS`` (8) functions it received,
with whatever they close over. NumPy inputs travel inside the tasks, through the
scheduler: if a worker dies, Dask reruns its tasks (and the function's) elsewhere and the
result is the one a single process computes. An exception raised by ``f`` on a worker is
raised at the caller with its type and message. Dask limits a worker process's BLAS threads
to one; give workers ``NUMBA_NUM_THREADS`` equal to their thread count too
(``LocalCluster(env={"NUMBA_NUM_THREADS": "1"})``), or numba's parallel kernels on several
workers compete for the same cores.

    >>> import numpy as np, funcgrad as fg
    >>> from dask.distributed import Client
    >>> client = Client(processes=False, n_workers=1, dashboard_address=None)
    >>> fg.distributed.map(fg.grad(lambda x: np.sum(x ** 2)), np.arange(6.0).reshape(3, 2))
    array([[ 0.,  2.],
           [ 4.,  6.],
           [ 8., 10.]])
    >>> client.close()
"""

from __future__ import annotations

import math
import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.transforms.api import hvp as _hvp
from funcgrad.transforms.api import jvp as _jvp
from funcgrad.transforms.api import vjp as _vjp
from funcgrad.transforms.api import vmap as _vmap

__all__ = ["cache_stats", "hessian", "jacobian", "map", "map_blocks"]

_INSTALL = 'pip install "funcgrad[distributed]"'
BATCHES_PER_WORKER = 4  # default batching: a few tasks per worker balance load and bound what a lost worker costs
CONSTANT_BASIS_BLOCKS = 64  # up to this many blocks, each block's basis is a constant of its own jit trace
RESIDENT_FUNCTIONS = 8  # shipped functions a worker process keeps, with their traces (least recently used go first)

# the state of a worker process: what it ran (see cache_stats) and the functions it keeps
_STATS: Counter = Counter()
_RESIDENT: OrderedDict = OrderedDict()
_RESIDENT_LOCK = threading.Lock()


# ----------------------------------------------------------------------------- helpers (client side)

def _distributed(fname: str):
    try:
        import distributed
    except ImportError as err:  # pragma: no cover - only without the extra
        raise ImportError(f"funcgrad.distributed.{fname} needs dask and distributed: {_INSTALL}") from err
    return distributed


def _get_client(client: Any, fname: str):
    distributed = _distributed(fname)
    if client is None:
        try:
            return distributed.get_client()
        except ValueError:
            raise ValueError(f"funcgrad.distributed.{fname}: there is no current Dask client. Start one "
                             f"(client = dask.distributed.Client(...)) or pass client=...") from None
    if not isinstance(client, distributed.Client):
        raise TypeError(f"funcgrad.distributed.{fname}: client must be a dask.distributed.Client, got "
                        f"{type(client).__name__}")
    return client


def _n_workers(client, fname: str) -> int:
    n = len(client.scheduler_info().get("workers", {}))
    if n == 0:
        raise RuntimeError(f"funcgrad.distributed.{fname}: the Dask cluster has no workers; start some "
                           f"(cluster.scale(n)) or wait for them (client.wait_for_workers(n))")
    return n


def _check_callable(f: Any, fname: str) -> None:
    if not callable(f):
        raise TypeError(f"funcgrad.distributed.{fname}: the function must be callable, got {type(f).__name__} "
                        f"{f!r:.40}; pass the function itself, e.g. {fname}(f, ...), not {fname}(f(x), ...)")


def _check_size(value: Any, fname: str, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"funcgrad.distributed.{fname}: {name} must be a positive int or None (chosen from "
                        f"the number of workers), got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"funcgrad.distributed.{fname}: {name} must be a positive int or None (chosen from "
                         f"the number of workers), got {value!r}")
    return int(value)


def _fn_name(f: Callable) -> str:
    return getattr(f, "__name__", type(f).__name__)


class _Shipped:
    """A function sent to the workers, with a token. Each worker process keeps the first copy it
    receives (see :func:`_resident`), so its traces and compiled code serve every task of a call,
    however Dask moves, drops or recomputes the copies it holds. With ``by_content``, the token is a
    hash of the pickled function: a later call with the same function, closing over the same values,
    finds the workers' traces; a changed closure is a new function."""

    __slots__ = ("token", "fn")

    def __init__(self, fn: Callable, by_content: bool = False):
        self.token, self.fn = (_content_token(fn) if by_content else uuid.uuid4().hex), fn

    def __getstate__(self):
        return self.token, self.fn

    def __setstate__(self, state):
        self.token, self.fn = state


def _content_token(fn: Callable) -> str:
    import hashlib

    import cloudpickle

    try:
        return hashlib.sha256(cloudpickle.dumps(fn)).hexdigest()[:32]
    except Exception:  # noqa: BLE001  (it cannot be pickled here: Dask will say why when it ships it)
        return uuid.uuid4().hex


def _ship(client, shipped: _Shipped):
    """A future holding ``shipped`` on the cluster. It is a task, not scattered data, so Dask can
    recompute it if every worker holding it dies."""
    with _large_graphs():
        return client.submit(_identity, shipped, key=f"funcgrad-fn-{shipped.token}", pure=False)


def _identity(x: Any) -> Any:
    return x


def _large_graphs():
    """Inputs travel inside the tasks on purpose (so that Dask can rerun a lost worker's tasks):
    no warning about the size of the graph that carries them."""
    import dask

    return dask.config.set({"distributed.admin.large-graph-warning-threshold": "1 PiB"})


def _gather(client, futures: list) -> list:
    try:
        return client.gather(futures)
    except BaseException:
        client.cancel(futures)
        raise


def _abstract_out(fn: Callable, args: tuple) -> tuple[tree.TreeDef, list]:
    """The output structure and ``(shape, dtype)`` leaves of ``fn(*args)``, traced abstractly."""
    from funcgrad.transforms.jit import jit

    found = {}

    def flat(*a):
        leaves, treedef = tree.flatten(fn(*a))
        found["tree"] = treedef
        return leaves

    ir = jit(flat).ir(*args)
    return found["tree"], [(a.shape, a.dtype) for a in ir.out_avals]


# ----------------------------------------------------------------------------- worker side

def _resident(shipped: _Shipped) -> Callable:
    """This process's copy of a shipped function: the first one it received."""
    with _RESIDENT_LOCK:
        fn = _RESIDENT.get(shipped.token)
        if fn is None:
            fn = _RESIDENT[shipped.token] = shipped.fn
            while len(_RESIDENT) > RESIDENT_FUNCTIONS:
                _RESIDENT.popitem(last=False)
        else:
            _RESIDENT.move_to_end(shipped.token)
    return fn


def _run(shipped: _Shipped, *args: Any) -> Any:
    """``fn(*args)`` with this process's copy of ``fn``, counted in :func:`cache_stats`."""
    fn = _resident(shipped)
    info = getattr(fn, "cache_info", None)
    before = info().misses if info is not None else 0
    out = fn(*args)
    with _RESIDENT_LOCK:
        _STATS["tasks"] += 1
        _STATS["traces"] += (info().misses if info is not None else 0) - before
    return out


def _run_batch(shipped: _Shipped, n: int, *leaves: np.ndarray) -> Any:
    """One batch of :func:`map` on a worker: the function on the (padded) leaves, cut back to ``n`` rows."""
    return tree.map(lambda o: np.asarray(o)[:n], _run(shipped, *leaves))


def _pick(out: Any, i: int) -> np.ndarray:
    return tree.leaves(out)[i]


def _run_block(shipped: _Shipped, *leaves: np.ndarray) -> Any:
    return _run(shipped, *leaves)


def _call_block(shipped: _Shipped, *args: Any, **kwargs: Any) -> Any:
    return _run(shipped, *args, **kwargs) if not kwargs else _resident(shipped)(*args, **kwargs)


def _basis(start: int, stop: int, size: int, shape: tuple, dtype: np.dtype) -> np.ndarray:
    """Basis vectors ``start .. stop - 1`` of a space of arrays of ``shape``, as ``size`` rows (zeros past ``stop``)."""
    k = int(np.prod(shape, dtype=np.int64))
    basis = np.zeros((size, k), dtype=dtype)
    rows = np.arange(stop - start)
    basis[rows, start + rows] = 1
    return basis.reshape((size,) + tuple(shape))


def _product_block(shipped: _Shipped, x: np.ndarray, start: int, stop: int, size: int, shape: tuple,
                   constant: bool) -> np.ndarray:
    """Products of the shipped function at ``x`` with basis vectors ``start .. stop - 1``, cut back to
    ``stop - start`` rows. ``constant``: the block is a static argument (its basis a constant of the trace),
    else the basis is built here and passed (padded to ``size`` rows: one signature for every block)."""
    if constant:
        out = _run(shipped, x, start, stop, size, shape)
    else:
        out = _run(shipped, x, _basis(start, stop, size, shape, x.dtype))
    return np.asarray(out)[:stop - start]


def _worker_stats() -> dict:
    from funcgrad.backends import kernels

    loaded = list(kernels._loaded.values())
    compiles = loads = 0
    for k in loaded:
        stats = getattr(k, "stats", None)
        if stats is not None:
            compiles += len(stats.cache_misses)
            loads += len(stats.cache_hits)
    return {"tasks": _STATS["tasks"], "traces": _STATS["traces"], "kernels": len(loaded),
            "kernel_compiles": compiles, "kernel_cache_loads": loads, "kernel_dir": kernels.cache_dir()}


class _Batched:
    """``vmap(f)`` on flat leaves: what :func:`map` jits and ships (it pickles by reference to ``f``)."""

    def __init__(self, f: Callable, in_tree: tree.TreeDef):
        self.f, self.in_tree = f, in_tree
        self.__name__ = f"map({_fn_name(f)})"

    def __call__(self, *leaves: Any) -> Any:
        return _vmap(self.f)(tree.unflatten(self.in_tree, leaves))


class _Products:
    """``(x, V) -> rows f'(x)·v`` (``"jvp"``), ``vᵀ·f'(x)`` (``"vjp"``) or ``H(x)·v`` (``"hvp"``) for the rows of V."""

    def __init__(self, f: Callable, kind: str):
        self.f, self.kind = f, kind
        self.__name__ = f"{kind}({_fn_name(f)})"

    def __call__(self, x: Any, vectors: Any) -> Any:
        f = self.f
        if self.kind == "jvp":
            return _vmap(lambda v: _jvp(f, (x,), (v,))[1])(vectors)
        if self.kind == "hvp":
            return _vmap(lambda v: _hvp(f, (x,), (v,))[1])(vectors)
        _, pullback = _vjp(f, x)
        return _vmap(lambda c: pullback(c)[0])(vectors)


class _BlockProducts:
    """``(x, start, stop, size, shape)``: :class:`_Products` with the basis block built inside, so that under
    ``fg.jit`` (these arguments static) it is a constant the passes fold into the function, as ``fg.jacfwd``'s
    identity is in ``fg.jit(fg.jacfwd(f))``."""

    def __init__(self, products: _Products):
        self.products = products
        self.__name__ = products.__name__

    def __call__(self, x: Any, start: int, stop: int, size: int, shape: tuple) -> Any:
        from funcgrad.ops.util import dtype_of

        return self.products(x, _basis(start, stop, size, shape, dtype_of(x)))


# ----------------------------------------------------------------------------- map

def _leaves_of(xs: Any, fname: str) -> tuple[list, tree.TreeDef, int, bool]:
    from funcgrad.core.trace import Tracer

    leaves, in_tree = tree.flatten(xs)
    if not leaves:
        raise ValueError(f"funcgrad.distributed.{fname}: xs has no arrays; pass an array, or a pytree of arrays "
                         f"whose leading axes have the same length")
    lazy = [_is_dask_array(x) for x in leaves]
    if any(lazy) and not all(lazy):
        raise TypeError(f"funcgrad.distributed.{fname}: xs mixes dask arrays and other arrays; pass all leaves as "
                        f"dask arrays (dask.array.from_array(x)) or none")
    if any(isinstance(x, Tracer) for x in leaves):
        raise TypeError(f"funcgrad.distributed.{fname}: xs holds traced values; call {fname} on concrete arrays, "
                        f"outside fg.jit, fg.grad and the other transforms")
    if not lazy[0]:
        leaves = [np.asarray(x) for x in leaves]
    for i, x in enumerate(leaves):
        if x.ndim == 0:
            raise ValueError(f"funcgrad.distributed.{fname}: leaf {i} of xs is a scalar; every leaf needs a leading "
                             f"axis to map over")
    sizes = {x.shape[0] for x in leaves}
    if len(sizes) > 1:
        raise ValueError(f"funcgrad.distributed.{fname}: the leaves of xs have leading axes of different lengths "
                         f"{sorted(sizes)}; they must agree")
    n = sizes.pop()
    if n == 0 or (lazy[0] and math.isnan(n)):
        raise ValueError(f"funcgrad.distributed.{fname}: xs has {'no' if n == 0 else 'an unknown number of'} "
                         f"examples along its leading axis" + ("" if n == 0 else "; call .compute_chunk_sizes()"))
    return leaves, in_tree, n, lazy[0]


def _is_dask_array(x: Any) -> bool:
    return type(x).__module__.startswith("dask.array") and hasattr(x, "chunks")


def map(f: Callable, xs: Any, client: Any = None, batch_size: int | None = None, *, output: str = "numpy",
        jit: bool = True) -> Any:
    """``fg.vmap(f)(xs)``, computed in batches on the workers of a Dask cluster.

    ``xs`` is an array or a pytree of arrays with a common leading axis; ``f`` takes one
    example (the pytree of one slice) and returns an array or a pytree. The leading axis is
    cut into batches of ``batch_size`` examples (default: four batches per worker), each run
    as one task by ``fg.jit(fg.vmap(f))`` (``jit=False``: by ``fg.vmap(f)``, eagerly). The
    last batch is padded with copies of the last example, so each worker traces one signature.

    ``output="numpy"`` gathers the results in order; ``output="dask"`` returns ``dask.array``
    leaves whose blocks stay in the workers' memory (reduce them there, or ``.compute()``).
    If the leaves of ``xs`` are dask arrays, the result is always a lazy ``dask.array``
    pytree, one task per chunk of the leading axis (rechunked to ``batch_size`` if given),
    and no client is needed until it is computed.

        >>> import numpy as np, funcgrad as fg
        >>> from dask.distributed import Client
        >>> client = Client(processes=False, n_workers=1, dashboard_address=None)
        >>> loss = lambda w, ex: (ex["x"] @ w - ex["y"]) ** 2
        >>> w = np.array([1.0, -1.0])
        >>> examples = {"x": np.eye(2), "y": np.array([0.0, 1.0])}
        >>> fg.distributed.map(lambda ex: fg.grad(loss)(w, ex), examples, batch_size=1)  # per-example gradients
        array([[ 2.,  0.],
               [ 0., -4.]])
        >>> client.close()
    """
    _check_callable(f, "map")
    batch_size = _check_size(batch_size, "map", "batch_size")
    if output not in ("numpy", "dask"):
        raise ValueError(f"funcgrad.distributed.map: output must be 'numpy' (gathered arrays) or 'dask' "
                         f"(dask.array blocks kept on the workers), got {output!r}")
    leaves, in_tree, n, lazy = _leaves_of(xs, "map")
    from funcgrad.transforms.jit import jit as _jit

    fn = _Batched(f, in_tree)
    fn = _jit(fn) if jit else fn
    if lazy:
        return _map_dask(fn, leaves, batch_size, jit)
    client = _get_client(client, "map")
    if batch_size is None:
        batch_size = max(1, math.ceil(n / (BATCHES_PER_WORKER * _n_workers(client, "map"))))
    batch_size = min(batch_size, n)
    starts = list(range(0, n, batch_size))
    batches = []
    for s in starts:
        e = min(s + batch_size, n)
        batch = []
        for x in leaves:
            b = x[s:e]
            if e - s < batch_size:  # pad with copies of the last example: one signature for every batch
                b = np.concatenate([b, np.repeat(x[e - 1:e], batch_size - (e - s), axis=0)])
            batch.append(b)
        batches.append(batch)
    if output == "dask":  # shapes first: a function that fails to trace fails here, before anything is sent
        out_tree, avals = _spec(fn, batches[0], jit)
    token = uuid.uuid4().hex
    shipped = _ship(client, _Shipped(fn, by_content=True))
    with _large_graphs():
        futures = client.map(_run_batch, [shipped] * len(starts), [min(batch_size, n - s) for s in starts],
                             *zip(*batches), key=[f"funcgrad-map-{token}-{i}" for i in range(len(starts))],
                             pure=False)
    if output == "numpy":
        parts = [tree.flatten(p) for p in _gather(client, futures)]
        return tree.unflatten(parts[0][1], [np.concatenate(col) for col in zip(*(p[0] for p in parts))])
    import dask
    import dask.array as da

    columns = []
    for j, (shape, dtype) in enumerate(avals):  # one future per leaf and batch: the dask arrays hold them
        picked = client.map(_pick, futures, [j] * len(futures), key=[f"{fut.key}-{j}" for fut in futures])
        columns.append(da.concatenate([da.from_delayed(dask.delayed(fut), (min(batch_size, n - s),) + shape[1:],
                                                       dtype=dtype) for fut, s in zip(picked, starts)]))
    return tree.unflatten(out_tree, columns)


def _spec(fn: Callable, batch: list, jit: bool) -> tuple[tree.TreeDef, list]:
    """Output structure and leaf ``(shape, dtype)`` of ``fn`` on a batch shaped like ``batch``: traced
    abstractly, or, for ``jit=False``, run on the batch's first example (the leading sizes then differ)."""
    if not jit:
        leaves, structure = tree.flatten(fn(*[b[:1] for b in batch]))
        return structure, [(np.shape(o), np.asarray(o).dtype) for o in leaves]
    return _abstract_out(fn.fun, tuple(np.empty(b.shape, b.dtype) for b in batch))


def _map_dask(fn: Callable, leaves: list, batch_size: int | None, jit: bool) -> Any:
    import dask
    import dask.array as da

    rows = batch_size if batch_size is not None else leaves[0].chunks[0]
    leaves = [x.rechunk({0: rows, **{a: -1 for a in range(1, x.ndim)}}) for x in leaves]
    first = [np.zeros((leaves[0].chunks[0][0],) + x.shape[1:], x.dtype) for x in leaves]  # shapes only
    out_tree, avals = _spec(fn, first, jit)
    ship = _Shipped(fn, by_content=True)
    shipped = dask.delayed(ship, name=f"funcgrad-fn-{ship.token}", pure=False)
    columns: list[list] = [[] for _ in avals]
    for b, size in enumerate(leaves[0].chunks[0]):
        part = dask.delayed(_run_block, pure=True)(shipped, *[x.blocks[b] for x in leaves])
        for j, (shape, dtype) in enumerate(avals):
            columns[j].append(da.from_delayed(dask.delayed(_pick, pure=True)(part, j), (size,) + shape[1:],
                                              dtype=dtype))
    return tree.unflatten(out_tree, [da.concatenate(c) for c in columns])


# ----------------------------------------------------------------------------- map_blocks

def map_blocks(f: Callable, *arrays: Any, jit: bool = True, **kwargs: Any) -> Any:
    """``dask.array.map_blocks(fg.jit(f), *arrays, **kwargs)``, with ``f`` sent to each worker once.

    Blockwise derivatives without leaving dask: ``map_blocks(fg.grad(g), x)`` is the gradient
    of ``sum(g(block))`` over the blocks of ``x``, ``map_blocks(fg.vmap(fg.grad(h)), x)`` the
    per-row gradients of ``h``. ``kwargs`` are those of ``dask.array.map_blocks``
    (``chunks``, ``drop_axis``, ``new_axis``, ``dtype``, ...); without ``dtype`` or ``meta`` the
    output dtype comes from an abstract trace of ``f`` on the first blocks' shapes. ``f`` is
    jitted (``jit=False``: run as it is), traced once per block shape on each worker.

        >>> import numpy as np, dask.array as da, funcgrad as fg
        >>> x = da.arange(6.0, chunks=3)
        >>> fg.distributed.map_blocks(fg.grad(lambda b: np.sum(b ** 3)), x).compute()
        array([  0.,   3.,  12.,  27.,  48.,  75.])
    """
    _check_callable(f, "map_blocks")
    import dask
    import dask.array as da

    if not arrays or not any(_is_dask_array(a) for a in arrays):
        raise TypeError("funcgrad.distributed.map_blocks: pass at least one dask array (dask.array.from_array(x))")
    from funcgrad.transforms.jit import jit as _jit

    fn = _jit(f) if jit else f
    if "meta" not in kwargs:
        dtype = kwargs.pop("dtype", None)
        if dtype is None:
            firsts = [np.empty(tuple(c[0] for c in a.chunks), a.dtype) if _is_dask_array(a) else a for a in arrays]
            if jit:
                _, avals = _abstract_out(f, tuple(firsts))
            else:
                avals = [(np.shape(o), np.asarray(o).dtype) for o in tree.leaves(f(*firsts))]
            if len(avals) != 1:
                raise TypeError(f"funcgrad.distributed.map_blocks: {_fn_name(f)} returns {len(avals)} arrays; "
                                f"a block function must return one array")
            shape, dtype = avals[0]
            ndim = len(shape)
        else:
            ndim = (max(a.ndim for a in arrays if _is_dask_array(a)) - len(_axes(kwargs.get("drop_axis")))
                    + len(_axes(kwargs.get("new_axis"))))
        kwargs["meta"] = np.empty((0,) * ndim, dtype)
    ship = _Shipped(fn, by_content=True)
    shipped = dask.delayed(ship, name=f"funcgrad-fn-{ship.token}", pure=False)
    kwargs.setdefault("name", f"funcgrad-map-blocks-{_fn_name(f)}")
    return da.map_blocks(_call_block, shipped, *arrays, **kwargs)


def _axes(axes: Any) -> tuple:
    return () if axes is None else (axes,) if isinstance(axes, int) else tuple(axes)


# ----------------------------------------------------------------------------- Jacobians and Hessians

def _blocked(f: Callable, client: Any, block: int | None, kind: str, fname: str, jit: bool) -> Callable:
    from funcgrad.transforms.jit import jit as _jit

    products = _Products(f, kind)
    # one token each: the workers keep their traces across calls
    shipped = {False: _Shipped(_jit(products) if jit else products),
               True: _Shipped(_jit(_BlockProducts(products), static_argnums=(1, 2, 3, 4)))}
    futures_by_client: dict = {}  # the shipped functions' futures on each client used
    outputs: dict = {}  # (shape, dtype) of x -> output structure and (shape, dtype)

    def run(x: Any) -> np.ndarray:
        from funcgrad.core.trace import Tracer

        if isinstance(x, Tracer) or not isinstance(x, np.ndarray | np.generic | float | int | list | tuple):
            raise TypeError(f"funcgrad.distributed.{fname}: x must be one concrete NumPy array (not a pytree, and "
                            f"not inside another transform), got {type(x).__name__}")
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise TypeError(f"funcgrad.distributed.{fname}: x has dtype {x.dtype}, but differentiation needs "
                            f"floating-point values; pass x.astype(float)")
        c = _get_client(client, fname)
        key = (x.shape, x.dtype.str)
        if key not in outputs:
            outputs[key] = _abstract_out(f, (x,)) if jit else _eager_out(f, x)
        out_tree, avals = outputs[key]
        if out_tree is not tree.LEAF:
            raise TypeError(f"funcgrad.distributed.{fname}: {_fn_name(f)} must return one array, not a pytree "
                            f"({out_tree!r})")
        out_shape, out_dtype = avals[0]
        if out_dtype.kind != "f":
            raise TypeError(f"funcgrad.distributed.{fname}: {_fn_name(f)} returns dtype {out_dtype}; "
                            f"differentiation needs floating-point outputs")
        if kind == "hvp" and out_shape != ():
            raise TypeError(f"funcgrad.distributed.hessian requires a scalar output, but {_fn_name(f)} returns an "
                            f"array of shape {out_shape}; use funcgrad.distributed.jacobian for vector outputs")
        vec_shape = out_shape if kind == "vjp" else x.shape
        k = int(np.prod(vec_shape, dtype=np.int64))
        size = block or max(1, math.ceil(k / (BATCHES_PER_WORKER * _n_workers(c, fname))))
        size = min(size, k)
        starts = list(range(0, k, size))
        # with few blocks, each is its own jit signature and its basis a constant of the trace
        constant = jit and len(starts) <= CONSTANT_BASIS_BLOCKS
        fn_future = futures_by_client.get((c.id, constant))
        if fn_future is None or fn_future.status in ("cancelled", "error"):
            fn_future = futures_by_client[c.id, constant] = _ship(c, shipped[constant])
        token = uuid.uuid4().hex
        futures = c.map(_product_block, [fn_future] * len(starts), [x] * len(starts), starts,
                        [min(s + size, k) for s in starts], [size] * len(starts), [vec_shape] * len(starts),
                        [constant] * len(starts), key=[f"funcgrad-{kind}-{token}-{i}" for i in range(len(starts))],
                        pure=False)
        stacked = np.concatenate(_gather(c, futures))  # (k, ...): one row per basis vector
        if kind == "vjp":  # row i: d out_i / dx
            return stacked.reshape(out_shape + x.shape)
        prod_shape = x.shape if kind == "hvp" else out_shape  # row j: the product with e_j, a column
        m = int(np.prod(prod_shape, dtype=np.int64))
        return stacked.reshape(k, m).T.reshape(prod_shape + x.shape)

    run.__name__ = f"{fname}({_fn_name(f)})"
    return run


def _eager_out(f: Callable, x: np.ndarray) -> tuple[tree.TreeDef, list]:
    leaves, structure = tree.flatten(f(x))
    return structure, [(np.shape(o), np.asarray(o).dtype) for o in leaves]


def jacobian(f: Callable, client: Any = None, block: int | None = None, mode: str = "fwd", *,
             jit: bool = True) -> Callable:
    """The Jacobian of ``f`` (an array to an array), in blocks on the workers of a Dask cluster.

    ``mode="fwd"`` computes ``block`` columns per task (jvps, ``fg.jacfwd`` in pieces),
    ``mode="rev"`` ``block`` rows per task (vjps, ``fg.jacrev`` in pieces); the default block
    gives four tasks per worker. Each task builds its basis vectors on the worker and runs
    ``fg.jit`` of the batched products (``jit=False``: eagerly, so that ``f`` may branch on
    the values of ``x`` in Python). The result has shape ``out.shape + x.shape``. The returned
    function sends ``f`` to the cluster at its first call and keeps it there while it lives, so
    later calls, at new points, reuse the workers' traces and kernels; as under ``fg.jit``, the
    values ``f`` closes over are those of that first call.

        >>> import numpy as np, funcgrad as fg
        >>> from dask.distributed import Client
        >>> client = Client(processes=False, n_workers=1, dashboard_address=None)
        >>> fg.distributed.jacobian(lambda x: x ** 2, block=1, mode="rev")(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
        >>> client.close()
    """
    _check_callable(f, "jacobian")
    block = _check_size(block, "jacobian", "block")
    if mode not in ("fwd", "rev"):
        raise ValueError(f"funcgrad.distributed.jacobian: mode must be 'fwd' (columns by jvp) or 'rev' (rows by "
                         f"vjp), got {mode!r}")
    return _blocked(f, client, block, "jvp" if mode == "fwd" else "vjp", "jacobian", jit)


def hessian(f: Callable, client: Any = None, block: int | None = None, *, jit: bool = True) -> Callable:
    """The Hessian of a scalar function of one array, ``block`` Hessian-vector products per task on the
    workers of a Dask cluster (forward over reverse, as ``fg.hessian``). Shape ``x.shape + x.shape``.

        >>> import numpy as np, funcgrad as fg
        >>> from dask.distributed import Client
        >>> client = Client(processes=False, n_workers=1, dashboard_address=None)
        >>> fg.distributed.hessian(lambda x: np.sum(x ** 3), block=1)(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
        >>> client.close()
    """
    _check_callable(f, "hessian")
    block = _check_size(block, "hessian", "block")
    return _blocked(f, client, block, "hvp", "hessian", jit)


# ----------------------------------------------------------------------------- diagnostics

def cache_stats(client: Any = None) -> dict[str, dict]:
    """What each worker ran for ``funcgrad.distributed``: ``tasks``, ``traces`` (signatures traced by
    the shipped functions), ``kernels`` (numba kernels loaded), ``kernel_compiles`` and
    ``kernel_cache_loads`` (from the disk cache), and ``kernel_dir``; keyed by worker address.

        >>> import funcgrad as fg
        >>> from dask.distributed import Client
        >>> client = Client(processes=False, n_workers=1, dashboard_address=None)
        >>> sorted(next(iter(fg.distributed.cache_stats().values())))
        ['kernel_cache_loads', 'kernel_compiles', 'kernel_dir', 'kernels', 'tasks', 'traces']
        >>> client.close()
    """
    return _get_client(client, "cache_stats").run(_worker_stats)
