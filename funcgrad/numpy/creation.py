"""Array constructors: ``zeros_like``, ``full_like``, ``copy`` and NumPy's own ``zeros``, ``eye``, ..."""

from __future__ import annotations

import operator as _operator
import typing as _typing

import numpy as _np

from funcgrad.numpy._base import _arr, _is_traced, astype
from funcgrad.numpy.shapes import broadcast_to
from funcgrad.ops.util import dtype_of, shape_of

if _typing.TYPE_CHECKING:
    from typing import Any

__all__ = ["arange", "copy", "diagflat", "empty", "empty_like", "eye", "full", "full_like", "geomspace", "identity",
    "kaiser", "linspace", "logspace", "meshgrid", "ones", "ones_like", "tri", "vander", "zeros", "zeros_like"]


def zeros_like(a, dtype=None, order="K", subok=True, shape=None, **kw):
    """``numpy.zeros_like`` (also ``empty_like``): a constant.

    >>> fnp.zeros_like(np.ones(2)).tolist()
    [0.0, 0.0]
    """
    a = _arr(a)
    return _np.zeros(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def ones_like(a, dtype=None, order="K", subok=True, shape=None, **kw):
    """``numpy.ones_like``: a constant.

    >>> fnp.ones_like(np.zeros(2)).tolist()
    [1.0, 1.0]
    """
    a = _arr(a)
    return _np.ones(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kw):
    """``numpy.full_like``; a traced fill value is broadcast.

    >>> float(fg.grad(lambda v: fnp.sum(fnp.full_like(np.ones(3), v)))(2.0))
    3.0
    """
    a = _arr(a)
    out_shape = shape_of(a) if shape is None else shape
    if _is_traced(fill_value):
        return broadcast_to(astype(fill_value, dtype or dtype_of(a)), out_shape)
    return _np.full(out_shape, fill_value, dtype or dtype_of(a))


empty_like = zeros_like


def copy(a, order="K", subok=False):
    """``numpy.copy`` (traced values are immutable: returned as they are).

    >>> fnp.copy(np.array([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    a = _arr(a)
    return a.copy() if isinstance(a, _np.ndarray) else a


from numpy import arange, empty, eye, identity, ones, tri, zeros  # noqa: E402,F401


def linspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, retstep: bool = False, dtype: Any = None,
             axis: Any = 0, *, device: Any = None) -> Any:
    """``numpy.linspace``, differentiable in ``start`` and ``stop`` (scalars or arrays).

    >>> linspace(0.0, 1.0, 5).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if not (_is_traced(start) or _is_traced(stop)):
        return _np.linspace(start, stop, num, endpoint, retstep, dtype, axis)
    from funcgrad import ops
    from funcgrad.numpy.shapes import concatenate, moveaxis, reshape

    num = _operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    if dtype is not None and not _np.issubdtype(dtype, _np.floating):
        raise TypeError(f"funcgrad.numpy.linspace: dtype={_np.dtype(dtype)} on traced endpoints has no derivative; "
                        f"use a float dtype and round the result")
    start, stop = _arr(start), _arr(stop)
    dt = _np.result_type(dtype_of(start), dtype_of(stop), 1.0) if dtype is None else _np.dtype(dtype)
    start, stop = astype(start, dt), astype(stop, dt)
    div = (num - 1) if endpoint else num
    delta = stop - start
    nd = len(shape_of(delta))
    y = _np.arange(0, num, dtype=dt).reshape((-1,) + (1,) * nd)
    step = delta / div if div > 0 else delta * _np.nan
    y = (y * step if div > 0 else y * delta) + start
    if endpoint and num > 1:
        y = concatenate([ops.index(y, (slice(0, -1),)), reshape(broadcast_to(stop, shape_of(y)[1:]),
                                                                (1,) + shape_of(y)[1:])], 0)
    if axis != 0:
        y = moveaxis(y, 0, axis)
    return (y, step) if retstep else y


def logspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, base: Any = 10.0, dtype: Any = None,
             axis: Any = 0) -> Any:
    """``numpy.logspace``: ``base ** linspace(start, stop)``, differentiable in ``start``, ``stop`` and ``base``.

    >>> logspace(0.0, 2.0, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    if not (_is_traced(start) or _is_traced(stop) or _is_traced(base)):
        return _np.logspace(start, stop, num, endpoint, base, dtype, axis)
    from funcgrad.numpy.elementwise import power
    from funcgrad.numpy.shapes import expand_dims

    y = linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    base = _arr(base)
    if shape_of(base):
        base = expand_dims(base, axis)
    out = power(base, y)
    return out if dtype is None else astype(out, dtype)


def meshgrid(*xi: Any, copy: bool = True, sparse: bool = False, indexing: str = "xy") -> Any:
    """``numpy.meshgrid``: coordinate arrays from 1-D coordinate vectors (``'xy'`` or ``'ij'`` indexing).

    >>> [g.shape for g in meshgrid(_np.arange(3.0), _np.arange(2.0))]
    [(2, 3), (2, 3)]
    """
    from funcgrad.numpy.shapes import ravel, reshape

    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    nd = len(xi)
    shapes = [(1,) * i + (-1,) + (1,) * (nd - i - 1) for i in range(nd)]
    if indexing == "xy" and nd > 1:
        shapes[0], shapes[1] = (1, -1) + (1,) * (nd - 2), (-1, 1) + (1,) * (nd - 2)
    out = [reshape(ravel(_arr(x)), s) for x, s in zip(xi, shapes)]
    if not sparse:
        shape = _np.broadcast_shapes(*[shape_of(o) for o in out])
        out = [broadcast_to(o, shape) for o in out]
    return tuple(out)


def diagflat(v: Any, k: int = 0) -> Any:
    """``numpy.diagflat``: a 2-D array with the flattened ``v`` on diagonal ``k``.

    >>> diagflat(_np.array([[1.0, 2.0]])).tolist()
    [[1.0, 0.0], [0.0, 2.0]]
    """
    from funcgrad.numpy.shapes import diag, ravel

    return diag(ravel(_arr(v)), k)


def vander(x: Any, N: int | None = None, increasing: bool = False) -> Any:
    """``numpy.vander``: columns are powers of ``x`` (derivative ``k x^(k-1)``, and 0 for ``x^0``).

    >>> vander(_np.array([2.0, 3.0]), 3).tolist()
    [[4.0, 2.0, 1.0], [9.0, 3.0, 1.0]]
    """
    from funcgrad.numpy.elementwise import power
    from funcgrad.numpy.shapes import reshape

    x = _arr(x)
    if len(shape_of(x)) != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = shape_of(x)[0] if N is None else int(N)
    powers = _np.arange(n) if increasing else _np.arange(n)[::-1].copy()
    if not _is_traced(x):
        return _np.vander(x, N, increasing)
    return power(reshape(x, (-1, 1)), powers)


def geomspace(start: Any, stop: Any, num: int = 50, endpoint: bool = True, dtype: Any = None, axis: Any = 0) -> Any:
    """``numpy.geomspace``, differentiable in ``start`` and ``stop`` (real, of one sign, not zero).

    >>> geomspace(1.0, 100.0, 3).tolist()
    [1.0, 10.0, 100.0]
    """
    if not (_is_traced(start) or _is_traced(stop)):
        return _np.geomspace(start, stop, num, endpoint, dtype, axis)
    from funcgrad import ops
    from funcgrad.numpy.shapes import concatenate, moveaxis, reshape

    start, stop = _arr(start), _arr(stop)
    dt = _np.result_type(dtype_of(start), dtype_of(stop), _np.float64)  # as NumPy: float64 at least
    start, stop = astype(start, dt), astype(stop, dt)
    sign = ops.sign(ops.stop_gradient(start))
    start, stop = start / sign, stop / sign
    y = logspace(ops.log10(start), ops.log10(stop), num=num, endpoint=endpoint)
    shape = shape_of(y)[1:]
    if num > 0:  # the ends exactly
        parts = [reshape(broadcast_to(start, shape), (1,) + shape)]
        if num > 1:
            parts.append(ops.index(y, (slice(1, -1 if endpoint else None),)))
            if endpoint:
                parts.append(reshape(broadcast_to(stop, shape), (1,) + shape))
        y = concatenate(parts, 0)
    y = y * sign
    if axis != 0:
        y = moveaxis(y, 0, axis)
    return y if dtype is None else astype(y, dtype)


def kaiser(M: int, beta: Any) -> Any:
    """``numpy.kaiser``, the Kaiser window, differentiable in ``beta`` (through ``i0``).

    >>> kaiser(3, 0.0).tolist()
    [1.0, 1.0, 1.0]
    """
    if not _is_traced(beta):
        return _np.kaiser(M, beta)
    from funcgrad import ops

    beta = astype(_arr(beta), _np.float64)
    M = int(M)
    if M < 1:
        return _np.zeros(0)
    if M == 1:
        return _np.ones(1)
    alpha = (M - 1) / 2.0
    n = _np.arange(0, M, dtype=_np.float64)
    return ops.i0(beta * _np.sqrt(1 - ((n - alpha) / alpha) ** 2.0)) / ops.i0(beta)


def full(shape: Any, fill_value: Any, dtype: Any = None, order: str = "C", *, device: Any = None,
         like: Any = None) -> Any:
    """``numpy.full``; a traced ``fill_value`` is broadcast (and gets the derivative of the sum of the entries).
    NumPy's own ``np.full`` does not dispatch on its arguments, so call this one on traced values.

    >>> full((2,), 1.5).tolist()
    [1.5, 1.5]
    """
    if not _is_traced(fill_value):
        return _np.full(shape, fill_value, dtype, order)
    fill_value = _arr(fill_value)
    return broadcast_to(fill_value if dtype is None else astype(fill_value, dtype),
                        (shape,) if isinstance(shape, int) else tuple(shape))
