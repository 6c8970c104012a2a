"""Fusion: group chains of elementwise primitives, and the reductions they feed, into clusters.

A cluster is a set of equations that one loop nest over an *iteration shape* can
compute: elementwise primitives with a scalar form whose outputs have that shape
(inputs may broadcast to it; literals are scalars), and reductions of values of that
shape over one common set of axes. :func:`fuse` schedules the equations (a list
scheduler that keeps adding ready equations to the open cluster), and replaces each
cluster of two or more equations by one ``fused`` equation that holds the cluster as
sub-IR. Everything else — matmul, indexing, linalg — stays as it is, between clusters.

    >>> import funcgrad as fg, numpy as np
    >>> ir = fg.make_ir(lambda x, w: np.sum(np.tanh(x @ w) * 2))(np.ones((2, 3)), np.ones((3, 4)))
    >>> [e.prim.name for e in fuse(ir).eqns]
    ['dot_general', 'fused']
    >>> [e.prim.name for e in fuse(ir).eqns[1].params["ir"].eqns]
    ['tanh', 'mul', 'reduce_sum']
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import IR, Eqn, Literal, ShapedArray, Var
from funcgrad.core.primitive import REGISTRY, Primitive

REDUCTIONS = frozenset({"reduce_sum", "reduce_max", "reduce_min", "reduce_prod", "reduce_mean"})
KERNEL_DTYPES = frozenset(np.dtype(t) for t in ("float32", "float64", "bool"))


def _fused_impl(*args, ir, shape, axes):
    from funcgrad.backends.interpreter import eval_ir

    return tuple(eval_ir(ir, *args))


def _fused_abstract(*args, ir, shape, axes):
    return ir.out_avals


fused = REGISTRY.get("fused") or Primitive("fused", _fused_impl, multiple_results=True, abstract=_fused_abstract,
                                           differentiable=False)


def _kernel_dtypes(eqn: Eqn) -> bool:
    """Float or bool variables (literals are cast to the output's dtype by the kernel)."""
    return all(x.aval.dtype in KERNEL_DTYPES for x in eqn.ins + eqn.outs if isinstance(x, Var)) and all(
        isinstance(x.val, int | float | bool | np.number | np.bool_ | np.ndarray) for x in eqn.ins
        if isinstance(x, Literal))


def _squeeze(shape: tuple) -> tuple:
    return tuple(n for n in shape if n != 1)


def kernel_role(eqn: Eqn) -> tuple | None:
    """``(iteration shape, reduced axes)`` if ``eqn`` can be part of a kernel, else ``None``.

    The iteration shape leaves out unit axes, so values that differ only in those (and the
    reshapes between them) share one loop nest."""
    prim = eqn.prim
    if prim.multiple_results or not _kernel_dtypes(eqn):
        return None
    if prim.kind == "elementwise" and prim.scalar_form is not None:
        if any(isinstance(x, Literal) and np.ndim(x.val) != 0 for x in eqn.ins):
            return None
        shape = eqn.outs[0].aval.shape
        return (_squeeze(shape), ()) if 0 not in shape else None
    if prim.name == "reshape" and isinstance(eqn.ins[0], Var) \
            and _squeeze(eqn.ins[0].aval.shape) == _squeeze(eqn.outs[0].aval.shape):
        shape = eqn.outs[0].aval.shape
        return (_squeeze(shape), ()) if 0 not in shape else None
    if prim.name in REDUCTIONS and eqn.ins[0].aval.dtype.kind == "f" and isinstance(eqn.ins[0], Var):
        shape = eqn.ins[0].aval.shape
        along = [a for a in range(len(shape)) if shape[a] != 1]
        axes = tuple(along.index(a) for a in eqn.params["axes"] if shape[a] != 1)
        return (_squeeze(shape), axes) if axes and 0 not in shape else None
    return None


def _size(role: tuple | None) -> int:
    return 0 if role is None else int(np.prod(role[0]))


class _Cluster:
    def __init__(self, eqn: Eqn, role: tuple):
        self.shape, self.axes = role
        self.eqns = [eqn]
        self.values = set(eqn.outs)        # computed inside, per element
        self.reduced: set[Var] = set()     # reduction results: not readable inside
        if role[1]:
            self.values.clear()
            self.reduced.update(eqn.outs)

    def admits(self, eqn: Eqn, role: tuple) -> bool:
        shape, axes = role
        if shape != self.shape or (axes and self.axes and axes != self.axes):
            return False
        return not any(x in self.reduced for x in eqn.ins)

    def add(self, eqn: Eqn, role: tuple) -> None:
        self.eqns.append(eqn)
        if role[1]:
            self.axes = role[1]
            self.reduced.update(eqn.outs)
        else:
            self.values.update(eqn.outs)


def fuse(ir: IR, min_size: int = 2) -> IR:
    """``ir`` with its clusters of at least ``min_size`` equations replaced by ``fused`` equations.

    Index maps (``window``, ``inside``, ``eye``: see :mod:`funcgrad.passes.windows`) are not
    scheduled themselves: each cluster that reads one computes it from its loop indices, and
    an equation outside every cluster gets it materialised once, just before its first use.
    """
    virtual = {e.outs[0]: e for e in ir.eqns if e.prim.kind == "index_map"}
    roles = [kernel_role(e) for e in ir.eqns]
    producer = {o: i for i, e in enumerate(ir.eqns) for o in e.outs}
    consumers: dict[Var, set[int]] = {}
    for i, e in enumerate(ir.eqns):
        for x in e.ins:
            if isinstance(x, Var):
                consumers.setdefault(x, set()).add(i)
    final = {x for x in ir.outs if isinstance(x, Var)}
    available: set[Var] = set(ir.in_vars) | set(ir.const_vars)
    remaining = [i for i, e in enumerate(ir.eqns) if e.prim.kind != "index_map"]
    eqns: list[Eqn] = []
    materialised: set[Var] = set()
    cluster: _Cluster | None = None
    members: set[int] = set()

    def computed(x, inside: set[Var] = frozenset()) -> bool:
        if not isinstance(x, Var) or x in available or x in inside or x not in producer:
            return True
        return x in virtual and all(computed(y) for y in virtual[x].ins)  # a window reads what exists

    def ready(i: int, inside: set[Var] = frozenset()) -> bool:
        return all(computed(x, inside) for x in ir.eqns[i].ins)

    def materialise(e: Eqn) -> None:
        for x in e.ins:
            if isinstance(x, Var) and x in virtual and x not in materialised:
                materialised.add(x)
                available.add(x)
                eqns.append(virtual[x])
        eqns.append(e)

    def join(i: int) -> None:
        nonlocal cluster
        e = ir.eqns[i]
        maps = [virtual[x] for x in e.ins if isinstance(x, Var) and x in virtual]
        if cluster is None:
            cluster = _Cluster(e, roles[i])
            cluster.eqns[:0] = maps
        else:
            cluster.eqns.extend(m for m in maps if m not in cluster.eqns)
            cluster.add(e, roles[i])
        members.add(i)
        remaining.remove(i)

    def close():
        nonlocal cluster
        if cluster is None:
            return
        real = [e for e in cluster.eqns if e.prim.kind != "index_map"]
        if sum(e.prim.name != "reshape" for e in real) < min_size:  # too little work for a kernel
            for e in real:
                materialise(e)
        else:
            eqns.append(_fused_eqn(cluster, members, consumers, final))
        for e in real:
            available.update(e.outs)
        cluster = None
        members.clear()

    while remaining:
        if cluster is not None:
            pick = next((i for i in remaining if roles[i] is not None and cluster.admits(ir.eqns[i], roles[i])
                         and ready(i, cluster.values)), None)
            if pick is not None:
                join(pick)
                continue
            close()
        candidates = [i for i in remaining if ready(i)]
        # opaque equations first, then the cluster with the fewest elements: cheap producers run
        # before the large loops that read them, so those loops can merge
        pick = min(candidates, key=lambda i: (roles[i] is not None, _size(roles[i]), i))
        if roles[pick] is not None:
            join(pick)
        else:
            remaining.remove(pick)
            materialise(ir.eqns[pick])
            available.update(ir.eqns[pick].outs)
    close()
    for x in ir.outs:
        if isinstance(x, Var) and x in virtual and x not in materialised:
            materialised.add(x)
            eqns.append(virtual[x])
    return IR(ir.in_vars, eqns, ir.outs, ir.const_vars, ir.consts)


def _fused_eqn(cluster: _Cluster, members: set[int], consumers: dict, final: set) -> Eqn:
    inside = {o for e in cluster.eqns for o in e.outs}
    inputs: list[Var] = []
    for e in cluster.eqns:
        for x in e.ins:
            if isinstance(x, Var) and x not in inside and x not in inputs:
                inputs.append(x)
    outs = [o for e in cluster.eqns if e.prim.kind != "index_map" for o in e.outs
            if o in final or any(c not in members for c in consumers.get(o, ()))]
    sub = IR(inputs, cluster.eqns, outs)
    params = {"ir": sub, "shape": cluster.shape, "axes": cluster.axes}
    return Eqn(fused, tuple(inputs), tuple(outs), params)


def cluster_size(eqn: Eqn) -> int:
    """The number of elements a ``fused`` equation's loop nest visits."""
    return ShapedArray(eqn.params["shape"], np.dtype("float64")).size
