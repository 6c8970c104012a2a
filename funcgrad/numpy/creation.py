"""Array constructors: ``zeros_like``, ``full_like``, ``copy`` and NumPy's own ``zeros``, ``eye``, ..."""

from __future__ import annotations

import numpy as _np

from funcgrad.numpy._base import _arr, _is_traced, astype
from funcgrad.numpy.shapes import broadcast_to
from funcgrad.ops.util import dtype_of, shape_of


def zeros_like(a, dtype=None, order="K", subok=True, shape=None, **kw):
    a = _arr(a)
    return _np.zeros(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def ones_like(a, dtype=None, order="K", subok=True, shape=None, **kw):
    a = _arr(a)
    return _np.ones(shape_of(a) if shape is None else shape, dtype or dtype_of(a))


def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, **kw):
    a = _arr(a)
    out_shape = shape_of(a) if shape is None else shape
    if _is_traced(fill_value):
        return broadcast_to(astype(fill_value, dtype or dtype_of(a)), out_shape)
    return _np.full(out_shape, fill_value, dtype or dtype_of(a))


empty_like = zeros_like


def copy(a, order="K", subok=False):
    a = _arr(a)
    return a.copy() if isinstance(a, _np.ndarray) else a


from numpy import arange, empty, eye, full, identity, linspace, logspace, ones, tri, zeros  # noqa: E402,F401
