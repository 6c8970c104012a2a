"""Memory stays bounded over many calls: transforms keep nothing per call, the jit cache is bounded."""

import gc
import tracemalloc

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.autograd as ag


def f(x):
    return np.sum(np.tanh(x) * np.exp(-x * x) + x[0])


SHAPES = [(n,) for n in range(2, 22)]
INPUTS = [np.linspace(-1, 1, s[0]) for s in SHAPES]


def _growth(step, warm: int, calls: int) -> int:
    """Bytes still allocated after ``calls`` more calls of ``step(i)``, past a warm-up of ``warm``."""
    for i in range(warm):
        step(i)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(calls):
            step(warm + i)
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("jit", [False, True], ids=["grad", "jit(grad)"])
def test_many_gradient_calls_over_varying_shapes_keep_memory_bounded(jit, monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "never")
    g = fg.jit(fg.grad(f)) if jit else fg.grad(f)
    assert _growth(lambda i: g(INPUTS[i % len(INPUTS)]), warm=200, calls=2000) < 200_000


def test_the_jit_cache_is_bounded_by_its_size(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "never")
    g = fg.jit(fg.grad(f), cache_size=8)
    shapes = [np.ones(n) for n in range(2, 120)]
    growth = _growth(lambda i: g(shapes[i % len(shapes)]), warm=len(shapes), calls=2 * len(shapes))
    assert g.cache_info().currsize == 8
    assert growth < 400_000


def test_backward_frees_the_graph_unless_retained():
    def step(i):
        x = ag.tensor(INPUTS[i % len(INPUTS)], requires_grad=True)
        loss = (x.tanh() * x).sum()
        loss.backward()
        return x.grad

    assert _growth(step, warm=200, calls=2000) < 200_000
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()  # the retained graph runs again, then is freed
    np.testing.assert_allclose(x.grad.numpy(), 2 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0]))))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()
