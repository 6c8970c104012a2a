"""Derivative checks against central finite differences.

    >>> import funcgrad as fg, numpy as np
    >>> fg.testing.check_grads(np.sin, (np.array([0.1, 0.7]),), order=2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from funcgrad import tree
from funcgrad.transforms.api import jvp, vjp


def _as_float_array(x):
    return np.asarray(x, dtype=np.result_type(np.asarray(x).dtype, np.float64)) if not isinstance(x, np.ndarray) else x


def numerical_jacobian(f: Callable, x: Any, eps: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of ``f`` at ``x``: shape ``out.shape + x.shape``.

        >>> numerical_jacobian(lambda x: x ** 2, np.array([1.0, 2.0])).round(6)
        array([[2., 0.],
               [0., 4.]])
    """
    x = np.array(x, dtype=np.float64)
    out0 = np.asarray(f(x))
    jac = np.zeros(out0.shape + x.shape)
    flat = x.reshape(-1)
    for i in range(flat.size):
        xp, xm = flat.copy(), flat.copy()
        xp[i] += eps
        xm[i] -= eps
        d = (np.asarray(f(xp.reshape(x.shape))) - np.asarray(f(xm.reshape(x.shape)))) / (2 * eps)
        jac.reshape(out0.shape + (flat.size,))[..., i] = d
    return jac


def vmap_loop(f: Callable, args: Sequence, in_axes: Sequence) -> np.ndarray:
    """What ``vmap(f, in_axes)(*args)`` must equal: a Python loop over the mapped axis.

        >>> vmap_loop(lambda a, b: a * b, (np.arange(3.0), 2.0), (0, None))
        array([0., 2., 4.])
    """
    n = next(np.shape(a)[ax] for a, ax in zip(args, in_axes) if ax is not None)
    return np.stack([f(*[a if ax is None else np.take(a, i, axis=ax) for a, ax in zip(args, in_axes)])
                     for i in range(n)])


def _inner(a, b) -> float:
    return float(sum(np.sum(np.asarray(x) * np.asarray(y)) for x, y in zip(tree.leaves(a), tree.leaves(b))))


def _axpy(alpha, v, x):
    return tree.map(lambda vi, xi: xi + alpha * vi, v, x)


def _close(a, b, atol, rtol, what):
    a, b = np.asarray(a, float), np.asarray(b, float)
    if not np.allclose(a, b, atol=atol, rtol=rtol, equal_nan=True):
        raise AssertionError(f"{what}: {a!r} != {b!r} (atol={atol}, rtol={rtol})")


def check_grads(f: Callable, args: Sequence, order: int = 2, modes: Sequence[str] = ("fwd", "rev"),
                atol: float | None = None, rtol: float | None = None, eps: float | None = None,
                seed: int = 0) -> None:
    """Check ``f``'s derivatives up to ``order`` in the given modes against finite
    differences along random directions; raise ``AssertionError`` on a mismatch.

    Forward mode compares ``J v``; reverse mode compares ``<u, J v>`` with
    ``<Jᵀ u, v>``; with both modes the two are also compared with each other.

        >>> from funcgrad.testing import check_grads
        >>> check_grads(lambda x: np.sum(np.sin(x) ** 2), (np.array([0.3, 1.2]),), order=2)
        >>> check_grads(lambda x: fg.stop_gradient(x) * x, (np.array([0.5]),), order=1)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        AssertionError: ...
    """
    args = tuple(tree.map(_as_float_array, a) for a in args)
    is32 = any(np.asarray(x).dtype == np.float32 for x in tree.leaves(args))
    eps = eps or (1e-3 if is32 else 1e-6)
    atol = atol or (5e-2 if is32 else 1e-5)
    rtol = rtol or (5e-2 if is32 else 1e-5)
    rng = np.random.default_rng(seed)
    _check(f, args, order, tuple(modes), atol, rtol, eps, rng)


def _random_like(tree_, rng):
    return tree.map(lambda x: rng.standard_normal(np.shape(x)).astype(np.asarray(x).dtype), tree_)


def _check(f, args, order, modes, atol, rtol, eps, rng):
    v = _random_like(args, rng)
    plus = f(*_axpy(eps, v, args))
    minus = f(*_axpy(-eps, v, args))
    fd = tree.map(lambda p, m: (np.asarray(p, float) - np.asarray(m, float)) / (2 * eps), plus, minus)
    u = None
    if "fwd" in modes:
        _, t = jvp(f, args, v)
        for a, b in zip(tree.leaves(t), tree.leaves(fd)):
            _close(a, b, atol, rtol, f"forward-mode derivative (order {order}) of {getattr(f, '__name__', f)}")
    if "rev" in modes:
        out, f_vjp = vjp(f, *args)
        u = _random_like(out, rng)
        cts = f_vjp(u)
        _close(_inner(cts, v), _inner(u, fd), atol, rtol,
               f"reverse-mode derivative (order {order}) of {getattr(f, '__name__', f)}")
        if "fwd" in modes:
            _close(_inner(cts, v), _inner(u, t), atol, rtol, "jvp and vjp disagree: <Jᵀu, v> != <u, Jv>")
    if order > 1:
        if "fwd" in modes:
            _check(lambda *a: jvp(f, a, v)[1], args, order - 1, modes, atol, rtol, eps, rng)
        if "rev" in modes:
            _check(lambda *a: vjp(f, *a)[1](u), args, order - 1, modes, atol, rtol, eps, rng)
