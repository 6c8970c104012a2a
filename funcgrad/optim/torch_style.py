"""``SGD``, ``Adam`` and ``AdamW`` with ``step()`` and ``zero_grad()`` (PyTorch semantics)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from funcgrad.autograd.tensor import Tensor


class Optimizer:
    """Base class: holds parameter groups and per-parameter state."""

    def __init__(self, params: Iterable, defaults: dict):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for g in groups:
            group = dict(defaults, **g)
            group["params"] = list(group["params"])
            for p in group["params"]:
                if not isinstance(p, Tensor) or not p.is_leaf:
                    raise TypeError("optimizer can only optimize leaf tensors (parameters)")
            self.param_groups.append(group)
        self.defaults = defaults
        self.state: dict[int, dict] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad._value[...] = 0

    def _params_with_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    yield group, p, np.asarray(p.grad._value), self.state.setdefault(id(p), {})

    @staticmethod
    def _write(p: Tensor, value: np.ndarray) -> None:
        np.copyto(p._value, value, casting="same_kind")
        p._version += 1

    def state_dict(self) -> dict[str, Any]:
        return {"state": {i: dict(s) for i, s in enumerate(self.state.values())},
                "param_groups": [{k: v for k, v in g.items() if k != "params"} for g in self.param_groups]}


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, weight decay and Nesterov."""

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def step(self, closure=None):
        """Update every parameter that has a gradient."""
        loss = closure() if closure is not None else None
        for group, p, g, state in self._params_with_grad():
            g = -g if group["maximize"] else g
            if group["weight_decay"]:
                g = g + group["weight_decay"] * p._value
            if group["momentum"]:
                buf = state.get("momentum_buffer")
                buf = g.copy() if buf is None else group["momentum"] * buf + (1 - group["dampening"]) * g
                state["momentum_buffer"] = buf
                g = g + group["momentum"] * buf if group["nesterov"] else buf
            self._write(p, p._value - group["lr"] * g)
        return loss


class Adam(Optimizer):
    """Adam (Kingma & Ba), with L2 weight decay added to the gradient as in PyTorch."""

    decoupled = False

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize))

    def step(self, closure=None):
        loss = closure() if closure is not None else None
        for group, p, g, state in self._params_with_grad():
            g = -g if group["maximize"] else g
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            value = p._value
            if wd and self.decoupled:
                value = value * (1 - lr * wd)
            elif wd:
                g = g + wd * value
            t = state["step"] = state.get("step", 0) + 1
            m = state["exp_avg"] = b1 * state.get("exp_avg", 0.0) + (1 - b1) * g
            v = state["exp_avg_sq"] = b2 * state.get("exp_avg_sq", 0.0) + (1 - b2) * g * g
            if group["amsgrad"]:
                v = state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", 0.0), v)
            denom = np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps
            self._write(p, value - (lr / (1 - b1 ** t)) * m / denom)
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01, as in PyTorch)."""

    decoupled = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, amsgrad: bool = False, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)
