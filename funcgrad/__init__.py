"""funcgrad: exact derivatives of NumPy code, to any order.

    >>> import funcgrad as fg, numpy as np
    >>> fg.grad(lambda x: np.sum(2 * np.sin(x) + 1))(np.zeros(2))
    array([2., 2.])
"""

from funcgrad import tree
from funcgrad.core.ir import IR
from funcgrad.core.trace import ConcretizationError, UnexpectedTracerError
from funcgrad.transforms.api import (
    grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, linearize, make_ir, stop_gradient, value_and_grad, vhp,
    vjp, vmap,
)
from funcgrad.transforms.jit import jit
from funcgrad import numpy  # noqa: E402  (the traceable NumPy namespace)

__version__ = "0.1.0"

# imported on first use, to keep ``import funcgrad`` cheap
_LAZY = ("autograd", "nn", "optim", "profiler", "testing")


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"funcgrad.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'funcgrad' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

__all__ = [
    "IR", "ConcretizationError", "UnexpectedTracerError", "autograd", "grad", "hessian", "hvp", "jacfwd", "jacobian",
    "jacrev", "jit", "jvp", "linearize", "make_ir", "nn", "numpy", "optim", "profiler", "stop_gradient", "testing",
    "tree", "value_and_grad", "vhp", "vjp", "vmap",
]
