"""``funcgrad.nn``: just enough of ``torch.nn`` for a tutorial's model.

    >>> import numpy as np
    >>> from funcgrad import autograd as ag, nn
    >>> ag.manual_seed(0)
    >>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    >>> loss = nn.MSELoss()(model(ag.randn(16, 2)), ag.zeros(16, 1))
    >>> loss.backward()
    >>> model[0].weight.grad.shape
    (8, 2)
"""

from funcgrad.nn import functional
from funcgrad.nn.modules import (
    CrossEntropyLoss, Linear, Module, MSELoss, Parameter, ReLU, Sequential, Sigmoid, Tanh,
)

__all__ = [
    "CrossEntropyLoss", "Linear", "MSELoss", "Module", "Parameter", "ReLU", "Sequential", "Sigmoid", "Tanh",
    "functional",
]
