"""Jacobians, Hessians, hvp/vhp, vmap compositions, and the IR passes."""

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backends.interpreter import eval_ir

rng = np.random.default_rng(7)

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit
TRANSFORM_MODES = ("eager", "jit", "numba")  # and with numba kernels forced everywhere


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_hessian(x):
    n = len(x)
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2
        h[i + 1, i + 1] += 200
        h[i, i + 1] = h[i + 1, i] = -400 * x[i]
    return h


def test_jacobian_of_tanh_W_x_times_x_closed_form():
    W = rng.standard_normal((4, 4))
    x = rng.standard_normal(4)
    f = lambda x: np.tanh(W @ x) * x
    t = np.tanh(W @ x)
    closed = np.diag(t) + (x * (1 - t ** 2))[:, None] * W
    for jac in (fg.jacrev, fg.jacfwd, fg.jacobian):
        np.testing.assert_allclose(jac(f)(x), closed, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("n", [2, 5, 100])
def test_hessian_of_rosenbrock_matches_analytic(n):
    x = rng.uniform(-1.5, 1.5, n)
    np.testing.assert_allclose(fg.hessian(rosenbrock)(x), rosenbrock_hessian(x), rtol=1e-12, atol=1e-9)


def test_hessian_compositions_agree():
    f = lambda x: np.sum(np.sin(x) * np.exp(x[::-1]) + x ** 3)
    x = rng.standard_normal(5)
    h = fg.hessian(f)(x)
    np.testing.assert_allclose(fg.jacfwd(fg.jacrev(f))(x), h, rtol=1e-12)
    np.testing.assert_allclose(fg.jacrev(fg.jacfwd(f))(x), h, rtol=1e-12)
    np.testing.assert_allclose(fg.jacrev(fg.jacrev(f))(x), h, rtol=1e-12)
    np.testing.assert_allclose(h, h.T, rtol=1e-12)


def test_hvp_and_vhp_equal_hessian_times_v():
    x, v = rng.uniform(-1, 1, 6), rng.standard_normal(6)
    h = rosenbrock_hessian(x)
    val, hv = fg.hvp(rosenbrock, (x,), (v,))
    val2, vh = fg.vhp(rosenbrock, (x,), (v,))
    assert val == val2 == rosenbrock(x)
    np.testing.assert_allclose(hv, h @ v, rtol=1e-12)
    np.testing.assert_allclose(vh, v @ h, rtol=1e-12)


def test_hvp_with_several_primals_returns_a_tuple():
    f = lambda x, y: np.sum(x ** 2 * y)
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    _, (px, py) = fg.hvp(f, (x, y), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(px, 2 * y)
    np.testing.assert_allclose(py, 2 * x)


def test_grad_of_hvp_and_third_derivatives():
    f = lambda x: np.sum(x ** 4)
    v = np.array([1.0, 2.0])
    g = fg.grad(lambda x: fg.hvp(f, (x,), (v,))[1].sum())(np.array([0.5, -1.0]))
    np.testing.assert_allclose(g, 24 * np.array([0.5, -1.0]) * v)
    assert fg.grad(fg.grad(fg.grad(lambda x: x ** 4)))(2.0) == 48.0


def test_vmap_of_grad_and_grad_of_vmap():
    f = lambda x: np.sum(np.tanh(x) ** 2)
    X = rng.standard_normal((5, 3))
    expected = np.stack([fg.grad(f)(x) for x in X])
    np.testing.assert_allclose(fg.vmap(fg.grad(f))(X), expected)
    np.testing.assert_allclose(fg.grad(lambda X: fg.vmap(f)(X).sum())(X), expected)


def test_nested_vmap_and_in_out_axes():
    A = rng.standard_normal((3, 4, 2))
    out = fg.vmap(fg.vmap(lambda a, b: a * b + 1, in_axes=(0, None)), in_axes=(2, None), out_axes=1)(A, 2.0)
    np.testing.assert_allclose(out, np.moveaxis(A * 2.0 + 1, 2, 1))
    d = fg.vmap(lambda p: p["w"] @ p["b"], in_axes=({"w": 0, "b": None},))({"w": A, "b": np.ones(2)})
    np.testing.assert_allclose(d, A @ np.ones(2))


@pytest.mark.eager_only  # the IR of a jitted function is optimised already
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_optimised_ir_computes_the_same_values(k):
    f = lambda x: np.tanh(x) * np.exp(x)
    g = f
    for _ in range(k):
        g = fg.grad(g)
    ir = fg.make_ir(g)(0.3)
    raw = fg.make_ir(g, optimized=False)(0.3)
    assert len(ir.eqns) < len(raw.eqns)
    for x in (0.3, -1.2, 2.0):
        np.testing.assert_allclose(eval_ir(ir, x)[0], g(x), rtol=1e-13)


def test_derivative_ir_is_smaller_than_jax():
    jax = {1: 11, 2: 30, 3: 69, 4: 160}
    f = lambda x: np.tanh(x) * np.exp(x)
    g, sizes = f, {}
    for k in range(1, 5):
        g = fg.grad(g)
        sizes[k] = len(fg.make_ir(g)(0.3).eqns)
        assert sizes[k] <= jax[k]
    assert sizes[4] <= jax[4] // 2
    assert len(fg.make_ir(fg.hessian(rosenbrock))(np.linspace(-1, 1, 100)).eqns) <= 89


def test_hessian_ir_evaluates_to_the_hessian():
    x = np.linspace(-1, 1, 7)
    ir = fg.make_ir(fg.hessian(rosenbrock))(x)
    y = rng.uniform(-1, 1, 7)
    np.testing.assert_allclose(eval_ir(ir, y)[0], rosenbrock_hessian(y), rtol=1e-12, atol=1e-9)
