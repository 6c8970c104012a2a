"""NEP 13/18 dispatch: plain ``np.*`` calls on traced values land here.

Functions and ufuncs are matched by name to ``funcgrad.numpy``; anything
without a traceable version raises ``NotImplementedError`` naming it, never a
silent wrong or zero derivative.
"""

from __future__ import annotations

import sys

import numpy as np

from funcgrad import numpy as fnp
from funcgrad.numpy import _complex as fcx
from funcgrad.numpy import fft as ffft
from funcgrad.numpy import linalg as fla

_UFUNC_ALIASES = {"absolute": "abs", "true_divide": "divide", "power": "power", "remainder": "mod"}


# NumPy's own names, read from its module dictionary: getattr would import its lazily loaded
# submodules (numpy.testing, numpy.f2py, ...), which costs most of a cold start
_NP = vars(np)


def _build_functions() -> dict:
    table = {}
    for name in dir(fnp):
        if name.startswith("_"):
            continue
        ours, theirs = getattr(fnp, name), _NP.get(name)
        if callable(ours) and callable(theirs) and not isinstance(theirs, type) and theirs is not ours:
            table[theirs] = ours
    for name in dir(fla):
        theirs = getattr(np.linalg, name, None)
        if not name.startswith("_") and callable(theirs) and not isinstance(theirs, type):
            table[theirs] = getattr(fla, name)
    for name in ffft.__all__:
        table[getattr(np.fft, name)] = getattr(ffft, name)
    return table


FUNCTIONS = _build_functions()
UFUNCS = {u: getattr(fnp, _UFUNC_ALIASES.get(u.__name__, u.__name__))
          for u in list(_NP.values()) if isinstance(u, np.ufunc)
          and hasattr(fnp, _UFUNC_ALIASES.get(u.__name__, u.__name__))}

# ufuncs whose funcgrad.numpy version is exactly one primitive: called without the wrapper
DIRECT_UFUNCS = {u: fn.primitive for u, fn in UFUNCS.items() if hasattr(fn, "primitive")}

_REDUCE = {np.add: fnp.sum, np.multiply: fnp.prod, np.maximum: fnp.max, np.minimum: fnp.min,
           np.logical_and: fnp.all, np.logical_or: fnp.any}
_ACCUMULATE = {np.add: fnp.cumsum, np.multiply: fnp.cumprod}


# Complex values (spectra from funcgrad.numpy.fft) go only where the rules are right for them. Of the
# ufuncs with complex loops in NumPy, most have holomorphic derivatives (the real rule is the complex one,
# under JAX's convention) or none (comparisons); the ufuncs below do not, and are checked. Functions must
# be complex-part functions or only move, sum or contract values. Anything else on a complex input raises
# rather than differentiate it as if it were real.
_COMPLEX_CHECKED_UFUNCS = frozenset(
    _NP[name] for name in ("absolute", "conjugate", "sign", "maximum", "minimum", "fmax", "fmin", "vecdot",
                           "arccosh")  # arccosh: 1/sqrt(z² - 1) has the wrong sign off the real axis
    if name in _NP)
_COMPLEX_UFUNCS = {np.absolute: fcx.absolute, np.conjugate: fcx.conj}
_COMPLEX_FUNCTIONS = {np.real: fcx.real, np.imag: fcx.imag, np.angle: fcx.angle}
_LINEAR_FUNCTIONS = frozenset(
    [getattr(np.fft, name) for name in ffft.__all__] + [_NP[name] for name in (
        "sum", "mean", "cumsum", "trace", "reshape", "ravel", "transpose", "swapaxes", "moveaxis", "squeeze",
        "expand_dims", "broadcast_to", "concatenate", "stack", "hstack", "vstack", "split", "flip", "roll",
        "take", "diagonal", "where", "dot", "tensordot", "einsum", "inner", "outer", "shape", "ndim", "size",
        "copy", "zeros_like", "ones_like") if name in _NP])


def _is_complex(x) -> bool:
    if isinstance(x, list | tuple):
        return any(_is_complex(v) for v in x)
    if isinstance(x, type):  # a dtype given as an argument (np.float32), not a value
        return False
    dtype = getattr(x, "dtype", None)
    return (getattr(dtype, "kind", None) == "c") if dtype is not None else isinstance(x, complex)


def _complex_unsupported(name: str) -> TypeError:
    return TypeError(f"funcgrad does not differentiate {name} of complex values (its rule is for real values); "
                     f"complex values are supported through numpy.fft, arithmetic, exp/log/sqrt/trigonometric "
                     f"functions, np.real, np.imag, np.conj, np.abs and np.angle, and sums and reshapes: take "
                     f"np.real / np.imag / np.abs first")


def _scipy_ufunc(ufunc):
    """Our version of a ``scipy.special`` ufunc (``None`` if it is not one, or we have none)."""
    special = sys.modules.get("scipy.special")
    name = ufunc.__name__
    if special is None or getattr(special, name, None) is not ufunc:
        return None
    from funcgrad.scipy import special as ours  # imported on first use: it loads funcgrad.ops.special

    return ours.UFUNCS.get(name, False)


def dispatch_ufunc(ufunc, method, inputs, kwargs):
    """``__array_ufunc__`` of traced values.

        >>> float(fg.grad(lambda x: np.sin(x))(0.0))  # np.sin on a traced value comes here
        1.0
        >>> float(fnp.dispatch_ufunc(np.multiply, "__call__", (2.0, 3.0), {}))
        6.0
    """
    if ufunc in _COMPLEX_CHECKED_UFUNCS and _is_complex(inputs):
        fn = _COMPLEX_UFUNCS.get(ufunc)
        if fn is None or method != "__call__":
            raise _complex_unsupported(f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}"))
        if kwargs.get("out") is not None:
            raise TypeError(f"numpy.{ufunc.__name__}: out= cannot receive a traced value (traced arrays are "
                            f"immutable); assign the result instead")
        return fn(*inputs)
    if method == "__call__" and not kwargs:
        prim = DIRECT_UFUNCS.get(ufunc)
        if prim is not None:
            return prim(*[fnp.asarray(x) if isinstance(x, list | tuple) else x for x in inputs])
    if ufunc not in UFUNCS:
        fn = _scipy_ufunc(ufunc)
        if fn is not None:
            if fn is False or method != "__call__":
                suffix = "" if method == "__call__" else f".{method}"
                raise NotImplementedError(f"funcgrad does not support scipy.special.{ufunc.__name__}{suffix} on "
                                          f"traced values; funcgrad.scipy.special lists the supported functions")
            if kwargs.get("out") is not None:
                raise TypeError(f"scipy.special.{ufunc.__name__}: out= cannot receive a traced value (traced "
                                f"arrays are immutable); assign the result instead")
            if _is_complex(inputs):  # SciPy's derivatives (polygamma, ...) are for real values
                raise _complex_unsupported(f"scipy.special.{ufunc.__name__}")
            extra = sorted(k for k, v in kwargs.items() if k != "out" and v is not None)
            if extra:
                raise NotImplementedError(f"scipy.special.{ufunc.__name__} on traced values: the argument(s) "
                                          f"{', '.join(extra)}= are not supported")
            return fn(*inputs)
    if kwargs.get("out") is not None:
        raise TypeError(f"numpy.{ufunc.__name__}: out= cannot receive a traced value (traced arrays are "
                        f"immutable); assign the result instead")
    kwargs = {k: v for k, v in kwargs.items() if k != "out"}
    if method == "__call__":
        fn = UFUNCS.get(ufunc)
        if fn is not None:
            return fn(*inputs, **kwargs)
    elif method == "reduce" and ufunc in _REDUCE:
        return _REDUCE[ufunc](inputs[0], axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False))
    elif method == "accumulate" and ufunc in _ACCUMULATE:
        return _ACCUMULATE[ufunc](inputs[0], axis=kwargs.get("axis", 0))
    elif method == "outer" and ufunc in UFUNCS:
        a, b = fnp.asarray(inputs[0]), fnp.asarray(inputs[1])
        a = fnp.reshape(a, fnp.shape(a) + (1,) * fnp.ndim(b))
        return UFUNCS[ufunc](a, b)
    suffix = "" if method == "__call__" else f".{method}"
    raise NotImplementedError(f"funcgrad does not support numpy.{ufunc.__name__}{suffix} on traced values")


def dispatch_function(func, args, kwargs):
    """``__array_function__`` of traced values.

        >>> float(fg.grad(lambda x: np.sum(np.stack([x, 2 * x])))(1.0))  # np.sum and np.stack on traced values
        3.0
        >>> fnp.dispatch_function(np.stack, ([np.zeros(2), np.ones(2)],), {"axis": 1})
        array([[0., 1.],
               [0., 1.]])
    """
    if func not in _LINEAR_FUNCTIONS and (_is_complex(args) or _is_complex(tuple(kwargs.values()))):
        fn = _COMPLEX_FUNCTIONS.get(func)
        if fn is None:
            raise _complex_unsupported(f"{getattr(func, '__module__', 'numpy') or 'numpy'}.{func.__name__}")
        return fn(*args, **kwargs)
    fn = FUNCTIONS.get(func)
    if fn is None:
        module = getattr(func, "__module__", "numpy") or "numpy"
        sub = next((m for m in ("linalg", "fft") if m in module), None)
        name = f"numpy.{sub + '.' if sub else ''}{func.__name__}"
        raise NotImplementedError(f"funcgrad does not support {name} on traced values "
                                  f"(no derivative rule); see funcgrad.numpy for the supported functions")
    return fn(*args, **kwargs)
