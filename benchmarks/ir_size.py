"""Equation counts of derivative IR: grad^k(tanh(x)·exp(x)) for k = 1..4 and the
Hessian of the n-dimensional Rosenbrock function (n = 100).

    python benchmarks/ir_size.py

Reference (JAX 0.10.2, x64, ``len(jax.make_jaxpr(g)(0.3).jaxpr.eqns)``): 11, 30, 69,
160 for k = 1..4, and 89 for ``jax.hessian(rosenbrock)``.
"""

from __future__ import annotations

import numpy as np

import funcgrad as fg

JAX = {1: 11, 2: 30, 3: 69, 4: 160, "hessian": 89}


def f(x):
    return np.tanh(x) * np.exp(x)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def sizes() -> dict:
    out = {}
    g = f
    for k in range(1, 5):
        g = fg.grad(g)
        out[k] = len(fg.make_ir(g)(0.3).eqns)
    out["hessian"] = len(fg.make_ir(fg.hessian(rosenbrock))(np.linspace(-1, 1, 100)).eqns)
    return out


def main() -> None:
    print(f"{'function':<22}{'funcgrad':>10}{'jax':>8}{'ratio':>8}")
    for k, n in sizes().items():
        name = f"grad^{k}(tanh*exp)" if isinstance(k, int) else "hessian(rosenbrock)"
        print(f"{name:<22}{n:>10}{JAX[k]:>8}{n / JAX[k]:>8.2f}")


if __name__ == "__main__":
    main()
