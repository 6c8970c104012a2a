"""Traces and tracers: how a primitive call reaches the transform that owns it.

The current trace lives in a context variable. :func:`bind` hands every primitive
call to it. A trace owns its tracers; any other value it meets is a constant of
that trace, which it passes on to its parent. So nested transforms never confuse
each other's values, and there is no level arithmetic.

The bottom of every stack is :data:`EVAL`, which runs the primitive's NumPy
implementation through :func:`dispatch`, the one place where primitives execute.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

import numpy as np

from funcgrad.core.ir import ShapedArray, aval_of


class ConcretizationError(TypeError):
    """A traced value was used where Python needs a concrete one.

        >>> def f(x):
        ...     return x if x > 0 else -x  # Python's `if` needs a concrete value
        >>> try:
        ...     fg.jit(f)(1.0)
        ... except fg.ConcretizationError:
        ...     print("use fg.cond or np.where under jit")
        use fg.cond or np.where under jit
    """


class UnexpectedTracerError(RuntimeError):
    """A traced value was used after the transform that made it had finished.

        >>> leaked = []
        >>> _ = fg.grad(lambda x: leaked.append(x) or x * 1.0)(1.0)
        >>> try:
        ...     leaked[0] + 1.0
        ... except fg.UnexpectedTracerError:
        ...     print("a traced value escaped its transform")
        a traced value escaped its transform
    """


# ----------------------------------------------------------------------------- dispatch

_dispatch_hook: Callable | None = None


def dispatch(prim, args, params):
    """Run ``prim`` on concrete values: the one place primitives execute."""
    if _dispatch_hook is None:
        return prim.impl(*args, **params)
    return _dispatch_hook(prim, args, params)


def set_dispatch_hook(hook: Callable | None) -> Callable | None:
    """Install ``hook(prim, args, params)`` around every execution; returns the old one."""
    global _dispatch_hook
    old, _dispatch_hook = _dispatch_hook, hook
    return old


# ----------------------------------------------------------------------------- traces

class Trace:
    """Base class of transforms' traces. ``process`` interprets one primitive call."""

    __slots__ = ("parent", "alive", "__weakref__")

    def __init__(self, parent: Trace):
        self.parent = parent
        self.alive = True

    def process(self, prim, args, params):
        raise NotImplementedError(f"{type(self).__name__} does not interpret primitives")


class EvalTrace(Trace):
    """The bottom trace: evaluates primitives on concrete NumPy values."""

    def __init__(self):
        super().__init__(None)

    def process(self, prim, args, params):
        for a in args:
            if isinstance(a, Tracer):
                raise a._escaped_error(prim)
            if type(a) in _WRAPPERS:
                args = [_WRAPPERS[type(b)](b) if type(b) in _WRAPPERS else b for b in args]
                break
        return dispatch(prim, args, params)


EVAL = EvalTrace()

# value types that wrap an array (autograd tensors): constants of a transform are unwrapped to evaluate
_WRAPPERS: dict[type, Callable] = {}


def register_wrapper(cls: type, unwrap: Callable) -> None:
    """Let :data:`EVAL` evaluate primitives on ``cls`` instances through ``unwrap(instance)``."""
    _WRAPPERS[cls] = unwrap


def base_trace(trace: Trace) -> Trace:
    """The bottom of ``trace``'s stack: :data:`EVAL`, or a trace that owns concrete values."""
    while trace.parent is not None and not getattr(trace, "is_base", False):
        trace = trace.parent
    return trace
_current: contextvars.ContextVar[Trace] = contextvars.ContextVar("funcgrad_trace", default=EVAL)
current_trace = _current.get


def bind(prim, *args, **params):
    """Apply ``prim`` to ``args`` in the current trace."""
    return _current.get().process(prim, args, params)


@contextmanager
def use_trace(trace: Trace):
    """Make ``trace`` the current trace inside the block."""
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


def set_trace(trace: Trace):
    """Low-level form of :func:`use_trace`: returns a token for :func:`reset_trace`."""
    return _current.set(trace)


reset_trace = _current.reset


def check_alive(x: Tracer, prim) -> None:
    """Raise if ``x`` belongs to a trace that has ended."""
    if not x._trace.alive:
        raise x._escaped_error(prim)


# ----------------------------------------------------------------------------- tracers

class Tracer:
    """A value being traced. Behaves like a NumPy array: operators, methods and
    NEP 13/18 dispatch all record primitives in the current trace."""

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    # subclasses provide ``aval`` and ``_concrete()``
    aval: ShapedArray

    def _concrete(self) -> Any:
        raise ConcretizationError(self._concretization_message())

    def _concretization_message(self) -> str:
        return (f"a traced value {self.aval} has no concrete value here, so Python cannot "
                f"branch on it or convert it. Use fg.cond / fg.while_loop for control flow, "
                f"fnp.where for selection, or static_argnums for arguments that are not arrays.")

    def _escaped_error(self, prim) -> UnexpectedTracerError:
        what = f" as input to {prim.name}" if prim is not None else ""
        return UnexpectedTracerError(
            f"a traced value {self.aval} was used{what} after the transform that created it "
            f"had returned (it escaped through a global, a closure or a side effect). "
            f"Return values from the transformed function instead of storing them.")

    # --- abstract properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.aval.shape

    @property
    def dtype(self) -> np.dtype:
        return self.aval.dtype

    @property
    def ndim(self) -> int:
        return len(self.aval.shape)

    @property
    def size(self) -> int:
        return self.aval.size

    def __len__(self) -> int:
        if not self.aval.shape:
            raise TypeError("len() of a 0-d traced array")
        return self.aval.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}<{self.aval}>"

    __hash__ = object.__hash__

    # --- concrete conversions (Python control flow on values)
    def __bool__(self) -> bool:
        return bool(self._concrete())

    def __float__(self) -> float:
        return float(self._concrete())

    def __int__(self) -> int:
        return int(self._concrete())

    def __index__(self) -> int:
        return int(np.asarray(self._concrete()).__index__())

    def __complex__(self) -> complex:
        return complex(self._concrete())

    def item(self) -> Any:
        """The value as a Python scalar (only where it is concrete)."""
        return np.asarray(self._concrete()).item()

    def tolist(self) -> Any:
        return np.asarray(self._concrete()).tolist()

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"a traced value {self.aval} cannot be converted to a NumPy array: that would "
            f"drop its derivative. Use funcgrad.numpy (fnp.array, fnp.stack) to build arrays "
            f"from traced values, and fg.stop_gradient(x) where no derivative is wanted.")

    # --- NEP 13 / 18
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _fnp().dispatch_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _fnp().dispatch_function(func, args, kwargs)

    # --- operators
    def __neg__(self): return _ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ops.abs(self)
    def __invert__(self): return _fnp().invert(self)
    def __add__(self, o): return _ops.add(self, o)
    def __radd__(self, o): return _ops.add(o, self)
    def __sub__(self, o): return _ops.sub(self, o)
    def __rsub__(self, o): return _ops.sub(o, self)
    def __mul__(self, o): return _ops.mul(self, o)
    def __rmul__(self, o): return _ops.mul(o, self)
    def __truediv__(self, o): return _ops.div(self, o)
    def __rtruediv__(self, o): return _ops.div(o, self)
    def __floordiv__(self, o): return _ops.floor_divide(self, o)
    def __rfloordiv__(self, o): return _ops.floor_divide(o, self)
    def __mod__(self, o): return _ops.mod(self, o)
    def __rmod__(self, o): return _ops.mod(o, self)
    def __pow__(self, o): return _fnp().power(self, o)
    def __rpow__(self, o): return _fnp().power(o, self)
    def __matmul__(self, o): return _fnp().matmul(self, o)
    def __rmatmul__(self, o): return _fnp().matmul(o, self)
    def __lt__(self, o): return _ops.less(self, o)
    def __le__(self, o): return _ops.less_equal(self, o)
    def __gt__(self, o): return _ops.greater(self, o)
    def __ge__(self, o): return _ops.greater_equal(self, o)
    def __eq__(self, o): return _ops.equal(self, o)
    def __ne__(self, o): return _ops.not_equal(self, o)
    def __and__(self, o): return _fnp().logical_and(self, o) if self.dtype == bool else _fnp().bitwise_and(self, o)
    def __rand__(self, o): return self.__and__(o)
    def __or__(self, o): return _fnp().logical_or(self, o) if self.dtype == bool else _fnp().bitwise_or(self, o)
    def __ror__(self, o): return self.__or__(o)
    def __xor__(self, o): return _fnp().logical_xor(self, o) if self.dtype == bool else _fnp().bitwise_xor(self, o)
    def __rxor__(self, o): return self.__xor__(o)

    # --- indexing
    def __getitem__(self, idx): return _fnp().getitem(self, idx)

    def __setitem__(self, idx, value):
        raise TypeError("traced arrays are immutable: use x = x.at[idx].set(value) "
                        "(or .add, .multiply) for a functional update")

    @property
    def at(self):
        """Functional updates: ``x.at[idx].set(v)``, ``.add(v)``, ``.multiply(v)``, ``.get()``."""
        return _fnp().at(self)

    # --- methods (same names as ndarray)
    @property
    def T(self): return _fnp().transpose(self)
    @property
    def mT(self): return _fnp().swapaxes(self, -1, -2)
    @property
    def real(self): return _fnp().real(self)
    @property
    def imag(self): return _fnp().imag(self)
    def conj(self): return _fnp().conj(self)
    conjugate = conj
    def sum(self, axis=None, dtype=None, out=None, keepdims=False):
        return _fnp().sum(self, axis, dtype, out, keepdims)
    def mean(self, axis=None, dtype=None, out=None, keepdims=False):
        return _fnp().mean(self, axis, dtype, out, keepdims)
    def prod(self, axis=None, dtype=None, out=None, keepdims=False):
        return _fnp().prod(self, axis, dtype, out, keepdims)
    def max(self, axis=None, out=None, keepdims=False): return _fnp().max(self, axis, out, keepdims)
    def min(self, axis=None, out=None, keepdims=False): return _fnp().min(self, axis, out, keepdims)
    def var(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return _fnp().var(self, axis, dtype, out, ddof, keepdims)
    def std(self, axis=None, dtype=None, out=None, ddof=0, keepdims=False):
        return _fnp().std(self, axis, dtype, out, ddof, keepdims)
    def cumsum(self, axis=None, dtype=None, out=None): return _fnp().cumsum(self, axis, dtype, out)
    def cumprod(self, axis=None, dtype=None, out=None): return _fnp().cumprod(self, axis, dtype, out)
    def argmax(self, axis=None, out=None, keepdims=False): return _fnp().argmax(self, axis, out, keepdims=keepdims)
    def argmin(self, axis=None, out=None, keepdims=False): return _fnp().argmin(self, axis, out, keepdims=keepdims)
    def any(self, axis=None, out=None, keepdims=False): return _fnp().any(self, axis, out, keepdims)
    def all(self, axis=None, out=None, keepdims=False): return _fnp().all(self, axis, out, keepdims)
    def reshape(self, *shape, order="C"):
        return _fnp().reshape(self, shape[0] if len(shape) == 1 else shape, order=order)
    def transpose(self, *axes): return _fnp().transpose(self, axes[0] if len(axes) == 1 else (axes or None))
    def swapaxes(self, a, b): return _fnp().swapaxes(self, a, b)
    def squeeze(self, axis=None): return _fnp().squeeze(self, axis)
    def ravel(self, order="C"): return _fnp().ravel(self, order)
    def flatten(self, order="C"): return _fnp().ravel(self, order)
    def astype(self, dtype, order="K", casting="unsafe", subok=True, copy=True): return _fnp().astype(self, dtype)
    def dot(self, b): return _fnp().dot(self, b)
    def clip(self, min=None, max=None): return _fnp().clip(self, min, max)
    def round(self, decimals=0): return _fnp().round(self, decimals)
    def copy(self): return self
    def trace(self, offset=0, axis1=0, axis2=1): return _fnp().trace(self, offset, axis1, axis2)
    def diagonal(self, offset=0, axis1=0, axis2=1): return _fnp().diagonal(self, offset, axis1, axis2)
    def repeat(self, repeats, axis=None): return _fnp().repeat(self, repeats, axis)


def concrete_or_none(x: Any) -> Any:
    """The concrete value of ``x``, or ``None`` if it has none here."""
    if isinstance(x, Tracer):
        try:
            return x._concrete()
        except ConcretizationError:
            return None
    return x


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of a tracer, array or Python scalar."""
    if isinstance(x, Tracer):
        return x.aval
    return aval_of(x)


@functools.cache
def _fnp():
    """:mod:`funcgrad.numpy`, imported on first use (``import funcgrad`` does not need it)."""
    from funcgrad import numpy

    return numpy


from funcgrad import ops as _ops  # noqa: E402
