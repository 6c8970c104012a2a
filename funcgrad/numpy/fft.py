"""``funcgrad.numpy.fft``: NumPy's discrete Fourier transforms, traceable and differentiable.

The transforms take real or complex input and return complex spectra (``irfft``: real
signals). Differentiate real-valued functions of them, e.g. a power spectrum or a filter;
derivatives of complex values follow JAX's convention (:mod:`funcgrad.ops.complex`). Plain
``np.fft.*`` calls on traced values dispatch here.

    >>> import numpy as np, funcgrad as fg
    >>> x = np.array([1.0, 2.0, 0.5, -1.0])
    >>> power = lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2)   # Parseval: 4 * sum(x ** 2)
    >>> fg.grad(power)(x)
    array([ 8., 16.,  4., -8.])
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from funcgrad import ops
from funcgrad.numpy._base import _arr
from funcgrad.ops.complex import complex as _complex
from funcgrad.ops.complex import is_complex
from funcgrad.ops.fft import fft as _fft_prim
from funcgrad.ops.util import normalize_axis, shape_of

__all__ = ["fft", "fft2", "fftn", "fftshift", "ifft", "ifft2", "ifftn", "ifftshift", "irfft", "irfft2", "irfftn",
           "rfft", "rfft2", "rfftn"]


def _norm(name: str, norm: Any) -> str:
    if norm is None:
        return "backward"
    if norm not in ("backward", "ortho", "forward"):
        raise ValueError(f"funcgrad.numpy.fft.{name}: invalid norm={norm!r}; use 'backward' (the default), 'ortho' "
                         f"or 'forward'")
    return norm


def _no_out(name: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"numpy.fft.{name}: out= cannot receive a traced value (traced arrays are immutable); "
                        f"assign the result instead")


def _axes_and_lengths(name: str, a: Any, s: Any, axes: Any) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    nd = len(shape_of(a))
    if axes is None:
        axes = tuple(range(nd - len(s), nd)) if s is not None else tuple(range(nd))
    else:
        axes = tuple(normalize_axis(int(ax), nd) for ax in ((axes,) if isinstance(axes, int) else axes))
    if not axes:
        raise ValueError(f"funcgrad.numpy.fft.{name}: at least one axis is needed, and the input has none")
    if s is not None:
        s = tuple(int(n) for n in s)
        if len(s) != len(axes):
            raise ValueError(f"funcgrad.numpy.fft.{name}: s={s} and axes={axes} must have the same length")
        if any(n < 1 for n in s):
            raise ValueError(f"funcgrad.numpy.fft.{name}: invalid number of data points {s}; each must be >= 1")
    return axes, s


def _fit(a: Any, axes: tuple[int, ...], lengths: tuple[int, ...]) -> Any:
    """``a`` cut or zero-padded at the end of each axis to ``lengths`` (as NumPy reads its input)."""
    shape = shape_of(a)
    if all(shape[ax] == n for ax, n in zip(axes, lengths)):
        return a
    cut = tuple(slice(0, min(shape[ax], dict(zip(axes, lengths)).get(ax, shape[ax]))) for ax in range(len(shape)))
    a = ops.index(a, cut)
    widths = tuple((0, max(0, dict(zip(axes, lengths)).get(ax, n) - n)) for ax, n in enumerate(shape_of(a)))
    return ops.pad(a, widths=widths, value=0.0) if any(hi for _, hi in widths) else a


def _real_input(name: str, a: Any) -> Any:
    if is_complex(a):
        raise TypeError(f"funcgrad.numpy.fft.{name}: the input must be real; for a complex input use "
                        f"funcgrad.numpy.fft.{name[1:] if name.startswith('r') else name}")
    if not _np.issubdtype(a.dtype if hasattr(a, "dtype") else _np.asarray(a).dtype, _np.floating):
        a = ops.convert(a, dtype=_np.dtype(_np.float64))
    return a


def _c2c(name: str, kind: str, a: Any, s: Any, axes: Any, norm: Any) -> Any:
    a = _arr(a)
    norm = _norm(name, norm)
    axes, s = _axes_and_lengths(name, a, s, axes)
    lengths = s if s is not None else tuple(shape_of(a)[ax] for ax in axes)
    if any(n < 1 for n in lengths):
        raise ValueError(f"funcgrad.numpy.fft.{name}: invalid number of data points {lengths}; each must be >= 1")
    return _fft_prim(_fit(a, axes, lengths), kind=kind, axes=axes, lengths=lengths, norm=norm)


def _r2c(name: str, a: Any, s: Any, axes: Any, norm: Any) -> Any:
    a = _real_input(name, _arr(a))
    norm = _norm(name, norm)
    axes, s = _axes_and_lengths(name, a, s, axes)
    lengths = s if s is not None else tuple(shape_of(a)[ax] for ax in axes)
    if any(n < 1 for n in lengths):
        raise ValueError(f"funcgrad.numpy.fft.{name}: invalid number of data points {lengths}; each must be >= 1")
    return _fft_prim(_fit(a, axes, lengths), kind="rfft", axes=axes, lengths=lengths, norm=norm)


def _c2r(name: str, a: Any, s: Any, axes: Any, norm: Any) -> Any:
    a = _arr(a)
    norm = _norm(name, norm)
    axes, s = _axes_and_lengths(name, a, s, axes)
    if s is None:
        s = tuple(shape_of(a)[ax] for ax in axes[:-1]) + (2 * (shape_of(a)[axes[-1]] - 1),)
        if s[-1] < 1:
            raise ValueError(f"funcgrad.numpy.fft.{name}: invalid number of data points ({s[-1]}) along the last "
                             f"axis; pass n (or s)")
    inner = s[:-1] + (s[-1] // 2 + 1,)
    if not is_complex(a):
        a = _complex(_real_input(name, a), 0.0)
    return _fft_prim(_fit(a, axes, inner), kind="irfft", axes=axes, lengths=s, norm=norm)


def _one(n: Any) -> Any:
    return None if n is None else (int(n),)


def fft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.fft``: the one-dimensional discrete Fourier transform along ``axis``.

        >>> fft(_np.array([1.0, 0.0, 0.0, 0.0]))
        array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    _no_out("fft", out)
    return _c2c("fft", "fft", a, _one(n), (axis,), norm)


def ifft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.ifft``: the inverse of ``fft``.

        >>> ifft(fft(_np.array([1.0, 2.0]))).real
        array([1., 2.])
    """
    _no_out("ifft", out)
    return _c2c("ifft", "ifft", a, _one(n), (axis,), norm)


def rfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.rfft``: the ``n // 2 + 1`` non-negative frequencies of the transform of a real input.

        >>> rfft(_np.array([1.0, 1.0, 1.0, 1.0]))
        array([4.+0.j, 0.+0.j, 0.+0.j])
    """
    _no_out("rfft", out)
    return _r2c("rfft", a, _one(n), (axis,), norm)


def irfft(a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.irfft``: the real signal of length ``n`` (default ``2 (m - 1)``) whose ``rfft`` is ``a``.

        >>> irfft(rfft(_np.array([1.0, 2.0, 3.0])), n=3)
        array([1., 2., 3.])
    """
    _no_out("irfft", out)
    return _c2r("irfft", a, _one(n), (axis,), norm)


def fftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.fftn``: the transform over ``axes`` (default: all, or the last ``len(s)``).

        >>> fftn(_np.ones((2, 2))).real
        array([[4., 0.],
               [0., 0.]])
    """
    _no_out("fftn", out)
    return _c2c("fftn", "fft", a, s, axes, norm)


def ifftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.ifftn``: the inverse of ``fftn``.

        >>> ifftn(fftn(_np.eye(2))).real
        array([[1., 0.],
               [0., 1.]])
    """
    _no_out("ifftn", out)
    return _c2c("ifftn", "ifft", a, s, axes, norm)


def rfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.rfftn``: ``rfft`` along the last of ``axes``, ``fft`` along the others.

        >>> rfftn(_np.ones((2, 4))).shape
        (2, 3)
    """
    _no_out("rfftn", out)
    return _r2c("rfftn", a, s, axes, norm)


def irfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.irfftn``: the inverse of ``rfftn``.

        >>> irfftn(rfftn(_np.eye(2)), s=(2, 2))
        array([[1., 0.],
               [0., 1.]])
    """
    _no_out("irfftn", out)
    return _c2r("irfftn", a, s, axes, norm)


def fft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.fft2``: ``fftn`` over the last two axes.

        >>> fft2(_np.ones((2, 2))).real
        array([[4., 0.],
               [0., 0.]])
    """
    _no_out("fft2", out)
    return _c2c("fft2", "fft", a, s, axes, norm)


def ifft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.ifft2``: ``ifftn`` over the last two axes.

        >>> ifft2(fft2(_np.eye(2))).real
        array([[1., 0.],
               [0., 1.]])
    """
    _no_out("ifft2", out)
    return _c2c("ifft2", "ifft", a, s, axes, norm)


def rfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.rfft2``: ``rfftn`` over the last two axes.

        >>> rfft2(_np.ones((2, 4))).shape
        (2, 3)
    """
    _no_out("rfft2", out)
    return _r2c("rfft2", a, s, axes, norm)


def irfft2(a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None) -> Any:
    """``numpy.fft.irfft2``: ``irfftn`` over the last two axes.

        >>> irfft2(rfft2(_np.eye(2)), s=(2, 2))
        array([[1., 0.],
               [0., 1.]])
    """
    _no_out("irfft2", out)
    return _c2r("irfft2", a, s, axes, norm)


def fftshift(x: Any, axes: Any = None) -> Any:
    """``numpy.fft.fftshift``: the zero frequency moved to the centre (a roll; derivative a roll back).

        >>> fftshift(_np.arange(4.0))
        array([2., 3., 0., 1.])
    """
    from funcgrad.numpy.shapes import roll

    x = _arr(x)
    axes = tuple(range(len(shape_of(x)))) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    return roll(x, [shape_of(x)[ax] // 2 for ax in axes], axes)


def ifftshift(x: Any, axes: Any = None) -> Any:
    """``numpy.fft.ifftshift``: the inverse of ``fftshift``.

        >>> ifftshift(fftshift(_np.arange(5.0)))
        array([0., 1., 2., 3., 4.])
    """
    from funcgrad.numpy.shapes import roll

    x = _arr(x)
    axes = tuple(range(len(shape_of(x)))) if axes is None else ((axes,) if isinstance(axes, int) else tuple(axes))
    return roll(x, [-(shape_of(x)[ax] // 2) for ax in axes], axes)
