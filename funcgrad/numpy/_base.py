"""Shared helpers of the ``funcgrad.numpy`` families: argument checks, ``asarray`` and casts."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as _np

from funcgrad import ops
from funcgrad.core.trace import Tracer
from funcgrad.ops.util import dtype_of, shape_of


def _unsupported(name: str, what: str) -> NotImplementedError:
    return NotImplementedError(f"funcgrad.numpy.{name}: {what} is not supported")


def _no(name: str, **kwargs) -> None:
    for k, v in kwargs.items():
        if v is not None and v is not False:
            raise _unsupported(name, f"the argument {k}=")


_TRACED: tuple = (Tracer,)


def register_array_type(cls: type) -> None:
    """Let ``cls`` (e.g. autograd tensors) pass through this namespace like traced values.

        >>> class Box:  # a wrapper whose instances should reach fnp's functions unconverted
        ...     pass
        >>> fnp.register_array_type(Box)
    """
    global _TRACED
    _TRACED = _TRACED + (cls,)


def _is_traced(x: Any) -> bool:
    return isinstance(x, _TRACED)


def _is_array(x: Any) -> bool:
    return isinstance(x, _TRACED) or isinstance(x, _np.ndarray | _np.generic | int | float | complex | bool)


def asarray(a: Any, dtype: Any = None, order: Any = None, *, copy: Any = None, like: Any = None) -> Any:
    """Like ``numpy.asarray``; lists of traced values are stacked.

        >>> fnp.asarray([1.0, 2.0])
        array([1., 2.])
        >>> float(fg.grad(lambda x: fnp.sum(fnp.asarray([x, 2 * x]) ** 2))(1.0))
        10.0
    """
    if isinstance(a, list | tuple):
        if builtins.any(_is_traced(v) or isinstance(v, list | tuple) for v in a):
            from funcgrad.numpy.shapes import stack  # shapes builds on this module

            out = stack([asarray(v) for v in a]) if a else _np.asarray(a)
            return out if dtype is None else astype(out, dtype)
        return _np.asarray(a, dtype=dtype)
    if _is_traced(a):
        return a if dtype is None else astype(a, dtype)
    if hasattr(a, "__funcgrad_value__"):
        return a.__funcgrad_value__()
    return _np.asarray(a, dtype=dtype)


def array(a: Any, dtype: Any = None, copy: bool = True, order: Any = "K", ndmin: int = 0, **kw) -> Any:
    """Like ``numpy.array``; lists of traced values are stacked.

        >>> fnp.array([[1, 2]], dtype=float)
        array([[1., 2.]])
        >>> float(fg.grad(lambda x: fnp.array([x, x * x]).sum())(3.0))
        7.0
    """
    out = asarray(a, dtype)
    if isinstance(out, _np.ndarray) and copy:
        out = out.copy()
    if ndmin and len(shape_of(out)) < ndmin:
        from funcgrad.numpy.shapes import reshape  # shapes builds on this module

        out = reshape(out, (1,) * (ndmin - len(shape_of(out))) + tuple(shape_of(out)))
    return out


def _arr(x: Any) -> Any:
    return x if _is_array(x) else asarray(x)


def astype(x: Any, dtype: Any, copy: bool = True) -> Any:
    """Cast ``x`` to ``dtype`` (differentiable between float types).

        >>> fnp.astype(np.array([1.5, 2.5]), np.int64)
        array([1, 2])
        >>> float(fg.grad(lambda x: fnp.astype(x, np.float32) * 2)(1.0))
        2.0
    """
    dtype = _np.dtype(dtype)
    x = _arr(x)
    if dtype_of(x) == dtype:
        return x
    return ops.convert(x, dtype=dtype)
