"""Modules: parameters and sub-modules registered by attribute assignment (PyTorch semantics)."""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any, NamedTuple

import numpy as np

from funcgrad.autograd.grad_mode import no_grad
from funcgrad.autograd.tensor import Tensor
from funcgrad.nn import functional as F


def Parameter(data: Any = None, requires_grad: bool = True) -> Tensor:  # noqa: N802  (torch's name)
    """A leaf tensor that requires grad: what a :class:`Module` registers as a parameter.

    ``data`` may be a tensor (its values are shared, not copied), an array or a list;
    ``None`` gives an empty float64 tensor.

        >>> from funcgrad import nn
        >>> w = nn.Parameter([1.0, 2.0])
        >>> w.requires_grad, w.is_leaf
        (True, True)
    """
    if data is None:
        value = np.empty((0,), np.float64)
    elif isinstance(data, Tensor):
        value = data._value
    else:
        value = np.asarray(data)
    return Tensor._make(value, False, None).requires_grad_(requires_grad)


def _is_param(value: Any) -> bool:
    return isinstance(value, Tensor) and value.requires_grad and value.is_leaf


class _IncompatibleKeys(NamedTuple):
    missing_keys: list
    unexpected_keys: list


class Module:
    """Base class of models. Assigning a :func:`Parameter` or a ``Module`` to an attribute registers it.

        >>> from funcgrad import autograd as ag, nn
        >>> class Net(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.fc1 = nn.Linear(3, 4)
        ...         self.scale = nn.Parameter(ag.ones(1))
        ...     def forward(self, x):
        ...         return self.scale * self.fc1(x).relu()
        >>> net = Net()
        >>> [name for name, _ in net.named_parameters()]
        ['scale', 'fc1.weight', 'fc1.bias']
        >>> net(ag.zeros(2, 3)).shape
        (2, 4)
    """

    training: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def _registries(self) -> tuple[OrderedDict, OrderedDict]:
        try:
            return self.__dict__["_parameters"], self.__dict__["_modules"]
        except KeyError:
            raise AttributeError(f"cannot assign to {type(self).__name__} before Module.__init__() is called; "
                                 f"call super().__init__() first") from None

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Module) or _is_param(value):
            params, modules = self._registries()
            params.pop(name, None)
            modules.pop(name, None)
            self.__dict__.pop(name, None)
            (modules if isinstance(value, Module) else params)[name] = value
            return
        d = self.__dict__
        params, modules = d.get("_parameters"), d.get("_modules")
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as parameter '{name}' "
                                f"(a leaf Tensor that requires grad, or None, expected)")
            params[name] = None
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} as child module '{name}' "
                                f"(a Module or None expected)")
            modules[name] = None
            return
        object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:  # only called when normal lookup fails
        d = self.__dict__
        for registry in ("_parameters", "_modules"):
            r = d.get(registry)
            if r is not None and name in r:
                return r[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        for registry in ("_parameters", "_modules"):
            r = d.get(registry)
            if r is not None and name in r:
                del r[name]
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._modules))

    def register_parameter(self, name: str, param: Tensor | None) -> None:
        """Register ``param`` (a leaf tensor that requires grad, or ``None``) under ``name``.

            >>> m = nn.Module()
            >>> m.register_parameter("scale", nn.Parameter(ag.ones(1)))
            >>> [name for name, _ in m.named_parameters()]
            ['scale']
        """
        if param is not None and not _is_param(param):
            raise TypeError(f"cannot register '{name}' as a parameter: a leaf Tensor that requires grad expected")
        self._registries()[0][name] = param

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child under ``name``.

            >>> m = nn.Module()
            >>> m.add_module("act", nn.ReLU())
            >>> m.act
            ReLU()
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._registries()[1][name] = module

    register_module = add_module

    # ------------------------------------------------------------------ traversal
    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """``(name, parameter)`` pairs: own parameters first, then each child's (``'fc1.weight'``).

            >>> ag.manual_seed(0)
            >>> [(name, p.shape) for name, p in nn.Linear(3, 2).named_parameters()]
            [('weight', (2, 3)), ('bias', (2,))]
        """
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for mod_prefix, mod in modules:
            for name, p in mod._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (mod_prefix + "." + name if mod_prefix else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        """The parameters (each shared one once), in :meth:`named_parameters` order.

            >>> sum(p.numel() for p in nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1)).parameters())
            11
        """
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for each direct sub-module (each shared one once).

            >>> [name for name, _ in nn.Sequential(nn.Linear(2, 2), nn.Tanh()).named_children()]
            ['0', '1']
        """
        seen: set[int] = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                yield name, m

    def children(self) -> Iterator[Module]:
        """The direct sub-modules.

            >>> list(nn.Sequential(nn.Tanh(), nn.ReLU()).children())
            [Tanh(), ReLU()]
        """
        for _, m in self.named_children():
            yield m

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and all its descendants, depth first, with dotted names (a module
        reached twice is listed once unless ``remove_duplicate=False``).

            >>> [name for name, _ in nn.Sequential(nn.Sequential(nn.Tanh())).named_modules()]
            ['', '0', '0.0']
        """
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, m in self._modules.items():
            if m is not None:
                yield from m.named_modules(memo, prefix + "." + name if prefix else name, remove_duplicate)

    def modules(self) -> Iterator[Module]:
        """This module and all its descendants.

            >>> len(list(nn.Sequential(nn.Tanh(), nn.ReLU()).modules()))
            3
        """
        for _, m in self.named_modules():
            yield m

    # ------------------------------------------------------------------ training helpers
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the ``.grad`` of every parameter (to ``None``, or to zeros in place).

            >>> fc = nn.Linear(2, 1)
            >>> fc(ag.ones(1, 2)).sum().backward(); fc.zero_grad()
            >>> fc.weight.grad is None
            True
        """
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                with no_grad():
                    p.grad = p.grad.detach()
                    p.grad.zero_()

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and its descendants; returns ``self``.

            >>> model = nn.Sequential(nn.Linear(2, 1))
            >>> model.train(False)[0].training
            False
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``); returns ``self``.

            >>> nn.Linear(2, 1).eval().training
            False
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (freeze with ``False``); returns ``self``.

            >>> fc = nn.Linear(2, 1).requires_grad_(False)
            >>> [p.requires_grad for p in fc.parameters()]
            [False, False]
        """
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    # ------------------------------------------------------------------ state
    def state_dict(self, prefix: str = "") -> OrderedDict:
        """Parameter name -> tensor (detached; shares memory with the parameter).

            >>> ag.manual_seed(0)
            >>> list(nn.Sequential(nn.Linear(2, 1)).state_dict())
            ['0.weight', '0.bias']
        """
        out: OrderedDict = OrderedDict()
        for mod_prefix, mod in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            for name, p in mod._parameters.items():
                if p is not None:
                    out[mod_prefix + "." + name if mod_prefix else name] = p.detach()
        return out

    def load_state_dict(self, state_dict: dict, strict: bool = True) -> _IncompatibleKeys:
        """Copy values from ``state_dict`` into the parameters, in place.

        With ``strict`` (the default), missing or unexpected keys raise ``RuntimeError``.
        Returns ``(missing_keys, unexpected_keys)``.

            >>> a, b = nn.Linear(2, 1), nn.Linear(2, 1)
            >>> b.load_state_dict(a.state_dict())
            _IncompatibleKeys(missing_keys=[], unexpected_keys=[])
            >>> ag.equal(a.weight, b.weight)
            True
        """
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and (missing or unexpected):
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ".")
        values = {}
        for k, target in own.items():
            if k not in state_dict:
                continue
            v = state_dict[k]
            v = np.asarray(v._value if isinstance(v, Tensor) else v)
            if v.shape != target.shape:
                errors.append(f"size mismatch for {k}: copying a param with shape {v.shape} from checkpoint, the "
                              f"shape in current model is {target.shape}.")
            values[k] = v
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(errors))
        params = dict(self.named_parameters())
        for k, v in values.items():
            np.copyto(own[k]._value, v, casting="same_kind")  # own[k] shares memory with the parameter
            if k in params:
                params[k]._version += 1
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation, defined by each subclass; call the module itself (``model(x)``) to run it.

            >>> class Scale(nn.Module):
            ...     def __init__(self):
            ...         super().__init__()
            ...         self.s = nn.Parameter(ag.tensor(2.0))
            ...     def forward(self, x):
            ...         return self.s * x
            >>> Scale()(ag.tensor([1.0, 3.0]))
            tensor([2., 6.], grad_fn=<MulBackward0>)
        """
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def extra_repr(self) -> str:
        """Extra text inside the module's ``repr`` (a subclass's settings); empty by default.

            >>> nn.Linear(3, 2).extra_repr()
            'in_features=3, out_features=2, bias=True'
        """
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, m in self._modules.items():
            body = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (f"\n  {extra}" if extra else "")
        return head + "\n  " + "\n  ".join(lines) + "\n)"


class Linear(Module):
    """``y = x @ weight.T + bias``, with torch's shapes and initialisation.

    ``weight`` has shape ``(out_features, in_features)`` and ``bias`` shape ``(out_features,)``;
    both are drawn from ``U(-1/sqrt(in_features), 1/sqrt(in_features))`` with the generator
    seeded by ``ag.manual_seed``. Parameters are float64 unless ``dtype=`` is given.

        >>> from funcgrad import autograd as ag, nn
        >>> ag.manual_seed(0)
        >>> fc = nn.Linear(3, 2)
        >>> fc.weight.shape, fc.bias.shape
        ((2, 3), (2,))
        >>> fc(ag.ones(5, 3)).shape
        (5, 2)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        import funcgrad.autograd as _ag

        self.in_features = int(in_features)
        self.out_features = int(out_features)
        dtype = np.dtype(dtype if dtype is not None else np.float64)
        bound = 1.0 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
        shape = (self.out_features, self.in_features)
        self.weight = Parameter(_ag._rng.uniform(-bound, bound, shape).astype(dtype))
        if bias:
            self.bias = Parameter(_ag._rng.uniform(-bound, bound, (self.out_features,)).astype(dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, input: Any) -> Tensor:
        """``input @ weight.T + bias``.

            >>> fc = nn.Linear(2, 1)
            >>> with ag.no_grad():
            ...     _ = fc.weight.fill_(1.0), fc.bias.fill_(0.5)
            >>> fc.forward(ag.tensor([[1.0, 2.0]]))
            tensor([[3.5]], grad_fn=<AddBackward0>)
        """
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        """The sizes, shown in the module's ``repr``.

            >>> nn.Linear(3, 2, bias=False)
            Linear(in_features=3, out_features=2, bias=False)
        """
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """``max(x, 0)`` elementwise.

        >>> from funcgrad import autograd as ag, nn
        >>> nn.ReLU()(ag.tensor([-1.0, 2.0]))
        tensor([0., 2.])
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()

    def forward(self, input: Any) -> Tensor:
        """``max(input, 0)`` elementwise.

            >>> nn.ReLU().forward(ag.tensor([-1.0, 1.0]))
            tensor([0., 1.])
        """
        return F.relu(input)


class Tanh(Module):
    """``tanh(x)`` elementwise.

        >>> from funcgrad import autograd as ag, nn
        >>> nn.Tanh()(ag.tensor([0.0]))
        tensor([0.])
    """

    def forward(self, input: Any) -> Tensor:
        """``tanh(input)`` elementwise.

            >>> nn.Tanh().forward(ag.tensor([0.0]))
            tensor([0.])
        """
        return F.tanh(input)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` elementwise.

        >>> from funcgrad import autograd as ag, nn
        >>> nn.Sigmoid()(ag.tensor([0.0]))
        tensor([0.5])
    """

    def forward(self, input: Any) -> Tensor:
        """``1 / (1 + exp(-input))`` elementwise.

            >>> nn.Sigmoid().forward(ag.tensor([0.0]))
            tensor([0.5])
        """
        return F.sigmoid(input)


class Sequential(Module):
    """Modules applied in order; children are named ``"0"``, ``"1"``, ... (or by an ``OrderedDict``'s keys).

        >>> from funcgrad import autograd as ag, nn
        >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        >>> [name for name, _ in model.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
        >>> model[0].out_features, len(model), model(ag.zeros(3, 4)).shape
        (8, 3, (3, 1))
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, m in args[0].items():
                self.add_module(name, m)
        else:
            for i, m in enumerate(args):
                self.add_module(str(i), m)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return Sequential(OrderedDict(list(self._modules.items())[idx]))
        n = len(self)
        i = int(idx)
        if not -n <= i < n:
            raise IndexError(f"index {idx} is out of range")
        return list(self._modules.values())[i % n]

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns ``self``.

            >>> len(nn.Sequential(nn.Tanh()).append(nn.ReLU()))
            2
        """
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input: Any) -> Any:
        """Each module applied in order to the previous one's output.

            >>> nn.Sequential(nn.ReLU(), nn.Sigmoid()).forward(ag.tensor([-5.0]))
            tensor([0.5])
        """
        for m in self._modules.values():
            input = m(input)
        return input


class MSELoss(Module):
    """Mean squared error: ``mean((input - target) ** 2)`` (``reduction='sum'`` / ``'none'`` also).

        >>> from funcgrad import autograd as ag, nn
        >>> nn.MSELoss()(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 1.0]))
        tensor(2.5)
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        F._check_reduction(reduction)
        self.reduction = reduction

    def forward(self, input: Any, target: Any) -> Tensor:
        """The mean (or summed, or elementwise) squared error.

            >>> nn.MSELoss(reduction="none").forward(ag.tensor([1.0, 3.0]), ag.tensor([0.0, 1.0]))
            tensor([1., 4.])
        """
        return F.mse_loss(input, target, self.reduction)


class CrossEntropyLoss(Module):
    """Cross entropy of logits ``(N, C)`` and integer class targets ``(N,)``, averaged over the batch
    (``weight``, ``ignore_index``, ``reduction`` and ``label_smoothing`` as in torch).

    Uses a numerically stable log-softmax. Targets must be integer class indices.

        >>> import numpy as np
        >>> from funcgrad import autograd as ag, nn
        >>> loss = nn.CrossEntropyLoss()(ag.zeros(2, 4), ag.tensor([1, 3]))
        >>> bool(np.isclose(loss.item(), np.log(4)))
        True
    """

    def __init__(self, weight: Any = None, *, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__()
        F._check_reduction(reduction)
        self.weight, self.ignore_index, self.reduction, self.label_smoothing = (
            weight, ignore_index, reduction, label_smoothing)

    def forward(self, input: Any, target: Any) -> Tensor:
        """The cross entropy of logits ``input`` and class indices ``target``.

            >>> loss = nn.CrossEntropyLoss(reduction="sum").forward(ag.zeros(2, 2), ag.tensor([0, 1]))
            >>> round(loss.item(), 6)  # 2 log 2
            1.386294
        """
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)
