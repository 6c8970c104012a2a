"""funcgrad.nn: registration, shapes, initialisation, losses, and gradients against funcgrad.grad."""

import math
from collections import OrderedDict

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag
from funcgrad import nn
from funcgrad.nn import functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 5)
        self.act = nn.Tanh()
        self.fc2 = nn.Linear(5, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


# ----------------------------------------------------------------------------- registration

def test_parameter_is_leaf_requiring_grad_and_shares_memory():
    t = ag.tensor([1.0, 2.0])
    p = nn.Parameter(t)
    assert isinstance(p, ag.Tensor) and p.requires_grad and p.is_leaf
    assert np.shares_memory(p.numpy(), t.numpy())
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad


def test_named_parameters_of_nested_modules():
    net = MLP()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [p.shape for p in net.parameters()] == [(5, 3), (5,), (2, 5), (2,)]
    assert list(net.children()) == [net.fc1, net.act, net.fc2]
    assert list(net.modules()) == [net, net.fc1, net.act, net.fc2]


def test_only_leaf_tensors_requiring_grad_are_registered():
    class M(nn.Module):
        def __init__(self):
            super().__init__()
            self.p = nn.Parameter(np.ones(2))
            self.const = ag.ones(2)                        # no grad: plain attribute
            self.derived = self.p * 2                      # not a leaf: plain attribute
            self.n = 3

    m = M()
    assert [n for n, _ in m.named_parameters()] == ["p"]
    assert m.p is m._parameters["p"]
    m.p = None
    assert list(m.parameters()) == []
    with pytest.raises(TypeError):
        m.p = ag.ones(2)


def test_shared_parameter_listed_once_and_deleting_attributes():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    del lin.bias
    assert [n for n, _ in lin.named_parameters()] == ["weight"]


def test_assignment_before_init_is_an_error():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super"):
        Bad()


def test_call_forwards_and_train_eval_recurse():
    net = MLP()
    assert net.training and net.fc1.training
    assert net.eval() is net
    assert not net.training and not net.fc1.training and not net.act.training
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(NotImplementedError):
        nn.Module()(1)


def test_zero_grad_set_to_none_and_in_place():
    net = MLP()
    net(ag.ones(4, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.any(p.grad.numpy()) for p in net.parameters())
    net(ag.ones(4, 3)).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_state_dict_round_trip():
    a, b = MLP(), MLP()
    sd = a.state_dict()
    assert list(sd) == ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert not any(t.requires_grad for t in sd.values())
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
        assert not np.shares_memory(p.numpy(), q.numpy())
    x = ag.randn(3, 3)
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())


def test_load_state_dict_errors():
    net = MLP()
    sd = net.state_dict()
    sd.pop("fc2.bias")
    sd["extra"] = ag.ones(1)
    with pytest.raises(RuntimeError, match='Missing key.*"fc2.bias"|Unexpected key.*"extra"'):
        net.load_state_dict(sd)
    assert net.load_state_dict(sd, strict=False).missing_keys == ["fc2.bias"]
    bad = net.state_dict()
    bad["fc1.weight"] = np.zeros((3, 5))
    with pytest.raises(RuntimeError, match="size mismatch for fc1.weight"):
        net.load_state_dict(bad)


# ----------------------------------------------------------------------------- Linear

def test_linear_shapes_forward_and_dtype():
    lin = nn.Linear(4, 3)
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    assert lin.weight.dtype == np.float64
    x = np.random.default_rng(1).standard_normal((7, 4))
    out = lin(ag.tensor(x))
    np.testing.assert_allclose(out.numpy(), x @ lin.weight.numpy().T + lin.bias.numpy(), rtol=1e-14)
    assert lin(ag.ones(2, 5, 4)).shape == (2, 5, 3)
    nb = nn.Linear(4, 3, bias=False)
    assert nb.bias is None and [n for n, _ in nb.named_parameters()] == ["weight"]
    np.testing.assert_allclose(nb(ag.tensor(x)).numpy(), x @ nb.weight.numpy().T, rtol=1e-14)
    assert nn.Linear(2, 2, dtype=np.float32).weight.dtype == np.float32


def test_linear_init_bounds_and_seed():
    ag.manual_seed(123)
    lin = nn.Linear(100, 400)
    bound = 1 / math.sqrt(100)
    w, b = lin.weight.numpy(), lin.bias.numpy()
    assert np.all(np.abs(w) <= bound) and np.all(np.abs(b) <= bound)
    assert w.max() > 0.95 * bound and w.min() < -0.95 * bound   # uniform over the whole interval
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    ag.manual_seed(123)
    again = nn.Linear(100, 400)
    np.testing.assert_array_equal(again.weight.numpy(), w)
    np.testing.assert_array_equal(again.bias.numpy(), b)
    assert not np.array_equal(nn.Linear(100, 400).weight.numpy(), w)


# ----------------------------------------------------------------------------- Sequential and activations

def test_sequential_indexing_names_and_forward():
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2), nn.Sigmoid())
    assert len(model) == 4
    assert isinstance(model[1], nn.ReLU) and model[-1] is model[3]
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    sub = model[:2]
    assert isinstance(sub, nn.Sequential) and sub[0] is model[0]
    x = ag.randn(5, 4)
    h = np.maximum(x.numpy() @ model[0].weight.numpy().T + model[0].bias.numpy(), 0)
    ref = 1 / (1 + np.exp(-(h @ model[2].weight.numpy().T + model[2].bias.numpy())))
    np.testing.assert_allclose(model(x).numpy(), ref, rtol=1e-13)
    with pytest.raises(IndexError):
        model[4]
    named = nn.Sequential(OrderedDict([("enc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_parameters()] == ["enc.weight", "enc.bias"]


def test_activations():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(nn.ReLU()(ag.tensor(x)).numpy(), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(nn.Tanh()(ag.tensor(x)).numpy(), np.tanh(x), rtol=1e-15)
    np.testing.assert_allclose(nn.Sigmoid()(ag.tensor(x)).numpy(), 1 / (1 + np.exp(-x)), rtol=1e-15)


# ----------------------------------------------------------------------------- losses

def test_mse_loss_reductions():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    ta, tb = ag.tensor(a), ag.tensor(b)
    assert nn.MSELoss()(ta, tb).item() == pytest.approx(np.mean((a - b) ** 2), rel=1e-14)
    assert nn.MSELoss(reduction="sum")(ta, tb).item() == pytest.approx(np.sum((a - b) ** 2), rel=1e-14)
    np.testing.assert_allclose(nn.MSELoss(reduction="none")(ta, tb).numpy(), (a - b) ** 2, rtol=1e-14)
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_mse_loss_gradient():
    a = ag.tensor([1.0, 2.0, 4.0], requires_grad=True)
    nn.MSELoss()(a, ag.tensor([0.0, 0.0, 1.0])).backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.array([1.0, 2.0, 3.0]) / 3, rtol=1e-15)


def _np_cross_entropy(logits, target):
    m = logits.max(axis=1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(target)), target]


def test_cross_entropy_values():
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((6, 4))
    target = np.array([0, 3, 1, 1, 2, 0])
    loss = nn.CrossEntropyLoss()(ag.tensor(logits), ag.tensor(target))
    assert loss.item() == pytest.approx(_np_cross_entropy(logits, target).mean(), rel=1e-13)
    manual = -np.mean([logits[i, t] - np.log(np.sum(np.exp(logits[i]))) for i, t in enumerate(target)])
    assert loss.item() == pytest.approx(manual, rel=1e-12)
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction="none")(ag.tensor(logits), target).numpy(),
                               _np_cross_entropy(logits, target), rtol=1e-13)
    assert nn.CrossEntropyLoss(reduction="sum")(ag.tensor(logits), target).item() == pytest.approx(
        _np_cross_entropy(logits, target).sum(), rel=1e-13)


def test_cross_entropy_is_numerically_stable():
    logits = ag.tensor([[1000.0, 0.0], [-1000.0, 0.0]], requires_grad=True)
    loss = nn.CrossEntropyLoss()(logits, np.array([0, 0]))
    assert loss.item() == pytest.approx(500.0, rel=1e-14)
    loss.backward()
    assert np.all(np.isfinite(logits.grad.numpy()))
    np.testing.assert_allclose(logits.grad.numpy(), [[0.0, 0.0], [-0.5, 0.5]], atol=1e-15)


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((5, 3))
    target = np.array([2, 0, 1, 2, 2])
    x = ag.tensor(logits, requires_grad=True)
    nn.CrossEntropyLoss()(x, target).backward()
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), (p - np.eye(3)[target]) / 5, atol=1e-15)


def test_cross_entropy_rejects_float_targets_and_bad_shapes():
    logits = ag.zeros(3, 4)
    with pytest.raises(TypeError, match="integer class indices"):
        nn.CrossEntropyLoss()(logits, ag.tensor([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="target of shape"):
        nn.CrossEntropyLoss()(logits, np.array([0, 1]))
    with pytest.raises(IndexError, match="Target 4 is out of bounds"):
        nn.CrossEntropyLoss()(logits, np.array([0, 4, 1]))
    single = F.cross_entropy(ag.tensor([0.0, 1.0]), np.int64(1))
    assert single.item() == pytest.approx(np.log(1 + np.exp(-1.0)), rel=1e-14)


# ----------------------------------------------------------------------------- gradients vs funcgrad.grad

def _np_mlp(params, x):
    w1, b1, w2, b2 = params
    return np.tanh(x @ w1.T + b1) @ w2.T + b2


@pytest.mark.parametrize("loss_name", ["mse", "ce"])
def test_mlp_gradients_match_functional_grad(loss_name):
    ag.manual_seed(7)
    net = MLP()
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 3))
    if loss_name == "mse":
        y = rng.standard_normal((8, 2))
        loss = nn.MSELoss()(net(ag.tensor(x)), ag.tensor(y))

        def f(params):
            return np.mean((_np_mlp(params, x) - y) ** 2)
    else:
        y = rng.integers(0, 2, size=8)
        loss = nn.CrossEntropyLoss()(net(ag.tensor(x)), ag.tensor(y))

        def f(params):
            z = _np_mlp(params, x)
            m = np.max(z, axis=1, keepdims=True)
            logp = z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))
            return -np.mean(logp[np.arange(8), y])

    params = tuple(p.numpy().copy() for p in net.parameters())
    assert loss.item() == pytest.approx(float(f(params)), rel=1e-12)
    loss.backward()
    expected = fg.grad(f)(params)
    for (name, p), g in zip(net.named_parameters(), expected):
        assert p.grad.shape == p.shape, name
        np.testing.assert_allclose(p.grad.numpy(), g, rtol=0, atol=1e-10, err_msg=name)
        assert np.any(g != 0), name


def test_training_loop_with_in_place_sgd_reduces_loss():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
    x = ag.linspace(-1, 1, 32).reshape(32, 1)
    y = x ** 2
    loss_fn = nn.MSELoss()
    first = loss_fn(model(x), y).item()
    for _ in range(200):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        with ag.no_grad():
            for p in model.parameters():
                p -= 0.1 * p.grad
    assert all(p.is_leaf and p.requires_grad for p in model.parameters())
    assert loss_fn(model(x), y).item() < 0.2 * first


def test_works_with_optim_sgd_if_available():
    optim = pytest.importorskip("funcgrad.optim")
    if not hasattr(optim, "SGD"):
        pytest.skip("funcgrad.optim.SGD not written yet")
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))
    opt = optim.SGD(model.parameters(), lr=0.05)
    x, y = ag.randn(16, 2), ag.randn(16, 1)
    before = [p.numpy().copy() for p in model.parameters()]
    opt.zero_grad()
    nn.MSELoss()(model(x), y).backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    opt.step()
    for b, g, p in zip(before, grads, model.parameters()):
        np.testing.assert_allclose(p.numpy(), b - 0.05 * g, rtol=1e-14, atol=1e-15)
