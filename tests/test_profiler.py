"""funcgrad.profiler: counts, grouping, tables, chrome traces, nesting and hook restoration."""

import json
import time

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag
from funcgrad import profiler
from funcgrad.core import trace


class _FakePrim:
    def __init__(self, name, impl):
        self.name = name
        self.impl = impl


def _current_hook():
    old = trace.set_dispatch_hook(None)
    trace.set_dispatch_hook(old)
    return old


def test_counts_of_a_known_computation():
    x = ag.tensor(np.linspace(0, 1, 5))
    with profiler.profile() as prof:
        y = x.sin().sin().sin()
    np.testing.assert_allclose(y.numpy(), np.sin(np.sin(np.sin(np.linspace(0, 1, 5)))), rtol=1e-15)
    assert [e.name for e in prof.events] == ["sin"] * 3
    avgs = prof.key_averages()
    assert [(a.key, a.count) for a in avgs] == [("sin", 3)]
    assert avgs[0].cpu_time_total == pytest.approx(sum(e.cpu_time_total for e in prof.events))
    assert all(e.input_shapes == [[5]] and e.duration_ns >= 0 for e in prof.events)


def test_events_outside_the_block_are_not_recorded():
    with profiler.profile() as prof:
        np.sum(fg.numpy.sin(np.ones(2)))
    n = len(prof.events)
    assert n >= 1
    ag.tensor([1.0]).exp()
    assert len(prof.events) == n


def test_backward_and_functional_transforms_are_profiled():
    x = ag.tensor(np.ones(3), requires_grad=True)
    with profiler.profile() as prof:
        x.sin().sum().backward()
    names = [e.name for e in prof.events]
    assert names.count("sin") == 1 and "cos" in names          # cos comes from sin's vjp rule
    with profiler.profile() as prof2:
        g = fg.grad(lambda v: np.sum(np.sin(v) ** 2))(np.ones(4))
    np.testing.assert_allclose(g, 2 * np.sin(1.0) * np.cos(1.0), rtol=1e-14)
    counts = {a.key: a.count for a in prof2.key_averages()}
    assert counts.get("sin", 0) >= 1 and counts.get("cos", 0) >= 1


def test_group_by_input_shape_separates_shapes():
    with profiler.profile() as prof:
        ag.ones(3).sin()
        ag.ones(3).sin()
        ag.ones(2, 2).sin()
    grouped = {(a.key, str(a.input_shapes)): a.count for a in prof.key_averages(group_by_input_shape=True)}
    assert grouped == {("sin", "[[3]]"): 2, ("sin", "[[2, 2]]"): 1}
    assert [(a.key, a.count) for a in prof.key_averages()] == [("sin", 3)]
    table = prof.table(group_by_input_shape=True)
    assert "Input Shapes" in table and "[[3]]" in table and "[[2, 2]]" in table
    assert "Input Shapes" not in prof.table()


def _row_counts(table):
    lines = table.splitlines()
    header = lines[1].split()
    rows = [ln.split() for ln in lines[3:] if ln and not ln.startswith("-") and not ln.startswith("Self CPU time")]
    return header, rows


def test_table_columns_sorting_and_row_limit():
    with profiler.profile() as prof:
        x = ag.ones(4)
        for _ in range(3):
            x = x.exp()
        x = x.sin()
        x = x.cos().cos()
    text = prof.table(sort_by="count")
    header_line = text.splitlines()[1]
    for col in ("Name", "Calls", "Self CPU total", "CPU total", "CPU time avg"):
        assert col in header_line
    _, rows = _row_counts(text)
    assert [r[0] for r in rows] == ["exp", "cos", "sin"] and [r[1] for r in rows] == ["3", "2", "1"]
    _, rows = _row_counts(prof.table(sort_by="name"))
    assert [r[0] for r in rows] == ["cos", "exp", "sin"]
    _, rows = _row_counts(prof.table(sort_by="count", row_limit=1))
    assert [r[0] for r in rows] == ["exp"]
    for key in ("self_cpu_time_total", "cpu_time_total"):
        avgs = sorted(prof.key_averages(), key=lambda a: getattr(a, key), reverse=True)
        _, rows = _row_counts(prof.table(sort_by=key))
        assert [r[0] for r in rows] == [a.key for a in avgs]
    with pytest.raises(ValueError, match="sort_by"):
        prof.table(sort_by="bogus")
    assert str(prof) == prof.table()


def test_chrome_trace_is_valid_json_with_one_event_per_call(tmp_path):
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    with profiler.profile() as prof:
        (x * x).sum().backward()
        ag.ones(5).sin()
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    data = json.loads(path.read_text())
    assert data["displayTimeUnit"] == "ms"
    evs = data["traceEvents"]
    assert len(evs) == len(prof.events) >= 4
    assert [e["name"] for e in evs] == [e.name for e in prof.events]   # events are in start order
    for e in evs:
        assert e["ph"] == "X"
        for k in ("ts", "dur"):
            assert isinstance(e[k], int | float) and not isinstance(e[k], bool) and e[k] >= 0
        assert isinstance(e["pid"], int) and isinstance(e["tid"], int)
        assert isinstance(e["args"]["Input Shapes"], list)
    ts = [e["ts"] for e in evs]
    assert ts == sorted(ts)
    sin = [e for e in evs if e["name"] == "sin"]
    assert len(sin) == 1 and sin[0]["args"]["Input Shapes"] == [[5]]


def test_nested_profiles_both_record_and_hooks_are_restored():
    before = _current_hook()
    with profiler.profile() as outer:
        ag.ones(2).exp()
        with profiler.profile() as inner:
            ag.ones(2).sin()
            assert _current_hook() == inner._hook
        assert _current_hook() == outer._hook
        ag.ones(2).cos()
    assert _current_hook() is before
    assert [e.name for e in inner.events] == ["sin"]
    assert [e.name for e in outer.events] == ["exp", "sin", "cos"]


def test_hook_restored_after_exception_and_previous_hook_chained():
    seen = []

    def other(prim, args, params):
        seen.append(prim.name)
        return prim.impl(*args, **params)

    old = trace.set_dispatch_hook(other)
    try:
        with pytest.raises(ZeroDivisionError):
            with profiler.profile() as prof:
                ag.ones(1).tanh()
                raise ZeroDivisionError
        assert _current_hook() is other
        assert [e.name for e in prof.events] == ["tanh"] and seen == ["tanh"]
    finally:
        trace.set_dispatch_hook(old)
    assert _current_hook() is old


def test_self_time_excludes_nested_primitives():
    inner = _FakePrim("inner_op", lambda a: (time.sleep(0.02), a + 1)[1])
    outer = _FakePrim("outer_op", lambda a: trace.dispatch(inner, [a], {}) * 2)
    with profiler.profile() as prof:
        out = trace.dispatch(outer, [1], {})
    assert out == 4
    by_name = {e.name: e for e in prof.events}
    o, i = by_name["outer_op"], by_name["inner_op"]
    assert [e.name for e in prof.events] == ["outer_op", "inner_op"]   # start order
    assert i.depth == 1 and o.depth == 0
    assert i.self_duration_ns == i.duration_ns >= 20_000_000
    assert o.duration_ns >= i.duration_ns
    assert o.self_duration_ns == o.duration_ns - i.duration_ns
    assert o.self_duration_ns < 10_000_000
    avg = {a.key: a for a in prof.key_averages()}
    assert avg["outer_op"].self_cpu_time_total < avg["outer_op"].cpu_time_total


def test_disabled_profile_records_nothing():
    before = _current_hook()
    with profiler.profile(enabled=False) as prof:
        assert _current_hook() is before
        ag.ones(2).sin()
    assert prof.events == []


def test_rule_hook_protocol_records_backward_events_with_nested_primitives(monkeypatch):
    from funcgrad.ops import mul, sin
    from funcgrad.transforms import reverse

    installed = []

    def fake_setter(hook):
        old = installed[-1] if installed else None
        installed.append(hook)
        return old

    monkeypatch.setattr(reverse, "set_rule_hook", fake_setter, raising=False)
    with profiler.profile() as prof:
        hook = installed[-1]
        assert hook == prof._rule_hook
        ct = hook(mul, {}, 0, lambda: trace.dispatch(sin, [np.zeros(3)], {}))
    assert installed[-1] is None                                   # previous (none) restored on exit
    np.testing.assert_array_equal(ct, np.zeros(3))
    assert [(e.name, e.cat, e.depth) for e in prof.events] == [("MulBackward0", "backward", 0),
                                                               ("sin", "primitive", 1)]
    back, prim = prof.events
    assert back.self_duration_ns == back.duration_ns - prim.duration_ns


@pytest.mark.skipif(not hasattr(__import__("funcgrad.transforms.reverse").transforms.reverse, "set_rule_hook"),
                    reason="funcgrad.transforms.reverse.set_rule_hook not wired yet")
def test_backward_rule_applications_are_recorded():
    x = ag.tensor(np.ones(3), requires_grad=True)
    with profiler.profile() as prof:
        x.sin().sum().backward()
    backward = [e for e in prof.events if e.cat == "backward"]
    assert [e.name for e in backward] == ["SumBackward0", "SinBackward0"]
    cos = [e for e in prof.events if e.name == "cos"]
    assert len(cos) == 1 and cos[0].depth == 1
