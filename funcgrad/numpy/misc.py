"""Comparisons of whole arrays, dtype queries and the remaining helpers."""

from __future__ import annotations

import builtins
import typing as _typing

import numpy as _np

from funcgrad.numpy._base import _arr, _is_traced
from funcgrad.numpy._values import _value_of
from funcgrad.numpy.constants import pi
from funcgrad.numpy.elementwise import absolute, equal, less, less_equal, not_equal, sin, where
from funcgrad.numpy.reductions import all
from funcgrad.numpy.shapes import shape
from funcgrad.ops.util import dtype_of, shape_of

if _typing.TYPE_CHECKING:
    from typing import Any

__all__ = ["allclose", "argwhere", "array_equal", "array_equiv", "bincount", "count_nonzero", "flatnonzero",
    "histogram", "histogram2d", "histogram_bin_edges", "histogramdd", "intersect1d", "isclose", "isin", "result_type",
    "setdiff1d", "setxor1d", "sinc", "trim_zeros", "union1d", "unique", "unique_all", "unique_counts",
    "unique_inverse", "unique_values", "unravel_index"]


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``numpy.isclose`` (boolean: no derivative).

    >>> fnp.isclose(np.array([1.0, 2.0]), np.array([1.0, 2.1])).tolist()
    [True, False]
    """
    a, b = _arr(a), _arr(b)
    return less_equal(absolute(a - b), atol + rtol * absolute(b))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """``numpy.allclose`` (a Python bool: needs concrete values).

    >>> fnp.allclose(np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]))
    True
    """
    return bool(all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False) -> bool:
    """``numpy.array_equal`` (a Python bool: needs concrete values).

    >>> fnp.array_equal(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    True
    """
    return shape(a1) == shape(a2) and bool(all(equal(_arr(a1), _arr(a2))))


def result_type(*arrays_and_dtypes):
    """``numpy.result_type`` of arrays, traced values and dtypes.

    >>> fnp.result_type(np.float32, 1.0)
    dtype('float32')
    """
    return _np.result_type(*[dtype_of(a) if _is_traced(a) else a for a in arrays_and_dtypes])


# Taylor coefficients of sin(t)/t in t²: 1 - t²/3! + t⁴/5! - ... - t¹²/13!; with |t| < 0.1 the first
# omitted term is below 1e-28, and so are the errors of the polynomial's derivatives
_SINC_SERIES = (1.0, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800, 1 / 6227020800)


def sinc(x):
    """``numpy.sinc``: sin(πx)/(πx), 1 at 0. Near 0 (|πx| < 0.1) it is its Taylor polynomial, so its
    derivatives of every order are exact there; sin(πx)/(πx) would lose them to cancellation.

    >>> import funcgrad as fg
    >>> round(float(fg.grad(fg.grad(sinc))(0.0)), 12)   # -π²/3
    -3.289868133696
    """
    x = _arr(x)
    px = pi * x
    small = less(absolute(px), 0.1)
    far, near = where(small, 1.0, px), where(small, px, 0.0)  # each branch sees only its own inputs
    t2, series = near * near, _SINC_SERIES[-1]
    for c in reversed(_SINC_SERIES[:-1]):
        series = series * t2 + c
    return where(small, series, sin(far) / far)


# ----------------------------------------------------------------------------- values without derivatives
# Integer results, or results whose shape depends on the input's values: computed on the concrete
# value (so they fail under fg.jit and fg.vmap with an error naming them), except where the shape
# is fixed (count_nonzero, unravel_index, histogram with a bin count and a range), which trace.

def count_nonzero(a: Any, axis: Any = None, *, keepdims: bool = False) -> Any:
    """``numpy.count_nonzero`` along ``axis`` (traces under jit and vmap; no derivative).

    >>> int(count_nonzero(_np.array([0.0, 1.5, -2.0])))
    2
    """
    from funcgrad.numpy.reductions import sum

    a = _arr(a)
    if not _is_traced(a):
        return _np.count_nonzero(a, axis, keepdims=keepdims)
    return sum(not_equal(a, 0), axis, keepdims=keepdims)


def unravel_index(indices: Any, shape: Any, order: str = "C") -> Any:
    """``numpy.unravel_index``: a tuple of coordinate arrays (traces; no derivative).

    >>> [int(i) for i in unravel_index(7, (3, 4))]
    [1, 3]
    """
    from funcgrad.numpy.elementwise import floor_divide, mod

    indices = _arr(indices)
    if not _is_traced(indices):
        return _np.unravel_index(indices, shape, order=order)
    if order not in ("C", "F"):
        raise ValueError("only 'C' or 'F' order is permitted")
    if not _np.issubdtype(dtype_of(indices), _np.integer):
        raise TypeError(f"funcgrad.numpy.unravel_index: indices must be integers, not {dtype_of(indices)}")
    shape = (int(shape),) if isinstance(shape, int | _np.integer) else tuple(int(n) for n in shape)
    dims = shape if order == "C" else shape[::-1]
    out, rest = [], indices
    for n in dims[::-1]:
        out.append(mod(rest, n))
        rest = floor_divide(rest, n)
    out = out[::-1]
    return tuple(out if order == "C" else out[::-1])


def argwhere(a: Any) -> Any:
    """``numpy.argwhere`` (needs the concrete value; no derivative).

    >>> argwhere(_np.array([0.0, 2.0, 3.0])).tolist()
    [[1], [2]]
    """
    return _np.argwhere(_value_of("argwhere", a))


def flatnonzero(a: Any) -> Any:
    """``numpy.flatnonzero`` (needs the concrete value; no derivative).

    >>> flatnonzero(_np.array([0.0, 2.0, 3.0])).tolist()
    [1, 2]
    """
    return _np.flatnonzero(_value_of("flatnonzero", a))


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False, return_counts: bool = False,
           axis: Any = None, *, equal_nan: bool = True, sorted: bool = True) -> Any:
    """``numpy.unique`` (needs the concrete value; no derivative).

    >>> unique(_np.array([2.0, 1.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    return _np.unique(_value_of("unique", ar), return_index, return_inverse, return_counts, axis,
                      equal_nan=equal_nan, sorted=sorted)


def bincount(x: Any, /, weights: Any = None, minlength: int = 0) -> Any:
    """``numpy.bincount``: needs the concrete ``x`` (its maximum sets the length); differentiable in ``weights``.

    >>> bincount(_np.array([0, 2, 2]), weights=_np.array([0.5, 1.0, 2.0])).tolist()
    [0.5, 0.0, 3.0]
    """
    xv = _value_of("bincount", x)
    if weights is None or not _is_traced(weights):
        return _np.bincount(xv, None if weights is None else _value_of("bincount", weights), minlength)
    if xv.ndim != 1:
        raise ValueError("funcgrad.numpy.bincount: x must be 1-D")
    if xv.size and xv.min() < 0:
        raise ValueError("funcgrad.numpy.bincount: x must hold non-negative integers")
    from funcgrad.numpy._base import astype
    from funcgrad.numpy.indexing import at

    n = builtins.max(int(xv.max()) + 1 if xv.size else 0, int(minlength))
    w = _arr(weights)
    if tuple(w.shape) != xv.shape:
        raise ValueError("funcgrad.numpy.bincount: the weights and x must have the same length")
    w = astype(w, _np.result_type(dtype_of(w), _np.float64))
    return at(_np.zeros(n, dtype_of(w)))[xv].add(w)


def _bin_edges(name, a, bins, range):
    """Concrete bin edges: from an integer ``bins`` and a ``range`` (no values needed), else from values."""
    if isinstance(bins, str):
        raise TypeError(f"funcgrad.numpy.{name}: bins given by a method name need the concrete values; "
                        f"pass an integer or the bin edges")
    if isinstance(bins, int | _np.integer):
        if range is None:
            av = _value_of(name, a)
            lo, hi = (float(av.min()), float(av.max())) if av.size else (0.0, 1.0)
        else:
            lo, hi = float(range[0]), float(range[1])
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        return _np.linspace(lo, hi, int(bins) + 1, dtype=_np.result_type(dtype_of(a), float))
    edges = _np.asarray(_value_of(name, bins))
    if edges.ndim != 1 or _np.any(edges[:-1] > edges[1:]):
        raise ValueError("`bins` must increase monotonically, when an array")
    return edges


def _bin_index(a, edges):
    """The bin of each element of ``a`` (bin i holds ``edges[i] <= a < edges[i + 1]``, the last one also its
    right edge), and whether it lies inside the edges."""
    from funcgrad import ops
    from funcgrad.numpy.indexing import searchsorted

    nb = edges.shape[0] - 1
    av = ops.stop_gradient(a)
    idx = where(equal(av, edges[-1]), nb - 1, searchsorted(edges, av, "right") - 1)
    return idx, ops.logical_and(ops.greater_equal(av, edges[0]), ops.less_equal(av, edges[-1]))


def _counts(idx, inside, size, weights, like):
    """Counts (or summed weights) of the flat bin indices ``idx`` where ``inside``: a scatter-add."""
    from funcgrad import ops
    from funcgrad.numpy._base import astype
    from funcgrad.numpy.indexing import at
    from funcgrad.numpy.shapes import ravel

    idx = where(inside, idx, size)  # out of range: a last bin, dropped
    if weights is None:
        w = _np.ones(shape_of(like), _np.intp)
    else:
        w = ravel(_arr(weights))
        w = astype(w, _np.result_type(dtype_of(w), _np.float64))
    return ops.index(at(_np.zeros(size + 1, dtype_of(w)))[idx].add(w), (slice(0, size),))


def histogram(a: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None) -> Any:
    """``numpy.histogram``: ``(counts, bin_edges)``. With an integer ``bins`` and a ``range`` it traces under
    jit and vmap; otherwise it needs the concrete ``a``. Counts have no derivative in ``a``; with ``weights``
    they are differentiable in the weights.

    >>> [v.tolist() for v in histogram(_np.array([0.1, 0.4, 0.45, 0.9]), bins=2, range=(0.0, 1.0))]
    [[3, 1], [0.0, 0.5, 1.0]]
    """
    from funcgrad.numpy._base import astype
    from funcgrad.numpy.reductions import sum
    from funcgrad.numpy.shapes import ravel

    if not (_is_traced(a) or _is_traced(weights)):
        return _np.histogram(a, bins, range, density, weights)
    a = ravel(_arr(a))
    edges = _bin_edges("histogram", a, bins, range)
    idx, inside = _bin_index(a, edges)
    counts = _counts(idx, inside, edges.shape[0] - 1, weights, a)
    if density:
        counts = astype(counts, _np.float64) if weights is None else counts
        counts = counts / (sum(counts) * _np.diff(edges))
    return counts, edges


def histogramdd(sample: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None) -> Any:
    """``numpy.histogramdd`` of ``sample`` of shape ``(N, D)``: ``(counts, edges)``; traces with integer bins
    and a range per dimension (no derivative in the sample; differentiable in ``weights``).

    >>> h, edges = histogramdd(_np.array([[0.1, 0.9], [0.6, 0.7]]), bins=2, range=((0, 1), (0, 1)))
    >>> h.tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    from funcgrad import ops
    from funcgrad.numpy._base import astype
    from funcgrad.numpy.reductions import sum
    from funcgrad.numpy.shapes import reshape, stack

    parts = sample if isinstance(sample, list | tuple) else [sample]
    if not (builtins.any(_is_traced(p) for p in parts) or _is_traced(weights)):
        return _np.histogramdd(sample, bins, range, density, weights)
    sample = _arr(sample) if not isinstance(sample, list | tuple) else stack([_arr(s) for s in sample], -1)
    if len(shape_of(sample)) == 1:
        sample = reshape(sample, (-1, 1))
    n, d = shape_of(sample)
    bins = [bins] * d if isinstance(bins, int | _np.integer) else list(bins)
    ranges = [None] * d if range is None else list(range)
    if len(bins) != d or len(ranges) != d:
        raise ValueError("The dimension of bins (and range) must be equal to the dimension of the sample x.")
    edges, flat, inside, shape = [], None, None, []
    for k in builtins.range(d):
        col = ops.index(sample, (slice(None), k))
        e = _bin_edges("histogramdd", col, bins[k], ranges[k])
        idx, ins = _bin_index(col, e)
        nb = e.shape[0] - 1
        flat = idx if flat is None else flat * nb + idx
        inside = ins if inside is None else ops.logical_and(inside, ins)
        edges.append(e)
        shape.append(nb)
    size = int(_np.prod(shape))
    counts = astype(_counts(flat, inside, size, weights, ops.index(sample, (slice(None), 0))), _np.float64)
    counts = reshape(counts, tuple(shape))
    if density:
        widths = _np.ones(())
        for e in edges:
            widths = _np.multiply.outer(widths, _np.diff(e))
        counts = counts / (sum(counts) * widths)
    return counts, edges


def histogram2d(x: Any, y: Any, bins: Any = 10, range: Any = None, density: Any = None, weights: Any = None) -> Any:
    """``numpy.histogram2d``: ``(counts, x_edges, y_edges)`` (see ``histogramdd``).

    >>> h, xe, ye = histogram2d(_np.array([0.1, 0.6]), _np.array([0.9, 0.7]), bins=2, range=((0, 1), (0, 1)))
    >>> h.tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    if not (_is_traced(x) or _is_traced(y) or _is_traced(weights)):
        return _np.histogram2d(x, y, bins, range, density, weights)
    if not isinstance(bins, int | _np.integer) and len(bins) != 2:
        bins = [bins, bins]  # one array of edges for both
    h, edges = histogramdd([x, y], bins, range, density, weights)
    return h, edges[0], edges[1]


def isin(element: Any, test_elements: Any, assume_unique: bool = False, invert: bool = False, *,
         kind: Any = None) -> Any:
    """``numpy.isin`` by comparison with every test element (traces; boolean, no derivative).

    >>> isin(_np.array([1.0, 2.0, 3.0]), [2.0, 5.0]).tolist()
    [False, True, False]
    """
    from funcgrad import ops
    from funcgrad.numpy.reductions import any
    from funcgrad.numpy.shapes import ravel, reshape

    element, test = _arr(element), ravel(_arr(test_elements))
    if not (_is_traced(element) or _is_traced(test)):
        return _np.isin(element, test, assume_unique=assume_unique, invert=invert)
    hit = any(equal(reshape(element, shape_of(element) + (1,)), test), -1)
    return ops.logical_not(hit) if invert else hit


def array_equiv(a1: Any, a2: Any) -> bool:
    """``numpy.array_equiv``: same values after broadcasting (needs concrete values).

    >>> array_equiv(_np.array([1.0, 2.0]), _np.array([[1.0, 2.0], [1.0, 2.0]]))
    True
    """
    a1, a2 = _value_of("array_equiv", a1), _value_of("array_equiv", a2)
    return bool(_np.array_equiv(a1, a2))


def trim_zeros(filt: Any, trim: str = "fb", axis: Any = None) -> Any:
    """``numpy.trim_zeros`` of a 1-D array: a slice, where to cut read from the concrete values
    (differentiable in the kept elements).

    >>> trim_zeros(_np.array([0.0, 1.0, 2.0, 0.0])).tolist()
    [1.0, 2.0]
    """
    from funcgrad import ops

    filt = _arr(filt)
    v = _value_of("trim_zeros", filt)
    if v.ndim != 1 or axis not in (None, 0, -1):
        raise _unsupported_misc("trim_zeros", "arrays of more than one dimension")
    nz = _np.flatnonzero(v)
    if not nz.size:
        return ops.index(filt, (slice(0, 0),))
    lo = int(nz[0]) if "f" in trim.lower() else 0
    hi = int(nz[-1]) + 1 if "b" in trim.lower() else v.size
    return ops.index(filt, (slice(lo, hi),))


def _unsupported_misc(name, what):
    from funcgrad.numpy._base import _unsupported

    return _unsupported(name, what)


def histogram_bin_edges(a: Any, bins: Any = 10, range: Any = None, weights: Any = None) -> Any:
    """``numpy.histogram_bin_edges`` (the edges ``histogram`` uses; a range or integer-less bins need no
    values, otherwise the concrete ``a``).

    >>> histogram_bin_edges(_np.array([0.0, 1.0]), bins=2).tolist()
    [0.0, 0.5, 1.0]
    """
    if isinstance(bins, int | _np.integer) and range is not None:
        return _np.histogram_bin_edges(_np.zeros(0), bins, range)
    if not isinstance(bins, int | _np.integer | str):
        return _np.histogram_bin_edges(_np.zeros(0), _value_of("histogram_bin_edges", bins))
    return _np.histogram_bin_edges(_value_of("histogram_bin_edges", a), bins, range,
                                   None if weights is None else _value_of("histogram_bin_edges", weights))


def _concrete_args(name, args):
    return [_value_of(name, a) if _is_traced(a) else a for a in args]


def unique_values(x: Any) -> Any:
    """``numpy.unique_values`` (needs the concrete value; no derivative).

    >>> unique_values(_np.array([3.0, 1.0, 3.0])).tolist()
    [1.0, 3.0]
    """
    return _np.unique_values(*_concrete_args("unique_values", [x]))


def unique_counts(x: Any) -> Any:
    """``numpy.unique_counts`` (needs the concrete value; no derivative).

    >>> unique_counts(_np.array([3.0, 1.0, 3.0])).counts.tolist()
    [1, 2]
    """
    return _np.unique_counts(*_concrete_args("unique_counts", [x]))


def unique_inverse(x: Any) -> Any:
    """``numpy.unique_inverse`` (needs the concrete value; no derivative).

    >>> unique_inverse(_np.array([3.0, 1.0, 3.0])).inverse_indices.tolist()
    [1, 0, 1]
    """
    return _np.unique_inverse(*_concrete_args("unique_inverse", [x]))


def unique_all(x: Any) -> Any:
    """``numpy.unique_all`` (needs the concrete value; no derivative).

    >>> unique_all(_np.array([3.0, 1.0, 3.0])).indices.tolist()
    [1, 0]
    """
    return _np.unique_all(*_concrete_args("unique_all", [x]))


def intersect1d(ar1: Any, ar2: Any, assume_unique: bool = False, return_indices: bool = False) -> Any:
    """``numpy.intersect1d`` (needs concrete values; no derivative).

    >>> intersect1d(_np.array([3.0, 1.0]), _np.array([1.0, 2.0])).tolist()
    [1.0]
    """
    return _np.intersect1d(*_concrete_args("intersect1d", [ar1, ar2]), assume_unique, return_indices)


def union1d(ar1: Any, ar2: Any) -> Any:
    """``numpy.union1d`` (needs concrete values; no derivative).

    >>> union1d(_np.array([3.0, 1.0]), _np.array([1.0, 2.0])).tolist()
    [1.0, 2.0, 3.0]
    """
    return _np.union1d(*_concrete_args("union1d", [ar1, ar2]))


def setdiff1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """``numpy.setdiff1d`` (needs concrete values; no derivative).

    >>> setdiff1d(_np.array([3.0, 1.0]), _np.array([1.0, 2.0])).tolist()
    [3.0]
    """
    return _np.setdiff1d(*_concrete_args("setdiff1d", [ar1, ar2]), assume_unique)


def setxor1d(ar1: Any, ar2: Any, assume_unique: bool = False) -> Any:
    """``numpy.setxor1d`` (needs concrete values; no derivative).

    >>> setxor1d(_np.array([3.0, 1.0]), _np.array([1.0, 2.0])).tolist()
    [2.0, 3.0]
    """
    return _np.setxor1d(*_concrete_args("setxor1d", [ar1, ar2]), assume_unique)
