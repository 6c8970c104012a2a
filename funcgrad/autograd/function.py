"""``Function``: PyTorch's custom autograd operations, on funcgrad's reverse pass.

A subclass gives ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)``;
``Function.apply`` runs ``forward`` without recording and makes its results
require grad, with a ``grad_fn`` named ``<ClassName>Backward``. That node is an
equation of the graph like any other: its primitive's ``vjp_full`` rule calls the
user's ``backward``, inside the same reverse pass as every built-in rule (with
``create_graph=True`` the ``backward`` is itself recorded, so it can be
differentiated again, unless it is :func:`once_differentiable`). Under funcgrad's
functional transforms (``ag.functional``, ``fg.grad``), ``apply`` becomes a
:class:`funcgrad.custom_vjp` call with ``forward`` as ``fwd`` and ``backward`` as ``bwd``.

    >>> from funcgrad import autograd as ag
    >>> class Exp(ag.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         y = x.exp()
    ...         ctx.save_for_backward(y)
    ...         return y
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (y,) = ctx.saved_tensors
    ...         return g * y
    >>> x = ag.tensor([0.0, 1.0], requires_grad=True)
    >>> y = Exp.apply(x)
    >>> y.grad_fn.name()
    'ExpBackward'
    >>> y.sum().backward()
    >>> x.grad
    tensor([1.    , 2.7183])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.autograd.grad_mode import is_grad_enabled, no_grad, set_grad_enabled
from funcgrad.autograd.graph import Node, OutputKey, _as_tensors
from funcgrad.autograd.tensor import TENSOR_TRACE, Tensor
from funcgrad.core.primitive import Primitive
from funcgrad.core.trace import EVAL, Tracer, current_trace

__all__ = ["Function", "FunctionCtx", "once_differentiable"]

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after they have "
          "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
          "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
          "you need to access saved tensors after calling backward.")


class FunctionCtx:
    """The ``ctx`` of a custom :class:`Function`: what ``forward`` leaves for ``backward``.

    ``save_for_backward(*tensors)`` / ``saved_tensors``, ``needs_input_grad`` (one bool
    per argument of ``apply``), ``mark_non_differentiable(*outputs)``,
    ``set_materialize_grads(flag)``; any other attribute may be set freely.

        >>> ctx = FunctionCtx()
        >>> ctx.save_for_backward(Tensor([1.0]))
        >>> ctx.saved_tensors
        (tensor([1.]),)
    """

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self._saved: tuple = ()
        self._versions: tuple = ()
        self._freed = False
        self._non_differentiable: list = []
        self.materialize_grads = True
        self._outputs: dict[int, Tensor] = {}  # id of a forward result -> the tensor apply returned for it

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (inputs, outputs or intermediates) for ``backward``.

            >>> ctx = FunctionCtx()
            >>> ctx.save_for_backward(ag.tensor([1.0]), None)
            >>> ctx.saved_tensors
            (tensor([1.]), None)
        """
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor | Tracer):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} is of type "
                                f"{type(t).__name__}")
        self._saved = tensors
        self._versions = tuple(t._version if isinstance(t, Tensor) else None for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward`` (outputs as ``apply`` returned them).

            >>> ctx = FunctionCtx()
            >>> ctx.save_for_backward(ag.tensor(2.0))
            >>> ctx.saved_tensors
            (tensor(2.),)
        """
        if self._freed:
            raise RuntimeError(_FREED)
        out = []
        for i, (t, v) in enumerate(zip(self._saved, self._versions)):
            if isinstance(t, Tensor) and v is not None and t._version != v:
                raise RuntimeError(f"one of the variables needed for gradient computation has been modified by an "
                                   f"inplace operation: [{t.dtype} tensor of shape {list(t.shape)}], which is saved "
                                   f"tensor {i} of a custom Function, is at version {t._version}; expected version "
                                   f"{v} instead.")
            out.append(self._outputs.get(id(t), t))
        return tuple(out)

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Outputs of ``forward`` that do not require grad (their gradients in ``backward`` are zeros).

            >>> class AbsAndSign(ag.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         s = x.sign()
            ...         ctx.mark_non_differentiable(s)
            ...         ctx.save_for_backward(s)
            ...         return x.abs(), s
            ...     @staticmethod
            ...     def backward(ctx, g, g_sign):
            ...         (s,) = ctx.saved_tensors
            ...         return g * s
            >>> a, s = AbsAndSign.apply(ag.tensor([-2.0, 3.0], requires_grad=True))
            >>> a.requires_grad, s.requires_grad
            (True, False)
        """
        self._non_differentiable.extend(outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """With ``False``, ``backward`` gets ``None`` (not zeros) for outputs that received no gradient.

            >>> class Pair(ag.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.set_materialize_grads(False)
            ...         return x * 2, x * 3
            ...     @staticmethod
            ...     def backward(ctx, g1, g2):
            ...         return (0 if g1 is None else 2 * g1) + (0 if g2 is None else 3 * g2)
            >>> x = ag.tensor(1.0, requires_grad=True)
            >>> Pair.apply(x)[0].backward(); x.grad
            tensor(2.)
        """
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """PyTorch's marker for inputs changed in place by ``forward``; funcgrad's Functions do not support it.

            >>> FunctionCtx().mark_dirty(ag.tensor(1.0))  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            NotImplementedError: funcgrad's custom Functions do not support in-place forward (mark_dirty): ...
        """
        raise NotImplementedError("funcgrad's custom Functions do not support in-place forward (mark_dirty): return "
                                  "a new tensor instead")


# ----------------------------------------------------------------------------- the graph node

class FunctionNode(Node):
    """The ``grad_fn`` of a custom Function's outputs (``<ClassName>Backward``)."""

    __slots__ = ()

    def name(self) -> str:
        return f"{self.params['fn'].__name__}Backward"

    @property
    def out_key(self):
        keys = self.params["keys"]
        return self if keys is None else keys

    @property
    def retained(self):
        keys = self.params["keys"]
        if keys is None:
            return self.__dict__.get("retained")
        return next((k.retained for k in keys if k.retained is not None), None)

    @retained.setter
    def retained(self, value) -> None:
        self.__dict__["retained"] = value

    @property
    def freed(self) -> bool:
        return self.__dict__.get("freed", False)

    @freed.setter
    def freed(self, value: bool) -> None:
        self.__dict__["freed"] = value
        if value:
            ctx = self.params["ctx"]
            ctx._freed, ctx._saved, ctx._outputs = True, (), {}


def _function_impl(*args, **params):
    raise RuntimeError("a custom autograd.Function node is not evaluated again: its forward ran when it was applied")


function_p = Primitive("autograd_function", _function_impl, multiple_results=True)


def _sum_to(g: Tensor, shape: tuple) -> Tensor:
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    return (g.sum(axes) if axes else g).reshape(shape)


def _function_vjp(needed, g, ans, *ins, fn, ctx, keys, meta):
    """Call the user's ``backward`` with one gradient per output; check and return one per input."""
    create_graph = _as_tensors.get()
    name = f"{fn.__name__}Backward"
    gs = g if keys is not None else (g,)
    grads = []
    for gi, (shape, dtype) in zip(gs, meta["outs"]):
        if gi is None:
            grads.append(Tensor._make(np.zeros(shape, dtype), False, None) if ctx.materialize_grads else None)
        else:
            grads.append(gi if isinstance(gi, Tensor) else Tensor._make(np.asarray(gi), False, None))
    with set_grad_enabled(create_graph):
        result = fn.backward(ctx, *grads)
    result = result if isinstance(result, tuple) else (result,)
    n = len(meta["ins"])
    if len(result) < n or any(r is not None for r in result[n:]):
        raise RuntimeError(f"function {name} returned an incorrect number of gradients (expected {n}, got "
                           f"{len(result)}): backward must return one gradient per argument of forward (None for "
                           f"arguments that are not tensors or need no gradient)")
    cts = []
    for i, (r, need, info) in enumerate(zip(result, needed, meta["ins"])):
        if r is not None and info is None:
            raise RuntimeError(f"function {name} returned a gradient different than None at position {i + 1}, but "
                               f"the corresponding forward input was not a Variable")
        if r is None or not need:
            cts.append(None)
            continue
        if not isinstance(r, Tensor):
            r = Tensor._make(np.asarray(r), False, None)
        shape, dtype = info
        if tuple(r.shape) != shape:
            if np.broadcast_shapes(shape, r.shape) != tuple(r.shape):
                raise RuntimeError(f"Function {name} returned an invalid gradient at index {i} - got "
                                   f"{list(r.shape)} but expected shape compatible with {list(shape)}")
            with set_grad_enabled(create_graph):
                r = _sum_to(r, shape)
        if r.dtype != dtype:
            with set_grad_enabled(create_graph):
                r = r.to(dtype)
        cts.append(r if create_graph else r._value)
    return cts


function_p.vjp_full = _function_vjp


# ----------------------------------------------------------------------------- once_differentiable

def _delayed_error_vjp(needed, g, ans, *ins, **params):
    raise RuntimeError("trying to differentiate twice a function that was marked with @once_differentiable")


delayed_error_p = Primitive("delayed_error", _function_impl)
delayed_error_p.vjp_full = _delayed_error_vjp


def once_differentiable(fn: Callable) -> Callable:
    """Decorate a ``backward`` that cannot be differentiated: it runs without recording, and with
    ``create_graph=True`` its results raise if a second backward reaches them (as in PyTorch).

        >>> from funcgrad import autograd as ag
        >>> class Square(ag.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x
        ...     @staticmethod
        ...     @once_differentiable
        ...     def backward(ctx, g):
        ...         (x,) = ctx.saved_tensors
        ...         return 2 * x * g
        >>> x = ag.tensor(3.0, requires_grad=True)
        >>> ag.grad(Square.apply(x), x)
        (tensor(6.),)
    """

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with no_grad():
            outputs = fn(ctx, *args)
        if not is_grad_enabled():
            return outputs
        inputs = [a for a in args if isinstance(a, Tensor) and a.requires_grad]
        if not inputs:
            return outputs
        keys = [a.grad_fn or a._key() for a in inputs]

        def delayed(o):
            if not isinstance(o, Tensor) or not np.issubdtype(o.dtype, np.inexact):
                return o
            node = Node(delayed_error_p, {}, keys, inputs, [a._value for a in inputs], None, o._value)
            node.torch_name = "DelayedError"
            return Tensor._make(o._value, True, node)

        return tuple(map(delayed, outputs)) if isinstance(outputs, tuple) else delayed(outputs)

    wrapper._once_differentiable = True
    return wrapper


# ----------------------------------------------------------------------------- Function

class _FunctionMeta(type):
    def __repr__(cls) -> str:
        return f"<class '{cls.__module__}.{cls.__qualname__}'>"


class Function(metaclass=_FunctionMeta):
    """Base class of custom autograd operations (PyTorch's ``torch.autograd.Function``).

    Subclass with ``@staticmethod forward(ctx, *args)`` and ``@staticmethod
    backward(ctx, *grad_outputs)`` (one gradient per argument of ``forward``, ``None``
    for non-tensors), and call ``MyFunction.apply(*args)``. A ``forward(*args)``
    without ``ctx`` plus ``setup_context(ctx, inputs, output)`` works too.

        >>> from funcgrad import autograd as ag
        >>> class StraightThroughClamp(ag.Function):
        ...     @staticmethod
        ...     def forward(ctx, x, lo, hi):
        ...         return x.clamp(lo, hi)
        ...     @staticmethod
        ...     def backward(ctx, g):
        ...         return g, None, None
        >>> x = ag.tensor([-2.0, 0.5, 3.0], requires_grad=True)
        >>> StraightThroughClamp.apply(x, 0.0, 1.0).sum().backward()
        >>> x.grad
        tensor([1., 1., 1.])
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError(f"custom autograd.Function {type(self).__name__} is used through its class: call "
                           f"{type(self).__name__}.apply(*args), not an instance")

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        """The operation, on the arguments of ``apply`` (with ``ctx`` first unless ``setup_context`` is given);
        a subclass defines it.

            >>> class Square(ag.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.save_for_backward(x)
            ...         return x * x
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         (x,) = ctx.saved_tensors
            ...         return 2 * x * g
            >>> Square.apply(ag.tensor(3.0))
            tensor(9.)
        """
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """The vjp: one gradient per argument of ``forward`` (``None`` for non-tensors) from the outputs'
        gradients; a subclass defines it.

            >>> class Cube(ag.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         ctx.save_for_backward(x)
            ...         return x ** 3
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         (x,) = ctx.saved_tensors
            ...         return 3 * x ** 2 * g
            >>> x = ag.tensor(2.0, requires_grad=True)
            >>> Cube.apply(x).backward(); x.grad
            tensor(12.)
        """
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple, output: Any) -> Any:
        """With it, ``forward(*args)`` takes no ``ctx``, and ``setup_context(ctx, inputs, output)`` saves what
        ``backward`` needs (PyTorch 2's style).

            >>> class Sin(ag.Function):
            ...     @staticmethod
            ...     def forward(x):
            ...         return x.sin()
            ...     @staticmethod
            ...     def setup_context(ctx, inputs, output):
            ...         ctx.save_for_backward(inputs[0])
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         (x,) = ctx.saved_tensors
            ...         return g * x.cos()
            >>> x = ag.tensor(0.0, requires_grad=True)
            >>> Sin.apply(x).backward(); x.grad
            tensor(1.)
        """
        return _NO_SETUP

    @classmethod
    def _forward(cls, ctx: FunctionCtx, args: tuple, kwargs: dict) -> Any:
        if cls.setup_context is Function.setup_context:
            return cls.forward(ctx, *args, **kwargs)
        out = cls.forward(*args, **kwargs)
        cls.setup_context(ctx, args, out)
        return out

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` on ``args``; the tensor results record ``backward`` for the reverse pass.

            >>> class Double(ag.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         return 2 * x
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         return 2 * g
            >>> y = Double.apply(ag.tensor([1.0], requires_grad=True))
            >>> y, float(fg.grad(lambda x: Double.apply(x))(3.0))
            (tensor([2.], grad_fn=<DoubleBackward>), 2.0)
        """
        trace = current_trace()
        if (trace is not EVAL and trace is not TENSOR_TRACE) or any(
                isinstance(a, Tracer) or (isinstance(a, Tensor) and isinstance(a._value, Tracer)) for a in args):
            return _apply_traced(cls, args, kwargs)
        ctx = FunctionCtx()
        executable = is_grad_enabled() and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx.needs_input_grad = tuple(executable and isinstance(a, Tensor) and a.requires_grad for a in args)
        with no_grad():
            out = cls._forward(ctx, args, kwargs)
        if not executable:
            return out
        return _record(cls, ctx, args, out)


_NO_SETUP = object()


def _record(cls, ctx: FunctionCtx, args: tuple, out: Any) -> Any:
    """The results of ``forward``, as tensors whose ``grad_fn`` is one :class:`FunctionNode`."""
    outs = out if isinstance(out, tuple) else (out,)
    positions = [i for i, o in enumerate(outs) if isinstance(o, Tensor)]
    if not positions:
        return out
    non_diff = {id(t) for t in ctx._non_differentiable}
    in_keys = [(a.grad_fn or a._key()) if isinstance(a, Tensor) and a.requires_grad else None for a in args]
    meta = {"ins": [(tuple(a.shape), a.dtype) if isinstance(a, Tensor) else None for a in args],
            "outs": [(tuple(outs[i].shape), outs[i].dtype) for i in positions]}
    params = {"fn": cls, "ctx": ctx, "keys": None, "meta": meta}
    values = tuple(outs[i]._value for i in positions)
    node = FunctionNode(function_p, params, in_keys, args, [a._value if isinstance(a, Tensor) else a for a in args],
                        None, values if len(values) > 1 else values[0])
    if len(positions) > 1:
        params["keys"] = tuple(OutputKey(node, k) for k in range(len(positions)))
    results = list(outs)
    for k, i in enumerate(positions):
        o = outs[i]
        if id(o) in non_diff or not np.issubdtype(o.dtype, np.inexact):
            results[i] = Tensor._make(o._value, False, None, o._vc)
        else:
            results[i] = Tensor._make(o._value, True, node if params["keys"] is None else params["keys"][k], o._vc)
        if not any(o is a for a in args):  # a saved input stays the input, even if forward returned it
            ctx._outputs[id(o)] = results[i]
    return tuple(results) if isinstance(out, tuple) else results[0]


# ----------------------------------------------------------------------------- under functional transforms

def _apply_traced(cls, args: tuple, kwargs: dict) -> Any:
    """``apply`` on traced values: a :class:`funcgrad.custom_vjp` call with ``forward``/``backward`` as rules."""
    from funcgrad.custom import custom_vjp

    wrap = any(isinstance(a, Tensor) for a in args)
    diff = [i for i, a in enumerate(args) if isinstance(a, Tensor | Tracer)]
    ctx = FunctionCtx()
    ctx.needs_input_grad = tuple(i in diff for i in range(len(args)))
    box: dict = {}

    def full_args(xs) -> tuple:
        full = list(args)
        for i, x in zip(diff, xs):
            full[i] = Tensor._wrap(x)
        return tuple(full)

    def run(xs):
        out = cls._forward(ctx, full_args(xs), kwargs)
        outs = out if isinstance(out, tuple) else (out,)
        box["non_diff"] = [any(o is t for t in ctx._non_differentiable) for o in outs]
        is_tensor = lambda t: isinstance(t, Tensor)  # noqa: E731
        return tree.map(lambda t: t._value if is_tensor(t) else t, out, is_leaf=is_tensor)

    def fun(*xs):
        return run(xs)

    def fwd(*xs):
        out = run(xs)
        return out, tuple(t._value if isinstance(t, Tensor) else t for t in ctx._saved)

    def bwd(res, g):
        ctx._saved = tuple(Tensor._wrap(r) if r is not None else None for r in res)
        ctx._versions = (None,) * len(res)
        gs = g if isinstance(g, tuple) else (g,)
        gs = [Tensor._wrap(x) * 0 if nd else Tensor._wrap(x) for x, nd in zip(gs, box["non_diff"])]
        result = cls.backward(ctx, *gs)
        result = result if isinstance(result, tuple) else (result,)
        if len(result) < len(args) or any(r is not None for r in result[len(args):]):
            raise RuntimeError(f"function {cls.__name__}Backward returned an incorrect number of gradients (expected "
                               f"{len(args)}, got {len(result)})")
        return tuple(r._value if isinstance(r, Tensor) else r for r in (result[i] for i in diff))

    fun.__name__ = cls.__name__
    call = custom_vjp(fun)
    call.defvjp(fwd, bwd)
    out = call(*[a._value if isinstance(a, Tensor) else a for a in (args[i] for i in diff)])
    if wrap:
        out = tree.map(lambda x: Tensor._wrap(x) if isinstance(x, Tracer | np.ndarray | np.generic) else x, out)
    return out
