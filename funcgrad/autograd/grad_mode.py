"""Gradient recording on or off: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Each is a context manager and a decorator; the mode is per thread (and per task).

    >>> from funcgrad import autograd as ag
    >>> x = ag.tensor(1.0, requires_grad=True)
    >>> with ag.no_grad():
    ...     (x * 2).requires_grad
    False
"""

from __future__ import annotations

import contextvars
import functools
import inspect

_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("funcgrad_grad_enabled", default=True)
is_grad_enabled = _enabled.get


class _GradMode:
    mode: bool = True

    def __init__(self):
        self._tokens: list = []

    def __enter__(self):
        self._tokens.append(_enabled.set(self.mode))
        return self

    def __exit__(self, *exc):
        _enabled.reset(self._tokens.pop())
        return False

    def __call__(self, fn):
        mode = self.mode
        if inspect.isgeneratorfunction(fn):
            @functools.wraps(fn)
            def generator(*args, **kwargs):  # the mode holds each time the generator runs
                gen = fn(*args, **kwargs)
                value = None
                while True:
                    token = _enabled.set(mode)
                    try:
                        item = gen.send(value)
                    except StopIteration as stop:
                        return stop.value
                    finally:
                        _enabled.reset(token)
                    value = yield item

            return generator

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            token = _enabled.set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _enabled.reset(token)

        return wrapper


class _BareDecorator(_GradMode):
    """A mode usable as ``@no_grad()`` and as bare ``@no_grad``."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        if not callable(orig_func):
            raise TypeError(f"{cls.__name__}() takes no arguments, got {orig_func!r}")
        return cls()(orig_func)

    def __init__(self, orig_func=None):
        super().__init__()


class no_grad(_BareDecorator):
    """Do not record operations for differentiation inside the block.

        >>> x = ag.tensor(1.0, requires_grad=True)
        >>> with ag.no_grad():
        ...     y = x * 2
        >>> y.requires_grad, ag.no_grad()(lambda: (x * 2).requires_grad)()
        (False, False)
    """

    mode = False


class enable_grad(_BareDecorator):
    """Record operations inside the block, even within ``no_grad``.

        >>> x = ag.tensor(1.0, requires_grad=True)
        >>> with ag.no_grad(), ag.enable_grad():
        ...     y = x * 2
        >>> y.requires_grad
        True
    """

    mode = True


class set_grad_enabled(_GradMode):
    """Turn recording on or off; as a plain call it sets the mode immediately (like PyTorch).

        >>> x = ag.tensor(1.0, requires_grad=True)
        >>> with ag.set_grad_enabled(False):
        ...     y = x * 2
        >>> y.requires_grad, ag.is_grad_enabled()
        (False, True)
    """

    def __init__(self, mode: bool):
        super().__init__()
        self.mode = bool(mode)
        self._prev = _enabled.set(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _enabled.reset(self._prev)
        return False

    def __call__(self, fn):
        _enabled.reset(self._prev)  # used as a decorator: the mode applies inside fn only
        return super().__call__(fn)
