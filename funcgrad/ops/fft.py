"""The discrete Fourier transforms as one primitive, ``fft[kind, axes, lengths, norm]``.

``kind`` is ``"fft"``, ``"ifft"`` (complex to complex; a real input is read as complex), ``"rfft"``
(real to the non-negative frequencies) or ``"irfft"`` (their inverse, real output of ``lengths``
along ``axes``). Every transform is linear, so its forward rule is the same transform of the
tangent. The reverse rules are transposes under JAX's convention (see :mod:`funcgrad.ops.complex`):

- ``fft`` and ``ifft`` are symmetric matrices (times a scalar set by ``norm``): their own transpose;
  a real input takes the real part;
- ``rfft`` is ``fft`` of the real input restricted to the first ``n // 2 + 1`` frequencies: the
  transpose pads the cotangent with zeros, applies ``fft`` and takes the real part;
- ``irfft`` reads frequency ``k`` with weight 1 at ``k = 0`` (and ``n / 2`` for even ``n``) and 2
  elsewhere: the transpose is ``conj(rfft(g)) * weights``, with the normalisation of the
  opposite ``norm``.

The input's length along ``axes`` is always the transform's (``funcgrad.numpy.fft`` pads or
truncates first, as NumPy does).

    >>> import numpy as np
    >>> from funcgrad.ops.fft import fft
    >>> fft(np.array([1.0, 0.0, 0.0, 0.0]), kind="rfft", axes=(0,), lengths=(4,), norm="backward")
    array([1.+0.j, 1.+0.j, 1.+0.j])
"""

from __future__ import annotations

import numpy as np

from funcgrad.core.ir import ShapedArray
from funcgrad.core.primitive import Primitive
from funcgrad.ops.complex import complex_dtype, conj, is_complex, real, real_dtype
from funcgrad.ops.shape import moveaxis, pad
from funcgrad.ops.util import dtype_of, shape_of

__all__ = ["fft"]

_NUMPY = {"fft": np.fft.fftn, "ifft": np.fft.ifftn, "rfft": np.fft.rfftn, "irfft": np.fft.irfftn}
_OPPOSITE = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _impl(x, kind, axes, lengths, norm):
    return _NUMPY[kind](x, s=lengths, axes=axes, norm=norm)


def _abstract(x, kind, axes, lengths, norm):
    shape = list(x.shape)
    if kind == "rfft":
        shape[axes[-1]] = lengths[-1] // 2 + 1
    elif kind == "irfft":
        for a, n in zip(axes, lengths):
            shape[a] = n
    dtype = real_dtype(x.dtype) if kind == "irfft" else complex_dtype(x.dtype)
    return ShapedArray(tuple(shape), dtype)


fft = Primitive("fft", _impl, kind="opaque", abstract=_abstract)


def _jvp(t, ans, x, kind, axes, lengths, norm):
    return fft(t, kind=kind, axes=axes, lengths=lengths, norm=norm)


def _irfft_weights(n: int, m: int, ndim: int, axis: int, dtype) -> np.ndarray:
    """1 at frequency 0 (and n/2 for even n), 2 elsewhere, shaped to broadcast along ``axis``."""
    w = np.full(m, 2.0, dtype)
    w[0] = 1.0
    if n % 2 == 0:
        w[-1] = 1.0
    shape = [1] * ndim
    shape[axis] = m
    return w.reshape(shape)


def _vjp(g, ans, x, kind, axes, lengths, norm):
    if kind in ("fft", "ifft"):
        ct = fft(g, kind=kind, axes=axes, lengths=lengths, norm=norm)
        return ct if is_complex(x) else real(ct)
    if kind == "rfft":
        last = axes[-1]
        n, m = lengths[-1], shape_of(g)[last]
        widths = tuple((0, n - m) if a == last else (0, 0) for a in range(len(shape_of(g))))
        return real(fft(pad(g, widths=widths, value=0.0), kind="fft", axes=axes, lengths=lengths, norm=norm))
    # irfft: the cotangent of its real output is real (take the real part of one made complex by mixing)
    g = real(g) if is_complex(g) else g
    spectrum = fft(g, kind="rfft", axes=axes, lengths=lengths, norm=_OPPOSITE[norm])
    last = axes[-1]
    w = _irfft_weights(lengths[-1], shape_of(x)[last], len(shape_of(x)), last, dtype_of(spectrum))
    return conj(spectrum) * w


def _batch(axis_size, args, dims, kind, axes, lengths, norm):
    (x,), (d,) = args, dims
    if d != 0:
        x = moveaxis(x, d, 0)
    return fft(x, kind=kind, axes=tuple(a + 1 for a in axes), lengths=lengths, norm=norm), 0


fft.def_jvp(_jvp)
fft.def_vjp(_vjp)
fft.def_batch(_batch)
