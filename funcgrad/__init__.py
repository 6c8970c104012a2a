"""funcgrad: exact derivatives of NumPy code, to any order.

    >>> import funcgrad as fg, numpy as np
    >>> fg.grad(lambda x: np.sum(2 * np.sin(x) + 1))(np.zeros(2))
    array([2., 2.])
"""

from typing import TYPE_CHECKING

from funcgrad import tree
from funcgrad.control import cond, fori_loop, scan, while_loop
from funcgrad.core.ir import IR
from funcgrad.core.trace import ConcretizationError, UnexpectedTracerError
from funcgrad.custom import checkpoint, custom_jvp, custom_vjp, remat
from funcgrad.transforms.api import (
    grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, linearize, make_ir, stop_gradient, value_and_grad, vhp,
    vjp, vmap,
)

__version__ = "0.1.0"

# imported on first use, to keep ``import funcgrad`` cheap: these subpackages, and fg.jit (with its backends)
_LAZY = ("autograd", "distributed", "nn", "numpy", "optim", "profiler", "sparse", "testing", "viz")

if TYPE_CHECKING:  # what __getattr__ provides, for type checkers and editors
    from funcgrad import autograd, distributed, nn, numpy, optim, profiler, sparse, testing, viz
    from funcgrad.transforms.jit import jit


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f"funcgrad.{name}")
        globals()[name] = module
        return module
    if name == "jit":
        from funcgrad.transforms.jit import jit

        globals()["jit"] = jit
        return jit
    raise AttributeError(f"module 'funcgrad' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | {"jit"})

__all__ = [
    "ConcretizationError", "IR", "UnexpectedTracerError", "autograd", "checkpoint", "cond", "custom_jvp",
    "custom_vjp", "distributed", "fori_loop", "grad", "hessian", "hvp", "jacfwd", "jacobian", "jacrev", "jit", "jvp",
    "linearize", "make_ir", "nn", "numpy", "optim", "profiler", "remat", "scan", "sparse", "stop_gradient", "testing",
    "tree", "value_and_grad", "vhp", "vjp", "viz", "vmap", "while_loop",
]
