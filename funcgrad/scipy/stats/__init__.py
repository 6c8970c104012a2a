"""``funcgrad.scipy.stats``: distributions as modules of traceable functions (``norm``).

    >>> from funcgrad.scipy.stats import norm
    >>> round(float(norm.cdf(0.0)), 12)
    0.5
"""

from __future__ import annotations

from funcgrad.scipy.stats import norm

__all__ = ["norm"]
