"""Comparisons of whole arrays, dtype queries and the remaining helpers."""

from __future__ import annotations

import numpy as _np

from funcgrad.numpy._base import _arr, _is_traced
from funcgrad.numpy.constants import pi
from funcgrad.numpy.elementwise import absolute, equal, less_equal, sin, where
from funcgrad.numpy.reductions import all
from funcgrad.numpy.shapes import shape
from funcgrad.ops.util import dtype_of


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = _arr(a), _arr(b)
    return less_equal(absolute(a - b), atol + rtol * absolute(b))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(all(isclose(a, b, rtol, atol, equal_nan)))


def array_equal(a1, a2, equal_nan=False) -> bool:
    return shape(a1) == shape(a2) and bool(all(equal(_arr(a1), _arr(a2))))


def result_type(*arrays_and_dtypes):
    return _np.result_type(*[dtype_of(a) if _is_traced(a) else a for a in arrays_and_dtypes])


def sinc(x):
    x = _arr(x)
    px = pi * where(equal(x, 0), 1.0, x)
    return where(equal(x, 0), 1.0, sin(px) / px)
