"""Custom derivative rules: ``custom_jvp``, ``custom_vjp`` and ``checkpoint`` (``remat``).

Each is a primitive whose params hold staged IR, so every trace — forward, reverse,
batching and the staging of ``fg.jit`` — treats it like any other primitive:

- ``custom_jvp_call[fun, jvp](*consts, *args)`` evaluates ``fun``. Forward mode
  evaluates the staged rule ``jvp`` (``(*args, *tangents) -> (*outs, *tangent_outs)``);
  reverse mode runs the rule's tangent part on a tape and back (the rule is linear in
  the tangents, so this is its transpose); vmap batches both IRs and binds again.
- ``custom_vjp_call[fun, fwd, bwd](*consts, *args)`` evaluates ``fun``. A tape records
  ``custom_vjp_fwd`` instead (the primitive's ``on_tape`` rule), which evaluates ``fwd``
  and returns the outputs *and the residuals*, so the tape keeps the residuals as
  outputs of one equation; its vjp evaluates ``bwd`` on them. Cotangents that reach
  the residuals (derivatives of a gradient) differentiate ``fwd``; forward mode
  differentiates ``fun`` (JAX raises there).
- ``checkpoint[fun](*consts, *args)`` evaluates ``fun``; a tape stores only its inputs
  and outputs. Its vjp is ``checkpoint`` of the IR that re-runs ``fun`` on a tape and
  back, so the intermediates are recomputed in the backward pass.

Values the function closes over become leading operands (``consts``), so outer
transforms see them (differentiating a custom rule with respect to one is an error,
as in JAX). A call with no transform active just runs the Python function. Rules are
staged per call, abstractly; in eager transforms, if Python needs a value (control
flow on values), they are staged again with the values. A custom function called
inside its own rule (``return f(x), ...``) stages that inner call's rules on first use.

    >>> import funcgrad as fg, numpy as np
    >>> @fg.custom_vjp
    ... def softplus(x):
    ...     return np.log1p(np.exp(x))
    >>> def softplus_fwd(x):
    ...     return softplus(x), x
    >>> def softplus_bwd(x, g):
    ...     return (g / (1 + np.exp(-x)),)
    >>> softplus.defvjp(softplus_fwd, softplus_bwd)
    >>> float(fg.grad(softplus)(1000.0))
    1.0
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.backends.interpreter import eval_ir
from funcgrad.core.ir import IR, ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.core.staging import UNKNOWN, StagingTrace
from funcgrad.core.trace import (
    EVAL, ConcretizationError, Tracer, concrete_or_none, current_trace, get_aval, reset_trace, set_trace,
)
from funcgrad.ops.util import shape_of

__all__ = ["checkpoint", "custom_jvp", "custom_vjp", "remat"]


def _subir():
    from funcgrad.transforms import subir

    return subir


def _is_float(aval: ShapedArray) -> bool:
    return np.dtype(aval.dtype).kind == "f"


def _zeros(aval: ShapedArray) -> np.ndarray:
    return np.zeros(aval.shape, aval.dtype)


def _strong(aval: ShapedArray) -> ShapedArray:
    return ShapedArray(tuple(aval.shape), np.dtype(aval.dtype))


def _run(ir: IR, *args: Any) -> list:
    """``ir`` on concrete values (an implementation: nothing above may record it)."""
    token = set_trace(EVAL)
    try:
        return eval_ir(ir, *args)
    finally:
        reset_trace(token)


def _eager() -> bool:
    """No transform is active: the bottom trace, or autograd tensors' (which record what the function does)."""
    trace = current_trace()
    return trace is EVAL or getattr(trace, "is_base", False)


def _in_trace(trace, fun: Callable, *args: Any) -> Any:
    token = set_trace(trace)
    try:
        return fun(*args)
    finally:
        reset_trace(token)
        trace.alive = False


# ----------------------------------------------------------------------------- staging user functions

def _trace(fun: Callable, avals: Sequence[ShapedArray], values: Sequence | None, context: str,
           parent=None) -> tuple[IR, list]:
    from funcgrad.passes import run_passes

    trace = StagingTrace(current_trace() if parent is None else parent, concrete=values is not None, context=context)
    if values is None:
        inputs = [trace.new_input(a) for a in avals]
    else:
        inputs = [trace.new_input(a, UNKNOWN if v is None else v) for a, v in zip(avals, values)]
    outs = _in_trace(trace, fun, *inputs)
    ir = trace.to_ir(inputs, list(outs))
    if _compiling(trace.parent):  # optimised for code that runs many times; eagerly it runs once
        ir = run_passes(ir)
    return IR(tuple(ir.const_vars) + tuple(ir.in_vars), ir.eqns, ir.outs), list(ir.consts)


def _compiling(trace) -> bool:
    """Whether ``trace`` is staging (``fg.jit``, ``make_ir``): then staged rules are kept and run again."""
    while trace is not None:
        if type(trace) is StagingTrace:
            return True
        trace = trace.parent
    return False


def _stage(fun: Callable, avals: Sequence[ShapedArray], values: Callable[[], list] | None,
           context: str) -> tuple[IR, list]:
    """``fun`` (flat inputs to a flat list of outputs) staged into a closed IR taking ``(*consts, *inputs)``.

    The trace is abstract; if Python needs a value (control flow on values) and the values are
    known (``values()``: one per input, ``None`` where unknown), it is staged again with them.
    """
    try:
        return _trace(fun, avals, None, context)
    except ConcretizationError:
        known = values() if values is not None else None
        if not known or all(v is None for v in known):
            raise
        return _trace(fun, avals, known, context)


def _leaf_value(x: Any, where: Callable[[], str], fix: str) -> Any:
    if isinstance(x, Tracer | np.ndarray | np.generic | float | int | bool | complex):
        return x
    value = getattr(x, "__funcgrad_value__", None)
    if value is not None:
        return value()
    raise TypeError(f"{where()} is a {type(x).__name__}, not an array; {fix}")


def _signature(f: Any) -> tuple[inspect.Signature | None, bool]:
    """The custom function's signature, and whether it has defaults (cached on ``f``)."""
    cached = f.__dict__.get("_signature")
    if cached is None:
        try:
            sig = inspect.signature(f.fun)
        except (TypeError, ValueError):
            sig = None
        defaults = sig is not None and any(p.default is not p.empty for p in sig.parameters.values())
        cached = f.__dict__["_signature"] = (sig, defaults)
    return cached


def _resolve(f: Any, args: tuple, kwargs: dict, fname: str) -> tuple:
    """Keyword arguments and defaults bound to their positions, as JAX does for custom rules."""
    sig, defaults = _signature(f)
    if not kwargs and not defaults:
        return args
    if sig is None:
        raise TypeError(f"{fname}: keyword arguments need a function with a signature; pass them positionally")
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise TypeError(f"{fname}: {e}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{fname}: keyword-only arguments ({', '.join(bound.kwargs)}) are not supported by custom "
                        f"derivative rules; make them positional")
    return tuple(bound.args)


def _nondiff_tuple(nums: int | Sequence[int], fname: str, option: str = "nondiff_argnums") -> tuple[int, ...]:
    nums = (nums,) if isinstance(nums, int) else tuple(nums)
    for i in nums:
        if not isinstance(i, int) or i < 0:
            raise TypeError(f"{fname}: {option} must be non-negative ints, got {nums!r}")
    return tuple(sorted(set(nums)))


class _Args:
    """A call's arguments split into the differentiable ones (flattened) and the rest."""

    def __init__(self, args: tuple, nondiff: tuple[int, ...], what: str, option: str = "nondiff_argnums"):
        for i in nondiff:
            if i >= len(args):
                raise TypeError(f"{what}: {option}={nondiff} names argument {i}, but the call passed {len(args)} "
                                f"argument(s)")
        self.args, self.nondiff = args, nondiff
        self.diff_pos = [i for i in range(len(args)) if i not in nondiff]
        leaves, self.tree = tree.flatten(tuple(args[i] for i in self.diff_pos))
        fix = f"list arguments that are not arrays in {option}"
        self.leaves = [_leaf_value(x, lambda k=k: f"{what}: argument {self._where(k)}", fix)
                       for k, x in enumerate(leaves)]
        self.avals = [get_aval(x) for x in self.leaves]

    def _where(self, k: int) -> str:
        counts = [len(tree.leaves(self.args[i])) for i in self.diff_pos]
        for i, n in zip(self.diff_pos, counts):
            if k < n:
                return str(i)
            k -= n
        return "?"

    def rebuild(self, leaves: Sequence) -> tuple:
        """The full argument tuple with the differentiable leaves replaced."""
        diff = tree.unflatten(self.tree, list(leaves))
        full, it = list(self.args), iter(diff)
        for i in self.diff_pos:
            full[i] = next(it)
        return tuple(full)

    def diff_args(self, leaves: Sequence) -> tuple:
        return tuple(tree.unflatten(self.tree, list(leaves)))

    def nondiff_args(self) -> tuple:
        return tuple(self.args[i] for i in self.nondiff)

    def values(self) -> list:
        return [concrete_or_none(x) for x in self.leaves]


def _closed_over_error(fname: str, kind: str, i: int, aval: ShapedArray) -> TypeError:
    rule = "JVP rule" if kind == "custom_jvp" else "VJP rule (fwd/bwd)"
    return TypeError(
        f"{kind} function {fname} was differentiated with respect to a value it closes over (a traced {aval} "
        f"that is not one of its arguments), but the custom {rule} only gives derivatives with respect to "
        f"the arguments. Pass that value to {fname} as an argument (and give its derivative in the rule), "
        f"or wrap it in fg.stop_gradient.")


def _check_float_dtype(x, aval: ShapedArray):
    """``x`` cast to ``aval``'s float dtype if it differs (a float64 rule result for a float32 value)."""
    from funcgrad.ops.util import dtype_of

    if _is_float(aval) and dtype_of(x) != aval.dtype:
        from funcgrad.numpy import astype

        return astype(x, aval.dtype)
    return x


_derived: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def cached(ir: IR, key: tuple, make: Callable[[], IR]) -> IR:
    table = _derived.setdefault(ir, {})
    if key not in table:
        table[key] = make()
    return table[key]


class LazyIR:
    """A rule's IR, staged on first use: the rule of a custom function called inside its own rule
    (``return f(x), ...`` in a JVP rule or ``fwd``), and the batched forms of rules.

    Staging it eagerly there would recurse; JAX stages such rules lazily too.
    """

    __slots__ = ("_make", "_ir", "name", "__weakref__")

    def __init__(self, make: Callable[[], IR], name: str):
        self._make, self._ir, self.name = make, None, name

    def get(self) -> IR:
        if self._ir is None:
            self._ir = self._make()
            self._make = None
        return self._ir

    def __str__(self) -> str:
        if self._ir is None:
            return f"<rule of {self.name}, staged when used>"
        return "{ " + str(self._ir).replace("\n", "\n    ") + " }"

    __repr__ = __str__

    def __reduce__(self):
        if self._ir is not None:
            return (_staged, (self._ir,))
        return (_unstaged, (self.name,))  # its recipe is a closure: staging it here could recurse forever


def _staged(ir: IR) -> IR:
    return ir


def _unstaged(name: str) -> LazyIR:
    def make() -> IR:
        raise TypeError(f"a rule of {name} was pickled before it was first used (a custom function called inside "
                        f"its own rule stages that call's rules on first use), so this unpickled IR cannot be "
                        f"differentiated through that call; build the IR in this process (fg.make_ir) instead")

    return LazyIR(make, name)


def _ir(rule: IR | LazyIR) -> IR:
    return rule if type(rule) is IR else rule.get()


def _lazy(name: str, fun: Callable, avals: Callable[[], list], context: str) -> LazyIR:
    """A :class:`LazyIR` of ``fun`` staged on abstract inputs; its constants must be concrete."""

    def make() -> IR:
        from funcgrad.passes import run_passes

        ir, consts = _trace(fun, avals(), None, context, parent=EVAL)
        ir = run_passes(ir)  # kept: it may be used many times
        for c in consts:
            if isinstance(c, Tracer):
                raise TypeError(f"{context}: a rule used inside its own function's rule closes over a traced value "
                                f"{c.aval}; pass that value as an argument instead")
        n = len(consts)
        return IR(ir.in_vars[n:], ir.eqns, ir.outs, ir.in_vars[:n], consts)

    return LazyIR(make, name)


def _derived_lazy(rule: IR | LazyIR, make: Callable[[IR], IR]) -> LazyIR:
    return LazyIR(lambda: make(_ir(rule)), getattr(rule, "name", "a custom function"))


# functions whose rules are being staged (by id), with the call's staged function: their calls inside
# those rules stage the rules lazily, and reuse the staged function if the signature is the same
_in_rules: contextvars.ContextVar[dict | None] = contextvars.ContextVar("funcgrad_custom_rules", default=None)


def _rules_being_staged() -> dict:
    return _in_rules.get() or {}


def _staging_rules(f: Any, staged: tuple, fun: Callable, *args: Any) -> Any:
    token = _in_rules.set({**_rules_being_staged(), id(f): staged})
    try:
        return fun(*args)
    finally:
        _in_rules.reset(token)


def _stage_fun(f: Any, a: _Args, context: str) -> tuple[IR, list, Any, tuple]:
    """``(ir, consts, out_tree, key)`` of the custom function ``f`` on the call's arguments."""
    key = (a.tree, tuple(a.avals), tuple(id(x) for x in a.nondiff_args()))
    outer = _rules_being_staged().get(id(f))
    if outer is not None and outer[3] == key:  # f called inside its own rule: the same function
        return outer
    box: dict = {}

    def fun_flat(*xs):
        leaves, box["out_tree"] = tree.flatten(f.fun(*a.rebuild(xs)))
        return leaves

    ir, consts = _stage(fun_flat, a.avals, a.values, context)
    return ir, consts, box["out_tree"], key


# ----------------------------------------------------------------------------- custom_jvp

def _cjvp_impl(*ops, fun, jvp, n_fun_consts, n_jvp_consts, name):
    return tuple(_run(fun, *ops[:n_fun_consts], *ops[n_fun_consts + n_jvp_consts:]))


custom_jvp_p = Primitive("custom_jvp_call", _cjvp_impl, multiple_results=True,
                         abstract=lambda *ops, fun, **params: fun.out_avals)


def _cjvp_jvp(primals, tangents, *, fun, jvp, n_fun_consts, n_jvp_consts, name):
    nc = n_fun_consts + n_jvp_consts
    for i, t in enumerate(tangents[:n_fun_consts]):
        if t is not None:
            raise _closed_over_error(name, "custom_jvp", i, get_aval(primals[i]))
    args = primals[nc:]
    ts = [_zeros(a) if t is None else t for t, a in zip(tangents[nc:], fun.in_avals[n_fun_consts:])]
    res = eval_ir(_ir(jvp), *primals[n_fun_consts:nc], *args, *ts)
    n = len(fun.outs)
    return tuple(res[:n]), tuple(t if _is_float(a) else None for t, a in zip(res[n:], fun.out_avals))


def _tangent_part(jvp: IR, n_out: int) -> IR:
    """The rule without its primal outputs: ``(*consts, *args, *tangents) -> tangent_outs``."""
    from funcgrad.passes import dce

    return cached(jvp, ("tangents", n_out), lambda: dce(IR(jvp.in_vars, jvp.eqns, jvp.outs[n_out:],
                                                            jvp.const_vars, jvp.consts)))


def _cjvp_vjp(needed, g, ans, *ops, fun, jvp, n_fun_consts, n_jvp_consts, name):
    from funcgrad.transforms.reverse import TapeTrace, TapeTracer, backward_pass

    nc = n_fun_consts + n_jvp_consts
    for i in range(n_fun_consts):
        if needed[i]:
            raise _closed_over_error(name, "custom_jvp", i, get_aval(ops[i]))
    args = ops[nc:]
    arg_avals = fun.in_avals[n_fun_consts:]
    cts_out = [c if _is_float(a) else None for c, a in zip(g, fun.out_avals)]
    want = [w and _is_float(a) for w, a in zip(needed[nc:], arg_avals)]
    if not any(want) or all(c is None for c in cts_out):
        return [None] * len(ops)
    # the rule is linear in the tangents: reverse mode through its tangent part is its transpose
    tape = TapeTrace(current_trace())
    ts = [tape.new_input(_zeros(a)) if w else _zeros(a) for w, a in zip(want, arg_avals)]
    touts = _in_trace(tape, eval_ir, _tangent_part(_ir(jvp), len(fun.outs)), *ops[n_fun_consts:nc], *args, *ts)
    cts: dict = {}
    for o, c in zip(touts, cts_out):
        if c is not None and type(o) is TapeTracer and o._trace is tape:
            cts[o] = c if o not in cts else cts[o] + c
    backward_pass(tape.tape, cts)
    return [None] * nc + [cts.get(t) if w else None for t, w in zip(ts, want)]


def _cjvp_batch(size, vals, dims, *, fun, jvp, n_fun_consts, n_jvp_consts, name):
    s = _subir()
    vals = [s.batch_leading(v, d, size) if d is not None else v for v, d in zip(vals, dims)]
    flags = [d is not None for d in dims]
    nc = n_fun_consts + n_jvp_consts
    fc, jc, fa = flags[:n_fun_consts], flags[n_fun_consts:nc], flags[nc:]
    jvp_b = _derived_lazy(jvp, lambda r: s.batch_ir(r, jc + fa + fa, size))
    out = custom_jvp_p(*vals, fun=s.batch_ir(fun, fc + fa, size), jvp=jvp_b, n_fun_consts=n_fun_consts,
                       n_jvp_consts=n_jvp_consts, name=name)
    return out, 0


custom_jvp_p.jvp_full = _cjvp_jvp
custom_jvp_p.vjp_full = _cjvp_vjp
custom_jvp_p.def_batch(_cjvp_batch)


class custom_jvp:  # noqa: N801  (JAX's name)
    """A function with a custom forward-mode rule, used by every transform (JAX semantics).

    ``f.defjvp(rule)`` sets ``rule(primals, tangents) -> (primal_out, tangent_out)``;
    with ``nondiff_argnums`` the rule takes those arguments first:
    ``rule(*nondiff_args, primals, tangents)``. Reverse mode transposes the rule, so
    ``grad`` uses it too. Usable as a decorator, and ``defjvp`` too:

        >>> import funcgrad as fg, numpy as np
        >>> @fg.custom_jvp
        ... def f(x):
        ...     return np.sin(x)
        >>> @f.defjvp
        ... def f_jvp(primals, tangents):
        ...     (x,), (t,) = primals, tangents
        ...     return f(x), 10.0 * np.cos(x) * t
        >>> float(fg.grad(f)(0.0)), float(fg.jvp(f, (0.0,), (1.0,))[1])
        (10.0, 10.0)
    """

    def __init__(self, fun: Callable, nondiff_argnums: int | Sequence[int] = ()):
        if not callable(fun):
            raise TypeError(f"fg.custom_jvp: expected a function, got {type(fun).__name__}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = _nondiff_tuple(nondiff_argnums, f"fg.custom_jvp({_name(fun)})")
        self.jvp: Callable | None = None

    def defjvp(self, jvp: Callable) -> Callable:
        """Set the rule ``jvp(primals, tangents) -> (primal_out, tangent_out)``; returns it (a decorator)."""
        if not callable(jvp):
            raise TypeError(f"{self.__name__}.defjvp: expected a function, got {type(jvp).__name__}")
        self.jvp = jvp
        return jvp

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    def __repr__(self) -> str:
        return f"<custom_jvp function {self.__name__}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.__name__
        if self.jvp is None:
            raise TypeError(f"custom_jvp function {name} has no JVP rule: define one with @{name}.defjvp "
                            f"(rule(primals, tangents) -> (primal_out, tangent_out)) before calling it")
        args = _resolve(self, args, kwargs, name)
        if _eager():
            return self.fun(*args)
        a = _Args(args, self.nondiff_argnums, f"custom_jvp function {name}")
        context = f"fg.custom_jvp({name})"
        staged = _stage_fun(self, a, context)
        fun_ir, fun_consts, out_tree, _ = staged
        out_avals = fun_ir.out_avals
        if not fun_ir.outs:
            return tree.unflatten(out_tree, [])
        n = len(a.leaves)

        def jvp_flat(*xs):
            primals, tangents = a.diff_args(xs[:n]), a.diff_args(xs[n:])
            result = _staging_rules(self, staged, self.jvp, *a.nondiff_args(), primals, tangents)
            return _check_jvp_result(result, name, out_tree, out_avals)

        in_avals = list(a.avals) + [_strong(v) for v in a.avals]
        if id(self) in _rules_being_staged():  # called inside its own rule: stage the rule when it is used
            jvp_rule, jvp_consts = _lazy(name, jvp_flat, lambda: in_avals, context), []
        else:
            jvp_rule, jvp_consts = _stage(jvp_flat, in_avals, lambda: a.values() + [None] * n, context)
        outs = custom_jvp_p(*fun_consts, *jvp_consts, *a.leaves, fun=fun_ir, jvp=jvp_rule,
                            n_fun_consts=len(fun_consts), n_jvp_consts=len(jvp_consts), name=name)
        return tree.unflatten(out_tree, outs)


def _check_jvp_result(result: Any, name: str, out_tree, out_avals) -> list:
    if not (isinstance(result, tuple | list) and len(result) == 2):
        raise TypeError(f"custom_jvp function {name}: the JVP rule must return a pair (primal_out, tangent_out), "
                        f"got {_describe(result)}")
    primal, tangent = result
    p_leaves, p_tree = tree.flatten(primal)
    t_leaves, t_tree = tree.flatten(tangent)
    if p_tree != out_tree:
        raise ValueError(f"custom_jvp function {name}: the JVP rule's primal output has structure {p_tree}, but "
                         f"{name} returns {out_tree}; return {name}(*primals) (or the same structure) as primal_out")
    if t_tree != out_tree:
        raise ValueError(f"custom_jvp function {name}: the JVP rule's tangent output has structure {t_tree}, but "
                         f"the primal output has structure {out_tree}; return one tangent per output")
    outs = []
    for k, (p, a) in enumerate(zip(p_leaves, out_avals)):
        if shape_of(p) != tuple(a.shape):
            raise ValueError(f"custom_jvp function {name}: output {k} of the JVP rule's primal_out has shape "
                             f"{shape_of(p)}, but {name} returns shape {tuple(a.shape)}")
        outs.append(p)
    for k, (t, a) in enumerate(zip(t_leaves, out_avals)):
        if shape_of(t) != tuple(a.shape):
            raise ValueError(f"custom_jvp function {name}: tangent output {k} of the JVP rule has shape "
                             f"{shape_of(t)}, but the primal output has shape {tuple(a.shape)}; a tangent has its "
                             f"primal's shape")
        outs.append(_check_float_dtype(t, a) if _is_float(a) else _zeros(a))
    return outs


# ----------------------------------------------------------------------------- custom_vjp
#
# ``custom_vjp_call`` runs ``fun``; a tape records ``custom_vjp_fwd`` instead (``on_tape``),
# which runs ``fwd`` and also returns the residuals, so the tape keeps them for ``bwd``.
# Both take ``(*fun_consts, *fwd_consts, *bwd_consts, *args)`` and the same params.

def _split_ops(ops, n_fun_consts, n_fwd_consts, n_bwd_consts):
    a, b, c = n_fun_consts, n_fun_consts + n_fwd_consts, n_fun_consts + n_fwd_consts + n_bwd_consts
    return ops[:a], ops[a:b], ops[b:c], ops[c:]


def _cvjp_impl(*ops, fun, fwd, bwd, n_fun_consts, n_fwd_consts, n_bwd_consts, n_outs, name):
    fc, _, _, args = _split_ops(ops, n_fun_consts, n_fwd_consts, n_bwd_consts)
    return tuple(_run(_ir(fun), *fc, *args))


def _cvjp_fwd_impl(*ops, fun, fwd, bwd, n_fun_consts, n_fwd_consts, n_bwd_consts, n_outs, name):
    _, wc, _, args = _split_ops(ops, n_fun_consts, n_fwd_consts, n_bwd_consts)
    return tuple(_run(_ir(fwd), *wc, *args))


custom_vjp_p = Primitive("custom_vjp_call", _cvjp_impl, multiple_results=True,
                         abstract=lambda *ops, fun, **params: _ir(fun).out_avals)
custom_vjp_fwd_p = Primitive("custom_vjp_fwd", _cvjp_fwd_impl, multiple_results=True,
                             abstract=lambda *ops, fwd, **params: _ir(fwd).out_avals)


def _jvp_inline(ir: IR, primals, tangents):
    """Forward mode through ``ir`` itself (the true derivative), evaluated in the current trace."""
    from funcgrad.transforms.forward import JVPTrace, JVPTracer

    trace = JVPTrace(current_trace())
    ins = [p if t is None else JVPTracer(trace, p, t) for p, t in zip(primals, tangents)]
    outs = _in_trace(trace, eval_ir, ir, *ins)
    own = [type(o) is JVPTracer and o._trace is trace for o in outs]
    return (tuple(o.primal if k else o for o, k in zip(outs, own)),
            tuple(o.tangent if k else None for o, k in zip(outs, own)))


def _cvjp_jvp(primals, tangents, *, fun, fwd, bwd, n_fun_consts, n_fwd_consts, n_bwd_consts, n_outs, name):
    """Forward mode differentiates ``fun`` (JAX raises here; the derivative is the true one)."""
    fc, _, _, args = _split_ops(primals, n_fun_consts, n_fwd_consts, n_bwd_consts)
    tfc, _, _, targs = _split_ops(tangents, n_fun_consts, n_fwd_consts, n_bwd_consts)
    return _jvp_inline(_ir(fun), list(fc) + list(args), list(tfc) + list(targs))


def _cvjp_fwd_jvp(primals, tangents, *, fun, fwd, bwd, n_fun_consts, n_fwd_consts, n_bwd_consts, n_outs, name):
    """Forward mode over the recorded forward pass (a Hessian's outer sweep) differentiates ``fwd``."""
    _, wc, _, args = _split_ops(primals, n_fun_consts, n_fwd_consts, n_bwd_consts)
    _, twc, _, targs = _split_ops(tangents, n_fun_consts, n_fwd_consts, n_bwd_consts)
    return _jvp_inline(_ir(fwd), list(wc) + list(args), list(twc) + list(targs))


def _cvjp_fwd_vjp(needed, g, ans, *ops, fun, fwd, bwd, n_fun_consts, n_fwd_consts, n_bwd_consts, n_outs, name):
    s = _subir()
    fwd, bwd = _ir(fwd), _ir(bwd)
    fc, wc, bc, args = _split_ops(ops, n_fun_consts, n_fwd_consts, n_bwd_consts)
    nc = len(ops) - len(args)
    for i in range(n_fun_consts + n_fwd_consts):
        if needed[i]:
            raise _closed_over_error(name, "custom_vjp", i, get_aval(ops[i]))
    arg_avals = fwd.in_avals[n_fwd_consts:]
    want = [w and _is_float(a) for w, a in zip(needed[nc:], arg_avals)]
    if not any(want):
        return [None] * len(ops)
    out_avals = fwd.out_avals
    cts: list = [None] * len(args)
    g_out, g_res = list(g[:n_outs]), list(g[n_outs:])
    if any(c is not None for c, a in zip(g_out, out_avals) if _is_float(a)):
        filled = [_zeros(a) if c is None else c for c, a in zip(g_out, out_avals)]
        cts = list(eval_ir(bwd, *bc, *ans[n_outs:], *filled))
    if any(c is not None for c, a in zip(g_res, out_avals[n_outs:]) if _is_float(a)):
        # a derivative of the gradient: cotangents of the residuals flow through fwd itself
        full = [None] * n_outs + g_res
        gs = [_zeros(a) if c is None else c for c, a in zip(full, out_avals) if _is_float(a)]
        extra = iter(eval_ir(s.vjp_ir(fwd, [False] * n_fwd_consts + want), *wc, *args, *gs))
        cts = [(next(extra) if c is None else c + next(extra)) if w else c for c, w in zip(cts, want)]
    return [None] * nc + [c if w else None for c, w in zip(cts, want)]


def _batched_bwd(bwd: IR, const_flags: list, arg_flags: list, size: int) -> IR:
    """``bwd`` over a batch: every residual and cotangent batched along axis 0; the cotangents of
    arguments that were not batched are summed over the batch."""

    def make() -> IR:
        from funcgrad.ops import reduce_sum

        s = _subir()
        flags = list(const_flags) + [True] * (len(bwd.in_vars) - len(const_flags))
        inner = s.batch_ir(bwd, flags, size)

        def fun(*xs):
            cts = eval_ir(inner, *xs)
            return [c if f else reduce_sum(c, axes=(0,), keepdims=False) for c, f in zip(cts, arg_flags)]

        return s.derive(fun, list(inner.in_avals))

    return cached(bwd, ("batch-bwd", tuple(const_flags), tuple(arg_flags), size), make)


def _cvjp_batch_rule(prim):
    def rule(size, vals, dims, *, fun, fwd, bwd, n_fun_consts, n_fwd_consts, n_bwd_consts, n_outs, name):
        s = _subir()
        vals = [s.batch_leading(v, d, size) if d is not None else v for v, d in zip(vals, dims)]
        fc, wc, bc, fa = _split_ops([d is not None for d in dims], n_fun_consts, n_fwd_consts, n_bwd_consts)
        fun_b = _derived_lazy(fun, lambda r: s.batch_ir(r, fc + fa, size)) if prim is custom_vjp_fwd_p \
            else s.batch_ir(_ir(fun), fc + fa, size)
        fwd_b = _derived_lazy(fwd, lambda r: s.batch_ir(r, wc + fa, size))
        bwd_b = _derived_lazy(bwd, lambda r: _batched_bwd(r, bc, fa, size))
        out = prim(*vals, fun=fun_b, fwd=fwd_b, bwd=bwd_b, n_fun_consts=n_fun_consts, n_fwd_consts=n_fwd_consts,
                   n_bwd_consts=n_bwd_consts, n_outs=n_outs, name=name)
        return out, 0

    return rule


custom_vjp_p.on_tape = lambda params: (custom_vjp_fwd_p, params, params["n_outs"])
custom_vjp_p.jvp_full = _cvjp_jvp
custom_vjp_p.def_batch(_cvjp_batch_rule(custom_vjp_p))
custom_vjp_fwd_p.jvp_full = _cvjp_fwd_jvp
custom_vjp_fwd_p.vjp_full = _cvjp_fwd_vjp
custom_vjp_fwd_p.def_batch(_cvjp_batch_rule(custom_vjp_fwd_p))


class custom_vjp:  # noqa: N801  (JAX's name)
    """A function with a custom reverse-mode rule, used by every transform (JAX semantics).

    ``f.defvjp(fwd, bwd)``: ``fwd(*args) -> (out, residuals)`` and
    ``bwd(residuals, g) -> tuple`` with one cotangent per argument (``None`` for a
    zero). With ``nondiff_argnums``, ``bwd`` takes those arguments first and returns
    cotangents for the others. Without differentiation ``f`` runs; derivatives of the
    gradient differentiate ``fwd`` and ``bwd``; forward mode differentiates ``f``.
    ``defvjp(fwd)`` alone is a decorator for ``bwd``:

        >>> import funcgrad as fg, numpy as np
        >>> @fg.custom_vjp
        ... def clip_gradient(x):
        ...     return x
        >>> def fwd(x):
        ...     return x, None
        >>> @clip_gradient.defvjp(fwd)
        ... def bwd(_, g):
        ...     return (np.clip(g, -1.0, 1.0),)
        >>> float(fg.grad(lambda x: 3.0 * clip_gradient(x))(2.0))
        1.0
    """

    def __init__(self, fun: Callable, nondiff_argnums: int | Sequence[int] = ()):
        if not callable(fun):
            raise TypeError(f"fg.custom_vjp: expected a function, got {type(fun).__name__}")
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.nondiff_argnums = _nondiff_tuple(nondiff_argnums, f"fg.custom_vjp({_name(fun)})")
        self.fwd: Callable | None = None
        self.bwd: Callable | None = None

    def defvjp(self, fwd: Callable, bwd: Callable | None = None) -> Any:
        """Set the rules ``fwd(*args) -> (out, residuals)`` and ``bwd(residuals, g) -> cotangents``.

        Without ``bwd``, returns a decorator that sets it (and returns it)."""
        name = self.__name__
        if not callable(fwd):
            raise TypeError(f"{name}.defvjp: fwd must be a function (fwd(*args) -> (out, residuals)), got "
                            f"{type(fwd).__name__}")
        if bwd is None:
            def set_bwd(bwd: Callable) -> Callable:
                self.defvjp(fwd, bwd)
                return bwd

            return set_bwd
        if not callable(bwd):
            raise TypeError(f"{name}.defvjp: bwd must be a function (bwd(residuals, g) -> tuple of cotangents), "
                            f"got {type(bwd).__name__}")
        self.fwd, self.bwd = fwd, bwd
        return None

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    def __repr__(self) -> str:
        return f"<custom_vjp function {self.__name__}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        name = self.__name__
        if self.fwd is None:
            raise TypeError(f"custom_vjp function {name} has no VJP rule: define one with {name}.defvjp(fwd, bwd) "
                            f"(fwd(*args) -> (out, residuals), bwd(residuals, g) -> tuple of cotangents) before "
                            f"calling it")
        args = _resolve(self, args, kwargs, name)
        if _eager():
            return self.fun(*args)
        a = _Args(args, self.nondiff_argnums, f"custom_vjp function {name}")
        context = f"fg.custom_vjp({name})"
        staged = _stage_fun(self, a, context)
        fun_ir, fun_consts, out_tree, _ = staged
        box: dict = {}
        n_outs = len(fun_ir.outs)
        if n_outs == 0:
            return tree.unflatten(out_tree, [])
        out_avals = fun_ir.out_avals

        def fwd_flat(*xs):
            result = _staging_rules(self, staged, self.fwd, *a.rebuild(xs))
            if not (isinstance(result, tuple) and len(result) == 2):
                raise TypeError(f"custom_vjp function {name}: fwd must return a pair (out, residuals), got "
                                f"{_describe(result)}; return (out, residuals), with residuals=None if bwd needs "
                                f"none")
            out_leaves, o_tree = tree.flatten(result[0])
            if o_tree != out_tree:
                raise ValueError(f"custom_vjp function {name}: fwd's output has structure {o_tree}, but {name} "
                                 f"returns {out_tree}; fwd must return ({name}(*args), residuals)")
            for k, (o, av) in enumerate(zip(out_leaves, out_avals)):
                if shape_of(o) != tuple(av.shape):
                    raise ValueError(f"custom_vjp function {name}: output {k} of fwd has shape {shape_of(o)}, but "
                                     f"{name} returns shape {tuple(av.shape)}; fwd must return "
                                     f"({name}(*args), residuals)")
            res_leaves, box["res_tree"] = tree.flatten(result[1])
            return out_leaves + res_leaves

        def bwd_flat(*xs):
            n_res = len(xs) - n_outs
            res, g = tree.unflatten(box["res_tree"], list(xs[:n_res])), tree.unflatten(out_tree, list(xs[n_res:]))
            cts = _staging_rules(self, staged, self.bwd, *a.nondiff_args(), res, g)
            leaves = _check_cotangents(cts, name, a, self.fun)
            return [_zeros(_strong(av)) if c is None else c for c, av in zip(leaves, a.avals)]

        if id(self) in _rules_being_staged():  # called inside its own rule: stage the rules when they are used
            fwd_rule = _lazy(name, fwd_flat, lambda: a.avals, context)
            bwd_rule = _lazy(name, bwd_flat, lambda: [_strong(v) for v in fwd_rule.get().out_avals[n_outs:]]
                             + [_strong(v) for v in out_avals], context)
            fwd_consts = bwd_consts = []
        else:
            fwd_rule, fwd_consts = _stage(fwd_flat, a.avals, a.values, context)
            res_avals = [_strong(v) for v in fwd_rule.out_avals[n_outs:]]

            def residual_values():
                known = a.values() + [concrete_or_none(c) for c in fwd_consts]
                if any(v is None for v in known):
                    return None
                return _run(fwd_rule, *known[len(a.leaves):], *known[:len(a.leaves)])[n_outs:] + [None] * n_outs

            bwd_rule, bwd_consts = _stage(bwd_flat, res_avals + [_strong(v) for v in out_avals], residual_values,
                                          context)
        outs = custom_vjp_p(*fun_consts, *fwd_consts, *bwd_consts, *a.leaves, fun=fun_ir, fwd=fwd_rule,
                            bwd=bwd_rule, n_fun_consts=len(fun_consts), n_fwd_consts=len(fwd_consts),
                            n_bwd_consts=len(bwd_consts), n_outs=n_outs, name=name)
        return tree.unflatten(out_tree, outs[:n_outs])


def _describe(x: Any) -> str:
    if isinstance(x, Tracer | np.ndarray):
        return f"an array of shape {tuple(x.shape)}"
    if isinstance(x, tuple | list):
        return f"a {type(x).__name__} of length {len(x)}"
    shape = getattr(x, "shape", None)
    return f"a {type(x).__name__}" + (f" of shape {tuple(shape)}" if shape is not None else "")


def _check_cotangents(cts: Any, name: str, a: _Args, fun: Callable) -> list:
    """``bwd``'s result as one cotangent (or ``None``) per differentiable leaf, with clear errors."""
    n = len(a.diff_pos)
    if not isinstance(cts, tuple):
        names = _arg_names(fun, a)
        fix = "(g,)" if n == 1 else "(" + ", ".join(f"g_{p}" for p in names) + ")"
        raise TypeError(f"custom_vjp function {name}: bwd must return a tuple with one cotangent per argument "
                        f"({n} here), got {_describe(cts)}; return {fix}")
    if len(cts) != n:
        nd = f" besides nondiff_argnums {a.nondiff}" if a.nondiff else ""
        raise ValueError(f"custom_vjp function {name}: bwd returned {len(cts)} cotangent(s), but {name} has {n} "
                         f"argument(s){nd} ({', '.join(_arg_names(fun, a))}); return a tuple with one cotangent "
                         f"per argument, None for a zero one")
    leaves: list = []
    k = 0
    for j, (i, ct) in enumerate(zip(a.diff_pos, cts)):
        arg_tree = tree.structure(a.args[i])
        m = len(tree.leaves(a.args[i]))
        avals, k = a.avals[k:k + m], k + m
        if ct is None:
            leaves += [None] * m
            continue
        ct_leaves, ct_tree = tree.flatten(ct)
        if ct_tree != arg_tree:  # None in place of a zero leaf
            ct_leaves, ct_tree = tree.flatten(ct, is_leaf=lambda x: x is None)
            if ct_tree != arg_tree:
                raise ValueError(f"custom_vjp function {name}: the cotangent bwd returned for argument {i} "
                                 f"({_arg_names(fun, a)[j]}) has structure {tree.structure(ct)}, but the argument "
                                 f"has structure {arg_tree}; return a cotangent with the argument's structure")
        for c, aval in zip(ct_leaves, avals):
            if c is None or not _is_float(aval):
                leaves.append(None)
                continue
            if shape_of(c) != tuple(aval.shape):
                raise ValueError(f"custom_vjp function {name}: the cotangent bwd returned for argument {i} "
                                 f"({_arg_names(fun, a)[j]}) has shape {shape_of(c)}, but the argument has shape "
                                 f"{tuple(aval.shape)}; return a cotangent of the argument's shape (sum it over "
                                 f"broadcast axes)")
            leaves.append(_check_float_dtype(c, aval))
    return leaves


def _arg_names(fun: Callable, a: _Args) -> list[str]:
    """Names of the differentiable parameters, for messages."""
    try:
        params = [p.name for p in inspect.signature(fun).parameters.values()]
    except (TypeError, ValueError):
        params = []
    return [params[i] if i < len(params) else f"#{i}" for i in a.diff_pos]


# ----------------------------------------------------------------------------- checkpoint

def _ckpt_impl(*args, fun):
    return tuple(_run(fun, *args))


checkpoint_p = Primitive("checkpoint", _ckpt_impl, multiple_results=True,
                         abstract=lambda *args, fun: fun.out_avals)


def _ckpt_jvp(primals, tangents, *, fun):
    s = _subir()
    which = [t is not None and _is_float(a) for t, a in zip(tangents, fun.in_avals)]
    n = len(fun.outs)
    if not any(which):
        return checkpoint_p(*primals, fun=fun), (None,) * n
    res = checkpoint_p(*primals, *[t for t, w in zip(tangents, which) if w], fun=s.jvp_ir(fun, which))
    tans = iter(res[n:])
    return res[:n], tuple(next(tans) if _is_float(a) else None for a in fun.out_avals)


def _ckpt_vjp(needed, g, ans, *args, fun):
    s = _subir()
    want = [w and _is_float(a) for w, a in zip(needed, fun.in_avals)]
    floats = [(c, a) for c, a in zip(g, fun.out_avals) if _is_float(a)]
    if not any(want) or all(c is None for c, _ in floats):
        return [None] * len(args)
    gs = [_zeros(a) if c is None else c for c, a in floats]
    # the vjp IR runs fun again on a tape: the intermediates are recomputed here, not stored
    cts = iter(checkpoint_p(*args, *gs, fun=s.vjp_ir(fun, want)))
    return [next(cts) if w else None for w in want]


def _ckpt_batch(size, vals, dims, *, fun):
    s = _subir()
    vals = [s.batch_leading(v, d, size) if d is not None else v for v, d in zip(vals, dims)]
    return checkpoint_p(*vals, fun=s.batch_ir(fun, [d is not None for d in dims], size)), 0


checkpoint_p.jvp_full = _ckpt_jvp
checkpoint_p.vjp_full = _ckpt_vjp
checkpoint_p.def_batch(_ckpt_batch)


def checkpoint(fun: Callable | None = None, *, static_argnums: int | Sequence[int] = ()) -> Callable:
    """``fun``, with its intermediates recomputed in the backward pass instead of stored.

    Gradients are unchanged; reverse mode stores only ``fun``'s inputs and outputs and
    runs ``fun`` again when the backward pass reaches it. ``static_argnums`` name
    arguments that are Python values rather than arrays. Also a decorator
    (``@fg.checkpoint``) and available as ``fg.remat``:

        >>> import funcgrad as fg, numpy as np
        >>> f = fg.checkpoint(lambda x: np.sin(np.sin(x)))
        >>> float(fg.grad(f)(0.0))
        1.0
    """
    if fun is None:
        return functools.partial(checkpoint, static_argnums=static_argnums)
    if not callable(fun):
        raise TypeError(f"fg.checkpoint: expected a function, got {type(fun).__name__}")
    statics = _nondiff_tuple(static_argnums, f"fg.checkpoint({_name(fun)})", "static_argnums")
    fname = _name(fun)

    @functools.wraps(fun)
    def checkpointed(*args, **kwargs):
        if _eager():
            return fun(*args, **kwargs)
        a = _Args(args, statics, f"fg.checkpoint({fname})", "static_argnums")
        box: dict = {}

        def fun_flat(*xs):
            leaves, box["out_tree"] = tree.flatten(fun(*a.rebuild(xs), **kwargs))
            return leaves

        ir, consts = _stage(fun_flat, a.avals, a.values, f"fg.checkpoint({fname})")
        if not ir.outs:
            return tree.unflatten(box["out_tree"], [])
        return tree.unflatten(box["out_tree"], checkpoint_p(*consts, *a.leaves, fun=ir))

    return checkpointed


remat = checkpoint


def _name(f: Any) -> str:
    return getattr(f, "__name__", type(f).__name__)
