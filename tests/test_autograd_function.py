"""``funcgrad.autograd.Function``: PyTorch's custom autograd operations, eagerly and under transforms."""

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag
from funcgrad import optim
from funcgrad.autograd.function import once_differentiable


class StraightThroughClamp(ag.Function):
    """clamp forward; the identity backward (a straight-through estimator)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g, None, None


class Square(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class SquareOnce(ag.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


class ScaledExp(ag.Function):
    """exp, with a backward 10 × the true one (so tests can tell the custom backward was used)."""

    @staticmethod
    def forward(ctx, x):
        y = x.exp()
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return 10.0 * g * y


def test_straight_through_clamp_trains_with_sgd_and_its_gradients_are_exactly_straight_through():
    w = ag.tensor([3.0, -2.0, 0.5, 0.9], requires_grad=True)
    target = ag.tensor([0.2, 0.8, 0.5, 0.1])
    opt = optim.SGD([w], lr=0.1)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        y = StraightThroughClamp.apply(w, 0.0, 1.0)
        loss = ((y - target) ** 2).sum()
        loss.backward()
        clamped = np.clip(w.detach().numpy(), 0.0, 1.0)
        assert np.array_equal(w.grad.numpy(), 2.0 * (clamped - target.numpy()))  # not zero outside [0, 1]
        losses.append(loss.item())
        opt.step()
    assert losses[-1] < 0.05 * losses[0]
    assert all(b <= a for a, b in zip(losses, losses[1:]))
    assert y.grad_fn.name() == "StraightThroughClampBackward"
    assert repr(y).endswith("grad_fn=<StraightThroughClampBackward>)")
    assert y.requires_grad and not y.is_leaf
    assert y.grad_fn.next_functions[0][0].variable is w
    assert y.grad_fn.next_functions[1:] == ((None, 0), (None, 0))


def test_saved_tensors_and_needs_input_grad():
    seen = {}

    class Mul(ag.Function):
        @staticmethod
        def forward(ctx, a, b, k):
            ctx.save_for_backward(a, b)
            ctx.k = k
            seen["forward_records"] = (a * b).requires_grad  # forward runs without recording
            return a * b * k

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            seen["needs"] = ctx.needs_input_grad
            return g * b * ctx.k, g * a * ctx.k, None

    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0])
    out = Mul.apply(a, b, 2.0)
    out.sum().backward()
    assert seen == {"forward_records": False, "needs": (True, False, False)}
    assert a.grad.tolist() == [6.0, 8.0] and b.grad is None
    out = Mul.apply(a, b, 2.0)
    out.sum().backward()
    assert a.grad.tolist() == [12.0, 16.0]  # backward accumulates into .grad


def test_create_graph_differentiates_through_backward():
    x = ag.tensor(3.0, requires_grad=True)
    (gx,) = ag.grad(Square.apply(x), x, create_graph=True)
    assert gx.item() == 6.0 and gx.requires_grad
    assert ag.grad(gx, x)[0].item() == 2.0
    y = ScaledExp.apply(x)
    (gy,) = ag.grad(y, x, create_graph=True)
    assert gy.item() == pytest.approx(10 * np.exp(3.0))
    # y saved by forward is the graph's y in the second backward: d/dx (10 g y) = 10 * (10 y)
    assert ag.grad(gy, x)[0].item() == pytest.approx(100 * np.exp(3.0))
    x.grad = None
    Square.apply(x).backward(create_graph=True)
    x.grad.backward()
    assert x.grad.item() == 8.0  # 6 from the first backward, + 2


def test_once_differentiable_backward_cannot_be_differentiated_again():
    x = ag.tensor(3.0, requires_grad=True)
    (gx,) = ag.grad(SquareOnce.apply(x), x, create_graph=True)
    assert gx.item() == 6.0 and not gx.requires_grad  # ran without recording
    v = ag.tensor(1.0, requires_grad=True)
    (gx,) = ag.grad(SquareOnce.apply(x), x, grad_outputs=v, create_graph=True)
    assert gx.item() == 6.0 and gx.requires_grad
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        gx.backward()
    assert ag.grad(SquareOnce.apply(x), x)[0].item() == 6.0


def test_several_outputs_non_differentiable_ones_and_materialized_grads():
    seen = []

    class SortLike(ag.Function):
        @staticmethod
        def forward(ctx, x):
            idx = x.argmax()
            ctx.mark_non_differentiable(idx)
            return x * 2, x.exp(), idx

        @staticmethod
        def backward(ctx, g_double, g_exp, g_idx):
            seen.append((g_double.tolist(), g_exp.tolist()))
            return 2 * g_double + 3 * g_exp

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    a, b, i = SortLike.apply(x)
    assert a.grad_fn.name() == b.grad_fn.name() == "SortLikeBackward"
    assert a.requires_grad and b.requires_grad and not i.requires_grad and i.item() == 1
    b.sum().backward()
    assert seen[-1] == ([0.0, 0.0], [1.0, 1.0]) and x.grad.tolist() == [3.0, 3.0]
    x.grad = None
    a, b, _ = SortLike.apply(x)
    b.retain_grad()
    (2 * a.sum() + b.sum()).backward()
    assert x.grad.tolist() == [7.0, 7.0] and b.grad.tolist() == [1.0, 1.0]
    assert ag.grad(SortLike.apply(x)[0].sum(), x)[0].tolist() == [2.0, 2.0]

    class NoMaterialize(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x + 1, x + 2

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append((g1, g2 is None))
            return g1

    p, q = NoMaterialize.apply(x)
    p.sum().backward()
    assert seen[-1][1] is True


def test_broadcast_gradients_are_summed_and_bad_gradients_raise():
    class Bias(ag.Function):
        @staticmethod
        def forward(ctx, x, b):
            return x + b

        @staticmethod
        def backward(ctx, g):
            return g, g  # g has x's shape; b's gradient is summed to b's shape, as in PyTorch

    x = ag.tensor(np.ones((3, 2)), requires_grad=True)
    b = ag.tensor(np.zeros(2), requires_grad=True)
    Bias.apply(x, b).sum().backward()
    assert b.grad.tolist() == [3.0, 3.0]

    class TooFew(ag.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(RuntimeError, match=r"function TooFewBackward returned an incorrect number of gradients "
                                           r"\(expected 2, got 1\)"):
        TooFew.apply(x, x).sum().backward()

    class WrongShape(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g[:1]

    with pytest.raises(RuntimeError, match=r"Function WrongShapeBackward returned an invalid gradient at index 0 - got "
                                           r"\[1, 2\] but expected shape compatible with \[3, 2\]"):
        WrongShape.apply(x).sum().backward()

    class GradForConstant(ag.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g, g

    with pytest.raises(RuntimeError, match="returned a gradient different than None at position 2, but the "
                                           "corresponding forward input was not a Variable"):
        GradForConstant.apply(x, 2.0).sum().backward()


def test_freed_graphs_modified_saved_tensors_and_no_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = Square.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()
    y = Square.apply(x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [6.0, 12.0]
    z = x * 1.0
    out = Square.apply(z)
    with ag.no_grad():
        z += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()
    with ag.no_grad():
        assert Square.apply(x).grad_fn is None
    assert Square.apply(ag.tensor([1.0])).grad_fn is None  # no input requires grad


def test_setup_context_style_and_misuse():
    class Cube(ag.Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            ctx.save_for_backward(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 3 * x ** 2 * g

    x = ag.tensor(2.0, requires_grad=True)
    Cube.apply(x).backward()
    assert x.grad.item() == 12.0
    with pytest.raises(RuntimeError, match=r"call Cube.apply\(\*args\)"):
        Cube()
    with pytest.raises(TypeError, match="save_for_backward can only save variables, but argument 0 is of type int"):
        ag.function.FunctionCtx().save_for_backward(3)


@pytest.mark.usefixtures("transform_mode")
def test_functions_under_functional_transforms_use_their_backward():
    xs = np.array([0.0, 0.5])
    np.testing.assert_allclose(fg.grad(lambda x: ScaledExp.apply(x).sum())(xs), 10 * np.exp(xs))
    np.testing.assert_allclose(fg.jit(fg.grad(lambda x: ScaledExp.apply(x).sum()))(xs), 10 * np.exp(xs))
    np.testing.assert_allclose(fg.vmap(fg.grad(lambda x: ScaledExp.apply(x)))(xs), 10 * np.exp(xs))
    assert fg.grad(fg.grad(lambda x: Square.apply(x)))(3.0) == 2.0
    jac = ag.functional.jacobian(lambda x: ScaledExp.apply(x), ag.tensor(xs))
    np.testing.assert_allclose(jac.numpy(), np.diag(10 * np.exp(xs)))
    hess = ag.functional.hessian(lambda x: Square.apply(x).sum(), ag.tensor(xs))
    np.testing.assert_allclose(hess.numpy(), 2 * np.eye(2))
