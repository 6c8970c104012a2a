"""``funcgrad.numpy.linalg``: ``numpy.linalg``'s names, traceable and differentiable.

Every function works on stacks of matrices (leading axes are batch axes), as NumPy's do.
The decompositions ``eigh``, ``svd``, ``qr`` and ``eig`` and the pseudo-inverse ``pinv`` are
primitives (:mod:`funcgrad.ops.linalg`); everything else here is a composition of primitives.

Degenerate points. Where eigenvalues (``eigh``, ``eig``) or singular values (``svd``) repeat, the
eigen- or singular vectors are not unique and have no derivative: their derivatives come out
infinite or NaN there. Functions of the values alone (``eigvalsh``, ``eigvals``, ``svdvals``,
``norm`` with ``ord`` 2, -2 or ``'nuc'``, ``cond``) have finite first derivatives at repeated values.
``svd`` and ``qr`` also need full rank for the derivatives of their vectors (a zero singular value,
a singular ``R``), and ``pinv`` / ``lstsq`` a locally constant rank. ``matrix_rank`` is an integer
and carries no derivative.

    >>> import numpy as np, funcgrad as fg
    >>> a = np.array([[2.0, 1.0], [1.0, 3.0]])
    >>> fg.grad(lambda a: np.linalg.eigvalsh(a)[-1])(a).round(6)   # v vᵀ, read from the lower triangle
    array([[0.276393, 0.      ],
           [0.894427, 0.723607]])
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as _np
from numpy.linalg._linalg import EighResult, EigResult, QRResult, SlogdetResult, SVDResult

from funcgrad import ops
from funcgrad.ops import linalg as _ops
from funcgrad.ops.util import (
    dtype_of as _dtype_of, normalize_axes as _normalize_axes, normalize_axis as _normalize_axis,
    shape_of as _shape_of,
)

LinAlgError = _np.linalg.LinAlgError


def _fnp():
    from funcgrad import numpy as fnp

    return fnp


def _arr(x):
    from funcgrad.numpy._base import _arr as arr

    return arr(x)


def _traced(*xs) -> bool:
    from funcgrad.numpy._base import _is_traced

    return any(_is_traced(x) for x in xs)


def _square(name, a):
    s = _shape_of(a)
    if len(s) < 2:
        raise LinAlgError(f"{name}: {len(s)}-dimensional array given; the array must be at least two-dimensional")
    if s[-1] != s[-2]:
        raise LinAlgError(f"{name}: last 2 dimensions of the array must be square, got shape {s}")


def _at_least_2d(name, a):
    s = _shape_of(a)
    if len(s) < 2:
        raise LinAlgError(f"{name}: {len(s)}-dimensional array given; the array must be at least two-dimensional")


def _real(name, a):
    """``a`` as an array of the float dtype ``numpy.linalg`` computes in (ints become float64)."""
    a = _arr(a)
    dt = _dtype_of(a)
    if dt.kind == "c":
        raise TypeError(f"funcgrad.numpy.linalg.{name}: complex matrices are not supported (its derivative "
                        f"rules are for real matrices); split the matrix into real and imaginary parts")
    if dt == _np.float16:
        raise TypeError(f"funcgrad.numpy.linalg.{name}: array type float16 is unsupported in linalg (as in "
                        f"NumPy); cast to float32 or float64 first")
    want = _ops._float_dtype(dt)
    return a if dt == want else _fnp().astype(a, want)


def _mT(x):
    return ops.mT(x)


# ----------------------------------------------------------------------------- existing basics


def inv(a: Any) -> Any:
    """Matrix inverse (stacks allowed).

    >>> import numpy as np
    >>> inv(np.array([[2.0, 0.0], [0.0, 4.0]]))
    array([[0.5 , 0.  ],
           [0.  , 0.25]])
    """
    a = _arr(a)
    _square("inv", a)
    return ops.inv(a)


def solve(a: Any, b: Any) -> Any:
    """Solve ``a @ x = b`` for ``x``; ``b`` is a vector or a (stack of) matrices.

    >>> import numpy as np
    >>> solve(np.array([[2.0, 0.0], [0.0, 4.0]]), np.array([1.0, 1.0]))
    array([0.5 , 0.25])
    """
    fnp = _fnp()
    a, b = _arr(a), _arr(b)
    _square("solve", a)
    if len(_shape_of(b)) == 1:
        return fnp.squeeze(ops.solve(a, fnp.reshape(b, _shape_of(b) + (1,))), -1)
    return ops.solve(a, b)


def det(a: Any) -> Any:
    """Determinant (stacks allowed).

    >>> import numpy as np
    >>> round(float(det(np.array([[2.0, 1.0], [1.0, 3.0]]))), 12)
    5.0
    """
    a = _arr(a)
    _square("det", a)
    return ops.det(a)


def slogdet(a: Any) -> SlogdetResult:
    """``(sign, logabsdet)``; only ``logabsdet`` carries a derivative.

    >>> import numpy as np
    >>> [float(v) for v in slogdet(np.array([[-2.0, 0.0], [0.0, 3.0]]))]
    [-1.0, 1.791759469228055]
    """
    a = _arr(a)
    _square("slogdet", a)
    return SlogdetResult(*ops.slogdet(a))


def cholesky(a: Any, /, *, upper: bool = False) -> Any:
    """Lower (or upper) Cholesky factor of a symmetric positive-definite matrix.

    >>> import numpy as np
    >>> cholesky(np.array([[4.0, 2.0], [2.0, 2.0]]))
    array([[2., 0.],
           [1., 1.]])
    """
    a = _arr(a)
    _square("cholesky", a)
    L = ops.cholesky(a)
    return ops.mT(L) if upper else L


# ----------------------------------------------------------------------------- eigenvalues


def _symmetric_from(a, UPLO):
    """The symmetric matrix ``numpy.linalg.eigh`` reads: one triangle of ``a``, mirrored."""
    if UPLO not in ("L", "U"):
        raise ValueError(f"funcgrad.numpy.linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    n = _shape_of(a)[-1]
    lower = _np.tri(n, n, 0, dtype=bool)
    strict = _np.tri(n, n, -1, dtype=bool)
    if UPLO == "U":
        lower, strict = lower.T, strict.T
    return a * lower + _mT(a * strict)


def eigh(a: Any, UPLO: str = "L") -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of a symmetric matrix, read from one triangle.

    Only the triangle ``UPLO`` names is read, so derivatives flow to that triangle alone.
    Eigenvectors have no derivative where eigenvalues repeat (it comes out infinite or NaN);
    the eigenvalues' first derivatives stay finite.

    >>> import numpy as np
    >>> w, v = eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))
    >>> w
    array([1., 3.])
    """
    a = _real("eigh", a)
    _square("eigh", a)
    return EighResult(*_ops.eigh(_symmetric_from(a, UPLO)))


def eigvalsh(a: Any, UPLO: str = "L") -> Any:
    """Eigenvalues (ascending) of a symmetric matrix; finite first derivatives at repeated values.

    >>> import numpy as np
    >>> import funcgrad as fg
    >>> fg.grad(lambda a: np.sum(eigvalsh(a)))(np.eye(2))   # d trace: the lower triangle's identity
    array([[1., 0.],
           [0., 1.]])
    """
    return eigh(a, UPLO)[0]


def eig(a: Any) -> EigResult:
    """Eigenvalues and unit eigenvectors of a square matrix.

    Traced matrices must have real eigenvalues: the derivative rules are for real eigenvalues and
    eigenvectors, and complex ones raise ``LinAlgError`` (use ``eigh`` for symmetric matrices). The
    eigenvectors' derivatives exist where the eigenvalues are distinct. A concrete NumPy array
    is passed to ``numpy.linalg.eig`` (complex results included).

    >>> import numpy as np
    >>> w, v = eig(np.array([[2.0, 1.0], [0.0, 3.0]]))
    >>> w
    array([2., 3.])
    """
    if not _traced(a):
        return _np.linalg.eig(a)
    a = _real("eig", a)
    _square("eig", a)
    return EigResult(*_ops.eig(a))


def eigvals(a: Any) -> Any:
    """Eigenvalues of a square matrix (real eigenvalues only for traced matrices; see :func:`eig`).

    >>> import numpy as np
    >>> import funcgrad as fg
    >>> fg.grad(lambda a: eigvals(a)[1])(np.array([[2.0, 1.0], [0.0, 3.0]]))   # u vᵀ / (u·v)
    array([[0., 0.],
           [1., 1.]])
    """
    if not _traced(a):
        return _np.linalg.eigvals(a)
    return eig(a)[0]


# ----------------------------------------------------------------------------- svd and qr


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False) -> Any:
    """Singular value decomposition ``a = u @ (s[..., None] * vh)``, ``s`` descending.

    Differentiable with ``full_matrices=False`` (or for square matrices, or ``compute_uv=False``):
    the extra columns of a full SVD of a non-square matrix are not unique, so differentiating
    them raises ``NotImplementedError``. Singular vectors have no derivative where singular
    values repeat or (for non-square matrices) vanish; the singular values' first derivatives
    stay finite. ``hermitian=True`` goes through ``eigh`` of the lower triangle, as NumPy does
    (the same factors as NumPy's).

    >>> import numpy as np
    >>> u, s, vh = svd(np.array([[3.0, 0.0], [0.0, -2.0]]))
    >>> s
    array([3., 2.])
    """
    a = _real("svd", a)
    _at_least_2d("svd", a)
    if hermitian:
        _square("svd", a)
        return _svd_hermitian(a, compute_uv)
    m, n = _shape_of(a)[-2:]
    if not compute_uv:
        return _ops.svd(a)[1]
    if full_matrices and m != n:
        return SVDResult(*_ops.svd_full(a))
    return SVDResult(*_ops.svd(a))


def _svd_hermitian(a, compute_uv):
    """NumPy's SVD of a symmetric matrix: ``eigh``, values by decreasing modulus, their signs moved into ``vh``."""
    fnp = _fnp()
    w, v = _ops.eigh(_symmetric_from(a, "L"))
    s = fnp.abs(w)
    order = fnp.flip(fnp.argsort(ops.stop_gradient(s), axis=-1), axis=-1)
    s = fnp.take_along_axis(s, order, axis=-1)
    if not compute_uv:
        return s
    sign = fnp.take_along_axis(fnp.copysign(1.0, ops.stop_gradient(w)), order, axis=-1)
    u = fnp.take_along_axis(v, fnp.expand_dims(order, -2), axis=-1)
    return SVDResult(u, s, _mT(u * fnp.expand_dims(sign, -2)))


def svdvals(x: Any, /) -> Any:
    """Singular values, descending; finite first derivatives at repeated values.

    >>> import numpy as np
    >>> svdvals(np.array([[0.0, 2.0], [1.0, 0.0]]))
    array([2., 1.])
    """
    return svd(x, compute_uv=False)


def qr(a: Any, mode: str = "reduced") -> Any:
    """QR factorisation ``a = q @ r`` (``mode`` 'reduced', 'complete' or 'r').

    Differentiable where ``r``'s leading square block is invertible (full rank). The extra
    columns of ``q`` in mode 'complete' for a tall matrix are not unique: differentiating
    them raises ``NotImplementedError``; mode 'raw' is for concrete arrays only.

    >>> import numpy as np
    >>> q, r = qr(np.array([[3.0, 1.0], [4.0, 2.0]]))
    >>> np.allclose(q @ r, [[3.0, 1.0], [4.0, 2.0]])
    True
    """
    if mode not in ("reduced", "complete", "r", "raw"):
        raise ValueError(f"funcgrad.numpy.linalg.qr: unrecognized mode {mode!r}; use 'reduced', 'complete' or 'r'")
    if mode == "raw":
        if not _traced(a):
            return _np.linalg.qr(a, mode="raw")
        raise NotImplementedError("funcgrad.numpy.linalg.qr: mode='raw' (Householder reflectors) is not "
                                  "supported on traced values; use mode='reduced'")
    fnp = _fnp()
    a = _real("qr", a)
    _at_least_2d("qr", a)
    m, n = _shape_of(a)[-2:]
    if mode == "complete" and m > n:
        q, r = _ops.qr_complete(a)
    elif m >= n:
        q, r = _ops.qr(a)
    else:  # wide: the QR of the leading square block, and qᵀ times the rest
        q, r0 = _ops.qr(a[..., :, :m])
        r = fnp.concatenate([r0, ops.matmul2(_mT(q), a[..., :, m:])], axis=-1)
    return r if mode == "r" else QRResult(q, r)


# ----------------------------------------------------------------------------- inverses and solvers


def _rcond(a, rcond, rtol, default):
    """The relative cutoff of ``pinv``: NumPy's rules for ``rcond`` and ``rtol``, as a Python float."""
    if rcond is None:
        if rtol is _NOVALUE:
            rcond = default
        elif rtol is None:
            rcond = max(_shape_of(a)[-2:]) * float(_np.finfo(_dtype_of(a)).eps)
        else:
            rcond = rtol
    elif rtol is not _NOVALUE:
        raise ValueError("funcgrad.numpy.linalg.pinv: `rtol` and `rcond` can't be both set")
    if _traced(rcond) or _np.ndim(rcond) != 0:
        raise TypeError("funcgrad.numpy.linalg.pinv: rcond / rtol must be a Python or NumPy scalar (one cutoff "
                        "for every matrix of a stack)")
    return float(rcond)


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


_NOVALUE = _NoValue()


def pinv(a: Any, rcond: Any = None, hermitian: bool = False, *, rtol: Any = _NOVALUE) -> Any:
    """Moore-Penrose pseudo-inverse; singular values ``<= rcond * max(s)`` count as zero.

    Its derivative holds where the rank is locally constant (Golub & Pereyra), so it is finite at
    repeated singular values (``pinv`` of the identity is differentiable). ``hermitian=True`` reads
    the lower triangle, as NumPy does.

    >>> import numpy as np
    >>> pinv(np.array([[1.0, 0.0], [0.0, 0.0]]))
    array([[1., 0.],
           [0., 0.]])
    """
    a = _real("pinv", a)
    _at_least_2d("pinv", a)
    if hermitian:  # NumPy reads the lower triangle then
        _square("pinv", a)
        a = _symmetric_from(a, "L")
    return _ops.pinv(a, rcond=_rcond(a, rcond, rtol, 1e-15), hermitian=bool(hermitian))


def lstsq(a: Any, b: Any, rcond: Any = None) -> tuple:
    """Least-squares solution of ``a @ x = b``: ``(x, residuals, rank, s)`` as in NumPy.

    ``x = pinv(a) @ b`` (differentiable where the rank is locally constant); ``s`` are the
    singular values of ``a`` (differentiable), ``rank`` an integer without derivative. The
    residuals are NumPy's when the rank is known while tracing; under ``jit`` and ``vmap``,
    where it is not, a tall ``a`` (M > N) always gets them (shape ``(K,)``), whatever its rank.

    >>> import numpy as np
    >>> x, res, rank, s = lstsq(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]), np.array([1.0, 2.0, 3.0]))
    >>> x, res, int(rank)
    (array([1., 2.]), array([9.]), 2)
    """
    fnp = _fnp()
    a, b = _real("lstsq", a), _arr(b)
    if len(_shape_of(a)) != 2 or len(_shape_of(b)) not in (1, 2):
        raise LinAlgError(f"lstsq: a must be two-dimensional and b one- or two-dimensional, got shapes "
                          f"{_shape_of(a)} and {_shape_of(b)} (use fg.vmap for stacks)")
    b = _real("lstsq", b)
    if _dtype_of(a) != _dtype_of(b):
        dt = _np.result_type(_dtype_of(a), _dtype_of(b))
        a, b = fnp.astype(a, dt), fnp.astype(b, dt)
    m, n = _shape_of(a)
    if _shape_of(b)[0] != m:
        raise LinAlgError(f"lstsq: incompatible dimensions: a has {m} rows, b has {_shape_of(b)[0]}")
    dt = _dtype_of(a)
    if rcond is None:
        rcond = float(_np.finfo(dt).eps) * max(m, n)
    s = svd(a, compute_uv=False)
    x = fnp.matmul(_ops.pinv(a, rcond=float(rcond), hermitian=False), b)
    sg = ops.stop_gradient(s)
    rank = fnp.sum(fnp.astype(sg > float(rcond) * fnp.max(sg), _np.int64))
    r = b - fnp.matmul(a, x)
    resid = fnp.sum(r * r, axis=0)
    if len(_shape_of(b)) == 1:
        resid = fnp.reshape(resid, (1,))
    empty = _np.zeros((0,), dt)
    if m <= n:
        resid = empty
    else:
        try:
            full = int(rank) == n
        except TypeError:  # the rank is not known while tracing (jit, vmap)
            full = True
        if not full:
            resid = empty
    return x, resid, rank, s


def matrix_rank(A: Any, tol: Any = None, hermitian: bool = False, *, rtol: Any = None) -> Any:
    """Number of singular values above the tolerance (NumPy's rules); an integer, no derivative.

    >>> import numpy as np
    >>> int(matrix_rank(np.array([[1.0, 2.0], [2.0, 4.0]])))
    1
    """
    fnp = _fnp()
    A = ops.stop_gradient(_arr(A))
    if len(_shape_of(A)) < 2:
        return fnp.astype(fnp.any(A != 0), _np.int64)
    S = svd(A, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = max(_shape_of(A)[-2:]) * _np.finfo(_dtype_of(S)).eps
        else:
            rtol = fnp.expand_dims(_arr(rtol), -1)
        tol = fnp.max(S, axis=-1, keepdims=True) * rtol
    else:
        tol = fnp.expand_dims(_arr(tol), -1)
    return fnp.sum(fnp.astype(S > tol, _np.int64), axis=-1)


def tensorsolve(a: Any, b: Any, axes: Any = None) -> Any:
    """Solve the tensor equation ``tensordot(a, x, x.ndim) = b`` for ``x``.

    >>> import numpy as np
    >>> a = np.eye(6).reshape(2, 3, 6) * 2.0
    >>> tensorsolve(a, np.ones((2, 3))).shape
    (6,)
    """
    fnp = _fnp()
    a, b = _arr(a), _arr(b)
    an = len(_shape_of(a))
    if axes is not None:
        allaxes = list(range(an))
        for k in axes:
            allaxes.remove(k)
            allaxes.insert(an, k)
        a = fnp.transpose(a, allaxes)
    oldshape = _shape_of(a)[-(an - len(_shape_of(b))):]
    prod = int(_np.prod(oldshape, dtype=_np.int64))
    if int(_np.prod(_shape_of(a), dtype=_np.int64)) != prod ** 2:
        raise LinAlgError("tensorsolve: input arrays must satisfy prod(a.shape[b.ndim:]) == prod(a.shape[:b.ndim]), "
                          f"got a.shape={_shape_of(a)} and b.shape={_shape_of(b)}")
    x = solve(fnp.reshape(a, (prod, prod)), fnp.reshape(b, (prod,)))
    return fnp.reshape(x, oldshape)


def tensorinv(a: Any, ind: int = 2) -> Any:
    """The inverse of ``a`` under ``tensordot(·, ·, ind)``.

    >>> import numpy as np
    >>> tensorinv(np.eye(4).reshape(4, 2, 2) * 2.0, ind=1).shape
    (2, 2, 4)
    """
    fnp = _fnp()
    a = _arr(a)
    if ind <= 0:
        raise ValueError(f"tensorinv: ind must be a positive integer, got {ind!r}")
    oldshape = _shape_of(a)
    invshape = oldshape[ind:] + oldshape[:ind]
    prod = int(_np.prod(oldshape[ind:], dtype=_np.int64))
    if int(_np.prod(oldshape, dtype=_np.int64)) != prod ** 2:
        raise LinAlgError(f"tensorinv: input array must satisfy prod(a.shape[ind:]) == prod(a.shape[:ind]), got "
                          f"shape {oldshape} with ind={ind}")
    return fnp.reshape(inv(fnp.reshape(a, (prod, prod))), invshape)


# ----------------------------------------------------------------------------- products


def matrix_power(a: Any, n: int) -> Any:
    """``a`` to the integer power ``n`` (negative: of the inverse), by repeated squaring as NumPy.

    >>> import numpy as np
    >>> matrix_power(np.array([[1.0, 1.0], [0.0, 1.0]]), 3)
    array([[1., 3.],
           [0., 1.]])
    """
    fnp = _fnp()
    a = _arr(a)
    _square("matrix_power", a)
    try:
        n = operator.index(n)
    except TypeError as e:
        raise TypeError(f"matrix_power: the exponent must be a Python integer, got {type(n).__name__}") from e
    if n == 0:
        return _np.array(_np.broadcast_to(_np.eye(_shape_of(a)[-1], dtype=_dtype_of(a)), _shape_of(a)))
    if n < 0:
        a, n = inv(a), -n
    if n == 1:
        return a
    if n == 2:
        return fnp.matmul(a, a)
    if n == 3:
        return fnp.matmul(fnp.matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else fnp.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else fnp.matmul(result, z)
    return result


def _chain_order(shapes):
    """NumPy's dynamic programme for the cheapest parenthesisation of a matrix chain."""
    p = [s[0] for s in shapes] + [shapes[-1][1]]
    n = len(shapes)
    m = _np.zeros((n, n), dtype=float)
    s = _np.empty((n, n), dtype=_np.intp)
    for ell in range(1, n):
        for i in range(n - ell):
            j = i + ell
            m[i, j] = _np.inf
            for k in range(i, j):
                q = m[i, k] + m[k + 1, j] + p[i] * p[k + 1] * p[j + 1]
                if q < m[i, j]:
                    m[i, j], s[i, j] = q, k
    return s


def multi_dot(arrays: Any, *, out: Any = None) -> Any:
    """The product of a chain of matrices, in the cheapest order (first and last may be 1-D).

    >>> import numpy as np
    >>> multi_dot([np.ones(2), np.eye(2), np.ones((2, 3))])
    array([2., 2., 2.])
    """
    fnp = _fnp()
    if out is not None:
        raise TypeError("multi_dot: out= cannot receive a traced value (traced arrays are immutable); "
                        "assign the result instead")
    arrays = [_arr(x) for x in arrays]
    n = len(arrays)
    if n < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    if n == 2:
        return fnp.dot(arrays[0], arrays[1])
    first, last = arrays[0], arrays[-1]
    first_1d, last_1d = len(_shape_of(first)) == 1, len(_shape_of(last)) == 1
    if first_1d:
        arrays[0] = fnp.reshape(first, (1, -1))
    if last_1d:
        arrays[-1] = fnp.reshape(last, (-1, 1))
    for x in arrays:
        if len(_shape_of(x)) != 2:
            raise LinAlgError(f"multi_dot: {len(_shape_of(x))}-dimensional array given; the inner arrays must be "
                              f"two-dimensional")
    order = _chain_order([_shape_of(x) for x in arrays])

    def product(i, j):
        if i == j:
            return arrays[i]
        return fnp.dot(product(i, order[i, j]), product(order[i, j] + 1, j))

    result = product(0, n - 1)
    if first_1d and last_1d:
        return result[0, 0]
    if first_1d or last_1d:
        return fnp.reshape(result, (-1,))
    return result


# ----------------------------------------------------------------------------- norms


def _root(total, p):
    """``total ** (1 / p)`` with derivative 0 where ``total`` is 0 (norms at the zero vector), in every mode."""
    fnp = _fnp()
    pos = total > 0
    safe = fnp.where(pos, total, 1.0)
    root = fnp.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return fnp.where(pos, root, 0.0)


def _vector_norm(x, axes, ord, keepdims):
    fnp = _fnp()
    if isinstance(ord, str):
        raise ValueError(f"norm: invalid norm order {ord!r} for vectors")
    if ord is None or ord == 2:
        return _root(fnp.sum(x * x, axes, keepdims=keepdims), 2)
    a = fnp.abs(x)
    if ord == _np.inf:
        return fnp.max(a, axes, keepdims=keepdims)
    if ord == -_np.inf:
        return fnp.min(a, axes, keepdims=keepdims)
    if ord == 0:
        return fnp.sum(fnp.astype(fnp.not_equal(x, 0), _dtype_of(x)), axes, keepdims=keepdims)
    if ord == 1:
        return fnp.sum(a, axes, keepdims=keepdims)
    if ord > 0:
        return _root(fnp.sum(a ** ord, axes, keepdims=keepdims), ord)
    return fnp.sum(a ** ord, axes, keepdims=keepdims) ** (1.0 / ord)


def _matrix_norm(x, r, c, ord, keepdims):
    fnp = _fnp()
    if r == c:
        raise ValueError("norm: duplicate axes given")
    axes = tuple(sorted((r, c)))
    if ord is None or ord == "fro":
        return _root(fnp.sum(x * x, axes, keepdims=keepdims), 2)
    if ord in (2, -2, "nuc"):  # functions of the singular values (ties share a max's derivative equally)
        s = svdvals(fnp.moveaxis(x, (r, c), (-2, -1)))
        out = fnp.max(s, -1) if ord == 2 else fnp.min(s, -1) if ord == -2 else fnp.sum(s, -1)
        return fnp.expand_dims(out, axes) if keepdims else out
    a = fnp.abs(x)
    if ord in (1, -1):
        s = fnp.sum(a, r, keepdims=True)
    elif ord in (_np.inf, -_np.inf):
        s = fnp.sum(a, c, keepdims=True)
    else:
        raise ValueError(f"norm: invalid norm order {ord!r} for matrices; use 'fro', 'nuc', 1, -1, 2, -2, inf "
                         f"or -inf")
    out = fnp.max(s, axes, keepdims=True) if ord in (1, _np.inf) else fnp.min(s, axes, keepdims=True)
    return out if keepdims else fnp.squeeze(out, axes)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    """Vector and matrix norms, every ``ord`` NumPy accepts.

    Vectors: ``None``/2, 1, ``±inf``, 0 (a count, no derivative), any other p. Matrices: ``None``/'fro',
    'nuc', ``±1``, ``±2``, ``±inf``. The spectral and nuclear norms go through the singular
    values; where the largest (or smallest) repeats, the derivative is shared equally.

    >>> import numpy as np
    >>> float(norm(np.array([[3.0, 0.0], [0.0, 4.0]]), 2)), float(norm(np.array([3.0, 4.0])))
    (4.0, 5.0)
    """
    fnp = _fnp()
    x = _arr(x)
    nd = len(_shape_of(x))
    if axis is None and ord is None:
        return _root(fnp.sum(x * x, tuple(range(nd)), keepdims=keepdims), 2)
    if axis is None:
        axis = tuple(range(nd))
    elif isinstance(axis, int | _np.integer):
        axis = (int(axis),)
    else:
        axis = tuple(axis)
    if len(axis) == 1:
        return _vector_norm(x, _normalize_axes(axis, nd), ord, keepdims)
    if len(axis) == 2:
        r, c = (_normalize_axis(int(i), nd) for i in axis)  # numpy's order: (row, col)
        return _matrix_norm(x, r, c, ord, keepdims)
    raise ValueError(f"norm: improper number of dimensions to norm: axis={axis!r} on an array of dimension {nd}")


def vector_norm(x: Any, /, *, axis: Any = None, keepdims: bool = False, ord: Any = 2) -> Any:
    """Vector norm over ``axis`` (an int, a tuple, or ``None`` for all elements).

    >>> import numpy as np
    >>> vector_norm(np.array([[3.0, 4.0], [6.0, 8.0]]), axis=1)
    array([ 5., 10.])
    """
    x = _arr(x)
    nd = len(_shape_of(x))
    return _vector_norm(x, _normalize_axes(axis, nd), ord, keepdims)


def matrix_norm(x: Any, /, *, keepdims: bool = False, ord: Any = "fro") -> Any:
    """Matrix norm over the last two axes (stacks allowed).

    >>> import numpy as np
    >>> matrix_norm(np.array([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    array(6.)
    """
    x = _arr(x)
    _at_least_2d("matrix_norm", x)
    nd = len(_shape_of(x))
    return _matrix_norm(x, nd - 2, nd - 1, ord, keepdims)


def cond(x: Any, p: Any = None) -> Any:
    """Condition number in the norm ``p`` (``None``/2/-2 from the singular values).

    For the other norms ``cond`` is ``norm(x, p) * norm(inv(x), p)``, so a singular traced matrix raises
    ``LinAlgError`` from ``inv`` where NumPy returns ``inf``.

    >>> import numpy as np
    >>> float(cond(np.array([[2.0, 0.0], [0.0, 0.5]])))
    4.0
    """
    fnp = _fnp()
    x = _real("cond", x)
    _at_least_2d("cond", x)
    if p is None or p == 2 or p == -2:
        s = svdvals(x)
        hi, lo = fnp.max(s, -1), fnp.min(s, -1)
        return hi / lo if p != -2 else lo / hi
    _square("cond", x)
    return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))


# ----------------------------------------------------------------------------- array API names


def trace(x: Any, /, *, offset: int = 0, dtype: Any = None) -> Any:
    """Sum of the diagonals over the last two axes.

    >>> import numpy as np
    >>> trace(np.eye(3))
    np.float64(3.0)
    """
    return _fnp().trace(x, offset, -2, -1, dtype)


def diagonal(x: Any, /, *, offset: int = 0) -> Any:
    """Diagonals over the last two axes.

    >>> import numpy as np
    >>> diagonal(np.arange(4.0).reshape(2, 2))
    array([0., 3.])
    """
    return _fnp().diagonal(x, offset, -2, -1)


def matmul(x1: Any, x2: Any, /) -> Any:
    """``x1 @ x2``.

    >>> import numpy as np
    >>> matmul(np.eye(2), np.ones(2))
    array([1., 1.])
    """
    return _fnp().matmul(x1, x2)


def matrix_transpose(x: Any, /) -> Any:
    """Swap the last two axes.

    >>> import numpy as np
    >>> matrix_transpose(np.ones((2, 3))).shape
    (3, 2)
    """
    x = _arr(x)
    _at_least_2d("matrix_transpose", x)
    return _mT(x)


def outer(x1: Any, x2: Any, /) -> Any:
    """Outer product of two vectors.

    >>> import numpy as np
    >>> outer(np.array([1.0, 2.0]), np.array([1.0, 0.0]))
    array([[1., 0.],
           [2., 0.]])
    """
    x1, x2 = _arr(x1), _arr(x2)
    if len(_shape_of(x1)) != 1 or len(_shape_of(x2)) != 1:
        raise ValueError(f"outer: the inputs must be one-dimensional, got shapes {_shape_of(x1)} and {_shape_of(x2)}")
    return _fnp().outer(x1, x2)


def vecdot(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Dot products of vectors along ``axis`` (broadcasting the rest).

    >>> import numpy as np
    >>> vecdot(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, 1.0]))
    array([3., 7.])
    """
    return _fnp().sum(_arr(x1) * _arr(x2), axis=axis)


def tensordot(x1: Any, x2: Any, /, *, axes: Any = 2) -> Any:
    """``numpy.tensordot``.

    >>> import numpy as np
    >>> tensordot(np.ones((2, 3)), np.ones((3, 2)), axes=1)
    array([[3., 3.],
           [3., 3.]])
    """
    return _fnp().tensordot(x1, x2, axes)


def cross(x1: Any, x2: Any, /, *, axis: int = -1) -> Any:
    """Cross product of 3-vectors along ``axis``.

    >>> import numpy as np
    >>> cross(np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0]))
    array([0., 0., 1.])
    """
    return _fnp().cross(x1, x2, axis=axis)
