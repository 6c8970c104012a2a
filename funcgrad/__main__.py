"""``python -m funcgrad``: a two-second tour of what funcgrad does, printed as it runs."""

from __future__ import annotations

import numpy as np

import funcgrad as fg
from funcgrad import autograd as ag
from funcgrad import optim


def _show(label: str, value) -> None:
    value = np.asarray(value)
    text = f"{float(value):.6g}" if value.ndim == 0 else np.array2string(value, precision=4, suppress_small=True)
    first, *rest = text.splitlines()
    print(f"  {label:<42} {first}")
    for line in rest:
        print(" " * 45 + line)


def tour() -> None:
    """Print derivatives, Jacobians, a Hessian, vmap, the IR of a gradient, a jitted gradient and a fit."""
    print("funcgrad: exact derivatives of NumPy code, to any order\n")

    def f(x):
        return np.sin(x) * x ** 2

    print("f(x) = sin(x)·x², plain NumPy code")
    _show("f'(1.0)           fg.grad(f)", fg.grad(f)(1.0))
    _show("f''(1.0)          fg.grad(fg.grad(f))", fg.grad(fg.grad(f))(1.0))

    def g(v):
        return np.stack([v[0] * v[1], np.exp(v[0]) - v[1] ** 3])

    def loss(v):
        return np.sum(np.tanh(v) ** 2) + v[0] * v[1]

    v = np.array([0.5, -1.0])
    print("\ng(v) = [v0·v1, exp(v0) − v1³] and loss(v) = Σ tanh(v)² + v0·v1, at v = [0.5, −1]")
    _show("Jacobian of g     fg.jacrev(g)", fg.jacrev(g)(v))
    _show("Hessian of loss   fg.hessian(loss)", fg.hessian(loss)(v))
    _show("H·[1, 0]          fg.hvp(loss, ...)", fg.hvp(loss, (v,), (np.array([1.0, 0.0]),))[1])
    _show("per-row gradients fg.vmap(fg.grad(loss))", fg.vmap(fg.grad(loss))(np.array([[0.5, -1.0], [1.0, 2.0]])))

    print("\nThe IR of grad(f): what every transform rewrites")
    print("\n".join("  " + line for line in str(fg.make_ir(fg.grad(f))(1.0)).splitlines()))

    x = np.linspace(-2.0, 2.0, 100_000)
    df = fg.jit(fg.grad(lambda x: np.sum(np.sin(x) * x ** 2)))
    print("\nfg.jit(fg.grad(...)) on 100 000 points: traced once, then generated code (numba once hot)")
    _show("max |df − (2x·sin x + x²·cos x)|", np.max(np.abs(df(x) - (2 * x * np.sin(x) + x ** 2 * np.cos(x)))))

    rng = np.random.default_rng(0)
    inputs = rng.uniform(-1, 1, (64, 1))
    targets = 3.0 * inputs[:, 0] - 0.5 + 0.05 * rng.standard_normal(64)
    w = ag.tensor([0.0], requires_grad=True)
    b = ag.tensor(0.0, requires_grad=True)
    opt = optim.SGD([w, b], lr=0.3)
    data, y = ag.tensor(inputs), ag.tensor(targets)
    for _ in range(100):
        opt.zero_grad()
        residual = data @ w + b - y
        mse = (residual * residual).mean()
        mse.backward()
        opt.step()
    print("\nA 100-step fit of y = 3x − 0.5 with PyTorch-style tensors and optim.SGD")
    _show("w, b", np.array([w.item(), b.item()]))
    _show("final loss", mse.item())
    print("\nMore: README.md, docs/conventions.md, docs/errors.md")


if __name__ == "__main__":
    tour()
