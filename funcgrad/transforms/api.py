"""The program transforms users call: grad, vjp, jvp, linearize, vmap, jacobians,
Hessians and their products, make_ir. Each is a short composition of the three
traces (tape, forward, batching) and the staging trace."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.backends.interpreter import eval_ir
from funcgrad.core.ir import IR, ShapedArray
from funcgrad.core.staging import StagingTrace
from funcgrad.core.trace import Tracer, current_trace, get_aval, reset_trace, set_trace
from funcgrad.ops.util import dtype_of, shape_of
from funcgrad.transforms.batching import BatchTrace, BatchTracer
from funcgrad.transforms.forward import JVPTrace, JVPTracer
from funcgrad.transforms.reverse import TapeTrace, TapeTracer, backward_pass
from funcgrad.transforms.transformed import returns_transformed

# ----------------------------------------------------------------------------- helpers


def _as_value(x: Any) -> Any:
    """Arrays and tracers pass; Python and NumPy scalars become 0-d arrays; others use __array__."""
    if isinstance(x, Tracer | np.ndarray):
        return x
    value = getattr(x, "__funcgrad_value__", None)
    if value is not None:
        return value()
    return np.asarray(x)


def _check_float(x: Any, fname: str, what: str) -> None:
    dt = dtype_of(x)
    if dt.kind != "f":
        raise TypeError(f"{fname}: {what} has dtype {dt}, but differentiation needs floating-point values. "
                        f"Pass a float array (x.astype(float), or 1.0 instead of 1).")


def _argnums_tuple(argnums, nargs: int, fname: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums) if isinstance(argnums, tuple | list) else None
    if nums is None or not all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in nums):
        raise TypeError(f"{fname}: argnums must be an int or a tuple of ints, got {argnums!r}; "
                        f"e.g. argnums=0 or argnums=(0, 1)")
    for i in nums:
        if not -nargs <= i < nargs:
            raise TypeError(f"{fname}: argnums={argnums} but the function was called with {nargs} positional "
                            f"argument(s)")
    return tuple(i % nargs for i in nums)


def _check_callable(f: Any, fname: str) -> None:
    if not callable(f):
        raise TypeError(f"{fname}: the function to transform must be callable, got {type(f).__name__} {f!r:.40}; "
                        f"pass the function itself, e.g. fg.{fname}(f), not fg.{fname}(f(x))")


def _partial_args(f: Callable, args: tuple, nums: tuple[int, ...], kwargs: dict) -> Callable:
    def f_diff(*dargs):
        full = list(args)
        for i, a in zip(nums, dargs):
            full[i] = a
        return f(*full, **kwargs)

    f_diff.__name__ = _fn_name(f)  # errors name the user's function
    return f_diff


def _fn_name(f: Callable) -> str:
    return getattr(f, "__name__", type(f).__name__)


# ----------------------------------------------------------------------------- vjp

class Pullback:
    """The backward half of :func:`vjp`: ``pullback(cotangent)`` gives the input cotangents."""

    __slots__ = ("_tape", "_tracers", "_leaves", "_in_tree", "_out_tree", "out_keys", "_out_vals", "_fname")

    def __init__(self, tape, tracers, leaves, in_tree, out_tree, out_keys, out_vals, fname):
        self._tape, self._tracers, self._leaves, self._in_tree = tape, tracers, leaves, in_tree
        self._out_tree, self.out_keys, self._out_vals, self._fname = out_tree, out_keys, out_vals, fname

    def __call__(self, ct_tree) -> Any:
        fname = self._fname
        ct_leaves, ct_struct = tree.flatten(ct_tree)
        if ct_struct != self._out_tree:
            raise ValueError(f"{fname}: the cotangent's structure {ct_struct} does not match the output's "
                             f"structure {self._out_tree}")
        cts: dict = {}
        for i, (key, val, ct) in enumerate(zip(self.out_keys, self._out_vals, ct_leaves)):
            ct = _as_value(ct)
            if shape_of(ct) != shape_of(val):
                raise ValueError(f"{fname}: cotangent {i} has shape {shape_of(ct)}, but the output has shape "
                                 f"{shape_of(val)}; pass a cotangent with the output's shape")
            if key is not None:
                if dtype_of(ct) != dtype_of(val) and np.issubdtype(dtype_of(val), np.inexact):
                    from funcgrad.numpy import astype

                    ct = astype(ct, dtype_of(val))
                cts[key] = ct if key not in cts else cts[key] + ct
        return self.pull(cts)

    def pull(self, cts: dict) -> Any:
        """Input cotangents from a dict of output-tracer cotangents (no checks)."""
        backward_pass(self._tape, cts)
        grads = []
        for t, x in zip(self._tracers, self._leaves):
            g = cts.get(t)
            if g is None:
                g = np.zeros(shape_of(x), dtype_of(x))
            elif dtype_of(g) != dtype_of(x):  # a float32 input promoted by a float64 operand
                from funcgrad.numpy import astype

                if dtype_of(g).kind == "c" and dtype_of(x).kind != "c":  # a real input mixed with complex values
                    from funcgrad.ops.complex import real

                    g = real(g)
                g = astype(g, dtype_of(x))
            grads.append(g)
        return tree.unflatten(self._in_tree, grads)


def _vjp(f: Callable, primals: tuple, has_aux: bool, fname: str):
    """Trace ``f`` on a tape. Returns ``(out, pullback, aux)``; ``pullback(ct_tree)``
    gives the tuple of input cotangents."""
    leaves, in_tree = tree.flatten(primals)
    leaves = [_as_value(x) for x in leaves]
    for k, x in enumerate(leaves):
        if dtype_of(x).kind != "f":
            _check_float(x, fname, f"input {k} of {_fn_name(f)}" if len(leaves) > 1 else f"the input of {_fn_name(f)}")
    trace = TapeTrace(current_trace())
    tracers = [trace.new_input(x) for x in leaves]
    token = set_trace(trace)
    try:
        out = f(*tree.unflatten(in_tree, tracers))
    finally:
        reset_trace(token)
        trace.alive = False
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise TypeError(f"{fname}(has_aux=True): the function must return a pair (output, aux)")
        out, aux = out
        aux = tree.map(lambda a: a.primal if type(a) is TapeTracer and a._trace is trace else a, aux)
    out_leaves, out_tree = tree.flatten(out)
    out_keys = [o if type(o) is TapeTracer and o._trace is trace else None for o in out_leaves]
    out_vals = [o.primal if k is not None else o for o, k in zip(out_leaves, out_keys)]
    for v in out_vals:
        if isinstance(v, Tracer) and isinstance(v._trace, TapeTrace) and not v._trace.alive:
            raise v._escaped_error(None)
    pullback = Pullback(trace.tape, tracers, leaves, in_tree, out_tree, out_keys, out_vals, fname)
    return tree.unflatten(out_tree, out_vals), pullback, aux


def vjp(f: Callable, *primals: Any, has_aux: bool = False):
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)`` (plus ``aux`` if ``has_aux``).

    ``vjp_fn(cotangent)`` returns a tuple with one cotangent per primal.

        >>> import funcgrad as fg, numpy as np
        >>> out, f_vjp = fg.vjp(np.sin, 0.0)
        >>> f_vjp(1.0)
        (np.float64(1.0),)
    """
    _check_callable(f, "vjp")
    out, backward, aux = _vjp(f, primals, has_aux, "vjp")
    return (out, backward, aux) if has_aux else (out, backward)


@returns_transformed
def value_and_grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """A function returning ``(f(*args), grad)``; with ``has_aux``, ``((value, aux), grad)``.

        >>> import funcgrad as fg
        >>> fg.value_and_grad(lambda x: x ** 2)(3.0)
        (np.float64(9.0), np.float64(6.0))
    """
    _check_callable(f, "value_and_grad")

    @functools.wraps(f)
    def value_and_grad_f(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "grad")
        f_diff = _partial_args(f, args, nums, kwargs)
        out, pullback, aux = _vjp(f_diff, tuple(args[i] for i in nums), has_aux, "grad")
        if not isinstance(out, Tracer | np.ndarray | np.generic | float | int) or shape_of(out) != ():
            shape = (f"an array of shape {shape_of(out)}" if isinstance(out, Tracer | np.ndarray)
                     else f"a {type(out).__name__}")
            raise TypeError(f"grad requires a scalar output, but {_fn_name(f)} returned {shape}. "
                            f"Use fg.vjp for a vector-Jacobian product or fg.jacrev for the Jacobian.")
        if dtype_of(out).kind != "f":
            _check_float(out, "grad", f"the output of {_fn_name(f)}")
        key = pullback.out_keys[0]
        grads = pullback.pull({} if key is None else {key: np.ones((), dtype_of(out))})
        g = grads[0] if isinstance(argnums, int) else grads
        return ((out, aux), g) if has_aux else (out, g)

    return value_and_grad_f


@returns_transformed
def grad(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The gradient of a scalar function, with the structure of the chosen arguments.

        >>> import funcgrad as fg
        >>> fg.grad(lambda x: x ** 2 - 2 * x + 1)(0.0)
        np.float64(-2.0)
        >>> fg.grad(fg.grad(lambda x: x ** 2 - 2 * x + 1))(0.0)
        np.float64(2.0)
    """
    _check_callable(f, "grad")
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        (_, aux), g = vg(*args, **kwargs) if has_aux else (((None, None), vg(*args, **kwargs)[1]))
        return (g, aux) if has_aux else g

    return grad_f


# ----------------------------------------------------------------------------- jvp / linearize

def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """``(f(*primals), J·tangents)``: forward-mode derivative.

        >>> import funcgrad as fg, numpy as np
        >>> fg.jvp(np.sin, (0.0,), (2.0,))
        (np.float64(0.0), np.float64(2.0))
    """
    _check_callable(f, "jvp")
    if not isinstance(primals, tuple | list) or not isinstance(tangents, tuple | list):
        raise TypeError("jvp: primals and tangents must be tuples, e.g. fg.jvp(f, (x,), (v,))")
    p_leaves, p_tree = tree.flatten(tuple(primals))
    t_leaves, t_tree = tree.flatten(tuple(tangents))
    if p_tree != t_tree:
        raise ValueError(f"jvp: tangents have structure {t_tree}, primals have structure {p_tree}")
    p_leaves = [_as_value(p) for p in p_leaves]
    t_leaves = [_as_value(t) for t in t_leaves]
    for k, (p, t) in enumerate(zip(p_leaves, t_leaves)):
        _check_float(p, "jvp", f"primal {k}")
        if shape_of(p) != shape_of(t):
            raise ValueError(f"jvp: tangent {k} has shape {shape_of(t)}, but its primal has shape {shape_of(p)}")
        if dtype_of(t).kind != "f":
            raise TypeError(f"jvp: tangent {k} has dtype {dtype_of(t)}, but its primal has dtype {dtype_of(p)}; "
                            f"pass a floating-point tangent (t.astype({dtype_of(p).name}))")
    trace = JVPTrace(current_trace())
    tracers = [JVPTracer(trace, p, t) for p, t in zip(p_leaves, t_leaves)]
    token = set_trace(trace)
    try:
        out = f(*tree.unflatten(p_tree, tracers))
    finally:
        reset_trace(token)
        trace.alive = False
    aux = None
    if has_aux:
        out, aux = out
        aux = tree.map(lambda a: a.primal if type(a) is JVPTracer and a._trace is trace else a, aux)
    o_leaves, o_tree = tree.flatten(out)
    primals_out, tangents_out = [], []
    for o in o_leaves:
        if type(o) is JVPTracer and o._trace is trace:
            primals_out.append(o.primal)
            tangents_out.append(o.tangent)
        else:
            primals_out.append(o)
            tangents_out.append(np.zeros(shape_of(o), dtype_of(o)))
    result = (tree.unflatten(o_tree, primals_out), tree.unflatten(o_tree, tangents_out))
    return result + (aux,) if has_aux else result


def linearize(f: Callable, *primals: Any):
    """``(f(*primals), jvp_fn)``: the forward pass runs once; ``jvp_fn(*tangents)``
    evaluates only the linear (tangent) part, staged as IR.

        >>> import funcgrad as fg, numpy as np
        >>> out, f_jvp = fg.linearize(np.sin, 0.0)
        >>> float(f_jvp(3.0))
        3.0
    """
    _check_callable(f, "linearize")
    leaves, p_tree = tree.flatten(primals)
    leaves = [_as_value(x) for x in leaves]
    staging = StagingTrace(current_trace(), concrete=False)
    t_inputs = [staging.new_input(ShapedArray(shape_of(x), dtype_of(x))) for x in leaves]
    token = set_trace(staging)
    try:
        out, t_out = jvp(f, tuple(tree.unflatten(p_tree, leaves)), tuple(tree.unflatten(p_tree, t_inputs)))
    finally:
        reset_trace(token)
        staging.alive = False
    t_leaves, o_tree = tree.flatten(t_out)
    linear: IR = optimize(staging.to_ir(t_inputs, t_leaves))

    def jvp_fn(*tangents):
        tl, tt = tree.flatten(tangents)
        if tt != p_tree:
            raise ValueError(f"linearize: tangents have structure {tt}, primals have structure {p_tree}")
        return tree.unflatten(o_tree, eval_ir(linear, *[_as_value(t) for t in tl]))

    jvp_fn.ir = linear
    return out, jvp_fn


# ----------------------------------------------------------------------------- vmap

def _broadcast_prefix(spec: Any, target: Any, what: str) -> list:
    """Leaves of ``spec`` broadcast over the leaves of ``target`` (spec is a tree prefix)."""
    if spec is None or isinstance(spec, int):
        return [spec] * len(tree.leaves(target))
    s_leaves, s_tree = tree.flatten(spec, is_leaf=lambda x: x is None)
    t_nodes = tree.flatten(target, is_leaf=lambda x: x is None)[1]
    if s_tree == t_nodes:
        return s_leaves
    if isinstance(spec, tuple | list) and isinstance(target, tuple | list) and len(spec) == len(target):
        out = []
        for s, t in zip(spec, target):
            out.extend(_broadcast_prefix(s, t, what))
        return out
    if isinstance(spec, dict) and isinstance(target, dict) and set(spec) == set(target):
        out = []
        for k in sorted(target):
            out.extend(_broadcast_prefix(spec[k], target[k], what))
        return out
    raise ValueError(f"vmap: {what} {spec!r} does not match the structure of the arguments {tree.structure(target)}")


@returns_transformed
def vmap(f: Callable, in_axes: Any = 0, out_axes: Any = 0) -> Callable:
    """Vectorise ``f`` over an axis of its inputs.

        >>> import funcgrad as fg, numpy as np
        >>> fg.vmap(lambda row: row.sum())(np.ones((3, 2)))
        array([2., 2., 2.])
    """
    _check_callable(f, "vmap")
    from funcgrad import numpy as fnp

    @functools.wraps(f)
    def batched(*args):
        axes_spec = in_axes if not isinstance(in_axes, list) else tuple(in_axes)
        if isinstance(axes_spec, tuple) and len(axes_spec) != len(args):
            raise ValueError(f"vmap: in_axes has {len(axes_spec)} entries but the function got {len(args)} arguments")
        leaves, a_tree = tree.flatten(args)
        axes = _broadcast_prefix(axes_spec, args, "in_axes")
        leaves = [_as_value(x) if ax is not None else x for x, ax in zip(leaves, axes)]
        sizes = set()
        norm_axes = []
        for x, ax in zip(leaves, axes):
            if ax is None:
                norm_axes.append(None)
                continue
            nd = len(shape_of(x))
            if not -nd <= ax < nd:
                raise ValueError(f"vmap: in_axes={ax} is out of range for an argument of shape {shape_of(x)}")
            ax %= nd
            sizes.add(shape_of(x)[ax])
            norm_axes.append(ax)
        if not sizes:
            raise ValueError("vmap: at least one argument must be mapped (in_axes are all None)")
        if len(sizes) > 1:
            raise ValueError(f"vmap: mapped axes have different sizes {sorted(sizes)}")
        n = sizes.pop()
        trace = BatchTrace(current_trace(), n)
        tracers = [x if ax is None else BatchTracer(trace, x, ax) for x, ax in zip(leaves, norm_axes)]
        token = set_trace(trace)
        try:
            out = f(*tree.unflatten(a_tree, tracers))
        finally:
            reset_trace(token)
            trace.alive = False
        o_leaves, o_tree = tree.flatten(out)
        o_axes = _broadcast_prefix(out_axes, out, "out_axes")
        results = []
        for o, ax in zip(o_leaves, o_axes):
            batched_out = type(o) is BatchTracer and o._trace is trace
            if ax is None:
                if batched_out:
                    raise ValueError("vmap: out_axes=None, but an output depends on the mapped inputs")
                results.append(o)
                continue
            nd = len(shape_of(o.val if batched_out else o)) + (0 if batched_out else 1)
            if not -nd <= ax < nd:
                raise ValueError(f"vmap: out_axes={ax} is out of range for an output of rank {nd - 1} "
                                 f"(rank {nd} with the mapped axis); use an axis in [{-nd}, {nd})")
            if batched_out:
                results.append(fnp.moveaxis(o.val, o.bdim, ax % nd))
            else:
                o = fnp.asarray(o)
                ax %= nd
                results.append(fnp.broadcast_to(fnp.expand_dims(o, ax), shape_of(o)[:ax] + (n,) + shape_of(o)[ax:]))
        return tree.unflatten(o_tree, results)

    return batched


# ----------------------------------------------------------------------------- jacobians

def _basis(leaves: list) -> tuple[list, int]:
    """Rows of an identity matrix, split and shaped like ``leaves``."""
    sizes = [int(np.prod(shape_of(x), dtype=np.int64)) for x in leaves]
    total = sum(sizes)
    dtype = np.result_type(*[dtype_of(x) for x in leaves]) if leaves else np.float64
    eye = np.eye(total, dtype=dtype)
    out, off = [], 0
    for x, s in zip(leaves, sizes):
        out.append(eye[:, off:off + s].reshape((total,) + shape_of(x)).astype(dtype_of(x), copy=False))
        off += s
    return out, total


@returns_transformed
def jacrev(f: Callable, argnums: int | Sequence[int] = 0, has_aux: bool = False) -> Callable:
    """The Jacobian by reverse mode (vmap of vjp): shape ``out.shape + in.shape``.

        >>> import funcgrad as fg, numpy as np
        >>> fg.jacrev(lambda x: x ** 2)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """
    _check_callable(f, "jacrev")
    from funcgrad import numpy as fnp

    @functools.wraps(f)
    def jac(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "jacrev")
        f_diff = _partial_args(f, args, nums, kwargs)
        out, backward, aux = _vjp(f_diff, tuple(args[i] for i in nums), has_aux, "jacrev")
        o_leaves, o_tree = tree.flatten(out)
        for o in o_leaves:
            _check_float(o, "jacrev", f"an output of {_fn_name(f)}")
        basis, total = _basis(o_leaves)
        grads = vmap(backward)(tree.unflatten(o_tree, basis))
        per_out, off = [], 0
        for o in o_leaves:
            s = int(np.prod(shape_of(o), dtype=np.int64))
            def rows(g, o=o, off=off, s=s):
                return fnp.reshape(fnp.getitem(g, slice(off, off + s)), shape_of(o) + shape_of(g)[1:])

            per_arg = tree.map(rows, grads)
            per_out.append(per_arg[0] if isinstance(argnums, int) else per_arg)
            off += s
        result = tree.unflatten(o_tree, per_out)
        return (result, aux) if has_aux else result

    return jac


@returns_transformed
def jacfwd(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Jacobian by forward mode (vmap of jvp): shape ``out.shape + in.shape``.

        >>> import funcgrad as fg, numpy as np
        >>> fg.jacfwd(lambda x: x ** 2)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """
    _check_callable(f, "jacfwd")
    from funcgrad import numpy as fnp

    @functools.wraps(f)
    def jac(*args, **kwargs):
        nums = _argnums_tuple(argnums, len(args), "jacfwd")
        f_diff = _partial_args(f, args, nums, kwargs)
        primals = tuple(args[i] for i in nums)
        p_leaves, p_tree = tree.flatten(primals)
        p_leaves = [_as_value(x) for x in p_leaves]
        for x in p_leaves:
            _check_float(x, "jacfwd", f"an input of {_fn_name(f)}")
        primals = tree.unflatten(p_tree, p_leaves)
        basis, total = _basis(p_leaves)

        def push(tangents):
            return jvp(f_diff, primals, tangents)[1]

        t_out = vmap(push)(tree.unflatten(p_tree, basis))
        o_leaves, o_tree = tree.flatten(t_out)
        per_out = []
        for o in o_leaves:
            o = fnp.moveaxis(o, 0, -1)
            oshape = shape_of(o)[:-1]
            parts, off = [], 0
            for x in p_leaves:
                s = int(np.prod(shape_of(x), dtype=np.int64))
                parts.append(fnp.reshape(fnp.getitem(o, (Ellipsis, slice(off, off + s))), oshape + shape_of(x)))
                off += s
            per_arg = tree.unflatten(p_tree, parts)
            per_out.append(per_arg[0] if isinstance(argnums, int) else per_arg)
        return tree.unflatten(o_tree, per_out)

    return jac


jacobian = jacrev


@returns_transformed
def hessian(f: Callable, argnums: int | Sequence[int] = 0) -> Callable:
    """The Hessian (forward over reverse): shape ``in.shape + in.shape``.

        >>> import funcgrad as fg, numpy as np
        >>> fg.hessian(lambda x: (x ** 3).sum())(np.array([1.0, 2.0]))
        array([[ 6.,  0.],
               [ 0., 12.]])
    """
    _check_callable(f, "hessian")
    return jacfwd(jacrev(f, argnums), argnums)


def _value_and_grads(f: Callable, n: int) -> Callable:
    vg = value_and_grad(f, argnums=tuple(range(n)))

    def g(*xs):
        value, grads = vg(*xs)
        return grads, value

    return g


def hvp(f: Callable, primals: Sequence, tangents: Sequence):
    """``(f(*primals), H·v)`` by forward-over-reverse; a tuple of products for several primals.

        >>> import funcgrad as fg, numpy as np
        >>> fg.hvp(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))[1]
        array([6., 0.])
    """
    _check_callable(f, "hvp")
    primals, tangents = tuple(primals), tuple(tangents)
    _, prod, value = jvp(_value_and_grads(f, len(primals)), primals, tangents, has_aux=True)
    return value, prod[0] if len(primals) == 1 else prod


def vhp(f: Callable, primals: Sequence, cotangents: Sequence):
    """``(f(*primals), vᵀ·H)`` by reverse-over-reverse; a tuple for several primals.

        >>> import funcgrad as fg, numpy as np
        >>> fg.vhp(lambda x: (x ** 3).sum(), (np.array([1.0, 2.0]),), (np.array([1.0, 0.0]),))[1]
        array([6., 0.])
    """
    _check_callable(f, "vhp")
    primals, cotangents = tuple(primals), tuple(cotangents)
    _, backward, value = _vjp(_value_and_grads(f, len(primals)), primals, True, "vhp")
    prod = backward(cotangents)
    return value, prod[0] if len(primals) == 1 else prod


# ----------------------------------------------------------------------------- staging

def make_ir(f: Callable, static_argnums: int | Sequence[int] = (), optimized: bool = True) -> Callable:
    """A function that traces ``f`` on example arguments and returns its IR.

        >>> import funcgrad as fg, numpy as np
        >>> print(fg.make_ir(lambda x: np.sin(x) * 2)(1.0))
        { lambda a:f64[] .
            b:f64[] = sin a
            c:f64[] = mul b 2
          in c }
    """
    _check_callable(f, "make_ir")
    statics = (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums)

    def make(*args, **kwargs) -> IR:
        dyn = tuple(a for i, a in enumerate(args) if i not in statics)
        leaves, d_tree = tree.flatten(dyn)
        leaves = [_as_value(x) for x in leaves]
        trace = StagingTrace(current_trace(), concrete=True)
        inputs = [trace.new_input(get_aval(x), x) for x in leaves]
        it = iter(tree.unflatten(d_tree, inputs))
        full = [a if i in statics else next(it) for i, a in enumerate(args)]
        token = set_trace(trace)
        try:
            out = f(*full, **kwargs)
        finally:
            reset_trace(token)
            trace.alive = False
        ir = trace.to_ir(inputs, tree.leaves(out))
        return optimize(ir) if optimized else ir

    return make


def optimize(ir: IR) -> IR:
    """The standard pass pipeline (see :mod:`funcgrad.passes`)."""
    from funcgrad.passes import run_passes

    return run_passes(ir)


def stop_gradient(x: Any) -> Any:
    """``x`` with a zero derivative, at every order (any pytree).

        >>> import funcgrad as fg
        >>> fg.grad(lambda x: x * fg.stop_gradient(x))(3.0)
        np.float64(3.0)
    """
    from funcgrad import ops

    return tree.map(lambda v: ops.stop_gradient(v) if isinstance(v, Tracer) else v, x)


