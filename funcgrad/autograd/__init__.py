"""``funcgrad.autograd``: PyTorch-style tensors on funcgrad's IR and rules.

Tutorial code ports by renaming ``torch`` to ``ag``:

    >>> from funcgrad import autograd as ag
    >>> x = ag.tensor([[0., 0.], [1., 2.]], requires_grad=True)
    >>> y = x ** 2 - 2 * x + 1
    >>> y.backward(gradient=ag.ones_like(x))
    >>> x.grad
    tensor([[-2., -2.],
            [ 0.,  2.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcgrad.autograd import functional  # noqa: F401
from funcgrad.autograd.engine import backward, grad
from funcgrad.autograd.function import Function, FunctionCtx, once_differentiable
from funcgrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from funcgrad.autograd.tensor import _EXAMPLES, Tensor, _call, _named, _unwrap, apply

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
float = float32  # as in torch
double = float64
half = float16
int64 = long = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool = np.dtype(np.bool_)

_rng = np.random.default_rng()


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new tensor from data (Python floats give float64, as in NumPy).

        >>> tensor([1.0, 2.0])
        tensor([1., 2.])
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``data`` as a tensor: a tensor itself is returned unchanged when no ``dtype`` is given.

        >>> t = ag.tensor([1.0, 2.0])
        >>> ag.as_tensor(t) is t, ag.as_tensor([1, 2], dtype=ag.float32)
        (True, tensor([1., 2.], dtype=float32))
    """
    return data if isinstance(data, Tensor) and dtype is None else Tensor(data, dtype=dtype)


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``a``.

        >>> a = np.zeros(2)
        >>> t = ag.from_numpy(a); a[0] = 5.0
        >>> t
        tensor([5., 0.])
    """
    return Tensor._make(a, False, None)


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a :class:`Tensor`.

        >>> ag.is_tensor(ag.tensor(1.0)), ag.is_tensor(np.ones(1))
        (True, False)
    """
    return isinstance(x, Tensor)


def _shape(size) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], tuple | list) else tuple(size)


def _new(value: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(value, False, None).requires_grad_(requires_grad) if requires_grad else \
        Tensor._make(value, False, None)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    """A tensor of zeros (float64 unless ``dtype`` is given); the size may be separate ints or one tuple.

        >>> ag.zeros(2, 3).shape, ag.zeros((2,), requires_grad=True)
        ((2, 3), tensor([0., 0.], requires_grad=True))
    """
    return _new(np.zeros(_shape(size), dtype or float64), requires_grad)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    """A tensor of ones (float64 unless ``dtype`` is given).

        >>> ag.ones(2, dtype=ag.float32)
        tensor([1., 1.], dtype=float32)
    """
    return _new(np.ones(_shape(size), dtype or float64), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value``.

        >>> ag.full((2,), 7.0)
        tensor([7., 7.])
    """
    return _new(np.full(tuple(size), fill_value, dtype), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False) -> Tensor:
    """Zeros in the shape and dtype of ``t``.

        >>> ag.zeros_like(ag.tensor([1.0, 2.0]))
        tensor([0., 0.])
    """
    return _new(np.zeros(np.shape(_unwrap(t)), dtype or np.asarray(_unwrap(t)).dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False) -> Tensor:
    """Ones in the shape and dtype of ``t``.

        >>> ag.ones_like(ag.tensor([[1, 2]]))
        tensor([[1, 1]])
    """
    return _new(np.ones(np.shape(_unwrap(t)), dtype or np.asarray(_unwrap(t)).dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False) -> Tensor:
    """``fill_value`` in the shape and dtype of ``t``.

        >>> ag.full_like(ag.tensor([1.0, 2.0]), 0.5)
        tensor([0.5, 0.5])
    """
    return _new(np.full(np.shape(_unwrap(t)), fill_value, dtype or np.asarray(_unwrap(t)).dtype), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    """The ``n`` by ``m`` identity matrix (``m = n`` by default).

        >>> ag.eye(2)
        tensor([[1., 0.],
                [0., 1.]])
    """
    return _new(np.eye(n, m, dtype=dtype or float64), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    """``start, start + step, ...`` below ``end`` (``arange(n)`` counts from 0).

        >>> ag.arange(3), ag.arange(1.0, 2.0, 0.5)
        (tensor([0, 1, 2]), tensor([1. , 1.5]))
    """
    return _new(np.arange(start, end, step, dtype=dtype) if end is not None else np.arange(start, dtype=dtype),
                requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive.

        >>> ag.linspace(0, 1, 5)
        tensor([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    return _new(np.linspace(start, end, steps, dtype=dtype or float64), requires_grad)


def manual_seed(seed: int) -> None:
    """Seed the generator behind ``rand`` and ``randn``.

        >>> ag.manual_seed(0); a = ag.rand(2)
        >>> ag.manual_seed(0); ag.equal(a, ag.rand(2))
        True
    """
    global _rng
    _rng = np.random.default_rng(seed)


def rand(*size, dtype=None, requires_grad=False) -> Tensor:
    """Uniform samples in ``[0, 1)`` (seeded by :func:`manual_seed`).

        >>> ag.manual_seed(0)
        >>> x = ag.rand(2, 3)
        >>> x.shape, 0 <= x.min().item() and x.max().item() < 1
        ((2, 3), True)
    """
    return _new(_rng.random(_shape(size)).astype(dtype or float64), requires_grad)


def randn(*size, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples (seeded by :func:`manual_seed`).

        >>> ag.manual_seed(0)
        >>> ag.randn(1000).mean().abs().item() < 0.1
        True
    """
    return _new(_rng.standard_normal(_shape(size)).astype(dtype or float64), requires_grad)


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _method(name: str):
    def fn(input, *args, **kwargs):
        return getattr(_t(input), name)(*args, **kwargs)

    fn.__name__ = name
    _summary, data, args, result = _EXAMPLES[name]
    args = ", " + args if args else ""
    result = result.replace("\n", "\n" + " " * 12)  # continuation lines under the first row
    fn.__doc__ = (f"``torch.{name}``: same as ``Tensor.{name}``.\n\n"
                  f"    >>> ag.{name}(ag.tensor({data}){args})\n    {result}\n")
    return fn


(sin, cos, tan, exp, log, sqrt, tanh, sigmoid, relu, abs, sum, mean, prod, matmul, mm, dot, clamp, norm, log1p,
 expm1, square, floor, ceil, sign, var, std, argmax, argmin, flatten, squeeze, unsqueeze, reshape, t, transpose,
 permute, cumsum, softmax, log_softmax, isnan, isfinite, all, any, asin, acos, atan, sinh, cosh, log2, log10,
 exp2, round, amax, amin, logsumexp, reciprocal, clamp_min, clamp_max) = map(_method, (
    "sin", "cos", "tan", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "sum", "mean", "prod", "matmul",
    "mm", "dot", "clamp", "norm", "log1p", "expm1", "square", "floor", "ceil", "sign", "var", "std", "argmax",
    "argmin", "flatten", "squeeze", "unsqueeze", "reshape", "t", "transpose", "permute", "cumsum", "softmax",
    "log_softmax", "isnan", "isfinite", "all", "any", "asin", "acos", "atan", "sinh", "cosh", "log2", "log10",
    "exp2", "round", "amax", "amin", "logsumexp", "reciprocal", "clamp_min", "clamp_max"))
clip = clamp


def pow(input, exponent) -> Tensor:
    """``input ** exponent`` (either may be a tensor).

        >>> ag.pow(ag.tensor([1.0, 2.0]), 2), ag.pow(2.0, ag.tensor([1.0, 3.0]))
        (tensor([1., 4.]), tensor([2., 8.]))
    """
    return _t(input) ** exponent if isinstance(input, Tensor) or not isinstance(exponent, Tensor) else input ** exponent


def max(input, dim=None, keepdim=False, *, other=None, **aliases):
    """``torch.max``: the maximum, ``(values, indices)`` along ``dim``, or the elementwise max of two tensors.

        >>> x = ag.tensor([[1.0, 5.0], [3.0, 4.0]])
        >>> ag.max(x), ag.max(x, dim=0).indices, ag.max(x, other=ag.tensor(2.0))
        (tensor(5.), tensor([1, 0]), tensor([[2., 5.], [3., 4.]]))
    """
    return _t(input).max(dim, keepdim, other, **aliases)


def min(input, dim=None, keepdim=False, *, other=None, **aliases):
    """``torch.min``: the minimum, ``(values, indices)`` along ``dim``, or the elementwise min of two tensors.

        >>> x = ag.tensor([[1.0, 5.0], [3.0, 4.0]])
        >>> ag.min(x), ag.min(x, dim=1).values
        (tensor(1.), tensor([1., 3.]))
    """
    return _t(input).min(dim, keepdim, other, **aliases)


def maximum(a, b) -> Tensor:
    """The elementwise maximum of two tensors (ties split the derivative).

        >>> ag.maximum(ag.tensor([1.0, 5.0]), ag.tensor([3.0, 4.0]))
        tensor([3., 5.])
    """
    return _t(a).max(other=b)


def minimum(a, b) -> Tensor:
    """The elementwise minimum of two tensors.

        >>> ag.minimum(ag.tensor([1.0, 5.0]), ag.tensor([3.0, 4.0]))
        tensor([1., 4.])
    """
    return _t(a).min(other=b)


def add(a, b, alpha=1) -> Tensor:
    """``a + alpha * b``.

        >>> ag.add(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]), alpha=10)
        tensor([11., 12.])
    """
    return _t(a).add(b, alpha)


def sub(a, b, alpha=1) -> Tensor:
    """``a - alpha * b``.

        >>> ag.sub(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 1.0]), alpha=10)
        tensor([-9., -8.])
    """
    return _t(a).sub(b, alpha)


def mul(a, b) -> Tensor:
    """``a * b``.

        >>> ag.mul(ag.tensor([1.0, 2.0]), 3)
        tensor([3., 6.])
    """
    return _t(a) * b


def div(a, b) -> Tensor:
    """``a / b``.

        >>> ag.div(ag.tensor([1.0, 2.0]), 4)
        tensor([0.25, 0.5 ])
    """
    return _t(a) / b


def neg(a) -> Tensor:
    """``-a``.

        >>> ag.neg(ag.tensor([1.0, -2.0]))
        tensor([-1.,  2.])
    """
    return -_t(a)


def cat(tensors, dim=0) -> Tensor:
    """Concatenate along ``dim``.

        >>> ag.cat([ag.zeros(1, 2), ag.ones(1, 2)], dim=0)
        tensor([[0., 0.],
                [1., 1.]])
    """
    from funcgrad import numpy as fnp

    return _call(fnp.concatenate, [_t(x) for x in tensors], dim)


concat = cat


def stack(tensors, dim=0) -> Tensor:
    """Stack tensors of one shape along a new dimension ``dim``.

        >>> ag.stack([ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0])], dim=1)
        tensor([[1., 3.],
                [2., 4.]])
    """
    from funcgrad import numpy as fnp

    return _named(_call(fnp.stack, [_t(x) for x in tensors], dim), "StackBackward0")


def where(condition, input, other) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``.

        >>> x = ag.tensor([-1.0, 2.0])
        >>> ag.where(x > 0, x, ag.zeros(2))
        tensor([0., 2.])
    """
    from funcgrad import numpy as fnp

    return _call(fnp.where, condition, input, other)


def einsum(subscripts, *operands) -> Tensor:
    """``torch.einsum``: a sum of products named by subscripts (operands separately or as one list).

        >>> a = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> ag.einsum("ij,j->i", a, ag.tensor([1.0, 1.0])), ag.einsum("ii", [a])
        (tensor([3., 7.]), tensor(5.))
    """
    from funcgrad import numpy as fnp

    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    return _call(fnp.einsum, subscripts, *operands)


def allclose(a, b, rtol=1e-05, atol=1e-08) -> bool:
    """Whether every element of ``a`` is close to ``b`` (NumPy's ``allclose``).

        >>> ag.allclose(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0 + 1e-9]))
        True
    """
    return np.allclose(np.asarray(_unwrap(a)), np.asarray(_unwrap(b)), rtol, atol)


def equal(a, b) -> bool:
    """Whether ``a`` and ``b`` have the same shape and elements.

        >>> ag.equal(ag.tensor([1.0, 2.0]), ag.tensor([1.0, 2.0])), ag.equal(ag.tensor([1.0]), ag.tensor([1.0, 1.0]))
        (True, False)
    """
    return np.array_equal(np.asarray(_unwrap(a)), np.asarray(_unwrap(b)))


__all__ = [
    "Function", "FunctionCtx", "Tensor", "apply", "backward", "enable_grad", "grad", "is_grad_enabled", "no_grad",
    "once_differentiable", "set_grad_enabled", "tensor", "functional",
]
