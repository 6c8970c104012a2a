"""``funcgrad.scipy``: SciPy's special functions and the normal distribution, traceable.

SciPy is an optional dependency (``pip install funcgrad[scipy]``); ``import funcgrad``
does not import it. Plain ``scipy.special`` ufuncs called on traced values dispatch here.

    >>> import funcgrad as fg
    >>> from funcgrad.scipy import special
    >>> round(float(fg.grad(special.erf)(0.0)), 12)   # 2 / sqrt(pi)
    1.128379167096
"""

from __future__ import annotations

try:
    import scipy.special  # noqa: F401
except ImportError as err:  # pragma: no cover - only without SciPy
    raise ImportError("funcgrad.scipy needs SciPy, an optional dependency: pip install 'funcgrad[scipy]'") from err

from funcgrad.scipy import special, stats  # noqa: E402

__all__ = ["special", "stats"]
