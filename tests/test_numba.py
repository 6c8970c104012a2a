"""The numba tier: fusion, kernels for every layout and dtype, tiering, fallback, the disk cache."""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backends import kernels, tiering
from funcgrad.passes.fusion import fuse

rng = np.random.default_rng(11)


@pytest.fixture
def numba_always(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "always")


def w1(x):
    return np.sum(np.sin(x) * np.exp(-x * x / 2) + np.log1p(x * x) * np.tanh(x))


def _same(f, *args, rtol=1e-13):
    jf = fg.jit(f)
    got, want = jf(*args), f(*args)
    assert jf.tier(*args) == "numba"
    for g, w in zip(fg.tree.leaves(got), fg.tree.leaves(want)):
        assert np.shape(g) == np.shape(w) and np.asarray(g).dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-300)
    return jf


def test_fusion_makes_one_cluster_of_an_elementwise_gradient():
    ir = fg.jit(fg.value_and_grad(w1)).ir(np.ones(7))
    fused = fuse(ir)
    assert [e.prim.name for e in fused.eqns] == ["fused"]
    assert len(fused.eqns[0].params["ir"].eqns) == len(ir.eqns)


def test_matmul_stays_between_clusters():
    W = rng.standard_normal((4, 4))
    ir = fg.jit(fg.jacrev(lambda x: np.tanh(W @ x) * x)).ir(np.ones(4))
    names = [e.prim.name for e in fuse(ir).eqns]
    assert "dot_general" in names and "fused" in names


@pytest.mark.usefixtures("numba_always")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_elementwise_gradient_and_value_match_eager(dtype):
    x = rng.standard_normal(1000).astype(dtype)
    rtol = 1e-12 if dtype == np.float64 else 2e-5
    _same(fg.value_and_grad(w1), x, rtol=rtol)
    _same(fg.grad(w1), x, rtol=rtol)


@pytest.mark.usefixtures("numba_always")
def test_broadcasting_scalars_literals_and_layouts():
    a = rng.standard_normal((3, 1, 5))
    b = rng.standard_normal((4, 1))
    c = rng.standard_normal((5, 4)).T  # not contiguous
    f = lambda a, b, c, s: np.exp(a * b) * 2.5 + np.where(a > b, np.tanh(c), s) - np.float64(1.0)
    _same(f, a, b, c, 0.5)
    _same(f, a, b, np.ascontiguousarray(c), 1.5)


@pytest.mark.usefixtures("numba_always")
@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2)])
def test_reductions_over_any_axes(reduce, axis):
    x = rng.uniform(0.5, 1.5, (3, 4, 5))
    f = lambda x: getattr(np, reduce)(np.sin(x) * x + 1, axis=axis, keepdims=axis == 1)
    _same(f, x, rtol=1e-12)


@pytest.mark.usefixtures("numba_always")
def test_inf_nan_and_signed_zero_semantics_are_numpys():
    x = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e308, 5e-324])
    f = lambda x: (np.maximum(x / (x * 0.0), -x) + np.log(np.abs(x)) * 1.0, np.max(x * 2), np.exp(x) - 1)
    with np.errstate(all="ignore"):
        got, want = fg.jit(f)(x), f(x)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=5e-16, atol=0)  # inf and nan where NumPy has them
        np.testing.assert_array_equal(np.signbit(g), np.signbit(w))


@pytest.mark.usefixtures("numba_always")
def test_scalar_programs_are_one_kernel_call():
    g4 = fg.jit(fg.grad(fg.grad(fg.grad(fg.grad(lambda x: np.tanh(x) * np.exp(x))))))
    t = np.tanh(0.3)
    d = (t, 1 - t * t, -2 * t * (1 - t * t), (1 - t * t) * (6 * t * t - 2), 8 * t * (1 - t * t) * (2 - 3 * t * t))
    want = np.exp(0.3) * (d[0] + 4 * d[1] + 6 * d[2] + 4 * d[3] + d[4])
    np.testing.assert_allclose(g4(0.3), want, rtol=1e-13)
    assert g4.tier(0.3) == "numba" and type(g4(0.3)) is np.float64


@pytest.mark.usefixtures("numba_always")
def test_large_clusters_run_in_parallel_loops(monkeypatch):
    monkeypatch.setattr(kernels, "PARALLEL_THRESHOLD", 1000)
    x = rng.standard_normal((50, 40))
    jf = _same(lambda x: np.sum(np.sin(x) * x, axis=1), x, rtol=1e-12)
    assert "prange(" in kernels.kernel_source(fuse(jf.ir(x)).eqns[0])[0]


def test_a_signature_moves_to_numba_when_hot(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA_CALLS", "3")
    monkeypatch.setenv("FUNCGRAD_NUMBA_ELEMENTS", "1e12")
    f = fg.jit(lambda x: np.sum(np.cos(x) * x))
    x = np.ones(10)
    tiers = []
    for _ in range(4):
        f(x)
        tiers.append(f.tier(x))
    assert tiers == ["python", "python", "numba", "numba"]
    monkeypatch.setenv("FUNCGRAD_NUMBA_ELEMENTS", "100")  # big enough to pay at once
    g = fg.jit(lambda x: np.sum(np.cos(x) * x))
    g(np.ones(1000))
    assert g.tier(np.ones(1000)) == "numba"


def test_never_keeps_generated_python(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "never")
    f = fg.jit(lambda x: np.sin(x) * 2)
    for _ in range(20):
        f(np.ones(3))
    assert f.tier(np.ones(3)) == "python"
    monkeypatch.setenv("FUNCGRAD_NUMBA", "sometimes")
    with pytest.raises(ValueError, match="FUNCGRAD_NUMBA"):
        fg.jit(np.cos)(1.0)


@pytest.mark.usefixtures("numba_always")
def test_a_compile_failure_warns_once_and_gives_the_python_result(monkeypatch):
    def broken(eqn):
        source, layout = real(eqn)
        return source.replace("def kernel(", "def kernel(undefined_name, "), layout

    real = kernels.kernel_source
    monkeypatch.setattr(kernels, "kernel_source", broken)
    f = fg.jit(lambda x: np.sum(np.sin(x) * x))
    x = np.linspace(0, 1, 5)
    with pytest.warns(tiering.NumbaFallbackWarning, match="numba tier could not be built"):
        assert f(x) == np.sum(np.sin(x) * x)
    assert f.tier(x) == "python"
    assert f(x) == np.sum(np.sin(x) * x)


def test_debug_kernels_prints_the_kernel_source(numba_always, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FUNCGRAD_DEBUG", "kernels")
    fg.jit(lambda x: np.cos(x) * 3.0 + x)(np.ones(4))
    err = capsys.readouterr().err
    assert "[funcgrad kernels]" in err and "def kernel(" in err and str(tmp_path) in err
    assert os.listdir(tmp_path / "kernels")


SCRIPT = """
import json, sys
import numpy as np
import funcgrad as fg
from funcgrad.backends import kernels
f = fg.jit(fg.value_and_grad(lambda x: np.sum(np.sin(x) * np.exp(-x * x / 2) + np.log1p(x * x) * np.tanh(x))))
value, grad = f(np.linspace(-1, 1, 1000))
stats = [k.stats for k in kernels._loaded.values()]
print(json.dumps({"value": float(value), "hits": sum(sum(s.cache_hits.values()) for s in stats),
                  "misses": sum(sum(s.cache_misses.values()) for s in stats), "kernels": len(stats)}))
"""


def test_a_second_process_with_a_warm_cache_compiles_nothing(tmp_path):
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path / "fg"), NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               FUNCGRAD_NUMBA="always")
    env.pop("FUNCGRAD_DEBUG", None)
    import json

    runs = [json.loads(subprocess.run([sys.executable, "-c", textwrap.dedent(SCRIPT)], env=env, check=True,
                                      capture_output=True, text=True).stdout) for _ in range(2)]
    cold, warm = runs
    assert cold["kernels"] >= 1 and cold["misses"] >= 1
    assert warm["misses"] == 0 and warm["hits"] == cold["misses"]
    assert warm["value"] == cold["value"]


def test_importing_funcgrad_does_not_import_numba():
    code = "import sys, funcgrad, numpy as np; funcgrad.jit(np.sin)(1.0); print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         env=dict(os.environ, FUNCGRAD_NUMBA="auto")).stdout
    assert out.strip() == "False"


LAZY_IMPORTS = """
import sys, types
import numpy as np
import funcgrad as fg
print(sorted(m for m in ("funcgrad.numpy", "funcgrad.transforms.jit") if m in sys.modules))
print(fg.grad(lambda x: np.sum(2 * np.sin(x) + 1))(np.zeros(2)).tolist())  # np.* on tracers loads funcgrad.numpy
print(fg.numpy.einsum("i,i", np.ones(2), np.ones(2)), isinstance(fg.numpy.einsum, types.FunctionType))  # not the module
print(fg.jit.__module__, {"jit", "numpy"} <= set(dir(fg)))
"""


def test_import_funcgrad_loads_the_numpy_namespace_and_jit_on_first_use():
    out = subprocess.run([sys.executable, "-c", LAZY_IMPORTS], check=True, capture_output=True, text=True).stdout
    assert out.splitlines() == ["[]", "[2.0, 2.0]", "2.0 True", "funcgrad.transforms.jit True"]
