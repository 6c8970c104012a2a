"""Differentiable control flow: cond, while_loop, fori_loop, scan — eagerly, under jit, vmap and to order 2."""

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.testing import check_grads, vmap_loop

pytestmark = pytest.mark.usefixtures("transform_mode")
TRANSFORM_MODES = ("eager", "jit")

rng = np.random.default_rng(3)


def sqrt_newton(a):
    """Newton's iteration for sqrt(a), from a + 1 (never converged at the start)."""
    return fg.while_loop(lambda v: np.abs(v * v - a) > 1e-13 * a, lambda v: 0.5 * (v + a / v), a + 1.0)


def piecewise(x):
    return fg.cond(x > 0.5, lambda x: x ** 3 * np.exp(x), lambda x: np.sin(3 * x), x)


W = rng.standard_normal((3, 3)) * 0.5
U = rng.standard_normal((3, 2)) * 0.5
XS = rng.standard_normal((6, 2))


def rnn(w, h0):
    def step(h, x):
        h = np.tanh(w @ h + U @ x)
        return h, np.sum(h ** 2)

    h, ys = fg.scan(step, h0, XS)
    return np.sum(ys) + np.sum(h * h0)


def rnn_unrolled(w, h0):
    h, total = h0, 0.0
    for x in XS:
        h = np.tanh(w @ h + U @ x)
        total = total + np.sum(h ** 2)
    return total + np.sum(h * h0)


# ----------------------------------------------------------------------------- while_loop


@pytest.mark.parametrize("a", [2.0, 5.0, 0.3])
def test_newton_sqrt_reverse_mode_matches_the_implicit_derivative(a):
    assert sqrt_newton(a) == pytest.approx(np.sqrt(a), rel=1e-14)
    assert fg.grad(sqrt_newton)(a) == pytest.approx(0.5 / np.sqrt(a), rel=1e-12)
    assert fg.jit(fg.grad(sqrt_newton))(a) == pytest.approx(0.5 / np.sqrt(a), rel=1e-12)
    assert fg.grad(fg.grad(sqrt_newton))(a) == pytest.approx(-0.25 * a ** -1.5, rel=1e-10)
    assert fg.jacfwd(fg.grad(sqrt_newton))(a) == pytest.approx(-0.25 * a ** -1.5, rel=1e-10)


@pytest.mark.parametrize("staged", [False, True], ids=["python", "primitive"])
def test_while_loop_check_grads_to_order_two(staged):
    def f(x, y):
        def body(c):
            k, u, v = c
            return k + 1, np.sin(u) * v + y, u * np.cos(v)
        return fg.while_loop(lambda c: c[0] < 4, body, (0, x, y))[1:]

    check_grads(fg.jit(f) if staged else f, (0.3, 0.8), order=2)


def test_while_loop_in_jit_is_one_primitive_whose_gradient_keeps_the_carries():
    jf = fg.jit(sqrt_newton)
    assert [e.prim.name for e in jf.ir(2.0).eqns].count("while") == 1
    names = [e.prim.name for e in fg.jit(fg.grad(sqrt_newton)).ir(2.0).eqns]
    assert "while_transpose" in names


def test_vmap_of_while_loop_with_a_batched_predicate_matches_a_python_loop():
    a = np.array([0.5, 2.0, 9.0, 100.0])
    np.testing.assert_allclose(fg.vmap(sqrt_newton)(a), vmap_loop(sqrt_newton, (a,), (0,)), rtol=1e-15)
    np.testing.assert_allclose(fg.vmap(fg.grad(sqrt_newton))(a), 0.5 / np.sqrt(a), rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.vmap(fg.grad(sqrt_newton)))(a), 0.5 / np.sqrt(a), rtol=1e-12)


def test_while_loop_errors_show_both_sides():
    with pytest.raises(TypeError, match=r"body_fun returns.*f64\[2\].*\n.*init_val is.*f64\[\]"):
        fg.jit(lambda x: fg.while_loop(lambda v: np.sum(v) < 3, lambda v: np.stack([v, v]), x))(1.0)
    with pytest.raises(TypeError, match="cond_fun must return a scalar bool"):
        fg.jit(lambda x: fg.while_loop(lambda v: v, lambda v: v + 1, x))(1.0)


# ----------------------------------------------------------------------------- cond


@pytest.mark.parametrize("x", [-0.7, 0.2, 1.3])
def test_cond_differentiates_through_either_branch_to_second_order(x):
    if x > 0.5:
        d1, d2 = (3 * x ** 2 + x ** 3) * np.exp(x), (6 * x + 6 * x ** 2 + x ** 3) * np.exp(x)
    else:
        d1, d2 = 3 * np.cos(3 * x), -9 * np.sin(3 * x)
    assert fg.grad(piecewise)(x) == pytest.approx(d1, rel=1e-13)
    assert fg.grad(fg.grad(piecewise))(x) == pytest.approx(d2, rel=1e-12)
    assert fg.hessian(fg.jit(piecewise))(x) == pytest.approx(d2, rel=1e-12)
    check_grads(fg.jit(piecewise), (x,), order=2)


def test_cond_with_pytrees_and_closures_under_jit():
    w = np.array([1.0, -2.0])

    def f(x, p):
        return fg.cond(p, lambda a, b: {"s": a * w, "t": b}, lambda a, b: {"s": -a * w, "t": b * 2}, x, x[0])

    jf = fg.jit(f)
    for p in (True, False):
        out, want = jf(np.array([0.5, 1.5]), np.bool_(p)), f(np.array([0.5, 1.5]), p)
        np.testing.assert_array_equal(out["s"], want["s"])
        assert out["t"] == want["t"]
    g = fg.jit(fg.grad(lambda x, p: np.sum(f(x, p)["s"] * x) + f(x, p)["t"]))(np.array([0.5, 1.5]), np.bool_(False))
    np.testing.assert_allclose(g, [-2 * 0.5 * 1 + 2, -2 * 1.5 * -2])


def test_vmap_of_cond_with_a_batched_predicate_matches_a_python_loop():
    xs = np.linspace(-1, 2, 7)
    np.testing.assert_allclose(fg.vmap(piecewise)(xs), vmap_loop(piecewise, (xs,), (0,)), rtol=1e-15)
    np.testing.assert_allclose(fg.vmap(fg.grad(piecewise))(xs), vmap_loop(fg.grad(piecewise), (xs,), (0,)),
                               rtol=1e-13)


def test_cond_errors_show_both_branches():
    with pytest.raises(TypeError, match=r"true_fun returns .*f64\[2\][\s\S]*false_fun returns.*f64\[\]"):
        fg.jit(lambda x: fg.cond(x > 0, lambda x: np.stack([x, x]), lambda x: x, x))(1.0)
    with pytest.raises(TypeError, match=r"true_fun returns .*f32\[\][\s\S]*false_fun returns.*f64\[\]"):
        fg.jit(lambda x: fg.cond(x > 0, lambda x: (2 * x).astype(np.float32), lambda x: x, x))(1.0)
    with pytest.raises(TypeError, match="pred must be a scalar"):
        fg.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0)


def test_python_control_flow_under_jit_points_at_cond_and_while_loop():
    with pytest.raises(fg.ConcretizationError, match=r"fg\.cond / fg\.while_loop"):
        fg.jit(lambda x: x if x > 0 else -x)(1.0)


def test_nested_ir_prints_indented_under_its_equation():
    text = str(fg.jit(piecewise).ir(1.0))
    assert "cond[branches=({ { lambda" in text
    assert "\n        b:f64[] = " in text


# ----------------------------------------------------------------------------- scan and fori_loop


def test_scan_rnn_gradient_matches_the_unrolled_loop():
    h0 = rng.standard_normal(3)
    assert fg.jit(rnn)(W, h0) == pytest.approx(rnn_unrolled(W, h0), rel=1e-14)
    for argnums in (0, 1):
        np.testing.assert_allclose(fg.grad(rnn, argnums)(W, h0), fg.grad(rnn_unrolled, argnums)(W, h0), rtol=1e-12)
        np.testing.assert_allclose(fg.grad(fg.jit(rnn), argnums)(W, h0), fg.grad(rnn_unrolled, argnums)(W, h0),
                                   rtol=1e-12)


def test_grad_of_grad_through_scan():
    h0 = rng.standard_normal(3)

    def outer(f):
        return fg.grad(lambda w: np.sum(fg.grad(f)(w, h0) ** 2))(W)

    np.testing.assert_allclose(outer(rnn), outer(rnn_unrolled), rtol=1e-11)
    np.testing.assert_allclose(fg.hessian(fg.jit(rnn), 1)(W, h0), fg.hessian(rnn_unrolled, 1)(W, h0), rtol=1e-11)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_check_grads_to_order_two(reverse):
    def f(c0, xs):
        return fg.scan(lambda c, x: (c * np.sin(x) + x, c * x), c0, xs, reverse=reverse)

    check_grads(fg.jit(f), (0.7, rng.standard_normal(4)), order=2)
    check_grads(f, (0.7, rng.standard_normal(4)), order=2)


def test_vmap_of_scan_matches_a_python_loop():
    ws = rng.standard_normal((4, 3, 3)) * 0.5
    h0 = rng.standard_normal(3)
    np.testing.assert_allclose(fg.vmap(fg.jit(rnn), in_axes=(0, None))(ws, h0),
                               vmap_loop(rnn_unrolled, (ws, h0), (0, None)), rtol=1e-13)
    np.testing.assert_allclose(fg.vmap(fg.grad(fg.jit(rnn)), in_axes=(0, None))(ws, h0),
                               vmap_loop(fg.grad(rnn_unrolled), (ws, h0), (0, None)), rtol=1e-12)


def test_scan_errors():
    with pytest.raises(TypeError, match=r"f returns carry.*f64\[2\][\s\S]*init is.*f64\[\]"):
        fg.jit(lambda c: fg.scan(lambda c, x: (np.stack([c, c]), x), c, np.ones(3)))(1.0)
    with pytest.raises(ValueError, match="must agree"):
        fg.scan(lambda c, x: (c, x), 0.0, np.ones(3), length=4)


def test_fori_loop_with_static_bounds_is_a_scan_and_with_traced_bounds_a_while():
    def f(x, n=5):
        return fg.fori_loop(0, n, lambda i, v: v * x + i, x)

    assert f(1.5) == pytest.approx(27.765625)
    assert fg.jit(f)(1.5) == pytest.approx(27.765625)
    assert "scan" in [e.prim.name for e in fg.jit(f).ir(1.5).eqns]
    assert fg.jit(f)(1.5, 5) == pytest.approx(27.765625)
    assert "while" in [e.prim.name for e in fg.jit(f).ir(1.5, 5).eqns]
    want = fg.grad(lambda x: (((((x * x + 0) * x + 1) * x + 2) * x + 3) * x + 4))(1.5)
    assert fg.grad(f)(1.5) == pytest.approx(want, rel=1e-14)
    assert fg.jit(fg.grad(f))(1.5, 5) == pytest.approx(want, rel=1e-14)


@pytest.mark.eager_only  # the reference is a Python loop with Python branches; f itself runs under fg.jit
def test_control_flow_nests_under_jit_vmap_and_grad():
    def f(x):
        def step(c, xi):
            c = fg.cond(xi > 0, lambda c: c * np.cos(xi) + xi, lambda c: c - np.sin(c) * xi, c)
            inner = fg.while_loop(lambda v: v[0] < 3, lambda v: (v[0] + 1, v[1] * 0.9 + c * 0.1), (0, c))[1]
            return inner, inner * xi
        c, ys = fg.scan(step, x[0], x[1:])
        return c + np.sum(ys)

    def unrolled(x):
        c = x[0]
        total = 0.0
        for xi in x[1:]:
            c = c * np.cos(xi) + xi if xi > 0 else c - np.sin(c) * xi
            v = c
            for _ in range(3):
                v = v * 0.9 + c * 0.1
            c = v
            total = total + c * xi
        return c + total

    x = np.array([0.3, 0.5, -0.7, 1.1, -0.2])
    assert fg.jit(f)(x) == pytest.approx(unrolled(x), rel=1e-14)
    np.testing.assert_allclose(fg.jit(fg.grad(f))(x), fg.grad(unrolled)(x), rtol=1e-12)
    np.testing.assert_allclose(fg.jit(fg.hessian(f))(x), fg.hessian(unrolled)(x), rtol=1e-10, atol=1e-12)
    xs = np.stack([x, -x, x[::-1]])
    np.testing.assert_allclose(fg.jit(fg.vmap(fg.grad(f)))(xs), vmap_loop(fg.grad(unrolled), (xs,), (0,)),
                               rtol=1e-12)
