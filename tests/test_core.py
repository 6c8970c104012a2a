"""The core's promises: known derivatives, control flow, pytrees, errors, IR."""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit
TRANSFORM_MODES = ("eager", "jit", "numba")  # and with numba kernels forced everywhere


def test_quadratic_first_and_second_derivative():
    f = lambda x: x ** 2 - 2 * x + 1
    assert fg.grad(f)(0.0) == -2.0
    assert fg.grad(fg.grad(f))(0.0) == 2.0


def test_gradient_of_sum_of_sines():
    a = np.linspace(0.0, 2 * np.pi, 25)
    g = fg.grad(lambda a: np.sum(2 * np.sin(a) + 1))(a)
    np.testing.assert_allclose(g, 2 * np.cos(a), rtol=0, atol=1e-15)


def _while_if(a):
    b = a * 2
    while np.linalg.norm(b) < 1000:
        b = b * 2
    c = b if b.sum() > 0 else 100 * b
    return c


@pytest.mark.eager_only  # under jit, control flow on values is an error (tested in test_jit.py)
@pytest.mark.parametrize("a", [0.37, -0.52, np.array([0.3, -1.2, 0.05])])
def test_python_control_flow_on_values(a):
    a = np.asarray(a, dtype=float)
    g = fg.grad(lambda a: _while_if(a).sum())(a)
    np.testing.assert_allclose(g, _while_if(a) / a)


def test_fourth_derivative_of_tanh_matches_closed_form():
    t = np.tanh(0.3)
    closed = 8 * t * (1 - t ** 2) * (2 - 3 * t ** 2)  # d^4/dx^4 tanh(x), t = tanh(x)
    g4 = fg.grad(fg.grad(fg.grad(fg.grad(np.tanh))))(0.3)
    np.testing.assert_allclose(g4, closed, rtol=1e-12)


def test_grad_of_dict_of_parameters_has_same_structure():
    rng = np.random.default_rng(0)
    params = {"w": rng.standard_normal((3, 2)), "b": rng.standard_normal(2)}
    x = rng.standard_normal((5, 3))
    y = rng.standard_normal((5, 2))

    def loss(p):
        return np.mean((np.tanh(x @ p["w"] + p["b"]) - y) ** 2)

    g = fg.grad(loss)(params)
    assert set(g) == {"w", "b"}
    assert g["w"].shape == (3, 2) and g["b"].shape == (2,)
    for k in params:
        e = np.zeros_like(params[k])
        e.flat[0] = 1e-6
        hi = dict(params, **{k: params[k] + e})
        lo = dict(params, **{k: params[k] - e})
        np.testing.assert_allclose(g[k].flat[0], (loss(hi) - loss(lo)) / 2e-6, rtol=1e-6)


def test_argnums_and_has_aux():
    f = lambda x, y: (x * y ** 2, {"y": y})
    (val, aux), g = fg.value_and_grad(f, argnums=(0, 1), has_aux=True)(2.0, 3.0)
    assert val == 18.0 and aux["y"] == 3.0
    assert g == (9.0, 12.0)
    assert fg.grad(lambda x, y: x * y, argnums=1)(2.0, 5.0) == 2.0


def test_float32_in_gives_float32_out():
    x = np.array([0.5, 1.5], dtype=np.float32)
    g = fg.grad(lambda x: np.sum(np.exp(x) * 2.0 + x ** 2))(x)
    assert g.dtype == np.float32
    out, t = fg.jvp(np.tanh, (x,), (np.ones(2, np.float32),))
    assert out.dtype == np.float32 and t.dtype == np.float32


def test_vjp_and_jvp_of_vector_function():
    x = np.array([0.2, 0.4])
    out, f_vjp = fg.vjp(lambda x: np.sin(x) * x, x)
    (ct,) = f_vjp(np.array([1.0, 2.0]))
    np.testing.assert_allclose(ct, (np.cos(x) * x + np.sin(x)) * [1.0, 2.0])
    _, t = fg.jvp(lambda x: np.sin(x) * x, (x,), (np.array([1.0, 2.0]),))
    np.testing.assert_allclose(t, ct)


def test_linearize_matches_jvp():
    f = lambda x: np.sin(x) * np.exp(x)
    x = np.array([0.1, 0.7])
    out, f_jvp = fg.linearize(f, x)
    np.testing.assert_allclose(out, f(x))
    np.testing.assert_allclose(f_jvp(np.ones(2)), fg.jvp(f, (x,), (np.ones(2),))[1])
    assert all(e.prim.name != "sin" for e in f_jvp.ir.eqns)  # the primal is not recomputed


def test_closure_over_outer_tracer():
    def f(x):
        inner = lambda y: x * y ** 2
        return fg.grad(inner)(3.0) * x  # = 6 x^2

    assert fg.grad(f)(2.0) == 24.0


def test_stop_gradient():
    assert fg.grad(lambda x: x * fg.stop_gradient(x))(3.0) == 3.0
    assert fg.grad(fg.grad(lambda x: fg.stop_gradient(x ** 3)))(3.0) == 0.0


def test_where_keeps_zero_cotangent_zero():
    f = lambda x: np.sum(np.where(x > 0, np.sqrt(np.abs(x) * (x > 0)), 0.0))
    g = fg.grad(f)(np.array([-1.0, 0.0, 4.0]))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [0.0, 0.0, 0.25])
    h = fg.grad(lambda x: np.sum(np.where(x > 0, np.log(np.abs(x)), 0.0)))(np.array([0.0, 2.0]))
    np.testing.assert_allclose(h, [0.0, 0.5])


# ----------------------------------------------------------------------------- errors

def test_grad_of_non_scalar_is_a_type_error_that_says_scalar():
    with pytest.raises(TypeError, match="scalar") as e:
        fg.grad(np.sin)(np.ones(3))
    assert "vjp" in str(e.value) and "jacrev" in str(e.value)


@pytest.mark.parametrize("bad", [1, np.array([1, 2]), True, np.array([True])])
def test_integer_or_bool_input_to_grad_is_a_type_error(bad):
    with pytest.raises(TypeError, match="floating"):
        fg.grad(lambda x: (x * 1.0).sum())(bad)


def test_cotangent_of_wrong_shape_names_both_shapes():
    _, f_vjp = fg.vjp(np.sin, np.ones(3))
    with pytest.raises(ValueError, match=r"\(2,\).*\(3,\)"):
        f_vjp(np.ones(2))


def test_tracer_used_after_its_trace_ended():
    leaked = []

    def f(x):
        leaked.append(x)
        return x * 2

    fg.grad(f)(1.0)
    with pytest.raises(fg.UnexpectedTracerError, match="after the transform"):
        np.sin(leaked[0])
    with pytest.raises(fg.UnexpectedTracerError):
        fg.grad(lambda y: y * leaked[0])(1.0)


def test_unsupported_numpy_function_is_named():
    with pytest.raises(NotImplementedError, match="numpy.roots"):
        fg.grad(lambda x: np.roots(x).sum())(np.ones(3))


def test_traced_value_refuses_silent_conversion():
    with pytest.raises(TypeError, match="derivative"):
        fg.grad(lambda x: np.asarray(x).sum())(np.ones(2))


# ----------------------------------------------------------------------------- IR

def test_make_ir_of_grad_prints_readable_ir():
    ir = fg.make_ir(fg.grad(lambda x: np.tanh(x) * np.exp(x)))(0.3)
    text = str(ir)
    assert text.startswith("{ lambda a:f64[] .")
    assert "tanh a" in text and "exp a" in text and text.rstrip().endswith("}")
    assert len(ir.eqns) == len(text.splitlines()) - 2
    assert "<table" in ir._repr_html_() and "tanh" in ir._repr_html_()


def test_make_ir_shapes_and_constants():
    w = np.arange(6.0).reshape(3, 2)
    ir = fg.make_ir(lambda x: np.tanh(x @ w).sum())(np.ones((4, 3)))
    assert ir.in_avals[0].shape == (4, 3)
    assert [e.prim.name for e in ir.eqns] == ["dot_general", "tanh", "reduce_sum"]
    assert ir.out_avals[0].shape == ()
    assert "f64[3,2]" in str(ir)


def test_fnp_namespace_matches_numpy_names():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert float(fg.grad(lambda x: fnp.sum(fnp.square(x)))(x).sum()) == 20.0


def test_dtype_arguments_are_not_values():
    np.testing.assert_allclose(fg.grad(lambda x: np.astype(x, np.float32).sum())(np.ones(2)), [1.0, 1.0])
