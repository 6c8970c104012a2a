"""Sparse Jacobians and Hessians: equal to the dense ones, patterns that never miss a nonzero,
colourings that are valid, the options, and the errors."""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp

sp = pytest.importorskip("scipy.sparse")

from funcgrad.sparse import coloring  # noqa: E402


def rosen(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def stencil_energy(x):
    """A 2-D 5-point Laplacian energy with a nonlinear term, on an 8 × 8 grid."""
    u = x.reshape(8, 8)
    lap = 4 * u[1:-1, 1:-1] - u[:-2, 1:-1] - u[2:, 1:-1] - u[1:-1, :-2] - u[1:-1, 2:]
    return np.sum(lap ** 2) + np.sum(np.cos(u))


W = np.diag(np.arange(1.0, 9.0)) + np.diag(np.ones(7), 2)[:8, :8]  # a sparse constant matrix


def _rand(n, seed=0):
    return np.random.default_rng(seed).standard_normal(n)


def _dense_jac(f, x):
    j = np.asarray(fg.jacobian(f)(x))
    return j.reshape(-1, x.size)


JACOBIANS = {
    "shifts": lambda x: x[1:] ** 2 - x[:-1],
    "fancy index": lambda x: np.sin(x[np.array([3, 0, 0, 5])]) * x[1:5],
    "at set": lambda x: fnp.asarray(x).at[2].set(x[0] * x[1]) * 2.0,
    "at add": lambda x: fnp.asarray(x).at[np.array([1, 1, 4])].add(x[:3] ** 2),
    "axis sums": lambda x: np.sum(np.tanh(x.reshape(2, 4)), axis=1) * np.max(x.reshape(4, 2), axis=1)[:2],
    "prod axis": lambda x: np.prod(x.reshape(4, 2), axis=1),
    "cumsum": lambda x: np.cumsum(x[::-1]) * x,
    "sparse matmul": lambda x: W @ np.sin(x),
    "matmul both": lambda x: x.reshape(2, 4) @ np.exp(x.reshape(4, 2)),
    "broadcast": lambda x: (x.reshape(2, 4)[:, None, :] * x.reshape(4, 2)[None, :, :1]).ravel(),
    "concatenate": lambda x: np.concatenate([x[5:], np.exp(x[:2]), np.zeros(2)]),
    "pad": lambda x: np.pad(x[2:4] ** 3, (2, 1)),
    "where": lambda x: np.where(x > 0, np.sqrt(np.abs(x) + 1), x ** 2),
    "transpose": lambda x: (x.reshape(2, 4).T * np.arange(1.0, 3.0)).ravel(),
    "cond": lambda x: fg.cond(x[0] > 0, lambda v: v * v[0], lambda v: np.sin(v), x),
    "scan": lambda x: fg.scan(lambda c, v: (c * 0.5 + v, c * v), 0.0, x)[1],
    "fori": lambda x: fg.fori_loop(0, 3, lambda i, v: np.concatenate([v[1:], v[:1] * 0.5]) + v, x),
    "while": lambda x: fg.while_loop(lambda v: np.sum(v * v) < 1e4, lambda v: 2 * v + v[0], x + 1.0),
    "checkpoint": lambda x: fg.checkpoint(lambda v: np.sin(v[1:]) * v[:-1])(x),
    "convolve stencil": lambda x: np.convolve(np.sin(x), np.array([1.0, -2.0, 1.0]), mode="valid"),
    "convolve both": lambda x: np.convolve(x[:3], np.exp(x[3:])),
    "correlate": lambda x: np.correlate(np.exp(x), x[2:5] ** 2, mode="valid"),
    "gradient of convolve": fg.grad(lambda x: np.sum(np.convolve(x[:5], x[5:]) ** 2)),
    "gradient of rosenbrock": fg.grad(rosen),  # reverse-mode IR: scatters, pads, reverse scans
    "gradient of cumsum": fg.grad(lambda x: np.sum(np.cumsum(x) ** 2 * x)),
}


@pytest.mark.parametrize("name", sorted(JACOBIANS))
def test_jacobian_equals_dense(name):
    f = JACOBIANS[name]
    jac = fg.sparse.jacobian(f)
    for seed in range(2):
        x = _rand(8, seed)
        s = jac(x)
        assert isinstance(s, sp.csr_array)
        np.testing.assert_allclose(s.toarray(), _dense_jac(f, x), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["fwd", "rev"])
def test_jacobian_modes(mode):
    f = JACOBIANS["sparse matmul"]
    jac = fg.sparse.jacobian(f, mode=mode)
    x = _rand(8)
    np.testing.assert_allclose(jac(x).toarray(), _dense_jac(f, x), atol=1e-12)
    info = jac.info(x)
    assert info.mode == mode and info.coloring == ("column" if mode == "fwd" else "row")


def test_mode_choice_follows_colours():
    # one dense row: columns all conflict (forward needs n colours), rows do not (reverse needs 2)
    f = lambda x: np.concatenate([np.sum(x ** 2, keepdims=True), np.sin(x)])
    info = fg.sparse.jacobian(f).info(_rand(8))
    assert info.mode == "rev" and info.colors == 2
    g = lambda x: np.concatenate([x[:1] * x, x])  # one dense column
    assert fg.sparse.jacobian(g).info(_rand(8)).mode == "fwd"


HESSIANS = {
    "rosenbrock": rosen,
    "stencil": stencil_energy,
    "indexing": lambda x: x[0] * x[7] + np.sum(np.sin(x[np.array([1, 2, 2])]) * x[3:6]),
    "axis reductions": lambda x: np.sum(np.max(x.reshape(2, 32), axis=0) ** 2) + np.sum(np.prod(x.reshape(16, 4), 1)),
    "sparse quadratic": lambda x: x[:8] @ W @ x[8:16] + np.sum(np.log1p(x ** 2)),
    "division": lambda x: np.sum(x[1:] / (2 + np.cos(x[:-1]))),
    "at updates": lambda x: np.sum(fnp.asarray(x).at[3].set(x[4] * x[5]) ** 2),
    "cond": lambda x: fg.cond(x[0] > 0, lambda v: np.sum(v[1:] * v[:-1]), lambda v: np.sum(v ** 3), x),
    "scan": lambda x: fg.scan(lambda c, v: (c + np.sin(v * c), None), 0.5, x[:10])[0],
}


@pytest.mark.parametrize("name", sorted(HESSIANS))
def test_hessian_equals_dense(name):
    f = HESSIANS[name]
    h = fg.sparse.hessian(f)
    for seed in range(2):
        x = _rand(64, seed)
        np.testing.assert_allclose(h(x).toarray(), fg.hessian(f)(x), rtol=1e-10, atol=1e-10)


def test_rosenbrock_colours_and_pattern():
    h = fg.sparse.hessian(rosen)
    x = _rand(200)
    info = h.info(x)
    assert info.colors <= 3 and info.mode == "hvp" and info.coloring == "star"
    pattern = fg.sparse.hessian_sparsity(rosen)(x)
    expected = (np.abs(np.subtract.outer(np.arange(200), np.arange(200))) <= 1)
    np.testing.assert_array_equal(pattern.toarray(), expected)


def test_convolution_stencil_is_banded():
    f = lambda x: np.sum(np.convolve(x, np.array([1.0, -2.0, 1.0]), mode="valid") ** 2)
    x = _rand(40)
    h = fg.sparse.hessian(f)
    np.testing.assert_allclose(h(x).toarray(), fg.hessian(f)(x), atol=1e-12)
    assert h.info(x).nnz == 40 + 2 * 39 + 2 * 38  # pentadiagonal
    assert h.info(x).colors <= 5


def test_argument_of_any_shape():
    f = lambda m: np.sum(np.tanh(m[:, 1:] * m[:, :-1])) + np.sum(m[1:] ** 3 * m[:-1])
    x = _rand(12).reshape(3, 4)
    np.testing.assert_allclose(fg.sparse.hessian(f)(x).toarray(), fg.hessian(f)(x).reshape(12, 12), atol=1e-12)
    g = lambda m: np.sin(m.T @ m)
    np.testing.assert_allclose(fg.sparse.jacobian(g)(x).toarray(), fg.jacobian(g)(x).reshape(16, 12), atol=1e-12)


def test_stencil_pattern_is_exact():
    pattern = fg.sparse.hessian_sparsity(stencil_energy)(_rand(64)).toarray()
    dense = np.zeros((64, 64), bool)
    for seed in range(3):
        dense |= fg.hessian(stencil_energy)(_rand(64, seed)) != 0
    np.testing.assert_array_equal(pattern, dense)


def test_float32():
    x = _rand(16).astype(np.float32)
    s = fg.sparse.hessian(rosen)(x)
    assert s.dtype == np.float32
    np.testing.assert_allclose(s.toarray(), fg.hessian(rosen)(x), rtol=1e-4, atol=1e-2)


def test_other_arguments_and_argnums():
    f = lambda a, x, scale: scale * np.sum(a * x[1:] * x[:-1])
    a, x = _rand(7, 1), _rand(8)
    h = fg.sparse.hessian(f, argnums=1)
    np.testing.assert_allclose(h(a, x, 2.0).toarray(), fg.hessian(f, argnums=1)(a, x, 2.0), atol=1e-12)
    np.testing.assert_allclose(h(a * 3, x, 2.0).toarray(), fg.hessian(f, argnums=1)(a * 3, x, 2.0), atol=1e-12)


def test_user_pattern():
    x = _rand(8)
    f = JACOBIANS["shifts"]
    pattern = np.abs(np.subtract.outer(np.arange(7), np.arange(8)) + 0.5) < 1  # the bidiagonal band
    s = fg.sparse.jacobian(f, sparsity=pattern)(x)
    np.testing.assert_allclose(s.toarray(), _dense_jac(f, x))
    with pytest.raises(ValueError, match="sparsity= must be"):
        fg.sparse.jacobian(f, sparsity=np.ones((7, 5), bool))(x)


def test_local_patterns():
    f = lambda x: np.sum(np.where(x > 0, x ** 2, 0.0)) + np.sum(np.maximum(x[1:], x[:-1]) * x[1:])
    x = np.array([1.0, -2.0, 3.0, -4.0, 5.0])
    glob = fg.sparse.hessian_sparsity(f)(x).toarray()
    loc = fg.sparse.hessian_sparsity(f, local=True)(x).toarray()
    assert loc.sum() < glob.sum() and not np.any(loc & ~glob)
    np.testing.assert_allclose(fg.sparse.hessian(f, local=True)(x).toarray(), fg.hessian(f)(x))
    # Python control flow on values: global detection says how to fix it, local detection works
    g = lambda x: np.sum(x ** 2) if x[0] > 0 else np.sum(x ** 3)
    with pytest.raises(fg.ConcretizationError, match="local=True"):
        fg.sparse.hessian(g)(x)
    np.testing.assert_allclose(fg.sparse.hessian(g, local=True)(x).toarray(), fg.hessian(g)(x))


def test_empty_derivative():
    s = fg.sparse.jacobian(lambda x: np.floor(x) + 1.0)(_rand(4))
    assert s.shape == (4, 4) and s.nnz == 0
    assert fg.sparse.hessian(lambda x: np.sum(3 * x))(_rand(4)).nnz == 0


def test_errors():
    x = _rand(4)
    with pytest.raises(TypeError, match="argnums must be one int"):
        fg.sparse.jacobian(np.sin, argnums=(0,))
    with pytest.raises(TypeError, match="must be a float array"):
        fg.sparse.jacobian(np.sin)(np.arange(3))
    with pytest.raises(TypeError, match="must return one scalar"):
        fg.sparse.hessian(np.sin)(x)
    with pytest.raises(ValueError, match="mode='sideways'"):
        fg.sparse.jacobian(np.sin, mode="sideways")
    with pytest.raises(ValueError, match="order='random'"):
        fg.sparse.hessian(rosen, order="random")
    with pytest.raises(TypeError, match="out of range"):
        fg.sparse.jacobian(np.sin, argnums=2)(x)
    with pytest.raises(TypeError, match="must be callable"):
        fg.sparse.jacobian(np.sin(x))


def test_scipy_trust_constr():
    from scipy.optimize import minimize

    n = 20
    res = minimize(rosen, np.full(n, -0.5), jac=fg.jit(fg.grad(rosen)), hess=fg.sparse.hessian(rosen),
                   method="trust-constr", options={"gtol": 1e-10, "maxiter": 2000})
    np.testing.assert_allclose(res.x, np.ones(n), atol=1e-6)


# ----------------------------------------------------------------------------- colourings


def _random_pattern(rng, m, n, density):
    return sp.csr_array(rng.random((m, n)) < density)


@pytest.mark.parametrize("order", coloring.ORDERS)
def test_column_coloring_is_valid(order):
    rng = np.random.default_rng(1)
    for _ in range(30):
        p = _random_pattern(rng, 12, 10, 0.2)
        colors = coloring.column_coloring(p, order)
        dense = p.toarray()
        for c in set(colors.tolist()):
            assert np.all(dense[:, colors == c].sum(axis=1) <= 1)


@pytest.mark.parametrize("order", coloring.ORDERS)
def test_star_coloring_is_valid(order):
    rng = np.random.default_rng(2)
    for _ in range(30):
        a = rng.random((12, 12)) < 0.2
        p = sp.csr_array(a | a.T | np.eye(12, dtype=bool))
        colors = coloring.star_coloring(p, order)
        adj = p.toarray() & ~np.eye(12, dtype=bool)
        assert not np.any(adj & (colors[:, None] == colors[None, :]))  # distance-1
        for v in range(12):  # no two-coloured path w - v - x - y
            for w in np.flatnonzero(adj[v]):
                for x in np.flatnonzero(adj[v]):
                    if x == w or colors[x] != colors[w]:
                        continue
                    for y in np.flatnonzero(adj[x]):
                        assert y == v or colors[y] != colors[v]
        h = np.where(p.toarray(), rng.standard_normal((12, 12)), 0.0)
        h = h + h.T
        rows, cols = coloring.star_recovery(p, colors)
        compressed = h @ coloring.seeds(colors).T
        sym = sp.csr_array(p)
        sym.sort_indices()
        got = compressed[rows, cols]
        expected = h[np.repeat(np.arange(12), np.diff(sym.indptr)), sym.indices]
        np.testing.assert_allclose(got, expected)


def test_star_uses_fewer_colours_than_distance_two():
    n = 30  # an arrowhead: one vertex adjacent to all others
    a = np.eye(n, dtype=bool)
    a[0, :] = a[:, 0] = True
    assert int(coloring.star_coloring(sp.csr_array(a)).max()) + 1 == 2
    assert int(coloring.column_coloring(sp.csr_array(a)).max()) + 1 == n


# ----------------------------------------------------------------------------- random programs


def _random_program(rng, n):
    """A random function R^n -> R^n over the primitive menu, as ``(source, fn)``."""
    perm = rng.permutation(n)
    const = np.where(rng.random((n, n)) < 0.2, rng.standard_normal((n, n)), 0.0)
    unary = [("np.sin({})", np.sin), ("np.exp({} * 0.1)", None), ("({}) ** 2", None), ("np.tanh({})", None),
             ("np.abs({})", None), ("np.maximum({}, 0.1)", None), ("np.cumsum({})", None), ("({})[::-1]", None),
             ("({})[perm]", None), ("C @ ({})", None), ("np.roll({}, 1)", None),
             ("np.concatenate([({})[1:], ({})[:1] * 0])", None),
             ("np.repeat(np.sum(({}).reshape(2, -1), axis=1), {half})", None),
             ("np.sort({})", None)]
    binary = ["{} * {}", "{} + {}", "{} / (1 + {} ** 2)", "np.where({0} > 0, {1}, {0})", "np.maximum({}, {})"]
    names = ["x"]
    lines = []
    for k in range(int(rng.integers(2, 7))):
        if rng.random() < 0.5 and len(names) > 1:
            a, b = rng.choice(names, 2, replace=False)
            expr = binary[int(rng.integers(len(binary)))].format(a, b)
        else:
            a = names[int(rng.integers(len(names)))]
            expr = unary[int(rng.integers(len(unary)))][0].replace("{half}", str(n // 2)).format(a, a)
        lines.append(f"v{k} = {expr}")
        names.append(f"v{k}")
    src = "def f(x):\n    " + "\n    ".join(lines) + f"\n    return {names[-1]}\n"
    scope = {"np": np, "perm": perm, "C": const}
    try:
        exec(src, scope)
    except Exception:  # noqa: BLE001
        return None
    return src, scope["f"]


def test_detection_never_misses_on_random_programs():
    rng = np.random.default_rng(2024)
    n, checked = 6, 0
    for _ in range(120):
        made = _random_program(rng, n)
        if made is None:
            continue
        src, f = made
        jp = fg.sparse.jacobian_sparsity(f)(np.ones(n)).toarray()
        hp = fg.sparse.hessian_sparsity(lambda x: np.sum(f(x) * np.arange(1.0, n + 1)))(np.ones(n)).toarray()
        for _ in range(2):
            x = rng.standard_normal(n) * 2
            dense_j = np.asarray(fg.jacobian(f)(x)) != 0
            assert not np.any(dense_j & ~jp), src
            g = lambda v: np.sum(f(v) * np.arange(1.0, n + 1))
            dense_h = np.asarray(fg.hessian(g)(x)) != 0
            assert not np.any(dense_h & ~hp), src
            local = fg.sparse.jacobian_sparsity(f, local=True)(x).toarray()
            assert not np.any(dense_j & ~local) and not np.any(local & ~jp), src
            checked += 1
    assert checked > 150
