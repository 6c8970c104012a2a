"""``torch.autograd.functional`` on funcgrad's transforms: same signatures and results.

    >>> from funcgrad import autograd as ag
    >>> def exp_adder(x, y):
    ...     return 2 * x.exp() + 3 * y
    >>> ag.functional.jacobian(exp_adder, (ag.tensor([1.0]), ag.tensor([1.0])))
    (tensor([[5.4366]]), tensor([[3.]]))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.autograd.tensor import TENSOR_TRACE, Tensor
from funcgrad.core.trace import reset_trace as _reset_trace, set_trace as _set_trace
from funcgrad.transforms import api


def _inputs(inputs: Any) -> tuple[tuple, bool]:
    if isinstance(inputs, tuple | list):
        return tuple(inputs), True
    return (inputs,), False


def _wrapped(func: Callable) -> Callable:
    def f(*xs):
        out = func(*[Tensor._wrap(x) for x in xs])
        return tree.map(lambda t: t._value if isinstance(t, Tensor) else t, out)

    return f


def _run(create_graph: bool, inputs: tuple, body: Callable):
    """Evaluate ``body(primals)`` on values, or on tensors of the graph when ``create_graph``."""
    if create_graph:
        token = _set_trace(TENSOR_TRACE)
        try:
            primals = tuple(x if isinstance(x, Tensor) else Tensor(x) for x in inputs)
            return body(primals)
        finally:
            _reset_trace(token)
    primals = tuple(np.asarray(x._value if isinstance(x, Tensor) else x) for x in inputs)
    return body(primals)


def _check_strict(func: Callable, primals: tuple) -> None:
    """``strict=True``: every output must depend on the inputs, as in PyTorch."""
    _, pullback = api.vjp(_wrapped(func), *primals)
    for i, key in enumerate(pullback.out_keys):
        if key is None:
            raise RuntimeError(f"Output {i} of the user-provided function does not require gradients. The outputs "
                               f"must be computed in a differentiable manner from the input when running in strict "
                               f"mode.")


def _out(x: Any) -> Any:
    return tree.map(Tensor._wrap, x)


def _unwrap_value(x: Any) -> Any:
    return x._value if isinstance(x, Tensor) else x


def _single(values: tuple, is_tuple: bool) -> Any:
    return tuple(values) if is_tuple else values[0]


def vjp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ·J)``.

        >>> from funcgrad.autograd import functional as F
        >>> F.vjp(lambda x: x ** 2, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
        (tensor([1., 4.]), tensor([2., 4.]))
    """
    xs, is_tuple = _inputs(inputs)

    def body(primals):
        if strict:
            _check_strict(func, primals)
        out, backward = api.vjp(_wrapped(func), *primals)
        ct = v._value if isinstance(v, Tensor) and not create_graph else v
        if ct is not None and np.shape(ct) != np.shape(out):
            raise RuntimeError(f"v has invalid size: should be {tuple(np.shape(out))} but got {tuple(np.shape(ct))}.")
        if ct is None:
            if np.size(out) != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single "
                                   "Tensor with a single element.")
            ct = np.ones(np.shape(out), np.asarray(out).dtype if not isinstance(out, Tensor) else out.dtype)
        return out, backward(ct)

    out, grads = _run(create_graph, xs, body)
    return _out(out), _out(_single(grads, is_tuple))


def jvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), J·v)``.

        >>> from funcgrad.autograd import functional as F
        >>> F.jvp(lambda x: x ** 2, ag.tensor([1.0, 2.0]), ag.tensor([1.0, 0.0]))
        (tensor([1., 4.]), tensor([2., 0.]))
    """
    xs, is_tuple = _inputs(inputs)
    vs = _inputs(v)[0] if v is not None else None

    def body(primals):
        tangents = vs if vs is not None else tuple(np.ones(np.shape(p)) for p in primals)
        if vs is None and any(np.size(p) != 1 for p in primals):
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        tangents = tuple(t._value if isinstance(t, Tensor) and not create_graph else t for t in tangents)
        return api.jvp(_wrapped(func), primals, tangents)

    out, t = _run(create_graph, xs, body)
    return _out(out), _out(t)


def jacobian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian: a tensor, a tuple per input, or a tuple per output of those.

        >>> from funcgrad.autograd import functional as F
        >>> F.jacobian(lambda x: x ** 2, ag.tensor([1.0, 2.0]))
        tensor([[2., 0.],
                [0., 4.]])
    """
    xs, is_tuple = _inputs(inputs)
    transform = api.jacrev if strategy == "reverse-mode" else api.jacfwd
    argnums = tuple(range(len(xs))) if is_tuple else 0

    def body(primals):
        if strict:
            _check_strict(func, primals)
        return transform(_wrapped(func), argnums)(*primals)

    return _out(_run(create_graph, xs, body))


def hessian(func: Callable, inputs: Any, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function: a tensor, or a tuple of tuples for several inputs.

        >>> from funcgrad.autograd import functional as F
        >>> F.hessian(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]))
        tensor([[ 6.,  0.],
                [ 0., 12.]])
    """
    xs, is_tuple = _inputs(inputs)
    argnums = tuple(range(len(xs))) if is_tuple else 0
    return _out(_run(create_graph, xs, lambda primals: api.hessian(_wrapped(func), argnums)(*primals)))


def _product(kind: Callable, func: Callable, inputs: Any, v: Any, create_graph: bool):
    xs, is_tuple = _inputs(inputs)
    vs = _inputs(v)[0] if v is not None else None
    name = kind.__name__

    def scalar_func(*args):
        out = func(*args)
        if np.size(_unwrap_value(out)) != 1:
            raise RuntimeError(f"The Tensor returned by the function given to {name} should contain a single element")
        return out

    def body(primals):
        if vs is None and (len(primals) != 1 or np.size(primals[0]) != 1):
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a "
                               "single Tensor with a single element.")
        vecs = vs if vs is not None else tuple(np.ones(np.shape(p)) for p in primals)
        vecs = tuple(t._value if isinstance(t, Tensor) and not create_graph else t for t in vecs)
        value, prod = kind(_wrapped(scalar_func), primals, vecs)
        return value, prod if len(primals) > 1 else (prod,)

    value, prod = _run(create_graph, xs, body)
    return _out(value), _out(_single(prod, is_tuple))


def vhp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), vᵀ·H)``.

        >>> from funcgrad.autograd import functional as F
        >>> F.vhp(lambda x: (x ** 3).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]))
        (tensor(9.), tensor([ 6., 12.]))
    """
    return _product(api.vhp, func, inputs, v, create_graph)


def hvp(func: Callable, inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False):
    """``(func(inputs), H·v)``.

        >>> from funcgrad.autograd import functional as F
        >>> F.hvp(lambda x: (x[0] * x[1]).sum(), ag.tensor([1.0, 2.0]), ag.tensor([1.0, 0.0]))
        (tensor(2.), tensor([0., 1.]))
    """
    return _product(api.hvp, func, inputs, v, create_graph)
