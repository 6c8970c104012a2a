"""Complex values: ``real``, ``imag``, ``conj``, ``complex`` and the modulus ``complex_abs``.

Derivatives of complex values follow JAX's convention: a cotangent is the *transpose* of the
linear map (no conjugation), pairing ``<ct, t> = Re sum(ct * t)``. So holomorphic rules (``exp``,
``mul``, the FFTs, ...) are the same as for real values, and for a real function ``f`` of
``z = x + iy`` the gradient is ``df/dx - i df/dy``.

A real variable must receive a real cotangent. Where a rule here hands a real cotangent to a
complex input, or a complex one to a real input, it converts with ``complex(g, 0)`` or ``real(g)``
(never with a cast), so that a cotangent that mixing real and complex operands made complex
cannot leak an imaginary part back into complex values.

    >>> import numpy as np, funcgrad as fg
    >>> from funcgrad.ops.complex import complex_abs, complex
    >>> round(float(fg.grad(lambda x: complex_abs(complex(x, 4.0)))(3.0)), 12)   # d|3 + 4i|/dx = 3/5
    0.6
"""

from __future__ import annotations

import builtins

import numpy as np

from funcgrad.core.ir import ShapedArray
from funcgrad.ops.elementwise import batch_elementwise, select
from funcgrad.core.primitive import Primitive
from funcgrad.ops.util import dtype_of, shape_of

__all__ = ["complex", "complex_abs", "conj", "imag", "is_complex", "real", "real_dtype", "complex_dtype"]


def is_complex(x) -> bool:
    """Whether ``x`` (an array, tracer or scalar) has a complex dtype."""
    return np.issubdtype(dtype_of(x), np.complexfloating)


def real_dtype(dtype) -> np.dtype:
    """The real dtype of the same precision (``complex64 -> float32``; other dtypes -> ``float64`` unless float)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "c":
        return np.finfo(dtype).dtype
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def complex_dtype(dtype) -> np.dtype:
    """The complex dtype of the same precision (``float32 -> complex64``, ``float64 -> complex128``)."""
    return np.result_type(real_dtype(dtype), np.complex64)


def _dtype_probe(a):
    """What NumPy's promotion sees: a dtype, or a Python scalar (weak, NEP 50)."""
    if isinstance(a, ShapedArray):
        return a.probe() if a.weak else a.dtype
    return a if isinstance(a, int | float | builtins.complex) else dtype_of(a)


def _elementwise(name, impl, out_dtype):
    def abstract(*args):
        shape = np.broadcast_shapes(*[a.shape if isinstance(a, ShapedArray) else np.shape(a) for a in args])
        return ShapedArray(shape, out_dtype(*[_dtype_probe(a) for a in args]))

    prim = Primitive(name, impl, kind="elementwise", abstract=abstract)
    prim.def_batch(batch_elementwise(prim))
    return prim


def _as_real(g):
    return real(g) if is_complex(g) else g


def _complex_impl(re, im):
    dtype = complex_dtype(np.result_type(re, im))
    out = np.add(re, np.multiply(im, 1j, dtype=dtype), dtype=dtype)
    return out


def _part(fn):
    def impl(x):
        out = fn(x)  # a view of a complex array: copied, as results own their memory
        return out.copy() if isinstance(out, np.ndarray) and out.ndim else np.asarray(out)[()]

    return impl


_real_impl, _imag_impl = _part(np.real), _part(np.imag)


# complex(re, im) = re + i im, both real
complex = _elementwise("complex", _complex_impl, lambda a, b: complex_dtype(np.result_type(a, b)))
complex.def_jvp(lambda t, ans, re, im: complex(t, 0.0), lambda t, ans, re, im: complex(0.0, t))
complex.def_vjp(lambda g, ans, re, im: _unbroadcast(real(g), re),
                lambda g, ans, re, im: _unbroadcast(-imag(g), im))

def _part_dtype(a):
    a = np.result_type(a)
    return real_dtype(a) if a.kind == "c" else a


real = _elementwise("real", _real_impl, _part_dtype)
real.def_jvp(lambda t, ans, x: real(t))
real.def_vjp(lambda g, ans, x: complex(_as_real(g), 0.0) if is_complex(x) else g)

imag = _elementwise("imag", _imag_impl, _part_dtype)
imag.def_jvp(lambda t, ans, x: imag(t))
imag.def_vjp(lambda g, ans, x: complex(0.0, -_as_real(g)) if is_complex(x) else None)

conj = _elementwise("conj", np.conj, np.result_type)
conj.def_jvp(lambda t, ans, x: conj(t))
conj.def_vjp(lambda g, ans, x: conj(g) if is_complex(x) else _as_real(g))


def _unit(x, ans):
    """``x / |x|``, and 0 where ``x == 0`` (the derivative of ``|x|`` there is taken as 0, as for real ``abs``)."""
    return x * complex(1.0 / select(ans == 0, 1.0, ans), 0.0)


# |x| of a complex x; its derivative in the direction t is Re(conj(x) t) / |x|
complex_abs = _elementwise("complex_abs", np.abs, lambda a: real_dtype(np.result_type(a)))
complex_abs.def_jvp(lambda t, ans, x: real(conj(_unit(x, ans)) * t))
complex_abs.def_vjp(lambda g, ans, x: complex(_as_real(g), 0.0) * conj(_unit(x, ans)))


def _unbroadcast(g, x):
    from funcgrad.ops.util import unbroadcast

    return unbroadcast(g, shape_of(x))
