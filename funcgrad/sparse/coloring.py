"""Graph colouring of sparsity patterns, and the seed matrices and recovery maps it gives.

- :func:`column_coloring`: columns that share no row get one colour, so ``J @ seed`` holds
  every nonzero of ``J`` once (forward mode: one jvp per colour). Row colouring is the
  column colouring of ``Jᵀ`` (reverse mode: one vjp per colour).
- :func:`star_coloring`: a symmetric colouring of a Hessian's adjacency graph in which
  every path on four vertices uses at least three colours (Gebremedhin, Manne and
  Pothen, "What color is your Jacobian? Graph coloring for computing derivatives", SIAM
  Review 2005). Each nonzero ``H[i, j]`` is then read from the product ``H @ seed`` at
  ``(i, colour(j))`` when ``j`` is ``i``'s only neighbour of its colour, else at
  ``(j, colour(i))``: one Hessian-vector product per colour.

Both are greedy over a vertex order (``"largest_first"`` by default, or ``"natural"``).

    >>> import numpy as np, scipy.sparse as sp
    >>> tridiagonal = sp.csr_array(np.eye(6) + np.eye(6, k=1) + np.eye(6, k=-1))
    >>> column_coloring(tridiagonal, order="natural").tolist()
    [0, 1, 2, 0, 1, 2]
    >>> int(star_coloring(tridiagonal).max()) + 1
    3
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

ORDERS = ("largest_first", "natural")


def _order(degrees: np.ndarray, order: str) -> np.ndarray:
    if order == "natural":
        return np.arange(len(degrees))
    if order == "largest_first":
        return np.argsort(-degrees, kind="stable")
    raise ValueError(f"fg.sparse: order={order!r} is not a vertex order; use one of {ORDERS}")


def _adjacency(graph: sp.csr_array) -> list[list[int]]:
    graph = sp.csr_array(graph)
    indptr, indices = graph.indptr.tolist(), graph.indices.tolist()
    return [[w for w in indices[indptr[v]:indptr[v + 1]] if w != v] for v in range(graph.shape[0])]


def _greedy(adj: list[list[int]], order: np.ndarray) -> np.ndarray:
    color = [-1] * len(adj)
    for v in order.tolist():
        used = {color[w] for w in adj[v]}
        c = 0
        while c in used:
            c += 1
        color[v] = c
    return np.asarray(color, np.int64)


def column_coloring(pattern, order: str = "largest_first") -> np.ndarray:
    """A colour per column of ``pattern`` (m × n) such that columns of one colour share no row.

    Columns conflict when they meet in a row: the conflict graph is ``patternᵀ pattern``.
    """
    p = sp.csr_array(pattern, dtype=np.float64)
    if p.shape[1] == 0:
        return np.zeros(0, np.int64)
    conflicts = sp.csr_array(p.T @ p)
    return _greedy(_adjacency(conflicts), _order(np.diff(conflicts.indptr), order))


def star_coloring(pattern, order: str = "largest_first") -> np.ndarray:
    """A star colouring of the symmetric ``pattern`` (n × n): distance-1, and no two-coloured path on four vertices.

    Greedy: each vertex takes the smallest colour that makes no neighbour share it and closes
    no two-coloured path ``v-w-x-y`` (``v`` at an end) or ``w-v-x-y`` (``v`` inside).
    """
    p = sp.csr_array(pattern, dtype=np.float64)
    p = sp.csr_array(p + p.T)
    adj = _adjacency(p)
    color = [-1] * len(adj)
    for v in _order(np.asarray([len(a) for a in adj]), order).tolist():
        forbidden = set()
        by_color: dict[int, list[int]] = {}
        for w in adj[v]:
            cw = color[w]
            if cw >= 0:
                forbidden.add(cw)
                by_color.setdefault(cw, []).append(w)
        for w in adj[v]:  # v at an end: v(c) - w(a) - x(c) - y(a)
            cw = color[w]
            if cw < 0:
                continue
            for x in adj[w]:
                cx = color[x]
                if x == v or cx < 0 or cx in forbidden:
                    continue
                if any(y != w and color[y] == cw for y in adj[x]):
                    forbidden.add(cx)
        for twins in by_color.values():  # v inside: w(a) - v(c) - x(a) - y(c)
            if len(twins) > 1:
                for x in twins:
                    forbidden.update(color[y] for y in adj[x] if y != v and color[y] >= 0)
        c = 0
        while c in forbidden:
            c += 1
        color[v] = c
    return np.asarray(color, np.int64)


def seeds(colors: np.ndarray, n_colors: int | None = None) -> np.ndarray:
    """The seed matrix (colours × n): row ``c`` is the indicator of colour ``c``."""
    n_colors = int(colors.max()) + 1 if n_colors is None and len(colors) else (n_colors or 0)
    out = np.zeros((n_colors, len(colors)))
    out[colors, np.arange(len(colors))] = 1.0
    return out


def star_recovery(pattern: sp.csr_array, colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each stored entry ``(i, j)`` of ``pattern`` (CSR order): ``(row, colour)`` to read in ``H @ seedsᵀ``.

    ``H[i, j]`` is ``(H S)[i, colour(j)]`` when ``j`` is the only neighbour of ``i`` with its colour,
    and ``(H S)[j, colour(i)]`` otherwise (a star colouring guarantees one of the two).
    """
    p = sp.csr_array(pattern, dtype=np.float64)
    n = p.shape[0]
    rows = np.repeat(np.arange(n), np.diff(p.indptr))
    cols = p.indices
    counts = sp.csr_array(p @ sp.csr_array(seeds(colors).T)).toarray() if n else np.zeros((0, 0))
    direct = (rows == cols) | (counts[rows, colors[cols]] == 1)
    if not np.all(direct | (counts[cols, colors[rows]] == 1)):
        raise ValueError("fg.sparse: the colouring is not a star colouring of the pattern")
    return np.where(direct, rows, cols), np.where(direct, colors[cols], colors[rows])
