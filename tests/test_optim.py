"""funcgrad.optim and funcgrad.nn against PyTorch's numbers.

Optimiser trajectories (SGD, Adam, AdamW and the functional ``sgd`` / ``adam``), parameter groups, optimiser
state, ``nn.Linear``, module traversal and state dicts, losses, activations and a small training loop. The
reference values at the end of the file are PyTorch 2.13's results for the same inputs, in float64 unless a
name says float32.
"""

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag
from funcgrad import nn, optim
from funcgrad.nn import functional as F

RTOL = 1e-12

W0 = [-1.2, 1.0, 0.5]
B0 = [0.3, -0.7]


def rosenbrock_loss(w, b):
    """A Rosenbrock-like quartic in two parameters; works on tensors and on traced arrays."""
    return (2 * np.sum((w[1:] - w[:-1] ** 2) ** 2) + 0.5 * np.sum((1 - w) ** 2)
            + np.sum((b - w[:2] * w[1:]) ** 2) + 0.25 * np.sum(b ** 4))


def new_params(dtype=np.float64):
    return ag.tensor(np.array(W0, dtype), requires_grad=True), ag.tensor(np.array(B0, dtype), requires_grad=True)


def flat(*tensors):
    return np.concatenate([t.numpy().ravel() for t in tensors])


def as_array(x):
    return x.numpy() if isinstance(x, ag.Tensor) else np.asarray(x)


def assert_close(actual, expected, rtol=RTOL, atol=0.0):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=rtol, atol=atol)


def run(make_opt, steps=5, dtype=np.float64):
    """Minimise ``rosenbrock_loss`` from ``(W0, B0)``; the flattened ``(w, b)`` after each step."""
    w, b = new_params(dtype)
    opt = make_opt(w, b)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        rosenbrock_loss(w, b).backward()
        opt.step()
        traj.append(flat(w, b))
    return np.array(traj)


def step_with(opt, w, b, gw, gb):
    """One step with explicitly set gradients (``None`` leaves ``.grad`` unset)."""
    opt.zero_grad()
    w.grad = None if gw is None else ag.tensor(gw)
    b.grad = None if gb is None else ag.tensor(gb)
    opt.step()


# ----------------------------------------------------------------------------- SGD and the optimiser interface

SGD_CONFIGS = {
    "plain": dict(lr=0.02),
    "momentum": dict(lr=0.02, momentum=0.9),
    "momentum_dampening": dict(lr=0.02, momentum=0.9, dampening=0.3),
    "nesterov": dict(lr=0.02, momentum=0.8, nesterov=True),
    "weight_decay": dict(lr=0.02, weight_decay=0.1),
    "momentum_dampening_weight_decay": dict(lr=0.02, momentum=0.5, dampening=0.5, weight_decay=0.05),
    "nesterov_weight_decay": dict(lr=0.02, momentum=0.9, nesterov=True, weight_decay=0.01),
    "maximize": dict(lr=0.005, momentum=0.5, maximize=True),
}


@pytest.mark.parametrize("name", list(SGD_CONFIGS))
def test_sgd_trajectory_matches_torch(name):
    traj = run(lambda w, b: optim.SGD([w, b], **SGD_CONFIGS[name]))
    assert_close(traj, SGD_TRAJ[name])


@pytest.mark.parametrize("cls", ["SGD", "Adam", "AdamW"])
def test_default_hyperparameters_match_torch(cls):
    w = ag.tensor([1.0, -2.0], requires_grad=True)
    opt = getattr(optim, cls)([w])
    np.sum(w * w).backward()
    opt.step()
    w0, g = np.array([1.0, -2.0]), np.array([2.0, -4.0])
    expected = {"SGD": w0 - 1e-3 * g,
                "Adam": w0 - 1e-3 * g / (np.abs(g) + 1e-8),
                "AdamW": w0 * (1 - 1e-3 * 0.01) - 1e-3 * g / (np.abs(g) + 1e-8)}[cls]
    assert_close(w.numpy(), expected, rtol=1e-14)


def test_sgd_param_groups_match_torch():
    def make(w, b):
        return optim.SGD([{"params": [w], "lr": 0.05, "momentum": 0.9},
                          {"params": [b], "nesterov": True, "momentum": 0.5}], lr=0.01, weight_decay=0.1)

    w, b = new_params()
    g0, g1 = make(w, b).param_groups
    assert g0["params"] == [w] and g1["params"] == [b]
    assert (g0["lr"], g0["momentum"], g0["weight_decay"], g0["nesterov"]) == (0.05, 0.9, 0.1, False)
    assert (g1["lr"], g1["momentum"], g1["weight_decay"], g1["nesterov"]) == (0.01, 0.5, 0.1, True)
    assert_close(run(make), SGD_GROUPS_TRAJ)


def test_adam_param_groups_match_torch():
    def make(w, b):
        return optim.Adam([{"params": [w], "betas": (0.5, 0.9)},
                           {"params": [b], "lr": 0.1, "amsgrad": True, "weight_decay": 0.2}], lr=0.05)

    assert_close(run(make), ADAM_GROUPS_TRAJ)


def test_group_hyperparameters_changed_between_steps_take_effect():
    w, b = new_params()
    opt = optim.SGD([{"params": [w]}, {"params": [b]}], lr=0.02, momentum=0.9)
    traj = []
    for i in range(4):
        if i == 2:
            opt.param_groups[0]["lr"] = 0.005
            opt.param_groups[1]["momentum"] = 0.0
        opt.zero_grad()
        rosenbrock_loss(w, b).backward()
        opt.step()
        traj.append(flat(w, b))
    assert_close(traj, SGD_SCHEDULE_TRAJ)


def test_add_param_group_matches_torch():
    w, b = new_params()
    opt = optim.SGD([w], lr=0.02, momentum=0.9)
    traj = []
    for i in range(4):
        if i == 1:
            opt.add_param_group({"params": [b], "lr": 0.05})
        opt.zero_grad()
        rosenbrock_loss(w, b).backward()
        opt.step()
        traj.append(flat(w, b))
    assert opt.param_groups[1]["momentum"] == 0.9 and opt.param_groups[1]["lr"] == 0.05
    assert_close(traj, SGD_ADD_GROUP_TRAJ)


def test_named_parameter_pairs_are_accepted_as_params():
    traj = run(lambda w, b: optim.SGD([("w", w), ("b", b)], lr=0.02))
    assert_close(traj, SGD_TRAJ["plain"])


def test_parameter_in_two_groups_raises():
    w, b = new_params()
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w, b]}], lr=0.1)


@pytest.mark.parametrize("cls", ["SGD", "Adam", "AdamW"])
def test_zero_grad_set_to_none_leaves_grad_none(cls):
    w, b = new_params()
    opt = getattr(optim, cls)([w, b], lr=0.01)
    rosenbrock_loss(w, b).backward()
    opt.zero_grad()
    assert w.grad is None and b.grad is None
    rosenbrock_loss(w, b).backward()
    opt.zero_grad(set_to_none=True)
    assert w.grad is None and b.grad is None


def test_zero_grad_set_to_none_false_zeros_in_place():
    w, b = new_params()
    unused = ag.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w, b, unused], lr=0.01)
    rosenbrock_loss(w, b).backward()
    grad_w = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad_w
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(3))
    np.testing.assert_array_equal(b.grad.numpy(), np.zeros(2))
    assert unused.grad is None
    rosenbrock_loss(w, b).backward()
    assert_close(flat(w.grad, b.grad), GRAD0)


SKIP_CONFIGS = {
    "sgd": ("SGD", dict(lr=0.1, momentum=0.9, weight_decay=0.2)),
    "adam": ("Adam", dict(lr=0.1, weight_decay=0.2)),
    "adamw": ("AdamW", dict(lr=0.1, weight_decay=0.2)),
}
SKIP_GW = [[0.5, -1.0, 2.0], [0.25, 0.5, -0.75], [1.0, 1.0, 1.0], [-2.0, 0.0, 0.5]]
SKIP_GB = [None, None, [1.5, -0.5], [-1.0, 2.0]]


@pytest.mark.parametrize("name", list(SKIP_CONFIGS))
def test_step_skips_parameters_whose_grad_is_none(name):
    cls, kwargs = SKIP_CONFIGS[name]
    w, b = new_params()
    opt = getattr(optim, cls)([w, b], **kwargs)
    traj = []
    for gw, gb in zip(SKIP_GW, SKIP_GB):
        step_with(opt, w, b, gw, gb)
        traj.append(flat(w, b))
    np.testing.assert_array_equal(np.array(traj)[:2, 3:], [B0, B0])     # no weight decay either
    assert_close(traj, SKIP_TRAJ[name])


def test_step_with_closure_returns_its_loss():
    w, b = new_params()
    opt = optim.SGD([w, b], lr=0.02, momentum=0.9)
    calls = []

    def closure():
        opt.zero_grad()
        loss = rosenbrock_loss(w, b)
        loss.backward()
        calls.append(loss.item())
        return loss

    losses = [opt.step(closure).item() for _ in range(2)]
    assert_close(losses, CLOSURE_LOSSES)
    assert calls == losses
    assert_close(flat(w, b), CLOSURE_PARAMS)
    assert opt.step() is None


INVALID_HYPERPARAMETERS = {
    "SGD-lr": ("SGD", dict(lr=-0.1), "learning rate"),
    "SGD-momentum": ("SGD", dict(lr=0.1, momentum=-0.5), "momentum"),
    "SGD-weight_decay": ("SGD", dict(lr=0.1, weight_decay=-1.0), "weight_decay"),
    "Adam-lr": ("Adam", dict(lr=-0.1), "learning rate"),
    "Adam-eps": ("Adam", dict(eps=-1e-8), "epsilon"),
    "Adam-beta1": ("Adam", dict(betas=(1.0, 0.999)), "beta parameter at index 0"),
    "Adam-beta2": ("Adam", dict(betas=(0.9, 1.0)), "beta parameter at index 1"),
    "AdamW-weight_decay": ("AdamW", dict(weight_decay=-0.1), "weight_decay"),
}


@pytest.mark.parametrize("name", list(INVALID_HYPERPARAMETERS))
def test_invalid_hyperparameters_raise_value_error(name):
    cls, kwargs, message = INVALID_HYPERPARAMETERS[name]
    with pytest.raises(ValueError, match=message):
        getattr(optim, cls)(list(new_params()), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(nesterov=True), dict(nesterov=True, momentum=0.9, dampening=0.1)])
def test_nesterov_requires_momentum_and_zero_dampening(kwargs):
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD(list(new_params()), lr=0.1, **kwargs)


def test_non_leaf_tensor_raises_value_error():
    w, _ = new_params()
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([w * 2], lr=0.1)


def test_single_tensor_and_empty_list_are_rejected():
    w, _ = new_params()
    with pytest.raises(TypeError):
        optim.SGD(w, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([], lr=0.1)


# ----------------------------------------------------------------------------- optimiser state

def _sgd_with_b_only():
    """SGD with momentum where only ``b`` (the second parameter) ever has a gradient."""
    w, b = new_params()
    opt = optim.SGD([w, b], lr=0.1, momentum=0.9)
    step_with(opt, w, b, None, [1.5, -0.5])
    step_with(opt, w, b, None, [-1.0, 2.0])
    return opt, w, b


def test_optimizer_state_is_keyed_by_parameter():
    opt, w, b = _sgd_with_b_only()
    assert b in opt.state and w not in opt.state
    assert_close(as_array(opt.state[b]["momentum_buffer"]), SGD_STATE_B)


def test_state_dict_indexes_state_by_parameter_position():
    opt, _, _ = _sgd_with_b_only()
    state = opt.state_dict()["state"]
    assert list(state) == [1]
    assert_close(as_array(state[1]["momentum_buffer"]), SGD_STATE_B)


def test_state_dict_param_groups_list_parameter_indices():
    w, b = new_params()
    c = ag.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [w, b]}, {"params": [c], "lr": 0.5}], lr=0.1, momentum=0.9)
    groups = opt.state_dict()["param_groups"]
    assert [g["params"] for g in groups] == [[0, 1], [2]]
    assert [(g["lr"], g["momentum"]) for g in groups] == [(0.1, 0.9), (0.5, 0.9)]


def test_adam_state_matches_torch():
    w, b = new_params()
    opt = optim.Adam([w, b], lr=0.05, betas=(0.8, 0.5), amsgrad=True)
    for _ in range(3):
        opt.zero_grad()
        rosenbrock_loss(w, b).backward()
        opt.step()
    state = opt.state_dict()["state"]
    assert sorted(state) == [0, 1]
    for i, expected in enumerate(ADAM_STATE):
        assert float(state[i]["step"]) == expected["step"] == 3.0
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            assert_close(as_array(state[i][key]), expected[key])


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_load_state_dict_resumes_the_trajectory(name):
    cls, kwargs, expected = {
        "sgd": (optim.SGD, SGD_CONFIGS["momentum_dampening"], SGD_TRAJ["momentum_dampening"]),
        "adam": (optim.Adam, ADAM_CONFIGS["adam_amsgrad"][1], ADAM_TRAJ["adam_amsgrad"]),
    }[name]
    w, b = new_params()
    opt = cls([w, b], **kwargs)
    for _ in range(2):
        opt.zero_grad()
        rosenbrock_loss(w, b).backward()
        opt.step()
    w2 = ag.tensor(w.numpy().copy(), requires_grad=True)
    b2 = ag.tensor(b.numpy().copy(), requires_grad=True)
    resumed = cls([w2, b2], lr=0.5)                     # hyperparameters come from the state dict
    resumed.load_state_dict(opt.state_dict())
    assert resumed.param_groups[0]["lr"] == kwargs["lr"]
    traj = []
    for _ in range(3):
        resumed.zero_grad()
        rosenbrock_loss(w2, b2).backward()
        resumed.step()
        traj.append(flat(w2, b2))
    assert_close(traj, expected[2:])


# ----------------------------------------------------------------------------- Adam and AdamW

ADAM_CONFIGS = {
    "adam_default_betas": ("Adam", dict(lr=0.05)),
    "adam_betas": ("Adam", dict(lr=0.1, betas=(0.5, 0.9))),
    "adam_eps": ("Adam", dict(lr=0.05, eps=0.1)),
    "adam_weight_decay": ("Adam", dict(lr=0.05, weight_decay=0.3)),
    "adam_amsgrad": ("Adam", dict(lr=0.05, betas=(0.8, 0.5), amsgrad=True)),
    "adam_amsgrad_weight_decay": ("Adam", dict(lr=0.05, betas=(0.9, 0.6), weight_decay=0.1, amsgrad=True)),
    "adam_maximize": ("Adam", dict(lr=0.01, maximize=True)),
    "adamw_default_weight_decay": ("AdamW", dict(lr=0.05)),
    "adamw_weight_decay": ("AdamW", dict(lr=0.05, betas=(0.7, 0.95), weight_decay=0.5)),
    "adamw_amsgrad": ("AdamW", dict(lr=0.05, betas=(0.8, 0.5), weight_decay=0.2, amsgrad=True)),
}


@pytest.mark.parametrize("name", list(ADAM_CONFIGS))
def test_adam_trajectory_matches_torch(name):
    cls, kwargs = ADAM_CONFIGS[name]
    traj = run(lambda w, b: getattr(optim, cls)([w, b], **kwargs))
    assert_close(traj, ADAM_TRAJ[name])
    if kwargs.get("amsgrad"):                            # the maximum of the second moments changes the path
        plain = run(lambda w, b: getattr(optim, cls)([w, b], **dict(kwargs, amsgrad=False)))
        assert np.max(np.abs(plain - traj)) > 1e-3


def test_adam_decoupled_weight_decay_is_adamw():
    kwargs = dict(ADAM_CONFIGS["adamw_weight_decay"][1], decoupled_weight_decay=True)
    assert_close(run(lambda w, b: optim.Adam([w, b], **kwargs)), ADAM_TRAJ["adamw_weight_decay"])


F32_CONFIGS = {
    "sgd": ("SGD", dict(lr=0.02, momentum=0.9)),
    "adam": ("Adam", dict(lr=0.05)),
    "adamw": ("AdamW", dict(lr=0.05, weight_decay=0.1)),
}


@pytest.mark.parametrize("name", list(F32_CONFIGS))
def test_float32_parameters_stay_float32(name):
    cls, kwargs = F32_CONFIGS[name]
    w, b = new_params(np.float32)
    opt = getattr(optim, cls)([w, b], **kwargs)
    for expected in F32_TRAJ[name]:
        opt.zero_grad()
        rosenbrock_loss(w, b).backward()
        opt.step()
        assert w.dtype == np.float32 and b.dtype == np.float32
        assert_close(flat(w, b), expected, rtol=1e-6)


# ----------------------------------------------------------------------------- functional optimisers

def run_functional(opt, steps=5, dtype=np.float64):
    params = {"w": np.array(W0, dtype), "b": np.array(B0, dtype)}
    state = opt.init(params)
    grad_fn = fg.grad(lambda p: rosenbrock_loss(p["w"], p["b"]))
    traj = []
    for _ in range(steps):
        updates, state = opt.update(grad_fn(params), state, params)
        params = optim.apply_updates(params, updates)
        traj.append(np.concatenate([params["w"], params["b"]]))
    return np.array(traj), params


FUNCTIONAL_SGD = {"plain": dict(), "momentum": dict(momentum=0.9), "nesterov": dict(momentum=0.8, nesterov=True)}
FUNCTIONAL_ADAM = {
    "adam_default_betas": dict(),
    "adam_betas": dict(b1=0.5, b2=0.9),
    "adam_eps": dict(eps=0.1),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_SGD))
def test_functional_sgd_matches_torch_and_torch_style(name):
    traj, _ = run_functional(optim.sgd(SGD_CONFIGS[name]["lr"], **FUNCTIONAL_SGD[name]))
    assert_close(traj, SGD_TRAJ[name])
    assert_close(traj, run(lambda w, b: optim.SGD([w, b], **SGD_CONFIGS[name])), rtol=1e-14)


@pytest.mark.parametrize("name", list(FUNCTIONAL_ADAM))
def test_functional_adam_matches_torch_and_torch_style(name):
    kwargs = ADAM_CONFIGS[name][1]
    traj, _ = run_functional(optim.adam(kwargs["lr"], **FUNCTIONAL_ADAM[name]))
    assert_close(traj, ADAM_TRAJ[name])
    assert_close(traj, run(lambda w, b: optim.Adam([w, b], **kwargs)), rtol=1e-14)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_functional_update_is_pure(name):
    opt = optim.sgd(0.1, momentum=0.9) if name == "sgd" else optim.adam(0.1)
    params = {"w": np.array(W0), "b": np.array(B0)}
    grads = {"w": np.array([0.5, -1.0, 2.0]), "b": np.array([1.5, -0.5])}
    state = opt.init(params)
    before = [np.array(leaf, copy=True) for leaf in fg.tree.leaves(state)]
    updates, new_state = opt.update(grads, state, params)
    again, again_state = opt.update(grads, state)                 # same inputs, params omitted
    for leaf, old in zip(fg.tree.leaves(state), before):
        np.testing.assert_array_equal(leaf, old)
    for new, other in zip(fg.tree.leaves(new_state), fg.tree.leaves(again_state)):
        np.testing.assert_array_equal(new, other)
    np.testing.assert_array_equal(params["w"], W0)
    for key, g in grads.items():
        np.testing.assert_array_equal(again[key], updates[key])
        expected = -0.1 * g if name == "sgd" else -0.1 * g / (np.abs(g) + 1e-8)
        assert_close(updates[key], expected, rtol=1e-14)


def test_functional_optimisers_preserve_pytree_structure():
    params = {"layer": (np.array([1.0, -2.0]), np.array(0.5)), "extra": [np.array([[3.0, -4.0]])]}
    grads = fg.tree.map(lambda p: 2 * p, params)
    opt = optim.adam(0.1)
    updates, _ = opt.update(grads, opt.init(params), params)
    new = optim.apply_updates(params, updates)
    assert isinstance(new["layer"], tuple) and isinstance(new["extra"], list)
    for p, q in zip(fg.tree.leaves(params), fg.tree.leaves(new)):
        assert np.shape(q) == np.shape(p)
        assert_close(q, p - 0.1 * (2 * p) / (np.abs(2 * p) + 1e-8), rtol=1e-14)


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_functional_optimisers_keep_float32(name):
    opt = optim.sgd(0.02, momentum=0.9) if name == "sgd" else optim.adam(0.05)
    traj, params = run_functional(opt, steps=3, dtype=np.float32)
    assert params["w"].dtype == np.float32 and params["b"].dtype == np.float32
    assert_close(traj, F32_TRAJ[name], rtol=1e-6)


# ----------------------------------------------------------------------------- nn.Linear

@pytest.mark.parametrize("in_features,out_features,bias", [(4, 3, True), (1, 5, False), (7, 1, True)])
def test_linear_parameter_shapes_and_init_bounds(in_features, out_features, bias):
    lin = nn.Linear(in_features, out_features, bias=bias)
    assert [n for n, _ in lin.named_parameters()] == (["weight", "bias"] if bias else ["weight"])
    assert lin.weight.shape == (out_features, in_features) and lin.weight.dtype == np.float64
    assert lin.weight.requires_grad and lin.weight.is_leaf
    bound = 1 / np.sqrt(in_features)
    assert np.all(np.abs(lin.weight.numpy()) <= bound)
    if bias:
        assert lin.bias.shape == (out_features,) and np.all(np.abs(lin.bias.numpy()) <= bound)
    else:
        assert lin.bias is None
    assert lin(ag.ones(2, in_features)).shape == (2, out_features)


def test_linear_forward_and_gradients_match_torch():
    lin = nn.Linear(4, 3)
    lin.weight = nn.Parameter(np.array(LIN_W))
    lin.bias = nn.Parameter(np.array(LIN_B))
    x = ag.tensor(LIN_X, requires_grad=True)
    y = lin(x)
    assert_close(y.numpy(), LIN_OUT)
    assert_close(y.numpy(), np.array(LIN_X) @ np.array(LIN_W).T + np.array(LIN_B), rtol=1e-15)
    y.backward(gradient=np.array(LIN_G))
    assert_close(lin.weight.grad.numpy(), LIN_GRAD_W)
    assert_close(lin.bias.grad.numpy(), LIN_GRAD_B)
    assert_close(x.grad.numpy(), LIN_GRAD_X)
    single = lin(ag.tensor(LIN_X[0]))
    assert single.shape == (3,)
    assert_close(single.numpy(), LIN_OUT_1D)


# ----------------------------------------------------------------------------- module traversal and state

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Sequential(nn.Linear(3, 3), nn.ReLU()))
        self.scale = nn.Parameter(np.ones(1))
        self.head = nn.Linear(3, 1, bias=False)

    def forward(self, x):
        return self.scale * self.head(self.body(x))


TORCH_NET_PARAMETERS = [
    ("scale", (1,)), ("body.0.weight", (3, 2)), ("body.0.bias", (3,)), ("body.2.0.weight", (3, 3)),
    ("body.2.0.bias", (3,)), ("head.weight", (1, 3)),
]


def test_named_parameters_and_state_dict_keys_match_torch():
    net = Net()
    assert [(n, p.shape) for n, p in net.named_parameters()] == TORCH_NET_PARAMETERS
    assert [p.shape for p in net.parameters()] == [s for _, s in TORCH_NET_PARAMETERS]
    assert list(net.state_dict()) == [n for n, _ in TORCH_NET_PARAMETERS]
    seq = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_state_dict_lists_a_shared_module_under_each_name():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


# ----------------------------------------------------------------------------- losses

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("api", ["module", "functional"])
def test_mse_loss_matches_torch(api, reduction):
    pred, target = ag.tensor(PRED, requires_grad=True), ag.tensor(TARGET)
    if api == "module":
        loss = nn.MSELoss(reduction=reduction)(pred, target)
    else:
        loss = F.mse_loss(pred, target, reduction=reduction)
    value, grad = MSE[reduction]
    assert_close(loss.numpy(), value)
    loss.backward(gradient=np.array(NONE_G2) if reduction == "none" else None)
    assert_close(pred.grad.numpy(), grad)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("api", ["module", "functional"])
def test_cross_entropy_matches_torch(api, reduction):
    logits, labels = ag.tensor(PRED, requires_grad=True), ag.tensor(LABELS)
    if api == "module":
        loss = nn.CrossEntropyLoss(reduction=reduction)(logits, labels)
    else:
        loss = F.cross_entropy(logits, labels, reduction=reduction)
    value, grad = CE[reduction]
    assert_close(loss.numpy(), value)
    loss.backward(gradient=np.array(NONE_G) if reduction == "none" else None)
    assert_close(logits.grad.numpy(), grad, atol=1e-16)


def test_cross_entropy_of_a_single_sample():
    logits = ag.tensor(PRED[1], requires_grad=True)
    loss = F.cross_entropy(logits, ag.tensor(0))
    assert loss.shape == ()
    loss.backward()
    assert_close(loss.item(), CE_1D[0])
    assert_close(logits.grad.numpy(), CE_1D[1])


CE_KEYWORDS = {
    "weight": (dict(weight=[0.2, 1.0, 3.0]), [2, 0, 1, 2]),
    "ignore_index": (dict(), [2, -100, 1, 2]),
    "label_smoothing": (dict(label_smoothing=0.1), [2, 0, 1, 2]),
}


@pytest.mark.parametrize("name", list(CE_KEYWORDS))
def test_cross_entropy_loss_torch_keywords(name):
    kwargs, labels = CE_KEYWORDS[name]
    kwargs = {k: ag.tensor(v) if isinstance(v, list) else v for k, v in kwargs.items()}
    logits = ag.tensor(PRED, requires_grad=True)
    loss = nn.CrossEntropyLoss(**kwargs)(logits, ag.tensor(labels))
    loss.backward()
    value, grad = CE_KW[name]
    assert_close(loss.item(), value)
    assert_close(logits.grad.numpy(), grad, atol=1e-16)


# ----------------------------------------------------------------------------- activations

ACTIVATIONS = {
    "relu": (F.relu, "relu"),
    "tanh": (F.tanh, "tanh"),
    "sigmoid": (F.sigmoid, "sigmoid"),
    "ReLU": (lambda x: nn.ReLU()(x), "relu"),
    "Tanh": (lambda x: nn.Tanh()(x), "tanh"),
    "Sigmoid": (lambda x: nn.Sigmoid()(x), "sigmoid"),
    "softmax_dim0": (lambda x: F.softmax(x, 0), "softmax_0"),
    "softmax_dim1": (lambda x: F.softmax(x, 1), "softmax_1"),
    "softmax_dim-1": (lambda x: F.softmax(x, dim=-1), "softmax_-1"),
    "log_softmax_dim0": (lambda x: F.log_softmax(x, 0), "log_softmax_0"),
    "log_softmax_dim1": (lambda x: F.log_softmax(x, dim=1), "log_softmax_1"),
}


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_values_and_gradients_match_torch(name):
    fn, key = ACTIVATIONS[name]
    x = ag.tensor(ACT_X, requires_grad=True)
    y = fn(x)
    value, grad = ACT[key]
    assert_close(y.numpy(), value, atol=1e-16)
    y.backward(gradient=np.array(ACT_G))
    assert_close(x.grad.numpy(), grad, atol=1e-16)


# ----------------------------------------------------------------------------- a training loop

TL_X = [[0.5, -1.0], [1.0, 0.2], [-0.7, 0.4], [0.0, 1.5], [1.2, -0.3], [-1.1, -0.8]]
TL_Y = [[0.3], [-0.2], [0.8], [0.1], [-0.5], [0.6]]
TL_WEIGHTS = {
    "0.weight": [[0.4, -0.6], [0.9, 0.1], [-0.3, 0.8]],
    "0.bias": [0.1, -0.2, 0.05],
    "2.weight": [[0.7, -0.5, 0.3]],
    "2.bias": [-0.1],
}


@pytest.mark.parametrize("set_weights", ["assign_parameters", "load_state_dict"])
def test_training_loop_matches_torch(set_weights):
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    if set_weights == "assign_parameters":
        for i in (0, 2):
            model[i].weight = nn.Parameter(np.array(TL_WEIGHTS[f"{i}.weight"]))
            model[i].bias = nn.Parameter(np.array(TL_WEIGHTS[f"{i}.bias"]))
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:                                   # loaded in place, after the optimiser has taken the parameters
        opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model.load_state_dict({k: np.array(v) for k, v in TL_WEIGHTS.items()})
    loss_fn = nn.MSELoss()
    x, y = ag.tensor(TL_X), ag.tensor(TL_Y)
    losses = []
    for _ in range(10):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert_close(losses, TL_LOSSES)
    for name, p in model.named_parameters():
        assert_close(p.numpy(), TL_FINAL[name])


# ----------------------------------------------------------------------------- reference values

LIN_W = [[0.5, -0.25, 1.0, 0.75], [-1.5, 0.2, 0.3, -0.4], [0.1, 0.9, -0.8, 0.6]]
LIN_B = [0.05, -0.3, 0.7]
LIN_X = [[1.0, 2.0, -1.0, 0.5], [-0.3, 0.8, 1.2, -2.0]]
LIN_G = [[1.0, -0.5, 0.25], [0.3, 2.0, -1.0]]
PRED = [[0.2, -1.0, 0.5], [1.5, 0.3, -0.7], [0.0, 2.0, 1.0], [-0.4, 0.9, 0.1]]
TARGET = [[0.0, -0.5, 1.0], [1.0, 1.0, -1.0], [0.5, 1.5, 0.0], [0.0, 0.0, 0.0]]
LABELS = [2, 0, 1, 2]
NONE_G = [0.5, -1.0, 2.0, 0.25]
NONE_G2 = [[0.5, -1.0, 2.0], [0.25, 1.0, -0.5], [1.5, 0.0, 0.3], [-0.2, 0.7, 1.1]]
ACT_X = [[-1.5, 0.0, 2.0, 0.3], [0.7, -0.2, 4.0, -3.0]]
ACT_G = [[0.7, -1.1, 0.4, 1.3], [0.2, -0.6, 0.9, 0.5]]

SGD_TRAJ = {
    "plain": [
        [-1.01152, 0.8592, 0.502, 0.23945999999999998, -0.6451399999999999],
        [-0.9066528110420787, 0.7761911155708928, 0.4938622489088, 0.19484306268410925, -0.596711446131425],
        [-0.8339729526363217, 0.7188969488455227, 0.4822458110556048, 0.15875196616761586, -0.5532603728391458],
        [-0.7786086598365232, 0.676016489459099, 0.46948753527593984, 0.1283402451441094, -0.5138755289879111],
        [-0.7340268069598372, 0.6422636651431896, 0.4566209119175787, 0.10211026521847648, -0.47791129293755685],
    ],
    "momentum": [
        [-1.01152, 0.8592, 0.502, 0.23945999999999998, -0.6451399999999999],
        [-0.7370208110420787, 0.6494711155708928, 0.4956622489088, 0.14035706268410927, -0.5473374461314251],
        [-0.4516813020461939, 0.43141424919390203, 0.4715548061093728, 0.026347886481010174, -0.42126550904149307],
        [-0.17845864440749068, 0.23226566764334786, 0.4268118913049547, -0.08510912337282346, -0.2813175322472758],
        [0.08488268095887727, 0.060026167919847294, 0.36464323524696396, -0.18366173008822365, -0.139701035006501],
    ],
    "momentum_dampening": [
        [-1.01152, 0.8592, 0.502, 0.23945999999999998, -0.6451399999999999],
        [-0.7684809677294551, 0.674373780899625, 0.49810357423616003, 0.15374214387887647, -0.5618660122919975],
        [-0.5195119438199488, 0.4841871793614889, 0.4822450336836386, 0.05772960241750396, -0.4592984676640274],
        [-0.2824425976731016, 0.30782501219695346, 0.4519512861376986, -0.03734395594355676, -0.34623292940560907],
        [-0.05791256506686438, 0.1517992079817509, 0.408173350588698, -0.12429819968895879, -0.23030293318652909],
    ],
    "nesterov": [
        [-0.860736, 0.74656, 0.5036, 0.19102799999999998, -0.6012519999999999],
        [-0.6297247275052238, 0.5660997581006139, 0.47796284252889093, 0.09201087340176282, -0.48795700824309013],
        [-0.4477738799627949, 0.43233076791137076, 0.43461338246196374, 0.0072646265387673135, -0.3732728347642517],
        [-0.2942716999652683, 0.3323103375631699, 0.38261840965831695, -0.060629264607350394, -0.2653809099876995],
        [-0.15746719338800602, 0.2581262364859775, 0.3292316630252531, -0.11118465345654154, -0.16892201680721763],
    ],
    "weight_decay": [
        [-1.00912, 0.8572, 0.501, 0.23886, -0.64374],
        [-0.9030547838166835, 0.7731017624924927, 0.4918835616064, 0.19395461459539087, -0.5941892995898875],
        [-0.8294727556235895, 0.7150007781563378, 0.4793919100147261, 0.15773646576607692, -0.5498266066104753],
        [-0.7733312626120347, 0.6714437451681718, 0.4658638596453588, 0.12731009540878196, -0.5096989116827104],
        [-0.7280351795816522, 0.637087081525846, 0.45232217528904817, 0.10115186534759882, -0.47313117841649316],
    ],
    "momentum_dampening_weight_decay": [
        [-1.0103199999999999, 0.8582, 0.5015000000000001, 0.23915999999999998, -0.6444399999999999],
        [-0.8627466192812825, 0.7455229296163663, 0.49793620382280007, 0.18635929396560702, -0.592164855903596],
        [-0.7576142352148696, 0.6639493311112877, 0.4888761523763921, 0.1432099054948326, -0.5443869665161513],
        [-0.683964853431113, 0.6068560953819765, 0.475751909369908, 0.1086096878727401, -0.5012329793174422],
        [-0.6312109138749591, 0.5669135243289684, 0.4603076192664537, 0.08076890398505117, -0.4623471805530702],
    ],
    "nesterov_weight_decay": [
        [-0.841432, 0.7321, 0.50361, 0.18485999999999997, -0.5954999999999999],
        [-0.5798770911616109, 0.5288091902415577, 0.47509192429831243, 0.07459739736054023, -0.4694203494067499],
        [-0.3543291526177092, 0.3650784721447552, 0.4247576743637789, -0.02467904742713153, -0.33568924471555034],
        [-0.14235499380496175, 0.2298665722308931, 0.3616627484395998, -0.10822789277848154, -0.2043584580031367],
        [0.0678996845732498, 0.11938895168099861, 0.29419126203440676, -0.17383042860766207, -0.08231799764507157],
    ],
    "maximize": [
        [-1.24712, 1.0352, 0.4995, 0.315135, -0.713715],
        [-1.3244880005601332, 1.0924434635689486, 0.4980459338848, 0.33892051663175043, -0.734698267211904],
        [-1.4293669999012384, 1.1687000335733724, 0.49487140109060235, 0.3688664168143175, -0.7599606365649468],
        [-1.5677803929928913, 1.2666739803593154, 0.4889796339391416, 0.40448398799293167, -0.788169528810671],
        [-1.754809390228457, 1.3940453128667638, 0.47899801727378294, 0.44652716242823565, -0.8187975467322017],
    ],
}

ADAM_TRAJ = {
    "adam_default_betas": [
        [-1.150000000053056, 0.9500000000710227, 0.5499999950000005, 0.25000000016518004, -0.6500000001822821],
        [-1.1003277986180768, 0.9006780384386817, 0.5228825621094589, 0.20022927581893615, -0.6000731805350334],
        [-1.0512134886345548, 0.8522810714320306, 0.48667528025867496, 0.1508645312990647, -0.5504309057841604],
        [-1.0028853497913466, 0.8051154557767758, 0.4489621448178938, 0.10210040799384615, -0.5012691684480034],
        [-0.9555609744651987, 0.7594943066229265, 0.4150087555878708, 0.05414869232192393, -0.452778198860668],
    ],
    "adam_betas": [
        [-1.100000000106112, 0.9000000001420454, 0.599999990000001, 0.20000000033036008, -0.6000000003645644],
        [-1.0053039751276749, 0.8103174483658339, 0.5143474047380656, 0.10400566355416921, -0.5014364230588815],
        [-0.9188098082900357, 0.7326224121965486, 0.42812002263237, 0.014710818357048641, -0.4084993486249954],
        [-0.8421745737408969, 0.667715844664396, 0.3743630534970728, -0.06556777840814676, -0.3236849853602056],
        [-0.7757416632835141, 0.6158892423928435, 0.36358775457082493, -0.13508146066314536, -0.2477842721488248],
    ],
    "adam_eps": [
        [-1.1505249895002099, 0.9507002801120448, 0.525, 0.2515989766549408, -0.6517587055926838],
        [-1.1014051958383093, 0.9020480444403648, 0.5139393283841791, 0.20349744752126336, -0.6036695085200733],
        [-1.052864167535777, 0.8543685297752105, 0.4923805140971801, 0.15586369553494397, -0.5558935312297337],
        [-1.005122774143983, 0.8079993084635351, 0.4669835424112047, 0.1088803997317439, -0.5085911007100351],
        [-0.958390972963108, 0.763271328977078, 0.4407139535216533, 0.06274329809414346, -0.4619216792935826],
    ],
    "adam_weight_decay": [
        [-1.1500000000511037, 0.9500000000681199, 0.450000009999998, 0.25000000016041063, -0.6500000001693194],
        [-1.1003152115925483, 0.9003729096605876, 0.476750232746352, 0.20023445586930405, -0.6002396306123233],
        [-1.0511649452630276, 0.8516629870398458, 0.4741897412630113, 0.15088687641513562, -0.5507077244941212],
        [-1.0027662110920017, 0.8042605758356054, 0.4518574128816893, 0.10216085749858425, -0.5015397111567155],
        [-0.9553257590750401, 0.758475811409353, 0.42163062784795297, 0.05427955376039474, -0.4529195789359812],
    ],
    "adam_amsgrad": [
        [-1.150000000053056, 0.9500000000710227, 0.5499999950000005, 0.25000000016518004, -0.6500000001822821],
        [-1.0992877520705646, 0.8989564847937679, 0.5238589836324535, 0.1994303759993756, -0.5997543994436246],
        [-1.0490198257538437, 0.8502270567235244, 0.48794202341353154, 0.14844696110864622, -0.5487044210767311],
        [-1.0015546745599522, 0.8057295359283877, 0.4527751056163139, 0.09952506324416922, -0.49904299511690076],
        [-0.957722541689888, 0.7659265985517093, 0.4246677020127037, 0.053689621829355966, -0.4519472614382579],
    ],
    "adam_amsgrad_weight_decay": [
        [-1.150000000052389, 0.950000000070028, 0.549999990000002, 0.25000000016355906, -0.6500000001777462],
        [-1.0993961514745434, 0.8991432726592846, 0.5203801785215001, 0.19950620714886103, -0.5997811949412946],
        [-1.0477595379778855, 0.8487202335674504, 0.48324743605709053, 0.14814429825354905, -0.5488484644910424],
        [-0.9975916431222951, 0.8011108486430425, 0.44592921853794265, 0.0975916959002611, -0.4980622701953149],
        [-0.9500822853133847, 0.7572189391444543, 0.4138586465980619, 0.049192307224455646, -0.44885897533050156],
    ],
    "adam_maximize": [
        [-1.2099999999893887, 1.0099999999857954, 0.4900000009999999, 0.309999999966964, -0.7099999999635436],
        [-1.220006491837118, 1.0200092202642455, 0.4803295054653118, 0.3200051062122299, -0.7200022370221866],
        [-1.230023732703427, 1.030033528942009, 0.4707265339795812, 0.33001863394444886, -0.7300082542562396],
        [-1.2400559162683862, 1.040078614277475, 0.461101948657561, 0.34004382669355143, -0.7400195615858512],
        [-1.2501071649559568, 1.0501499813085824, 0.45141410459389025, 0.3500838526874562, -0.7500376271678119],
    ],
    "adamw_default_weight_decay": [
        [-1.149400000053056, 0.9495000000710228, 0.5497499950000005, 0.24985000016518005, -0.6496500001822821],
        [-1.0991585798716488, 0.8997107605928807, 0.5223652570456675, 0.19995698043376753, -0.5993999131005512],
        [-1.0495092897170408, 0.8508829196086032, 0.48591041660848716, 0.1504995425749174, -0.5494629217479865],
        [-1.00068336221836, 0.8033260404754872, 0.44798706464671467, 0.10167429240662097, -0.5000365822946534],
        [-0.9529005558657508, 0.7573554763717009, 0.4138807802381662, 0.05369497451956648, -0.4513124509256138],
    ],
    "adamw_weight_decay": [
        [-1.1200000000530559, 0.9250000000710227, 0.5374999950000005, 0.24250000016518003, -0.6325000001822821],
        [-1.0432310316684565, 0.8537889580087347, 0.49226862988948733, 0.18721611914903383, -0.5670665844023087],
        [-0.9703823766862585, 0.787011099509058, 0.4410405232735378, 0.13464723268576567, -0.5043234084761752],
        [-0.9019936613348158, 0.7252549274108921, 0.3966964027016167, 0.08527471885578267, -0.4447532813871325],
        [-0.8384072260612774, 0.6689733216235089, 0.36824386236729323, 0.0395361142105259, -0.388699888484404],
    ],
    "adamw_amsgrad": [
        [-1.138000000053056, 0.9400000000710227, 0.5449999950000005, 0.24700000016518003, -0.6430000001822821],
        [-1.075773064827472, 0.8794613352332307, 0.513526301414351, 0.19387678894316018, -0.5862408298778427],
        [-1.015559471997187, 0.8227591310208935, 0.47254128428479597, 0.14144131478130528, -0.5291542453616613],
        [-0.9595715513065465, 0.7716024958608438, 0.4336187257711852, 0.09213647767311474, -0.474533233433538],
        [-0.9084168620282093, 0.7262040380919206, 0.40302463097516816, 0.04688665964546744, -0.4234851685388327],
    ],
}

SGD_GROUPS_TRAJ = [
    [-0.7228, 0.6429999999999999, 0.5025000000000001, 0.254145, -0.657805],
    [-0.19219673623920003, 0.23387354976299993, 0.44622962625000007, 0.22430789333273854, -0.616088860953291],
    [0.3370742192443212, -0.13728609287597196, 0.3258876788233452, 0.2082040640783147, -0.5807466751185821],
    [0.8075558859440719, -0.3893489005286621, 0.19560669062933514, 0.19493123137845816, -0.5518680360360038],
    [0.8803159400292369, -0.3115190395427817, 0.12731427769694043, 0.17530477167399486, -0.526438284955173],
]

ADAM_GROUPS_TRAJ = [
    [-1.150000000053056, 0.9500000000710227, 0.5499999950000005, 0.2000000003239391, -0.6000000003468609],
    [-1.1012786214803598, 0.9023809859035138, 0.5145587017921988, 0.10072601847564712, -0.5004401066356391],
    [-1.0545908107530741, 0.8578655052649513, 0.4862862106868869, 0.002771809378408485, -0.4021163263870708],
    [-1.010508249143491, 0.817369840537527, 0.4901830214119263, -0.09317013608862755, -0.30568688775192554],
    [-0.9693947641068994, 0.7821708864085493, 0.5047653832321658, -0.18629494111364966, -0.21155616984564146],
]

SGD_SCHEDULE_TRAJ = [
    [-1.01152, 0.8592, 0.502, 0.23945999999999998, -0.6451399999999999],
    [-0.7370208110420787, 0.6494711155708928, 0.4956622489088, 0.14035706268410927, -0.5473374461314251],
    [-0.6656859337931075, 0.594956898976645, 0.4896353882089432, 0.11554053006531181, -0.5092878075232105],
    [-0.5941548995842739, 0.5407858153448128, 0.4792865796029947, 0.09504588287846519, -0.47462189609650424],
]

SGD_ADD_GROUP_TRAJ = [
    [-1.01152, 0.8592, 0.502, 0.3, -0.7],
    [-0.7349401723220786, 0.6459200299388927, 0.4937768204288, 0.18174020159999998, -0.56971816],
    [-0.446797949030846, 0.42364960833954335, 0.46741519861620284, 0.009360965661630562, -0.3543527328184805],
    [-0.1711824786232892, 0.22285129085700991, 0.4219460341936271, -0.16564506187443218, -0.1030618182218926],
]

SKIP_TRAJ = {
    "sgd": [
        [-1.226, 1.08, 0.29, 0.3, -0.7],
        [-1.2498799999999999, 1.0804, 0.17019999999999996, 0.3, -0.7],
        [-1.3463744, 0.959152, -0.04102400000000008, 0.14399999999999996, -0.6359999999999999],
        [-1.206291872, 0.83084576, -0.28030512000000013, 0.10071999999999993, -0.7656799999999999],
    ],
    "adam": [
        [-1.2999999961538462, 1.09999999875, 0.40000000047619044, 0.3, -0.7],
        [-1.3640948841333687, 1.0999999987672895, 0.3587958638421842, 0.3, -0.7],
        [-1.4409254998064198, 1.0520795411247748, 0.30220172257355704, 0.20000000064102563, -0.6000000015625],
        [-1.4059768009911882, 1.0056906722257697, 0.244043316020795, 0.18195594676100718, -0.6488634917248683],
    ],
    "adamw": [
        [-1.275999998, 1.079999999, 0.3900000005, 0.3, -0.7],
        [-1.3436979595625378, 1.0850337026490968, 0.34560421167453315, 0.3, -0.7],
        [-1.4077326353036033, 1.0360633498163256, 0.28596997833563204, 0.19400000066666664, -0.5860000019999999],
        [-1.3661371421382835, 0.9930044213118563, 0.2259383699258722, 0.17566794779506836, -0.6302303509800555],
    ],
}

SGD_STATE_B = [0.3500000000000001, 1.55]

ADAM_STATE = [
    {
        "step": 3.0,
        "exp_avg": [-3.8979520007007817, 2.6714133966879468, 0.10839895902610165],
        "exp_avg_sq": [51.810911257843486, 23.6522499522529, 0.08366801498784274],
        "max_exp_avg_sq": [55.23310404292069, 27.606286253051643, 0.08366801498784274],
    },
    {
        "step": 3.0,
        "exp_avg": [1.2961992597747074, -1.2416633025387214],
        "exp_avg_sq": [5.808544935916559, 5.4340669003151705],
        "max_exp_avg_sq": [5.937369947001714, 5.4340669003151705],
    },
]

F32_TRAJ = {
    "sgd": [
        [-1.0115200281143188, 0.8592000007629395, 0.5019999742507935, 0.2394600212574005, -0.6451399922370911],
        [-0.7370208501815796, 0.64947110414505, 0.49566221237182617, 0.1403570920228958, -0.5473374724388123],
        [-0.45168131589889526, 0.43141424655914307, 0.4715547561645508, 0.026347924023866653, -0.42126554250717163],
    ],
    "adam": [
        [-1.1500000953674316, 0.949999988079071, 0.550000011920929, 0.25, -0.6499999761581421],
        [-1.1003278493881226, 0.9006780385971069, 0.5228825807571411, 0.20022927224636078, -0.6000731587409973],
        [-1.0512135028839111, 0.8522810935974121, 0.48667529225349426, 0.15086452662944794, -0.5504308938980103],
    ],
    "adamw": [
        [-1.1440000534057617, 0.9449999928474426, 0.5475000143051147, 0.2485000044107437, -0.6464999914169312],
        [-1.0886644124984741, 0.8910294771194458, 0.5177209973335266, 0.1975136399269104, -0.5933566689491272],
        [-1.034256935119629, 0.8383712768554688, 0.4790630340576172, 0.1472356915473938, -0.540798544883728],
    ],
}

CLOSURE_LOSSES = [7.1842500000000005, 4.7541912062619325]

CLOSURE_PARAMS = [-0.7370208110420787, 0.6494711155708928, 0.4956622489088, 0.14035706268410927, -0.5473374461314251]

LIN_OUT = [[-0.575, -1.9000000000000001, 3.7], [-0.6, 1.47, -0.7700000000000002]]

LIN_GRAD_W = [
    [0.91, 2.24, -0.64, -0.09999999999999998],
    [-1.1, 0.6000000000000001, 2.9, -4.25],
    [0.55, -0.30000000000000004, -1.45, 2.125],
]

LIN_GRAD_B = [1.3, 1.5, -0.75]

LIN_GRAD_X = [[1.275, -0.12499999999999997, 0.6499999999999999, 1.0999999999999999], [-2.95, -0.575, 1.7, -1.175]]

LIN_OUT_1D = [-0.575, -1.9000000000000001, 3.7]

MSE = {
    "mean": (
        0.3208333333333333,
        [
            [0.03333333333333333, -0.08333333333333333, -0.08333333333333333],
            [0.08333333333333333, -0.11666666666666665, 0.05],
            [-0.08333333333333333, 0.08333333333333333, 0.16666666666666666],
            [-0.06666666666666667, 0.15, 0.016666666666666666],
        ],
    ),
    "sum": (
        3.8499999999999996,
        [[0.4, -1.0, -1.0], [1.0, -1.4, 0.6000000000000001], [-1.0, 1.0, 2.0], [-0.8, 1.8, 0.2]],
    ),
    "none": (
        [
            [0.04000000000000001, 0.25, 0.25],
            [0.25, 0.48999999999999994, 0.09000000000000002],
            [0.25, 0.25, 1.0],
            [0.16000000000000003, 0.81, 0.010000000000000002],
        ],
        [
            [0.2, 1.0, -2.0],
            [0.25, -1.4, -0.30000000000000004],
            [-1.5, 0.0, 0.6],
            [0.16000000000000003, 1.26, 0.22000000000000003],
        ],
    ),
}

CE = {
    "mean": (
        0.6927434274079404,
        [
            [0.09430215018795188, 0.028403261807486285, -0.12270541199543814],
            [-0.07294584588964761, 0.05332768641304916, 0.01961815947659844],
            [0.02250764329259511, -0.08368976105629455, 0.06118211776369941],
            [0.03956937166697906, 0.1451917635974336, -0.18476113526441262],
        ],
    ),
    "sum": (
        2.7709737096317615,
        [
            [0.3772086007518075, 0.11361304722994514, -0.49082164798175254],
            [-0.29178338355859046, 0.21331074565219665, 0.07847263790639376],
            [0.09003057317038043, -0.3347590442251782, 0.24472847105479764],
            [0.15827748666791625, 0.5807670543897344, -0.7390445410576505],
        ],
    ),
    "none": (
        [0.6749569269138377, 0.3450052766575144, 0.4076059644443804, 1.3434055416160293],
        [
            [0.18860430037590376, 0.05680652361497257, -0.24541082399087627],
            [0.29178338355859046, -0.21331074565219665, -0.07847263790639376],
            [0.18006114634076087, -0.6695180884503564, 0.4894569421095953],
            [0.03956937166697906, 0.1451917635974336, -0.18476113526441262],
        ],
    ),
}

CE_1D = (0.3450052766575144, [-0.29178338355859046, 0.21331074565219665, 0.07847263790639376])

CE_KW = {
    "weight": (
        0.9071797813007618,
        [
            [0.15717025031325313, 0.04733876967914381, -0.2045090199923969],
            [-0.008105093987738624, 0.005925298490338796, 0.002179795497399827],
            [0.01250424627366395, -0.04649431169794142, 0.03399006542427745],
            [0.06594895277829844, 0.24198627266238934, -0.30793522544068774],
        ],
    ),
    "ignore_index": (
        0.8086561443247491,
        [
            [0.1257362002506025, 0.03787101574331504, -0.1636072159939175],
            [0.0, 0.0, 0.0],
            [0.030010191056793478, -0.1115863480750594, 0.08157615701826587],
            [0.052759162222638746, 0.19358901812991147, -0.24634818035255018],
        ],
    ),
    "label_smoothing": (
        0.7585767607412737,
        [
            [0.08596881685461855, 0.020069928474152954, -0.10603874532877147],
            [-0.05627917922298095, 0.04499435307971583, 0.011284826143265108],
            [0.014174309959261775, -0.06702309438962789, 0.05284878443036608],
            [0.03123603833364573, 0.13685843026410027, -0.16809446859774596],
        ],
    ),
}

ACT = {
    "relu": ([[0.0, 0.0, 2.0, 0.3], [0.7, 0.0, 4.0, 0.0]], [[0.0, 0.0, 0.4, 1.3], [0.2, 0.0, 0.9, 0.0]]),
    "tanh": (
        [
            [-0.9051482536448664, 0.0, 0.9640275800758169, 0.2913126124515909],
            [0.6043677771171635, -0.197375320224904, 0.999329299739067, -0.9950547536867305],
        ],
        [
            [0.12649464724655402, -1.1, 0.028260329941265774, 1.189678050374618],
            [0.12694791799649172, -0.5766257897796699, 0.001206855614723325, 0.004933018582720083],
        ],
    ),
    "sigmoid": (
        [
            [0.18242552380635635, 0.5, 0.8807970779778823, 0.574442516811659],
            [0.6681877721681662, 0.45016600268752216, 0.9820137900379085, 0.04742587317756678],
        ],
        [
            [0.10440251644923298, -0.275, 0.04199743416140265, 0.3177958051979696],
            [0.044342574658621806, -0.14850994362711598, 0.015896435591961997, 0.02258832986545607],
        ],
    ),
    "softmax_0": (
        [
            [0.09975048911968513, 0.549833997312478, 0.11920292202211755, 0.9644288107273639],
            [0.9002495108803148, 0.4501660026875221, 0.8807970779778823, 0.03557118927263618],
        ],
        [
            [0.044900164520034355, -0.12375828635592998, -0.05249679270175324, 0.02744470381309302],
            [-0.044900164520034334, 0.12375828635593003, 0.05249679270175336, -0.027444703813093187],
        ],
    ),
    "softmax_1": (
        [
            [0.022398027579225696, 0.10038099539894635, 0.741720806269314, 0.13550017075251397],
            [0.035033715616194304, 0.014243645837525024, 0.9498564815508894, 0.0008661569953913222],
        ],
        [
            [0.0072099683316452345, -0.14837295544868542, 0.016245118029496557, 0.12491786908754363],
            [-0.022903798434865882, -0.020706906206450704, 0.043917120209574785, -0.00030641556825832786],
        ],
    ),
    "softmax_-1": (
        [
            [0.022398027579225696, 0.10038099539894635, 0.741720806269314, 0.13550017075251397],
            [0.035033715616194304, 0.014243645837525024, 0.9498564815508894, 0.0008661569953913222],
        ],
        [
            [0.0072099683316452345, -0.14837295544868542, 0.016245118029496557, 0.12491786908754363],
            [-0.022903798434865882, -0.020706906206450704, 0.043917120209574785, -0.00030641556825832786],
        ],
    ),
    "log_softmax_0": (
        [
            [-2.305083319768696, -0.5981388693815918, -2.1269280110429727, -0.03621925887065925],
            [-0.10508331976869593, -0.7981388693815918, -0.1269280110429726, -3.336219258870659],
        ],
        [
            [0.6102245597922834, -0.16528220456878748, 0.24503620137124724, -0.43597185930925497],
            [-0.6102245597922832, 0.16528220456878767, -0.24503620137124701, 0.43597185930925486],
        ],
    ),
    "log_softmax_1": (
        [
            [-3.798782378497021, -2.298782378497021, -0.2987823784970208, -1.9987823784970207],
            [-3.3514443778517777, -4.251444377851778, -0.051444377851777696, -7.0514443778517775],
        ],
        [
            [0.6708825641470065, -1.2304952940186302, -0.5642370481501081, 1.1238497780217318],
            [0.16496628438380573, -0.614243645837525, -0.0498564815508894, 0.49913384300460867],
        ],
    ),
}

TL_LOSSES = [
    0.14183067823328532, 0.09973888871428425, 0.051021402804791914, 0.029361821111471773, 0.04035023897256187,
    0.06248738775963042, 0.07110452012902917, 0.05982135453556569, 0.04033048389031284, 0.026483085685407175
]

TL_FINAL = {
    "0.weight": [
        [0.1971338888538339, -0.5504311528165916],
        [0.9622238327357578, 0.2853194197256046],
        [-0.3364470757899939, 0.8488712262550369],
    ],
    "0.bias": [0.1905685065213987, -0.30084842050867505, -0.0006737789322842659],
    "2.weight": [[0.48532864848670226, -0.7478119761373587, 0.41429798672607965]],
    "2.bias": [0.007168896581465353],
}

GRAD0 = [-9.424, 7.040000000000001, -0.10000000000000009, 3.027, -2.743]
