"""One small MLP trained three ways — autograd tensors with optim.Adam, nn modules with
optim.Adam, and the functional API (fg.value_and_grad with optim.adam) — follows one loss
curve; the profiler's Chrome trace of the tensor training loop has one event per
primitive call."""

import json

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag
from funcgrad import nn, optim, profiler

STEPS = 25
LR = 0.05


def _data():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((32, 4))
    y = np.sin(X @ np.array([1.0, -2.0, 0.5, 0.3]))[:, None]
    params = {"w0": rng.standard_normal((4, 8)) * 0.5, "b0": np.zeros(8),
              "w1": rng.standard_normal((8, 1)) * 0.5, "b1": np.zeros(1)}
    return X, y, params


def _loss(p, X, y, xp=np):
    h = xp.tanh(X @ p["w0"] + p["b0"])
    return xp.mean((h @ p["w1"] + p["b1"] - y) ** 2)


def train_functional():
    X, y, params = _data()
    opt = optim.adam(LR)
    state = opt.init(params)
    value_and_grad = fg.value_and_grad(_loss)
    losses = []
    for _ in range(STEPS):
        value, grads = value_and_grad(params, X, y)
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        losses.append(float(value))
    return np.array(losses), params


def train_tensors():
    X, y, params = _data()
    p = {k: ag.tensor(v, requires_grad=True) for k, v in params.items()}
    opt = optim.Adam(list(p.values()), lr=LR)
    Xt, yt = ag.tensor(X), ag.tensor(y)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = _loss(p, Xt, yt, xp=ag)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses), {k: v.detach().numpy() for k, v in p.items()}


def train_modules():
    X, y, params = _data()
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    with ag.no_grad():  # nn.Linear stores weight as (out, in)
        model[0].weight.copy_(params["w0"].T)
        model[0].bias.copy_(params["b0"])
        model[2].weight.copy_(params["w1"].T)
        model[2].bias.copy_(params["b1"])
    opt = optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.MSELoss()
    Xt, yt = ag.tensor(X), ag.tensor(y)
    losses = []
    for _ in range(STEPS):
        opt.zero_grad()
        loss = loss_fn(model(Xt), yt)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return np.array(losses)


def test_tensor_adam_matches_the_functional_loss_curve():
    curve_f, params_f = train_functional()
    curve_t, params_t = train_tensors()
    assert curve_f[-1] < 0.5 * curve_f[0]  # it learns
    np.testing.assert_allclose(curve_t, curve_f, rtol=1e-12)
    for k in params_f:
        np.testing.assert_allclose(params_t[k], params_f[k], rtol=1e-11, atol=1e-14)


def test_nn_modules_follow_the_same_curve():
    curve_f, _ = train_functional()
    np.testing.assert_allclose(train_modules(), curve_f, rtol=1e-12)


def test_a_different_learning_rate_gives_a_different_curve():
    global LR
    curve, _ = train_functional()
    LR, old = LR * 2, LR
    try:
        other, _ = train_tensors()
    finally:
        LR = old
    assert not np.allclose(curve, other)


# ----------------------------------------------------------------------------- profiler

def _primitive_calls(fn):
    """Count primitive executions of ``fn`` by wrapping every implementation."""
    from funcgrad.core import trace

    calls = []

    def hook(prim, args, params):
        calls.append(prim.name)
        return prim.impl(*args, **params)

    old = trace.set_dispatch_hook(hook)
    try:
        fn()
    finally:
        trace.set_dispatch_hook(old)
    return calls


def test_chrome_trace_of_the_training_loop(tmp_path):
    calls = _primitive_calls(train_tensors)
    assert len(calls) > STEPS * 10
    with profiler.profile() as prof:
        curve, _ = train_tensors()
    np.testing.assert_allclose(curve, train_functional()[0], rtol=1e-12)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    doc = json.loads(path.read_text())
    events = doc["traceEvents"]
    assert all(e["ph"] == "X" for e in events)
    prim_events = [e for e in events if e["cat"] == "primitive"]
    assert sorted(e["name"] for e in prim_events) == sorted(calls)
    assert {e["cat"] for e in events} == {"primitive", "backward"}
    for e in prim_events:
        assert isinstance(e["ts"], int | float) and e["dur"] >= 0
        assert {"pid", "tid"} <= set(e) and isinstance(e["args"]["Input Shapes"], list)
    ts = [e["ts"] for e in prim_events]
    assert ts == sorted(ts)


def test_table_of_the_training_loop_groups_by_input_shape():
    with profiler.profile() as prof:
        train_tensors()
    grouped = prof.key_averages(group_by_input_shape=True)
    by_name = prof.key_averages()
    # dot_general runs on (32, 4)@(4, 8) and (32, 8)@(8, 1) in the forward pass, and more in backward
    dot_shapes = {str(a.input_shapes) for a in grouped if a.key == "dot_general"}
    assert len(dot_shapes) >= 2
    assert sum(a.count for a in grouped) == sum(a.count for a in by_name)
    table = prof.table(sort_by="self_cpu_time_total", group_by_input_shape=True)
    assert "Input Shapes" in table and "[[32, 4], [4, 8]]" in table


@pytest.mark.parametrize("sort_by", ["cpu_time_total", "self_cpu_time_total", "count"])
def test_table_sorts(sort_by):
    with profiler.profile() as prof:
        train_tensors()
    assert "dot_general" in prof.table(sort_by=sort_by, row_limit=5)
