"""Contractions and linear algebra: dot_general, inv, solve, det, slogdet, cholesky.

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
