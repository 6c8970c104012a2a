"""``funcgrad.nn.functional``: the stateless functions behind :mod:`funcgrad.nn`'s modules.

Every function takes and returns :class:`funcgrad.autograd.Tensor` (NumPy arrays are
accepted as inputs), so results work with ``loss.backward()``.

    >>> import numpy as np
    >>> from funcgrad import autograd as ag
    >>> from funcgrad.nn import functional as F
    >>> F.relu(ag.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    >>> round(F.mse_loss(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 0.0])).item(), 6)
    5.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from funcgrad.autograd.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction!r} is not a valid value for reduction (expected one of "
                         f"{', '.join(map(repr, _REDUCTIONS))})")


def _reduce(x: Tensor, reduction: str) -> Tensor:
    _check_reduction(reduction)
    if reduction == "mean":
        return x.mean()
    return x.sum() if reduction == "sum" else x


def linear(input: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``, with ``weight`` of shape ``(out_features, in_features)``.

        >>> w, b = ag.tensor([[1.0, 2.0]]), ag.tensor([0.5])
        >>> nn.functional.linear(ag.tensor([[1.0, 1.0]]), w, b)
        tensor([[3.5]])
    """
    out = _t(input) @ _t(weight).T
    return out if bias is None else out + bias


def relu(input: Any) -> Tensor:
    """``max(input, 0)`` elementwise.

        >>> nn.functional.relu(ag.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """
    return _t(input).relu()


def tanh(input: Any) -> Tensor:
    """``tanh(input)`` elementwise.

        >>> nn.functional.tanh(ag.tensor([0.0, 1.0]))
        tensor([0.    , 0.7616])
    """
    return _t(input).tanh()


def sigmoid(input: Any) -> Tensor:
    """``1 / (1 + exp(-input))`` elementwise.

        >>> nn.functional.sigmoid(ag.tensor([0.0]))
        tensor([0.5])
    """
    return _t(input).sigmoid()


def softmax(input: Any, dim: int) -> Tensor:
    """``exp(input) / sum(exp(input))`` along ``dim``, computed stably.

        >>> nn.functional.softmax(ag.tensor([[0.0, 0.0], [0.0, 1000.0]]), dim=1)
        tensor([[0.5, 0.5],
                [0. , 1. ]])
    """
    return _t(input).softmax(dim)


def log_softmax(input: Any, dim: int) -> Tensor:
    """``log(softmax(input, dim))``, computed stably (the maximum is subtracted first).

        >>> nn.functional.log_softmax(ag.tensor([0.0, 0.0]), dim=0)
        tensor([-0.6931, -0.6931])
    """
    return _t(input).log_softmax(dim)


def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:
    """Squared error ``(input - target) ** 2``, averaged (``'mean'``), summed (``'sum'``) or not (``'none'``).

        >>> x, y = ag.tensor([1.0, 3.0]), ag.tensor([0.0, 1.0])
        >>> nn.functional.mse_loss(x, y), nn.functional.mse_loss(x, y, reduction="sum")
        (tensor(2.5), tensor(5.))
    """
    _check_reduction(reduction)
    diff = _t(input) - target
    return _reduce(diff * diff, reduction)


def cross_entropy(input: Any, target: Any, weight: Any = None, *, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross entropy of logits ``input`` (``(N, C)`` or ``(C,)``) and integer class indices ``target``.

    As ``torch.nn.functional.cross_entropy``: the loss of sample ``i`` is
    ``-weight[t_i] * log_softmax(input)[i, t_i]``; targets equal to ``ignore_index``
    count for nothing; ``"mean"`` divides by the summed weights of the counted targets;
    ``label_smoothing`` mixes in the loss against the uniform distribution.

        >>> from funcgrad import autograd as ag
        >>> round(cross_entropy(ag.zeros(2, 4), ag.tensor([1, 3])).item(), 6)  # log 4
        1.386294
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    x = _t(input)
    tgt = np.asarray(target._value if isinstance(target, Tensor) else target)
    if tgt.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must hold integer class indices (dtype int64, as in torch), got "
                        f"dtype {tgt.dtype}; class probabilities are not supported")
    if x.ndim == 1:
        if tgt.ndim != 0:
            raise ValueError(f"cross_entropy: for input of shape {tuple(x.shape)} the target must be a scalar class "
                             f"index, got shape {tgt.shape}")
        x, tgt = x.reshape(1, -1), tgt.reshape(1)
        squeeze = True
    elif x.ndim == 2:
        if tgt.shape != (x.shape[0],):
            raise ValueError(f"cross_entropy: expected target of shape ({x.shape[0]},) for input of shape "
                             f"{tuple(x.shape)}, got {tgt.shape}")
        squeeze = False
    else:
        raise ValueError(f"cross_entropy: expected input of shape (N, C) or (C,), got {tuple(x.shape)}")
    n, c = x.shape
    kept = tgt != ignore_index
    bad = kept & ((tgt < 0) | (tgt >= c))
    if np.any(bad):
        raise IndexError(f"Target {int(tgt[np.argmax(bad)])} is out of bounds.")
    w = _t(weight) if weight is not None else None
    if w is not None and w.shape != (c,):
        raise ValueError(f"cross_entropy: weight must have shape ({c},), one entry per class, got {w.shape}")
    safe = np.where(kept, tgt, 0)
    logp = x.log_softmax(1)
    w_t = w[safe] * kept if w is not None else kept.astype(x.dtype)
    losses = -logp[np.arange(n), safe] * w_t
    if label_smoothing:
        smooth = -((logp * w).sum(1) if w is not None else logp.sum(1)) * kept.astype(x.dtype)
        losses = losses * (1 - label_smoothing) + smooth * (label_smoothing / c)
    if reduction == "none":
        return losses.reshape(()) if squeeze else losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / w_t.sum()


__all__ = ["cross_entropy", "linear", "log_softmax", "mse_loss", "relu", "sigmoid", "softmax", "tanh"]
