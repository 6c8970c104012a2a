"""NumPy's complex-part functions for complex values (``real``, ``imag``, ``conj``, ``abs``, ``angle``).

:mod:`funcgrad.numpy.dispatch` routes plain ``np.real(z)``, ``np.abs(z)``, ... here when ``z`` is
complex (e.g. a spectrum from :mod:`funcgrad.numpy.fft`); derivatives follow JAX's convention
(:mod:`funcgrad.ops.complex`).

    >>> import numpy as np, funcgrad as fg
    >>> round(float(fg.grad(lambda x: absolute(x * (1 + 1j)))(3.0)), 12)   # |x (1 + i)| = sqrt(2) x
    1.414213562373
"""

from __future__ import annotations

import math
from typing import Any

from funcgrad import ops
from funcgrad.numpy._base import _arr
from funcgrad.ops import complex as _cx

__all__ = ["absolute", "angle", "conj", "imag", "real"]


def real(val: Any) -> Any:
    """The real part of a complex array.

        >>> real(1 + 2j)
        np.float64(1.0)
    """
    return _cx.real(_arr(val))


def imag(val: Any) -> Any:
    """The imaginary part of a complex array.

        >>> imag(1 + 2j)
        np.float64(2.0)
    """
    return _cx.imag(_arr(val))


def conj(x: Any) -> Any:
    """The complex conjugate.

        >>> conj(1 + 2j)
        np.complex128(1-2j)
    """
    return _cx.conj(_arr(x))


def absolute(x: Any) -> Any:
    """The modulus ``|x|`` of a complex array; its derivative at 0 is taken as 0, as for real ``abs``.

        >>> absolute(3 + 4j)
        np.float64(5.0)
    """
    return _cx.complex_abs(_arr(x))


def angle(z: Any, deg: bool = False) -> Any:
    """The argument ``arctan2(imag(z), real(z))`` of a complex array, in radians (degrees with ``deg``).

        >>> float(angle(1j, deg=True))
        90.0
    """
    z = _arr(z)
    out = ops.arctan2(_cx.imag(z), _cx.real(z))
    return out * (180.0 / math.pi) if deg else out
