"""Optimisers: PyTorch-style ``SGD``, ``Adam``, ``AdamW`` over tensors, and pure
optax-style ``sgd`` / ``adam`` over pytrees of arrays.

    >>> from funcgrad import autograd as ag, optim
    >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward(); opt.step()
    >>> w
    tensor([ 0.8, -1.6], requires_grad=True)
"""

from funcgrad.optim.functional import Optimizer as GradientTransformation
from funcgrad.optim.functional import adam, apply_updates, sgd
from funcgrad.optim.torch_style import SGD, Adam, AdamW, Optimizer

__all__ = ["SGD", "Adam", "AdamW", "GradientTransformation", "Optimizer", "adam", "apply_updates", "sgd"]
