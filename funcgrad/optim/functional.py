"""Pure optimisers over pytrees (optax style): ``init(params) -> state`` and
``update(grads, state, params=None) -> (updates, state)``.

    >>> import funcgrad as fg, numpy as np
    >>> from funcgrad import optim
    >>> opt = optim.sgd(0.1)
    >>> params = {"w": np.array([1.0, -2.0])}
    >>> state = opt.init(params)
    >>> grads = fg.grad(lambda p: np.sum(p["w"] ** 2))(params)
    >>> updates, state = opt.update(grads, state)
    >>> optim.apply_updates(params, updates)["w"]
    array([ 0.8, -1.6])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from funcgrad import tree


class Optimizer(NamedTuple):
    """A pair of pure functions.

        >>> opt = optim.GradientTransformation(init=lambda p: (), update=lambda g, s, p=None: (-g, s))
        >>> updates, state = opt.update(np.array([1.0]), opt.init(None)); updates
        array([-1.])
    """

    init: Callable[[Any], Any]
    update: Callable[..., tuple[Any, Any]]


def sgd(lr: float, momentum: float = 0.0, nesterov: bool = False) -> Optimizer:
    """Gradient descent, optionally with (Nesterov) momentum.

        >>> opt = optim.sgd(0.1, momentum=0.9)
        >>> state = opt.init(np.zeros(2))
        >>> updates, state = opt.update(np.array([1.0, -1.0]), state); updates
        array([-0.1,  0.1])
    """

    def init(params):
        return {"trace": tree.map(np.zeros_like, params)} if momentum else {}

    def update(grads, state, params=None):
        if not momentum:
            return tree.map(lambda g: -lr * g, grads), state
        trace = tree.map(lambda t, g: momentum * t + g, state["trace"], grads)
        direction = tree.map(lambda t, g: g + momentum * t, trace, grads) if nesterov else trace
        return tree.map(lambda d: -lr * d, direction), {"trace": trace}

    return Optimizer(init, update)


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    """Adam, with the same arithmetic as ``funcgrad.optim.Adam``.

        >>> opt = optim.adam(0.01)
        >>> updates, state = opt.update(np.array([5.0, -0.1]), opt.init(np.zeros(2)))
        >>> updates  # the first step has size lr in every coordinate
        array([-0.01,  0.01])
    """

    def init(params):
        zeros = tree.map(np.zeros_like, params)
        return {"count": 0, "mu": zeros, "nu": tree.map(np.zeros_like, params)}

    def update(grads, state, params=None):
        t = state["count"] + 1
        mu = tree.map(lambda m, g: b1 * m + (1 - b1) * g, state["mu"], grads)
        nu = tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, state["nu"], grads)
        step = lr / (1 - b1 ** t)
        c2 = math.sqrt(1 - b2 ** t)  # a Python float, so float32 parameters stay float32
        updates = tree.map(lambda m, v: -step * m / (np.sqrt(v) / c2 + eps), mu, nu)
        return updates, {"count": t, "mu": mu, "nu": nu}

    return Optimizer(init, update)


def apply_updates(params: Any, updates: Any) -> Any:
    """``params + updates``, leafwise.

        >>> optim.apply_updates({"w": np.ones(2)}, {"w": np.array([0.5, -0.5])})
        {'w': array([1.5, 0.5])}
    """
    return tree.map(lambda p, u: p + u, params, updates)
