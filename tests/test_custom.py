"""Custom derivative rules: fg.custom_jvp, fg.custom_vjp and fg.checkpoint — eagerly and under jit,
under vmap, to order 2, with pytrees, nondiff_argnums, and the errors they raise."""

import math

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.core import trace as core_trace
from funcgrad.testing import check_grads, vmap_loop
from funcgrad.transforms import api

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit

X = np.array([-1.3, 0.2, 0.9, 2.5])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# ----------------------------------------------------------------------------- the functions under test

@fg.custom_vjp
def softplus(x):
    return np.log1p(np.exp(x))


def softplus_fwd(x):
    return softplus(x), x


def softplus_bwd(x, g):
    return (g * sigmoid(x),)


softplus.defvjp(softplus_fwd, softplus_bwd)


def naive_softplus(x):
    return np.log1p(np.exp(x))


@fg.custom_jvp
def sin3(x):
    """sin, with a JVP rule that is deliberately 3 × the true derivative."""
    return np.sin(x)


@sin3.defjvp
def sin3_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return sin3(x), 3.0 * np.cos(x) * t


@fg.custom_jvp
def true_sin(x):
    return np.sin(x)


@true_sin.defjvp
def true_sin_jvp(primals, tangents):
    (x,), (t,) = primals, tangents
    return true_sin(x), np.cos(x) * t


@fg.custom_vjp
def mul_halfgrad(x, y):
    """x * y whose cotangents are halved: proves bwd is used, and to second order."""
    return x * y


mul_halfgrad.defvjp(lambda x, y: (mul_halfgrad(x, y), (x, y)), lambda r, g: (0.5 * g * r[1], 0.5 * g * r[0]))


# ----------------------------------------------------------------------------- custom_vjp

def test_softplus_gradient_at_1000_is_exactly_one_where_the_naive_one_is_nan():
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.isnan(fg.grad(naive_softplus)(1000.0))
        g = fg.grad(softplus)(1000.0)
        assert np.isfinite(g) and g == 1.0
        assert fg.jit(fg.grad(softplus))(1000.0) == 1.0
        assert fg.grad(fg.jit(softplus))(1000.0) == 1.0
        assert np.array_equal(fg.vmap(fg.grad(softplus))(np.array([1000.0, 800.0])), [1.0, 1.0])


def test_custom_vjp_value_and_gradient_match_the_function():
    np.testing.assert_allclose(softplus(X), naive_softplus(X), rtol=1e-14)
    np.testing.assert_allclose(fg.jit(softplus)(X), naive_softplus(X), rtol=1e-14)
    np.testing.assert_allclose(fg.grad(lambda x: softplus(x).sum())(X), sigmoid(X), rtol=1e-14)
    value, g = fg.value_and_grad(lambda x: softplus(x).sum())(X)
    assert value == pytest.approx(naive_softplus(X).sum(), rel=1e-14)
    np.testing.assert_allclose(g, sigmoid(X), rtol=1e-14)


def test_custom_vjp_bwd_is_the_gradient_and_higher_orders_differentiate_fwd_and_bwd():
    x, y = 3.0, 5.0
    assert fg.grad(mul_halfgrad, argnums=(0, 1))(x, y) == (2.5, 1.5)
    # d/dy of the custom gradient 0.5 * y (the residuals are differentiated through fwd)
    assert fg.grad(lambda y: fg.grad(mul_halfgrad)(x, y))(y) == 0.5
    assert fg.grad(fg.grad(softplus))(0.7) == pytest.approx(sigmoid(0.7) * (1 - sigmoid(0.7)), rel=1e-13)
    assert fg.hessian(softplus)(0.7) == pytest.approx(sigmoid(0.7) * (1 - sigmoid(0.7)), rel=1e-13)
    h = fg.hessian(lambda v: mul_halfgrad(v[0], v[1]))(np.array([x, y]))
    np.testing.assert_allclose(h, [[0.0, 0.5], [0.5, 0.0]])


def test_custom_vjp_check_grads_to_order_two():
    check_grads(softplus, (X,), order=2)
    check_grads(lambda x: softplus(np.sin(x)) * x, (X,), order=2)


def test_forward_mode_of_a_custom_vjp_function_differentiates_the_function():
    _, t = fg.jvp(softplus, (X,), (np.ones(4),))
    np.testing.assert_allclose(t, sigmoid(X), rtol=1e-14)
    np.testing.assert_allclose(np.diag(fg.jacfwd(softplus)(X)), sigmoid(X), rtol=1e-14)


def test_custom_vjp_under_vmap():
    np.testing.assert_allclose(fg.vmap(softplus)(X), naive_softplus(X), rtol=1e-14)
    np.testing.assert_allclose(fg.vmap(fg.grad(softplus))(X), sigmoid(X), rtol=1e-14)
    np.testing.assert_allclose(fg.grad(lambda x: fg.vmap(softplus)(x).sum())(X), sigmoid(X), rtol=1e-14)
    xs, ys = np.arange(3.0), np.array([2.0, -1.0, 4.0])
    g = fg.vmap(fg.grad(mul_halfgrad, argnums=(0, 1)))(xs, ys)
    np.testing.assert_allclose(g[0], 0.5 * ys)
    np.testing.assert_allclose(g[1], 0.5 * xs)
    # an unbatched argument gets the sum of its per-example cotangents
    g_y = fg.grad(lambda y: fg.vmap(mul_halfgrad, in_axes=(0, None))(xs, y).sum())(2.0)
    assert g_y == 0.5 * xs.sum()
    np.testing.assert_allclose(fg.jacrev(lambda x: mul_halfgrad(x, np.full(3, 2.0)))(xs), np.eye(3))


def test_custom_vjp_pytrees_and_nondiff_argnums():
    @fg.custom_vjp
    def weighted(params, x):
        return {"out": params["w"] * x + params["b"], "aux": (x * 0.0,)}

    def fwd(params, x):
        return weighted(params, x), (params["w"], x)

    def bwd(res, g):
        w, x = res
        # 10 × the true cotangent of w, None (a zero) for b and for the aux output's input
        return {"w": 10.0 * np.sum(g["out"] * x), "b": None}, g["out"] * w

    weighted.defvjp(fwd, bwd)
    params = {"w": 2.0, "b": 1.0}
    xs = np.array([1.0, 2.0])
    gp, gx = fg.grad(lambda p, x: weighted(p, x)["out"].sum(), argnums=(0, 1))(params, xs)
    assert gp == {"w": 30.0, "b": 0.0}
    np.testing.assert_allclose(gx, [2.0, 2.0])

    def apply(fn, n, x):
        return fn(x) * n

    app = fg.custom_vjp(apply, nondiff_argnums=(0, 1))
    seen = []

    def app_fwd(fn, n, x):
        return app(fn, n, x), x

    def app_bwd(fn, n, x, g):
        seen.append((fn, n))
        return (100.0 * g,)

    app.defvjp(app_fwd, app_bwd)
    assert fg.grad(lambda x: app(np.sin, 3, x))(0.5) == 100.0
    assert seen and seen[0] == (np.sin, 3)
    assert app(np.sin, 3, 0.5) == pytest.approx(3 * np.sin(0.5))
    assert fg.jit(lambda x: app(np.sin, 3, x))(0.5) == pytest.approx(3 * np.sin(0.5))


def test_custom_vjp_keyword_arguments_and_the_decorator_form_of_defvjp():
    @fg.custom_vjp
    def scale(x, factor=2.0):
        return x * factor

    def fwd(x, factor):
        return scale(x, factor), factor

    @scale.defvjp(fwd)
    def bwd(factor, g):
        return g * factor * 7.0, None

    assert callable(bwd)
    assert fg.grad(lambda x: scale(x, factor=3.0))(1.0) == 21.0
    assert fg.grad(scale)(1.0) == 14.0


def test_a_plain_call_runs_the_function_and_without_differentiation_the_function_is_evaluated():
    calls = []

    @fg.custom_vjp
    def f(x):
        calls.append("f")
        return x * 2.0

    def fwd(x):
        calls.append("fwd")
        return f(x), None

    f.defvjp(fwd, lambda _, g: (g * 2.0,))
    assert f(1.5) == 3.0 and calls == ["f"]
    jitted = fg.jit(lambda x: f(x) + 1.0)
    assert jitted(np.ones(2)).tolist() == [3.0, 3.0]
    # the staged equation evaluates f; a tape records custom_vjp_fwd instead, which evaluates fwd
    assert [e.prim.name for e in jitted.ir(np.ones(2)).eqns] == ["custom_vjp_call", "add"]
    assert "custom_vjp_fwd" in [e.prim.name for e in fg.make_ir(fg.grad(lambda x: f(x) * f(x)))(1.0).eqns]
    ir = fg.make_ir(f)(1.0)
    assert [e.prim.name for e in ir.eqns] == ["custom_vjp_call"]
    assert "fwd=" in str(ir) and "mul" in str(ir)


@pytest.mark.eager_only  # Python control flow on values: jit refuses it by design (checked below)
def test_custom_rules_may_branch_on_values_in_eager_transforms():
    @fg.custom_vjp
    def leaky(x):
        return x if x > 0 else 0.1 * x

    leaky.defvjp(lambda x: (leaky(x), x), lambda x, g: (g * (1.0 if x > 0 else 0.1),))
    assert fg.grad(leaky)(2.0) == 1.0 and fg.grad(leaky)(-2.0) == 0.1
    with pytest.raises(fg.ConcretizationError, match=r"custom_vjp\(leaky\)"):
        fg.jit(fg.grad(leaky))(2.0)


# ----------------------------------------------------------------------------- custom_jvp

def test_custom_jvp_rule_is_used_in_forward_and_reverse_mode():
    assert sin3(0.4) == np.sin(0.4)
    _, t = fg.jvp(sin3, (X,), (np.ones(4),))
    np.testing.assert_allclose(t, 3.0 * np.cos(X), rtol=1e-14)
    np.testing.assert_allclose(fg.grad(lambda x: sin3(x).sum())(X), 3.0 * np.cos(X), rtol=1e-14)
    np.testing.assert_allclose(fg.jacfwd(sin3)(X), np.diag(3.0 * np.cos(X)), rtol=1e-14)
    np.testing.assert_allclose(fg.jacrev(sin3)(X), np.diag(3.0 * np.cos(X)), rtol=1e-14)
    np.testing.assert_allclose(fg.jit(fg.grad(lambda x: sin3(x).sum()))(X), 3.0 * np.cos(X), rtol=1e-14)
    np.testing.assert_allclose(fg.grad(lambda x: fg.jit(sin3)(x).sum())(X), 3.0 * np.cos(X), rtol=1e-14)
    out, f_vjp = fg.vjp(sin3, X)
    np.testing.assert_allclose(f_vjp(np.ones(4))[0], 3.0 * np.cos(X), rtol=1e-14)
    _, f_jvp = fg.linearize(sin3, X)
    np.testing.assert_allclose(f_jvp(np.ones(4)), 3.0 * np.cos(X), rtol=1e-14)


def test_custom_jvp_second_order_differentiates_the_rule():
    x = 0.6
    expected = -3.0 * np.sin(x)  # d/dx of the rule's 3 cos(x)
    assert fg.grad(fg.grad(sin3))(x) == pytest.approx(expected, rel=1e-14)
    assert fg.hessian(sin3)(x) == pytest.approx(expected, rel=1e-14)
    assert fg.jvp(lambda x: fg.jvp(sin3, (x,), (1.0,))[1], (x,), (1.0,))[1] == pytest.approx(expected, rel=1e-14)
    assert fg.jacrev(fg.jacfwd(sin3))(x) == pytest.approx(expected, rel=1e-14)
    # the rule's primal output is the custom function again, so its derivative uses the rule too
    assert fg.jvp(lambda x: fg.jvp(sin3, (x,), (1.0,))[0], (x,), (1.0,))[1] == pytest.approx(3 * np.cos(x))


def test_custom_jvp_check_grads_to_order_two():
    check_grads(true_sin, (X,), order=2)
    check_grads(lambda x: true_sin(x * x) * np.exp(x), (X,), order=2)


def test_custom_jvp_under_vmap():
    np.testing.assert_allclose(fg.vmap(sin3)(X), np.sin(X))
    np.testing.assert_allclose(fg.vmap(fg.grad(sin3))(X), 3.0 * np.cos(X), rtol=1e-14)
    np.testing.assert_allclose(fg.grad(lambda x: fg.vmap(sin3)(x).sum())(X), 3.0 * np.cos(X), rtol=1e-14)
    _, t = fg.jvp(fg.vmap(sin3), (X,), (np.ones(4),))
    np.testing.assert_allclose(t, 3.0 * np.cos(X), rtol=1e-14)
    rows = np.stack([X, 2 * X])
    got = fg.vmap(fg.grad(lambda r: sin3(r).sum()))(rows)
    np.testing.assert_allclose(got, vmap_loop(fg.grad(lambda r: sin3(r).sum()), (rows,), (0,)))


def test_custom_jvp_pytrees_and_nondiff_argnums():
    def poly(n, p):
        return {"y": p["a"] * p["x"] ** n, "n": n}

    f = fg.custom_jvp(poly, nondiff_argnums=(0,))

    @f.defjvp
    def f_jvp(n, primals, tangents):
        (p,), (t,) = primals, tangents
        out = f(n, p)
        dy = 2.0 * (t["a"] * p["x"] ** n + p["a"] * n * p["x"] ** (n - 1) * t["x"])  # 2 × the true one
        return out, {"y": dy, "n": 0}

    p = {"a": 3.0, "x": 2.0}
    assert f(3, p) == {"y": 24.0, "n": 3}
    g = fg.grad(lambda p: f(3, p)["y"])(p)
    assert g == {"a": 16.0, "x": 72.0}
    _, t = fg.jvp(lambda p: f(3, p)["y"], (p,), ({"a": 1.0, "x": 0.0},))
    assert t == 16.0


def test_custom_jvp_integer_arguments_get_zero_tangents():
    @fg.custom_jvp
    def shift(x, k):
        return x * 2.0 + k

    @shift.defjvp
    def shift_jvp(primals, tangents):
        (x, k), (tx, tk) = primals, tangents
        assert tk.dtype == np.int64
        return shift(x, k), 5.0 * tx

    assert fg.grad(shift)(1.0, np.int64(3)) == 5.0
    assert fg.vmap(fg.grad(shift), in_axes=(0, None))(X, np.int64(3)).tolist() == [5.0] * 4


def test_custom_functions_compose_with_each_other_and_with_control_flow():
    def body(i, carry):
        return sin3(carry) + softplus(carry) * 0.0

    f = lambda x: fg.fori_loop(0, 2, body, x)  # noqa: E731
    x = 0.3
    expected = 3 * np.cos(np.sin(x)) * 3 * np.cos(x)
    assert fg.grad(f)(x) == pytest.approx(expected, rel=1e-13)
    nested = fg.custom_vjp(lambda x: sin3(x) * 2.0)
    nested.defvjp(lambda x: (nested(x), x), lambda x, g: (fg.grad(sin3)(x) * g,))
    assert fg.grad(nested)(x) == pytest.approx(3 * np.cos(x), rel=1e-14)
    assert fg.grad(fg.checkpoint(lambda x: sin3(x) * softplus(x)))(x) == pytest.approx(
        3 * np.cos(x) * naive_softplus(x) + np.sin(x) * sigmoid(x), rel=1e-13)


def test_closed_over_values_may_be_batched_but_differentiating_them_is_an_error():
    def make(w):
        @fg.custom_vjp
        def f(x):
            return np.sin(x) * w

        f.defvjp(lambda x: (f(x), np.cos(x)), lambda c, g: (g * c * w,))
        return f

    np.testing.assert_allclose(fg.vmap(lambda w: fg.grad(lambda x: make(w)(x).sum())(X))(np.array([1.0, 2.0])),
                               [np.cos(X), 2 * np.cos(X)], rtol=1e-14)
    with pytest.raises(TypeError, match=r"custom_vjp function f was differentiated with respect to a value it "
                                        r"closes over.*Pass that value to f as an argument"):
        fg.grad(lambda w: make(w)(X).sum())(2.0)

    def make_jvp(w):
        @fg.custom_jvp
        def h(x):
            return x * w

        h.defjvp(lambda p, t: (h(p[0]), t[0] * w))
        return h

    assert fg.grad(lambda x: make_jvp(np.float64(3.0))(x))(1.0) == 3.0
    with pytest.raises(TypeError, match="custom_jvp function h was differentiated with respect to a value it closes"):
        fg.grad(lambda w: make_jvp(w)(1.0))(2.0)


# ----------------------------------------------------------------------------- errors

def test_bwd_errors_name_the_function_the_argument_and_the_fix():
    @fg.custom_vjp
    def prod(x, y):
        return x * y

    fwd = lambda x, y: (prod(x, y), (x, y))  # noqa: E731
    prod.defvjp(fwd, lambda r, g: g * r[1])
    with pytest.raises(TypeError, match=r"custom_vjp function prod: bwd must return a tuple with one cotangent per "
                                        r"argument \(2 here\), got an array of shape \(\); return \(g_x, g_y\)"):
        fg.grad(prod)(1.0, 2.0)
    prod.defvjp(fwd, lambda r, g: (g * r[1],))
    with pytest.raises(ValueError, match=r"bwd returned 1 cotangent\(s\), but prod has 2 argument\(s\) \(x, y\)"):
        fg.grad(prod)(1.0, 2.0)
    prod.defvjp(fwd, lambda r, g: (np.ones(3), g))
    with pytest.raises(ValueError, match=r"cotangent bwd returned for argument 0 \(x\) has shape \(3,\), but the "
                                         r"argument has shape \(\)"):
        fg.grad(prod)(1.0, 2.0)
    prod.defvjp(fwd, lambda r, g: ({"a": g}, g))
    with pytest.raises(ValueError, match=r"argument 0 \(x\) has structure .*return a cotangent with the argument"):
        fg.grad(prod)(1.0, 2.0)
    prod.defvjp(lambda x, y: prod(x, y), lambda r, g: (g, g))
    with pytest.raises(TypeError, match=r"prod: fwd must return a pair \(out, residuals\)"):
        fg.grad(prod)(1.0, 2.0)

    single = fg.custom_vjp(lambda x: x)
    single.defvjp(lambda x: (single(x), None), lambda _, g: g)
    with pytest.raises(TypeError, match=r"return \(g,\)"):
        fg.grad(single)(1.0)


def test_missing_rules_and_bad_arguments_raise_clear_errors():
    @fg.custom_vjp
    def no_rule(x):
        return x

    with pytest.raises(TypeError, match=r"custom_vjp function no_rule has no VJP rule: define one with "
                                        r"no_rule.defvjp\(fwd, bwd\)"):
        fg.grad(no_rule)(1.0)
    with pytest.raises(TypeError, match="no_rule.defvjp"):
        no_rule(1.0)

    @fg.custom_jvp
    def no_jvp(x):
        return x

    with pytest.raises(TypeError, match=r"custom_jvp function no_jvp has no JVP rule: define one with @no_jvp.defjvp"):
        fg.grad(no_jvp)(1.0)
    with pytest.raises(TypeError, match="defvjp: bwd must be a function"):
        no_rule.defvjp(lambda x: (x, None), 3)

    g = fg.custom_jvp(lambda fn, x: fn(x))
    g.defjvp(lambda p, t: (g(*p), t[1]))
    with pytest.raises(TypeError, match=r"custom_jvp function <lambda>: argument 0 is a ufunc, not an array; list "
                                        r"arguments that are not arrays in nondiff_argnums"):
        fg.grad(lambda x: g(np.sin, x))(1.0)
    with pytest.raises(TypeError, match=r"nondiff_argnums=\(3,\) names argument 3, but the call passed 2"):
        h = fg.custom_jvp(lambda a, b: a * b, nondiff_argnums=3)
        h.defjvp(lambda *a: None)
        fg.grad(h)(1.0, 2.0)


def test_jvp_rule_errors():
    @fg.custom_jvp
    def f(x):
        return x * 2.0, x

    f.defjvp(lambda p, t: (f(*p), t[0]))
    with pytest.raises(ValueError, match=r"custom_jvp function f: the JVP rule's tangent output has structure \*, but "
                                         r"the primal output has structure tuple"):
        fg.grad(lambda x: f(x)[0])(1.0)
    g = fg.custom_jvp(lambda x: x * 2.0)
    g.defjvp(lambda p, t: g(*p))
    with pytest.raises(TypeError, match=r"custom_jvp function <lambda>: the JVP rule must return a pair "
                                        r"\(primal_out, tangent_out\), got an array of shape \(\)"):
        fg.grad(g)(1.0)
    f.defjvp(lambda p, t: (f(*p), (np.ones(3), t[0])))
    with pytest.raises(ValueError, match=r"tangent output 0 of the JVP rule has shape \(3,\), but the primal output "
                                         r"has shape \(\)"):
        fg.grad(lambda x: f(x)[0])(1.0)


# ----------------------------------------------------------------------------- checkpoint

def chain(x):
    for _ in range(6):
        x = np.sin(x) * 1.1 + 0.1
    return x


def test_checkpoint_gives_the_same_gradients():
    cp = fg.checkpoint(chain)
    loss, loss_cp = (lambda x: chain(x).sum()), (lambda x: cp(x).sum())
    np.testing.assert_allclose(fg.grad(loss_cp)(X), fg.grad(loss)(X), rtol=1e-14)
    np.testing.assert_allclose(fg.jit(fg.grad(loss_cp))(X), fg.grad(loss)(X), rtol=1e-14)
    np.testing.assert_allclose(fg.grad(lambda x: fg.grad(loss_cp)(x).sum())(X),
                               fg.grad(lambda x: fg.grad(loss)(x).sum())(X), rtol=1e-13)
    np.testing.assert_allclose(fg.hessian(loss_cp)(X), fg.hessian(loss)(X), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(fg.vmap(fg.grad(loss_cp))(np.stack([X, -X])),
                               fg.vmap(fg.grad(loss))(np.stack([X, -X])), rtol=1e-14)
    np.testing.assert_allclose(fg.jvp(cp, (X,), (np.ones(4),))[1], fg.jvp(chain, (X,), (np.ones(4),))[1],
                               rtol=1e-14)
    check_grads(cp, (X,), order=2)
    assert fg.remat is fg.checkpoint


@pytest.mark.eager_only  # counts the entries of an eager tape
def test_checkpoint_stores_fewer_intermediates_and_recomputes_them_in_the_backward_pass():
    def stored(f):
        _, pullback = api.vjp(f, X)
        arrays = sum(len(e.ins) + (len(e.out) if isinstance(e.out, tuple) else 1) for e in pullback._tape)
        return len(pullback._tape), arrays, pullback

    entries, arrays, _ = stored(chain)
    entries_cp, arrays_cp, pullback = stored(fg.checkpoint(chain))
    assert (entries, entries_cp) == (18, 1)  # sin, mul, add per step; one checkpoint equation
    assert arrays_cp == 2 < arrays  # its input and its output
    sins = []
    old = core_trace.set_dispatch_hook(lambda p, a, k: (sins.append(p.name) if p.name == "sin" else None,
                                                        p.impl(*a, **k))[1])
    try:
        pullback(np.ones(4))
    finally:
        core_trace.set_dispatch_hook(old)
    assert sins.count("sin") == 5  # the forward pass ran again (but for the last sin, which no derivative reads)


def test_checkpoint_options_and_closures():
    @fg.checkpoint
    def scaled(x, w):
        return np.sin(x * w)

    assert fg.grad(lambda w: scaled(X, w).sum())(2.0) == pytest.approx(np.sum(np.cos(2 * X) * X), rel=1e-14)
    assert fg.grad(lambda w: fg.checkpoint(lambda x: np.sin(x * w))(X).sum())(2.0) == pytest.approx(
        np.sum(np.cos(2 * X) * X), rel=1e-14)

    @fg.checkpoint(static_argnums=1)
    def power(x, n):
        for _ in range(n):
            x = x * x
        return x

    assert fg.grad(lambda x: power(x, 3))(1.5) == pytest.approx(8 * 1.5 ** 7)
    assert fg.grad(lambda d: fg.checkpoint(lambda d: d["a"] * d["b"])(d))({"a": 2.0, "b": 3.0}) == {"a": 3.0, "b": 2.0}
    assert scaled(1.0, 2.0) == np.sin(2.0)
    with pytest.raises(TypeError, match=r"fg.checkpoint\(<lambda>\): argument 1 is a str, not an array; list "
                                        r"arguments that are not arrays in static_argnums"):
        fg.grad(lambda x: fg.checkpoint(lambda x, s: x)(x, "a"))(1.0)


def test_printed_ir_shows_the_nested_functions():
    text = str(fg.make_ir(lambda x: sin3(x) + fg.checkpoint(np.cos)(x))(1.0))
    assert "custom_jvp_call[" in text and "checkpoint[fun={" in text and "sin" in text and "cos" in text
    assert math.isclose(fg.jit(lambda x: sin3(x) + fg.checkpoint(np.cos)(x))(1.0), np.sin(1.0) + np.cos(1.0))


@pytest.mark.eager_only  # pickles an IR built here
def test_ir_holding_custom_rules_pickles():
    import pickle

    from funcgrad.backends.interpreter import eval_ir

    for f in (softplus, sin3, fg.checkpoint(chain)):
        ir = fg.make_ir(fg.grad(lambda x: f(x).sum()))(X)
        again = pickle.loads(pickle.dumps(ir))
        np.testing.assert_array_equal(eval_ir(again, X)[0], eval_ir(ir, X)[0])
    # the rules of softplus's call inside its own fwd are staged on first use: not pickled before it
    again = pickle.loads(pickle.dumps(fg.make_ir(fg.grad(softplus))(0.5)))
    with pytest.raises(TypeError, match="pickled before it was first used.*build the IR in this process"):
        fg.grad(lambda x: eval_ir(again, x)[0])(0.5)
