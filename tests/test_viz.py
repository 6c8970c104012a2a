"""fg.viz.draw (SVG of an IR or a tensor's graph) and IR._repr_html_."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag

SVG_NS = "{http://www.w3.org/2000/svg}"


def _parse(svg):
    root = ET.fromstring(svg.text)
    assert root.tag == f"{SVG_NS}svg"
    nodes = root.findall(f".//{SVG_NS}g")
    edges = [p for p in root.iter(f"{SVG_NS}path") if p.get("class") == "edge"]
    return root, nodes, edges


def _loopy(x):
    y = fg.cond(np.sum(x) > 0, np.sin, np.cos, x)
    z = fg.while_loop(lambda v: v[0] < 10.0, lambda v: v * 2.0, y + 1.0)
    c, ys = fg.scan(lambda c, a: (c + a, c * a), 0.0, z)
    return c + np.sum(ys * np.array([1.0, 2.0, 3.0]))


def _check_edges(root, nodes, edges) -> int:
    """Every edge stays inside the drawing, and where it crosses a layer it passes beside the nodes, not
    behind them. Returns how many such crossings there are."""
    w, h = float(root.get("width")), float(root.get("height"))
    rects = [tuple(float(g.find(f"{SVG_NS}rect").get(k)) for k in ("x", "y", "width", "height")) for g in nodes]
    crossings = 0
    for p in edges:
        points = [(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", p.get("d"))]
        assert all(0 <= x <= w and 0 <= y <= h for x, y in points)
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            if x0 == x1 and y1 - y0 == 38:   # a straight run through a layer
                crossings += 1
                assert not [r for r in rects if r[0] <= x0 <= r[0] + r[2] and r[1] < (y0 + y1) / 2 < r[1] + r[3]]
    return crossings


def _ir_counts(ir):
    n_nodes = len(ir.in_vars) + len(ir.const_vars) + len(ir.eqns) + len(ir.outs)
    n_edges = sum(isinstance(x, fg.core.ir.Var) for e in ir.eqns for x in e.ins)
    return n_nodes, n_edges + sum(isinstance(x, fg.core.ir.Var) for x in ir.outs)


@pytest.mark.parametrize("make", [
    lambda: fg.make_ir(fg.grad(lambda x: np.sum(np.sin(x) * x)))(np.ones(3)),
    lambda: fg.make_ir(fg.hessian(lambda x: np.sum(np.tanh(x) ** 2 * x[::-1])))(np.ones(4)),
    lambda: fg.make_ir(fg.jit(fg.grad(_loopy)))(np.ones(3)),
    lambda: fg.make_ir(lambda x, y: (x, 2.0))(1.0, np.ones(2)),   # an input as output, a literal output
])
def test_draw_ir_counts_match_the_ir(make, tmp_path):
    ir = make()
    svg = fg.viz.draw(ir)
    root, nodes, edges = _parse(svg)
    assert (len(nodes), len(edges)) == _ir_counts(ir) == (svg.n_nodes, svg.n_edges)
    labels = [t.text for g in nodes for t in g.iter(f"{SVG_NS}text")]
    for eqn in ir.eqns:
        assert any(label.startswith(eqn.prim.name) for label in labels[::2])
    for eqn in ir.eqns:
        assert " ".join(str(v.aval) for v in eqn.outs) in labels[1::2]
    _check_edges(root, nodes, edges)


def test_draw_nested_ir_marks_control_flow():
    ir = fg.make_ir(fg.jit(_loopy))(np.ones(3))
    _, nodes, _ = _parse(fg.viz.draw(ir))
    nested = {g.findall(f"{SVG_NS}text")[0].text.split()[0] for g in nodes if "nested" in g.get("class")}
    assert nested == {"cond", "while", "scan"}


def test_draw_tensor_graph_like_torchviz():
    a = ag.linspace(0.0, 2 * np.pi, 25, requires_grad=True)
    w = ag.tensor(np.ones(25), requires_grad=True)
    const = ag.tensor(np.ones(25))
    b = a.sin()
    d = ((2 * b + 1) * w + const * b).sum()
    svg = fg.viz.draw(d)
    _, nodes, edges = _parse(svg)
    kinds = [g.get("class").split()[1] for g in nodes]
    assert kinds.count("input") == 2 and kinds.count("output") == 1   # the leaves a, w and the tensor
    names = sorted(g.findall(f"{SVG_NS}text")[0].text for g in nodes if "eqn" in g.get("class"))
    assert names == sorted(["SinBackward0", "MulBackward0", "AddBackward0", "MulBackward0", "MulBackward0",
                            "AddBackward0", "SumBackward0"])
    # edges: every recorded input that requires grad, plus grad_fn -> tensor
    seen, stack, n_edges = set(), [d.grad_fn], 1
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for k, _ in node.next_functions:
            if k is not None:
                n_edges += 1
                stack.append(k)
    assert len(edges) == svg.n_edges == n_edges == 10
    assert len(nodes) == svg.n_nodes == len(seen) + 1 == 10
    shapes = {g.findall(f"{SVG_NS}text")[1].text for g in nodes if "input" in g.get("class")}
    assert shapes == {"f64[25]"}


def test_draw_leaf_tensor_and_errors():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    svg = fg.viz.draw(x)
    assert (svg.n_nodes, svg.n_edges) == (2, 1)
    with pytest.raises(ValueError, match="funcgrad.viz.draw: the tensor has no graph"):
        fg.viz.draw(ag.tensor([1.0]))
    with pytest.raises(TypeError, match=r"funcgrad.viz.draw: obj must be an IR .*fg.make_ir\(f\)"):
        fg.viz.draw(np.sin)


def test_save_and_notebook_display(tmp_path):
    ir = fg.make_ir(fg.grad(lambda x: np.sum(np.sin(x) * x)))(np.ones(3))
    p1, p2 = tmp_path / "a.svg", tmp_path / "b.svg"
    svg = fg.viz.draw(ir, path=p1)
    svg.save(str(p2))
    assert p1.read_text(encoding="utf-8") == p2.read_text(encoding="utf-8") == svg._repr_svg_() == str(svg)
    ET.parse(p1)
    assert repr(svg) == f"<funcgrad.viz.SVG: {svg.n_nodes} nodes, {svg.n_edges} edges>"


def _odd_name_ir():
    def f(x):
        return np.sin(x)

    f.__name__ = f.__qualname__ = "a<b>&'c"
    f = fg.custom_vjp(f)
    f.defvjp(lambda x: (np.sin(x), np.cos(x)), lambda r, g: (g * r,))
    return fg.make_ir(fg.jit(lambda x: f(x) * 2.0))(np.ones(2))


def test_labels_are_escaped():
    ir = _odd_name_ir()
    assert "a<b>&'c" in str(ir)
    svg = fg.viz.draw(ir)
    root = ET.fromstring(svg.text)   # parses: the tooltip with the parameters is escaped
    tips = [t.text for t in root.iter(f"{SVG_NS}title")]
    assert any("name=\"a<b>&'c\"" in t for t in tips)


# ----------------------------------------------------------------------------- IR HTML

def _html_root(ir):
    # the HTML is well-formed XML apart from &nbsp;, so a real parser checks the nesting and escaping
    return ET.fromstring(ir._repr_html_().replace("&nbsp;", "&#160;"))


def test_ir_html_table_rows_and_str_unchanged():
    ir = fg.make_ir(fg.grad(lambda x: np.sum(np.sin(x) * x)))(np.ones(3))
    before = str(ir)
    root = _html_root(ir)
    rows = root.findall("./table/tbody/tr")
    assert len(rows) == len(ir.eqns)
    assert [r.findall("td")[1].text for r in rows] == [e.prim.name for e in ir.eqns]
    assert "".join(rows[0].findall("td")[0].itertext()) == "b:f64[3]"   # the names of the text form
    head = "".join(root.find("./div[@class='fg-head']").itertext())
    assert "inputs a:f64[3]" in head and "outputs e" in head
    assert str(ir) == before and repr(ir) == before


def test_ir_html_nests_control_flow_and_custom_rules():
    @fg.custom_vjp
    def f(x):
        return np.sin(x)

    f.defvjp(lambda x: (np.sin(x), np.cos(x)), lambda r, g: (g * r,))

    def g(x):
        return np.sum(f(x) + fg.checkpoint(lambda y: np.tanh(y) * 2.0)(x)) + _loopy(x)

    ir = fg.make_ir(fg.jit(g))(np.ones(3))
    root = _html_root(ir)
    summaries = [s.text.split(":")[0] for s in root.iter("summary")]
    for label in ("branches[0]", "branches[1]", "body", "cond", "fun", "fwd", "bwd"):
        assert label in summaries
    # each nested table has one row per equation of its IR
    nested = [v for e in ir.eqns for v in e.params.values() if isinstance(v, fg.IR)]
    nested += [b for e in ir.eqns for v in e.params.values() if isinstance(v, tuple) for b in v
               if isinstance(b, fg.IR)]
    details = list(root.iter("details"))
    assert len(details) == len(nested)
    assert sorted(len(d.findall("./table/tbody/tr")) for d in details) == sorted(len(n.eqns) for n in nested)


def test_ir_html_escapes_params():
    ir = _odd_name_ir()
    text = ir._repr_html_()
    assert "a<b>" not in text and "a&lt;b&gt;&amp;" in text
    root = _html_root(ir)
    params = "".join(root.find("./table/tbody/tr").findall("td")[2].itertext())
    assert "name=\"a<b>&'c\"" in params


def test_long_edges_go_around_nodes():
    # x is read by tanh (layer 1) and by a product three layers down, tanh(x) by the sum at the end
    ir = fg.make_ir(fg.grad(lambda x: np.sum(np.tanh(x) * x)))(np.ones(3))
    root, nodes, edges = _parse(fg.viz.draw(ir))
    assert len([p for p in edges if " L" in p.get("d")]) == 2
    assert _check_edges(root, nodes, edges) == 3 + 3


def test_draw_deep_tensor_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(3000):   # deeper than Python's recursion limit
        y = y * 1.0001
    svg = fg.viz.draw(y.sum())
    assert (svg.n_nodes, svg.n_edges) == (3000 + 3, 3000 + 2)
