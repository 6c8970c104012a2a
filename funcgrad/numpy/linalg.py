"""``funcgrad.numpy.linalg``: ``numpy.linalg``'s names, traceable."""

from __future__ import annotations

import numpy as _np

from funcgrad import ops
from funcgrad.ops.util import normalize_axes, normalize_axis, shape_of


def _arr(x):
    from funcgrad.numpy._base import _arr as arr

    return arr(x)


def _square(name, a):
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise _np.linalg.LinAlgError(f"{name}: last 2 dimensions of the array must be square, got shape {s}")


def inv(a):
    """Matrix inverse (stacks allowed)."""
    a = _arr(a)
    _square("inv", a)
    return ops.inv(a)


def solve(a, b):
    """Solve ``a @ x = b`` for ``x``; ``b`` is a vector or a (stack of) matrices."""
    from funcgrad import numpy as fnp

    a, b = _arr(a), _arr(b)
    _square("solve", a)
    if len(shape_of(b)) == 1:
        return fnp.squeeze(ops.solve(a, fnp.reshape(b, shape_of(b) + (1,))), -1)
    return ops.solve(a, b)


def det(a):
    """Determinant (stacks allowed)."""
    a = _arr(a)
    _square("det", a)
    return ops.det(a)


def slogdet(a):
    """``(sign, log|det|)``; only ``log|det|`` carries a derivative."""
    a = _arr(a)
    _square("slogdet", a)
    return ops.slogdet(a)


def cholesky(a, /, *, upper=False):
    """Lower Cholesky factor of a symmetric positive-definite matrix."""
    a = _arr(a)
    _square("cholesky", a)
    L = ops.cholesky(a)
    return ops.mT(L) if upper else L


def norm(x, ord=None, axis=None, keepdims=False):
    """Vector and matrix norms: ord None, 'fro', 1, 2 (vectors), inf, -inf, p > 0 (vectors)."""
    from funcgrad import numpy as fnp

    x = _arr(x)
    nd = len(shape_of(x))
    if axis is None and ord is None:
        axes = tuple(range(nd))
        return fnp.sqrt(fnp.sum(x * x, axes, keepdims=keepdims))
    axes = normalize_axes(axis if axis is not None else tuple(range(nd)), nd)
    if len(axes) == 1:
        a = fnp.abs(x)
        if ord is None or ord == 2:
            return fnp.sqrt(fnp.sum(x * x, axes, keepdims=keepdims))
        if ord == _np.inf:
            return fnp.max(a, axes, keepdims=keepdims)
        if ord == -_np.inf:
            return fnp.min(a, axes, keepdims=keepdims)
        if ord == 0:
            return fnp.sum(fnp.astype(fnp.not_equal(x, 0), x.dtype), axes, keepdims=keepdims)
        if ord == 1:
            return fnp.sum(a, axes, keepdims=keepdims)
        return fnp.sum(a ** ord, axes, keepdims=keepdims) ** (1.0 / ord)
    if len(axes) == 2:
        r, c = axes if axis is None else (normalize_axis(int(i), nd) for i in axis)  # numpy's order: (row, col)
        if ord is None or ord == "fro":
            return fnp.sqrt(fnp.sum(x * x, axes, keepdims=keepdims))
        a = fnp.abs(x)
        if ord in (1, -1):
            s = fnp.sum(a, r, keepdims=True)
            out = fnp.max(s, axes, keepdims=True) if ord == 1 else fnp.min(s, axes, keepdims=True)
        elif ord in (_np.inf, -_np.inf):
            s = fnp.sum(a, c, keepdims=True)
            out = fnp.max(s, axes, keepdims=True) if ord == _np.inf else fnp.min(s, axes, keepdims=True)
        else:
            raise NotImplementedError(f"funcgrad.numpy.linalg.norm: matrix ord={ord!r} (needs singular values) "
                                      "is not supported")
        return out if keepdims else fnp.squeeze(out, axes)
    raise ValueError("norm: improper number of dimensions to norm")


def matrix_power(a, n):
    from funcgrad import numpy as fnp

    a = _arr(a)
    _square("matrix_power", a)
    if n < 0:
        a, n = inv(a), -n
    out = fnp.broadcast_to(_np.eye(shape_of(a)[-1]), shape_of(a)) * 1.0
    for _ in range(n):
        out = fnp.matmul(out, a)
    return out


def trace(x, /, *, offset=0, dtype=None):
    from funcgrad import numpy as fnp

    return fnp.trace(x, offset, -2, -1, dtype)


def matmul(a, b, /):
    from funcgrad import numpy as fnp

    return fnp.matmul(a, b)


LinAlgError = _np.linalg.LinAlgError
