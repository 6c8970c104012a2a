"""``funcgrad.scipy.special``: SciPy's special functions, traceable and differentiable to any order.

``erf``, ``erfc``, ``erfinv``, ``gammaln``, ``digamma``, ``polygamma``, ``ndtri``, ``log_ndtr`` and
``betaln`` are primitives (:mod:`funcgrad.ops.special`); the rest are written on top of them and
:mod:`funcgrad.numpy`. Plain ``scipy.special.erf(x)`` on a traced ``x`` dispatches here.

    >>> import funcgrad as fg
    >>> from funcgrad.scipy import special
    >>> float(fg.grad(special.gammaln)(1.0))   # digamma(1) = -Euler's constant
    -0.5772156649015329
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from funcgrad import numpy as _fnp
from funcgrad import ops as _ops
from funcgrad.numpy._base import _arr, _is_traced
from funcgrad.ops import special as _sp
from funcgrad.ops.util import normalize_axes, shape_of

__all__ = ["betaln", "digamma", "erf", "erfc", "erfinv", "expit", "gammaln", "log_ndtr", "log_softmax", "logit",
           "logsumexp", "ndtr", "ndtri", "polygamma", "psi", "softmax", "xlog1py", "xlogy"]

_SQRT1_2 = math.sqrt(0.5)


def erf(x: Any) -> Any:
    """The error function ``2/√π ∫₀ˣ exp(-t²) dt`` (``scipy.special.erf``).

        >>> round(float(erf(1.0)), 12)
        0.84270079295
    """
    return _sp.erf(_arr(x))


def erfc(x: Any) -> Any:
    """The complementary error function ``1 - erf(x)``, accurate for large ``x`` (``scipy.special.erfc``).

        >>> float(erfc(0.0))
        1.0
    """
    return _sp.erfc(_arr(x))


def erfinv(x: Any) -> Any:
    """The inverse of ``erf`` on ``(-1, 1)`` (``scipy.special.erfinv``); its derivative is infinite at ±1.

        >>> round(float(erfinv(erf(0.3))), 12)
        0.3
    """
    return _sp.erfinv(_arr(x))


def gammaln(x: Any) -> Any:
    """``log |Γ(x)|`` (``scipy.special.gammaln``); the derivative is ``digamma(x)``.

        >>> round(float(gammaln(5.0)), 12)   # log 4!
        3.178053830348
    """
    return _sp.gammaln(_arr(x))


def digamma(x: Any) -> Any:
    """``d/dx log Γ(x)`` (``scipy.special.digamma``, also ``psi``); the derivative is ``polygamma(1, x)``.

        >>> round(float(digamma(1.0)), 12)
        -0.577215664902
    """
    return _sp.digamma(_arr(x))


psi = digamma


def _order(n: Any) -> int:
    if _is_traced(n):
        raise TypeError("funcgrad.scipy.special.polygamma: the order n must be a concrete integer, not a traced "
                        "value (polygamma is not differentiable in n); pass n as a Python int (static_argnums "
                        "under fg.jit)")
    arr = _np.asarray(n)
    if arr.ndim != 0:
        raise TypeError(f"funcgrad.scipy.special.polygamma: the order n must be a single integer, got an array of "
                        f"shape {arr.shape}; call polygamma once per order and stack the results")
    if arr.dtype.kind not in "iuf" or (arr.dtype.kind == "f" and not float(arr).is_integer()):
        raise TypeError(f"funcgrad.scipy.special.polygamma: the order n must be an integer, got {n!r}")
    k = int(arr)
    if k < 0:
        raise ValueError(f"funcgrad.scipy.special.polygamma: the order n must be >= 0, got {k}")
    return k


def polygamma(n: int, x: Any) -> Any:
    """The ``n``-th derivative of ``digamma`` (``scipy.special.polygamma``); ``n`` is a concrete integer >= 0.

        >>> round(float(polygamma(1, 1.0)), 12)   # π² / 6
        1.644934066848
    """
    k = _order(n)
    return _sp.digamma(_arr(x)) if k == 0 else _sp.polygamma(_arr(x), n=k)


def ndtri(p: Any) -> Any:
    """The inverse of ``ndtr``: the standard normal quantile function (``scipy.special.ndtri``).

        >>> round(float(ndtri(0.975)), 6)
        1.959964
    """
    return _sp.ndtri(_arr(p))


def log_ndtr(x: Any) -> Any:
    """``log ndtr(x)``, accurate far into the lower tail (``scipy.special.log_ndtr``).

        >>> round(float(log_ndtr(-40.0)), 6)
        -804.608442
    """
    return _sp.log_ndtr(_arr(x))


def betaln(a: Any, b: Any) -> Any:
    """``log |B(a, b)|`` (``scipy.special.betaln``); derivatives ``digamma(a) - digamma(a + b)`` and so on.

        >>> round(float(betaln(2.0, 3.0)), 12)   # log(1/12)
        -2.484906649788
    """
    return _sp.betaln(_arr(a), _arr(b))


def ndtr(x: Any) -> Any:
    """The standard normal CDF ``(1 + erf(x / √2)) / 2``, written as ``erfc(-x / √2) / 2`` (``scipy.special.ndtr``).

        >>> float(ndtr(0.0))
        0.5
    """
    return 0.5 * _sp.erfc(_arr(x) * -_SQRT1_2)


def expit(x: Any) -> Any:
    """The logistic sigmoid ``1 / (1 + exp(-x))``, stable for large ``|x|`` (``scipy.special.expit``).

        >>> float(expit(0.0))
        0.5
    """
    return _ops.logistic(_arr(x))


def logit(p: Any) -> Any:
    """``log(p / (1 - p))``, the inverse of ``expit`` (``scipy.special.logit``).

        >>> round(float(logit(expit(1.5))), 12)
        1.5
    """
    p = _arr(p)
    return _fnp.log(p) - _fnp.log1p(-p)


def _xlog(x: Any, logy: Any, y: Any) -> Any:
    # 0 where x == 0 (and the derivative in y is 0 there too); NaN where y is NaN, as in SciPy
    return _ops.select(_ops.isnan(y), y, _ops.safe_mul(x, logy))


def xlogy(x: Any, y: Any) -> Any:
    """``x * log(y)``, and 0 where ``x == 0`` (``scipy.special.xlogy``).

        >>> float(xlogy(0.0, 0.0)), round(float(xlogy(2.0, 3.0)), 12)
        (0.0, 2.197224577336)
    """
    x, y = _arr(x), _arr(y)
    return _xlog(x, _fnp.log(y), y)


def xlog1py(x: Any, y: Any) -> Any:
    """``x * log1p(y)``, and 0 where ``x == 0`` (``scipy.special.xlog1py``).

        >>> float(xlog1py(0.0, -1.0))
        0.0
    """
    x, y = _arr(x), _arr(y)
    return _xlog(x, _fnp.log1p(y), y)


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False, return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a), axis))``, computed stably (``scipy.special.logsumexp``).

    With ``return_sign=True`` it returns ``(log |s|, sign(s))`` for the sum ``s``; otherwise a
    negative sum gives NaN, as in SciPy.

        >>> round(float(logsumexp([1000.0, 1000.0])), 6)
        1000.693147
        >>> [float(v) for v in logsumexp([0.0, 0.0], b=[1.0, -2.0], return_sign=True)]
        [0.0, -1.0]
    """
    a = _arr(a)
    if not return_sign:
        return _fnp.logsumexp(a, axis=axis, keepdims=keepdims, b=b)
    axes = normalize_axes(axis, len(shape_of(a)))
    m = _ops.stop_gradient(_fnp.max(a, axis=axes, keepdims=True)) if axes else _ops.stop_gradient(a)
    m = _fnp.where(_fnp.isfinite(m), m, 0.0)
    e = _fnp.exp(a - m)
    if b is not None:
        e = e * _arr(b)
    s = _fnp.sum(e, axis=axes, keepdims=True) if axes else e
    out = _fnp.log(_fnp.abs(s)) + m
    sign = _ops.stop_gradient(_fnp.sign(s))
    if not keepdims and axes:
        out, sign = _fnp.squeeze(out, axis=axes), _fnp.squeeze(sign, axis=axes)
    return out, sign


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x), axis)``, computed stably (``scipy.special.softmax``; ``axis=None``: all elements).

        >>> softmax([0.0, 0.0])
        array([0.5, 0.5])
    """
    return _fnp.exp(log_softmax(x, axis))


def log_softmax(x: Any, axis: Any = None) -> Any:
    """``x - logsumexp(x, axis)`` (``scipy.special.log_softmax``; ``axis=None``: all elements).

        >>> log_softmax([0.0, 0.0]).round(6)
        array([-0.693147, -0.693147])
    """
    x = _arr(x)
    return x - _fnp.logsumexp(x, axis=axis, keepdims=True)


# scipy.special ufuncs (by name) that funcgrad.numpy.dispatch routes here
UFUNCS = {name: globals()[name] for name in ("erf", "erfc", "erfinv", "gammaln", "psi", "digamma", "ndtri",
                                             "log_ndtr", "betaln", "ndtr", "expit", "logit", "xlogy", "xlog1py")}
