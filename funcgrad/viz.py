"""``funcgrad.viz``: draw an IR, or the graph behind a tensor, as SVG (no Graphviz needed).

:func:`draw` lays the graph out in layers (a node sits one layer below the deepest node it
reads), orders each layer to keep edges short, and writes SVG in pure Python. The result
shows itself in a notebook and can be saved::

    >>> import numpy as np, funcgrad as fg
    >>> svg = fg.viz.draw(fg.make_ir(fg.grad(lambda x: np.sum(np.sin(x) * x)))(np.ones(3)))
    >>> svg.n_nodes, svg.n_edges
    (6, 7)
    >>> svg.text.startswith("<svg")
    True
"""

from __future__ import annotations

import html
import itertools
import os
from collections.abc import Iterable
from typing import Any

from funcgrad.core.ir import IR as _IR
from funcgrad.core.ir import Literal as _Literal
from funcgrad.core.ir import Var as _Var
from funcgrad.core.ir import _format_param

__all__ = ["SVG", "draw"]

_CHAR_W = 7.0  # width of one character of the 12px monospace font, in px
_NODE_H = 38.0
_LAYER_GAP = 34.0
_NODE_GAP = 18.0
_MARGIN = 12.0
_MAX_LINE = 48  # characters of a label line shown (the full text is in the node's tooltip)

# fill and stroke per kind of node
_STYLE = {
    "input": ("#dbe9ff", "#4a7bd0"),   # IR inputs, leaf tensors that require grad
    "const": ("#eeeeee", "#999999"),   # IR constants
    "eqn": ("#f6f0ff", "#8a5cc7"),     # equations, backward nodes
    "nested": ("#fff3da", "#c98a1b"),  # equations holding IR (control flow, custom rules, checkpoint)
    "output": ("#dcf5dc", "#3c9a3c"),  # IR outputs, the tensor drawn
}


class SVG:
    """An SVG drawing: ``text`` is the markup; it displays in notebooks and saves to a file.

    ``n_nodes`` and ``n_edges`` count what was drawn.

        >>> import numpy as np, funcgrad as fg
        >>> svg = fg.viz.draw(fg.make_ir(np.sin)(1.0))
        >>> svg.n_nodes, svg.n_edges
        (3, 2)
        >>> svg.save(os.devnull)
    """

    def __init__(self, text: str, n_nodes: int = 0, n_edges: int = 0):
        self.text = text
        self.n_nodes = n_nodes
        self.n_edges = n_edges

    def _repr_svg_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<funcgrad.viz.SVG: {self.n_nodes} nodes, {self.n_edges} edges>"

    def save(self, path: str | os.PathLike) -> None:
        """Write the SVG to ``path`` (open it in a browser, or include it in a page).

            >>> import os, tempfile, funcgrad as fg, numpy as np
            >>> path = os.path.join(tempfile.mkdtemp(), "sin.svg")
            >>> fg.viz.draw(fg.make_ir(np.sin)(1.0)).save(path)
            >>> open(path).read().startswith("<svg")
            True
        """
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.text)


def draw(obj: Any, path: str | os.PathLike | None = None) -> SVG:
    """Draw ``obj`` as SVG: an :class:`~funcgrad.IR`, or a ``funcgrad.autograd`` tensor's ``grad_fn`` graph.

    An IR is drawn as its inputs (blue), constants (grey), equations (primitive name and output
    shapes; equations holding IR such as ``cond`` or ``scan`` in orange) and outputs (green), with an
    edge for every variable an equation reads. A tensor is drawn like torchviz: the backward nodes
    that produced it, the leaves that require grad (blue, with their shapes) and the tensor (green).
    Hover over a node for its parameters. ``path`` also saves the drawing there.

        >>> import numpy as np, funcgrad as fg
        >>> from funcgrad import autograd as ag
        >>> x = ag.tensor(np.ones(3), requires_grad=True)
        >>> svg = fg.viz.draw((x.sin() * 2).sum())
        >>> svg.n_nodes, svg.n_edges   # x, sin, mul, sum and the result
        (5, 4)
    """
    if isinstance(obj, _IR):
        nodes, edges = _ir_graph(obj)
    else:
        from funcgrad.autograd.tensor import Tensor

        if not isinstance(obj, Tensor):
            raise TypeError(f"funcgrad.viz.draw: obj must be an IR (from fg.make_ir(f)(*args)) or a "
                            f"funcgrad.autograd tensor, got {type(obj).__name__}; to draw a function, pass "
                            f"fg.make_ir(f)(*args)")
        if obj.grad_fn is None and not obj.requires_grad:
            raise ValueError("funcgrad.viz.draw: the tensor has no graph to draw (it does not require grad and "
                             "has no grad_fn); compute it from tensors created with requires_grad=True")
        nodes, edges = _tensor_graph(obj)
    svg = SVG(_render(nodes, edges), len(nodes), len(edges))
    if path is not None:
        svg.save(path)
    return svg


# ----------------------------------------------------------------------------- graphs

class _Node:
    __slots__ = ("kind", "lines", "tip", "layer", "x", "y", "w")

    def __init__(self, kind: str, lines: Iterable[str], tip: str = ""):
        self.kind = kind
        self.lines = [s if len(s) <= _MAX_LINE else s[:_MAX_LINE - 1] + "…" for s in lines]
        self.tip = tip
        self.layer = 0
        self.x = self.y = 0.0
        self.w = max(len(s) for s in self.lines) * _CHAR_W + 16


def _types(avals) -> str:
    return " ".join(str(a) for a in avals)


def _ir_graph(ir: _IR) -> tuple[list[_Node], list[tuple[int, int]]]:
    """Nodes (inputs, constants, equations, outputs) and edges (producer index, consumer index) of an IR."""
    nodes: list[_Node] = []
    producer: dict[_Var, int] = {}
    for i, v in enumerate(ir.in_vars):
        producer[v] = len(nodes)
        nodes.append(_Node("input", [f"input {i}", str(v.aval)]))
    for i, v in enumerate(ir.const_vars):
        producer[v] = len(nodes)
        nodes.append(_Node("const", [f"const {i}", str(v.aval)]))
    edges: list[tuple[int, int]] = []
    for eqn in ir.eqns:
        nested = {k: v for k, v in eqn.params.items()
                  if isinstance(v, _IR) or (isinstance(v, tuple) and v and all(isinstance(b, _IR) for b in v))}
        literals = [_literal(x) for x in eqn.ins if isinstance(x, _Literal)]
        title = eqn.prim.name + (" " + " ".join(literals) if literals else "")
        tip = "\n".join(f"{k}={_format_param(v)}" for k, v in sorted(eqn.params.items()))
        me = len(nodes)
        nodes.append(_Node("nested" if nested else "eqn", [title, _types(v.aval for v in eqn.outs)],
                           f"{eqn.prim.name}\n{tip}".strip()))
        edges += [(producer[x], me) for x in eqn.ins if isinstance(x, _Var)]
        for v in eqn.outs:
            producer[v] = me
    for i, x in enumerate(ir.outs):
        me = len(nodes)
        nodes.append(_Node("output", [f"output {i}", str(x.aval)]))
        if isinstance(x, _Var):
            edges.append((producer[x], me))
    return nodes, edges


def _literal(x: _Literal) -> str:
    import numpy as np

    v = x.val
    if np.ndim(v) == 0:
        return repr(v.item() if isinstance(v, np.generic | np.ndarray) else v)
    return str(x.aval)


def _tensor_graph(t) -> tuple[list[_Node], list[tuple[int, int]]]:
    """Nodes (backward nodes, leaves, the tensor) and edges of the graph that produced tensor ``t``."""
    from funcgrad.autograd.graph import AccumulateGrad, _node_of
    from funcgrad.core.ir import aval_of

    def resolve(key) -> Any:
        return key if isinstance(key, AccumulateGrad) else (_node_of(key) or key)

    nodes: list[_Node] = []
    index: dict[int, int] = {}
    found: list[Any] = []   # graph objects in the order they are numbered
    root = resolve(t.grad_fn if t.grad_fn is not None else t._key())
    stack = [root]
    while stack:   # iterative, as graphs built by long loops are deeper than Python's recursion limit
        obj = stack.pop()
        if id(obj) in index:
            continue
        index[id(obj)] = len(found)
        found.append(obj)
        if not isinstance(obj, AccumulateGrad):
            stack.extend(resolve(k) for k, _ in reversed(obj.next_functions) if k is not None)
    edges: list[tuple[int, int]] = []
    for me, obj in enumerate(found):
        if isinstance(obj, AccumulateGrad):
            nodes.append(_Node("input", ["leaf", str(aval_of(obj.variable._value))], "AccumulateGrad"))
            continue
        outs = obj.out if isinstance(obj.out, tuple) else (obj.out,)
        tip = "\n".join(f"{k}={_format_param(v)}" for k, v in sorted(obj.params.items()))
        nodes.append(_Node("eqn", [obj.name(), _types(aval_of(o) for o in outs)], f"{obj.prim.name}\n{tip}".strip()))
        edges += [(index[id(resolve(k))], me) for k, _ in obj.next_functions if k is not None]
    nodes.append(_Node("output", ["tensor", str(aval_of(t._value))]))
    edges.append((0, len(nodes) - 1))   # the root, numbered first, made the tensor
    return nodes, edges


# ----------------------------------------------------------------------------- layout and SVG

_drawings = itertools.count(1)

def _layout(nodes: list[_Node], edges: list[tuple[int, int]]) -> tuple[float, float, list[list[_Node]]]:
    """Place nodes in layers (longest path from a source) and order each layer by the mean position of its
    neighbours. An edge that spans several layers gets a slot in each (a point it passes through), so
    long edges go around nodes instead of behind them. Returns the size and each edge's points."""
    preds: list[list[int]] = [[] for _ in nodes]
    succs: list[list[int]] = [[] for _ in nodes]
    for a, b in edges:
        preds[b].append(a)
        succs[a].append(b)
    order = _topological(len(nodes), preds, succs)
    for n in order:
        nodes[n].layer = max((nodes[p].layer + 1 for p in preds[n]), default=0)
    # sources sit just above their first consumer, so inputs read late do not hang at the top
    for n in reversed(order):
        if not preds[n] and succs[n]:
            nodes[n].layer = max(0, min(nodes[s].layer for s in succs[n]) - 1)
    items = list(nodes)
    up: list[list[int]] = [[] for _ in items]     # layout neighbours, with the pass-through points
    down: list[list[int]] = [[] for _ in items]
    chains = []
    for a, b in edges:
        chain = [a]
        for depth in range(nodes[a].layer + 1, nodes[b].layer):
            point = _Node("point", [""])
            point.w, point.layer = 6.0, depth
            items.append(point)
            up.append([])
            down.append([])
            chain.append(len(items) - 1)
        chain.append(b)
        for u, v in zip(chain, chain[1:]):
            up[v].append(u)
            down[u].append(v)
        chains.append(chain)
    layers: dict[int, list[int]] = {}
    for n in order + list(range(len(nodes), len(items))):
        layers.setdefault(items[n].layer, []).append(n)
    rank = {n: float(i) for row in layers.values() for i, n in enumerate(row)}

    def sweep(depths, nbrs) -> None:
        for depth in depths:
            row = layers[depth]
            row.sort(key=lambda n: sum(rank[p] for p in nbrs[n]) / len(nbrs[n]) if nbrs[n] else rank[n])
            for i, n in enumerate(row):
                rank[n] = float(i)

    depths = sorted(layers)
    sweep(depths, up)
    sweep(depths[::-1], down)
    sweep(depths, up)
    widths = {d: sum(items[n].w for n in row) + _NODE_GAP * (len(row) - 1) for d, row in layers.items()}
    total_w = max(widths.values(), default=0.0) + 2 * _MARGIN
    for depth, row in layers.items():
        x = (total_w - widths[depth]) / 2
        for n in row:
            items[n].x, items[n].y = x, _MARGIN + depth * (_NODE_H + _LAYER_GAP)
            x += items[n].w + _NODE_GAP
    total_h = 2 * _MARGIN + (max(layers, default=0) + 1) * (_NODE_H + _LAYER_GAP) - _LAYER_GAP
    return total_w, total_h, [[items[n] for n in chain] for chain in chains]


def _topological(n: int, preds: list[list[int]], succs: list[list[int]]) -> list[int]:
    missing = [len(p) for p in preds]
    ready = [i for i in range(n) if not missing[i]]
    order: list[int] = []
    while ready:
        i = ready.pop()
        order.append(i)
        for s in succs[i]:
            missing[s] -= 1
            if not missing[s]:
                ready.append(s)
    return order


def _render(nodes: list[_Node], edges: list[tuple[int, int]]) -> str:
    width, height, routes = _layout(nodes, edges)
    esc = html.escape
    arrow = f"fg-arrow-{next(_drawings)}"  # unique, as several drawings may share one notebook page
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="ui-monospace,Menlo,Consolas,monospace" '
           f'font-size="12">',
           f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>',
           f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>']
    # edges enter a node at evenly spaced points along its top, ordered by where they come from
    incoming: dict[int, list[int]] = {}
    for i, (_, b) in enumerate(edges):
        incoming.setdefault(b, []).append(i)
    slot = [0.0] * len(edges)
    for ins in incoming.values():
        ins.sort(key=lambda i: routes[i][-2].x + routes[i][-2].w / 2)
        for k, i in enumerate(ins):
            slot[i] = (k + 1) / (len(ins) + 1)
    for i, chain in enumerate(routes):
        s, d = chain[0], chain[-1]
        points = [(s.x + s.w / 2, s.y + _NODE_H)]
        for p in chain[1:-1]:
            points += [(p.x + p.w / 2, p.y), (p.x + p.w / 2, p.y + _NODE_H)]
        points.append((d.x + d.w * slot[i], d.y))
        path = [f"M{points[0][0]:.1f},{points[0][1]:.1f}"]
        for i in range(1, len(points)):
            (x1, y1), (x2, y2) = points[i - 1], points[i]
            if i % 2:   # between layers: a smooth curve
                dy = (y2 - y1) / 2
                path.append(f"C{x1:.1f},{y1 + dy:.1f} {x2:.1f},{y2 - dy:.1f} {x2:.1f},{y2:.1f}")
            else:       # through a layer, beside its nodes
                path.append(f"L{x2:.1f},{y2:.1f}")
        out.append(f'<path class="edge" d="{" ".join(path)}" fill="none" stroke="#666" stroke-width="1.2" '
                   f'marker-end="url(#{arrow})"/>')
    for n in nodes:
        fill, stroke = _STYLE[n.kind]
        tip = f"<title>{esc(n.tip)}</title>" if n.tip else ""
        cx = n.x + n.w / 2
        out.append(f'<g class="node {n.kind}">{tip}<rect x="{n.x:.1f}" y="{n.y:.1f}" width="{n.w:.1f}" '
                   f'height="{_NODE_H:.0f}" rx="5" fill="{fill}" stroke="{stroke}"/>'
                   f'<text x="{cx:.1f}" y="{n.y + 15:.1f}" text-anchor="middle" font-weight="bold">'
                   f'{esc(n.lines[0])}</text>'
                   f'<text x="{cx:.1f}" y="{n.y + 30:.1f}" text-anchor="middle" fill="#555">'
                   f'{esc(n.lines[1])}</text></g>')
    out.append("</svg>")
    return "\n".join(out)
