"""Helpers shared by the rule tables: shapes of any value, and ``unbroadcast``."""

from __future__ import annotations

from typing import Any

import numpy as np

from funcgrad.core.ir import ShapedArray


def shape_of(x: Any) -> tuple[int, ...]:
    """The shape of an array, tracer, tensor or Python scalar."""
    return getattr(x, "shape", ())


def ndim_of(x: Any) -> int:
    return len(getattr(x, "shape", ()))


def dtype_of(x: Any) -> np.dtype:
    """The dtype of an array-like; Python scalars give NumPy's default for their kind."""
    d = getattr(x, "dtype", None)
    return d if d is not None else np.asarray(x).dtype


def is_float(x: Any) -> bool:
    return np.issubdtype(dtype_of(x), np.inexact)


def normalize_axis(axis: int, ndim: int, name: str = "axis") -> int:
    if not -ndim <= axis < max(ndim, 1):
        raise np.exceptions.AxisError(f"{name} {axis} is out of bounds for an array of dimension {ndim}")
    return axis % ndim if ndim else 0


def normalize_axes(axis, ndim: int) -> tuple[int, ...]:
    """``None``, an int or a tuple of ints as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int | np.integer):
        axis = (int(axis),)
    axes = tuple(sorted(normalize_axis(int(a), ndim) for a in axis))
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {axis}")
    return axes


def unbroadcast(g: Any, shape: tuple[int, ...]) -> Any:
    """Sum ``g`` over the axes along which an input of ``shape`` was broadcast."""
    gshape = shape_of(g)
    if gshape == shape:
        return g
    from funcgrad.ops.reductions import reduce_sum
    from funcgrad.ops.shape import reshape

    lead = len(gshape) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1)
    if axes:
        g = reduce_sum(g, axes=axes, keepdims=False)
    if shape_of(g) != shape:
        g = reshape(g, shape=shape)
    return g


def zeros_aval(aval: ShapedArray) -> np.ndarray:
    """A cheap zero array of ``aval`` (pages are mapped only when touched)."""
    return np.zeros(aval.shape, aval.dtype)


def fallback_abstract(impl):
    """A shape/dtype rule that runs ``impl`` on zero arrays of the input avals."""

    def abstract(*args, **params):
        vals = [(zeros_aval(a) if not a.weak else a.probe()) if isinstance(a, ShapedArray) else a for a in args]
        with np.errstate(all="ignore"):
            out = impl(*vals, **params)
        if isinstance(out, tuple | list):
            return tuple(ShapedArray(np.shape(o), np.asarray(o).dtype) for o in out)
        out = np.asarray(out)
        return ShapedArray(out.shape, out.dtype)

    return abstract
