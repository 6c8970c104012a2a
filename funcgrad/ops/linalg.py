"""Contractions and linear algebra: dot_general, inv, solve, det, slogdet, cholesky, and the
decompositions eigh, svd, qr, eig with the pseudo-inverse pinv.

Matrix primitives act on the last two axes and broadcast over leading ones, as
``numpy.linalg`` does; their rules use ``mT`` (swap of the last two axes).
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.ops.elementwise import select
from funcgrad.ops.reductions import reduce_sum
from funcgrad.ops.shape import moveaxis, reshape, transpose
from funcgrad.ops.util import fallback_abstract, shape_of, unbroadcast


def mT(x):
    """Swap the last two axes."""
    nd = len(shape_of(x))
    return transpose(x, perm=tuple(range(nd - 2)) + (nd - 1, nd - 2))


def matmul2(a, b):
    """``a @ b`` for stacks of matrices (leading shapes broadcast), or either a plain matrix."""
    na, nb = len(shape_of(a)), len(shape_of(b))
    if nb == 2:
        return dot_general(a, b, contract=((na - 1,), (0,)), batch=((), ()))
    if na == 2:  # (M, K) @ (..., K, N): the result's M axis comes first, move it in place
        return moveaxis(dot_general(a, b, contract=((1,), (nb - 2,)), batch=((), ())), 0, -2)
    if shape_of(a)[:-2] != shape_of(b)[:-2]:
        from funcgrad.ops.shape import broadcast_to

        batch = np.broadcast_shapes(shape_of(a)[:-2], shape_of(b)[:-2])
        a = broadcast_to(a, shape=batch + shape_of(a)[-2:]) if shape_of(a)[:-2] != batch else a
        b = broadcast_to(b, shape=batch + shape_of(b)[-2:]) if shape_of(b)[:-2] != batch else b
        na = nb = len(batch) + 2
    lead = tuple(range(na - 2))
    return dot_general(a, b, contract=((na - 1,), (nb - 2,)), batch=(lead, lead))


# ----------------------------------------------------------------------------- dot_general

def _free(nd, contract, batch):
    return [i for i in range(nd) if i not in contract and i not in batch]


def _dot_general_impl(x, y, contract, batch):
    (xc, yc), (xb, yb) = contract, batch
    x, y = np.asarray(x), np.asarray(y)
    if not xb:
        if x.ndim == 2 and y.ndim == 2 and xc == (1,) and yc == (0,):
            return np.matmul(x, y)
        if x.ndim <= 2 and y.ndim == 1 and xc == (x.ndim - 1,) and yc == (0,):
            return np.dot(x, y)
        if x.ndim == 1 and y.ndim == 2 and xc == (0,) and yc == (0,):
            return np.dot(x, y)
        return np.tensordot(x, y, axes=(list(xc), list(yc)))
    xf, yf = _free(x.ndim, xc, xb), _free(y.ndim, yc, yb)
    bshape = tuple(x.shape[i] for i in xb)
    xfs, yfs = tuple(x.shape[i] for i in xf), tuple(y.shape[i] for i in yf)
    k = int(np.prod([x.shape[i] for i in xc], dtype=np.int64))
    nb = int(np.prod(bshape, dtype=np.int64))
    xt = np.transpose(x, xb + tuple(xf) + xc).reshape(nb, int(np.prod(xfs, dtype=np.int64)), k)
    yt = np.transpose(y, yb + yc + tuple(yf)).reshape(nb, k, int(np.prod(yfs, dtype=np.int64)))
    return np.matmul(xt, yt).reshape(bshape + xfs + yfs)


def _dot_general_abstract(x, y, contract, batch):
    (xc, yc), (xb, yb) = contract, batch
    shape = (tuple(x.shape[i] for i in xb) + tuple(x.shape[i] for i in _free(len(x.shape), xc, xb))
             + tuple(y.shape[i] for i in _free(len(y.shape), yc, yb)))
    return ShapedArray(shape, np.result_type(x.dtype, y.dtype))


def _dot_vjp_x(g, ans, x, y, contract, batch):
    (xc, yc), (xb, yb) = contract, batch
    nx, ny = len(shape_of(x)), len(shape_of(y))
    nb, xf, yf = len(xb), _free(nx, xc, xb), _free(ny, yc, yb)
    g_yfree = tuple(range(nb + len(xf), nb + len(xf) + len(yf)))
    out = dot_general(g, y, contract=(g_yfree, tuple(yf)), batch=(tuple(range(nb)), yb))
    layout = list(xb) + xf + [xc[yc.index(a)] for a in sorted(yc)]
    perm = tuple(np.argsort(layout).tolist())
    return out if perm == tuple(range(nx)) else transpose(out, perm=perm)


def _dot_vjp_y(g, ans, x, y, contract, batch):
    (xc, yc), (xb, yb) = contract, batch
    nx, ny = len(shape_of(x)), len(shape_of(y))
    nb, xf, yf = len(xb), _free(nx, xc, xb), _free(ny, yc, yb)
    g_xfree = tuple(range(nb, nb + len(xf)))
    out = dot_general(g, x, contract=(g_xfree, tuple(xf)), batch=(tuple(range(nb)), xb))
    layout = list(yb) + yf + [yc[xc.index(a)] for a in sorted(xc)]
    perm = tuple(np.argsort(layout).tolist())
    return out if perm == tuple(range(ny)) else transpose(out, perm=perm)


def _dot_batch(n, args, dims, contract, batch):
    (x, y), (dx, dy) = args, dims
    (xc, yc), (xb, yb) = contract, batch
    sh = lambda axes: tuple(a + 1 for a in axes)  # noqa: E731
    if dx is not None and dy is not None:
        x, y = moveaxis(x, dx, 0), moveaxis(y, dy, 0)
        return dot_general(x, y, contract=(sh(xc), sh(yc)), batch=((0,) + sh(xb), (0,) + sh(yb))), 0
    if dx is not None:
        x = moveaxis(x, dx, 0)
        return dot_general(x, y, contract=(sh(xc), yc), batch=(sh(xb), yb)), len(xb)
    y = moveaxis(y, dy, 0)
    nxf = len(_free(len(shape_of(x)), xc, xb))
    return dot_general(x, y, contract=(xc, sh(yc)), batch=(xb, sh(yb))), len(xb) + nxf


dot_general = Primitive("dot_general", _dot_general_impl, abstract=_dot_general_abstract)
dot_general.def_jvp(lambda t, ans, x, y, contract, batch: dot_general(t, y, contract=contract, batch=batch),
                    lambda t, ans, x, y, contract, batch: dot_general(x, t, contract=contract, batch=batch))
dot_general.def_vjp(_dot_vjp_x, _dot_vjp_y)
dot_general.def_batch(_dot_batch)


# ----------------------------------------------------------------------------- matrix functions

def _stacked_batch(prim):
    def rule(n, args, dims, **params):
        moved = [a if d is None else moveaxis(a, d, 0) for a, d in zip(args, dims)]
        if len(moved) > 1:
            # batched operands of a lower (per-example) rank get unit axes after the batch axis
            rank = max(len(shape_of(a)) - (d is not None) for a, d in zip(moved, dims))
            moved = [reshape(a, shape=(n,) + (1,) * (rank + 1 - len(shape_of(a))) + shape_of(a)[1:])
                     if d is not None and len(shape_of(a)) - 1 < rank else a for a, d in zip(moved, dims)]
            # align unbatched stacks under the batch axis
            moved = [reshape(a, shape=(1,) + shape_of(a)) if d is None and len(shape_of(a)) > 2 else a
                     for a, d in zip(moved, dims)]
        return prim(*moved, **params), 0

    return rule


def _matrix_abstract(impl):
    """The shape/dtype rule of a matrix function: ``impl`` on identity matrices (zeros would be singular)."""
    def probe(a):
        if isinstance(a, ShapedArray) and len(a.shape) >= 2 and a.shape[-1] == a.shape[-2]:
            return np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return a

    abstract = fallback_abstract(impl)
    return lambda *args, **params: abstract(*map(probe, args), **params)


def matrix_prim(name, impl, multiple_results=False):
    prim = Primitive(name, impl, multiple_results=multiple_results, abstract=_matrix_abstract(impl))
    prim.def_batch(_stacked_batch(prim))
    return prim


inv = matrix_prim("inv", np.linalg.inv)
inv.def_jvp(lambda t, ans, x: -matmul2(matmul2(ans, t), ans))
inv.def_vjp(lambda g, ans, x: -matmul2(matmul2(mT(ans), g), mT(ans)))

solve = matrix_prim("solve", np.linalg.solve)  # a: (..., M, M), b: (..., M, K)


def _solve_vjp_b(g, ans, a, b):
    return unbroadcast(solve(mT(a), g), shape_of(b))


def _solve_vjp_a(g, ans, a, b):
    gb = solve(mT(a), g)
    return unbroadcast(-matmul2(gb, mT(ans)), shape_of(a))


solve.def_jvp(lambda t, ans, a, b: -solve(a, matmul2(t, ans)), lambda t, ans, a, b: solve(a, t))
solve.def_vjp(_solve_vjp_a, _solve_vjp_b)


def _expand2(v):
    return reshape(v, shape=shape_of(v) + (1, 1))


def _trace_solve(x, t):
    return reduce_sum(mT(inv(x)) * t, axes=(len(shape_of(x)) - 2, len(shape_of(x)) - 1), keepdims=False)


det = matrix_prim("det", np.linalg.det)
det.def_jvp(lambda t, ans, x: ans * _trace_solve(x, t))
det.def_vjp(lambda g, ans, x: _expand2(g * ans) * mT(inv(x)))


def _slogdet_impl(x):
    sign, logabsdet = np.linalg.slogdet(x)
    return sign, logabsdet


slogdet = matrix_prim("slogdet", _slogdet_impl, multiple_results=True)
slogdet.def_jvp(lambda t, ans, x: (None, _trace_solve(x, t)))
slogdet.def_vjp(lambda g, ans, x: None if g[1] is None else _expand2(g[1]) * mT(inv(x)))


def _phi(x):
    """Lower triangle with the diagonal halved."""
    n = shape_of(x)[-1]
    return select(np.tril(np.ones((n, n), bool)), x, 0) * (1 - 0.5 * np.eye(n))


def _cholesky_jvp(t, ans, x):
    sym = (t + mT(t)) * 0.5
    inner = mT(solve(ans, mT(solve(ans, sym))))  # L^-1 sym L^-T
    return matmul2(ans, _phi(inner))


def _cholesky_vjp(g, ans, x):
    p = _phi(matmul2(mT(ans), g))
    s = solve(mT(ans), mT(solve(mT(ans), mT(p))))  # L^-T P L^-1
    return (s + mT(s)) * 0.5


cholesky = matrix_prim("cholesky", np.linalg.cholesky)
cholesky.def_jvp(_cholesky_jvp)
cholesky.def_vjp(_cholesky_vjp)


# ----------------------------------------------------------------------------- decompositions
#
# eigh, svd, qr and eig return several factors. Their rules follow Giles, "An extended collection of
# matrix derivative results for forward and reverse mode AD" (2008), and the forms JAX and HIPS autograd
# use. ``F`` below is the matrix of inverse gaps ``1 / (w_j - w_i)`` (zero on the diagonal): at repeated
# eigenvalues or singular values it is infinite, and so are the derivatives of the vectors, which are not
# defined there. Derivatives of the values alone never read ``F``: the reverse rules skip it when the
# vectors receive no cotangent, and forward-mode tangents of unused vectors are dropped.

def _float_dtype(dtype):
    """The dtype ``numpy.linalg`` computes in: float32 stays, everything real else becomes float64."""
    dtype = np.dtype(dtype)
    return dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)


def _axes2(x):
    nd = len(shape_of(x))
    return (nd - 2, nd - 1)


def _diag(x):
    """The diagonals of a stack of square matrices (traceable: a masked sum)."""
    n = shape_of(x)[-1]
    return reduce_sum(x * np.eye(n, dtype=bool), axes=(len(shape_of(x)) - 1,), keepdims=False)


def _row(v):
    """``v[..., None, :]``."""
    return reshape(v, shape=shape_of(v)[:-1] + (1, shape_of(v)[-1]))


def _col(v):
    """``v[..., :, None]``."""
    return reshape(v, shape=shape_of(v) + (1,))


def _diag_embed(v):
    """Diagonal matrices with ``v`` on their diagonals."""
    return _row(v) * np.eye(shape_of(v)[-1], dtype=bool)


def _inverse_gaps(w):
    """``F[..., i, j] = 1 / (w_j - w_i)`` off the diagonal, 0 on it."""
    eye = np.eye(shape_of(w)[-1], dtype=bool)
    return 1.0 / (_row(w) - _col(w) + eye) - eye


def _tril_strict(x):
    n = shape_of(x)[-1]
    return x * np.tri(n, n, -1, dtype=bool)


def _sum_rows(x):
    """Column sums, kept as a row: ``x.sum(-2, keepdims=True)``."""
    return reduce_sum(x, axes=(len(shape_of(x)) - 2,), keepdims=True)


def _decomposition(name, impl, abstract):
    prim = Primitive(name, impl, multiple_results=True, abstract=abstract)
    prim.def_batch(_stacked_batch(prim))
    return prim


# eigh: eigenvalues (ascending) and orthonormal eigenvectors of the symmetric part (a + aᵀ) / 2.
# funcgrad.numpy.linalg.eigh passes the matrix numpy.linalg.eigh reads (one triangle mirrored), which is
# symmetric already; taking the symmetric part here keeps the primitive's values and rules one function.

def _eigh_impl(a):
    a = np.asarray(a)
    w, v = np.linalg.eigh((a + np.swapaxes(a, -1, -2)) * 0.5)
    return w, v


def _eigh_abstract(a):
    dt = _float_dtype(a.dtype)
    return ShapedArray(a.shape[:-1], dt), ShapedArray(a.shape, dt)


def _eigh_jvp(t, ans, a):
    w, v = ans
    m = matmul2(mT(v), matmul2((t + mT(t)) * 0.5, v))  # Vᵀ dA V
    return _diag(m), matmul2(v, _inverse_gaps(w) * m)


def _eigh_vjp(g, ans, a):
    gw, gv = g
    w, v = ans
    if gv is None:  # the values alone: V diag(gw) Vᵀ, symmetric already
        return matmul2(v * _row(gw), mT(v))
    inner = None if gw is None else _diag_embed(gw)
    if gv is not None:
        rot = _inverse_gaps(w) * matmul2(mT(v), gv)
        inner = rot if inner is None else inner + rot
    ga = matmul2(v, matmul2(inner, mT(v)))
    return (ga + mT(ga)) * 0.5


eigh = _decomposition("eigh", _eigh_impl, _eigh_abstract)
eigh.def_jvp(_eigh_jvp)
eigh.def_vjp(_eigh_vjp)


# svd: the thin SVD a = u diag(s) vt, s descending, u: (..., M, K), vt: (..., K, N), K = min(M, N)

def _svd_impl(a):
    u, s, vt = np.linalg.svd(np.asarray(a), full_matrices=False)
    return u, s, vt


def _svd_abstract(a):
    dt = _float_dtype(a.dtype)
    *lead, m, n = a.shape
    k = min(m, n)
    lead = tuple(lead)
    return ShapedArray(lead + (m, k), dt), ShapedArray(lead + (k,), dt), ShapedArray(lead + (k, n), dt)


def _svd_gaps(s):
    """``F[..., i, j] = 1 / (s_j² - s_i²)`` off the diagonal, 0 on it."""
    return _inverse_gaps(s * s)


def _svd_jvp(t, ans, a):
    u, s, vt = ans
    v = mT(vt)
    m, n = shape_of(a)[-2:]
    ds = matmul2(mT(u), matmul2(t, v))  # Uᵀ dA V
    f = _svd_gaps(s)
    ds_s = ds * _row(s)  # dS diag(s)
    s_ds = _col(s) * ds  # diag(s) dS
    du = matmul2(u, f * (ds_s + mT(ds_s)))
    dv = matmul2(v, f * (s_ds + mT(s_ds)))
    if m > n:  # the part of dA V outside the column space of U
        dav = matmul2(t, v)
        du = du + (dav - matmul2(u, matmul2(mT(u), dav))) / _row(s)
    if n > m:
        dau = matmul2(mT(t), u)
        dv = dv + (dau - matmul2(v, matmul2(vt, dau))) / _row(s)
    return du, _diag(ds), mT(dv)


def _svd_vjp(g, ans, a):
    gu, gs, gvt = g
    u, s, vt = ans
    if gu is None and gvt is None:  # the values alone: U diag(gs) Vᵀ
        return matmul2(u * _row(gs), vt)
    v = mT(vt)
    m, n = shape_of(a)[-2:]
    f = _svd_gaps(s)
    inner = None if gs is None else _diag_embed(gs)
    out = None
    if gu is not None:
        a1 = f * matmul2(mT(u), gu)
        rot = (a1 + mT(a1)) * _row(s)
        inner = rot if inner is None else inner + rot
        if m > n:  # the part of the cotangent outside the column space of U
            gus = gu / _row(s)
            out = matmul2(gus - matmul2(u, matmul2(mT(u), gus)), vt)
    if gvt is not None:
        gv = mT(gvt)
        a2 = f * matmul2(vt, gv)
        rot = _col(s) * (a2 + mT(a2))
        inner = rot if inner is None else inner + rot
        if n > m:
            gvs = gv / _row(s)
            extra = matmul2(u, mT(gvs - matmul2(v, matmul2(vt, gvs))))
            out = extra if out is None else out + extra
    ga = matmul2(u, matmul2(inner, vt))
    return ga if out is None else ga + out


svd = _decomposition("svd", _svd_impl, _svd_abstract)
svd.def_jvp(_svd_jvp)
svd.def_vjp(_svd_vjp)


# qr: the reduced QR factorisation of a tall or square matrix (M >= N): q (..., M, N), r (..., N, N).
# funcgrad.numpy.linalg.qr builds the wide case from the square one.

def _qr_impl(a):
    q, r = np.linalg.qr(np.asarray(a), mode="reduced")
    return q, r


def _qr_abstract(a):
    dt = _float_dtype(a.dtype)
    *lead, m, n = a.shape
    return ShapedArray(tuple(lead) + (m, n), dt), ShapedArray(tuple(lead) + (n, n), dt)


def _right_solve(x, r):
    """``x @ inv(r)``."""
    return mT(solve(mT(r), mT(x)))


def _qr_jvp(t, ans, a):
    q, r = ans
    c = _right_solve(t, r)  # dA R⁻¹
    b = matmul2(mT(q), c)
    low = _tril_strict(b)
    omega = low - mT(low)  # Qᵀ dQ, skew-symmetric
    return matmul2(q, omega - b) + c, matmul2(b - omega, r)


def _qr_vjp(g, ans, a):
    gq, gr = g
    q, r = ans
    e = None if gq is None else matmul2(mT(q), gq)
    if gr is not None:
        e = -matmul2(gr, mT(r)) if e is None else e - matmul2(gr, mT(r))
    gb = _tril_strict(e - mT(e)) - e
    gc = matmul2(q, gb) if gq is None else gq + matmul2(q, gb)
    return mT(solve(r, mT(gc)))  # C̄ R⁻ᵀ


qr = _decomposition("qr", _qr_impl, _qr_abstract)
qr.def_jvp(_qr_jvp)
qr.def_vjp(_qr_vjp)


# eig: eigenvalues and unit eigenvectors of a general square matrix whose eigenvalues are real (the
# output dtype must be known before the values are). Complex eigenvalues raise in the impl.

def _eig_impl(a):
    w, v = np.linalg.eig(np.asarray(a))
    if np.iscomplexobj(w):
        raise np.linalg.LinAlgError(
            "funcgrad.numpy.linalg.eig: the matrix has complex eigenvalues, which funcgrad does not "
            "differentiate (its rules for eig are for real eigenvalues and eigenvectors); eig and eigvals "
            "of traced matrices need real eigenvalues. For symmetric matrices use eigh / eigvalsh; otherwise "
            "call numpy.linalg.eig on a concrete array outside the transform")
    return w, v


def _eig_abstract(a):
    dt = _float_dtype(a.dtype)
    return ShapedArray(a.shape[:-1], dt), ShapedArray(a.shape, dt)


def _eig_jvp(t, ans, a):
    w, v = ans
    m = solve(v, matmul2(t, v))  # V⁻¹ dA V
    dv = matmul2(v, _inverse_gaps(w) * m)
    dv = dv - v * _sum_rows(v * dv)  # keep each column of unit length
    return _diag(m), dv


def _eig_vjp(g, ans, a):
    gw, gv = g
    w, v = ans
    if gv is None:  # the values alone: V⁻ᵀ diag(gw) Vᵀ
        return solve(mT(v), _col(gw) * mT(v))
    inner = None if gw is None else _diag_embed(gw)
    if gv is not None:
        gv = gv - v * _sum_rows(v * gv)
        rot = _inverse_gaps(w) * matmul2(mT(v), gv)
        inner = rot if inner is None else inner + rot
    return solve(mT(v), matmul2(inner, mT(v)))  # V⁻ᵀ (…) Vᵀ


eig = _decomposition("eig", _eig_impl, _eig_abstract)
eig.def_jvp(_eig_jvp)
eig.def_vjp(_eig_vjp)


# pinv: the Moore-Penrose inverse, singular values at or below rcond * max(s) treated as zero. Its rules
# (Golub & Pereyra 1973) hold where the rank is locally constant, and need no SVD of their own:
# dP = -P dA P + P Pᵀ dAᵀ (I - A P) + (I - P A) dAᵀ Pᵀ P.

def _pinv_impl(a, rcond, hermitian):
    return np.linalg.pinv(np.asarray(a), rcond=rcond, hermitian=hermitian)


def _pinv_abstract(a, rcond, hermitian):
    return ShapedArray(a.shape[:-2] + (a.shape[-1], a.shape[-2]), _float_dtype(a.dtype))


def _pinv_jvp(t, ans, a, rcond, hermitian):
    p, y = ans, mT(t)
    pt = mT(p)
    out = -matmul2(p, matmul2(t, p))
    out = out + matmul2(p, matmul2(pt, y - matmul2(matmul2(y, a), p)))
    z = matmul2(y, matmul2(pt, p))
    return out + z - matmul2(p, matmul2(a, z))


def _pinv_vjp(g, ans, a, rcond, hermitian):
    p, h = ans, mT(g)
    pt = mT(p)
    out = -matmul2(pt, matmul2(g, pt))
    out = out + matmul2(h - matmul2(a, matmul2(p, h)), matmul2(p, pt))
    return out + matmul2(pt, matmul2(p, h - matmul2(matmul2(h, p), a)))


pinv = Primitive("pinv", _pinv_impl, abstract=_pinv_abstract)
pinv.def_jvp(_pinv_jvp)
pinv.def_vjp(_pinv_vjp)
pinv.def_batch(_stacked_batch(pinv))


# Factorisations whose extra columns are not unique (numpy's full_matrices=True SVD and mode="complete"
# QR of a non-square matrix): values under jit and vmap, and a clear error when differentiated.

def _no_derivative(what, fix):
    def rule(*args, **params):
        raise NotImplementedError(f"funcgrad.numpy.linalg.{what} has no derivative: the extra columns are "
                                  f"not unique, so they change arbitrarily with the input. {fix}")
    return rule


def _svd_full_impl(a):
    u, s, vt = np.linalg.svd(np.asarray(a), full_matrices=True)
    return u, s, vt


def _svd_full_abstract(a):
    dt = _float_dtype(a.dtype)
    *lead, m, n = a.shape
    lead = tuple(lead)
    return ShapedArray(lead + (m, m), dt), ShapedArray(lead + (min(m, n),), dt), ShapedArray(lead + (n, n), dt)


svd_full = _decomposition("svd_full", _svd_full_impl, _svd_full_abstract)
_svd_full_rule = _no_derivative("svd of a non-square matrix with full_matrices=True",
                                "Pass full_matrices=False (or compute_uv=False, or use svdvals).")
svd_full.def_jvp(_svd_full_rule)
svd_full.def_vjp(_svd_full_rule)


def _qr_complete_impl(a):
    q, r = np.linalg.qr(np.asarray(a), mode="complete")
    return q, r


def _qr_complete_abstract(a):
    dt = _float_dtype(a.dtype)
    *lead, m, n = a.shape
    return ShapedArray(tuple(lead) + (m, m), dt), ShapedArray(tuple(lead) + (m, n), dt)


qr_complete = _decomposition("qr_complete", _qr_complete_impl, _qr_complete_abstract)
_qr_complete_rule = _no_derivative("qr of a tall matrix with mode='complete'", "Pass mode='reduced'.")
qr_complete.def_jvp(_qr_complete_rule)
qr_complete.def_vjp(_qr_complete_rule)
