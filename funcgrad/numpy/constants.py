"""NumPy's dtypes and constants, re-exported unchanged."""

from __future__ import annotations

import numpy as _np

bool_ = _np.bool_
complex64 = _np.complex64
complex128 = _np.complex128
dtype = _np.dtype
e = _np.e
euler_gamma = _np.euler_gamma
finfo = _np.finfo
float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
iinfo = _np.iinfo
inf = _np.inf
int8 = _np.int8
int16 = _np.int16
int32 = _np.int32
int64 = _np.int64
integer = _np.integer
issubdtype = _np.issubdtype
nan = _np.nan
newaxis = _np.newaxis
pi = _np.pi
uint8 = _np.uint8
floating = _np.floating
number = _np.number
float_ = float64
int_ = int64
