"""Imperative fuzzing: random ``funcgrad.autograd`` programs checked against PyTorch's rules.

A program is a list of steps over a growing pool of tensors of shape (3,) or (). Each step
applies one operation (elementwise, binary with broadcasting, reduction, view, ``detach``,
``clone``, an in-place update of a fresh clone), inside or outside ``no_grad``; the last
step calls ``backward`` (twice, retaining the graph the first time), then ``zero_()``.

Three interpretations run side by side:

- the tensors themselves;
- a model of PyTorch's rules written down below (:class:`Spec`): which results require
  grad, which are leaves, which have a ``grad_fn``, what a view made under ``no_grad`` is,
  which ``backward`` calls raise, which leaves get a ``.grad``;
- the functional API: the same program as a function of its grad-requiring leaves, with
  ``fg.grad``, giving the gradients ``backward`` must accumulate.

:func:`check` runs one program and raises ``AssertionError`` with the program's text on
the first disagreement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import funcgrad as fg
import funcgrad.autograd as ag
from funcgrad import numpy as fnp

UNARY = {
    "tanh": (lambda t: t.tanh(), fnp.tanh),
    "sin": (lambda t: t.sin(), fnp.sin),
    "square": (lambda t: t * t, lambda x: x * x),
    "neg": (lambda t: -t, lambda x: -x),
    "sigmoid": (lambda t: t.sigmoid(), lambda x: 1 / (1 + fnp.exp(-x))),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
}
REDUCE = {"sum": (lambda t: t.sum(), fnp.sum), "mean": (lambda t: t.mean(), fnp.mean)}
VIEWS = {  # views of a (3,) tensor (PyTorch: views made under no_grad keep requires_grad)
    "reshape": (lambda t: t.reshape(t.shape), lambda x: x),
    "view": (lambda t: t.view(-1), lambda x: x),
    "alias": (lambda t: t[...], lambda x: x),
    "slice": (lambda t: t[:], lambda x: x),
    "unsqueeze-squeeze": (lambda t: t.unsqueeze(0).squeeze(0), lambda x: x),
}
OPS = sorted(UNARY) + sorted(BINARY) + sorted(REDUCE) + sorted(VIEWS) + ["detach", "clone", "clone-add_", "leaf"]


@dataclass
class Node:
    """What the spec knows of one tensor."""

    value: np.ndarray
    requires_grad: bool
    is_leaf: bool
    op: str | None = None          # the recorded operation (None for a leaf)
    ins: tuple = ()                # pool indices of its recorded inputs
    leaves: frozenset = field(default_factory=frozenset)  # grad-requiring leaves it depends on through the graph


class Spec:
    """PyTorch's rules for requires_grad, is_leaf and grad_fn, as a model."""

    def __init__(self):
        self.pool: list[Node] = []

    def leaf(self, value, requires_grad):
        idx = len(self.pool)
        self.pool.append(Node(value, requires_grad, True, leaves=frozenset({idx}) if requires_grad else frozenset()))

    def result(self, op, ins, grad_enabled, view):
        nodes = [self.pool[i] for i in ins]
        value = np.asarray(_FUNCTIONAL[op](*[n.value for n in nodes]))  # NumPy's answer, computed apart
        needs = any(n.requires_grad for n in nodes)
        if grad_enabled and needs:  # recorded: a non-leaf with a grad_fn
            self.pool.append(Node(value, True, False, op, tuple(ins), frozenset().union(*(n.leaves for n in nodes))))
        elif view and needs:  # a view made under no_grad: a leaf that requires grad
            idx = len(self.pool)
            self.pool.append(Node(value, True, True, leaves=frozenset({idx})))
        else:
            self.pool.append(Node(value, False, True))


def _steps_text(steps) -> str:
    return "\n".join(f"  {k}: {op}(t{a}, t{b}){'  # under no_grad' if quiet else ''}"
                     for k, (op, a, b, quiet) in enumerate(steps))


def _functional(spec: Spec, target: int):
    """The program as a function of its grad-requiring leaves (others are constants)."""
    inputs = [i for i, n in enumerate(spec.pool) if n.is_leaf and n.requires_grad]

    def f(*xs):
        env = dict(zip(inputs, xs))

        def value(i):
            if i in env:
                return env[i]
            n = spec.pool[i]
            if n.op is None:
                return n.value
            args = [value(j) for j in n.ins]
            env[i] = _FUNCTIONAL[n.op](*args)
            return env[i]

        return fnp.sum(value(target))

    return f, inputs


_FUNCTIONAL = {**{k: v[1] for k, v in UNARY.items()}, **{k: v[1] for k, v in BINARY.items()},
               **{k: v[1] for k, v in REDUCE.items()}, **{k: v[1] for k, v in VIEWS.items()},
               "clone": lambda x: x, "clone-add_": lambda a, b: a + b}


def check(steps, seed: int = 0) -> int:
    """Run one program; return the number of checks made, or raise ``AssertionError``."""
    rng = np.random.default_rng(seed)
    spec, pool = Spec(), []
    for requires_grad in (True, True, False):
        value = rng.uniform(-1, 1, 3)
        pool.append(ag.tensor(value, requires_grad=requires_grad))
        spec.leaf(value, requires_grad)
    checks = 0

    def fail(what):
        raise AssertionError(f"{what}\nprogram:\n{_steps_text(steps)}")

    for op, a, b, quiet in steps:
        i, j = a % len(pool), b % len(pool)
        x, y = pool[i], pool[j]
        with ag.no_grad() if quiet else ag.enable_grad():
            grad_enabled = not quiet
            if op == "leaf":
                value = rng.uniform(-1, 1, 3)
                out = ag.tensor(value, requires_grad=bool(b % 2))
                spec.leaf(value, bool(b % 2))
            elif op in UNARY:
                out = UNARY[op][0](x)
                spec.result(op, (i,), grad_enabled, view=False)
            elif op in BINARY:
                out = BINARY[op][0](x, y)
                spec.result(op, (i, j), grad_enabled, view=False)
            elif op in REDUCE:
                out = REDUCE[op][0](x)
                spec.result(op, (i,), grad_enabled, view=False)
            elif op in VIEWS:
                if x.ndim != 1:
                    continue
                out = VIEWS[op][0](x)
                spec.result(op, (i,), grad_enabled, view=True)
            elif op == "detach":
                out = x.detach()
                spec.pool.append(Node(out.numpy(), False, True))
            elif op == "clone":
                out = x.clone()
                spec.result("clone", (i,), grad_enabled, view=False)
            else:  # clone-add_: an in-place update of a fresh (non-leaf or unrecorded) clone
                out = x.clone()
                if out.ndim < y.ndim:  # PyTorch: the result cannot take the broadcast shape
                    try:
                        out.add_(y)
                    except RuntimeError as err:
                        if "doesn't match the broadcast shape" not in str(err):
                            fail(f"add_ to a smaller tensor raised {err!r}, not PyTorch's error")
                        checks += 1
                        continue
                    fail("add_ of a (3,) tensor into a 0-d one did not raise")
                before = out.requires_grad
                returned = out.add_(y)
                if returned is not out:
                    fail("add_ returned a new tensor instead of its input")
                checks += 1
                if grad_enabled and (before or y.requires_grad):
                    spec.result("clone-add_", (i, j), True, view=False)
                else:
                    spec.result("clone-add_", (i, j), False, view=False)
        node = spec.pool[-1]
        if out is x or out is y:
            fail(f"{op} returned its input object")
        if out.requires_grad != node.requires_grad or out.is_leaf != node.is_leaf \
                or (out.grad_fn is not None) != (not node.is_leaf):
            fail(f"{op}: requires_grad={out.requires_grad}, is_leaf={out.is_leaf}, grad_fn={out.grad_fn}; "
                 f"PyTorch gives requires_grad={node.requires_grad}, is_leaf={node.is_leaf}")
        if not np.allclose(out.detach().numpy(), node.value, rtol=1e-15, atol=1e-15):
            fail(f"{op}: value {out.detach().numpy()} != {node.value}")
        pool.append(out)
        checks += 4

    target = len(pool) - 1
    final = pool[target].sum()
    node = spec.pool[target]
    if not node.requires_grad:
        try:
            final.backward()
        except RuntimeError:
            return checks + 1
        fail("backward() of a tensor that does not require grad did not raise")
    final.backward(retain_graph=True)
    final.backward()
    try:
        final.backward()
        fail("a third backward() through a freed graph did not raise")
    except RuntimeError:
        checks += 1
    f, inputs = _functional(spec, target)
    want = fg.grad(f, argnums=tuple(range(len(inputs))))(*[spec.pool[k].value for k in inputs]) if inputs else ()
    for k, g in zip(inputs, want):
        t = pool[k]
        if k in node.leaves:
            if t.grad is None or not np.allclose(t.grad.numpy(), 2 * np.asarray(g), rtol=1e-12, atol=1e-12):
                fail(f"leaf t{k}: .grad after two backward() calls is {t.grad}, the functional gradient ×2 is "
                     f"{2 * np.asarray(g)}")
            t.grad.zero_()
            if np.any(t.grad.numpy() != 0):
                fail(f"leaf t{k}: grad.zero_() left {t.grad}")
        elif t.grad is not None:
            fail(f"leaf t{k} is not in the graph of the result, but its .grad is {t.grad} (PyTorch: None)")
        checks += 2
    return checks
