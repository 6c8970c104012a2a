"""Contractions: ``matmul``, ``dot``, ``tensordot``, ``einsum``, ``kron``, ``cross``, ..."""

from __future__ import annotations

import builtins
import typing as _typing

import numpy as _np

from funcgrad import ops
from funcgrad.numpy._base import _arr, _is_traced, _no, _unsupported, astype
from funcgrad.numpy.elementwise import multiply
from funcgrad.numpy.shapes import broadcast_to, moveaxis, ravel, reshape, squeeze, stack, sum_tuples
from funcgrad.ops.util import dtype_of, normalize_axis, shape_of

if _typing.TYPE_CHECKING:
    from typing import Any

__all__ = ["convolve", "correlate", "cross", "dot", "einsum", "inner", "kron", "matmul", "matvec", "outer", "poly",
    "polyadd", "polyder", "polyfit", "polyint", "polymul", "polysub", "polyval", "tensordot", "vdot", "vecdot",
    "vecmat"]


def matmul(a, b, /, out=None, **kw):
    """``a @ b`` with NumPy's rules for 1-D operands and broadcast batch axes.

    >>> fnp.matmul(np.ones((4, 2, 3)), np.ones(3)).shape
    (4, 2)
    """
    _no("matmul", out=out)
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        raise ValueError("matmul: input operand does not have enough dimensions (scalars are not allowed)")
    va, vb = len(sa) == 1, len(sb) == 1
    if va:
        a, sa = reshape(a, (1,) + sa), (1,) + sa
    if vb:
        b, sb = reshape(b, sb + (1,)), sb + (1,)
    if sa[-1] != sb[-2]:
        raise ValueError(f"matmul: mismatch in contracted dimension: shapes {shape_of(a)} and {shape_of(b)} "
                         f"(n={sa[-1]} is different from {sb[-2]})")
    if len(sb) == 2:
        out = ops.dot_general(a, b, contract=((len(sa) - 1,), (0,)), batch=((), ()))
    elif len(sa) == 2:
        out = ops.dot_general(a, b, contract=((1,), (len(sb) - 2,)), batch=((), ()))
        out = moveaxis(out, 0, -2)  # (n, batch..., m) -> (batch..., n, m)
    else:
        batch = _np.broadcast_shapes(sa[:-2], sb[:-2])
        a = broadcast_to(a, batch + sa[-2:])
        b = broadcast_to(b, batch + sb[-2:])
        lead = tuple(range(len(batch)))
        out = ops.dot_general(a, b, contract=((len(batch) + 1,), (len(batch),)), batch=(lead, lead))
    if va:
        out = squeeze(out, -2)
    if vb:
        out = squeeze(out, -1)
    return out


def dot(a, b, out=None):
    """``numpy.dot``.

    >>> float(fnp.dot(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    _no("dot", out=out)
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return multiply(a, b)
    if len(sb) <= 2:
        return matmul(a, b) if len(sa) <= 2 else ops.dot_general(a, b, contract=((len(sa) - 1,), (0,)), batch=((), ()))
    return ops.dot_general(a, b, contract=((len(sa) - 1,), (len(sb) - 2,)), batch=((), ()))


def vdot(a, b):
    """``numpy.vdot`` of real arrays: the dot product of the flattened arrays.

    >>> float(fnp.vdot(np.ones((2, 2)), np.ones((2, 2))))
    4.0
    """
    return dot(ravel(a), ravel(b))


def inner(a, b):
    """``numpy.inner``: contraction over the last axes.

    >>> float(fnp.inner(np.array([1.0, 2.0]), np.array([3.0, 4.0])))
    11.0
    """
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    if not sa or not sb:
        return multiply(a, b)
    return ops.dot_general(a, b, contract=((len(sa) - 1,), (len(sb) - 1,)), batch=((), ()))


def outer(a, b, out=None):
    """``numpy.outer``.

    >>> fnp.outer(np.array([1.0, 2.0]), np.array([1.0, 3.0])).tolist()
    [[1.0, 3.0], [2.0, 6.0]]
    """
    _no("outer", out=out)
    return multiply(reshape(ravel(a), (-1, 1)), reshape(ravel(b), (1, -1)))


def tensordot(a, b, axes=2):
    """``numpy.tensordot``.

    >>> fnp.tensordot(np.ones((2, 3)), np.ones((3, 4)), axes=1).shape
    (2, 4)
    """
    a, b = _arr(a), _arr(b)
    na, nb = len(shape_of(a)), len(shape_of(b))
    if isinstance(axes, int):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, int) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, int) else list(ax_b)
    ax_a = tuple(normalize_axis(i, na) for i in ax_a)
    ax_b = tuple(normalize_axis(i, nb) for i in ax_b)
    return ops.dot_general(a, b, contract=(ax_a, ax_b), batch=((), ()))


def kron(a, b):
    """``numpy.kron``: the Kronecker product.

    >>> fnp.kron(np.array([1.0, 2.0]), np.array([1.0, 10.0])).tolist()
    [1.0, 10.0, 2.0, 20.0]
    """
    a, b = _arr(a), _arr(b)
    sa, sb = shape_of(a), shape_of(b)
    nd = builtins.max(len(sa), len(sb))
    a = reshape(a, (1,) * (nd - len(sa)) + sa)
    b = reshape(b, (1,) * (nd - len(sb)) + sb)
    sa, sb = shape_of(a), shape_of(b)
    out = reshape(a, sum_tuples((n, 1) for n in sa)) * reshape(b, sum_tuples((1, n) for n in sb))
    return reshape(out, tuple(x * y for x, y in zip(sa, sb)))


def einsum(subscripts, *operands, optimize=False, out=None, dtype=None, casting=None, order=None):
    """``numpy.einsum`` (explicit or implicit output, ellipsis, traces of repeated indices).

    >>> fnp.einsum('ij,j->i', np.eye(2), np.array([1.0, 2.0])).tolist()
    [1.0, 2.0]
    """
    from funcgrad.numpy._einsum import einsum as _einsum

    _no("einsum", out=out)
    return _einsum(subscripts, *[_arr(o) for o in operands])


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """``numpy.cross`` of 3-vectors.

    >>> fnp.cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])).tolist()
    [0.0, 0.0, 1.0]
    """
    a, b = _arr(a), _arr(b)
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
    if shape_of(a)[-1] != 3 or shape_of(b)[-1] != 3:
        raise _unsupported("cross", "vectors of length other than 3")
    a0, a1, a2 = (ops.index(a, (Ellipsis, i)) for i in range(3))
    b0, b1, b2 = (ops.index(b, (Ellipsis, i)) for i in range(3))
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], -1)
    return moveaxis(c, -1, axisc)


def polyval(p: Any, x: Any) -> Any:
    """``numpy.polyval``: the polynomial with coefficients ``p`` (highest power first) at ``x``, by Horner's
    rule; differentiable in both.

    >>> polyval(_np.array([1.0, 0.0, -1.0]), _np.array([2.0, 3.0])).tolist()
    [3.0, 8.0]
    """
    p, x = _arr(p), _arr(x)
    if len(shape_of(p)) != 1:
        raise ValueError("funcgrad.numpy.polyval: p must be a 1-D array of coefficients")
    y = _np.zeros(shape_of(x), _np.result_type(dtype_of(x), dtype_of(p)))
    for i in range(shape_of(p)[0]):
        y = y * x + ops.index(p, (i,))
    return y


def _convolve_full(a, v):
    """The full discrete convolution of 1-D ``a`` and ``v`` (one primitive: NumPy's cost)."""
    from funcgrad.ops.reductions import convolve as _convolve_p

    dtype = _np.result_type(dtype_of(a), dtype_of(v))
    return _convolve_p(astype(a, dtype), astype(v, dtype))


def _conv_mode(name, a, v, mode):
    a, v = _arr(a), _arr(v)
    if len(shape_of(a)) != 1 or len(shape_of(v)) != 1:
        raise ValueError(f"funcgrad.numpy.{name}: a and v must be 1-D")
    if not shape_of(a)[0] or not shape_of(v)[0]:
        raise ValueError(f"funcgrad.numpy.{name}: inputs cannot be empty")
    if mode not in ("full", "same", "valid"):
        raise ValueError(f"funcgrad.numpy.{name}: mode must be 'full', 'same' or 'valid', not {mode!r}")
    return a, v


def _crop(full, n, m, mode):
    if mode == "full":
        return full
    if mode == "same":
        length, start = builtins.max(n, m), (builtins.min(n, m) - 1) // 2
    else:
        length, start = builtins.max(n, m) - builtins.min(n, m) + 1, builtins.min(n, m) - 1
    return ops.index(full, (slice(start, start + length),))


def convolve(a: Any, v: Any, mode: str = "full") -> Any:
    """``numpy.convolve`` of 1-D arrays (modes full, same, valid), bilinear in ``a`` and ``v``.

    >>> convolve(_np.array([1.0, 2.0, 3.0]), _np.array([0.0, 1.0, 0.5])).tolist()
    [0.0, 1.0, 2.5, 4.0, 1.5]
    """
    a, v = _conv_mode("convolve", a, v, mode)
    if not (_is_traced(a) or _is_traced(v)):
        return _np.convolve(a, v, mode)
    return _crop(_convolve_full(a, v), shape_of(a)[0], shape_of(v)[0], mode)


def correlate(a: Any, v: Any, mode: str = "valid") -> Any:
    """``numpy.correlate`` of real 1-D arrays (modes valid, same, full): ``convolve(a, v[::-1])``.

    >>> correlate(_np.array([1.0, 2.0, 3.0]), _np.array([0.0, 1.0, 0.5])).tolist()
    [3.5]
    """
    a, v = _conv_mode("correlate", a, v, mode)
    if not (_is_traced(a) or _is_traced(v)):
        return _np.correlate(a, v, mode)
    n, m = shape_of(a)[0], shape_of(v)[0]
    full = _convolve_full(a, ops.index(v, (slice(None, None, -1),)))
    if mode == "same" and m > n:  # NumPy centres the window on the other side of the middle here
        start = (n - 1) - (n - 1) // 2
        return ops.index(full, (slice(start, start + m),))
    return _crop(full, n, m, mode)


def vecdot(x1: Any, x2: Any, /, *, axis: Any = -1, **kw: Any) -> Any:
    """``numpy.vecdot``: dot products of real vectors along ``axis``, broadcasting the rest.

    >>> vecdot(_np.array([[1.0, 2.0], [3.0, 4.0]]), _np.array([1.0, 1.0])).tolist()
    [3.0, 7.0]
    """
    from funcgrad.numpy.reductions import sum

    return sum(multiply(_arr(x1), _arr(x2)), axis)


def matvec(x1: Any, x2: Any, /, **kw: Any) -> Any:
    """``numpy.matvec``: matrix times vector over broadcast stacks.

    >>> matvec(_np.eye(2) * 2.0, _np.array([1.0, 3.0])).tolist()
    [2.0, 6.0]
    """
    x1, x2 = _arr(x1), _arr(x2)
    return squeeze(matmul(x1, reshape(x2, shape_of(x2) + (1,))), -1)


def vecmat(x1: Any, x2: Any, /, **kw: Any) -> Any:
    """``numpy.vecmat``: vector times matrix over broadcast stacks.

    >>> vecmat(_np.array([1.0, 3.0]), _np.eye(2) * 2.0).tolist()
    [2.0, 6.0]
    """
    x1, x2 = _arr(x1), _arr(x2)
    return squeeze(matmul(reshape(x1, shape_of(x1)[:-1] + (1,) + shape_of(x1)[-1:]), x2), -2)


def _poly_pair(a1, a2):
    from funcgrad.numpy.shapes import concatenate

    a1, a2 = ravel(_arr(a1)), ravel(_arr(a2))
    n1, n2 = shape_of(a1)[0], shape_of(a2)[0]
    pad = builtins.abs(n1 - n2)
    if n1 < n2:
        a1 = concatenate([_np.zeros(pad, dtype_of(a1)), a1])
    elif n2 < n1:
        a2 = concatenate([_np.zeros(pad, dtype_of(a2)), a2])
    return a1, a2


def polyadd(a1: Any, a2: Any) -> Any:
    """``numpy.polyadd`` of coefficient arrays (highest power first).

    >>> polyadd(_np.array([1.0, 2.0]), _np.array([1.0, 0.0, 1.0])).tolist()
    [1.0, 1.0, 3.0]
    """
    a1, a2 = _poly_pair(a1, a2)
    return a1 + a2


def polysub(a1: Any, a2: Any) -> Any:
    """``numpy.polysub`` of coefficient arrays (highest power first).

    >>> polysub(_np.array([1.0, 2.0]), _np.array([1.0, 0.0, 1.0])).tolist()
    [-1.0, 1.0, 1.0]
    """
    a1, a2 = _poly_pair(a1, a2)
    return a1 - a2


def polymul(a1: Any, a2: Any) -> Any:
    """``numpy.polymul``: the product polynomial (a convolution of the coefficients).

    >>> polymul(_np.array([1.0, 1.0]), _np.array([1.0, -1.0])).tolist()
    [1.0, 0.0, -1.0]
    """
    return convolve(ravel(_arr(a1)), ravel(_arr(a2)))


def polyder(p: Any, m: int = 1) -> Any:
    """``numpy.polyder``: the ``m``-th derivative polynomial.

    >>> polyder(_np.array([1.0, 1.0, 1.0])).tolist()
    [2.0, 1.0]
    """
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = ravel(_arr(p))
    for _ in range(m):
        n = shape_of(p)[0] - 1
        p = ops.index(p, (slice(0, n),)) * _np.arange(n, 0, -1)
        if n == 0:
            break
    return p


def polyint(p: Any, m: int = 1, k: Any = None) -> Any:
    """``numpy.polyint``: the ``m``-th antiderivative polynomial with integration constants ``k``.

    >>> polyint(_np.array([3.0, 2.0])).tolist()
    [1.5, 2.0, 0.0]
    """
    from funcgrad.numpy.shapes import concatenate

    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    k = 0.0 if k is None else _arr(k)
    nk = shape_of(k)[0] if shape_of(k) else 1
    if nk == 1:
        ks = [k if not shape_of(k) else ops.index(k, (0,))] * m
    else:
        ks = [ops.index(k, (i,)) for i in range(builtins.min(m, nk))]
    if len(ks) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    p = ravel(_arr(p))
    for i in range(m):
        n = shape_of(p)[0]
        p = concatenate([p / _np.arange(n, 0, -1),
                         reshape(_arr(ks[i]), (1,))])
    return p


def polyfit(x: Any, y: Any, deg: int, rcond: Any = None, full: bool = False, w: Any = None,
            cov: Any = False) -> Any:
    """``numpy.polyfit``: least-squares polynomial coefficients (highest power first), by NumPy's scaled
    Vandermonde system; differentiable in ``x``, ``y`` and ``w``.

    >>> polyfit(_np.array([0.0, 1.0, 2.0]), _np.array([1.0, 3.0, 5.0]), 1).round(12).tolist()
    [2.0, 1.0]
    """
    from funcgrad.numpy import linalg as _linalg
    from funcgrad.numpy.creation import vander
    from funcgrad.numpy.elementwise import sqrt
    from funcgrad.numpy.reductions import sum

    _no("polyfit", full=full, cov=cov)
    x, y = _arr(x), _arr(y)
    order = int(deg) + 1
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if len(shape_of(x)) != 1 or not shape_of(x)[0]:
        raise TypeError("expected a non-empty 1D vector for x")
    if not 1 <= len(shape_of(y)) <= 2 or shape_of(y)[0] != shape_of(x)[0]:
        raise TypeError("expected a 1D or 2D array for y, as long as x")
    dtype = _np.result_type(dtype_of(x), dtype_of(y), 0.0)
    x, y = astype(x, dtype), astype(y, dtype)
    if rcond is None:
        rcond = shape_of(x)[0] * float(_np.finfo(dtype).eps)
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = astype(_arr(w), dtype)
        lhs = lhs * reshape(w, (-1, 1))
        rhs = rhs * (reshape(w, (-1, 1)) if len(shape_of(rhs)) == 2 else w)
    scale = sqrt(sum(lhs * lhs, 0))
    c = _linalg.lstsq(lhs / scale, rhs, rcond=rcond)[0]
    return c / (reshape(scale, (-1, 1)) if len(shape_of(c)) == 2 else scale)


def poly(seq_of_zeros: Any) -> Any:
    """``numpy.poly`` of a 1-D sequence of real roots: the monic polynomial's coefficients (a product of
    linear factors), differentiable in the roots.

    >>> poly(_np.array([1.0, 2.0])).tolist()
    [1.0, -3.0, 2.0]
    """
    r = _arr(seq_of_zeros)
    if len(shape_of(r)) != 1:
        raise _unsupported("poly", "a matrix argument (the characteristic polynomial); pass its eigenvalues")
    a = _np.ones(1, _np.result_type(dtype_of(r), 1.0))
    for k in range(shape_of(r)[0]):
        from funcgrad.numpy.shapes import concatenate

        a = convolve(a, concatenate([_np.ones(1, dtype_of(a)), -reshape(ops.index(r, (k,)), (1,))]))
    return a
