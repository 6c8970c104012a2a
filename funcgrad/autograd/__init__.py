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
from funcgrad.autograd.tensor import Tensor, _call, _named, _unwrap, apply

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
    return data if isinstance(data, Tensor) and dtype is None else Tensor(data, dtype=dtype)


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``a``."""
    return Tensor._make(a, False, None)


def is_tensor(x: Any) -> bool:
    return isinstance(x, Tensor)


def _shape(size) -> tuple:
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], tuple | list) else tuple(size)


def _new(value: np.ndarray, requires_grad: bool) -> Tensor:
    return Tensor._make(value, False, None).requires_grad_(requires_grad) if requires_grad else \
        Tensor._make(value, False, None)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.zeros(_shape(size), dtype or float64), requires_grad)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.ones(_shape(size), dtype or float64), requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.full(tuple(size), fill_value, dtype), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.zeros(np.shape(_unwrap(t)), dtype or np.asarray(_unwrap(t)).dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.ones(np.shape(_unwrap(t)), dtype or np.asarray(_unwrap(t)).dtype), requires_grad)


def full_like(t, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.full(np.shape(_unwrap(t)), fill_value, dtype or np.asarray(_unwrap(t)).dtype), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.eye(n, m, dtype=dtype or float64), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.arange(start, end, step, dtype=dtype) if end is not None else np.arange(start, dtype=dtype),
                requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    return _new(np.linspace(start, end, steps, dtype=dtype or float64), requires_grad)


def manual_seed(seed: int) -> None:
    """Seed the generator behind ``rand`` and ``randn``."""
    global _rng
    _rng = np.random.default_rng(seed)


def rand(*size, dtype=None, requires_grad=False) -> Tensor:
    return _new(_rng.random(_shape(size)).astype(dtype or float64), requires_grad)


def randn(*size, dtype=None, requires_grad=False) -> Tensor:
    return _new(_rng.standard_normal(_shape(size)).astype(dtype or float64), requires_grad)


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _method(name: str):
    def fn(input, *args, **kwargs):
        return getattr(_t(input), name)(*args, **kwargs)

    fn.__name__ = name
    fn.__doc__ = f"``torch.{name}``: same as ``Tensor.{name}``."
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
    """``input ** exponent`` (either may be a tensor)."""
    return _t(input) ** exponent if isinstance(input, Tensor) or not isinstance(exponent, Tensor) else input ** exponent


def max(input, dim=None, keepdim=False, *, other=None, **aliases):
    """``torch.max``: the maximum, ``(values, indices)`` along ``dim``, or the elementwise max of two tensors."""
    return _t(input).max(dim, keepdim, other, **aliases)


def min(input, dim=None, keepdim=False, *, other=None, **aliases):
    return _t(input).min(dim, keepdim, other, **aliases)


def maximum(a, b) -> Tensor:
    return _t(a).max(other=b)


def minimum(a, b) -> Tensor:
    return _t(a).min(other=b)


def add(a, b, alpha=1) -> Tensor:
    return _t(a).add(b, alpha)


def sub(a, b, alpha=1) -> Tensor:
    return _t(a).sub(b, alpha)


def mul(a, b) -> Tensor:
    return _t(a) * b


def div(a, b) -> Tensor:
    return _t(a) / b


def neg(a) -> Tensor:
    return -_t(a)


def cat(tensors, dim=0) -> Tensor:
    """Concatenate along ``dim``."""
    from funcgrad import numpy as fnp

    return _call(fnp.concatenate, [_t(x) for x in tensors], dim)


concat = cat


def stack(tensors, dim=0) -> Tensor:
    from funcgrad import numpy as fnp

    return _named(_call(fnp.stack, [_t(x) for x in tensors], dim), "StackBackward0")


def where(condition, input, other) -> Tensor:
    from funcgrad import numpy as fnp

    return _call(fnp.where, condition, input, other)


def einsum(subscripts, *operands) -> Tensor:
    from funcgrad import numpy as fnp

    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    return _call(fnp.einsum, subscripts, *operands)


def allclose(a, b, rtol=1e-05, atol=1e-08) -> bool:
    return np.allclose(np.asarray(_unwrap(a)), np.asarray(_unwrap(b)), rtol, atol)


def equal(a, b) -> bool:
    return np.array_equal(np.asarray(_unwrap(a)), np.asarray(_unwrap(b)))


__all__ = [
    "Function", "FunctionCtx", "Tensor", "apply", "backward", "enable_grad", "grad", "is_grad_enabled", "no_grad",
    "once_differentiable", "set_grad_enabled", "tensor", "functional",
]
