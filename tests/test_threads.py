"""Threads: transforms running at once give the serial results; trace and grad-mode state stay per thread."""

import threading

import numpy as np

import funcgrad as fg
import funcgrad.autograd as ag

THREADS, CALLS = 8, 200


def _tasks():
    """One task per thread: a different function, transform and input shape each."""
    def f(x):
        return np.sum(np.tanh(x) * np.exp(-x * x))

    def g(x):
        return np.sum(np.sin(x) ** 2 + x ** 3) / x.size

    def cf(x):
        return fg.cond(np.sum(x) > 0, lambda x: np.sum(x ** 2), lambda x: np.sum(np.cos(x)), x)

    jit_grad_f, jit_grad_cf = fg.jit(fg.grad(f)), fg.jit(fg.grad(cf))
    rng = np.random.default_rng(0)
    return [
        (fg.grad(f), rng.standard_normal(5)),
        (fg.hessian(g), rng.standard_normal(4)),
        (fg.vmap(fg.grad(f)), rng.standard_normal((3, 6))),
        (jit_grad_f, rng.standard_normal(7)),
        (fg.jacfwd(lambda x: np.sin(x) * x[::-1]), rng.standard_normal(5)),
        (jit_grad_cf, rng.standard_normal(3)),
        (fg.jit(fg.hessian(g)), rng.standard_normal(2)),
        (fg.jacrev(lambda x: np.cumsum(x) * np.tanh(x)), rng.standard_normal(6)),
    ]


def test_eight_threads_of_transforms_give_exactly_the_serial_results():
    serial = [[fn(x) for _ in range(CALLS)] for fn, x in _tasks()]  # fresh jit caches: the same tiers call by call
    tasks = _tasks()
    results: list = [None] * THREADS
    errors: list = []
    start = threading.Barrier(THREADS)

    def work(k):
        fn, x = tasks[k]
        try:
            start.wait()
            outs = [fn(x) for _ in range(CALLS)]
            results[k] = outs
        except Exception as err:  # noqa: BLE001  (reported below)
            errors.append((k, err))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for k in range(THREADS):
        for out, want in zip(results[k], serial[k], strict=True):
            np.testing.assert_array_equal(out, want)


def test_no_grad_and_traces_do_not_leak_between_threads():
    inside = threading.Event()
    leave = threading.Event()
    seen = {}

    def quiet():
        with ag.no_grad():
            seen["quiet"] = ag.is_grad_enabled()
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=quiet)
    t.start()
    inside.wait(10)
    try:
        assert ag.is_grad_enabled()
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        assert y.requires_grad and y.grad_fn is not None
        y.backward()
        np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
        assert fg.grad(lambda v: v ** 3)(2.0) == 12.0
    finally:
        leave.set()
        t.join()
    assert seen["quiet"] is False


def test_a_tracer_does_not_cross_into_another_thread():
    """Each thread has its own trace stack: a tracer handed to another thread is refused there."""
    box = {}

    def inner():
        try:
            box["out"] = fg.grad(lambda v: v * box["w"])(3.0)
        except fg.UnexpectedTracerError as err:
            box["err"] = err

    def outer(w):
        box["w"] = w  # a tracer of this thread's grad
        t = threading.Thread(target=inner)
        t.start()
        t.join()
        return w * 2.0

    assert fg.grad(outer)(5.0) == 2.0
    assert "out" not in box and "after the transform that created it" in str(box["err"])
