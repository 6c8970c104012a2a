"""Helpers of the ``funcgrad.numpy`` families for values: concrete values of functions whose output shape
depends on them, and integer indices of registered array types."""

from __future__ import annotations

from typing import Any

import numpy as _np

from funcgrad.core.trace import ConcretizationError, Tracer
from funcgrad.numpy._base import _is_traced, asarray
from funcgrad.ops.util import dtype_of


def _value_of(name: str, x: Any) -> Any:
    """The concrete value of ``x`` for a function whose output shape depends on values; a clear error naming
    ``name`` where there is none (under ``fg.jit`` and ``fg.vmap``).

        >>> _value_of("unique", [2.0, 1.0]).tolist()
        [2.0, 1.0]
    """
    if not _is_traced(x):
        return asarray(x)
    try:
        return _np.asarray(x._concrete())
    except ConcretizationError:
        raise ConcretizationError(
            f"funcgrad.numpy.{name}: the shape of its output depends on the values of its input {x.aval}, "
            f"which are unknown here (under fg.jit only shapes and dtypes are known, and under fg.vmap "
            f"values differ between batch elements). Call {name} outside fg.jit / fg.vmap and pass its "
            f"result in as an argument.") from None


def _index_array(x: Any) -> Any:
    """Integer indices as ``getitem`` takes them: the values of a registered array type (autograd tensors;
    indices carry no derivative), anything else as it is."""
    if isinstance(x, Tracer) or not _is_traced(x):
        return x
    from funcgrad.core.trace import _WRAPPERS

    unwrap = _WRAPPERS.get(type(x))
    return unwrap(x) if unwrap is not None and not _np.issubdtype(dtype_of(x), _np.inexact) else x
