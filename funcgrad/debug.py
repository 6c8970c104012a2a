"""``FUNCGRAD_DEBUG``: what the jit reports on standard error, as comma-separated flags.

- ``retrace``: why a jitted function was traced again (which argument changed, and how);
- ``ir``: the optimised IR of every traced signature;
- ``code``: the generated Python source;
- ``kernels``: the generated numba kernel source.

The variable is read each time something would be reported, so it can be set while
a program runs::

    >>> import os
    >>> os.environ["FUNCGRAD_DEBUG"] = "ir,retrace"
    >>> enabled("retrace"), enabled("code")
    (True, False)
    >>> del os.environ["FUNCGRAD_DEBUG"]
"""

from __future__ import annotations

import os
import sys

FLAGS = ("retrace", "ir", "code", "kernels")


def enabled(flag: str) -> bool:
    """Whether ``flag`` is listed in ``FUNCGRAD_DEBUG`` (``all`` lists every flag)."""
    value = os.environ.get("FUNCGRAD_DEBUG")
    if not value:
        return False
    flags = {f.strip() for f in value.split(",")}
    return flag in flags or "all" in flags


def report(flag: str, text: str) -> None:
    """Print ``text`` to standard error, headed by ``flag``, if the flag is enabled."""
    if enabled(flag):
        print(f"[funcgrad {flag}] {text}", file=sys.stderr, flush=True)
