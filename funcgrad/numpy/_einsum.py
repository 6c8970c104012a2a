"""``einsum`` as transposes, diagonals, sums and ``dot_general`` contractions."""

from __future__ import annotations

import string

from funcgrad import ops
from funcgrad.ops.util import shape_of


def _parse(subscripts: str, operands) -> tuple[list[str], str]:
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        lhs, out = subscripts.split("->")
    else:
        lhs, out = subscripts, None
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum: {len(terms)} subscripts for {len(operands)} operands")
    used = set(lhs.replace("...", "")) | set((out or "").replace("...", ""))
    free = [c for c in string.ascii_letters if c not in used]
    ell_rank = max((len(shape_of(op)) - len(t.replace("...", "")) for t, op in zip(terms, operands) if "..." in t),
                   default=0)
    ell = "".join(free[:ell_rank])
    new_terms = []
    for t, op in zip(terms, operands):
        if "..." in t:
            k = len(shape_of(op)) - len(t.replace("...", ""))
            t = t.replace("...", ell[ell_rank - k:])
        if len(t) != len(shape_of(op)):
            raise ValueError(f"einsum: subscript {t!r} does not match an operand of shape {shape_of(op)}")
        new_terms.append(t)
    if out is None:
        counts = {}
        for t in new_terms:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ell))
    else:
        out = out.replace("...", ell)
    return new_terms, out


def _diagonalize(x, term: str):
    """Take diagonals of repeated indices within one term."""
    from funcgrad import numpy as fnp

    while len(set(term)) != len(term):
        for c in term:
            i = term.index(c)
            j = term.index(c, i + 1) if term.count(c) > 1 else -1
            if j >= 0:
                x = fnp.diagonal(x, 0, i, j)
                term = term[:i] + term[i + 1:j] + term[j + 1:] + c
                break
    return x, term


def _sum_out(x, term: str, keep: set):
    axes = tuple(i for i, c in enumerate(term) if c not in keep)
    if axes:
        x = ops.reduce_sum(x, axes=axes, keepdims=False)
        term = "".join(c for c in term if c in keep)
    return x, term


def _contract(x, tx: str, y, ty: str, keep: set):
    """Contract two operands; the result's term lists batch, x-free, y-free labels."""
    shared = [c for c in tx if c in ty]
    batch = [c for c in shared if c in keep]
    contract = [c for c in shared if c not in keep]
    out = ops.dot_general(x, y, contract=(tuple(tx.index(c) for c in contract), tuple(ty.index(c) for c in contract)),
                          batch=(tuple(tx.index(c) for c in batch), tuple(ty.index(c) for c in batch)))
    term = "".join(batch) + "".join(c for c in tx if c not in shared) + "".join(c for c in ty if c not in shared)
    return out, term


def einsum(subscripts: str, *operands):
    """``numpy.einsum`` on traced values (pairwise contraction, left to right)."""
    from funcgrad import numpy as fnp

    terms, out = _parse(subscripts, operands)
    xs = []
    for op, t in zip(operands, terms):
        op, t = _diagonalize(op, t)
        xs.append((op, t))
    # a label of size 1 in one operand broadcasts against the others (as in NumPy)
    sizes = {c: n for op, t in xs for c, n in zip(t, shape_of(op)) if n != 1}
    xs = [(fnp.broadcast_to(op, tuple(sizes.get(c, n) for c, n in zip(t, shape_of(op)))), t) for op, t in xs]
    # sum out labels that appear in one operand only and not in the output
    for k, (op, t) in enumerate(xs):
        others = set(out) | {c for j, (_, u) in enumerate(xs) if j != k for c in u}
        xs[k] = _sum_out(op, t, others)
    x, tx = xs[0]
    for k in range(1, len(xs)):
        y, ty = xs[k]
        keep = set(out) | {c for _, u in xs[k + 1:] for c in u}
        x, tx = _contract(x, tx, y, ty, keep)
        x, tx = _sum_out(x, tx, keep)
    x, tx = _sum_out(x, tx, set(out))
    if sorted(tx) != sorted(out):
        raise ValueError(f"einsum: output subscript {out!r} does not match the operands")
    return fnp.transpose(x, [tx.index(c) for c in out]) if tx != out else x


