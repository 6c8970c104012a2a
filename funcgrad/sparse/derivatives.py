"""Sparse Jacobians and Hessians: detect the pattern, colour it, evaluate compressed, decompress.

A call traces ``f`` into IR, finds the derivative's pattern by abstract interpretation
(:mod:`funcgrad.sparse.detection`), colours it (:mod:`funcgrad.sparse.coloring`) and then
computes one jvp, vjp or Hessian-vector product per colour, batched with ``vmap`` and
jitted. Detection and colouring are cached per input signature, so a steady call is the
compressed products and one gather into a ``scipy.sparse.csr_array``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp

from funcgrad import tree
from funcgrad.core.ir import IR
from funcgrad.core.staging import StagingTrace
from funcgrad.core.trace import ConcretizationError, current_trace, get_aval, reset_trace, set_trace
from funcgrad.sparse import coloring, detection

MODES = ("fwd", "rev")


class SparseInfo(NamedTuple):
    """How a sparse derivative is computed for one input signature.

        >>> f = lambda x: np.sum((x[1:] - x[:-1]) ** 2)
        >>> fg.sparse.hessian(f).info(np.zeros(5))
        SparseInfo(shape=(5, 5), nnz=13, colors=3, mode='hvp', coloring='star')
    """

    shape: tuple[int, int]  # of the (flattened) derivative
    nnz: int                # entries of its pattern
    colors: int             # compressed products per call
    mode: str               # "fwd" (jvps), "rev" (vjps) or "hvp" (Hessian-vector products)
    coloring: str           # "column", "row" or "star"


class _Plan(NamedTuple):
    pattern: sp.csr_array
    seeds: np.ndarray       # colours × n (fwd, hvp) or colours × m (rev), in the argument's dtype
    read: np.ndarray        # where each stored entry is in the flattened products (colours × size)
    info: SparseInfo


def _check_argnum(argnums: Any, fname: str) -> int:
    if isinstance(argnums, bool) or not isinstance(argnums, int | np.integer):
        raise TypeError(f"fg.sparse.{fname}: argnums must be one int (the position of the array argument to "
                        f"differentiate), got {argnums!r}; differentiate one array argument at a time")
    return int(argnums)


def _check_option(value: Any, allowed: Sequence, fname: str, what: str) -> None:
    if value not in allowed:
        raise ValueError(f"fg.sparse.{fname}: {what}={value!r} is not one of {tuple(allowed)}")


class _SparseDerivative:
    """The callable returned by :func:`jacobian` and :func:`hessian`."""

    def __init__(self, f: Callable, argnums: int, kind: str, sparsity: Any, mode: str | None, order: str,
                 local: bool):
        from funcgrad.transforms.api import _check_callable

        fname = kind
        _check_callable(f, f"sparse.{fname}")
        self.f, self.kind, self.local, self.order = f, kind, bool(local), order
        self.argnum = _check_argnum(argnums, fname)
        _check_option(order, coloring.ORDERS, fname, "order")
        if mode is not None:
            _check_option(mode, MODES, fname, "mode")
        self.mode = mode
        self.sparsity = None if sparsity is None else _as_pattern(sparsity, fname)
        self._plans: dict = {}
        self._products: dict = {}
        self._lock = threading.Lock()
        self.__name__ = f"sparse_{kind}({getattr(f, '__name__', 'f')})"

    # ------------------------------------------------------------------ calling

    def __call__(self, *args: Any) -> sp.csr_array:
        x = self._check_args(args)
        plan = self._plan(args, x)
        return self._evaluate(plan, args, x)

    def info(self, *args: Any) -> SparseInfo:
        """How the derivative is computed at ``args``: its shape, nonzeros, colours and mode."""
        return self._plan(args, self._check_args(args)).info

    def sparsity_pattern(self, *args: Any) -> sp.csr_array:
        """The boolean pattern used at ``args`` (detected, or the one given as ``sparsity=``)."""
        return self._plan(args, self._check_args(args)).pattern

    def _check_args(self, args: tuple) -> np.ndarray:
        fname = self.kind
        if self.argnum >= len(args) or self.argnum < -len(args):
            raise TypeError(f"fg.sparse.{fname}: argnums={self.argnum} is out of range for {len(args)} positional "
                            f"argument(s)")
        x = args[self.argnum]
        if tree.flatten(x)[1] is not tree.LEAF:
            raise TypeError(f"fg.sparse.{fname}: the argument at argnums={self.argnum} must be one array, got a "
                            f"{type(x).__name__}; pass the variables as one flat array")
        x = np.asarray(x)
        if x.dtype.kind != "f":
            raise TypeError(f"fg.sparse.{fname}: the argument at argnums={self.argnum} must be a float array, got "
                            f"dtype {x.dtype}; convert it with x.astype(float)")
        return x

    def _signature(self, args: tuple) -> tuple:
        if len(args) == 1 and type(args[0]) is np.ndarray:  # the common case, without flattening
            return (args[0].shape, args[0].dtype.str)
        leaves, treedef = tree.flatten(args)
        return (treedef,) + tuple((np.shape(v), np.result_type(v).str) if isinstance(v, np.ndarray | np.generic)
                                  else (type(v), v) for v in leaves)

    # ------------------------------------------------------------------ planning

    def _plan(self, args: tuple, x: np.ndarray) -> _Plan:
        if self.local and self.sparsity is None:
            return self._make_plan(args, x)
        key = self._signature(args)
        with self._lock:
            plan = self._plans.get(key)
        if plan is None:
            plan = self._make_plan(args, x)
            with self._lock:
                self._plans[key] = plan
        return plan

    def _make_plan(self, args: tuple, x: np.ndarray) -> _Plan:
        pattern = self.sparsity if self.sparsity is not None else self._detect(args)
        plan = (_hessian_plan if self.kind == "hessian" else _jacobian_plan)(pattern, x.size, self.mode, self.order,
                                                                             self.kind)
        return plan._replace(seeds=plan.seeds.astype(x.dtype))

    def _detect(self, args: tuple) -> sp.csr_array:
        ir, values, index = self._stage(args)
        if self.kind == "hessian":
            if len(ir.outs) != 1 or ir.outs[0].aval.shape != ():
                raise TypeError(f"fg.sparse.hessian: the function must return one scalar, got outputs of shapes "
                                f"{[o.aval.shape for o in ir.outs]}; sum them or take fg.sparse.jacobian of fg.grad(f)")
            return detection.hessian_pattern(ir, index, values)
        if len(ir.outs) != 1:
            raise TypeError(f"fg.sparse.jacobian: the function must return one array, got {len(ir.outs)} outputs; "
                            f"concatenate them into one array")
        return detection.jacobian_pattern(ir, index, values)

    def _stage(self, args: tuple) -> tuple[IR, list | None, int]:
        """``(ir, values, index)``: ``f`` staged on every array leaf of ``args``; ``index`` is the differentiated
        argument's input; ``values`` are the inputs' values in local mode."""
        from funcgrad.transforms.api import _as_value, optimize

        leaves, treedef = tree.flatten(args)
        leaves = [_as_value(v) for v in leaves]
        index = len(tree.leaves(args[:self.argnum % len(args)]))
        context = f"fg.sparse.{self.kind}({getattr(self.f, '__name__', 'f')})"
        trace = StagingTrace(current_trace(), concrete=self.local, context=None if self.local else context)
        inputs = [trace.new_input(get_aval(v), v) for v in leaves]
        token = set_trace(trace)
        try:
            out = self.f(*tree.unflatten(treedef, inputs))
        except ConcretizationError as e:
            raise ConcretizationError(f"{e}\nfg.sparse detects a pattern valid for every input by tracing "
                                      f"abstractly; pass local=True to detect it at the given input instead.") from None
        finally:
            reset_trace(token)
            trace.alive = False
        out_leaves = tree.leaves(out)
        ir = optimize(trace.to_ir(inputs, out_leaves))
        return ir, (leaves if self.local else None), index

    # ------------------------------------------------------------------ evaluating

    def _product(self, mode: str) -> Callable:
        """``product(seeds, *args)``: one jvp, vjp or hvp per row of ``seeds``, batched with vmap."""
        if mode in self._products:
            return self._products[mode]
        import funcgrad as fg

        f, k = self.f, self.argnum

        def at(args, x):
            full = list(args)
            full[k] = x
            return f(*full)

        def product(seeds, *args):
            x = args[k]

            def g(v):
                return at(args, v)

            if mode == "fwd":
                one = lambda s: fg.numpy.ravel(fg.jvp(g, (x,), (fg.numpy.reshape(s, x.shape),))[1])
            elif mode == "rev":
                out_shape = fg.numpy.shape(g(x))
                _, pullback = fg.vjp(g, x)
                one = lambda s: fg.numpy.ravel(pullback(fg.numpy.reshape(s, out_shape))[0])
            else:
                one = lambda s: fg.numpy.ravel(fg.jvp(fg.grad(g), (x,), (fg.numpy.reshape(s, x.shape),))[1])
            return fg.vmap(one)(seeds)

        product.__name__ = f"{self.__name__}_{mode}_products"
        fn = product if self.local else fg.jit(product)
        self._products[mode] = fn
        return fn

    def _evaluate(self, plan: _Plan, args: tuple, x: np.ndarray) -> sp.csr_array:
        pattern = plan.pattern
        if plan.info.colors == 0:
            dtype = np.result_type(x.dtype, np.float32)
            return sp.csr_array((np.zeros(0, dtype), pattern.indices, pattern.indptr), shape=pattern.shape)
        compressed = np.asarray(self._product(plan.info.mode)(plan.seeds, *args))
        data = compressed.ravel().take(plan.read)
        return sp.csr_array((data, pattern.indices.copy(), pattern.indptr.copy()), shape=pattern.shape)


def _as_pattern(sparsity: Any, fname: str) -> sp.csr_array:
    try:
        m = sp.csr_array(sparsity)
    except Exception as e:  # noqa: BLE001
        raise TypeError(f"fg.sparse.{fname}: sparsity= must be a 2-D boolean array or scipy.sparse matrix, "
                        f"got {type(sparsity).__name__}") from e
    if m.ndim != 2:
        raise ValueError(f"fg.sparse.{fname}: sparsity= must be 2-D, got shape {m.shape}")
    return detection._pattern(m != 0)


def _jacobian_plan(pattern: sp.csr_array, n: int, mode: str | None, order: str, fname: str) -> _Plan:
    if pattern.shape[1] != n:
        raise ValueError(f"fg.sparse.{fname}: the pattern has {pattern.shape[1]} columns but the argument has "
                         f"{n} elements; sparsity= must be (output size, input size)")
    rows = np.repeat(np.arange(pattern.shape[0]), np.diff(pattern.indptr))
    cols = pattern.indices
    options = {}
    if mode in (None, "fwd"):
        options["fwd"] = coloring.column_coloring(pattern, order)
    if mode in (None, "rev"):
        options["rev"] = coloring.column_coloring(pattern.T, order)
    chosen = min(options, key=lambda m: (_count(options[m]), m != "fwd"))
    colors = options[chosen]
    if chosen == "fwd":  # products are colours × m: J[i, j] is product colour(j) at i
        read = colors[cols] * pattern.shape[0] + rows
    else:  # colours × n: J[i, j] is product colour(i) at j
        read = colors[rows] * n + cols
    info = SparseInfo(pattern.shape, int(pattern.nnz), _count(colors), chosen,
                      "column" if chosen == "fwd" else "row")
    return _Plan(pattern, coloring.seeds(colors, _count(colors)), read, info)


def _hessian_plan(pattern: sp.csr_array, n: int, mode: str | None, order: str, fname: str) -> _Plan:
    if pattern.shape != (n, n):
        raise ValueError(f"fg.sparse.{fname}: the pattern has shape {pattern.shape} but the argument has {n} "
                         f"elements; sparsity= must be ({n}, {n})")
    pattern = detection._pattern(pattern + pattern.T)
    colors = coloring.star_coloring(pattern, order)
    rows, cols = coloring.star_recovery(pattern, colors)
    info = SparseInfo(pattern.shape, int(pattern.nnz), _count(colors), "hvp", "star")
    return _Plan(pattern, coloring.seeds(colors, _count(colors)), cols * n + rows, info)


def _count(colors: np.ndarray) -> int:
    return int(colors.max()) + 1 if len(colors) else 0


# ----------------------------------------------------------------------------- public API

def jacobian(f: Callable, argnums: int = 0, *, sparsity: Any = None, mode: str | None = None,
             order: str = "largest_first", local: bool = False) -> Callable[..., sp.csr_array]:
    """The Jacobian of ``f`` in argument ``argnums`` as a ``scipy.sparse.csr_array``.

    The matrix is ``(f's output size, the argument's size)``: the dense ``fg.jacobian`` reshaped to
    two dimensions. The pattern is detected from ``f``'s IR for every input (``local=True``: at the
    given input, where ``where``, ``maximum`` or ``abs`` pick a side), or given as ``sparsity=``. Columns
    are coloured for forward mode, rows for reverse mode, and the mode with fewer colours is used
    (``mode=`` forces one); ``.info(*args)`` reports the choice.

        >>> import numpy as np, funcgrad as fg
        >>> jac = fg.sparse.jacobian(lambda x: x[1:] ** 2 - x[:-1])
        >>> jac(np.arange(4.0)).toarray()
        array([[-1.,  2.,  0.,  0.],
               [ 0., -1.,  4.,  0.],
               [ 0.,  0., -1.,  6.]])
        >>> jac.info(np.arange(4.0)).colors
        2
    """
    return _SparseDerivative(f, argnums, "jacobian", sparsity, mode, order, local)


def hessian(f: Callable, argnums: int = 0, *, sparsity: Any = None, order: str = "largest_first",
            local: bool = False) -> Callable[..., sp.csr_array]:
    """The Hessian of the scalar function ``f`` in argument ``argnums`` as a ``scipy.sparse.csr_array``.

    The pattern (detected as for :func:`jacobian`, with the second-order interactions each primitive
    creates) is star-coloured, and the Hessian is one Hessian-vector product per colour (forward over
    reverse). The result is ``(n, n)`` for an argument of ``n`` elements.

        >>> import numpy as np, funcgrad as fg
        >>> rosen = lambda x: np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
        >>> h = fg.sparse.hessian(rosen)
        >>> np.allclose(h(np.ones(50)).toarray(), fg.hessian(rosen)(np.ones(50)))
        True
        >>> h.info(np.ones(50)).colors
        3
    """
    return _SparseDerivative(f, argnums, "hessian", sparsity, None, order, local)


def jacobian_sparsity(f: Callable, argnums: int = 0, *, local: bool = False) -> Callable[..., sp.csr_array]:
    """A function returning the boolean pattern of ``f``'s Jacobian for example arguments.

        >>> import numpy as np, funcgrad as fg
        >>> fg.sparse.jacobian_sparsity(lambda x: np.cumsum(x))(np.ones(3)).toarray()
        array([[ True, False, False],
               [ True,  True, False],
               [ True,  True,  True]])
    """
    d = _SparseDerivative(f, argnums, "jacobian", None, None, "natural", local)
    return d.sparsity_pattern


def hessian_sparsity(f: Callable, argnums: int = 0, *, local: bool = False) -> Callable[..., sp.csr_array]:
    """A function returning the boolean pattern of the scalar function ``f``'s Hessian for example arguments.

        >>> import numpy as np, funcgrad as fg
        >>> fg.sparse.hessian_sparsity(lambda x: np.sum(x[1:] * x[:-1]))(np.ones(3)).toarray()
        array([[False,  True, False],
               [ True, False,  True],
               [False,  True, False]])
    """
    d = _SparseDerivative(f, argnums, "hessian", None, None, "natural", local)
    return d.sparsity_pattern
