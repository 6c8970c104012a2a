"""Accuracy of funcgrad.backends.numba_math against NumPy, through @njit loops as the generated kernels use it."""

import importlib.util
import platform
import sys

import numpy as np
import pytest
from numba import njit

from funcgrad.backends import numba_math as nm

N_RANDOM = 500_000  # random bit patterns per function and dtype, on top of the range sweeps

F64_NAMES = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sin", "cos", "tanh", "logistic", "sinh", "cosh"]

# max ulp distance to the reference (see ``reference``): NumPy's long double loops for float64, its float64 loops
# rounded once for float32
BOUND = {"float64": 2, "float32": 1}
# float32 against NumPy's own float32 loops, which are themselves up to a few ulp from the rounded result
BOUND_NP32 = 4

_LOOPS = {}


def loop_for(name, dtype):
    """A compiled loop ``out[i] = f(x[i])`` over the numba_math function (compiled once per session)."""
    key = (name, dtype)
    if key not in _LOOPS:
        f = nm.FUNCTIONS[key]

        @njit
        def apply(x, out):
            for i in range(x.shape[0]):
                out[i] = f(x[i])

        _LOOPS[key] = apply
    return _LOOPS[key]


def run(name, dtype, x):
    out = np.empty_like(x)
    loop_for(name, dtype)(x, out)
    return out


def ordered(a):
    """Float bits mapped to integers in the order of the floats (-0.0 and +0.0 both map to 0)."""
    itype = np.int64 if a.dtype == np.float64 else np.int32
    i = a.view(itype).astype(np.int64)
    lowest = -(2**63) if a.dtype == np.float64 else -(2**31)
    return np.where(i < 0, lowest - i, i)


def ulp_distance(a, b):
    """Number of representable floats between a and b (as float64, exact below 2**53)."""
    oa, ob = ordered(a), ordered(b)
    same = (oa >= 0) == (ob >= 0)
    near = np.abs(np.where(same, oa, 0) - np.where(same, ob, 0)).astype(np.float64)  # no int64 overflow
    far = np.abs(oa.astype(np.float64)) + np.abs(ob.astype(np.float64))
    return np.where(same, near, far)


def specials(dtype):
    fi = np.finfo(dtype)
    tiny = fi.smallest_subnormal
    vals = [0.0, np.inf, np.nan, tiny, 2 * tiny, fi.smallest_normal - tiny, fi.smallest_normal, fi.max, 1.0, 2.0, 0.5]
    vals += [fi.eps, np.pi / 2, np.pi, 1e-30, 1e30]
    v = np.array(vals, dtype=dtype)
    return np.concatenate([v, -v])


def sweep(name, dtype, rng):
    """Inputs over the whole domain: random bit patterns, log-spaced magnitudes, the function's own ranges."""
    fi = np.finfo(dtype)
    itype, utype = (np.int64, np.uint64) if dtype == np.float64 else (np.int32, np.uint32)
    top = int(np.array(np.inf, dtype).view(itype))  # bits of +inf: every finite positive value lies below
    bits = rng.integers(0, top, N_RANDOM, dtype=np.int64).astype(utype)
    rand = bits.view(dtype) * np.where(rng.random(N_RANDOM) < 0.5, -1, 1).astype(dtype)
    mags = np.logspace(np.log10(fi.smallest_subnormal), np.log10(fi.max), 60_000, dtype=np.float64).astype(dtype)
    parts = [specials(dtype), rand, mags, -mags]

    def uniform(lo, hi, n=120_000):
        parts.append(rng.uniform(lo, hi, n).astype(dtype))

    big = 760.0 if dtype == np.float64 else 110.0
    if name in ("exp", "expm1", "sinh", "cosh", "logistic"):
        uniform(-big, big)
        uniform(-1.0, 1.0)
        uniform(-1e-6, 1e-6)
        uniform(big - 60, big - 40)
    elif name == "exp2":
        uniform(-1.5 * big, 1.5 * big)
        uniform(-1.0, 1.0)
        parts.append(np.arange(-1100, 1100).astype(dtype))
    elif name in ("log", "log2", "log10"):
        uniform(0.0, 10.0)
        uniform(0.5, 2.0)
        uniform(1 - 1e-6, 1 + 1e-6)
        parts.append((2.0 ** np.arange(-1074, 1024)).astype(dtype))
        parts.append((10.0 ** np.arange(-20, 21)).astype(dtype))
    elif name == "log1p":
        uniform(-1.0, 1.0)
        uniform(-1e-6, 1e-6)
        uniform(-1.0, -0.999)
        uniform(0.0, 1e6)
    elif name in ("sin", "cos"):
        uniform(-10.0, 10.0)
        uniform(-1e6, 1e6)
        uniform(-1e22, 1e22)
        k = np.arange(1, 200_000, dtype=np.float64)
        parts.append((k * (np.pi / 2)).astype(dtype))  # as close to multiples of pi/2 as the dtype gets
        parts.append((np.exp2(rng.integers(0, 60, 100_000)) * (np.pi / 2)).astype(dtype))
        if dtype == np.float64:  # the double closest to a multiple of pi/2, pi/2 and pi rounded, 1e22
            parts.append(np.array([6381956970095103 * 2.0**797, 1.5707963267948966, np.pi, 1e22, 2.0**1023]))
    elif name == "tanh":
        uniform(-25.0, 25.0)
        uniform(-1.0, 1.0)
        uniform(-1e-6, 1e-6)
    return np.concatenate(parts).astype(dtype)


def logistic_ref(x):
    xl = x.astype(np.longdouble)
    e = np.exp(-np.abs(xl))
    return np.where(xl >= 0, 1 / (1 + e), e / (1 + e))


def reference(name, x):
    """NumPy's result for x in the next wider type (long double for float64), rounded once to x's dtype.

    NumPy's own float64 loops are a few ulp off in places (its SIMD cos reaches 8 ulp near some multiples of
    pi/2 at huge arguments), so float64 is checked against NumPy's long double loops where those are wider.
    """
    wide = np.longdouble if x.dtype == np.float64 else np.float64
    if name == "logistic":
        return logistic_ref(x).astype(x.dtype)
    return getattr(np, name)(x.astype(wide)).astype(x.dtype)


def check(name, dtype, x, got, ref, bound, exact_edges=True):
    nan_ref, nan_got = np.isnan(ref), np.isnan(got)
    bad = np.flatnonzero(nan_ref != nan_got)
    assert bad.size == 0, f"{name}[{dtype}] nan mismatch at x={x[bad[:5]]}: got {got[bad[:5]]}, want {ref[bad[:5]]}"
    ok = ~nan_ref
    d = ulp_distance(got[ok], ref[ok])
    worst = int(np.argmax(d))
    assert d[worst] <= bound, (
        f"{name}[{dtype}] {d[worst]:.0f} ulp at x={x[ok][worst]!r}: got {got[ok][worst]!r}, want {ref[ok][worst]!r}"
    )
    if not exact_edges:
        return d.max()
    # infinities and zeros exactly, with their signs
    exact = ok & (np.isinf(ref) | (ref == 0) | np.isinf(got) | (got == 0))
    assert np.array_equal(got[exact], ref[exact]), f"{name}[{dtype}] inf/zero mismatch"
    assert np.array_equal(np.signbit(got[exact]), np.signbit(ref[exact])), f"{name}[{dtype}] sign of zero/inf"
    return d.max()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", F64_NAMES)
def test_accuracy_against_numpy(name, dtype):
    dt = np.dtype(dtype).type
    rng = np.random.default_rng(sum(map(ord, name + dtype)))
    x = sweep(name, dt, rng)
    with np.errstate(all="ignore"):
        got = run(name, dtype, x)
        ref = reference(name, x)
        assert got.dtype == x.dtype
        check(name, dtype, x, got, ref, BOUND[dtype])
        if dtype == "float64" and name != "logistic":
            # NumPy's float64 loops directly, wherever they are within 1 ulp of its long double result
            np64 = getattr(np, name)(x)
            good = (ulp_distance(np64, ref) <= 1) | (np.isnan(np64) & np.isnan(ref))
            check(name, dtype + " vs numpy float64", x[good], got[good], np64[good], BOUND[dtype])
        if dtype == "float32" and name != "logistic":
            np32 = getattr(np, name)(x)
            # NumPy's float32 loops are themselves off by an ulp or two (exp2 flushes 2**-149.5 to 0)
            check(name, dtype + " vs numpy float32", x, got, np32, BOUND_NP32, exact_edges=False)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", F64_NAMES)
def test_special_values_exactly(name, dtype):
    dt = np.dtype(dtype).type
    x = specials(dt)
    with np.errstate(all="ignore"):
        got = run(name, dtype, x)
        ref = reference(name, x)
    assert np.array_equal(np.isnan(got), np.isnan(ref))
    edge = np.isnan(x) | np.isinf(x) | (x == 0)
    assert np.array_equal(got[edge], ref[edge], equal_nan=True), (x[edge], got[edge], ref[edge])
    assert np.array_equal(np.signbit(got[edge & ~np.isnan(ref)]), np.signbit(ref[edge & ~np.isnan(ref)]))


def test_named_edge_cases():
    with np.errstate(all="ignore"):
        f64 = lambda name, v: run(name, "float64", np.array(v, dtype=np.float64))
        assert np.all(f64("exp", [710.0, 709.79, 1e308, np.inf]) == np.inf)
        assert np.array_equal(f64("exp", [-746.0, -1e308, -np.inf]), [0.0, 0.0, 0.0])
        sub = f64("exp", [-745.0, -740.0, -708.5])
        assert np.array_equal(sub, np.exp([-745.0, -740.0, -708.5])) and 0 < sub[0] < np.finfo(float).smallest_normal
        assert np.array_equal(f64("log", [0.0, -0.0, -1.0, 5e-324]), np.log([0.0, -0.0, -1.0, 5e-324]), equal_nan=True)
        assert f64("log1p", [-1.0])[0] == -np.inf and np.isnan(f64("log1p", [-1.5])[0])
        for name in ("sin", "expm1", "log1p", "tanh", "sinh"):
            r = f64(name, [-0.0, 0.0])
            assert np.array_equal(np.signbit(r), [True, False]) and np.all(r == 0), name
        for name in ("sin", "cos"):
            x = np.array([1e300, -1e300, 1e22, 2.0**1023, 6381956970095103 * 2.0**797])
            assert np.max(ulp_distance(f64(name, x), reference(name, x))) <= 1, name


def test_ulp_distance_detects_one_ulp():
    a = np.array([1.0, -0.0, 5e-324, -2.0, np.finfo(float).max])
    b = np.nextafter(a, np.inf)
    assert np.array_equal(ulp_distance(a, b), [1, 1, 1, 1, 1])
    assert ulp_distance(np.array([-5e-324]), np.array([5e-324]))[0] == 2
    a32 = np.array([1.0, -1.0], dtype=np.float32)
    assert np.array_equal(ulp_distance(a32, np.nextafter(a32, np.float32(2))), [1, 1])


def test_functions_table():
    names = {"exp", "expm1", "log", "log1p", "sin", "cos", "tanh", "logistic"}
    assert names <= {n for n, _ in nm.FUNCTIONS}
    for (name, dtype), f in nm.FUNCTIONS.items():
        assert f is getattr(nm, f"{name}_{'f64' if dtype == 'float64' else 'f32'}")
        assert f.targetoptions.get("fastmath", False) is False


@pytest.mark.skipif(platform.machine() not in ("x86_64", "AMD64"), reason="checks x86 packed instructions")
def test_loops_vectorise():
    for name in ("exp", "log", "sin"):
        loop = loop_for(name, "float64")
        run(name, "float64", np.ones(8))
        asm = loop.inspect_asm(loop.signatures[0])
        assert "mulpd" in asm, name  # packed double multiplies: the loop body was vectorised


def test_cached_use_from_another_module(tmp_path, monkeypatch):
    src = tmp_path / "nm_user_mod.py"
    src.write_text(
        "from numba import njit\n"
        "from funcgrad.backends.numba_math import sin_f64, log1p_f32\n\n\n"
        "@njit(cache=True)\n"
        "def kernel(x, out, out32):\n"
        "    for i in range(x.shape[0]):\n"
        "        out[i] = sin_f64(x[i])\n"
        "        out32[i] = log1p_f32(out32[i])\n"
    )
    x = np.linspace(-1e6, 1e6, 1001)

    def load(modname):
        spec = importlib.util.spec_from_file_location(modname, src)
        mod = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, modname, mod)
        spec.loader.exec_module(mod)
        return mod

    for attempt in range(2):
        mod = load("nm_user_mod")
        out, out32 = np.empty_like(x), np.linspace(0, 1, x.size).astype(np.float32)
        want32 = np.log1p(out32.astype(np.float64)).astype(np.float32)
        mod.kernel(x, out, out32)
        assert np.max(ulp_distance(out, np.sin(x))) <= 1
        assert np.max(ulp_distance(out32, want32)) <= 1
        if attempt == 1:
            assert sum(mod.kernel.stats.cache_hits.values()) == 1
