"""Functions made by transforms, as objects that pickle.

A closure returned by a transform cannot be pickled; a :class:`Transformed` can: it
pickles as the recipe that made it — the transform, the user's function (pickled by
reference) and the transform's arguments — and is rebuilt in the other process.

    >>> import pickle, funcgrad as fg, numpy as np
    >>> g = pickle.loads(pickle.dumps(fg.grad(np.sin)))
    >>> float(g(0.0))
    1.0
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class Transformed:
    """``transform(fun, *args, **kwargs)``: calls like the function it wraps, pickles as its recipe."""

    __slots__ = ("_call", "_recipe", "__dict__")  # __dict__: the wrapped function's __name__, __doc__, ...

    def __init__(self, call: Callable, transform: Callable, fun: Callable, args: tuple, kwargs: dict):
        self._call = call
        self._recipe = (transform, fun, args, kwargs)
        functools.update_wrapper(self, fun, updated=())

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._call(*args, **kwargs)

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        return self if obj is None else functools.partial(self, obj)

    def __reduce__(self):
        return (_rebuild, self._recipe)

    def __repr__(self) -> str:
        transform = self._recipe[0]
        return f"<{getattr(transform, '__name__', 'transformed')}({getattr(self, '__name__', '?')})>"


def _rebuild(transform: Callable, fun: Callable, args: tuple, kwargs: dict) -> Any:
    return transform(fun, *args, **kwargs)


def returns_transformed(transform: Callable) -> Callable:
    """Decorate a transform so that the functions it returns are :class:`Transformed` (picklable)."""

    @functools.wraps(transform)
    def make(fun: Callable, *args: Any, **kwargs: Any) -> Transformed:
        return Transformed(transform(fun, *args, **kwargs), make, fun, args, kwargs)

    return make
