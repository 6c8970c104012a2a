"""The benchmark workloads compute what they claim: funcgrad's result equals the
hand-written NumPy derivative each peer is compared against (small sizes)."""

import numpy as np
import pytest

from benchmarks import harness, workloads


def _run(workload, task, lib):
    out = workload.tasks[task][lib]()
    if lib == "funcgrad.jit":  # a peer's function bound by mistake would return its own array type
        from funcgrad import tree

        assert all(isinstance(x, np.ndarray | np.generic) for x in tree.leaves(out)), type(out)
    return out


@pytest.mark.parametrize("lib", ["funcgrad", "funcgrad.jit"])
def test_small_grad_agrees_with_hand_written_numpy(lib):
    w = workloads.small_grad()
    (task,) = w.tasks
    np.testing.assert_allclose(_run(w, task, lib), _run(w, task, "numpy")[1], rtol=1e-14)


def test_tensor_ops_hand_written_cycle_is_the_derivative():
    w = workloads.tensor_ops()
    x = np.array([0.1, 0.2, 0.3])
    grad, value = w.tasks["(x*2).sin().sum().backward()"]["numpy"]()
    np.testing.assert_allclose(grad, 2 * np.cos(2 * x), rtol=1e-15)
    assert value == pytest.approx(np.sin(2 * x).sum(), rel=1e-15)
    assert set(w.tasks) == {"x * 2.0", "x + y", "x.sin()", "x.sum()", "(x*2).sin().sum().backward()"}


@pytest.mark.parametrize("lib", ["funcgrad", "funcgrad.jit"])
def test_elementwise_grad_agrees_with_hand_written_numpy(lib):
    w = workloads.elementwise_grad(sizes=(1000,))
    (task,) = w.tasks
    np.testing.assert_allclose(_run(w, task, lib), _run(w, task, "numpy"), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("lib", ["funcgrad", "funcgrad.jit"])
def test_mlp_agrees_with_hand_written_backprop(lib):
    w = workloads.mlp(batch=8, sizes=(6, 5, 4, 3))
    (task,) = w.tasks
    value, grads = _run(w, task, lib)
    hand_value, hand_grads = _run(w, task, "numpy")
    np.testing.assert_allclose(value, hand_value, rtol=1e-6)
    assert set(grads) == set(hand_grads)
    for k in grads:
        assert grads[k].dtype == np.float32
        np.testing.assert_allclose(grads[k], hand_grads[k], rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(_run(w, task, "funcgrad.autograd").item(), hand_value, rtol=1e-6)


@pytest.mark.parametrize("lib", ["funcgrad", "funcgrad.jit"])
def test_rosenbrock_hessian_agrees_with_the_closed_form(lib):
    w = workloads.rosenbrock_hessian(sizes=(7,))
    (task,) = w.tasks
    np.testing.assert_allclose(_run(w, task, lib), _run(w, task, "numpy"), rtol=1e-13, atol=1e-12)


@pytest.mark.parametrize("lib", ["funcgrad", "funcgrad.jit"])
@pytest.mark.parametrize("mode", ["jacrev", "jacfwd"])
def test_jacobian_agrees_with_the_closed_form(mode, lib):
    w = workloads.jacobian(n=16)
    task = f"{mode}, n = 16"
    np.testing.assert_allclose(_run(w, task, lib), _run(w, task, "numpy"), rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("lib", ["funcgrad", "funcgrad.jit"])
def test_fourth_derivative_agrees_with_the_closed_form(lib):
    w = workloads.fourth_derivative()
    (task,) = w.tasks
    np.testing.assert_allclose(_run(w, task, lib), _run(w, task, "numpy"), rtol=1e-13)


def test_tensor_ops_jitted_equivalents_compute_the_same():
    w = workloads.tensor_ops()
    for task, row in w.tasks.items():
        if task != "(x*2).sin().sum().backward()":
            np.testing.assert_allclose(row["funcgrad.jit"](), row["numpy"](), rtol=1e-15)
    grad, _ = w.tasks["(x*2).sin().sum().backward()"]["numpy"]()
    np.testing.assert_allclose(w.tasks["(x*2).sin().sum().backward()"]["funcgrad.jit"](), grad, rtol=1e-15)


def test_measure_interleaves_and_reports_every_case():
    calls = []
    times = harness.measure({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, rounds=3, budget=1e-4)
    assert set(times) == {"a", "b"} and all(t > 0 for t in times.values())
    assert calls[-1] == "b" and calls.count("a") >= 5 and calls.count("b") >= 5


def test_format_time():
    assert harness.format_time(2.5e-6) == "2.5 µs"
    assert harness.format_time(0.0123) == "12.3 ms"
    assert harness.format_time(3.0) == "3 s"
