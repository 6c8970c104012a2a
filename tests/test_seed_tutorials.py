"""The seed tutorials' examples, ported by renaming torch to ag, with PyTorch's numbers."""

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag


def _quadratic(x):
    a, b, c = ag.tensor(1.0), ag.tensor(-2.0), ag.tensor(1.0)
    return a * ag.pow(x, 2) + b * x + c


def test_scalar_backward():
    x = ag.tensor(0.0, requires_grad=True)
    _quadratic(x).backward()
    assert x.grad.item() == -2.0


def test_non_scalar_backward_with_gradient_argument():
    x = ag.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    y = _quadratic(x)
    np.testing.assert_array_equal(y.numpy(), [[1.0, 1.0], [0.0, 1.0]])
    assert y.grad_fn.name() == "AddBackward0"
    y.backward(gradient=ag.ones_like(x))
    np.testing.assert_array_equal(x.grad.numpy(), [[-2.0, -2.0], [0.0, 2.0]])


def test_non_scalar_backward_through_weighted_sum():
    x = ag.tensor([[0.0, 0.0], [1.0, 2.0]], requires_grad=True)
    z = ag.sum(_quadratic(x) * ag.tensor([[1.0, 1.0], [1.0, 1.0]]))
    z.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[-2.0, -2.0], [0.0, 2.0]])


def test_grad_with_create_graph_gives_second_derivative():
    x = ag.tensor(0.0, requires_grad=True)
    dy_dx = ag.grad(_quadratic(x), x, create_graph=True)[0]
    assert dy_dx.data.item() == -2.0
    assert ag.grad(dy_dx, x)[0].data.item() == 2.0


def test_two_inputs_two_outputs_with_retain_graph():
    x1, x2 = ag.tensor(1.0, requires_grad=True), ag.tensor(2.0, requires_grad=True)
    y1, y2 = x1 * x2, x1 + x2
    d1 = ag.grad(outputs=y1, inputs=[x1, x2], retain_graph=True)
    assert [d.item() for d in d1] == [2.0, 1.0]
    d12 = ag.grad(outputs=[y1, y2], inputs=[x1, x2])
    assert [d.item() for d in d12] == [3.0, 2.0]


def test_sgd_minimisation():
    x = ag.tensor(0.0, requires_grad=True)
    a, b, c = ag.tensor(1.0), ag.tensor(-2.0), ag.tensor(1.0)

    def f(t):
        return a * ag.pow(t, 2) + b * x + c

    optimizer = fg.optim.SGD(params=[x], lr=0.01)
    for _ in range(500):
        optimizer.zero_grad()
        y = f(x)
        y.backward()
        optimizer.step()
    assert f(x).data.item() == pytest.approx(0.0, abs=1e-4)
    assert x.data.item() == pytest.approx(1.0, abs=1e-4)


def test_x_plus_2_then_y_y_3_mean():
    x = ag.ones(2, 2, requires_grad=True)
    y = x + 2
    assert y.grad_fn.name() == "AddBackward0"
    z = y * y * 3
    assert z.grad_fn.name() == "MulBackward0"
    out = z.mean()
    assert out.grad_fn.name() == "MeanBackward0" and out.item() == 27.0
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 2), 4.5))


def test_requires_grad_toggle():
    a = ag.randn(2, 2)
    a = (a * 3) / (a - 1)
    assert a.requires_grad is False
    a.requires_grad_(True)
    assert a.requires_grad is True
    b = (a * a).sum()
    assert b.grad_fn.name() == "SumBackward0"


def test_doubling_loop_backward_with_vector():
    x = ag.randn(3, requires_grad=True)
    y = x * 2
    n = 1
    while y.data.norm() < 1000:
        y = y * 2
        n += 1
    v = ag.tensor([0.1, 1.0, 0.0001], dtype=ag.float)
    y.backward(v)
    np.testing.assert_allclose(x.grad.numpy(), 2.0 ** n * np.array([0.1, 1.0, 0.0001], np.float32), rtol=1e-6)
    assert x.requires_grad and (x ** 2).requires_grad
    with ag.no_grad():
        assert (x ** 2).requires_grad is False


def test_detach():
    x = ag.randn(3, requires_grad=True)
    y = x.detach()
    assert x.requires_grad and not y.requires_grad
    assert bool(x.eq(y).all())


def test_z_3x2_plus_2y():
    x, y = ag.tensor(2.0, requires_grad=True), ag.tensor(3.0, requires_grad=True)
    z = 3 * x ** 2 + 2 * y
    z.backward()
    assert z.item() == 18.0 and x.grad.item() == 12.0 and y.grad.item() == 2.0
    assert repr(z) == "tensor(18., grad_fn=<AddBackward0>)"
    assert repr(x) == "tensor(2., requires_grad=True)"


def test_no_grad_keeps_existing_grad():
    x = ag.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward()
    assert x.grad.item() == 4.0
    with ag.no_grad():
        y = x ** 3
        assert y.grad is None and x.grad.item() == 4.0
    assert y.grad is None and x.grad.item() == 4.0


def test_requires_grad_flags_under_no_grad():
    assert ag.tensor([1.1]).requires_grad is False
    a = ag.tensor([1.1], requires_grad=True)
    assert (a * 2).requires_grad is True
    with ag.no_grad():
        b = a * 2
    assert a.requires_grad is True and b.requires_grad is False


def test_gradient_accumulation_and_zeroing():
    x = ag.tensor([2.0], requires_grad=True)
    (x ** 2).backward()
    assert x.grad.tolist() == [4.0]
    (2 * x).backward()
    assert x.grad.tolist() == [6.0]
    x.grad.zero_()
    (3 * x).backward()
    assert x.grad.tolist() == [3.0]


def test_weight_gradient_accumulates_3_6_9_12_and_zeroing_resets():
    weight = ag.ones(3, requires_grad=True)
    seen = []
    for _ in range(4):
        (weight * 3).sum().backward()
        seen.append(weight.grad.tolist())
    assert seen == [[3.0] * 3, [6.0] * 3, [9.0] * 3, [12.0] * 3]
    weight = ag.ones(3, requires_grad=True)
    for _ in range(4):
        (weight * 3).sum().backward()
        assert weight.grad.tolist() == [3.0] * 3
        weight.grad.zero_()


def test_sgd_helper_under_no_grad():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with ag.no_grad():
        for param in [w]:
            param -= 0.1 * param.grad / 2
            param.grad.zero_()
    np.testing.assert_allclose(w.numpy(), [0.9, 1.8])
    assert w.grad.tolist() == [0.0, 0.0] and w.is_leaf


def test_linear_regression_with_no_grad_update():
    X = ag.tensor([1, 2, 3, 4], dtype=ag.float32)
    Y = ag.tensor([2, 4, 6, 8], dtype=ag.float32)
    w = ag.tensor(0.0, dtype=ag.float32, requires_grad=True)
    assert f"{(w * 5).item():.3f}" == "0.000"
    losses = []
    for _ in range(100):
        l = ((w * X - Y) ** 2).mean()
        l.backward()
        with ag.no_grad():
            w -= 0.01 * w.grad
        w.grad.zero_()
        losses.append(l.item())
    assert f"{w.item():.3f}" == "2.000"
    assert f"{losses[0]:.8f}" == "30.00000000"
    assert w.dtype == np.float32


def test_increment_function():
    X = ag.tensor(3.0, requires_grad=True)
    Y = X + 10
    assert Y.item() == 13.0 and Y.grad_fn.name() == "AddBackward0"
    Y.backward()
    assert X.grad.item() == 1.0
    X = ag.randn(3, requires_grad=True)
    (X + 10).backward(ag.tensor([1.0, 1.0, 1.0], dtype=ag.float32))
    assert X.grad.tolist() == [1.0, 1.0, 1.0]


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor(3, requires_grad=True)


def test_while_if_function():
    def f(a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        c = b if b.sum() > 0 else 100 * b
        return c

    for seed in range(3):
        ag.manual_seed(seed)
        a = ag.randn(size=(), requires_grad=True) if False else ag.randn((), requires_grad=True)
        d = f(a)
        d.backward()
        assert a.grad.item() == pytest.approx((d / a).item())


def test_sin_example_and_grad_fn_walk():
    a = ag.linspace(0.0, 2.0 * np.pi, steps=25, requires_grad=True)
    b = ag.sin(a)
    c = 2 * b
    d = c + 1
    out = d.sum()
    assert out.grad_fn.name() == "SumBackward0"
    assert d.grad_fn.name() == "AddBackward0"
    (nxt, _), = [f for f in d.grad_fn.next_functions if f[0] is not None]
    assert nxt.name() == "MulBackward0"
    (nxt2, _), = [f for f in nxt.next_functions if f[0] is not None]
    assert nxt2.name() == "SinBackward0"
    (leaf, _), = nxt2.next_functions
    assert leaf.name() == "AccumulateGrad" and leaf.variable is a
    assert a.grad_fn is None
    out.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * np.cos(a.detach().numpy()))


def test_non_scalar_backward_needs_gradient():
    x = ag.randn(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()


def test_functional_api_examples():
    def exp_adder(x, y):
        return 2 * x.exp() + 3 * y

    inputs = (ag.rand(1), ag.rand(1))
    jx, jy = ag.functional.jacobian(exp_adder, inputs)
    np.testing.assert_allclose(jx.numpy(), [[2 * np.exp(inputs[0].item())]])
    np.testing.assert_allclose(jy.numpy(), [[3.0]])
    inputs = (ag.rand(3), ag.rand(3))
    jx, jy = ag.functional.jacobian(exp_adder, inputs)
    np.testing.assert_allclose(jx.numpy(), np.diag(2 * np.exp(inputs[0].numpy())))
    np.testing.assert_allclose(jy.numpy(), 3 * np.eye(3))

    def do_some_doubling(x):
        y = x * 2
        while y.data.norm() < 1000:
            y = y * 2
        return y

    inputs = ag.randn(3)
    my_gradients = ag.tensor([0.1, 1.0, 0.0001])
    out, v = ag.functional.vjp(do_some_doubling, inputs, v=my_gradients)
    scale = out.numpy() / inputs.numpy()
    np.testing.assert_allclose(v.numpy(), scale * my_gradients.numpy())

    def pow_reducer(x):
        return x.pow(3).sum()

    x = ag.rand(2)
    h = ag.functional.hessian(pow_reducer, x)
    np.testing.assert_allclose(h.numpy(), np.diag(6 * x.numpy()))
    vec = ag.ones(2)
    _, hv = ag.functional.hvp(pow_reducer, x, vec)
    _, vh = ag.functional.vhp(pow_reducer, x, vec)
    np.testing.assert_allclose(hv.numpy(), 6 * x.numpy())
    np.testing.assert_allclose(vh.numpy(), 6 * x.numpy())
    _, jv = ag.functional.jvp(do_some_doubling, inputs, ag.ones(3))
    np.testing.assert_allclose(jv.numpy(), scale)


def test_in_place_on_leaf_that_requires_grad_is_an_error():
    a = ag.linspace(0.0, 1.0, 5, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        a += 1


def test_in_place_change_of_saved_tensor_is_an_error():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    z = (y * y).sum()
    with ag.no_grad():
        y.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


def test_second_backward_through_freed_graph():
    x = ag.tensor(1.0, requires_grad=True)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        y.backward()
    y2 = (x * x).exp()
    y2.backward(retain_graph=True)
    y2.backward()


def test_backward_of_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor(1.0).backward()
