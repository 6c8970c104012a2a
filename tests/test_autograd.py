"""``funcgrad.autograd`` against PyTorch's semantics: tensors, the graph, backward, grad modes, in-place rules,
NumPy interop, the tutorial methods and ``autograd.functional``. Expected values are PyTorch's (closed forms)."""

import inspect
import threading

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import autograd as ag

LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation"
SAVED_MODIFIED = "modified by an inplace operation"
SECOND_BACKWARD = "Trying to backward through the graph a second time"
NON_SCALAR = "grad can be implicitly created only for scalar outputs"
NO_GRAD_FN = "element 0 of tensors does not require grad and does not have a grad_fn"


def _arr(t):
    """The values of a tensor as an ndarray (asserting it is a tensor)."""
    assert isinstance(t, ag.Tensor), type(t)
    return np.asarray(t.numpy())


def _leaf(values, dtype=None):
    return ag.tensor(values, dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------------------------------------------------------------
# requires_grad propagation, is_leaf, dtypes of new tensors
# ---------------------------------------------------------------------------------------------------------------------

def test_new_tensor_defaults():
    t = ag.tensor([1.0, 2.0])
    assert t.requires_grad is False and t.is_leaf is True
    assert t.grad is None and t.grad_fn is None
    assert t.dtype == np.float64 and t.shape == (2,)
    assert ag.tensor([1, 2]).dtype == np.int64


def test_requires_grad_flag_on_construction():
    x = _leaf([1.0, 2.0])
    assert x.requires_grad is True and x.is_leaf is True and x.grad_fn is None and x.grad is None


def test_requires_grad_propagates_to_results():
    x = _leaf([1.0, 2.0])
    c = ag.tensor([3.0, 4.0])
    y = x * c
    assert y.requires_grad is True and y.is_leaf is False and y.grad_fn is not None
    z = c * 2.0 + 1.0
    assert z.requires_grad is False and z.is_leaf is True and z.grad_fn is None
    w = (z + y).sum()
    assert w.requires_grad is True and w.is_leaf is False


@pytest.mark.parametrize("op", [
    lambda x: x + 1.0, lambda x: 2.0 - x, lambda x: x * x, lambda x: 1.0 / x, lambda x: x ** 2, lambda x: -x,
    lambda x: x.exp(), lambda x: x.sum(), lambda x: x.mean(0), lambda x: x[0], lambda x: x.view(2, 1),
    lambda x: x.reshape(-1), lambda x: x.unsqueeze(0), lambda x: ag.cat([x, x]), lambda x: ag.stack([x, x]),
    lambda x: x.clamp(0.0, 1.0), lambda x: x.relu(), lambda x: x.max(), lambda x: x.norm(),
])
def test_requires_grad_propagates_through_ops(op):
    assert op(_leaf([0.5, 2.0])).requires_grad is True
    assert op(ag.tensor([0.5, 2.0])).requires_grad is False


@pytest.mark.parametrize("make, shape", [
    (lambda: ag.zeros(2, 3, requires_grad=True), (2, 3)),
    (lambda: ag.ones((2, 3), requires_grad=True), (2, 3)),
    (lambda: ag.randn(4, requires_grad=True), (4,)),
    (lambda: ag.rand(2, 2, requires_grad=True), (2, 2)),
    (lambda: ag.full((3,), 1.5, requires_grad=True), (3,)),
    (lambda: ag.eye(3, requires_grad=True), (3, 3)),
    (lambda: ag.linspace(0.0, 1.0, 5, requires_grad=True), (5,)),
    (lambda: ag.arange(0.0, 3.0, requires_grad=True), (3,)),
], ids=["zeros", "ones", "randn", "rand", "full", "eye", "linspace", "arange"])
def test_constructors_with_requires_grad_make_leaves(make, shape):
    t = make()
    assert t.shape == shape and t.dtype == np.float64
    assert t.requires_grad and t.is_leaf and t.grad_fn is None
    (t * 2).sum().backward()
    np.testing.assert_array_equal(_arr(t.grad), np.full(shape, 2.0))


def test_like_constructors_and_tensor_copy_do_not_require_grad():
    x = _leaf([1.0, 2.0])
    for t in (ag.zeros_like(x), ag.ones_like(x), ag.tensor(x)):
        assert not t.requires_grad and t.is_leaf and t.shape == (2,)
    c = ag.tensor(x)
    c[0] = 9.0
    assert x[0].item() == 1.0


def test_integer_tensor_cannot_require_grad():
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        ag.tensor([1, 2], requires_grad=True)


def test_dtype_names():
    assert ag.float == np.float32 and ag.float32 == np.float32
    assert ag.double == np.float64 and ag.float64 == np.float64
    assert ag.zeros(2, dtype=ag.float32).dtype == np.float32
    assert ag.tensor([1.0], dtype=ag.float).dtype == np.float32


# ---------------------------------------------------------------------------------------------------------------------
# grad_fn names and next_functions
# ---------------------------------------------------------------------------------------------------------------------

_M = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])


_GRAD_FN_CASES = [
    (lambda x, A: x + 1, "AddBackward0"),
    (lambda x, A: x - 1, "SubBackward0"),
    (lambda x, A: x * 2, "MulBackward0"),
    (lambda x, A: x / 2, "DivBackward0"),
    (lambda x, A: x ** 2, "PowBackward0"),
    (lambda x, A: x.pow(3), "PowBackward0"),
    (lambda x, A: 2 ** x, "PowBackward2"),
    (lambda x, A: -x, "NegBackward0"),
    (lambda x, A: x.exp(), "ExpBackward0"),
    (lambda x, A: x.sin(), "SinBackward0"),
    (lambda x, A: x.cos(), "CosBackward0"),
    (lambda x, A: x.log(), "LogBackward0"),
    (lambda x, A: x.sqrt(), "SqrtBackward0"),
    (lambda x, A: x.tanh(), "TanhBackward0"),
    (lambda x, A: x.sigmoid(), "SigmoidBackward0"),
    (lambda x, A: x.abs(), "AbsBackward0"),
    (lambda x, A: x.reciprocal(), "ReciprocalBackward0"),
    (lambda x, A: x.relu(), "ReluBackward0"),
    (lambda x, A: x.sum(), "SumBackward0"),
    (lambda x, A: x.mean(), "MeanBackward0"),
    (lambda x, A: A.sum(0), "SumBackward1"),
    (lambda x, A: A.mean(1), "MeanBackward1"),
    (lambda x, A: x.max(), "MaxBackward1"),
    (lambda x, A: A.max(1).values, "MaxBackward0"),
    (lambda x, A: A.min(0).values, "MinBackward0"),
    (lambda x, A: A @ A.t(), "MmBackward0"),
    (lambda x, A: A @ x, "MvBackward0"),
    (lambda x, A: x @ x, "DotBackward0"),
    (lambda x, A: A.t(), "TBackward0"),
    (lambda x, A: A.permute(1, 0), "PermuteBackward0"),
    (lambda x, A: A.transpose(0, 1), "TransposeBackward0"),
    (lambda x, A: A.view(3, 2), "ViewBackward0"),
    (lambda x, A: A.reshape(6), "ViewBackward0"),
    (lambda x, A: x.unsqueeze(0), "UnsqueezeBackward0"),
    (lambda x, A: A.view(1, 2, 3).squeeze(0), "SqueezeBackward1"),
    (lambda x, A: x.view(3, 1).expand(3, 4), "ExpandBackward0"),
    (lambda x, A: x[1], "SelectBackward0"),
    (lambda x, A: x[1:], "SliceBackward0"),
    (lambda x, A: x[[0, 2]], "IndexBackward0"),
    (lambda x, A: ag.cat([x, x]), "CatBackward0"),
    (lambda x, A: ag.stack([x, x]), "StackBackward0"),
    (lambda x, A: ag.where(x > 1.5, x, 0.0), "WhereBackward0"),
    (lambda x, A: x.clamp(0.0, 1.0), "ClampBackward1"),
    (lambda x, A: x.softmax(0), "SoftmaxBackward0"),
    (lambda x, A: x.log_softmax(0), "LogSoftmaxBackward0"),
    (lambda x, A: x.clone(), "CloneBackward0"),
    (lambda x, A: x.float(), "ToCopyBackward0"),
]


@pytest.mark.parametrize("op, name", _GRAD_FN_CASES, ids=[name for _, name in _GRAD_FN_CASES])
def test_grad_fn_name(op, name):
    x = _leaf([1.0, 2.0, 3.0])
    A = _leaf(_M)
    y = op(x, A)
    assert y.grad_fn.name() == name
    assert repr(y.grad_fn).startswith(f"<{name} object at 0x")


def test_next_functions_walk_back_to_the_leaf():
    x = _leaf([1.0, 2.0, 3.0])
    y = (x * x).sin().sum()
    assert y.grad_fn.name() == "SumBackward0"
    (sin_fn, idx), = y.grad_fn.next_functions
    assert idx == 0 and sin_fn.name() == "SinBackward0"
    (mul_fn, idx), = sin_fn.next_functions
    assert idx == 0 and mul_fn.name() == "MulBackward0"
    (acc0, i0), (acc1, i1) = mul_fn.next_functions
    assert (i0, i1) == (0, 0)
    assert acc0 is acc1                    # both operands are the same leaf: one AccumulateGrad node
    assert type(acc0).__name__ == "AccumulateGrad"
    assert repr(acc0).startswith("<AccumulateGrad object at 0x")
    assert acc0.variable is x
    assert acc0.next_functions == ()


def test_next_functions_of_two_leaves_and_a_constant():
    x, w = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    y = x * w
    (ax, _), (aw, _) = y.grad_fn.next_functions
    assert ax.variable is x and aw.variable is w
    z = x * ag.tensor([5.0, 6.0])
    assert z.grad_fn.next_functions[1] == (None, 0)
    assert (x * 2.0).grad_fn.next_functions[0][0].variable is x


def test_next_functions_reach_intermediate_nodes():
    x = _leaf([1.0, 2.0])
    h = x.exp()
    y = h * h + h
    add_fn = y.grad_fn
    assert add_fn.name() == "AddBackward0"
    mul_fn, exp_fn = add_fn.next_functions[0][0], add_fn.next_functions[1][0]
    assert mul_fn.name() == "MulBackward0" and exp_fn is h.grad_fn
    assert mul_fn.next_functions[0][0] is h.grad_fn and mul_fn.next_functions[1][0] is h.grad_fn
    assert exp_fn.next_functions[0][0].variable is x


def test_leaf_has_no_grad_fn_and_nonleaf_is_not_leaf():
    x = _leaf([1.0])
    assert x.grad_fn is None and x.is_leaf
    y = x * 2
    assert not y.is_leaf


def test_tensor_repr_shows_grad_fn_and_requires_grad():
    x = _leaf([1.0, 2.0])
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr(ag.tensor([1.0, 2.0])) == "tensor([1., 2.])"


# ---------------------------------------------------------------------------------------------------------------------
# backward(): values, accumulation, zero_grad, retain_grad
# ---------------------------------------------------------------------------------------------------------------------

def test_scalar_backward_closed_form():
    x = ag.tensor(0.7, requires_grad=True)
    y = x ** 3 * x.sin()
    y.backward()
    v = 0.7
    np.testing.assert_allclose(x.grad.item(), 3 * v ** 2 * np.sin(v) + v ** 3 * np.cos(v), rtol=1e-12)
    assert x.grad.shape == ()


def test_grad_is_a_tensor_without_history():
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    assert isinstance(x.grad, ag.Tensor)
    assert x.grad.requires_grad is False and x.grad.grad_fn is None
    assert x.grad.shape == x.shape and x.grad.dtype == np.float64
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])


def test_grad_accumulates_across_backward_calls():
    x = _leaf([1.0, 2.0, 3.0])
    for k in range(1, 4):
        (x * x).sum().backward()
        np.testing.assert_array_equal(_arr(x.grad), k * np.array([2.0, 4.0, 6.0]))


def test_grad_accumulates_over_different_graphs():
    x = _leaf([1.0, 2.0])
    (x * 3).sum().backward()
    x.exp().sum().backward()
    np.testing.assert_allclose(_arr(x.grad), 3 + np.exp([1.0, 2.0]), rtol=1e-15)


def test_grad_zero_resets_in_place():
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    g = x.grad
    out = x.grad.zero_()
    assert out is g and x.grad is g
    np.testing.assert_array_equal(_arr(x.grad), [0.0, 0.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])


def test_grad_data_zero_pattern():
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    x.grad.data.zero_()
    np.testing.assert_array_equal(_arr(x.grad), [0.0, 0.0])
    (x * 5).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [5.0, 5.0])


def test_grad_set_to_none_pattern():
    x = _leaf([1.0, 2.0])
    (x * x).sum().backward()
    x.grad = None
    (3 * x).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [3.0, 3.0])


def test_zero_grad_training_loop_matches_closed_form():
    # minimise (w - 3)^2 with lr 0.1: w_{k+1} = w_k - 0.2 (w_k - 3)
    w = ag.tensor(0.0, requires_grad=True)
    expected = 0.0
    for _ in range(5):
        loss = (w - 3.0) ** 2
        loss.backward()
        with ag.no_grad():
            w -= 0.1 * w.grad
        w.grad.zero_()
        expected = expected - 0.2 * (expected - 3.0)
    np.testing.assert_allclose(w.item(), expected, rtol=1e-14)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None


def test_optimizer_zero_grad_step_loop():
    # SGD on (w - 3)^2 with lr 0.1, the tutorial order zero_grad / backward / step
    w = ag.tensor(0.0, requires_grad=True)
    opt = fg.optim.SGD([w], lr=0.1)
    expected = 0.0
    for _ in range(4):
        opt.zero_grad()
        loss = (w - 3.0) ** 2
        loss.backward()
        opt.step()
        expected = expected - 0.2 * (expected - 3.0)
    np.testing.assert_allclose(w.item(), expected, rtol=1e-14)
    np.testing.assert_allclose(w.grad.item(), 2 * (0.8 ** 3 * -3.0), rtol=1e-14)
    opt.zero_grad()
    assert w.grad is None
    assert w.is_leaf and w.requires_grad


def test_nonleaf_grad_is_none_without_retain_grad():
    x = _leaf([1.0, 2.0])
    y = x * 2
    (y * y).sum().backward()
    assert y.grad is None
    np.testing.assert_array_equal(_arr(x.grad), [8.0, 16.0])


def test_retain_grad_on_nonleaf():
    x = _leaf([1.0, 2.0, 3.0])
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    np.testing.assert_array_equal(_arr(y.grad), [4.0, 8.0, 12.0])
    np.testing.assert_array_equal(_arr(x.grad), [8.0, 16.0, 24.0])
    assert not y.is_leaf


def test_retain_grad_accumulates():
    x = _leaf([1.0, 2.0, 3.0])
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_array_equal(_arr(y.grad), [8.0, 16.0, 24.0])
    np.testing.assert_array_equal(_arr(x.grad), [16.0, 32.0, 48.0])


def test_retain_grad_on_leaf_is_noop():
    x = _leaf([1.0, 2.0])
    x.retain_grad()
    (x * x).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])


def test_shared_subexpression_gradients_add():
    x = _leaf([0.5, 1.5])
    h = x.exp()
    y = (h * h + h).sum()          # d/dx = 2 e^{2x} + e^x
    y.backward()
    v = np.array([0.5, 1.5])
    np.testing.assert_allclose(_arr(x.grad), 2 * np.exp(2 * v) + np.exp(v), rtol=1e-14)


def test_backward_on_a_leaf():
    x = _leaf([1.0, 2.0, 3.0])
    x.backward(ag.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(_arr(x.grad), [1.0, 2.0, 3.0])
    s = ag.tensor(2.0, requires_grad=True)
    s.backward()
    assert s.grad.item() == 1.0


# ---------------------------------------------------------------------------------------------------------------------
# backward(gradient=...), retain_graph and the errors
# ---------------------------------------------------------------------------------------------------------------------

def test_backward_with_gradient_for_nonscalar_output():
    x = _leaf([[0.0, 0.0], [1.0, 2.0]])
    y = x ** 2 - 2 * x + 1
    y.backward(gradient=ag.ones_like(x))
    np.testing.assert_array_equal(_arr(x.grad), [[-2.0, -2.0], [0.0, 2.0]])


def test_backward_gradient_weights_the_vjp():
    x = _leaf([1.0, 2.0, 3.0])
    v = np.array([0.5, -1.0, 2.0])
    (x ** 3).backward(ag.tensor(v))
    np.testing.assert_array_equal(_arr(x.grad), v * 3 * np.array([1.0, 4.0, 9.0]))


def test_backward_gradient_accepts_ndarray():
    x = _leaf([1.0, 2.0])
    (x * x).backward(gradient=np.array([1.0, 10.0]))
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 40.0])


def test_backward_gradient_shape_mismatch_raises():
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(ag.ones(2))


def test_implicit_gradient_of_nonscalar_raises():
    x = _leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=NON_SCALAR):
        (x * 2).backward()


def test_implicit_gradient_of_single_element_nonscalar_is_allowed():
    x = _leaf([[1.0, 2.0]])
    y = x.sum(1, keepdim=True)
    assert y.shape == (1, 1)
    y.backward()
    np.testing.assert_array_equal(_arr(x.grad), [[1.0, 1.0]])


def test_second_backward_through_freed_graph_raises():
    x = _leaf([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        y.backward()
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])


def test_backward_through_a_graph_freed_by_another_output_raises():
    x = _leaf([1.0, 2.0])
    h = x.exp()
    a, b = h.sum(), (h * 2).sum()
    a.backward()
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        b.backward()


def test_retain_graph_allows_second_backward():
    x = _leaf([1.0, 2.0])
    y = (x * x.sin()).sum()
    y.backward(retain_graph=True)
    y.backward()
    v = np.array([1.0, 2.0])
    np.testing.assert_allclose(_arr(x.grad), 2 * (np.sin(v) + v * np.cos(v)), rtol=1e-14)


def test_backward_of_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match=NO_GRAD_FN):
        ag.tensor(1.0).backward()
    x = _leaf([1.0])
    with ag.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match=NO_GRAD_FN):
        y.backward()


def test_backward_inputs_restricts_accumulation():
    x, w = _leaf([1.0, 2.0, 3.0]), _leaf([4.0, 5.0, 6.0])
    (x * w).sum().backward(inputs=[x])
    np.testing.assert_array_equal(_arr(x.grad), [4.0, 5.0, 6.0])
    assert w.grad is None


def test_autograd_backward_function_with_several_outputs():
    x = _leaf([1.0, 2.0])
    y1, y2 = x * x, x.sum()
    ag.backward([y1, y2], [ag.tensor([1.0, 1.0]), ag.tensor(2.0)])
    np.testing.assert_array_equal(_arr(x.grad), [4.0, 6.0])


def test_backward_create_graph_gives_differentiable_grad():
    x = _leaf([1.0, 2.0, 3.0])
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.grad_fn is not None and x.is_leaf
    np.testing.assert_array_equal(_arr(x.grad), [3.0, 12.0, 27.0])
    (g2,) = ag.grad(x.grad.sum(), x)
    np.testing.assert_array_equal(_arr(g2), [6.0, 12.0, 18.0])


# ---------------------------------------------------------------------------------------------------------------------
# ag.grad: grad_outputs, allow_unused, create_graph, higher derivatives
# ---------------------------------------------------------------------------------------------------------------------

def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    x = _leaf([1.0, 2.0])
    out = ag.grad((x * x).sum(), x)
    assert isinstance(out, tuple) and len(out) == 1
    np.testing.assert_array_equal(_arr(out[0]), [2.0, 4.0])
    assert out[0].requires_grad is False
    assert x.grad is None


def test_grad_with_grad_outputs():
    x = _leaf([1.0, 2.0, 3.0])
    v = ag.tensor([1.0, 0.5, -2.0])
    (g,) = ag.grad(x.sin(), x, grad_outputs=v)
    np.testing.assert_allclose(_arr(g), np.array([1.0, 0.5, -2.0]) * np.cos([1.0, 2.0, 3.0]), rtol=1e-15)


def test_grad_several_outputs_and_inputs():
    x1, x2 = ag.tensor(1.0, requires_grad=True), ag.tensor(2.0, requires_grad=True)
    y1, y2 = x1 * x2, x1 + x2
    d1 = ag.grad(y1, [x1, x2], retain_graph=True)
    assert [d.item() for d in d1] == [2.0, 1.0]
    d12 = ag.grad([y1, y2], [x1, x2])
    assert [d.item() for d in d12] == [3.0, 2.0]


def test_grad_with_respect_to_intermediate():
    x = _leaf([1.0, 2.0])
    y = x * 3
    z = (y * y).sum()
    gy, gx = ag.grad(z, [y, x])
    np.testing.assert_array_equal(_arr(gy), [6.0, 12.0])
    np.testing.assert_array_equal(_arr(gx), [18.0, 36.0])


def test_grad_allow_unused():
    x, u = _leaf([1.0, 2.0]), _leaf([3.0])
    gx, gu = ag.grad((x * x).sum(), [x, u], allow_unused=True)
    np.testing.assert_array_equal(_arr(gx), [2.0, 4.0])
    assert gu is None


def test_grad_unused_input_raises_without_allow_unused():
    x, u = _leaf([1.0, 2.0]), _leaf([3.0])
    with pytest.raises(RuntimeError, match="appears to not have been used in the graph"):
        ag.grad((x * x).sum(), [x, u])


def test_grad_of_input_without_requires_grad_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="One of the differentiated Tensors does not require grad"):
        ag.grad((x * x).sum(), [ag.tensor([1.0, 2.0])])


def test_grad_frees_graph_unless_retained():
    x = _leaf([1.0, 2.0])
    y = (x.exp()).sum()
    ag.grad(y, x)
    with pytest.raises(RuntimeError, match=SECOND_BACKWARD):
        ag.grad(y, x)


def test_grad_nonscalar_without_grad_outputs_raises():
    x = _leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match=NON_SCALAR):
        ag.grad(x * 2, x)


def test_grad_create_graph_flag_controls_requires_grad():
    x = ag.tensor(2.0, requires_grad=True)
    (g,) = ag.grad(x ** 3, x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    (h,) = ag.grad(x ** 3, x)
    assert h.requires_grad is False and h.grad_fn is None


_XS = np.array([-1.3, -0.2, 0.4, 1.1, 2.5])


@pytest.mark.parametrize("f, derivs", [
    (lambda x: x ** 3, [lambda v: 3 * v ** 2, lambda v: 6 * v, lambda v: 6 + 0 * v]),
    (lambda x: x.sin(), [np.cos, lambda v: -np.sin(v), lambda v: -np.cos(v)]),
    (lambda x: x.exp() * x, [lambda v: (v + 1) * np.exp(v), lambda v: (v + 2) * np.exp(v),
                             lambda v: (v + 3) * np.exp(v)]),
    (lambda x: (x * x).tanh(), [lambda v: 2 * v / np.cosh(v * v) ** 2,
                                lambda v: (2 - 8 * v * v * np.tanh(v * v)) / np.cosh(v * v) ** 2, None]),
], ids=["cube", "sin", "x_exp", "tanh_sq"])
def test_grad_create_graph_higher_derivatives(f, derivs):
    x = _leaf(_XS)
    out = f(x).sum()
    for k, d in enumerate(derivs):
        (out,) = ag.grad(out, x, create_graph=True)
        if d is not None:
            np.testing.assert_allclose(_arr(out), d(_XS), rtol=1e-12, atol=1e-13, err_msg=f"order {k + 1}")
        out = out.sum()


def test_mixed_partial_via_create_graph():
    x, y = ag.tensor(1.5, requires_grad=True), ag.tensor(-0.7, requires_grad=True)
    f = x ** 2 * y ** 3 + x.sin() * y
    (dfdx,) = ag.grad(f, x, create_graph=True)
    np.testing.assert_allclose(dfdx.item(), 2 * 1.5 * (-0.7) ** 3 + np.cos(1.5) * -0.7, rtol=1e-14)
    (d2,) = ag.grad(dfdx, y)
    np.testing.assert_allclose(d2.item(), 6 * 1.5 * (-0.7) ** 2 + np.cos(1.5), rtol=1e-14)


def test_gradient_penalty_pattern():
    # penalty = sum((d/dx sum x^3)^2) = sum(9 x^4); its gradient is 36 x^3
    x = _leaf([1.0, -2.0, 0.5])
    (g,) = ag.grad((x ** 3).sum(), x, create_graph=True)
    (g * g).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), 36 * np.array([1.0, -8.0, 0.125]))


def test_hessian_vector_product_by_double_grad():
    x = _leaf([1.0, 2.0])
    f = x[0] ** 2 * x[1] + x[1] ** 3        # H = [[2 x1, 2 x0], [2 x0, 6 x1]] = [[4, 2], [2, 12]]
    (g,) = ag.grad(f, x, create_graph=True)
    v = ag.tensor([1.0, -1.0])
    (hv,) = ag.grad(g, x, grad_outputs=v)
    np.testing.assert_array_equal(_arr(hv), [2.0, -10.0])


# ---------------------------------------------------------------------------------------------------------------------
# in-place operations and version counters
# ---------------------------------------------------------------------------------------------------------------------

_A = np.array([1.0, 2.0, 3.0])
_C = np.array([0.5, -1.0, 4.0])


def _iadd(b, c):
    b += c
    return b


def _isub(b, c):
    b -= c
    return b


def _imul(b, c):
    b *= 3.0
    return b


def _idiv(b, c):
    b /= 4.0
    return b


def _set0(b, c):
    b[0] = 10.0
    return b


@pytest.mark.parametrize("op, value, grad", [
    (_iadd, 2 * _A + _C, [2.0, 2.0, 2.0]),
    (_isub, 2 * _A - _C, [2.0, 2.0, 2.0]),
    (_imul, 6 * _A, [6.0, 6.0, 6.0]),
    (_idiv, 0.5 * _A, [0.5, 0.5, 0.5]),
    (lambda b, c: b.add_(c, alpha=2), 2 * _A + 2 * _C, [2.0, 2.0, 2.0]),
    (lambda b, c: b.sub_(c, alpha=3), 2 * _A - 3 * _C, [2.0, 2.0, 2.0]),
    (lambda b, c: b.mul_(c), 2 * _A * _C, 2 * _C),
    (lambda b, c: b.div_(c), 2 * _A / _C, 2 / _C),
    (lambda b, c: b.zero_(), 0 * _A, [0.0, 0.0, 0.0]),
    (lambda b, c: b.fill_(2.5), 0 * _A + 2.5, [0.0, 0.0, 0.0]),
    (lambda b, c: b.copy_(c), _C, [0.0, 0.0, 0.0]),
    (_set0, np.array([10.0, 4.0, 6.0]), [0.0, 2.0, 2.0]),
    (lambda b, c: b.clamp_(2.5, 5.0), np.clip(2 * _A, 2.5, 5.0), [0.0, 2.0, 0.0]),
], ids=["iadd", "isub", "imul", "idiv", "add_alpha", "sub_alpha", "mul_", "div_", "zero_", "fill_", "copy_",
        "setitem", "clamp_"])
def test_inplace_on_nonleaf_values_grads_and_version(op, value, grad):
    a = _leaf(_A)
    b = a * 2
    assert b._version == 0
    out = op(b, ag.tensor(_C))
    assert out is b
    assert b._version == 1
    np.testing.assert_allclose(_arr(b), value, rtol=1e-15)
    assert b.requires_grad and not b.is_leaf
    b.sum().backward()
    np.testing.assert_allclose(_arr(a.grad), grad, rtol=1e-15)


def test_inplace_chain_version_and_grad():
    a = _leaf(_A)
    b = a * 2
    b += 1
    b -= 0.5
    b *= 3
    b /= 2
    assert b._version == 4 and b.grad_fn.name() == "DivBackward0"
    np.testing.assert_array_equal(_arr(b), (2 * _A + 0.5) * 1.5)
    b.mul_(a)
    assert b._version == 5 and b.grad_fn.name() == "MulBackward0"
    b.sum().backward()
    np.testing.assert_allclose(_arr(a.grad), 6 * _A + 0.75, rtol=1e-15)


def test_inplace_gradient_reaches_the_other_operand():
    a, c = _leaf(_A), _leaf(_C)
    b = a * 1.0
    b += c * c
    b.mul_(c)
    (b.sum()).backward()
    np.testing.assert_allclose(_arr(a.grad), _C, rtol=1e-15)
    np.testing.assert_allclose(_arr(c.grad), _A + 3 * _C ** 2, rtol=1e-15)


def test_setitem_from_graph_into_plain_tensor():
    a = _leaf(_A)
    z = ag.zeros(3)
    z[0] = a[1] * 2
    assert z.requires_grad and not z.is_leaf
    z.sum().backward()
    np.testing.assert_array_equal(_arr(a.grad), [0.0, 2.0, 0.0])


def test_setitem_slice_gradients():
    a = _leaf(_A)
    c = a.clone()
    c[1:] = a[:2] * 5
    np.testing.assert_array_equal(_arr(c), [1.0, 5.0, 10.0])
    c.sum().backward()
    np.testing.assert_array_equal(_arr(a.grad), [6.0, 5.0, 0.0])


def test_inplace_add_of_grad_tensor_into_plain_tensor():
    a = _leaf(_A)
    z = ag.zeros(3)
    z += a * a
    assert z.requires_grad and z.grad_fn.name() == "AddBackward0"
    z.sum().backward()
    np.testing.assert_array_equal(_arr(a.grad), 2 * _A)


def test_out_of_place_ops_leave_version_alone():
    a = ag.tensor(_A)
    _ = a * 2 + a.exp()
    assert a._version == 0
    a.add_(1.0)
    a[0] = 3.0
    a.mul_(2.0)
    assert a._version == 3
    np.testing.assert_array_equal(_arr(a), [6.0, 6.0, 8.0])


@pytest.mark.parametrize("op", [
    lambda w: w.add_(1.0), lambda w: w.sub_(1.0), lambda w: w.mul_(2.0), lambda w: w.div_(2.0), lambda w: w.zero_(),
    lambda w: w.fill_(1.0), lambda w: w.copy_(ag.ones(3)), lambda w: w.__setitem__(0, 1.0),
    lambda w: w.__iadd__(1.0), lambda w: w.__isub__(1.0), lambda w: w.__imul__(2.0), lambda w: w.__itruediv__(2.0),
    lambda w: w.clamp_(0.0, 1.0),
], ids=["add_", "sub_", "mul_", "div_", "zero_", "fill_", "copy_", "setitem", "iadd", "isub", "imul", "idiv",
        "clamp_"])
def test_inplace_on_leaf_requiring_grad_raises(op):
    w = _leaf(_A)
    with pytest.raises(RuntimeError, match=LEAF_INPLACE):
        op(w)
    np.testing.assert_array_equal(_arr(w), _A)
    assert w._version == 0 and w.is_leaf


def test_inplace_on_leaf_inside_no_grad_sgd_update():
    w = _leaf([1.0, 2.0])
    (w * w).sum().backward()
    with ag.no_grad():
        w -= 0.1 * w.grad
    np.testing.assert_allclose(_arr(w), [0.8, 1.6], rtol=1e-15)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None and w._version == 1
    with ag.no_grad():
        w.add_(w.grad, alpha=-0.5)
        w[0] = 7.0
    np.testing.assert_allclose(_arr(w), [7.0, -0.4], rtol=1e-15)
    assert w._version == 3 and w.is_leaf and w.grad_fn is None
    w.grad.zero_()
    (w * w).sum().backward()
    np.testing.assert_allclose(_arr(w.grad), [14.0, -0.8], rtol=1e-15)


@pytest.mark.parametrize("op", [
    lambda w: w.zero_(), lambda w: w.fill_(0.5), lambda w: w.copy_(ag.tensor([9.0, 8.0])), lambda w: w.mul_(0.0),
])
def test_inplace_on_leaf_inside_no_grad_keeps_leaf(op):
    w = _leaf([1.0, 2.0])
    with ag.no_grad():
        op(w)
    assert w.is_leaf and w.requires_grad and w.grad_fn is None and w._version == 1
    (w * 3).sum().backward()
    np.testing.assert_array_equal(_arr(w.grad), [3.0, 3.0])


def test_modifying_saved_input_raises():
    a = _leaf(_A)
    m = a * 1
    out = (m * m).sum()
    m += 1
    with pytest.raises(RuntimeError, match=SAVED_MODIFIED):
        out.backward()


@pytest.mark.parametrize("change", ["setitem", "iadd"])
def test_recorded_change_of_a_saved_output_keeps_the_recorded_values(change):
    """A recorded in-place op gives the tensor new values without touching those saved for
    backward, so (unlike PyTorch, which raises) the gradient is exact for the recorded graph."""
    a = _leaf(_A)
    e = a.exp()
    s = e.sum()
    if change == "setitem":
        e[0] = 0.0
    else:
        e += 1.0
    assert e._version == 1
    s.backward()
    np.testing.assert_allclose(_arr(a.grad), np.exp(_A), rtol=1e-15)


def test_modifying_saved_output_under_no_grad_raises():
    a = _leaf(_A)
    e = a.exp()
    s = e.sum()
    with ag.no_grad():
        e.mul_(2)
    with pytest.raises(RuntimeError, match=SAVED_MODIFIED):
        s.backward()


def test_modifying_saved_tensor_through_detach_raises():
    a = _leaf(_A)
    e = a.exp()
    s = e.sum()
    e.detach().zero_()
    with pytest.raises(RuntimeError, match=SAVED_MODIFIED):
        s.backward()


def test_modifying_tensor_not_saved_is_allowed():
    a = _leaf(_A)
    m = a * 1
    out = (m + m).sum()
    m += 1
    out.backward()
    np.testing.assert_array_equal(_arr(a.grad), [2.0, 2.0, 2.0])


def test_inplace_shape_mismatch_raises():
    q = ag.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        q += ag.ones(2, 3)


def test_inplace_float_into_integer_tensor_raises():
    i = ag.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 0.5


def test_inplace_keeps_dtype():
    f = ag.zeros(2, dtype=ag.float32)
    f += ag.ones(2)
    assert f.dtype == np.float32
    a32 = _leaf([1.0, 2.0], dtype=ag.float32)
    b = a32 * 2
    b += ag.tensor([1.0, 1.0])
    assert b.dtype == np.float32
    b.sum().backward()
    assert a32.grad.dtype == np.float32
    np.testing.assert_array_equal(_arr(a32.grad), [2.0, 2.0])


# ---------------------------------------------------------------------------------------------------------------------
# grad modes: no_grad, enable_grad, set_grad_enabled
# ---------------------------------------------------------------------------------------------------------------------

def test_no_grad_context():
    x = _leaf([1.0, 2.0])
    assert ag.is_grad_enabled()
    with ag.no_grad():
        assert not ag.is_grad_enabled()
        y = x * 2
    assert ag.is_grad_enabled()
    assert y.requires_grad is False and y.grad_fn is None
    assert (x * 2).requires_grad


def test_no_grad_restores_mode_after_exception():
    with pytest.raises(ValueError), ag.no_grad():
        raise ValueError
    assert ag.is_grad_enabled()


def test_enable_grad_inside_no_grad():
    x = _leaf([1.0, 2.0])
    with ag.no_grad():
        with ag.enable_grad():
            y = x * 2
            assert ag.is_grad_enabled()
        z = x * 2
        assert not ag.is_grad_enabled()
    assert y.requires_grad and y.grad_fn.name() == "MulBackward0"
    assert not z.requires_grad


def test_nested_modes():
    x = _leaf([1.0])
    with ag.no_grad():
        with ag.no_grad():
            assert not (x * 2).requires_grad
        assert not (x * 2).requires_grad
        with ag.set_grad_enabled(True):
            assert (x * 2).requires_grad
            with ag.set_grad_enabled(False):
                assert not (x * 2).requires_grad
            assert (x * 2).requires_grad
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()


@pytest.mark.parametrize("training", [True, False])
def test_set_grad_enabled_context(training):
    x = _leaf([1.0])
    with ag.set_grad_enabled(training):
        y = x * 2
        assert ag.is_grad_enabled() is training
    assert y.requires_grad is training
    assert ag.is_grad_enabled()


def test_set_grad_enabled_as_a_plain_call():
    x = _leaf([1.0])
    try:
        ag.set_grad_enabled(False)
        assert not ag.is_grad_enabled()
        assert not (x * 2).requires_grad
        ag.set_grad_enabled(True)
        assert ag.is_grad_enabled()
        assert (x * 2).requires_grad
    finally:
        ag.set_grad_enabled(True)


def test_no_grad_decorator():
    x = _leaf([1.0])

    @ag.no_grad()
    def f(t):
        """Doc."""
        assert not ag.is_grad_enabled()
        return t * 2

    y = f(x)
    assert not y.requires_grad and ag.is_grad_enabled()
    assert f.__name__ == "f" and f.__doc__ == "Doc."


def test_enable_grad_decorator():
    x = _leaf([1.0])

    @ag.enable_grad()
    def f(t):
        return t * 2

    with ag.no_grad():
        y = f(x)
        assert not ag.is_grad_enabled()
    assert y.requires_grad


def test_set_grad_enabled_decorator():
    x = _leaf([1.0])

    @ag.set_grad_enabled(False)
    def f(t):
        return t * 2

    assert ag.is_grad_enabled()
    assert not f(x).requires_grad
    assert ag.is_grad_enabled()


def test_bare_no_grad_and_enable_grad_decorators():
    x = _leaf([1.0])

    @ag.no_grad
    def f(t):
        return t * 2

    @ag.enable_grad
    def g(t):
        return t * 2

    assert not f(x).requires_grad
    with ag.no_grad():
        assert g(x).requires_grad
    assert ag.is_grad_enabled()


def test_no_grad_decorated_generator():
    @ag.no_grad()
    def gen():
        yield ag.is_grad_enabled()
        yield ag.is_grad_enabled()

    assert list(gen()) == [False, False]
    assert ag.is_grad_enabled()


def test_leaf_created_inside_no_grad_still_requires_grad():
    with ag.no_grad():
        w = ag.ones(2, requires_grad=True)
        assert w.requires_grad and w.is_leaf
    (w * 3).sum().backward()
    np.testing.assert_array_equal(_arr(w.grad), [3.0, 3.0])


def test_grad_mode_is_per_thread_new_thread_records():
    x = _leaf([1.0])
    seen = {}

    def worker():
        seen["enabled"] = ag.is_grad_enabled()
        seen["requires_grad"] = (x * 2).requires_grad

    with ag.no_grad():
        t = threading.Thread(target=worker)
        t.start()
        t.join()
    assert seen == {"enabled": True, "requires_grad": True}


def test_grad_mode_is_per_thread_no_leak_into_main():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with ag.no_grad():
            entered.set()
            release.wait(5)
            seen["worker"] = ag.is_grad_enabled()

    t = threading.Thread(target=worker)
    t.start()
    entered.wait(5)
    seen["main"] = ag.is_grad_enabled()
    x = _leaf([1.0])
    seen["main_records"] = (x * 2).requires_grad
    release.set()
    t.join()
    assert seen == {"worker": False, "main": True, "main_records": True}


def test_backward_works_inside_no_grad():
    x = _leaf([1.0, 2.0])
    y = (x ** 2).sum()
    with ag.no_grad():
        y.backward()
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])


# ---------------------------------------------------------------------------------------------------------------------
# detach, requires_grad_, .data and conversions
# ---------------------------------------------------------------------------------------------------------------------

def test_detach_shares_memory_and_has_no_grad():
    x = _leaf([[1.0, 2.0], [3.0, 4.0]])
    d = x.detach()
    assert d.requires_grad is False and d.is_leaf and d.grad_fn is None
    d[0, 0] = 100.0
    assert x[0, 0].item() == 100.0
    np.testing.assert_array_equal(_arr(d), _arr(x))


def test_detach_blocks_gradient():
    x = _leaf([1.0, 2.0, 3.0])
    (x * x.detach()).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [1.0, 2.0, 3.0])


def test_detach_of_nonleaf():
    x = _leaf([1.0, 2.0])
    y = x * 3
    d = y.detach()
    assert not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(_arr(d), [3.0, 6.0])
    assert y.requires_grad and y.grad_fn is not None


def test_detach_in_place():
    x = _leaf([1.0, 2.0])
    y = x * 2
    out = y.detach_()
    assert out is y
    assert y.requires_grad is False and y.is_leaf and y.grad_fn is None
    z = (y * x).sum()
    z.backward()
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])


def test_requires_grad_in_place_on_leaf():
    x = ag.tensor([1.0, 2.0])
    out = x.requires_grad_()
    assert out is x and x.requires_grad and x.is_leaf
    (x ** 2).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])
    x.requires_grad_(False)
    assert not x.requires_grad and not (x * 2).requires_grad


def test_requires_grad_false_on_nonleaf_raises():
    x = _leaf([1.0])
    y = x * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    assert y.requires_grad_(True) is y and y.requires_grad


def test_requires_grad_on_integer_tensor_raises():
    with pytest.raises(RuntimeError, match="(?i)only Tensors of floating point"):
        ag.tensor([1, 2]).requires_grad_()


def test_data_is_detached_and_shares_memory():
    x = _leaf([1.0, 2.0])
    d = x.data
    assert isinstance(d, ag.Tensor) and not d.requires_grad and d.grad_fn is None
    d[0] = 5.0
    assert x[0].item() == 5.0
    x.data = ag.tensor([7.0, 8.0])
    assert x.requires_grad and x.is_leaf
    np.testing.assert_array_equal(_arr(x), [7.0, 8.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [14.0, 16.0])


def test_data_update_is_the_old_sgd_pattern():
    w = _leaf([1.0, 2.0])
    (w * w).sum().backward()
    w.data -= 0.25 * w.grad.data
    np.testing.assert_array_equal(_arr(w), [0.5, 1.0])
    assert w.is_leaf and w.requires_grad


def test_item():
    x = _leaf([[2.5]])
    v = x.item()
    assert type(v) is float and v == 2.5
    assert type(ag.tensor(3).item()) is int
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        ag.tensor([1.0, 2.0]).item()


def test_numpy_returns_values_and_shares_memory():
    t = ag.tensor([1.0, 2.0])
    a = t.numpy()
    assert type(a) is np.ndarray
    a[0] = 9.0
    assert t[0].item() == 9.0
    x = _leaf([1.0, 2.0])
    np.testing.assert_array_equal((x * 2).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])


def test_tolist_float_int_bool():
    x = _leaf([[1.0, 2.0], [3.0, 4.0]])
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and type(x.tolist()[0][0]) is float
    assert float(x[1, 0]) == 3.0 and type(float(x[1, 0])) is float
    assert int(ag.tensor(3.7)) == 3
    assert bool(ag.tensor(0.0)) is False and bool(ag.tensor([2.0])) is True
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(ag.tensor([1.0, 2.0]))


def test_float_of_multi_element_tensor_raises_value_error():
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
        float(ag.tensor([1.0, 2.0]))


def test_len_and_iteration():
    x = _leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and all(r.shape == (3,) and r.requires_grad for r in rows)
    np.testing.assert_array_equal(_arr(rows[1]), [4.0, 5.0, 6.0])
    s = sum(r.sum() * (i + 1) for i, r in enumerate(x))
    s.backward()
    np.testing.assert_array_equal(_arr(x.grad), [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(ag.tensor(1.0))


def test_size_shape_dim_numel():
    x = ag.zeros(2, 3)
    assert x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.shape == (2, 3) and x.dim() == 2 and x.ndim == 2 and x.numel() == 6


def test_clone_copies_and_passes_gradient():
    x = _leaf([1.0, 2.0])
    c = x.clone()
    assert c.requires_grad and not c.is_leaf
    c.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [1.0, 1.0])
    p = ag.tensor([1.0, 2.0])
    q = p.clone()
    q[0] = 5.0
    assert p[0].item() == 1.0


def test_dtype_conversion_gradients_return_to_input_dtype():
    x = _leaf([1.0, 2.0])
    y = x.float()
    assert y.dtype == np.float32 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 4.0])
    assert x.to(ag.float32).dtype == np.float32 and x.double().dtype == np.float64


# ---------------------------------------------------------------------------------------------------------------------
# NumPy interop
# ---------------------------------------------------------------------------------------------------------------------

_V = np.array([0.3, -1.2, 2.0])


@pytest.mark.parametrize("f, value, grad", [
    (np.sin, np.sin(_V), np.cos(_V)),
    (np.exp, np.exp(_V), np.exp(_V)),
    (lambda t: np.add(t, 1.0), _V + 1.0, np.ones(3)),
    (lambda t: np.multiply(2.0, t), 2 * _V, 2 * np.ones(3)),
    (np.tanh, np.tanh(_V), 1 - np.tanh(_V) ** 2),
    (np.square, _V ** 2, 2 * _V),
    (lambda t: np.power(t, 3), _V ** 3, 3 * _V ** 2),
    (np.abs, np.abs(_V), np.sign(_V)),
    (lambda t: np.maximum(t, 0.0), np.maximum(_V, 0.0), (_V > 0).astype(float)),
], ids=["sin", "exp", "add", "multiply", "tanh", "square", "power", "abs", "maximum"])
def test_numpy_ufuncs_on_tensors_record(f, value, grad):
    _check_records(f, _V, value, grad)


def _check_records(f, x0, value, grad):
    x = _leaf(x0)
    y = f(x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    np.testing.assert_allclose(_arr(y), value, rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(_arr(x.grad), grad, rtol=1e-15)


@pytest.mark.parametrize("f, value, grad", [
    (np.sum, _M.sum(), np.ones((2, 3))),
    (lambda t: np.sum(t, axis=0), _M.sum(0), np.ones((2, 3))),
    (np.mean, _M.mean(), np.full((2, 3), 1 / 6)),
    (lambda t: np.mean(t, axis=1, keepdims=True), _M.mean(1, keepdims=True), np.full((2, 3), 1 / 3)),
    (np.max, 6.0, [[0, 0, 0], [0, 0, 1.0]]),
    (lambda t: np.dot(t, np.ones(3)), _M.sum(1), np.ones((2, 3))),
    (lambda t: np.reshape(t, (3, 2)), _M.reshape(3, 2), np.ones((2, 3))),
    (lambda t: np.transpose(t), _M.T, np.ones((2, 3))),
    (lambda t: np.concatenate([t, t]), np.concatenate([_M, _M]), 2 * np.ones((2, 3))),
    (lambda t: np.linalg.norm(t), np.linalg.norm(_M), _M / np.linalg.norm(_M)),
], ids=["sum", "sum_axis", "mean", "mean_keepdims", "max", "dot", "reshape", "transpose", "concatenate", "norm"])
def test_numpy_functions_on_tensors_record(f, value, grad):
    _check_records(f, _M, value, grad)


def test_matmul_with_tensor_and_ndarray_operands():
    Wv = np.array([[1.0, -1.0], [2.0, 0.5], [0.0, 3.0]])
    x, W = _leaf(_M), _leaf(Wv)
    (x @ W).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), np.ones((2, 2)) @ Wv.T)
    np.testing.assert_array_equal(_arr(W.grad), _M.T @ np.ones((2, 2)))
    x.grad = None
    y = x @ Wv
    assert isinstance(y, ag.Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), np.ones((2, 2)) @ Wv.T)
    z = Wv.T @ x.T
    assert isinstance(z, ag.Tensor) and z.requires_grad
    np.testing.assert_array_equal(_arr(z), Wv.T @ _M.T)


@pytest.mark.parametrize("f, grad", [
    (lambda a, t: a + t, np.ones(3)),
    (lambda a, t: t + a, np.ones(3)),
    (lambda a, t: a - t, -np.ones(3)),
    (lambda a, t: t - a, np.ones(3)),
    (lambda a, t: a * t, _C),
    (lambda a, t: t * a, _C),
    (lambda a, t: a / t, -_C / _A ** 2),
    (lambda a, t: t / a, 1 / _C),
    (lambda a, t: t ** np.array([2.0, 2.0, 2.0]), 2 * _A),
    (lambda a, t: np.float64(2.0) * t, 2 * np.ones(3)),
    (lambda a, t: t * np.float64(2.0), 2 * np.ones(3)),
], ids=["nd+t", "t+nd", "nd-t", "t-nd", "nd*t", "t*nd", "nd/t", "t/nd", "t**nd", "npscalar*t", "t*npscalar"])
def test_mixing_ndarray_and_tensor_operands(f, grad):
    x = _leaf(_A)
    y = f(_C.copy(), x)
    assert isinstance(y, ag.Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(_arr(x.grad), grad, rtol=1e-15)


def test_np_asarray_of_tensor_gives_values():
    x = _leaf([1.0, 2.0])
    a = np.asarray(x * 2)
    assert type(a) is np.ndarray
    np.testing.assert_array_equal(a, [2.0, 4.0])


# ---------------------------------------------------------------------------------------------------------------------
# broadcasting and dtypes of gradients
# ---------------------------------------------------------------------------------------------------------------------

def test_broadcast_gradients_sum_back_to_input_shapes():
    av, bv = np.array([[1.0], [2.0], [3.0]]), np.array([[1.0, 10.0, 100.0, 1000.0]])
    a, b = _leaf(av), _leaf(bv)
    y = a * b
    assert y.shape == (3, 4)
    y.sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
    np.testing.assert_array_equal(_arr(a.grad), np.full((3, 1), 1111.0))
    np.testing.assert_array_equal(_arr(b.grad), np.full((1, 4), 6.0))


def test_broadcast_of_leading_dimensions_and_scalars():
    v, m, s = _leaf([1.0, 2.0, 3.0]), _leaf(np.ones((2, 3))), ag.tensor(2.0, requires_grad=True)
    ((v + m) * s).sum().backward()
    np.testing.assert_array_equal(_arr(v.grad), [4.0, 4.0, 4.0])
    np.testing.assert_array_equal(_arr(m.grad), np.full((2, 3), 2.0))
    assert s.grad.shape == () and s.grad.item() == 12.0 + 6.0


def test_float32_tensors_keep_float32():
    x = _leaf([1.0, 2.0], dtype=ag.float32)
    assert x.dtype == np.float32
    y = x * 2.0 + 1.0
    assert y.dtype == np.float32
    (y * x).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(_arr(x.grad), np.array([5.0, 9.0], np.float32))


def test_float32_grad_when_a_float64_operand_promotes():
    x = _leaf([1.0, 2.0], dtype=ag.float32)
    w = _leaf([3.0, 4.0])
    y = (x * w).sum()
    assert y.dtype == np.float64
    y.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float64
    np.testing.assert_array_equal(_arr(x.grad), [3.0, 4.0])


def test_float32_second_derivative_dtype():
    x = _leaf([1.0, 2.0], dtype=ag.float32)
    (g,) = ag.grad((x ** 3).sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    assert g.dtype == np.float32 and h.dtype == np.float32
    np.testing.assert_array_equal(_arr(h), np.array([6.0, 12.0], np.float32))


# ---------------------------------------------------------------------------------------------------------------------
# methods used by tutorials: reductions
# ---------------------------------------------------------------------------------------------------------------------

_T3 = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("dim, keepdim", [(None, False), (0, False), (1, True), (-1, False), ((0, 2), False),
                                          ([0, 1], True)])
def test_sum_with_dim_keepdim(dim, keepdim):
    x = _leaf(_T3)
    y = x.sum() if dim is None else x.sum(dim=dim, keepdim=keepdim)
    axis = tuple(dim) if isinstance(dim, list) else dim
    np.testing.assert_array_equal(_arr(y), _T3.sum(axis=axis, keepdims=keepdim if dim is not None else False))
    (y * 2).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), np.full(_T3.shape, 2.0))


@pytest.mark.parametrize("dim, keepdim, n", [(None, False, 24), (0, False, 2), (2, True, 4), ((0, 2), False, 8),
                                             (-2, True, 3)])
def test_mean_with_dim_keepdim(dim, keepdim, n):
    x = _leaf(_T3)
    y = x.mean() if dim is None else x.mean(dim, keepdim=keepdim)
    np.testing.assert_allclose(_arr(y), _T3.mean(axis=dim, keepdims=keepdim), rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(_arr(x.grad), np.full(_T3.shape, 1.0 / n), rtol=1e-15)


def test_module_level_sum_and_mean_with_dim():
    x = _leaf(_M)
    np.testing.assert_array_equal(_arr(ag.sum(x, dim=1)), [6.0, 15.0])
    np.testing.assert_array_equal(_arr(ag.mean(x, dim=0, keepdim=True)), [[2.5, 3.5, 4.5]])
    assert ag.sum(x).item() == 21.0


_MX = np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 6.0]])


@pytest.mark.parametrize("method, dim, values, indices, grad", [
    ("max", 1, [5.0, 7.0], [1, 0], [[0, 1, 0], [1, 0, 0]]),
    ("max", 0, [7.0, 5.0, 6.0], [1, 0, 1], [[0, 1, 0], [1, 0, 1]]),
    ("min", 1, [1.0, 2.0], [0, 1], [[1, 0, 0], [0, 1, 0]]),
    ("min", -2, [1.0, 2.0, 3.0], [0, 1, 0], [[1, 0, 1], [0, 1, 0]]),
])
def test_max_min_with_dim(method, dim, values, indices, grad):
    x = _leaf(_MX)
    out = getattr(x, method)(dim)
    v, i = out
    assert out.values is v and out.indices is i
    np.testing.assert_array_equal(_arr(v), values)
    np.testing.assert_array_equal(_arr(i), indices)
    assert i.dtype == np.int64 and not i.requires_grad and v.requires_grad
    v.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), grad)


def test_max_with_dim_keepdim_and_module_function():
    x = _leaf(_MX)
    v, i = ag.max(x, 1, keepdim=True)
    assert v.shape == (2, 1) and i.shape == (2, 1)
    np.testing.assert_array_equal(_arr(i), [[1], [0]])
    values, indices = ag.max(x, dim=0)
    np.testing.assert_array_equal(_arr(values), [7.0, 5.0, 6.0])
    np.testing.assert_array_equal(_arr(indices), [1, 0, 1])
    assert ag.max(x).item() == 7.0 and ag.min(x).item() == 1.0


def test_max_with_dim_ties_route_gradient_to_returned_index():
    x = _leaf([[1.0, 5.0, 5.0], [7.0, 2.0, 7.0]])
    v, i = x.max(dim=1)
    np.testing.assert_array_equal(_arr(i), [1, 0])
    v.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]])


def test_full_max_ties_split_gradient_evenly():
    x = _leaf([1.0, 3.0, 3.0, 2.0])
    x.max().backward()
    np.testing.assert_array_equal(_arr(x.grad), [0.0, 0.5, 0.5, 0.0])
    x.grad = None
    x.min().backward()
    np.testing.assert_array_equal(_arr(x.grad), [1.0, 0.0, 0.0, 0.0])


def test_elementwise_max_of_two_tensors():
    a, b = _leaf([1.0, 5.0, 3.0]), _leaf([4.0, 2.0, 6.0])
    m = ag.max(a, b)
    np.testing.assert_array_equal(_arr(m), [4.0, 5.0, 6.0])
    m.sum().backward()
    np.testing.assert_array_equal(_arr(a.grad), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(_arr(b.grad), [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(_arr(ag.maximum(a, b)), [4.0, 5.0, 6.0])
    np.testing.assert_array_equal(_arr(ag.minimum(a, b)), [1.0, 2.0, 3.0])


def test_argmax_argmin():
    x = ag.tensor(_MX)
    assert x.argmax().item() == 3
    np.testing.assert_array_equal(_arr(x.argmax(dim=1)), [1, 0])
    np.testing.assert_array_equal(_arr(ag.argmin(x, dim=0)), [0, 1, 0])


# ---------------------------------------------------------------------------------------------------------------------
# methods used by tutorials: shapes
# ---------------------------------------------------------------------------------------------------------------------

_W6 = np.arange(1.0, 7.0)


@pytest.mark.parametrize("op, shape", [
    (lambda x: x.view(3, 2), (3, 2)),
    (lambda x: x.view(-1), (6,)),
    (lambda x: x.view((6, 1)), (6, 1)),
    (lambda x: x.reshape(1, -1), (1, 6)),
    (lambda x: x.reshape((3, 2)), (3, 2)),
    (lambda x: x.permute(1, 0), (3, 2)),
    (lambda x: x.transpose(0, 1), (3, 2)),
    (lambda x: x.t(), (3, 2)),
    (lambda x: x.T, (3, 2)),
    (lambda x: x.unsqueeze(0), (1, 2, 3)),
    (lambda x: x.unsqueeze(-1), (2, 3, 1)),
    (lambda x: x.unsqueeze(1), (2, 1, 3)),
    (lambda x: x.view(2, 1, 3).squeeze(), (2, 3)),
    (lambda x: x.view(2, 1, 3).squeeze(1), (2, 3)),
    (lambda x: x.squeeze(0), (2, 3)),
    (lambda x: x.flatten(), (6,)),
    (lambda x: x.view(1, 2, 3).flatten(1), (1, 6)),
    (lambda x: x.view(2, 3, 1).flatten(0, 1), (6, 1)),
    (lambda x: ag.flatten(x), (6,)),
    (lambda x: x.view_as(ag.zeros(3, 2)), (3, 2)),
], ids=["view", "view-1", "view_tuple", "reshape-1", "reshape_tuple", "permute", "transpose", "t", "T",
        "unsqueeze0", "unsqueeze-1", "unsqueeze1", "squeeze", "squeeze1", "squeeze_noop", "flatten", "flatten1",
        "flatten01", "ag.flatten", "view_as"])
def test_shape_methods_values_and_gradients(op, shape):
    x = _leaf(_M)
    y = op(x)
    assert y.shape == shape
    np.testing.assert_array_equal(np.sort(_arr(y).ravel()), np.sort(_M.ravel()))
    # weight every output element by its value: the gradient of sum(y * y) is 2 x whatever the layout
    (y * y.detach()).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), _M)


def test_permute_three_dims_gradient():
    x = _leaf(_T3)
    y = x.permute(2, 0, 1)
    assert y.shape == (4, 2, 3)
    w = np.arange(24.0).reshape(4, 2, 3)
    (y * ag.tensor(w)).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), w.transpose(1, 2, 0))


@pytest.mark.parametrize("sizes, shape, grad", [
    ((3, 4), (3, 4), [[4.0], [4.0], [4.0]]),
    ((-1, 4), (3, 4), [[4.0], [4.0], [4.0]]),
    ((2, 3, 4), (2, 3, 4), [[8.0], [8.0], [8.0]]),
    ((2, -1, -1), (2, 3, 1), [[2.0], [2.0], [2.0]]),
])
def test_expand_gradients_sum(sizes, shape, grad):
    x = _leaf([[1.0], [2.0], [3.0]])
    y = x.expand(*sizes)
    assert y.shape == shape
    y.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), grad)


def test_expand_as_and_repeat():
    x = _leaf([1.0, 2.0])
    y = x.expand_as(ag.zeros(3, 2))
    assert y.shape == (3, 2)
    y.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [3.0, 3.0])
    x.grad = None
    r = x.repeat(2, 3)
    assert r.shape == (2, 6)
    np.testing.assert_array_equal(_arr(r)[1], [1.0, 2.0] * 3)
    r.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [6.0, 6.0])


def test_cat_and_stack_gradients():
    a, b = _leaf([[1.0, 2.0]]), _leaf([[3.0, 4.0], [5.0, 6.0]])
    c = ag.cat([a, b], dim=0)
    assert c.shape == (3, 2)
    (c * ag.tensor([[1.0], [2.0], [3.0]])).sum().backward()
    np.testing.assert_array_equal(_arr(a.grad), [[1.0, 1.0]])
    np.testing.assert_array_equal(_arr(b.grad), [[2.0, 2.0], [3.0, 3.0]])
    u, v = _leaf([1.0, 2.0]), _leaf([3.0, 4.0])
    s = ag.stack([u, v], dim=1)
    assert s.shape == (2, 2)
    (s * ag.tensor([[1.0, 10.0], [2.0, 20.0]])).sum().backward()
    np.testing.assert_array_equal(_arr(u.grad), [1.0, 2.0])
    np.testing.assert_array_equal(_arr(v.grad), [10.0, 20.0])


# ---------------------------------------------------------------------------------------------------------------------
# methods used by tutorials: indexing
# ---------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("index, grad", [
    ((1,), [[0, 0, 0], [1, 1, 1]]),
    ((slice(1, None),), [[0, 0, 0], [1, 1, 1]]),
    ((slice(None), 0), [[1, 0, 0], [1, 0, 0]]),
    ((slice(None), slice(None, None, 2)), [[1, 0, 1], [1, 0, 1]]),
    ((Ellipsis, -1), [[0, 0, 1], [0, 0, 1]]),
    ((0, [2, 2, 0]), [[1, 0, 2], [0, 0, 0]]),
    (([1, 0, 1],), [[1, 1, 1], [2, 2, 2]]),
    ((None, 1, slice(0, 2)), [[0, 0, 0], [1, 1, 0]]),
], ids=["row", "slice", "column", "step", "ellipsis", "repeated_fancy", "fancy_rows", "newaxis"])
def test_indexing_gradients(index, grad):
    x = _leaf(_M)
    y = x[index]
    np.testing.assert_array_equal(_arr(y), _M[index])
    y.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), grad)


def test_boolean_mask_and_tensor_index_gradients():
    x = _leaf([1.0, 2.0, 3.0])
    y = x[x > 1.5]
    np.testing.assert_array_equal(_arr(y), [2.0, 3.0])
    y.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [0.0, 1.0, 1.0])
    x.grad = None
    x[ag.tensor([2, 0, 2])].sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [1.0, 0.0, 2.0])


# ---------------------------------------------------------------------------------------------------------------------
# methods used by tutorials: activations, pow, norms
# ---------------------------------------------------------------------------------------------------------------------

_Z = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])


@pytest.mark.parametrize("op, value, grad", [
    (lambda x: x.clamp(0.0, 1.0), np.clip(_Z, 0, 1), [0, 1, 1, 1, 0]),
    (lambda x: x.clamp(min=0.0), np.maximum(_Z, 0), [0, 1, 1, 1, 1]),
    (lambda x: x.clamp(max=1.0), np.minimum(_Z, 1), [1, 1, 1, 1, 0]),
    (lambda x: ag.clamp(x, -0.5, 0.5), np.clip(_Z, -0.5, 0.5), [0, 1, 1, 0, 0]),
    (lambda x: x.relu(), np.maximum(_Z, 0), [0, 0, 1, 1, 1]),
    (lambda x: ag.relu(x), np.maximum(_Z, 0), [0, 0, 1, 1, 1]),
    (lambda x: x.abs(), np.abs(_Z), [-1, 0, 1, 1, 1]),
], ids=["clamp", "clamp_min", "clamp_max", "ag.clamp", "relu", "ag.relu", "abs"])
def test_piecewise_linear_values_and_gradients(op, value, grad):
    x = _leaf(_Z)
    y = op(x)
    np.testing.assert_array_equal(_arr(y), value)
    y.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), grad)


def test_sigmoid():
    x = _leaf(_Z)
    y = x.sigmoid()
    s = 1 / (1 + np.exp(-_Z))
    np.testing.assert_allclose(_arr(y), s, rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(_arr(x.grad), s * (1 - s), rtol=1e-13)
    np.testing.assert_allclose(_arr(ag.sigmoid(ag.tensor(_Z))), s, rtol=1e-15)


_L = np.array([[0.5, -1.0, 2.0], [3.0, 1.0, -2.0]])
_LW = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]])


def _softmax(v, axis):
    e = np.exp(v - v.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_values_and_gradient(dim):
    x = _leaf(_L)
    s = x.softmax(dim)
    sv = _softmax(_L, dim)
    np.testing.assert_allclose(_arr(s), sv, rtol=1e-14)
    np.testing.assert_allclose(_arr(s).sum(dim), 1.0, rtol=1e-15)
    (s * ag.tensor(_LW)).sum().backward()
    expected = sv * (_LW - (sv * _LW).sum(dim, keepdims=True))
    np.testing.assert_allclose(_arr(x.grad), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_log_softmax_values_and_gradient(dim):
    x = _leaf(_L)
    ls = ag.log_softmax(x, dim=dim)
    sv = _softmax(_L, dim)
    np.testing.assert_allclose(_arr(ls), np.log(sv), rtol=1e-14)
    (ls * ag.tensor(_LW)).sum().backward()
    expected = _LW - sv * _LW.sum(dim, keepdims=True)
    np.testing.assert_allclose(_arr(x.grad), expected, rtol=1e-12, atol=1e-15)


def test_softmax_is_stable_for_large_inputs():
    x = _leaf([1000.0, 0.0, -1000.0])
    s = ag.softmax(x, dim=0)
    np.testing.assert_array_equal(_arr(s), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(_arr(x.log_softmax(0)), [0.0, -1000.0, -2000.0])


def test_pow_with_scalar_and_tensor_exponents():
    x, b = _leaf([1.0, 2.0, 3.0]), _leaf([2.0, 0.5, 1.0])
    (x ** b).sum().backward()
    xv, bv = np.array([1.0, 2.0, 3.0]), np.array([2.0, 0.5, 1.0])
    np.testing.assert_allclose(_arr(x.grad), bv * xv ** (bv - 1), rtol=1e-15)
    np.testing.assert_allclose(_arr(b.grad), xv ** bv * np.log(xv), rtol=1e-15)
    x.grad = None
    ag.pow(x, 3).sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), 3 * xv ** 2)
    x.grad = None
    x.pow(-1).sum().backward()
    np.testing.assert_allclose(_arr(x.grad), -1 / xv ** 2, rtol=1e-15)
    x.grad = None
    (2.0 ** x).sum().backward()
    np.testing.assert_allclose(_arr(x.grad), 2.0 ** xv * np.log(2.0), rtol=1e-15)


def test_sqrt_values_and_gradient():
    x = _leaf([0.25, 4.0, 9.0])
    y = ag.sqrt(x)
    np.testing.assert_array_equal(_arr(y), [0.5, 2.0, 3.0])
    y.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [1.0, 0.25, 1 / 6])


def test_norm_default_and_dim():
    x = _leaf([3.0, 4.0])
    n = x.norm()
    assert n.item() == 5.0
    n.backward()
    np.testing.assert_allclose(_arr(x.grad), [0.6, 0.8], rtol=1e-15)
    m = _leaf([[3.0, 4.0], [6.0, 8.0]])
    nd = m.norm(dim=1)
    np.testing.assert_array_equal(_arr(nd), [5.0, 10.0])
    nd.sum().backward()
    np.testing.assert_allclose(_arr(m.grad), [[0.6, 0.8], [0.6, 0.8]], rtol=1e-15)
    assert ag.norm(m, dim=0, keepdim=True).shape == (1, 2)
    np.testing.assert_allclose(ag.norm(m).item(), np.sqrt(125.0), rtol=1e-15)


def test_norm_p1():
    x = _leaf([1.0, -2.0, 3.0])
    n = x.norm(p=1)
    assert n.item() == 6.0
    n.backward()
    np.testing.assert_array_equal(_arr(x.grad), [1.0, -1.0, 1.0])


def test_norm_gradient_at_zero_is_zero():
    x = ag.zeros(3, requires_grad=True)
    x.norm().backward()
    np.testing.assert_array_equal(_arr(x.grad), [0.0, 0.0, 0.0])


def test_where_gradients():
    x, y = _leaf([1.0, -2.0, 3.0]), _leaf([10.0, 20.0, 30.0])
    out = ag.where(x > 0, x * 2, y)
    np.testing.assert_array_equal(_arr(out), [2.0, 20.0, 6.0])
    out.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [2.0, 0.0, 2.0])
    np.testing.assert_array_equal(_arr(y.grad), [0.0, 1.0, 0.0])


def test_matmul_mm_dot_gradients():
    Av, Bv = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.5]])
    A, B = _leaf(Av), _leaf(Bv)
    G = np.arange(9.0).reshape(3, 3)
    (A.mm(B) * ag.tensor(G)).sum().backward()
    np.testing.assert_array_equal(_arr(A.grad), G @ Bv.T)
    np.testing.assert_array_equal(_arr(B.grad), Av.T @ G)
    u, v = _leaf([1.0, 2.0]), _leaf([3.0, -1.0])
    d = ag.dot(u, v)
    assert d.shape == () and d.item() == 1.0
    d.backward()
    np.testing.assert_array_equal(_arr(u.grad), [3.0, -1.0])
    np.testing.assert_array_equal(_arr(v.grad), [1.0, 2.0])
    A.grad = None
    (ag.matmul(A, u)).sum().backward()
    np.testing.assert_array_equal(_arr(A.grad), np.tile([1.0, 2.0], (3, 1)))


def test_batched_matmul_gradient():
    rng = np.random.default_rng(3)
    Xv, Wv = rng.standard_normal((4, 2, 3)), rng.standard_normal((3, 5))
    X, W = _leaf(Xv), _leaf(Wv)
    y = X @ W
    assert y.shape == (4, 2, 5)
    y.sum().backward()
    np.testing.assert_allclose(_arr(W.grad), Xv.sum((0, 1))[:, None] * np.ones((3, 5)), rtol=1e-13)
    np.testing.assert_allclose(_arr(X.grad), np.broadcast_to(Wv.sum(1), (4, 2, 3)), rtol=1e-13)


def test_linear_regression_tutorial_step():
    # y = X w + b, loss = mean((y - t)^2): dL/dw = 2/n X^T r, dL/db = 2/n sum(r)
    Xv = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]])
    tv = np.array([1.0, 2.0, 3.0, 5.0])
    w, b = _leaf([0.5, -0.25]), ag.tensor(0.1, requires_grad=True)
    loss = ((ag.tensor(Xv) @ w + b - ag.tensor(tv)) ** 2).mean()
    loss.backward()
    r = Xv @ np.array([0.5, -0.25]) + 0.1 - tv
    np.testing.assert_allclose(loss.item(), np.mean(r ** 2), rtol=1e-15)
    np.testing.assert_allclose(_arr(w.grad), 2 / 4 * Xv.T @ r, rtol=1e-14)
    np.testing.assert_allclose(b.grad.item(), 2 / 4 * r.sum(), rtol=1e-14)


# ---------------------------------------------------------------------------------------------------------------------
# unary methods: backward() against funcgrad.grad of the funcgrad.numpy function and the closed form
# ---------------------------------------------------------------------------------------------------------------------

UNARY = [
    # method, funcgrad.numpy function, domain, derivative
    ("sin", fnp.sin, (-3.0, 3.0), np.cos),
    ("cos", fnp.cos, (-3.0, 3.0), lambda v: -np.sin(v)),
    ("tan", fnp.tan, (-1.2, 1.2), lambda v: 1 / np.cos(v) ** 2),
    ("exp", fnp.exp, (-2.0, 2.0), np.exp),
    ("log", fnp.log, (0.1, 5.0), lambda v: 1 / v),
    ("sqrt", fnp.sqrt, (0.1, 5.0), lambda v: 0.5 / np.sqrt(v)),
    ("tanh", fnp.tanh, (-2.0, 2.0), lambda v: 1 - np.tanh(v) ** 2),
    ("abs", fnp.abs, (-2.0, 2.0), np.sign),
    ("log1p", fnp.log1p, (-0.9, 3.0), lambda v: 1 / (1 + v)),
    ("expm1", fnp.expm1, (-2.0, 2.0), np.exp),
    ("asin", fnp.arcsin, (-0.9, 0.9), lambda v: 1 / np.sqrt(1 - v ** 2)),
    ("acos", fnp.arccos, (-0.9, 0.9), lambda v: -1 / np.sqrt(1 - v ** 2)),
    ("atan", fnp.arctan, (-3.0, 3.0), lambda v: 1 / (1 + v ** 2)),
    ("sinh", fnp.sinh, (-2.0, 2.0), np.cosh),
    ("cosh", fnp.cosh, (-2.0, 2.0), np.sinh),
    ("sigmoid", lambda z: 1 / (1 + fnp.exp(-z)), (-4.0, 4.0),
     lambda v: np.exp(-v) / (1 + np.exp(-v)) ** 2),
    ("reciprocal", fnp.reciprocal, (0.2, 3.0), lambda v: -1 / v ** 2),
    ("square", fnp.square, (-3.0, 3.0), lambda v: 2 * v),
    ("log2", fnp.log2, (0.1, 5.0), lambda v: 1 / (v * np.log(2.0))),
    ("log10", fnp.log10, (0.1, 5.0), lambda v: 1 / (v * np.log(10.0))),
    ("exp2", fnp.exp2, (-2.0, 2.0), lambda v: np.exp2(v) * np.log(2.0)),
]
_UNARY_IDS = [u[0] for u in UNARY]


def _unary_input(name, domain):
    rng = np.random.default_rng(sum(map(ord, name)))
    return rng.uniform(*domain, size=(3, 4))


@pytest.mark.parametrize("name, fn, domain, deriv", UNARY, ids=_UNARY_IDS)
def test_unary_method_gradient(name, fn, domain, deriv):
    v = _unary_input(name, domain)
    x = _leaf(v)
    y = getattr(x, name)()
    np.testing.assert_allclose(_arr(y), np.asarray(fn(v)), rtol=1e-14)
    y.sum().backward()
    reference = np.asarray(fg.grad(lambda z: fn(z).sum())(v))
    np.testing.assert_allclose(_arr(x.grad), reference, rtol=1e-12)
    np.testing.assert_allclose(_arr(x.grad), deriv(v), rtol=1e-12)


@pytest.mark.parametrize("name, fn, domain, deriv", UNARY, ids=_UNARY_IDS)
def test_unary_method_second_derivative(name, fn, domain, deriv):
    v = _unary_input(name, domain)
    x = _leaf(v)
    (g,) = ag.grad(getattr(x, name)().sum(), x, create_graph=True)
    (h,) = ag.grad(g.sum(), x)
    reference = np.asarray(fg.grad(lambda z: fg.grad(lambda w: fn(w).sum())(z).sum())(v))
    np.testing.assert_allclose(_arr(h), reference, rtol=1e-12, atol=1e-14)


def test_relu_second_derivative_is_zero():
    x = _leaf([1.0, -2.0, 0.5])
    (g,) = ag.grad(x.relu().sum(), x, create_graph=True)
    assert g.requires_grad
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_array_equal(_arr(h), [0.0, 0.0, 0.0])


@pytest.mark.parametrize("name, fn, domain, deriv", UNARY, ids=_UNARY_IDS)
def test_unary_module_function(name, fn, domain, deriv):
    v = _unary_input(name, domain)
    x = _leaf(v)
    y = getattr(ag, name)(x)
    np.testing.assert_allclose(_arr(y), np.asarray(fn(v)), rtol=1e-14)
    y.sum().backward()
    np.testing.assert_allclose(_arr(x.grad), deriv(v), rtol=1e-12)


@pytest.mark.parametrize("name, fn, domain, deriv", UNARY, ids=_UNARY_IDS)
def test_unary_float32_gradient(name, fn, domain, deriv):
    v = _unary_input(name, domain).astype(np.float32)
    x = _leaf(v, dtype=ag.float32)
    y = getattr(x, name)()
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(_arr(x.grad), deriv(v.astype(np.float64)), rtol=2e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------------------------------
# ag.functional: torch.autograd.functional equivalents
# ---------------------------------------------------------------------------------------------------------------------

F = ag.functional
_FX = np.array([0.5, 1.0, 2.0])
_FY = np.array([1.0, 2.0])


def _f(x):
    return x ** 2 * x.sin()


def _df(v):
    return 2 * v * np.sin(v) + v ** 2 * np.cos(v)


def _d2f(v):
    return 2 * np.sin(v) + 4 * v * np.cos(v) - v ** 2 * np.sin(v)


def _g(x, y):
    return x * y.sum()


def _cube_sum(x):
    return (x ** 3).sum()


def _s2(x, y):
    return (x ** 2).sum() * y.sum()


@pytest.mark.parametrize("name, params", [
    ("jacobian", ["func", "inputs", "create_graph", "strict", "vectorize", "strategy"]),
    ("hessian", ["func", "inputs", "create_graph", "strict", "vectorize", "outer_jacobian_strategy"]),
    ("vjp", ["func", "inputs", "v", "create_graph", "strict"]),
    ("jvp", ["func", "inputs", "v", "create_graph", "strict"]),
    ("vhp", ["func", "inputs", "v", "create_graph", "strict"]),
    ("hvp", ["func", "inputs", "v", "create_graph", "strict"]),
])
def test_functional_signatures(name, params):
    sig = inspect.signature(getattr(F, name))
    assert list(sig.parameters) == params
    defaults = {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}
    expected = {"create_graph": False, "strict": False}
    if "v" in params:
        expected["v"] = None
    if "vectorize" in params:
        expected["vectorize"] = False
    if "strategy" in params:
        expected["strategy"] = "reverse-mode"
    if "outer_jacobian_strategy" in params:
        expected["outer_jacobian_strategy"] = "reverse-mode"
    assert defaults == expected


@pytest.mark.parametrize("strategy, vectorize", [("reverse-mode", False), ("forward-mode", True),
                                                 ("reverse-mode", True)])
def test_jacobian_single_input(strategy, vectorize):
    J = F.jacobian(_f, ag.tensor(_FX), strategy=strategy, vectorize=vectorize)
    assert isinstance(J, ag.Tensor) and J.shape == (3, 3) and not J.requires_grad
    np.testing.assert_allclose(_arr(J), np.diag(_df(_FX)), rtol=1e-14)


def test_jacobian_tuple_inputs_gives_tuple():
    J = F.jacobian(_g, (ag.tensor(_FX), ag.tensor(_FY)))
    assert isinstance(J, tuple) and len(J) == 2
    np.testing.assert_array_equal(_arr(J[0]), 3.0 * np.eye(3))
    np.testing.assert_array_equal(_arr(J[1]), np.tile(_FX[:, None], (1, 2)))


def test_jacobian_single_element_tuple_input_gives_tuple():
    J = F.jacobian(_f, (ag.tensor(_FX),))
    assert isinstance(J, tuple) and len(J) == 1
    np.testing.assert_allclose(_arr(J[0]), np.diag(_df(_FX)), rtol=1e-14)


def test_jacobian_tuple_outputs_and_inputs_gives_tuple_of_tuples():
    def h(x, y):
        return x * 2, (x * y.sum()).sum()

    J = F.jacobian(h, (ag.tensor(_FX), ag.tensor(_FY)))
    assert isinstance(J, tuple) and len(J) == 2
    assert all(isinstance(row, tuple) and len(row) == 2 for row in J)
    assert [[j.shape for j in row] for row in J] == [[(3, 3), (3, 2)], [(3,), (2,)]]
    np.testing.assert_array_equal(_arr(J[0][0]), 2 * np.eye(3))
    np.testing.assert_array_equal(_arr(J[0][1]), np.zeros((3, 2)))
    np.testing.assert_array_equal(_arr(J[1][0]), np.full(3, 3.0))
    np.testing.assert_array_equal(_arr(J[1][1]), np.full(2, _FX.sum()))


def test_jacobian_tuple_outputs_single_input():
    J = F.jacobian(lambda x: (x * 2, x.sum()), ag.tensor(_FX))
    assert isinstance(J, tuple) and len(J) == 2
    np.testing.assert_array_equal(_arr(J[0]), 2 * np.eye(3))
    np.testing.assert_array_equal(_arr(J[1]), np.ones(3))


def test_jacobian_of_matrix_function_shape():
    Wv = np.arange(6.0).reshape(2, 3)
    J = F.jacobian(lambda W: W @ ag.tensor(_FX), ag.tensor(Wv))
    assert J.shape == (2, 2, 3)
    expected = np.zeros((2, 2, 3))
    expected[0, 0], expected[1, 1] = _FX, _FX
    np.testing.assert_array_equal(_arr(J), expected)


def test_jacobian_create_graph_is_differentiable():
    x = _leaf(_FX)
    J = F.jacobian(_f, x, create_graph=True)
    assert J.requires_grad
    np.testing.assert_allclose(_arr(J), np.diag(_df(_FX)), rtol=1e-14)
    J.sum().backward()
    np.testing.assert_allclose(_arr(x.grad), _d2f(_FX), rtol=1e-12)


def test_jacobian_without_create_graph_does_not_require_grad():
    x = _leaf(_FX)
    J = F.jacobian(_f, x)
    assert not J.requires_grad and J.grad_fn is None
    assert x.grad is None


def test_jacobian_of_output_independent_of_input():
    J = F.jacobian(lambda x: ag.ones(2), ag.tensor(_FX))
    np.testing.assert_array_equal(_arr(J), np.zeros((2, 3)))


def test_jacobian_strict_raises_for_independent_output():
    with pytest.raises(RuntimeError, match="does not require gradients"):
        F.jacobian(lambda x: ag.ones(2), ag.tensor(_FX), strict=True)


def test_hessian_single_input():
    H = F.hessian(_cube_sum, ag.tensor(_FX))
    assert isinstance(H, ag.Tensor) and H.shape == (3, 3)
    np.testing.assert_array_equal(_arr(H), np.diag(6 * _FX))


def test_hessian_of_quadratic_form():
    Av = np.array([[2.0, 1.0], [1.0, 3.0]])
    H = F.hessian(lambda x: x @ ag.tensor(Av) @ x, ag.tensor(_FY))
    np.testing.assert_array_equal(_arr(H), 2 * Av)


def test_hessian_tuple_inputs_gives_tuple_of_tuples():
    H = F.hessian(_s2, (ag.tensor(_FX), ag.tensor(_FY)))
    assert isinstance(H, tuple) and len(H) == 2 and all(isinstance(r, tuple) and len(r) == 2 for r in H)
    assert [[h.shape for h in r] for r in H] == [[(3, 3), (3, 2)], [(2, 3), (2, 2)]]
    np.testing.assert_array_equal(_arr(H[0][0]), 2 * _FY.sum() * np.eye(3))
    np.testing.assert_array_equal(_arr(H[0][1]), np.tile(2 * _FX[:, None], (1, 2)))
    np.testing.assert_array_equal(_arr(H[1][0]), np.tile(2 * _FX, (2, 1)))
    np.testing.assert_array_equal(_arr(H[1][1]), np.zeros((2, 2)))


def test_hessian_create_graph_is_differentiable():
    x = _leaf(_FX)
    H = F.hessian(_cube_sum, x, create_graph=True)
    assert H.requires_grad
    H.sum().backward()
    np.testing.assert_array_equal(_arr(x.grad), [6.0, 6.0, 6.0])


def test_vjp():
    out, v = F.vjp(_f, ag.tensor(_FX), ag.ones(3))
    assert isinstance(out, ag.Tensor) and isinstance(v, ag.Tensor)
    np.testing.assert_allclose(_arr(out), _FX ** 2 * np.sin(_FX), rtol=1e-15)
    np.testing.assert_allclose(_arr(v), _df(_FX), rtol=1e-14)
    out, v = F.vjp(_f, ag.tensor(_FX), ag.tensor([1.0, -2.0, 0.5]))
    np.testing.assert_allclose(_arr(v), np.array([1.0, -2.0, 0.5]) * _df(_FX), rtol=1e-14)


def test_vjp_scalar_output_without_v():
    out, v = F.vjp(_cube_sum, ag.tensor(_FX))
    assert out.item() == 9.125
    np.testing.assert_array_equal(_arr(v), 3 * _FX ** 2)


def test_vjp_without_v_for_nonscalar_raises():
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided function returns"):
        F.vjp(_f, ag.tensor(_FX))


def test_vjp_with_wrong_v_size_raises():
    with pytest.raises(RuntimeError, match="v has invalid size"):
        F.vjp(lambda x: x * 2, ag.tensor(_FX), ag.ones(2))


def test_vjp_tuple_inputs_gives_tuple():
    out, v = F.vjp(_g, (ag.tensor(_FX), ag.tensor(_FY)), ag.ones(3))
    assert isinstance(v, tuple) and len(v) == 2
    np.testing.assert_array_equal(_arr(v[0]), [3.0, 3.0, 3.0])
    np.testing.assert_array_equal(_arr(v[1]), [3.5, 3.5])


def test_vjp_create_graph():
    x = _leaf(_FX)
    _, v = F.vjp(_f, x, ag.ones(3), create_graph=True)
    assert v.requires_grad
    v.sum().backward()
    np.testing.assert_allclose(_arr(x.grad), _d2f(_FX), rtol=1e-12)


def test_jvp():
    out, t = F.jvp(_f, ag.tensor(_FX), ag.ones(3))
    np.testing.assert_allclose(_arr(out), _FX ** 2 * np.sin(_FX), rtol=1e-15)
    np.testing.assert_allclose(_arr(t), _df(_FX), rtol=1e-14)


def test_jvp_without_v_for_multi_element_input_raises():
    with pytest.raises(RuntimeError, match="The vector v can only be None if the input to the user-provided"):
        F.jvp(_f, ag.tensor(_FX))


def test_jvp_scalar_input_without_v():
    out, t = F.jvp(lambda x: x ** 3, ag.tensor(2.0))
    assert out.item() == 8.0 and t.item() == 12.0


def test_jvp_tuple_inputs_single_output():
    out, t = F.jvp(_g, (ag.tensor(_FX), ag.tensor(_FY)), (ag.ones(3), ag.ones(2)))
    assert isinstance(t, ag.Tensor)
    np.testing.assert_array_equal(_arr(t), [4.0, 5.0, 7.0])


def test_hvp_and_vhp():
    for fn in (F.hvp, F.vhp):
        out, p = fn(_cube_sum, ag.tensor(_FX), ag.tensor([1.0, -1.0, 2.0]))
        assert out.item() == 9.125
        np.testing.assert_array_equal(_arr(p), 6 * _FX * np.array([1.0, -1.0, 2.0]))


def test_hvp_vhp_tuple_inputs():
    for fn in (F.hvp, F.vhp):
        out, p = fn(_s2, (ag.tensor(_FX), ag.tensor(_FY)), (ag.ones(3), ag.ones(2)))
        assert out.item() == (_FX ** 2).sum() * 3
        assert isinstance(p, tuple) and len(p) == 2
        np.testing.assert_array_equal(_arr(p[0]), [8.0, 10.0, 14.0])
        np.testing.assert_array_equal(_arr(p[1]), [7.0, 7.0])


def test_hvp_equals_vhp_for_symmetric_hessian():
    # f(x) = x0^2 x1: H = [[2 x1, 2 x0], [2 x0, 0]]
    f = lambda x: x[0] ** 2 * x[1]
    x, v = ag.tensor([1.5, -2.0]), ag.tensor([1.0, 3.0])
    _, hv = F.hvp(f, x, v)
    _, vh = F.vhp(f, x, v)
    np.testing.assert_array_equal(_arr(hv), [-4.0 + 9.0, 3.0])
    np.testing.assert_array_equal(_arr(vh), _arr(hv))


def test_hvp_of_nonscalar_function_raises():
    with pytest.raises(RuntimeError, match="should contain a single element"):
        F.hvp(_f, ag.tensor(_FX), ag.ones(3))


def test_hvp_without_v_for_multi_element_input_raises():
    with pytest.raises(RuntimeError, match="The vector v can only be None if the input to the user-provided"):
        F.hvp(_cube_sum, ag.tensor(_FX))


def test_functional_results_are_tensors_without_history():
    x = _leaf(_FX)
    for out in (F.vjp(_f, x, ag.ones(3)), F.jvp(_f, x, ag.ones(3)), F.hvp(_cube_sum, x, ag.ones(3))):
        for t in out:
            assert isinstance(t, ag.Tensor) and not t.requires_grad
    assert x.grad is None


# ----------------------------------------------------------------------------- primitives with several outputs


def test_several_outputs_record_one_node_per_call():
    a = np.random.default_rng(0).standard_normal((4, 4))
    a = a + a.T
    x = ag.tensor(a, requires_grad=True)
    w, v = np.linalg.eigh(x)
    assert w.requires_grad and v.requires_grad and not w.is_leaf
    assert w.grad_fn.name() == v.grad_fn.name() == "LinalgEighBackward0"
    loss = (v[:, 0] ** 4).sum() + (w ** 2).sum()
    (g,) = ag.grad(loss, x, create_graph=True)

    def f(m):
        w, v = np.linalg.eigh(m)
        return np.sum(v[:, 0] ** 4) + np.sum(w ** 2)

    np.testing.assert_allclose(g.detach().numpy(), fg.grad(f)(a), rtol=1e-10, atol=1e-12)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), fg.grad(lambda m: np.sum(fg.grad(f)(m)))(a), rtol=1e-8, atol=1e-10)
    with ag.no_grad():
        w2, _ = np.linalg.eigh(x)
    assert not w2.requires_grad and w2.grad_fn is None


def test_create_graph_through_control_flow_and_custom_rules():
    f = lambda v: fg.while_loop(lambda u: u.sum() < 10, lambda u: u * 1.5, v).sum() ** 2
    x0 = np.array([0.5, 1.0])
    h = ag.functional.hessian(f, ag.tensor(x0), create_graph=True)
    np.testing.assert_allclose(h.numpy(), fg.hessian(f)(x0))

    @fg.custom_vjp
    def softplus(x):
        return np.log1p(np.exp(x))

    softplus.defvjp(lambda x: (softplus(x), x), lambda x, g: (g / (1 + np.exp(-x)),))
    x = ag.tensor(np.array([0.3, -0.2]), requires_grad=True)
    (g,) = ag.grad((softplus(x) ** 2).sum(), x, create_graph=True)
    second = fg.grad(lambda w: np.sum(fg.grad(lambda v: np.sum(softplus(v) ** 2))(w)))(x.detach().numpy())
    np.testing.assert_allclose(ag.grad(g.sum(), x)[0].numpy(), second)


def test_reflected_operators_record_the_tensor_first():
    b = ag.tensor([1.0, 2.0], requires_grad=True).sin()
    for y in (2 * b, 2 + b):
        assert [None if f is None else f.name() for f, _ in y.grad_fn.next_functions] == ["SinBackward0", None]
