"""Special functions (SciPy's ``scipy.special``) as elementwise primitives with derivative tables.

This module imports SciPy, so :mod:`funcgrad.ops` does not import it: :mod:`funcgrad.scipy`
does, and :func:`funcgrad.core.primitive.lookup` does when an unpickled IR names one of these.
Each row is ``name: (impl, derivative(ans, x), derivative may be infinite)``, as in
:mod:`funcgrad.ops.elementwise`; the derivatives are written with primitives, so they
differentiate again (``digamma``'s derivative is ``polygamma(x, n=1)``, whose derivative is
``polygamma(x, n=2)``, ...).

None of them has a scalar form: the numba fuser leaves them out of fused kernels and the
generated code calls SciPy's ufunc on the whole array.

    >>> from funcgrad.ops.special import erf
    >>> round(float(erf(0.5)), 12)
    0.520499877813
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as _sc

from funcgrad.ops.elementwise import _binary_rules, _unary_rules, elementwise, exp, safe_mul
from funcgrad.ops.util import dtype_of

__all__ = ["erf", "erfc", "erfinv", "gammaln", "digamma", "polygamma", "ndtri", "log_ndtr", "betaln"]

# Python floats, so that float32 derivatives stay float32.
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_TWO = math.sqrt(math.pi) / 2.0
_SQRT_2PI = math.sqrt(2.0 * math.pi)


def _same_float(impl):
    """``impl``, with a floating-point input's dtype kept (SciPy computes some in float64)."""

    def fn(*args, **params):
        out = impl(*args, **params)
        dt = np.result_type(*[dtype_of(a) for a in args], 1.0)
        if np.issubdtype(dt, np.floating) and np.result_type(out) != dt:
            out = out.astype(dt) if isinstance(out, np.ndarray) else dt.type(out)
        return out

    return fn


UNARY = {
    "erf": (_sc.erf, lambda ans, x: _TWO_OVER_SQRT_PI * exp(-(x * x)), False),
    "erfc": (_sc.erfc, lambda ans, x: -_TWO_OVER_SQRT_PI * exp(-(x * x)), False),
    "erfinv": (_sc.erfinv, lambda ans, x: _SQRT_PI_OVER_TWO * exp(ans * ans), True),
    "gammaln": (_sc.gammaln, lambda ans, x: digamma(x), True),
    "digamma": (_sc.psi, lambda ans, x: polygamma(x, n=1), True),
    "ndtri": (_sc.ndtri, lambda ans, x: _SQRT_2PI * exp(0.5 * (ans * ans)), True),
    # exp(-x²/2 - log Φ(x)) / √(2π) = φ(x) / Φ(x), finite where Φ(x) underflows
    "log_ndtr": (_sc.log_ndtr, lambda ans, x: exp(-0.5 * (x * x) - ans) / _SQRT_2PI, False),
}


def _define_unary(name):
    impl, deriv, singular = UNARY[name]
    prim = elementwise(name, _same_float(impl))
    _unary_rules(prim, deriv, singular)
    return prim


erf, erfc, erfinv, gammaln, digamma, ndtri, log_ndtr = map(_define_unary, UNARY)

# polygamma(x, n=k): the k-th derivative of digamma; the order is a parameter, not an input.
polygamma = elementwise("polygamma", _same_float(lambda x, n: _sc.polygamma(n, x)))
polygamma.def_jvp(lambda t, ans, x, n: safe_mul(t, polygamma(x, n=n + 1)))
polygamma.def_vjp(lambda g, ans, x, n: safe_mul(g, polygamma(x, n=n + 1)))

# log |B(a, b)|, computed by SciPy without the cancellation of gammaln(a) + gammaln(b) - gammaln(a + b)
betaln = elementwise("betaln", _same_float(_sc.betaln))
_binary_rules(betaln, lambda ans, a, b: digamma(a) - digamma(a + b), lambda ans, a, b: digamma(b) - digamma(a + b))
