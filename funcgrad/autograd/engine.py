"""``backward`` and ``grad``: PyTorch's entry points to the reverse pass."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from funcgrad.autograd.graph import accumulate_leaf_grads, run_backward
from funcgrad.autograd.tensor import Tensor


def _as_list(x) -> list:
    if x is None:
        return []
    return list(x) if isinstance(x, tuple | list) else [x]


def _seed(outputs: list, grads: list, create_graph: bool) -> list:
    if not grads:
        grads = [None] * len(outputs)
    if len(grads) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs; got {len(grads)} gradients "
                           f"for {len(outputs)} outputs")
    seeds = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not isinstance(out, Tensor) or not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out._value.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = np.ones(out.shape, out.dtype)
        elif isinstance(g, Tensor):
            g = g if create_graph else g._value
        else:
            g = np.asarray(g, dtype=out.dtype)
        if tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of {list(g.shape)} and output[{i}] "
                               f"has a shape of {list(out.shape)}.")
        if create_graph and not isinstance(g, Tensor):
            g = Tensor(g)
        seeds.append(g)
    return seeds


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of the graph's leaves.

        >>> from funcgrad import autograd as ag
        >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
        >>> ag.backward((x * x).sum())
        >>> x.grad
        tensor([2., 4.])
    """
    outputs = _as_list(tensors)
    grads = _as_list(grad_tensors) if isinstance(grad_tensors, tuple | list) else (
        [grad_tensors] if grad_tensors is not None else [])
    seeds = _seed(outputs, grads, create_graph)
    retain = create_graph if retain_graph is None else retain_graph
    wanted = _as_list(inputs)
    capture = {t.grad_fn: None for t in wanted if t.grad_fn is not None}
    cts = run_backward([o._key() for o in outputs], seeds, retain, create_graph, capture)
    if wanted:
        keys = {id(t._key()) for t in wanted}
        cts = {k: v for k, v in cts.items() if id(k) in keys}
        for t in wanted:
            if t.grad_fn is not None and capture.get(t.grad_fn) is not None:
                from funcgrad.autograd.graph import _store_grad

                _store_grad(t, capture[t.grad_fn], create_graph)
    accumulate_leaf_grads(cts, create_graph)


def grad(outputs: Any, inputs: Any, grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = False) -> tuple:
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``.

        >>> from funcgrad import autograd as ag
        >>> x = ag.tensor(3.0, requires_grad=True)
        >>> (dy,) = ag.grad(x ** 3, x, create_graph=True)
        >>> dy, ag.grad(dy, x)[0]
        (tensor(27., grad_fn=<MulBackward0>), tensor(18.))
    """
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    grads = _as_list(grad_outputs) if isinstance(grad_outputs, tuple | list) else (
        [grad_outputs] if grad_outputs is not None else [])
    seeds = _seed(outs, grads, create_graph)
    for t in ins:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    retain = create_graph if retain_graph is None else retain_graph
    capture = {t.grad_fn: None for t in ins if t.grad_fn is not None}
    cts = run_backward([o._key() for o in outs], seeds, retain, create_graph, capture)
    result = []
    for t in ins:
        g = capture.get(t.grad_fn) if t.grad_fn is not None else cts.get(t._key())
        if g is None:
            if not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the graph. "
                                   "Set allow_unused=True if this is the desired behavior.")
            result.append(None)
            continue
        if not isinstance(g, Tensor):
            g = Tensor(np.asarray(g, dtype=t.dtype))
        result.append(g)
    return tuple(result)
