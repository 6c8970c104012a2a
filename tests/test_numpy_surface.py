"""The rest of NumPy's differentiable surface: values against NumPy (float64 and float32), derivatives
(fwd/rev, order 2), vmap against a Python loop, and the value-only helpers.

Every case is a function ``fn(m, *xs)`` of a namespace ``m``: ``fn(np, ...)`` is the NumPy reference,
and the same code runs on traced values (plain ``np.*`` calls dispatch through NEP 13/18) and on
``funcgrad.numpy`` (``fn(fnp, ...)``). Inputs are random, away from ties and kinks.
"""

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.numpy as fnp
from funcgrad import tree
from funcgrad.testing import check_grads

pytestmark = pytest.mark.usefixtures("transform_mode")  # every test also runs under fg.jit


# ----------------------------------------------------------------------------- inputs

def normal(*shape):
    return lambda rng: rng.standard_normal(shape)


def positive(*shape):
    return lambda rng: rng.uniform(0.5, 2.0, shape)


def increasing(n):
    """Distinct sorted coordinates."""
    return lambda rng: np.cumsum(rng.uniform(0.5, 1.5, n)) - n / 2


def with_nans(*shape):
    def make(rng):
        x = rng.standard_normal(shape).ravel()
        x[[1, len(x) - 2]] = np.nan
        return x.reshape(shape)

    return make


def unit(*shape):
    return lambda rng: rng.uniform(0.15, 0.85, shape)


XP = np.array([-1.0, -0.2, 0.5, 1.3, 2.0])
IDX = np.array([[0, 2, 1, 2], [1, 0, 0, 2]])
AW = np.array([0.5, 1.0, 2.0, 1.5, 0.7, 1.2])
FW = np.array([1, 2, 1, 3, 1, 2])
SPECIAL = np.array([1.0, np.inf, np.nan, -np.inf, 1.0])

CASES = [
    # sorting and order statistics
    ("sort", lambda m, x: m.sort(x), [normal(3, 4)]),
    ("sort_axis0", lambda m, x: m.sort(x, axis=0), [normal(4, 3)]),
    ("sort_none", lambda m, x: m.sort(x, axis=None), [normal(2, 3)]),
    ("argsort_gather", lambda m, x: m.take_along_axis(x, m.argsort(x, axis=0), 0), [normal(4, 3)]),
    ("median_odd", lambda m, x: m.median(x), [normal(5)]),
    ("median_even_axis", lambda m, x: m.median(x, axis=1), [normal(3, 4)]),
    ("median_axes_keepdims", lambda m, x: m.median(x, axis=(0, 2), keepdims=True), [normal(2, 3, 3)]),
    ("quantile", lambda m, x: m.quantile(x, 0.3), [normal(7)]),
    ("quantile_array_axis", lambda m, x: m.quantile(x, [0.1, 0.5, 0.95], axis=0), [normal(6, 2)]),
    ("quantile_keepdims", lambda m, x: m.quantile(x, np.array([[0.2], [0.7]]), axis=1, keepdims=True),
     [normal(3, 5)]),
    ("quantile_in_q", lambda m, x, q: m.quantile(x, q), [normal(6), unit()]),
    ("quantile_lower", lambda m, x: m.quantile(x, 0.37, method="lower"), [normal(6)]),
    ("quantile_higher", lambda m, x: m.quantile(x, 0.37, method="higher"), [normal(6)]),
    ("quantile_nearest", lambda m, x: m.quantile(x, [0.2, 0.5, 0.9], method="nearest"), [normal(6)]),
    ("quantile_midpoint", lambda m, x: m.quantile(x, [0.0, 0.37, 1.0], method="midpoint"), [normal(6)]),
    ("percentile", lambda m, x: m.percentile(x, [25, 80], axis=-1), [normal(2, 5)]),
    ("quantile_weibull_in_q", lambda m, x, q: m.quantile(x, q, method="weibull"), [normal(6), unit()]),
    ("quantile_discrete_methods", lambda m, x: tuple(m.quantile(x, [0.2, 0.5, 0.9], method=k) for k in (
        "inverted_cdf", "closest_observation", "averaged_inverted_cdf")), [normal(7)]),
    ("nanquantile_hazen", lambda m, x: m.nanquantile(x, [0.1, 0.8], axis=1, method="hazen"), [with_nans(3, 5)]),
    ("ptp", lambda m, x: m.ptp(x, axis=1), [normal(3, 4)]),
    # differences, integrals, statistics
    ("diff", lambda m, x: m.diff(x), [normal(5)]),
    ("diff_2_axis0", lambda m, x: m.diff(x, 2, axis=0), [normal(5, 3)]),
    ("diff_prepend_append", lambda m, x, y: m.diff(x, prepend=y, append=0.5), [normal(4), normal(2)]),
    ("ediff1d", lambda m, x, y: m.ediff1d(x, to_end=y, to_begin=-1.0), [normal(2, 3), normal(2)]),
    ("gradient", lambda m, x: m.gradient(x), [normal(5)]),
    ("gradient_spacing_order2", lambda m, x: m.gradient(x, 0.5, edge_order=2), [normal(6)]),
    ("gradient_2d", lambda m, x: m.gradient(x), [normal(3, 4)]),
    ("gradient_axis_coords", lambda m, x, c: m.gradient(x, c, axis=1), [normal(2, 5), increasing(5)]),
    ("gradient_coords_order2", lambda m, x, c: m.gradient(x, c, edge_order=2), [normal(6), increasing(6)]),
    ("trapezoid", lambda m, y: m.trapezoid(y, dx=0.3), [normal(6)]),
    ("trapezoid_x", lambda m, y, x: m.trapezoid(y, x, axis=0), [normal(5, 2), increasing(5)]),
    ("cov", lambda m, x: m.cov(x), [normal(3, 6)]),
    ("cov_colvar_y", lambda m, x, y: m.cov(x, y, rowvar=False), [normal(6, 2), normal(6)]),
    ("cov_bias_ddof", lambda m, x: m.cov(x, ddof=2), [normal(2, 6)]),
    ("cov_weights", lambda m, x: m.cov(x, aweights=AW, fweights=FW), [normal(2, 6)]),
    ("corrcoef", lambda m, x: m.corrcoef(x), [normal(3, 6)]),
    ("corrcoef_xy", lambda m, x, y: m.corrcoef(x, y), [normal(6), normal(6)]),
    # NaN-ignoring reductions
    ("nansum", lambda m, x: m.nansum(x, axis=0), [with_nans(4, 3)]),
    ("nanmean", lambda m, x: m.nanmean(x, axis=1), [with_nans(3, 4)]),
    ("nanvar", lambda m, x: m.nanvar(x, ddof=1), [with_nans(3, 4)]),
    ("nanstd_keepdims", lambda m, x: m.nanstd(x, axis=0, keepdims=True), [with_nans(4, 3)]),
    ("nanmax", lambda m, x: m.nanmax(x, axis=1), [with_nans(3, 4)]),
    ("nanmin", lambda m, x: m.nanmin(x), [with_nans(3, 4)]),
    ("nanprod", lambda m, x: m.nanprod(x, axis=1), [with_nans(3, 4)]),
    ("nancumsum", lambda m, x: m.nancumsum(x), [with_nans(2, 3)]),
    ("nancumprod", lambda m, x: m.nancumprod(x, axis=1), [with_nans(3, 3)]),
    ("nanmedian", lambda m, x: m.nanmedian(x, axis=1), [with_nans(3, 4)]),
    ("nanquantile", lambda m, x: m.nanquantile(x, [0.3, 0.6], axis=0), [with_nans(5, 2)]),
    ("nanpercentile", lambda m, x: m.nanpercentile(x, 40), [with_nans(7)]),
    ("nan_to_num", lambda m, x: m.nan_to_num(m.where(np.isfinite(SPECIAL), x, SPECIAL), posinf=7.0), [normal(5)]),
    # shapes
    ("rot90", lambda m, x: m.rot90(x), [normal(2, 3)]),
    ("rot90_k2", lambda m, x: m.rot90(x, 2), [normal(2, 3)]),
    ("rot90_k3_axes", lambda m, x: m.rot90(x, -1, axes=(1, 2)), [normal(2, 3, 4)]),
    ("atleast_3d", lambda m, x, y: m.atleast_3d(x, y), [normal(3), normal(2, 3)]),
    ("dstack", lambda m, x, y: m.dstack([x, y]), [normal(2, 3), normal(2, 3)]),
    ("dsplit", lambda m, x: tuple(m.dsplit(x, 2)), [normal(2, 1, 4)]),
    ("column_stack", lambda m, x, y: m.column_stack([x, y]), [normal(3), normal(3, 2)]),
    ("append", lambda m, x, y: m.append(x, y), [normal(2, 2), normal(3)]),
    ("append_axis", lambda m, x, y: m.append(x, y, axis=1), [normal(2, 2), normal(2, 1)]),
    ("resize", lambda m, x: m.resize(x, (3, 3)), [normal(2, 2)]),
    ("rollaxis", lambda m, x: m.rollaxis(x, 2, 1), [normal(2, 3, 4)]),
    ("meshgrid_xy", lambda m, x, y: m.meshgrid(x, y), [normal(3), normal(2)]),
    ("meshgrid_ij_sparse", lambda m, x, y, z: m.meshgrid(x, y, z, indexing="ij", sparse=True),
     [normal(3), normal(2), normal(2)]),
    # creation
    ("diagflat", lambda m, x: m.diagflat(x, 1), [normal(2, 2)]),
    ("vander", lambda m, x: m.vander(x), [normal(4)]),
    ("vander_increasing", lambda m, x: m.vander(x, 3, increasing=True), [normal(4)]),
    ("linspace", lambda m, a, b: m.linspace(a, b, 5), [normal(), normal()]),
    ("linspace_arrays_axis", lambda m, a, b: m.linspace(a, b, 4, endpoint=False, axis=1), [normal(2), normal(2)]),
    ("logspace", lambda m, a, b: m.logspace(a, b, 4, base=2.0), [normal(), normal()]),
    # polynomials, convolutions, interpolation
    ("polyval", lambda m, p, x: m.polyval(p, x), [normal(4), normal(3)]),
    ("convolve_full", lambda m, a, v: m.convolve(a, v), [normal(5), normal(3)]),
    ("convolve_same_swapped", lambda m, a, v: m.convolve(a, v, "same"), [normal(2), normal(5)]),
    ("convolve_valid", lambda m, a, v: m.convolve(a, v, mode="valid"), [normal(5), normal(2)]),
    ("correlate", lambda m, a, v: m.correlate(a, v), [normal(5), normal(3)]),
    ("correlate_same", lambda m, a, v: m.correlate(a, v, "same"), [normal(2), normal(5)]),
    ("correlate_full", lambda m, a, v: m.correlate(a, v, "full"), [normal(4), normal(3)]),
    ("interp", lambda m, x, fp: m.interp(x, XP, fp), [lambda r: r.uniform(-1.5, 2.5, 6), normal(5)]),
    ("interp_period", lambda m, x, xp, fp: m.interp(x, xp, fp, period=2.5),
     [lambda r: r.uniform(-4.0, 4.0, 7), lambda r: r.permutation(np.linspace(-1.1, 1.3, 5)), normal(5)]),
    ("interp_all_args", lambda m, x, xp, fp, lo: m.interp(x, xp, fp, left=lo, right=3.0),
     [lambda r: r.uniform(-3.0, 3.0, 6), increasing(4), normal(4), normal()]),
    # elementwise and selection
    ("select", lambda m, x, y: m.select([x < -0.5, x > 0.5], [x * y, m.sin(x)], default=y), [normal(6), normal(6)]),
    ("choose", lambda m, x, y, z: m.choose(IDX, [x, y, z]), [normal(2, 4), normal(4), normal(2, 4)]),
    ("choose_wrap", lambda m, x, y: m.choose(IDX + 3, [x, y], mode="wrap"), [normal(2, 4), normal(2, 4)]),
    ("copysign", lambda m, x, y: m.copysign(x, y), [normal(5), normal(5)]),
    ("ldexp", lambda m, x: m.ldexp(x, np.array([-2, 0, 3, 1])), [normal(4)]),
    ("frexp", lambda m, x: m.frexp(x)[0], [normal(5)]),
    ("modf", lambda m, x: m.modf(3 * x), [normal(5)]),
    ("i0", lambda m, x: m.i0(x), [lambda r: r.uniform(-12.0, 12.0, 6)]),
    ("real_imag_conj", lambda m, x: (m.real(x), m.imag(x), m.conj(x), m.conjugate(x)), [normal(3)]),
    ("angle", lambda m, x: m.angle(x) + m.angle(x, deg=True) + x, [normal(4)]),
    ("power_int_exponents", lambda m, x: m.power(x, np.array([0, 1, 2, 3])), [normal(4)]),
    ("real_if_close", lambda m, x: m.real_if_close(x), [normal(3)]),
    # NumPy 2's array-API names and the polynomial helpers
    ("cumulative_sum", lambda m, x: m.cumulative_sum(x, axis=1, include_initial=True), [normal(2, 3)]),
    ("cumulative_prod", lambda m, x: m.cumulative_prod(x), [normal(4)]),
    ("matrix_transpose", lambda m, x: m.matrix_transpose(x), [normal(2, 3, 4)]),
    ("unstack", lambda m, x: m.unstack(x, axis=1), [normal(2, 3)]),
    ("delete", lambda m, x: m.delete(x, [0, 2], axis=1), [normal(2, 4)]),
    ("vecdot", lambda m, x, y: m.vecdot(x, y), [normal(2, 3), normal(3)]),
    ("matvec", lambda m, a, v: m.matvec(a, v), [normal(2, 3, 4), normal(4)]),
    ("vecmat", lambda m, v, a: m.vecmat(v, a), [normal(3), normal(2, 3, 4)]),
    ("poly_arith", lambda m, p, q: (m.polyadd(p, q), m.polysub(q, p), m.polymul(p, q)), [normal(3), normal(2)]),
    ("polyder_polyint", lambda m, p, k: (m.polyder(p, 2), m.polyint(p, 2, k)), [normal(4), normal(2)]),
    ("geomspace", lambda m, a, b: m.geomspace(a, b, 5), [positive(), positive()]),
    ("unwrap", lambda m, x: m.unwrap(x * 3.0), [normal(6)]),
    ("unwrap_axis_period", lambda m, x: m.unwrap(x * 4.0, axis=0, period=4.0), [normal(5, 2)]),
    ("piecewise", lambda m, x: m.piecewise(x, [x < -0.3, x > 0.4], [lambda v: v * v, m.sin, 0.5]), [normal(6)]),
    ("apply_along_axis", lambda m, x: m.apply_along_axis(lambda v: m.cumsum(v) * v[0], 1, x), [normal(2, 3)]),
    ("apply_along_axis_outer", lambda m, x: m.apply_along_axis(lambda v: m.outer(v, v), 0, x), [normal(3, 2)]),
    ("apply_over_axes", lambda m, x: m.apply_over_axes(m.sum, x, [0, 2]), [normal(2, 3, 4)]),
    ("divmod", lambda m, x, y: m.divmod(x * 5.0, y + 3.0), [normal(4), normal(4)]),
    ("compress", lambda m, x: m.compress([True, False, True], x, axis=1), [normal(2, 3)]),
    ("extract", lambda m, x: m.extract(np.array([[True, False, True], [False, True, True]]), x), [normal(2, 3)]),
    ("block", lambda m, a, b, c: m.block([[a, b], [c, c[:, :1] * 2.0]]), [normal(2, 2), normal(2, 1), normal(1, 2)]),
    ("insert", lambda m, x, v: m.insert(x, [0, 2], v, axis=1), [normal(2, 3), normal(2)]),
    ("insert_flat", lambda m, x, v: m.insert(x, 1, v), [normal(2, 2), normal(3)]),
    ("polyfit", lambda m, x, y: m.polyfit(x, y, 2), [increasing(6), normal(6)]),
    ("polyfit_weighted_2d", lambda m, x, y, w: m.polyfit(x, y, 1, w=w), [increasing(5), normal(5, 2), positive(5)]),
    ("poly", lambda m, r: m.poly(r), [normal(3)]),
    ("geomspace_negative", lambda m, a, b: m.geomspace(-a, -b, 4, endpoint=False, axis=1), [positive(2), positive(2)]),
]

IDS = [c[0] for c in CASES]


def _args(makers, seed, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return tuple(np.asarray(mk(rng), dtype=dtype) for mk in makers)


def _leaves(x):
    return [np.asarray(o) for o in tree.leaves(x)]


def _assert_close(got, want, dtype=np.float64):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want)
    tol = 1e-12 if dtype == np.float64 else 2e-6
    for g, w in zip(got, want):
        assert g.shape == w.shape, (g.shape, w.shape)
        assert g.dtype == w.dtype, (g.dtype, w.dtype)
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name, fn, makers", CASES, ids=IDS)
def test_value_matches_numpy(name, fn, makers, dtype):
    xs = _args(makers, 0, dtype)
    want = fn(np, *xs)
    _assert_close(fn(fnp, *xs), want, dtype)                               # funcgrad.numpy on arrays
    f = lambda *a: fn(np, *a)  # noqa: E731
    _assert_close(fg.jvp(f, xs, tuple(np.ones_like(x) for x in xs))[0], want, dtype)  # np.* on traced values
    _assert_close(fg.vjp(lambda *a: fn(fnp, *a), *xs)[0], want, dtype)    # fnp.* on traced values


# ----------------------------------------------------------------------------- derivatives


@pytest.mark.parametrize("name, fn, makers", CASES, ids=IDS)
def test_check_grads(name, fn, makers):
    xs = _args(makers, 1)
    check_grads(lambda *a: fn(np, *a), xs, order=2, modes=("fwd", "rev"))


# ----------------------------------------------------------------------------- vmap


@pytest.mark.parametrize("name, fn, makers", CASES, ids=IDS)
def test_vmap_matches_loop(name, fn, makers):
    n = 3
    batches = [_args(makers, 10 + b) for b in range(n)]
    stacked = tuple(np.stack(a) for a in zip(*batches))
    f = lambda *a: fn(np, *a)  # noqa: E731
    got = fg.vmap(f)(*stacked)
    want = tree.map(lambda *o: np.stack(o), *[f(*b) for b in batches])
    _assert_close(got, want)
    if len(makers) > 1:  # the later arguments unbatched
        got = fg.vmap(f, in_axes=(0,) + (None,) * (len(makers) - 1))(stacked[0], *batches[0][1:])
        want = tree.map(lambda *o: np.stack(o), *[f(b[0], *batches[0][1:]) for b in batches])
        _assert_close(got, want)


# ----------------------------------------------------------------------------- value-only helpers

V = np.array([0.3, -1.2, 2.5, 0.3, 0.0, 1.7])
EDGES = np.array([-1.0, 0.0, 0.5, 2.0])

# (name, fn): fixed output shapes, so they trace under jit and vmap
FIXED = [
    ("argsort", lambda m, x: m.argsort(x)),
    ("searchsorted", lambda m, x: m.searchsorted(EDGES, x)),
    ("searchsorted_right", lambda m, x: m.searchsorted(EDGES, x, side="right")),
    ("searchsorted_in_traced", lambda m, x: m.searchsorted(m.sort(x), np.array([0.1, 1.0]))),
    ("digitize", lambda m, x: m.digitize(x, EDGES)),
    ("digitize_decreasing_right", lambda m, x: m.digitize(x, EDGES[::-1], right=True)),
    ("count_nonzero", lambda m, x: m.count_nonzero(x)),
    ("count_nonzero_axis", lambda m, x: m.count_nonzero(m.reshape(x, (2, 3)), axis=1)),
    ("unravel_index", lambda m, x: m.unravel_index(m.argsort(x), (2, 3))),
    ("histogram_range", lambda m, x: m.histogram(x, bins=4, range=(-1.0, 2.0))),
    ("histogram_weights", lambda m, x: m.histogram(x, bins=3, range=(-2.0, 3.0), weights=x * x)),
    ("histogram_density", lambda m, x: m.histogram(x, bins=EDGES, density=True)),
    ("histogramdd", lambda m, x: m.histogramdd(m.reshape(x, (3, 2)), bins=2, range=((-2.0, 3.0), (-2.0, 3.0)))),
    ("histogram2d_weights", lambda m, x: m.histogram2d(x, x[::-1], bins=(2, 3), range=((-2, 3), (-2, 3)),
                                                        weights=x * x, density=True)),
    ("nanargmax", lambda m, x: m.nanargmax(m.where(x > 2.0, np.nan, x))),
    ("nanargmin_axis", lambda m, x: m.nanargmin(m.reshape(m.where(x < -1.0, np.nan, x), (3, 2)), axis=1)),
    ("frexp_exponent", lambda m, x: m.frexp(x * 7.0)[1]),
    ("isposinf_isneginf", lambda m, x: (m.isposinf(m.where(x > 1.0, np.inf, x)),
                                        m.isneginf(m.where(x < 0, -np.inf, x)))),
    ("isreal_iscomplex", lambda m, x: (m.isreal(x), m.iscomplex(x))),
    ("lexsort", lambda m, x: m.lexsort((x, m.floor(x)))),
    ("ravel_multi_index", lambda m, x: m.ravel_multi_index((m.argsort(x) % 2, m.argsort(x) % 3), (2, 3))),
    ("ix_", lambda m, x: m.ix_(m.argsort(x)[:2], m.argsort(x)[2:])),
    ("isin", lambda m, x: m.isin(x, np.array([0.3, 2.5, 9.0]))),
    ("integer_ops", lambda m, x: (m.gcd(m.argsort(x), 4), m.lcm(m.argsort(x) + 1, 3), m.left_shift(m.argsort(x), 2),
                                  m.right_shift(m.argsort(x) * 5, 1), m.bitwise_count(m.argsort(x)))),
    ("ulps", lambda m, x: (m.nextafter(x, 10.0), m.spacing(x))),
    ("isin_invert", lambda m, x: m.isin(x, x[:2] * 1.0, invert=True)),
    ("tril_indices_from", lambda m, x: m.tril_indices_from(m.reshape(x, (2, 3)), 1)),
    ("triu_diag_indices_from", lambda m, x: (m.triu_indices_from(m.reshape(x, (3, 2))),
                                             m.diag_indices_from(m.reshape(x[:4], (2, 2))))),
]
# output shapes that depend on values: concrete values only
VALUE_DEPENDENT = [
    ("argwhere", lambda m, x: m.argwhere(x > 0.2)),
    ("flatnonzero", lambda m, x: m.flatnonzero(x)),
    ("unique", lambda m, x: m.unique(x)),
    ("unique_with_counts", lambda m, x: m.unique(x, return_inverse=True, return_counts=True)),
    ("bincount", lambda m, x: m.bincount(m.argsort(x) // 2)),
    ("histogram_auto_range", lambda m, x: m.histogram(x, bins=3)),
    ("histogram_bin_edges", lambda m, x: m.histogram_bin_edges(x, bins=3)),
    ("trim_zeros", lambda m, x: m.trim_zeros(x * np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0]))),
    ("unique_counts", lambda m, x: m.unique_counts(x)),
    ("unique_all", lambda m, x: m.unique_all(x)),
    ("union1d", lambda m, x: m.union1d(x, x[:2] + 1.0)),
    ("setxor1d", lambda m, x: m.setxor1d(x, x[:2] + 1.0)),
    ("intersect1d", lambda m, x: m.intersect1d(x, x[:2])),
    ("setdiff1d", lambda m, x: m.setdiff1d(x, x[:2])),
    ("unique_values_inverse", lambda m, x: (m.unique_values(x), m.unique_inverse(x))),
]


def _same(got, want):
    got, want = _leaves(got), _leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype.kind == w.dtype.kind, (g, w)
        np.testing.assert_allclose(g, w, rtol=1e-12)


@pytest.mark.parametrize("name, fn", FIXED + VALUE_DEPENDENT, ids=[c[0] for c in FIXED + VALUE_DEPENDENT])
def test_helpers_match_numpy_on_traced_values(name, fn, transform_mode):
    want = fn(np, V)
    _same(fn(fnp, V), want)
    if transform_mode != "eager" and (name, fn) in VALUE_DEPENDENT:
        return  # no concrete values under jit: the next test checks the error
    _same(fg.jvp(lambda x: fn(np, x), (V,), (np.ones_like(V),))[0], want)   # traced, with concrete values


@pytest.mark.parametrize("name, fn", FIXED, ids=[c[0] for c in FIXED])
def test_fixed_shape_helpers_trace_under_jit_and_vmap(name, fn):
    want = fn(np, V)
    _same(fg.jit(lambda x: fn(np, x))(V), want)
    X = np.stack([V, V[::-1], V * 2.0])
    _same(fg.vmap(lambda x: fn(np, x))(X), tree.map(lambda *o: np.stack(o), *[fn(np, x) for x in X]))


@pytest.mark.parametrize("name, fn", VALUE_DEPENDENT, ids=[c[0] for c in VALUE_DEPENDENT])
def test_value_dependent_helpers_name_themselves_under_jit(name, fn):
    fname = name if hasattr(fnp, name) else name.rsplit("_", 1)[0] if hasattr(fnp, name.rsplit("_", 1)[0]) \
        else name.split("_")[0]
    with pytest.raises(fg.ConcretizationError, match=rf"funcgrad.numpy.{fname}: the shape of its output depends"):
        fg.jit(lambda x: fn(np, x))(V)
    with pytest.raises(fg.ConcretizationError, match=rf"funcgrad.numpy.{fname}"):
        fg.vmap(lambda x: fn(np, x))(np.stack([V, V]))


def test_helpers_carry_no_derivative_but_weights_do():
    assert np.all(fg.grad(lambda x: np.sum(np.histogram(x, bins=3, range=(-2.0, 3.0))[0] * 1.0) + 0 * x[0])(V) == 0)
    g = fg.grad(lambda w: np.sum(np.histogram(V, bins=3, range=(-2.0, 3.0), weights=w)[0] * np.arange(3.0)))(V)
    np.testing.assert_array_equal(g, np.digitize(V, [-2.0, -1 / 3, 4 / 3]) - 1.0)
    w = np.array([0.5, 1.0, 2.0])
    g = fg.grad(lambda w: np.sum(np.bincount(np.array([0, 2, 2]), weights=w) * np.array([1.0, 10.0, 100.0])))(w)
    np.testing.assert_array_equal(g, [1.0, 100.0, 100.0])


# ----------------------------------------------------------------------------- conventions and edge cases


def test_power_zero_exponent_has_zero_derivative_at_zero():
    for f in (lambda x: x ** 0, lambda x: np.power(x, 0), lambda x: np.sum(np.power(x, np.array([0, 1, 2])))):
        assert float(np.sum(fg.grad(f)(0.0))) in (0.0, 1.0)
        assert not np.any(np.isnan(fg.grad(f)(0.0)))
        assert not np.any(np.isnan(fg.hessian(f)(0.0)))
    np.testing.assert_array_equal(fg.jacfwd(lambda x: np.power(x, np.array([0, 1, 2])))(0.0), [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(fg.jacrev(lambda x: np.vander(x, 3))(np.zeros(2)).sum(-1),
                                  [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])  # columns x², x, 1
    assert float(fg.grad(fg.grad(lambda x: x ** 2))(0.0)) == 2.0


def test_sort_and_median_route_ties_to_one_element():
    x = np.array([2.0, 1.0, 2.0, 0.5])
    g = fg.grad(lambda x: np.sort(x)[-1])(x)     # the stable sort puts the later 2.0 last
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0, 0.0])
    g = fg.grad(np.median)(x)                     # mean of 1.0 and the first 2.0
    np.testing.assert_array_equal(g, [0.5, 0.5, 0.0, 0.0])
    g = fg.grad(lambda x: np.quantile(x, 0.5))(np.array([3.0, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 0.0, 1.0])


def test_interp_derivative_at_knots_and_outside():
    xp, fp = np.array([0.0, 1.0, 3.0]), np.array([0.0, 2.0, 3.0])
    d = fg.vmap(fg.grad(lambda x: np.interp(x, xp, fp)))(np.array([-1.0, 0.0, 1.0, 3.0, 4.0]))
    np.testing.assert_array_equal(d, [0.0, 2.0, 0.5, 0.5, 0.0])


def test_i0_derivatives_at_zero():
    assert float(fg.grad(np.i0)(0.0)) == 0.0
    assert float(fg.grad(fg.grad(np.i0))(0.0)) == 0.5
    assert float(fg.grad(fg.grad(fg.grad(np.i0)))(0.0)) == 0.0
    x = np.array([-30.0, -8.0, 8.0, 9.5, 40.0])
    check_grads(np.i0, (x,), order=2, rtol=1e-6)


def test_nan_reductions_of_all_nan_slices(transform_mode):
    x = np.array([[np.nan, np.nan], [1.0, np.nan]])
    for name in ("nanmax", "nanmin", "nanmean", "nanmedian"):
        with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
            want = getattr(np, name)(x, axis=1)
        got = getattr(fnp, name)(x, axis=1)
        np.testing.assert_array_equal(got, want)
        g = fg.grad(lambda x: np.nansum(getattr(np, name)(x, axis=1)))(x)
        np.testing.assert_array_equal(g, [[0.0, 0.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="All-NaN slice"):
        fnp.nanargmax(x, axis=1)
    if transform_mode == "eager":
        with pytest.raises(ValueError, match="All-NaN slice"):
            fg.grad(lambda x: np.sum(x) + np.nanargmax(x, axis=1)[0])(x)
    np.testing.assert_array_equal(fg.jit(lambda x: np.nanargmin(x, axis=1))(x), [-1, 0])  # no values to raise on


def test_fill_diagonal_is_functional():
    a, v = np.arange(12.0).reshape(4, 3), np.array([7.0, 8.0])
    want = a.copy()
    np.fill_diagonal(want, v)
    got = fnp.fill_diagonal(a, v, inplace=False)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(a, np.arange(12.0).reshape(4, 3))          # unchanged
    np.testing.assert_array_equal(fg.jit(lambda a, v: fnp.fill_diagonal(a, v, inplace=False))(a, v), want)
    wrapped = a.copy()
    np.fill_diagonal(wrapped, 1.5, wrap=True)
    np.testing.assert_array_equal(fnp.fill_diagonal(a, 1.5, wrap=True, inplace=False), wrapped)
    check_grads(lambda a, v: fnp.fill_diagonal(a, v, inplace=False), (a, v), order=2)
    got = fg.vmap(lambda a: fnp.fill_diagonal(a, v, inplace=False))(np.stack([a, -a]))
    want_neg = -a
    np.fill_diagonal(want_neg, v)
    np.testing.assert_array_equal(got, np.stack([want, want_neg]))
    with pytest.raises(TypeError, match="inplace=False"):
        fg.grad(lambda a: np.sum(np.fill_diagonal(a, 0.0)))(a)
    b = a.copy()
    assert fnp.fill_diagonal(b, 0.0) is None and b[1, 1] == 0.0  # NumPy's in-place call on NumPy arrays


def test_bad_input_names_function_and_argument():
    with pytest.raises(TypeError, match="funcgrad.numpy.copysign: complex input"):
        fnp.copysign(np.array([1.0 + 2.0j]), 1.0)
    with pytest.raises(ValueError, match="funcgrad.numpy.quantile: 'bogus' is not a valid method"):
        fg.grad(lambda x: np.quantile(x, 0.5, method="bogus"))(V)
    with pytest.raises(ValueError, match="period must be a non-zero value"):
        fg.grad(lambda x: np.sum(np.interp(x, XP, XP, period=0.0)))(V)
    with pytest.raises(ValueError, match="quantiles must be in the range"):
        fg.grad(lambda x: np.quantile(x, 1.5))(V)
    with pytest.raises(TypeError, match="funcgrad.numpy.ldexp: the exponent x2 must be an integer"):
        fg.grad(lambda x: np.sum(np.ldexp(x, 2.0)))(V)
    with pytest.raises(ValueError, match="funcgrad.numpy.choose: invalid entry"):
        fg.grad(lambda x: np.sum(np.choose(np.array([0, 3]), [x[:2], x[2:4]])))(V)


def test_convolve_primitive_under_nested_vmap_and_hessian():
    rng = np.random.default_rng(3)
    a, v = rng.standard_normal((2, 3, 5)), rng.standard_normal((3, 4))
    got = fg.vmap(fg.vmap(lambda a, v: np.convolve(a, v, "same")), in_axes=(0, None))(a, v)
    want = np.array([[np.convolve(a[i, j], v[j], "same") for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    f = lambda a, v: np.sum(np.correlate(a, v, "full") ** 3)  # noqa: E731
    h = fg.hessian(f)(a[0, 0], v[0])
    np.testing.assert_allclose(h, fg.jacfwd(fg.grad(f))(a[0, 0], v[0]), rtol=1e-12)
    check_grads(f, (a[0, 0], v[0]), order=2)


def test_functions_numpy_does_not_dispatch():
    """np.kaiser and np.full do not dispatch on traced arguments: their funcgrad.numpy versions do."""
    beta = np.array(2.5)
    np.testing.assert_allclose(fnp.kaiser(6, beta), np.kaiser(6, beta), rtol=1e-14)
    np.testing.assert_allclose(fg.jit(lambda b: fnp.kaiser(6, b))(beta), np.kaiser(6, beta), rtol=1e-14)
    check_grads(lambda b: fnp.kaiser(6, b), (beta,), order=2)
    betas = np.array([0.5, 2.5, 7.0])
    np.testing.assert_allclose(fg.vmap(lambda b: fnp.kaiser(5, b))(betas), [np.kaiser(5, b) for b in betas],
                               rtol=1e-14)
    np.testing.assert_array_equal(fg.jit(lambda v: fnp.full((2, 3), v))(np.array(1.5)), np.full((2, 3), 1.5))
    assert float(fg.grad(lambda v: np.sum(fnp.full((2, 3), v) * np.arange(6.0).reshape(2, 3)))(1.0)) == 15.0
    np.testing.assert_array_equal(fg.vmap(lambda v: fnp.full(2, v))(np.array([1.0, 2.0])), [[1.0, 1.0], [2.0, 2.0]])


def test_convolve_derivatives_cost_what_the_convolution_costs():
    """Every window sum in the first and second derivatives of a long-by-short convolution slides the short
    operand (O(n m) work), never the long one over the long one."""
    n, m = 200, 5
    a, v = np.random.default_rng(4).standard_normal(n), np.random.default_rng(5).standard_normal(m)
    f = lambda a, v: np.sum(np.convolve(a, v, "same") ** 3)  # noqa: E731
    for g in (fg.grad(f, argnums=(0, 1)), fg.hessian(f, argnums=1)):
        ir = fg.make_ir(g)(a, v)
        windows = [e for e in ir.eqns if e.prim.name in ("convolve", "correlate_valid")]
        assert windows
        for e in windows:
            x, w = (i.aval.shape[-1] for i in e.ins)
            out = e.outs[0].aval.shape[-1]
            assert min(x, w) * out <= (n + m) * m, (e.prim.name, x, w, out)


def test_autograd_tensors_through_sorting_and_interpolation():
    from funcgrad import autograd as ag

    x = ag.tensor([3.0, 1.0, 2.0], requires_grad=True)
    (np.sort(x) * ag.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 1.0, 2.0])
    x.grad = None
    (np.median(x) + np.quantile(x, 0.25) + np.interp(0.5, np.array([0.0, 1.0]), x[:2])).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 1.0, 1.5])
    x.grad = None
    h = np.histogram(np.array([0.1, 0.7, 0.8]), bins=2, range=(0.0, 1.0), weights=x)[0]
    (h * ag.tensor([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 10.0, 10.0])
