"""``funcgrad.scipy.stats.norm``: the normal distribution's functions (``scipy.stats.norm``), traceable.

Each takes ``loc`` and ``scale`` (differentiable too). As in SciPy, a ``scale`` that is not
positive gives NaN.

    >>> import funcgrad as fg
    >>> from funcgrad.scipy.stats import norm
    >>> round(float(norm.pdf(0.0)), 12)
    0.398942280401
    >>> float(fg.grad(norm.cdf)(0.0)) == float(norm.pdf(0.0))
    True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as _np

from funcgrad import numpy as _fnp
from funcgrad.numpy._base import _arr, _is_traced
from funcgrad.ops import special as _sp

__all__ = ["cdf", "isf", "logcdf", "logpdf", "logsf", "pdf", "ppf", "sf"]

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _known_positive(scale: Any) -> bool:
    return not _is_traced(scale) and bool(_np.all(_np.asarray(scale) > 0))


def _checked(value: Any, scale: Any) -> Any:
    """``value``, NaN where ``scale <= 0`` (skipped when ``scale`` is a known positive constant)."""
    if _known_positive(scale):
        return value
    return _fnp.where(_fnp.greater(scale, 0), value, _np.nan)


def _standardize(x: Any, loc: Any, scale: Any) -> Any:
    z = _arr(x)
    if not (isinstance(loc, int | float) and loc == 0):
        z = z - _arr(loc)
    if not (isinstance(scale, int | float) and scale == 1):
        z = z / _arr(scale)
    return z


def _quantile(z: Any, loc: Any, scale: Any) -> Any:
    if not (isinstance(scale, int | float) and scale == 1):
        z = z * _arr(scale)
    if not (isinstance(loc, int | float) and loc == 0):
        z = z + _arr(loc)
    return _checked(z, scale)


def logpdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log pdf(x)`` of the normal distribution with mean ``loc`` and standard deviation ``scale``.

        >>> round(float(logpdf(1.0, loc=1.0, scale=2.0)), 10)
        -1.6120857138
    """
    z = _standardize(x, loc, scale)
    out = -0.5 * (z * z) - _LOG_SQRT_2PI
    if not (isinstance(scale, int | float) and scale == 1):
        out = out - _fnp.log(_arr(scale))
    return _checked(out, scale)


def pdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The normal density ``exp(-z²/2) / (√(2π) scale)`` with ``z = (x - loc) / scale``.

        >>> round(float(pdf(2.0, loc=2.0, scale=0.5)), 12)
        0.797884560803
    """
    return _fnp.exp(logpdf(x, loc, scale))


def cdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The normal CDF ``ndtr((x - loc) / scale)``.

        >>> round(float(cdf(1.0)), 12)
        0.841344746069
    """
    from funcgrad.scipy.special import ndtr

    return _checked(ndtr(_standardize(x, loc, scale)), scale)


def logcdf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log cdf(x)``, accurate far into the lower tail (``log_ndtr``).

        >>> round(float(logcdf(-40.0)), 6)
        -804.608442
    """
    return _checked(_sp.log_ndtr(_standardize(x, loc, scale)), scale)


def sf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The survival function ``1 - cdf(x)``, accurate in the upper tail.

        >>> round(float(sf(1.0)), 12)
        0.158655253931
    """
    from funcgrad.scipy.special import ndtr

    return _checked(ndtr(-_standardize(x, loc, scale)), scale)


def logsf(x: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """``log sf(x)``, accurate far into the upper tail.

        >>> round(float(logsf(40.0)), 6)
        -804.608442
    """
    return _checked(_sp.log_ndtr(-_standardize(x, loc, scale)), scale)


def ppf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The quantile function, the inverse of ``cdf``: ``loc + scale * ndtri(q)``.

        >>> round(float(ppf(0.975)), 6)
        1.959964
    """
    return _quantile(_sp.ndtri(_arr(q)), loc, scale)


def isf(q: Any, loc: Any = 0.0, scale: Any = 1.0) -> Any:
    """The inverse of ``sf``: ``loc - scale * ndtri(q)``.

        >>> round(float(isf(0.025)), 6)
        1.959964
    """
    return _quantile(-_sp.ndtri(_arr(q)), loc, scale)
