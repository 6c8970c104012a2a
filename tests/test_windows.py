"""Index maps for the numba tier: slices, padding and identity-like constants inside kernels."""

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backends.tiering import kernel_ir
from funcgrad.passes.windows import _eye_pattern, eye, index_maps, inside, window

rng = np.random.default_rng(5)


@pytest.fixture(autouse=True)
def numba_always(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "always")


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _names(ir):
    return [e.prim.name for e in ir.eqns]


def _agree(f, *args):
    """``fg.jit(f)`` on the numba tier gives the eager result, to rounding (sums may cancel)."""
    jf = fg.jit(f)
    got, want = jf(*args), f(*args)
    assert jf.tier(*args) == "numba"
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13 * np.max(np.abs(want)))
    return jf


def test_a_stencil_is_one_kernel_reading_its_input_twice():
    x = rng.standard_normal(50)
    jf = _agree(lambda x: np.sin(x[2:]) - 2 * x[1:-1] + np.cos(x[:-2]), x)
    ir = kernel_ir(jf.ir(x))
    assert _names(ir) == ["fused"]
    assert _names(ir.eqns[0].params["ir"]).count("window") == 3


def test_slices_of_elementwise_results_are_recomputed_in_place_of_a_temporary():
    x = rng.standard_normal(40)
    ir = index_maps(fg.make_ir(lambda x: np.exp(x)[1:] * np.exp(x)[:-1])(x))
    assert "getitem" not in _names(ir)
    assert _names(ir).count("exp") == 2  # one per window, reading x shifted
    _agree(lambda x: np.exp(x)[1:] * np.exp(x)[:-1], x)


@pytest.mark.parametrize("n", [5, 300])
def test_gradient_of_slices_pads_inside_the_kernel(n):
    x = rng.standard_normal(n)
    f = fg.grad(lambda x: np.sum(np.sin(x[1:]) * np.tanh(x[:-1])) + np.sum(x[2:].mean() * x[:-2]))
    jf = _agree(f, x)
    ir = kernel_ir(jf.ir(x))
    assert "scatter_add" not in _names(ir)
    assert "inside" in [e.prim.name for e in ir.eqns if e.prim.name == "fused" for e in e.params["ir"].eqns]


def test_two_dimensional_pads_at_both_ends():
    x = rng.standard_normal((30, 20))

    def f(x):
        lap = x[2:, 1:-1] + x[:-2, 1:-1] + x[1:-1, 2:] + x[1:-1, :-2] - 4 * x[1:-1, 1:-1]
        return np.sum(np.tanh(lap) ** 2)

    _agree(fg.grad(f), x)
    v = rng.standard_normal((30, 20))
    g = fg.jit(lambda x, v: fg.hvp(f, (x,), (v,))[1])
    want = fg.hvp(f, (x,), (v,))[1]
    np.testing.assert_allclose(g(x, v), want, rtol=1e-12, atol=1e-13 * np.max(np.abs(want)))


@pytest.mark.parametrize("n", [30, 1000])
def test_rosenbrock_hessian_needs_no_basis_constants(n):
    x = rng.uniform(-1, 1, n)
    jf = _agree(fg.hessian(rosen), x)
    ir = kernel_ir(jf.ir(x))
    assert all(np.ndim(c) <= 1 or c.size < n * n // 4 for c in ir.consts)  # no n×n basis matrices
    assert sum(e.prim.name == "fused" and e.params["shape"] == (n, n) for e in ir.eqns) == 1
    hand = np.zeros((n, n))
    hand[np.arange(n), np.arange(n)] = np.r_[1200 * x[:-1] ** 2 - 400 * x[1:] + 2, 0] + np.r_[0, np.full(n - 1, 200)]
    hand[np.arange(n - 1), np.arange(1, n)] = hand[np.arange(1, n), np.arange(n - 1)] = -400 * x[:-1]
    np.testing.assert_allclose(jf(x), hand, rtol=1e-12, atol=1e-9)


def test_eye_pattern_recognises_runs_of_a_shifted_diagonal_only():
    assert _eye_pattern(np.eye(20)) == ((0, 1), 0, 1.0, (0, 20), 0.0)
    pattern = _eye_pattern(-3 * np.eye(20, 19, -1)[:, None, :])
    assert pattern == ((0, 2), 1, -3.0, (1, 20), 0.0) and np.signbit(pattern[-1])  # -3 * 0.0 is -0.0
    d = np.diag(np.r_[np.full(19, 2.0), 0.0])
    assert _eye_pattern(d) == ((0, 1), 0, 2.0, (0, 19), 0.0)
    broken = np.eye(20)
    broken[5, 5] = 0
    assert _eye_pattern(broken) is None
    assert _eye_pattern(np.diag(np.arange(1.0, 21))) is None
    mixed_zeros = np.eye(20)
    mixed_zeros[0, 1] = -0.0
    assert _eye_pattern(mixed_zeros) is None
    assert _eye_pattern(np.ones((20, 20))) is None
    assert _eye_pattern(np.eye(5)) is None  # too small to be worth it


def test_index_maps_evaluate_in_python_as_in_kernels():
    x = rng.standard_normal((4, 1, 6))
    np.testing.assert_array_equal(window.impl(x, offset=(1, 0, 2), shape=(3, 1, 4)), x[1:4, :, 2:6])
    clamped = window.impl(x, offset=(0, 0, -1), shape=(4, 1, 7))
    np.testing.assert_array_equal(clamped[:, :, 1:], x)  # the unspecified column reads the nearest element
    np.testing.assert_array_equal(window.impl(x, offset=(0, 0, 0), shape=(4, 3, 6)), np.broadcast_to(x, (4, 3, 6)))
    mask = inside.impl(lo=(1, 0), hi=(3, 4), shape=(4, 5))
    assert mask.sum() == 8 and mask[1:3, :4].all()
    np.testing.assert_array_equal(eye.impl(shape=(3, 4), axes=(0, 1), k=-1, scale=2.5, zero=0.0, dtype="float32"),
                                  2.5 * np.eye(3, 4, 1, dtype=np.float32))
    assert np.signbit(eye.impl(shape=(3, 4), axes=(0, 1), k=0, scale=-1.0, zero=-0.0, dtype="float64")).all()


def test_a_window_read_by_an_opaque_primitive_is_materialised_once():
    W = rng.standard_normal((9, 4))
    x = rng.standard_normal(10)
    f = lambda x: np.tanh(x[1:] @ W) * np.sum(x[1:] ** 2)  # noqa: E731
    jf = _agree(f, x)
    ir = kernel_ir(jf.ir(x))
    assert _names(ir).count("window") <= 1 and "getitem" not in _names(ir)


def test_float32_stencils_stay_float32():
    x = rng.standard_normal(64).astype(np.float32)
    jf = fg.jit(fg.grad(lambda x: np.sum(np.sin(x[1:] - x[:-1]))))
    got = jf(x)
    assert got.dtype == np.float32 and jf.tier(x) == "numba"
    np.testing.assert_allclose(got, fg.grad(lambda x: np.sum(np.sin(x[1:] - x[:-1])))(x), rtol=2e-6)
