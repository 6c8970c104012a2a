"""fg.jit: signatures and the cache, composition with every transform, errors, debugging, pickling."""

import linecache
import pickle
import subprocess
import sys
import textwrap
import threading
import traceback

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import autograd as ag
from funcgrad import profiler

rng = np.random.default_rng(3)


def f_scalar(x):
    return np.sum(np.tanh(x) * x + np.exp(x) / 2)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


# ----------------------------------------------------------------------------- signatures and the cache

def test_same_signature_traces_once_and_new_shapes_retrace():
    f = fg.jit(f_scalar)
    for _ in range(3):
        f(rng.standard_normal(3))
    assert f.cache_info().misses == 1 and f.cache_info().hits == 2
    f(rng.standard_normal(4))
    f(rng.standard_normal(3).astype(np.float32))
    assert f.cache_info().misses == 3


def test_a_new_python_float_value_does_not_retrace():
    f = fg.jit(lambda x, s: np.sum(x * s))
    x = np.arange(3.0)
    assert f(x, 2.0) == 6.0
    assert f(x, 3.5) == 10.5
    assert f.cache_info().misses == 1
    f(x, 2)  # a Python int is another weak type
    assert f.cache_info().misses == 2


def test_python_scalars_stay_weak_as_in_numpy():
    x32 = np.arange(3, dtype=np.float32)
    f = lambda x, s: x * s + 1.0
    assert fg.jit(f)(x32, 2.0).dtype == f(x32, 2.0).dtype == np.float32
    assert fg.jit(f)(np.float64(2.0), 3.0).dtype == np.float64
    g = fg.jit(fg.grad(lambda x, s: np.sum(x * s)))
    assert g(x32, 2.0).dtype == np.float32
    np.testing.assert_array_equal(g(x32, 2.0), [2.0, 2.0, 2.0])


def test_static_arguments_by_position_and_by_name():
    def power(x, n):
        return x ** n if n > 1 else x  # Python control flow on a static value

    p = fg.jit(power, static_argnums=1)
    assert p(2.0, 3) == 8.0 and p(2.0, 1) == 2.0
    assert p(2.0, n=3) == 8.0
    assert p.cache_info().misses == 2
    q = fg.jit(power, static_argnames="n")
    assert q(3.0, n=2) == 9.0 and q(3.0, 2) == 9.0


def test_unhashable_static_argument_is_a_type_error_naming_it():
    f = fg.jit(lambda x, sizes: x * len(sizes), static_argnums=1)
    with pytest.raises(TypeError, match=r"static argument 1 \('sizes'\) must be hashable.*list"):
        f(1.0, [1, 2])


def test_the_lru_bound_evicts_the_least_recently_used(monkeypatch, capsys):
    f = fg.jit(lambda x: x * 2, cache_size=2)
    a, b, c = np.ones(1), np.ones(2), np.ones(3)
    f(a), f(b), f(a), f(c)  # b is the least recently used when c arrives
    info = f.cache_info()
    assert (info.currsize, info.maxsize, info.misses) == (2, 2, 3)
    f(a)
    assert f.cache_info().misses == 3
    monkeypatch.setenv("FUNCGRAD_DEBUG", "retrace")
    f(b)
    assert f.cache_info().misses == 4
    assert "f64[2]" in capsys.readouterr().err
    with pytest.raises(ValueError, match="cache_size"):
        fg.jit(np.sin, cache_size=0)


def test_retrace_reason_names_the_argument_and_both_signatures(monkeypatch, capsys):
    monkeypatch.setenv("FUNCGRAD_DEBUG", "retrace")

    def model(x, scale, n):
        return x * scale * n

    f = fg.jit(model, static_argnames="n")
    f(np.ones(3), 1.0, n=2)
    assert capsys.readouterr().err == ""  # the first trace is not a retrace
    f(np.ones(4), 1.0, n=2)
    err = capsys.readouterr().err
    assert "model" in err and "argument 'x' was f64[3], now f64[4]" in err
    f(np.ones(4), np.float32(1.0), n=2)
    assert "argument 'scale' was a Python float, now f32[]" in capsys.readouterr().err
    f(np.ones(4), np.float32(1.0), n=3)
    assert "argument 'n' was static 2, now static 3" in capsys.readouterr().err


def test_cache_clear_forgets_signatures():
    f = fg.jit(np.sin)
    f(1.0)
    f.cache_clear()
    f(1.0)
    assert f.cache_info().misses == 2 and f.cache_info().currsize == 1


def test_pytrees_kwargs_and_methods():
    f = fg.jit(lambda p, x, *, bias: {"y": p["w"] @ x + bias, "n": (x.sum(), None)})
    p = {"w": np.eye(2) * 3}
    out = f(p, np.array([1.0, 2.0]), bias=np.ones(2))
    np.testing.assert_array_equal(out["y"], [4.0, 7.0])
    assert out["n"][0] == 3.0 and out["n"][1] is None

    class Model:
        def __init__(self, w):
            self.w = w

        def apply(self, x):
            return x * self.w

        jitted = fg.jit(apply, static_argnums=0)  # self is static: hashable by identity

    assert Model(3.0).jitted(np.array(2.0)) == 6.0 and Model(4.0).jitted(np.array(2.0)) == 8.0
    with pytest.raises(TypeError, match="self.*static_argnums"):
        fg.jit(Model.apply)(Model(3.0), 1.0)


def test_non_array_argument_names_static_argnums():
    f = fg.jit(lambda x, mode: x)
    with pytest.raises(TypeError, match=r"argument 1 \('mode'\).*str.*static_argnums=\(1,\)"):
        f(1.0, "fast")
    with pytest.raises(TypeError, match=r"keyword argument 'mode'.*static_argnames"):
        f(1.0, mode="fast")


def test_threads_share_a_jitted_function():
    f = fg.jit(fg.grad(f_scalar))
    xs = [rng.standard_normal(n) for n in (2, 3, 4)] * 4
    results = [None] * len(xs)

    def work(i):
        for _ in range(20):
            results[i] = f(xs[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, r in zip(xs, results):
        np.testing.assert_allclose(r, fg.grad(f_scalar)(x), rtol=1e-14)
    assert f.cache_info().misses == 3


# ----------------------------------------------------------------------------- composition

def _close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_jit_of_grad_and_grad_of_jit():
    x = rng.standard_normal(5)
    want = fg.grad(f_scalar)(x)
    _close(fg.jit(fg.grad(f_scalar))(x), want)
    _close(fg.grad(fg.jit(f_scalar))(x), want)
    _close(fg.grad(fg.grad(fg.jit(lambda x: np.tanh(x) * np.exp(x))))(0.3),
           fg.grad(fg.grad(lambda x: np.tanh(x) * np.exp(x)))(0.3))


def test_vmap_of_jit_and_jit_of_vmap_of_grad():
    X = rng.standard_normal((4, 3))
    want = np.stack([fg.grad(f_scalar)(x) for x in X])
    _close(fg.vmap(fg.jit(fg.grad(f_scalar)))(X), want)
    _close(fg.jit(fg.vmap(fg.grad(f_scalar)))(X), want)
    _close(fg.vmap(fg.jit(np.sin))(X), np.sin(X))


def test_jacfwd_of_jit_of_jacrev_is_the_hessian():
    x = rng.uniform(-1, 1, 6)
    want = fg.hessian(rosenbrock)(x)
    _close(fg.jacfwd(fg.jit(fg.jacrev(rosenbrock)))(x), want)
    _close(fg.jit(fg.hessian(rosenbrock))(x), want)
    _close(fg.jit(fg.jacfwd(fg.jit(fg.jacrev(fg.jit(rosenbrock)))))(x), want)


def test_jit_of_jit():
    f = fg.jit(fg.jit(f_scalar))
    x = rng.standard_normal(3)
    _close(f(x), f_scalar(x))
    _close(fg.jit(fg.grad(fg.jit(fg.grad(lambda x: x ** 4))))(1.5), 12 * 1.5 ** 2)


def test_a_jitted_function_inside_a_traced_function_is_inlined():
    inner = fg.jit(lambda x: np.sin(x) * 2)
    ir = fg.make_ir(lambda x: inner(x) + inner(x * 3))(np.ones(2))
    assert [e.prim.name for e in ir.eqns] == ["sin", "mul", "mul", "sin", "mul", "add"]
    # closures over an outer transform's values are inputs of the inner trace, used once
    g = fg.grad(lambda y: fg.jit(lambda x: x * y)(2.0) * y)(3.0)
    assert g == 12.0


def test_fourth_derivative_under_jit_matches_closed_form():
    t = np.tanh(0.3)
    closed = 8 * t * (1 - t ** 2) * (2 - 3 * t ** 2)
    g4 = fg.jit(fg.grad(fg.grad(fg.grad(fg.grad(np.tanh)))))
    _close(g4(0.3), closed)
    g4 = fg.grad(fg.jit(fg.grad(fg.jit(fg.grad(fg.jit(fg.grad(np.tanh)))))))
    _close(g4(0.3), closed)


def test_jit_with_autograd_tensors_runs_eagerly_so_the_graph_records():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = fg.jit(lambda t: (t * t).sum())(x)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


# ----------------------------------------------------------------------------- errors that teach

def test_control_flow_on_a_traced_value_names_file_line_and_fixes():
    def f(x):
        if x.sum() > 0:  # the line the error must name
            return x
        return -x

    line = f.__code__.co_firstlineno + 1
    with pytest.raises(fg.ConcretizationError) as e:
        fg.jit(f)(np.ones(3))
    msg = str(e.value)
    assert f"{__file__}, line {line}" in msg and "if x.sum() > 0:" in msg
    assert "bool[]" in msg and "fg.jit(f)" in msg
    for fix in ("fg.cond", "fg.while_loop", "static_argnums", "without fg.jit"):
        assert fix in msg
    with pytest.raises(TypeError):  # ConcretizationError is a TypeError, as users expect
        fg.jit(fg.grad(lambda x: f(x).sum()))(np.ones(3))


def test_control_flow_on_shapes_and_printing_traced_values_work(capsys):
    def f(x):
        print("x is", x)
        if x.shape[0] > 2 and x.ndim == 1:
            return x[:2].sum()
        return x.sum()

    assert fg.jit(f)(np.ones(5)) == 2.0
    assert capsys.readouterr().out.strip() == "x is Traced<f64[5]>"


def test_errors_inside_generated_code_show_the_generated_line():
    f = fg.jit(lambda a: np.linalg.inv(a) * 2)
    with pytest.raises(np.linalg.LinAlgError) as e:
        f(np.zeros((2, 2)))
    frames = traceback.extract_tb(e.value.__traceback__)
    jit_frames = [fr for fr in frames if fr.filename.startswith("<funcgrad-jit")]
    assert jit_frames and "_inv(a)" in jit_frames[0].line
    assert "_inv(a)" in "".join(linecache.getlines(jit_frames[0].filename))


# ----------------------------------------------------------------------------- debugging and the profiler

def test_debug_prints_ir_and_code(monkeypatch, capsys):
    monkeypatch.setenv("FUNCGRAD_DEBUG", "ir,code")

    def scaled_sine(x):
        return np.sin(x) * 2

    f = fg.jit(scaled_sine)
    f(np.ones(2))
    err = capsys.readouterr().err
    assert "[funcgrad ir] fg.jit(scaled_sine) for x: f64[2]" in err and "sin a" in err
    assert "[funcgrad code]" in err and "def scaled_sine(a):" in err and "_sin(a)" in err
    assert f.source(np.ones(2)).startswith("def scaled_sine(a):")
    assert [e.prim.name for e in f.ir(np.ones(2)).eqns] == ["sin", "mul"]


def test_profiler_sees_one_event_per_jitted_call():
    def loss(x):
        return np.sum(np.sin(x) ** 2)

    f = fg.jit(loss)
    x = np.ones(3)
    f(x)
    with profiler.profile() as prof:
        for _ in range(3):
            f(x)
    assert [(a.key, a.count) for a in prof.key_averages()] == [("jit(loss)", 3)]


# ----------------------------------------------------------------------------- pickling

MODULE = """
import numpy as np

def loss(x):
    return np.sum(np.tanh(x) * np.exp(x))
"""


def test_jitted_and_transformed_functions_pickle_and_run_in_a_fresh_process(tmp_path, monkeypatch):
    (tmp_path / "usermod.py").write_text(MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    import usermod

    fns = {"jit_grad": fg.jit(fg.grad(usermod.loss)), "hessian": fg.hessian(usermod.loss),
           "jit_hessian": fg.jit(fg.hessian(usermod.loss)), "vmap_grad": fg.vmap(fg.grad(usermod.loss)),
           "value_and_grad": fg.value_and_grad(usermod.loss), "jacfwd": fg.jacfwd(fg.jit(np.sin))}
    x = np.array([0.1, -0.4, 0.7])
    args = {"vmap_grad": np.stack([x, 2 * x])}
    (tmp_path / "fns.pkl").write_bytes(pickle.dumps(fns))
    script = textwrap.dedent(f"""
        import pickle, sys
        import numpy as np
        sys.path.insert(0, {str(tmp_path)!r})
        fns = pickle.loads(open({str(tmp_path / 'fns.pkl')!r}, 'rb').read())
        x = np.array([0.1, -0.4, 0.7])
        args = {{"vmap_grad": np.stack([x, 2 * x])}}
        out = {{k: f(args.get(k, x)) for k, f in fns.items()}}
        sys.stdout.buffer.write(pickle.dumps(out))
    """)
    res = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, cwd=str(tmp_path))
    out = pickle.loads(res.stdout)
    for k, f in fns.items():
        want = f(args.get(k, x))
        if k == "value_and_grad":
            _close(out[k][0], want[0])
            _close(out[k][1], want[1])
        else:
            _close(out[k], want)
