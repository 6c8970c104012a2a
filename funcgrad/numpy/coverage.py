"""The NumPy coverage table: ``python -m funcgrad.numpy.coverage`` writes ``docs/numpy-coverage.md``.

Every public function that NumPy exports from ``numpy``, ``numpy.linalg`` and ``numpy.fft`` is
*probed*: called through plain ``np.*`` on small random inputs, and the answers come from what
happens, not from a list:

- **traces**: ``yes`` if the call on traced values gives NumPy's values under ``fg.jit`` (shapes and
  dtypes only); ``concrete`` if it does so only where values are known (``grad``, ``jvp`` without jit);
  ``n/a`` if it takes no array;
- **differentiates**: ``yes`` if the forward-mode derivative along a random direction agrees with
  central differences (``zero`` where both vanish, ``—`` where the output is integer or boolean);
- **vmap**: ``yes`` if ``fg.vmap`` over a batch of two inputs equals a Python loop.

The note column comes from :data:`NOTES` (conventions at non-differentiable points, see
``docs/conventions.md``); functions that do no array computation (I/O, printing, dtype queries) are
listed with the reason and not probed. ``python -m funcgrad.numpy.coverage --check`` exits with 1
if the checked-in table is out of date.

    >>> row = probe("numpy", "sin")
    >>> row.traces, row.differentiates, row.vmap
    ('yes', 'yes', 'yes')
"""

from __future__ import annotations

import argparse
import functools
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as _np

DOC = Path(__file__).resolve().parents[2] / "docs" / "numpy-coverage.md"
REGENERATE = "python -m funcgrad.numpy.coverage"

# ----------------------------------------------------------------------------- functions without array computation

NOT_PROBED = {
    **dict.fromkeys(("load", "loadtxt", "genfromtxt", "fromfile", "fromregex", "save", "savetxt", "savez",
                     "savez_compressed", "frombuffer", "fromstring", "fromiter", "from_dlpack"), "file or buffer I/O"),
    **dict.fromkeys(("array2string", "array_repr", "array_str", "base_repr", "binary_repr", "format_float_positional",
                     "format_float_scientific", "info", "show_config", "show_runtime", "test", "typename",
                     "datetime_as_string"), "text output or introspection"),
    **dict.fromkeys(("get_printoptions", "set_printoptions", "printoptions", "getbufsize", "setbufsize", "geterr",
                     "seterr", "geterrcall", "seterrcall", "get_include"), "global settings"),
    **dict.fromkeys(("can_cast", "common_type", "min_scalar_type", "mintypecode", "promote_types", "result_type",
                     "isdtype", "issubdtype", "datetime_data", "iterable", "isscalar", "iscomplexobj", "isrealobj",
                     "isfortran", "may_share_memory", "shares_memory", "broadcast_shapes", "einsum_path"),
                    "types, shapes or memory only (no array values)"),
    **dict.fromkeys(("put", "put_along_axis", "putmask", "place", "copyto"),
                    "changes its argument in place (traced arrays are immutable: use x.at[idx].set(v))"),
    **dict.fromkeys(("busday_count", "busday_offset", "is_busday", "isnat"), "dates"),
    **dict.fromkeys(("frompyfunc", "nested_iters", "asmatrix", "bmat", "require", "asfortranarray",
                     "ascontiguousarray", "asanyarray"), "array objects, memory layout or Python callables"),
}

# ----------------------------------------------------------------------------- conventions

_TIES = "ties share the derivative equally"
_SORTED = "ties: to the element a stable sort puts there"
_PIECEWISE = "0 (piecewise constant)"
_VALUE_FIXED = "value only; traces under jit and vmap"
_VALUE_CONCRETE = "value only; needs concrete values (error under jit / vmap naming the function)"

NOTES = {
    "numpy": {
        "abs": "0 at x = 0", "absolute": "0 at x = 0", "fabs": "0 at x = 0",
        "sqrt": "inf at 0 (one-sided limit)", "cbrt": "inf at 0", "power": "d/dx x**0 = 0, also at x = 0",
        "pow": "d/dx x**0 = 0, also at x = 0", "float_power": "d/dx x**0 = 0, also at x = 0",
        "maximum": "1/2 to each at ties", "minimum": "1/2 to each at ties", "fmax": "1/2 to each at ties",
        "fmin": "1/2 to each at ties", "clip": "1/2 at the bounds",
        "max": _TIES, "min": _TIES, "amax": _TIES, "amin": _TIES, "ptp": _TIES, "nanmax": _TIES, "nanmin": _TIES,
        "where": "only the chosen branch; never NaN from the other", "select": "only the chosen choice",
        "choose": "only the chosen choice", "piecewise": "only the chosen piece",
        "sort": _SORTED, "median": _SORTED + "; the two middle elements share", "nanmedian": _SORTED,
        "quantile": _SORTED + "; the interpolated pair", "percentile": _SORTED + "; the interpolated pair",
        "nanquantile": _SORTED, "nanpercentile": _SORTED,
        "interp": "slope of the segment to the right at knots (left at the last); 0 outside",
        "sign": _PIECEWISE, "floor": _PIECEWISE, "ceil": _PIECEWISE, "rint": _PIECEWISE, "trunc": _PIECEWISE,
        "fix": _PIECEWISE, "round": _PIECEWISE, "around": _PIECEWISE, "heaviside": _PIECEWISE,
        "mod": "1 in x; -floor(x/y) in y", "remainder": "1 in x; -floor(x/y) in y", "fmod": "1 in x; -trunc(x/y) in y",
        "copysign": "±1 in x1, 0 in x2 (also at x1 = 0)", "modf": "1 for the fraction, 0 for the integral part",
        "frexp": "2**-exponent for the mantissa", "nan_to_num": "0 where replaced",
        "nansum": "0 at NaN", "nanmean": "0 at NaN", "nanprod": "0 at NaN", "nanvar": "0 at NaN",
        "nanstd": "0 at NaN", "nancumsum": "0 at NaN", "nancumprod": "0 at NaN",
        "nanargmax": "-1 for an all-NaN slice under jit", "nanargmin": "-1 for an all-NaN slice under jit",
        "corrcoef": "not clipped to [-1, 1]", "std": "inf where the spread is 0",
        "fill_diagonal": "functional: fill_diagonal(a, v, inplace=False) returns a new array",
        "linspace": "differentiable in start and stop", "logspace": "differentiable in start, stop and base",
        "i0": "derivative I1", "sinc": "0 at x = 0",
        "searchsorted": _VALUE_FIXED, "digitize": _VALUE_FIXED, "count_nonzero": _VALUE_FIXED,
        "unravel_index": _VALUE_FIXED, "argsort": "ties ordered as NumPy's default sort",
        "histogram": "value only; traces with an int bins and a range; differentiable in weights",
        "bincount": _VALUE_CONCRETE + "; differentiable in weights",
        "argwhere": _VALUE_CONCRETE, "flatnonzero": _VALUE_CONCRETE, "unique": _VALUE_CONCRETE,
        "nonzero": _VALUE_CONCRETE, "trim_zeros": "where to cut: from the concrete values",
        "compress": "the condition must be concrete", "extract": "the condition must be concrete",
        "apply_along_axis": "batched with fg.vmap",
        "unwrap": "the corrections are constant", "lexsort": "stable",
        "empty_like": "zeros (NumPy leaves it uninitialised)",
        "histogram2d": "value only; traces with int bins and ranges; differentiable in weights",
        "histogramdd": "value only; traces with int bins and ranges; differentiable in weights",
        "full": "np.full does not dispatch on traced values: use fnp.full",
        "kaiser": "np.kaiser does not dispatch on traced values: fnp.kaiser is differentiable in beta",
    },
    "numpy.linalg": {},
    "numpy.fft": {},
}

# ----------------------------------------------------------------------------- probe inputs
# A probe is ``rng -> (args, kwargs)``. Functions without an entry try the generic ones in turn.


def _vec(r, n=4):
    return r.uniform(0.2, 0.9, n)


def _mat(r, n=3):
    return r.uniform(-0.5, 0.5, (n, n)) + 2.0 * _np.eye(n)


_I4 = _np.array([2, 0, 3, 1])


def _spd(r, n=3):
    a = r.uniform(-0.5, 0.5, (n, n))
    return a @ a.T + n * _np.eye(n)


GENERIC: list[Callable] = [
    lambda r: ((_vec(r),), {}),
    lambda r: ((_vec(r), _vec(r)), {}),
    lambda r: ((_mat(r),), {}),
    lambda r: ((_mat(r), _mat(r)), {}),
    lambda r: ((_vec(r) + 1.0,), {}),
    lambda r: ((_spd(r),), {}),
    lambda r: ((_mat(r), _vec(r, 3)), {}),
    lambda r: ((_vec(r), 2), {}),
    lambda r: ((_I4,), {}),
    lambda r: ((_I4, _I4 + 1), {}),
]

PROBES: dict[str, dict[str, Callable]] = {
    "numpy": {
        "apply_along_axis": lambda r: ((_np.sum, 0, _mat(r)), {}),
        "apply_over_axes": lambda r: ((_np.sum, _mat(r), [0]), {}),
        "arange": lambda r: ((_np.asarray(0.5 * r.uniform(1.0, 1.5)), 4.0), {}),
        "argpartition": lambda r: ((_vec(r), 2), {}),
        "array": lambda r: ((_vec(r),), {}),
        "asarray": lambda r: ((_vec(r),), {}),
        "asarray_chkfinite": lambda r: ((_vec(r),), {}),
        "astype": lambda r: ((_vec(r), _np.float32), {}),
        "bincount": lambda r: ((_I4,), {"weights": _vec(r)}),
        "bitwise_count": lambda r: ((_I4,), {}),
        "block": lambda r: (([[_mat(r), _mat(r)]],), {}),
        "broadcast_arrays": lambda r: ((_vec(r), _vec(r, 1)), {}),
        "broadcast_to": lambda r: ((_vec(r), (2, 4)), {}),
        "choose": lambda r: ((_np.array([0, 1, 1, 0]), [_vec(r), _vec(r)]), {}),
        "clip": lambda r: ((_vec(r), 0.3, 0.7), {}),
        "compress": lambda r: (([True, False, True, True], _vec(r)), {}),
        "concat": lambda r: (([_vec(r), _vec(r)],), {}),
        "concatenate": lambda r: (([_vec(r), _vec(r)],), {}),
        "cross": lambda r: ((_vec(r, 3), _vec(r, 3)), {}),
        "delete": lambda r: ((_vec(r), 1), {}),
        "diag_indices": lambda r: ((3,), {}),
        "diag_indices_from": lambda r: ((_mat(r),), {}),
        "digitize": lambda r: ((_vec(r), _np.array([0.3, 0.5, 0.7])), {}),
        "divmod": lambda r: ((_vec(r) * 3, _vec(r)), {}),
        "dsplit": lambda r: ((r.uniform(size=(2, 2, 4)), 2), {}),
        "dstack": lambda r: (([_vec(r), _vec(r)],), {}),
        "einsum": lambda r: (("ij,jk->ik", _mat(r), _mat(r)), {}),
        "empty": lambda r: ((3,), {}),
        "expand_dims": lambda r: ((_vec(r), 0), {}),
        "extract": lambda r: (([True, False, True, True], _vec(r)), {}),
        "eye": lambda r: ((3,), {}),
        "fill_diagonal": lambda r: ((_mat(r), _vec(r, 3)), {}),
        "fromfunction": lambda r: ((lambda i, j: i + j, (2, 3)), {}),
        "full": lambda r: (((2, 3), _np.asarray(r.uniform())), {}),
        "full_like": lambda r: ((_vec(r), _np.asarray(r.uniform())), {}),
        "corrcoef": lambda r: ((_mat(r),), {}),
        "gcd": lambda r: ((_I4, _I4 + 2), {}),
        "geomspace": lambda r: ((_np.asarray(r.uniform(1.0, 2.0)), _np.asarray(r.uniform(3.0, 4.0)), 4), {}),
        "histogram": lambda r: ((_vec(r),), {"bins": 3, "range": (0.0, 1.0)}),
        "histogram2d": lambda r: ((_vec(r), _vec(r)), {"bins": 2, "range": ((0.0, 1.0), (0.0, 1.0))}),
        "histogram_bin_edges": lambda r: ((_vec(r),), {"bins": 3, "range": (0.0, 1.0)}),
        "histogramdd": lambda r: ((r.uniform(size=(5, 2)),), {"bins": 2, "range": ((0.0, 1.0), (0.0, 1.0))}),
        "hsplit": lambda r: ((_vec(r), 2), {}),
        "identity": lambda r: ((3,), {}),
        "indices": lambda r: (((2, 3),), {}),
        "insert": lambda r: ((_vec(r), 1, r.uniform()), {}),
        "isin": lambda r: ((_I4, _np.array([1, 2])), {}),
        "ix_": lambda r: ((_I4, _I4),  {}),
        "kaiser": lambda r: ((4, _np.asarray(r.uniform(1.0, 2.0))), {}),
        "lcm": lambda r: ((_I4 + 1, _I4 + 2), {}),
        "ldexp": lambda r: ((_vec(r), _I4), {}),
        "left_shift": lambda r: ((_I4, 1), {}),
        "lexsort": lambda r: (((_vec(r), _vec(r)),), {}),
        "linspace": lambda r: ((_np.asarray(r.uniform()), _np.asarray(r.uniform(1.0, 2.0)), 5), {}),
        "logspace": lambda r: ((_np.asarray(r.uniform()), _np.asarray(r.uniform(1.0, 2.0)), 5), {}),
        "interp": lambda r: ((r.uniform(-0.2, 1.2, 5), _np.array([0.0, 0.4, 1.0]), _vec(r, 3)), {}),
        "where": lambda r: ((_vec(r) > 0.5, _vec(r), _vec(r)), {}),
        "mask_indices": lambda r: ((3, _np.triu), {}),
        "matvec": lambda r: ((_mat(r), _vec(r, 3)), {}),
        "moveaxis": lambda r: ((_mat(r), 0, 1), {}),
        "ones": lambda r: ((3,), {}),
        "packbits": lambda r: ((_I4 > 1,), {}),
        "polyfit": lambda r: ((_vec(r, 5), _vec(r, 5), 2), {}),
        "bartlett": lambda r: ((5,), {}),
        "blackman": lambda r: ((5,), {}),
        "hamming": lambda r: ((5,), {}),
        "hanning": lambda r: ((5,), {}),
        "pad": lambda r: ((_vec(r), 2), {}),
        "partition": lambda r: ((_vec(r), 2), {}),
        "percentile": lambda r: ((_vec(r), 40.0), {}),
        "piecewise": lambda r: ((_vec(r), [_vec(r) > 0.5], [lambda x: x * x, lambda x: x]), {}),
        "quantile": lambda r: ((_vec(r), 0.4), {}),
        "nanquantile": lambda r: ((_vec(r), 0.4), {}),
        "nanpercentile": lambda r: ((_vec(r), 40.0), {}),
        "ravel_multi_index": lambda r: (((_np.array([0, 1]), _np.array([2, 1])), (2, 3)), {}),
        "repeat": lambda r: ((_vec(r), 2), {}),
        "reshape": lambda r: ((_vec(r), (2, 2)), {}),
        "resize": lambda r: ((_vec(r), (3, 2)), {}),
        "right_shift": lambda r: ((_I4, 1), {}),
        "roll": lambda r: ((_vec(r), 1), {}),
        "rollaxis": lambda r: ((_mat(r), 1), {}),
        "round": lambda r: ((_vec(r), 1), {}),
        "around": lambda r: ((_vec(r), 1), {}),
        "searchsorted": lambda r: ((_np.array([0.3, 0.5, 0.7]), _vec(r)), {}),
        "select": lambda r: (([_vec(r) > 0.5], [_vec(r)], 0.0), {}),
        "split": lambda r: ((_vec(r), 2), {}),
        "swapaxes": lambda r: ((_mat(r), 0, 1), {}),
        "take": lambda r: ((_vec(r), [0, 2]), {}),
        "take_along_axis": lambda r: ((_mat(r), _np.array([[0], [2], [1]]), 1), {}),
        "tensordot": lambda r: ((_mat(r), _mat(r)), {"axes": 1}),
        "tile": lambda r: ((_vec(r), 2), {}),
        "tri": lambda r: ((3,), {}),
        "tril_indices": lambda r: ((3,), {}),
        "tril_indices_from": lambda r: ((_mat(r),), {}),
        "triu_indices": lambda r: ((3,), {}),
        "triu_indices_from": lambda r: ((_mat(r),), {}),
        "trim_zeros": lambda r: ((_np.concatenate([[0.0], _vec(r), [0.0]]),), {}),
        "unpackbits": lambda r: ((_np.array([3, 5], dtype=_np.uint8),), {}),
        "unravel_index": lambda r: ((_I4, (2, 2)), {}),
        "unstack": lambda r: ((_mat(r),), {}),
        "vsplit": lambda r: ((_mat(r)[:2], 2), {}),
        "zeros": lambda r: ((3,), {}),
    },
    "numpy.linalg": {
        "matrix_power": lambda r: ((_mat(r), 3), {}),
        "tensorsolve": lambda r: ((_mat(r), _vec(r, 3)), {}),
        "tensorinv": lambda r: ((_mat(r),), {"ind": 1}),
        "multi_dot": lambda r: (([_mat(r), _mat(r), _mat(r)],), {}),
        "cross": lambda r: ((_vec(r, 3), _vec(r, 3)), {}),
        "tensordot": lambda r: ((_mat(r), _mat(r)), {"axes": 1}),
        "eigvals": lambda r: ((_spd(r),), {}),
        "eig": lambda r: ((_spd(r),), {}),
    },
    "numpy.fft": {
        "fftfreq": lambda r: ((4, _np.asarray(r.uniform(0.5, 1.0))), {}),
        "rfftfreq": lambda r: ((4, _np.asarray(r.uniform(0.5, 1.0))), {}),
        "fft2": lambda r: ((_mat(r),), {}),
        "ifft2": lambda r: ((_mat(r),), {}),
        "rfft2": lambda r: ((_mat(r),), {}),
        "irfft2": lambda r: ((_mat(r),), {}),
    },
}


# ----------------------------------------------------------------------------- probing

class Row(NamedTuple):
    """One line of the table."""

    module: str
    name: str
    traces: str
    differentiates: str
    vmap: str
    note: str


def public_functions(module: str) -> list[str]:
    """The public functions (and ufuncs) NumPy exports from ``module``.

        >>> "sort" in public_functions("numpy"), "fft" in public_functions("numpy.fft")
        (True, True)
    """
    mod = _module(module)
    names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
    return sorted(n for n in set(names) if not n.startswith("_") and callable(getattr(mod, n, None))
                  and not isinstance(getattr(mod, n), type))


def _module(module: str):
    return {"numpy": _np, "numpy.linalg": _np.linalg, "numpy.fft": _np.fft}[module]


def _leaves(x) -> list:
    from funcgrad import tree

    return [_np.asarray(v) for v in tree.leaves(x)]


def _same(got, want) -> bool:
    got, want = _leaves(got), _leaves(want)
    if len(got) != len(want):
        return False
    for g, w in zip(got, want):
        if g.shape != w.shape or g.dtype.kind != w.dtype.kind and not (g.dtype.kind in "fc" and w.dtype.kind in "fc"):
            return False
        if w.dtype.kind in "fc" and not _np.allclose(g, w, rtol=1e-6, atol=1e-9, equal_nan=True):
            return False
        if w.dtype.kind not in "fc" and not _np.array_equal(g, w):
            return False
    return True


def _fill_diagonal_copy(a, val, wrap=False):
    out = _np.array(a, copy=True)
    _np.fill_diagonal(out, val, wrap)
    return out


def _fill_diagonal_call(a, val, wrap=False):
    return _fnp().fill_diagonal(a, val, wrap, inplace=False)


# (the call on traced values, NumPy's result): in-place NumPy functions, and uninitialised results
IN_PLACE = {("numpy", "fill_diagonal"): (_fill_diagonal_call, _fill_diagonal_copy),
            ("numpy", "empty_like"): (_np.empty_like, _np.zeros_like)}  # NumPy's is uninitialised
# functions that read one triangle of a symmetric matrix: probed along symmetric directions
SYMMETRIC = {("numpy.linalg", "cholesky"), ("numpy.linalg", "eigh"), ("numpy.linalg", "eigvalsh")}


def _fnp():
    from funcgrad import numpy as fnp

    return fnp


def _split(args):
    """The array leaves of ``args`` (the probe traces them) and a function rebuilding ``args`` from them."""
    from funcgrad import tree

    leaves, treedef = tree.flatten(args)
    positions = [i for i, a in enumerate(leaves) if isinstance(a, _np.ndarray)]

    def rebuild(xs):
        full = list(leaves)
        for i, x in zip(positions, xs):
            full[i] = x
        return tree.unflatten(treedef, full)

    return [leaves[i] for i in positions], rebuild


def _closed(fn, args, kwargs):
    xs, rebuild = _split(args)
    return (lambda *ys: fn(*rebuild(ys), **kwargs)), xs


def _try(thunk) -> tuple[bool, Any]:
    try:
        with warnings.catch_warnings(), _np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return True, thunk()
    except Exception as e:  # a probe records failure of any kind
        return False, e


def _numeric(out) -> bool:
    try:
        return all(v.dtype.kind in "biufc" for v in _leaves(out)) and len(_leaves(out)) > 0
    except Exception:
        return False


def probe(module: str, name: str) -> Row:
    """Probe one function (see the module docstring).

        >>> probe("numpy", "argsort")[2:5]
        ('yes', '—', 'yes')
    """
    import funcgrad as fg
    from funcgrad.backends.interpreter import eval_ir

    note = NOTES.get(module, {}).get(name, "")
    if module == "numpy" and name in NOT_PROBED:
        return Row(module, name, "—", "—", "—", NOT_PROBED[name])
    fn, ref = IN_PLACE.get((module, name), (getattr(_module(module), name),) * 2)
    candidates = [PROBES[module][name]] if name in PROBES.get(module, {}) else GENERIC
    found = None
    for make in candidates:
        args, kwargs = make(_np.random.default_rng(0))
        ok, want = _try(lambda: ref(*args, **kwargs))
        if not ok or not _numeric(want) or not all(_np.all(_np.isfinite(v)) for v in _leaves(want)
                                                    if v.dtype.kind in "fc"):
            continue
        g, xs = _closed(fn, args, kwargs)
        if not xs:
            return Row(module, name, "n/a", "—", "—", note or "takes no array: a constant in traced code")
        ok, ir = _try(lambda: fg.make_ir(g)(*xs))
        if ok:
            ok, got = _try(lambda: eval_ir(ir, *xs))
            ok = ok and _same(got, want)
        found = (args, kwargs, want, ok)
        if ok:
            break
    if found is None:
        return Row(module, name, "not probed", "", "", note or "no probe input in the generator")
    args, kwargs, want, concrete = found
    if not concrete:
        return Row(module, name, "no", "no", "no", note)
    g, xs = _closed(fn, args, kwargs)
    ok, got = _try(lambda: fg.jit(g)(*xs))
    traces = "yes" if ok and _same(got, want) else "concrete"
    return Row(module, name, traces, _differentiates(g, xs, want, (module, name) in SYMMETRIC),
               _batches(fg, fn, ref, args, kwargs), note)


def _differentiates(g, xs, want, symmetric) -> str:
    import funcgrad as fg

    floats = [i for i, x in enumerate(xs) if x.dtype.kind == "f"]
    if not floats or not any(v.dtype.kind in "fc" for v in _leaves(want)):
        return "—"
    rng = _np.random.default_rng(1)
    v = [rng.standard_normal(xs[i].shape) for i in floats]
    if symmetric:
        v = [(d + _np.swapaxes(d, -1, -2)) / 2 for d in v]

    def h(*fs):
        full = list(xs)
        for i, f in zip(floats, fs):
            full[i] = f
        return g(*full)

    primals = tuple(xs[i] for i in floats)
    ok, res = _try(lambda: fg.jvp(h, primals, tuple(v)))
    if not ok:
        return "no"
    single = any(_np.asarray(t).dtype in (_np.float32, _np.complex64) for t in _leaves(res[1]))
    eps, rtol, atol = (1e-3, 1e-2, 1e-4) if single else (1e-6, 1e-4, 1e-6)  # float32 results: a wider step
    ok, plus = _try(lambda: h(*[p + eps * d for p, d in zip(primals, v)]))
    ok2, minus = _try(lambda: h(*[p - eps * d for p, d in zip(primals, v)]))
    if not (ok and ok2):
        return "yes"
    zero = True
    for t, p, m in zip(_leaves(res[1]), _leaves(plus), _leaves(minus)):
        if p.dtype.kind not in "fc":
            continue
        if p.shape != m.shape or p.shape != t.shape:  # the output's shape moved with the input's values
            return "unverified"
        fd = (p.astype(complex if p.dtype.kind == "c" else float) - m) / (2 * eps)
        if not _np.allclose(t, fd, rtol=rtol, atol=atol):
            return "no" if not _np.any(t) else "wrong"
        zero = zero and not _np.any(t)
    return "zero" if zero else "yes"


def _batches(fg, fn, ref, args, kwargs) -> str:
    g, xs = _closed(fn, args, kwargs)
    r1, _ = _closed(ref, args, kwargs)
    r2, xs2 = _closed(ref, _other_input(args), kwargs)
    ok, want2 = _try(lambda: r2(*xs2))
    ok1, want1 = _try(lambda: r1(*xs))
    if not (ok and ok1) or not _same_structure(want1, want2):
        return "—"
    stacked = [_np.stack([a, b]) for a, b in zip(xs, xs2)]
    ok, got = _try(lambda: fg.vmap(g)(*stacked))
    if not ok:
        return "no"
    from funcgrad import tree

    want = tree.map(lambda a, b: _np.stack([_np.asarray(a), _np.asarray(b)]), want1, want2)
    return "yes" if _same(got, want) else "wrong"


def _other_input(args):
    """A second input for vmap: float arrays perturbed, integer and boolean ones kept."""
    from funcgrad import tree

    return tree.map(lambda a: _np.asarray(a * 1.05 + 0.01) if isinstance(a, _np.ndarray) and a.dtype.kind == "f"
                    else a, args)


def _same_structure(a, b) -> bool:
    la, lb = _leaves(a), _leaves(b)
    return len(la) == len(lb) and all(x.shape == y.shape for x, y in zip(la, lb))


# ----------------------------------------------------------------------------- the table

@functools.cache
def rows() -> tuple[Row, ...]:
    """Every row of the table, probed (once per process).

        >>> sorted({r.module for r in rows()})
        ['numpy', 'numpy.fft', 'numpy.linalg']
    """
    return tuple(probe(module, name) for module in ("numpy", "numpy.linalg", "numpy.fft")
            for name in public_functions(module))


def render(table: list[Row] | tuple[Row, ...] | None = None) -> str:
    """The Markdown text of ``docs/numpy-coverage.md`` (of ``table``, by default every row probed).

        >>> [line for line in render([Row("numpy", "sin", "yes", "yes", "yes", "")]).splitlines() if "sin" in line]
        ['| `sin` | yes | yes | yes |  |']
    """
    table = rows() if table is None else table
    lines = [
        "# NumPy coverage",
        "",
        f"Generated by `{REGENERATE}` (do not edit by hand; a test fails when it is out of date).",
        f"NumPy {_np.__version__.split('.')[0]}.x: every public function of `numpy`, `numpy.linalg` and `numpy.fft`,",
        "probed with plain `np.*` calls on small random inputs:",
        "",
        "- **traces**: `yes` gives NumPy's values on traced arrays under `fg.jit` (shapes and dtypes only);",
        "  `concrete` only where values are known (`grad`, `jvp` without jit); `no` raises; `n/a` takes no",
        "  array (its result is a constant in traced code); `—` not probed (see the note).",
        "- **differentiates**: `yes` if the forward derivative along a random direction matches central",
        "  differences (`zero` where both vanish: piecewise-constant results); `no` if it raises, or gives 0",
        "  where the differences do not (a value-only result); `unverified` where the output's shape moves",
        "  with the input's values; `—` for integer or boolean results.",
        "- **vmap**: `yes` if `fg.vmap` over two inputs equals a loop.",
        "- **note**: the convention at non-differentiable points (see `docs/conventions.md`), or why a",
        "  function is not probed.",
        "",
    ]
    for module in ("numpy", "numpy.linalg", "numpy.fft"):
        part = [r for r in table if r.module == module]
        counts = sum(r.traces in ("yes", "concrete") for r in part)
        lines += [f"## `{module}` ({counts} of {len(part)} trace)", "",
                  "| function | traces | differentiates | vmap | note |", "|---|---|---|---|---|"]
        lines += [f"| `{r.name}` | {r.traces} | {r.differentiates} | {r.vmap} | {r.note} |" for r in part]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check``, compare) ``docs/numpy-coverage.md``; returns the exit status.

        >>> main(["--check", "--output", "/dev/null"])   # an empty file is out of date
        1
    """
    parser = argparse.ArgumentParser(prog=REGENERATE, description="Write docs/numpy-coverage.md.")
    parser.add_argument("--check", action="store_true", help="exit with 1 if the file is out of date")
    parser.add_argument("--output", type=Path, default=DOC)
    ns = parser.parse_args(argv)
    text = render()
    if ns.check:
        current = ns.output.read_text() if ns.output.exists() else ""
        if current != text:
            print(f"{ns.output} is out of date: run `{REGENERATE}`", file=sys.stderr)
            return 1
        return 0
    ns.output.write_text(text)
    print(f"wrote {ns.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
