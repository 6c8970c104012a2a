"""``SGD``, ``Adam`` and ``AdamW`` with ``step()`` and ``zero_grad()`` (PyTorch semantics)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from funcgrad.autograd.tensor import Tensor


def _check(ok: bool, what: str, value: Any) -> None:
    if not ok:
        raise ValueError(f"Invalid {what}: {value}")


class Optimizer:
    """Base class: parameter groups (``param_groups``) and per-parameter ``state``, as in PyTorch.

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts
    (parameter groups whose settings override the defaults).

        >>> w = ag.tensor([1.0], requires_grad=True)
        >>> opt = optim.SGD([{"params": [w], "lr": 0.5}], lr=0.1)
        >>> opt.param_groups[0]["lr"], isinstance(opt, optim.Optimizer)
        (0.5, True)
    """

    def __init__(self, params: Iterable, defaults: dict):
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got a Tensor")
        self.defaults = defaults
        self.state: dict[Tensor, dict] = {}
        self.param_groups: list[dict] = []
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters; settings it does not give come from the defaults.

            >>> a, b = ag.ones(1, requires_grad=True), ag.ones(1, requires_grad=True)
            >>> opt = optim.SGD([a], lr=0.1)
            >>> opt.add_param_group({"params": [b], "lr": 0.01})
            >>> [g["lr"] for g in opt.param_groups]
            [0.1, 0.01]
        """
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        params = [p[1] if isinstance(p, tuple) and len(p) == 2 else p for p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        group = dict(self.defaults, **param_group)
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of all parameters.

            >>> w = ag.tensor([1.0], requires_grad=True)
            >>> opt = optim.SGD([w])
            >>> (2 * w).sum().backward(); opt.zero_grad()
            >>> w.grad is None
            True
        """
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
                    yield group, p, np.asarray(p.grad._value), self.state.setdefault(p, {})

    @staticmethod
    def _write(p: Tensor, value: np.ndarray) -> None:
        np.copyto(p._value, value, casting="same_kind")
        p._version += 1

    def _all_params(self) -> list[Tensor]:
        return [p for g in self.param_groups for p in g["params"]]

    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: state}, "param_groups": [...]}``, parameters numbered by position.

            >>> w = ag.tensor([1.0], requires_grad=True)
            >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
            >>> w.sum().backward(); opt.step()
            >>> opt.state_dict()["state"]
            {0: {'momentum_buffer': array([1.])}}
        """
        index = {id(p): i for i, p in enumerate(self._all_params())}
        state = {index[id(p)]: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
                 for p, s in self.state.items()}
        groups = [{**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore settings and state saved by :meth:`state_dict` (same parameter layout).

            >>> w = ag.tensor([1.0], requires_grad=True)
            >>> opt = optim.Adam([w], lr=0.1)
            >>> w.sum().backward(); opt.step()
            >>> opt2 = optim.Adam([w]); opt2.load_state_dict(opt.state_dict())
            >>> opt2.param_groups[0]["lr"], opt2.state[w]["step"]
            (0.1, 1)
        """
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                len(g["params"]) != len(own["params"]) for g, own in zip(groups, self.param_groups)):
            raise ValueError("loaded state dict has a different number of parameter groups or parameters")
        params = self._all_params()
        for g, own in zip(groups, self.param_groups):
            own.update({k: v for k, v in g.items() if k != "params"})
        self.state = {params[i]: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
                      for i, s in state_dict["state"].items()}


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, dampening, weight decay and Nesterov.

        >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     opt.zero_grad(); (w * w).sum().backward(); opt.step()
        >>> w
        tensor([ 0.46, -0.92], requires_grad=True)
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, maximize: bool = False):
        _check(lr >= 0, "learning rate", lr)
        _check(momentum >= 0, "momentum value", momentum)
        _check(weight_decay >= 0, "weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def step(self, closure=None):
        """Update every parameter that has a gradient.

            >>> w = ag.tensor([1.0], requires_grad=True)
            >>> opt = optim.SGD([w], lr=0.25)
            >>> (w * w).sum().backward(); opt.step(); w
            tensor([0.5], requires_grad=True)
        """
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
    """Adam (Kingma & Ba), with L2 weight decay added to the gradient as in PyTorch.

        >>> w = ag.tensor([1.0, -2.0], requires_grad=True)
        >>> opt = optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w  # a first step of size lr
        tensor([ 0.9, -1.9], requires_grad=True)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, maximize: bool = False, *,
                 decoupled_weight_decay: bool = False):
        _check(lr >= 0, "learning rate", lr)
        _check(eps >= 0, "epsilon value", eps)
        for i, b in enumerate(betas):
            _check(0 <= b < 1, f"beta parameter at index {i}", b)
        _check(weight_decay >= 0, "weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def step(self, closure=None):
        """Update every parameter that has a gradient (``closure``, if given, recomputes the loss first).

            >>> w = ag.tensor([1.0], requires_grad=True)
            >>> opt = optim.Adam([w], lr=0.5)
            >>> w.sum().backward(); opt.step(); w
            tensor([0.5], requires_grad=True)
        """
        loss = closure() if closure is not None else None
        for group, p, g, state in self._params_with_grad():
            g = -g if group["maximize"] else g
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            value = p._value
            if wd and group["decoupled_weight_decay"]:
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
    """Adam with decoupled weight decay (default 0.01, as in PyTorch).

        >>> w = ag.tensor([1.0], requires_grad=True)
        >>> opt = optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.grad = ag.zeros(1); opt.step(); w  # zero gradient: only the decay 1 - lr * wd
        tensor([0.95], requires_grad=True)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.01, amsgrad: bool = False, maximize: bool = False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay=True)
