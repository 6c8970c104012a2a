"""Sparse Hessians: ``fg.sparse.hessian`` against asdex (``jax.jit`` of ``asdex.hessian``) on Rosenbrock.

The steady call is the compressed Hessian-vector products and the sparse result; the first
call adds tracing, sparsity detection, colouring and compiling (in this process, with new
function objects each time).
"""

from __future__ import annotations

import numpy as np

import funcgrad as fg
from benchmarks import peers


def _rosen(x, xp=np):
    return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _rows(sizes, first_call: bool) -> dict:
    jax, asdex = peers.jax(), peers.asdex()
    tasks = {}
    for n in sizes:
        x = np.linspace(-1.0, 1.0, n)
        if first_call:
            row = {"funcgrad": lambda x=x: fg.sparse.hessian(lambda v: _rosen(v))(x)}
        else:
            h = fg.sparse.hessian(_rosen)
            row = {"funcgrad": lambda x=x, h=h: h(x)}
        if asdex is not None:
            xj = jax.numpy.asarray(x)
            rosen_j = lambda v: _rosen(v, jax.numpy)  # noqa: E731
            if first_call:
                row["asdex"] = lambda xj=xj: jax.jit(asdex.hessian(lambda v: rosen_j(v), xj))(xj).block_until_ready()
            else:
                hj = jax.jit(asdex.hessian(rosen_j, xj))
                row["asdex"] = lambda hj=hj, xj=xj: hj(xj).block_until_ready()
        if jax is not None and n <= 2000 and not first_call:
            hd = jax.jit(jax.hessian(lambda v: _rosen(v, jax.numpy)))
            xj = jax.numpy.asarray(x)
            row["jax.jit (dense)"] = lambda hd=hd, xj=xj: hd(xj).block_until_ready()
        tasks[f"n = {n}"] = row
    return tasks


def sparse_hessian(sizes=(1000, 10000)):
    """Steady sparse Hessian of Rosenbrock (3 Hessian-vector products and a CSR result)."""
    from benchmarks.workloads import Workload

    return Workload("sparse-hessian", sparse_hessian.__doc__, _rows(sizes, False))


def sparse_hessian_first_call(sizes=(1000, 10000)):
    """First call of a sparse Rosenbrock Hessian: trace, detect, colour, compile, evaluate."""
    from benchmarks.workloads import Workload

    return Workload("sparse-hessian-first-call", sparse_hessian_first_call.__doc__, _rows(sizes, True), rounds=5)
