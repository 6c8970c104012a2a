"""PyTorch's tensor semantics, exactly: which operations return a new tensor, with what requires_grad,
grad_fn and is_leaf, inside and outside no_grad (the spec below is PyTorch 2.13's behaviour)."""

import numpy as np
import pytest

import funcgrad.autograd as ag


def _operands(T, **kw):
    s = T.tensor(2.0, requires_grad=True, **kw)
    x = T.tensor([1.0, 2.0], requires_grad=True, **kw)
    m = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, **kw)
    return s, x, m


def _ops(s, x, m):
    return dict([
        ('s.mean', lambda: s.mean()),
        ('s.sum', lambda: s.sum()),
        ('x.T', lambda: x.T),
        ('x.reshape', lambda: x.reshape(x.shape)),
        ('x.view', lambda: x.view(x.shape)),
        ('x.squeeze', lambda: x.squeeze()),
        ('x.flatten', lambda: x.flatten()),
        ('s.flatten', lambda: s.flatten()),
        ('x.contiguous', lambda: x.contiguous()),
        ('x.to', lambda: x.to(x.dtype)),
        ('x.double', lambda: x.double()),
        ('x.permute', lambda: x.permute(0)),
        ('x.expand', lambda: x.expand(2)),
        ('x[...]', lambda: x[...]),
        ('x[:]', lambda: x[:]),
        ('x.ravel', lambda: x.ravel()),
        ('unsq.squeeze(0)', lambda: x.unsqueeze(0).squeeze(0)),
        ('x.t', lambda: x.t()),
        ('s.t', lambda: s.t()),
        ('x.reshape(-1)', lambda: x.reshape(-1)),
        ('x.view_as', lambda: x.view_as(x)),
        ('x.expand_as', lambda: x.expand_as(x)),
        ('x.type_as', lambda: x.type_as(x)),
        ('x.detach', lambda: x.detach()),
        ('x*1', lambda: x*1),
        ('x.clone', lambda: x.clone()),
       ('m.T', lambda: m.T),
        ('m.t', lambda: m.t()),
        ('m.transpose', lambda: m.transpose(0, 1)),
        ('m[0]', lambda: m[0]),
        ('m[:,1]', lambda: m[:, 1]),
        ('m.reshape(4)', lambda: m.reshape(4)),
        ('m.flatten', lambda: m.flatten()),
        ('m.unsqueeze', lambda: m.unsqueeze(0)),
        ('m.sum(0)', lambda: m.sum(0)),
        ('m.mean()', lambda: m.mean()),
        ('m.sum()', lambda: m.sum()),
        ('m.squeeze(0)', lambda: m.squeeze(0)),
        ('x.squeeze(0)', lambda: x.squeeze(0)),
        ('m.permute', lambda: m.permute(1, 0)),
        ('m.view(2,2)', lambda: m.view(2, 2)),
    ])


# (mode, operation, returns its input, requires_grad, grad_fn, is_leaf)
SPEC = [
    ('grad', 's.mean', False, True, 'MeanBackward0', False),
    ('grad', 's.sum', False, True, 'SumBackward0', False),
    ('grad', 'x.T', False, True, 'PermuteBackward0', False),
    ('grad', 'x.reshape', False, True, 'ViewBackward0', False),
    ('grad', 'x.view', False, True, 'ViewBackward0', False),
    ('grad', 'x.squeeze', False, True, 'SqueezeBackward0', False),
    ('grad', 'x.flatten', True, True, None, True),
    ('grad', 's.flatten', False, True, 'ViewBackward0', False),
    ('grad', 'x.contiguous', True, True, None, True),
    ('grad', 'x.to', True, True, None, True),
    ('grad', 'x.double', True, True, None, True),
    ('grad', 'x.permute', False, True, 'PermuteBackward0', False),
    ('grad', 'x.expand', False, True, 'ExpandBackward0', False),
    ('grad', 'x[...]', False, True, 'AliasBackward0', False),
    ('grad', 'x[:]', False, True, 'SliceBackward0', False),
    ('grad', 'x.ravel', False, True, 'ViewBackward0', False),
    ('grad', 'unsq.squeeze(0)', False, True, 'SqueezeBackward1', False),
    ('grad', 'x.t', False, True, 'TBackward0', False),
    ('grad', 's.t', False, True, 'TBackward0', False),
    ('grad', 'x.reshape(-1)', False, True, 'ViewBackward0', False),
    ('grad', 'x.view_as', False, True, 'ViewBackward0', False),
    ('grad', 'x.expand_as', False, True, 'ExpandBackward0', False),
    ('grad', 'x.type_as', True, True, None, True),
    ('grad', 'x.detach', False, False, None, True),
    ('grad', 'x*1', False, True, 'MulBackward0', False),
    ('grad', 'x.clone', False, True, 'CloneBackward0', False),
    ('grad', 'm.T', False, True, 'PermuteBackward0', False),
    ('grad', 'm.t', False, True, 'TBackward0', False),
    ('grad', 'm.transpose', False, True, 'TransposeBackward0', False),
    ('grad', 'm[0]', False, True, 'SelectBackward0', False),
    ('grad', 'm[:,1]', False, True, 'SelectBackward0', False),
    ('grad', 'm.reshape(4)', False, True, 'ViewBackward0', False),
    ('grad', 'm.flatten', False, True, 'ViewBackward0', False),
    ('grad', 'm.unsqueeze', False, True, 'UnsqueezeBackward0', False),
    ('grad', 'm.sum(0)', False, True, 'SumBackward1', False),
    ('grad', 'm.mean()', False, True, 'MeanBackward0', False),
    ('grad', 'm.sum()', False, True, 'SumBackward0', False),
    ('grad', 'm.squeeze(0)', False, True, 'SqueezeBackward1', False),
    ('grad', 'x.squeeze(0)', False, True, 'SqueezeBackward1', False),
    ('grad', 'm.permute', False, True, 'PermuteBackward0', False),
    ('grad', 'm.view(2,2)', False, True, 'ViewBackward0', False),
    ('no_grad', 's.mean', False, False, None, True),
    ('no_grad', 's.sum', False, False, None, True),
    ('no_grad', 'x.T', False, True, None, True),
    ('no_grad', 'x.reshape', False, True, None, True),
    ('no_grad', 'x.view', False, True, None, True),
    ('no_grad', 'x.squeeze', False, True, None, True),
    ('no_grad', 'x.flatten', True, True, None, True),
    ('no_grad', 's.flatten', False, True, None, True),
    ('no_grad', 'x.contiguous', True, True, None, True),
    ('no_grad', 'x.to', True, True, None, True),
    ('no_grad', 'x.double', True, True, None, True),
    ('no_grad', 'x.permute', False, True, None, True),
    ('no_grad', 'x.expand', False, True, None, True),
    ('no_grad', 'x[...]', False, True, None, True),
    ('no_grad', 'x[:]', False, True, None, True),
    ('no_grad', 'x.ravel', False, True, None, True),
    ('no_grad', 'unsq.squeeze(0)', False, True, None, True),
    ('no_grad', 'x.t', False, True, None, True),
    ('no_grad', 's.t', False, True, None, True),
    ('no_grad', 'x.reshape(-1)', False, True, None, True),
    ('no_grad', 'x.view_as', False, True, None, True),
    ('no_grad', 'x.expand_as', False, True, None, True),
    ('no_grad', 'x.type_as', True, True, None, True),
    ('no_grad', 'x.detach', False, False, None, True),
    ('no_grad', 'x*1', False, False, None, True),
    ('no_grad', 'x.clone', False, False, None, True),
    ('no_grad', 'm.T', False, True, None, True),
    ('no_grad', 'm.t', False, True, None, True),
    ('no_grad', 'm.transpose', False, True, None, True),
    ('no_grad', 'm[0]', False, True, None, True),
    ('no_grad', 'm[:,1]', False, True, None, True),
    ('no_grad', 'm.reshape(4)', False, True, None, True),
    ('no_grad', 'm.flatten', False, True, None, True),
    ('no_grad', 'm.unsqueeze', False, True, None, True),
    ('no_grad', 'm.sum(0)', False, False, None, True),
    ('no_grad', 'm.mean()', False, False, None, True),
    ('no_grad', 'm.sum()', False, False, None, True),
    ('no_grad', 'm.squeeze(0)', False, True, None, True),
    ('no_grad', 'x.squeeze(0)', False, True, None, True),
    ('no_grad', 'm.permute', False, True, None, True),
    ('no_grad', 'm.view(2,2)', False, True, None, True),
]


@pytest.mark.parametrize(("mode", "name", "is_input", "requires_grad", "grad_fn", "is_leaf"), SPEC,
                         ids=[f"{r[0]}-{r[1]}" for r in SPEC])
def test_tensor_operation_semantics_match_pytorch(mode, name, is_input, requires_grad, grad_fn, is_leaf):
    s, x, m = _operands(ag)
    op = _ops(s, x, m)[name]
    with ag.no_grad() if mode == "no_grad" else ag.enable_grad():
        y = op()
    assert (y is s or y is x or y is m) == is_input
    assert y.requires_grad == requires_grad
    assert (y.grad_fn.name() if y.grad_fn is not None else None) == grad_fn
    assert y.is_leaf == is_leaf


def test_no_tensor_operation_returns_its_input_except_where_pytorch_does():
    s, x, m = _operands(ag)
    same = {name for mode, name, is_input, *_ in SPEC if is_input}
    assert same == {"x.flatten", "x.contiguous", "x.to", "x.double", "x.type_as"}
    for name, op in _ops(s, x, m).items():
        if name not in same:
            y = op()
            assert y is not s and y is not x and y is not m, name


def test_backward_of_a_reduction_made_under_no_grad_raises_as_in_pytorch():
    s = ag.tensor(2.0, requires_grad=True)
    with ag.no_grad():
        total = s.sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        total.backward()
    y = s.sum() * 3
    y.backward()
    assert s.grad.item() == 3.0


def test_gradients_flow_through_the_new_identity_views():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x.reshape(x.shape) * x.T * x[...]).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 3 * np.array([1.0, 2.0]) ** 2)


@pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch deprecates x.T on 1-D tensors
def test_against_pytorch_itself_when_installed():
    torch = pytest.importorskip("torch")
    s, x, m = _operands(torch, dtype=torch.float64)
    ops = _ops(s, x, m)
    for mode, name, is_input, requires_grad, grad_fn, is_leaf in SPEC:
        with torch.no_grad() if mode == "no_grad" else torch.enable_grad():
            y = ops[name]()
        got = ((y is s or y is x or y is m), y.requires_grad,
               type(y.grad_fn).__name__ if y.grad_fn is not None else None, y.is_leaf)
        assert got == (is_input, requires_grad, grad_fn, is_leaf), (mode, name)


@pytest.mark.parametrize("quiet", [False, True], ids=["grad", "no_grad"])
def test_a_clone_owns_its_memory(quiet):
    """Found by the imperative fuzzer: an in-place update of a clone changed the original."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    with ag.no_grad() if quiet else ag.enable_grad():
        c = y.clone()
        c.add_(5.0)
    np.testing.assert_array_equal(y.detach().numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(c.detach().numpy(), [6.0, 7.0])
    if not quiet:
        (y * c).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), [7.0, 9.0])
