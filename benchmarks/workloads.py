"""The workloads: each task is run by funcgrad, by hand-written NumPy and by every
installed peer, with the same inputs.

A workload maps task names to ``{library: zero-argument callable}``; a peer that
is not installed simply has no entry.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import funcgrad as fg
from benchmarks import peers
from funcgrad import autograd as ag


@dataclass
class Workload:
    name: str
    title: str
    tasks: dict[str, dict[str, Callable]] = field(default_factory=dict)
    rounds: int | None = None  # at most this many rounds (for slow tasks such as new processes)
    derived: Callable[[dict[str, float]], dict[str, str]] | None = None  # more cells, from a task's times


# ----------------------------------------------------------------------------- small scalar gradient

def small_grad() -> Workload:
    """Per-call overhead: the gradient of sum(tanh(x)·x + exp(x)/2) at x of shape (3,)."""
    x = np.array([0.1, 0.2, 0.3])

    def f(x):
        return np.sum(np.tanh(x) * x + np.exp(x) / 2)

    def hand():
        t, e = np.tanh(x), np.exp(x)
        return np.sum(t * x + e / 2), (1 - t * t) * x + t + e / 2

    g, g_jit = fg.grad(f), fg.jit(fg.grad(f))
    row = {"funcgrad": lambda: g(x), "funcgrad.jit": lambda: g_jit(x), "numpy": hand}
    if (autograd := peers.autograd()) is not None:
        anp = autograd.numpy
        ga = autograd.grad(lambda x: anp.sum(anp.tanh(x) * x + anp.exp(x) / 2))
        row["autograd"] = lambda: ga(x)
    if (torch := peers.torch()) is not None:
        def torch_grad():
            xt = torch.tensor(x, requires_grad=True)
            y = (torch.tanh(xt) * xt + torch.exp(xt) / 2).sum()
            return torch.autograd.grad(y, xt)

        row["torch"] = torch_grad
    if (jax := peers.jax()) is not None:
        jnp = jax.numpy
        gj = jax.grad(lambda x: jnp.sum(jnp.tanh(x) * x + jnp.exp(x) / 2))
        gjit = jax.jit(gj)
        row["jax"] = lambda: gj(x).block_until_ready()
        row["jax.jit"] = lambda: gjit(x).block_until_ready()
    return Workload("small-grad", small_grad.__doc__, {"grad, x of shape (3,)": row})


# ----------------------------------------------------------------------------- tensor operations

def tensor_ops() -> Workload:
    """Per-op cost of recording tensors (requires_grad=True, shape (3,)), and one forward+backward cycle."""
    x0, y0 = np.array([0.1, 0.2, 0.3]), np.array([0.4, 0.5, 0.6])
    xa, ya = ag.tensor(x0, requires_grad=True), ag.tensor(y0, requires_grad=True)

    def cycle_fg():
        (xa * 2.0).sin().sum().backward()

    # the functional equivalents, jitted
    times2, sine, total = fg.jit(lambda x: x * 2.0), fg.jit(np.sin), fg.jit(np.sum)
    plus = fg.jit(lambda x, y: x + y)
    cycle_jit = fg.jit(fg.grad(lambda x: np.sum(np.sin(x * 2.0))))

    tasks = {
        "x * 2.0": {"funcgrad": lambda: xa * 2.0, "funcgrad.jit": lambda: times2(x0), "numpy": lambda: x0 * 2.0},
        "x + y": {"funcgrad": lambda: xa + ya, "funcgrad.jit": lambda: plus(x0, y0), "numpy": lambda: x0 + y0},
        "x.sin()": {"funcgrad": lambda: xa.sin(), "funcgrad.jit": lambda: sine(x0), "numpy": lambda: np.sin(x0)},
        "x.sum()": {"funcgrad": lambda: xa.sum(), "funcgrad.jit": lambda: total(x0), "numpy": lambda: x0.sum()},
        "(x*2).sin().sum().backward()": {"funcgrad": cycle_fg, "funcgrad.jit": lambda: cycle_jit(x0),
                                         "numpy": lambda: (np.cos(x0 * 2.0) * 2.0, np.sin(x0 * 2.0).sum())},
    }
    if (torch := peers.torch()) is not None:
        xt = torch.tensor(x0, requires_grad=True)
        yt = torch.tensor(y0, requires_grad=True)

        def cycle_torch():
            (xt * 2.0).sin().sum().backward()

        for task, fn in zip(tasks, (lambda: xt * 2.0, lambda: xt + yt, lambda: xt.sin(), lambda: xt.sum(),
                                    cycle_torch)):
            tasks[task]["torch"] = fn
    return Workload("tensor-ops", tensor_ops.__doc__, tasks)


# ----------------------------------------------------------------------------- elementwise gradient (W1)

def elementwise_grad(sizes=(10_000, 1_000_000, 10_000_000)) -> Workload:
    """The gradient of sum(sin(x)·exp(−x²/2) + log1p(x²)·tanh(x)) on large vectors."""
    def f(x):
        return np.sum(np.sin(x) * np.exp(-x * x / 2) + np.log1p(x * x) * np.tanh(x))

    def hand(x):
        e, t, s = np.exp(-x * x / 2), np.tanh(x), np.sin(x)
        return (np.cos(x) - x * s) * e + 2 * x / (1 + x * x) * t + np.log1p(x * x) * (1 - t * t)

    g, g_jit = fg.grad(f), fg.jit(fg.grad(f))
    tasks = {}
    autograd, torch, jax = peers.autograd(), peers.torch(), peers.jax()
    for n in sizes:
        x = np.random.default_rng(0).standard_normal(n)
        row = {"funcgrad": lambda x=x: g(x), "funcgrad.jit": lambda x=x: g_jit(x), "numpy": lambda x=x: hand(x)}
        if autograd is not None:
            anp = autograd.numpy
            ga = autograd.grad(lambda x: anp.sum(anp.sin(x) * anp.exp(-x * x / 2) + anp.log1p(x * x) * anp.tanh(x)))
            row["autograd"] = lambda x=x, ga=ga: ga(x)
        if torch is not None:
            def torch_grad(x):
                xt = x.detach().requires_grad_(True)
                y = (torch.sin(xt) * torch.exp(-xt * xt / 2) + torch.log1p(xt * xt) * torch.tanh(xt)).sum()
                return torch.autograd.grad(y, xt)

            row["torch"] = functools.partial(torch_grad, torch.tensor(x))
        if jax is not None:
            jnp = jax.numpy
            gj = jax.jit(jax.grad(lambda x: jnp.sum(jnp.sin(x) * jnp.exp(-x * x / 2)
                                                    + jnp.log1p(x * x) * jnp.tanh(x))))
            xj = jnp.asarray(x)
            row["jax.jit"] = lambda gj=gj, xj=xj: gj(xj).block_until_ready()
        tasks[f"n = {n:,}"] = row
    return Workload("elementwise-grad", elementwise_grad.__doc__, tasks)


# ----------------------------------------------------------------------------- MLP (W3)

def mlp(batch: int = 256, sizes=(784, 512, 512, 10)) -> Workload:
    """value_and_grad of a 784-512-512-10 tanh MLP with softmax cross-entropy, batch 256, float32."""
    rng = np.random.default_rng(0)
    params = {}
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"w{i}"] = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)
        params[f"b{i}"] = np.zeros(n, np.float32)
    X = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)
    onehot = np.eye(sizes[-1], dtype=np.float32)[labels]
    layers = len(sizes) - 1

    def loss(p, X, onehot, xp=np):
        h = X
        for i in range(layers):
            h = h @ p[f"w{i}"] + p[f"b{i}"]
            if i < layers - 1:
                h = xp.tanh(h)
        h = h - xp.amax(h, axis=1, keepdims=True)
        logp = h - xp.log(xp.sum(xp.exp(h), axis=1, keepdims=True))
        return -xp.sum(logp * onehot) / X.shape[0]

    def hand():
        hs, h = [X], X
        for i in range(layers):
            h = h @ params[f"w{i}"] + params[f"b{i}"]
            if i < layers - 1:
                h = np.tanh(h)
            hs.append(h)
        z = h - h.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        value = -np.sum((z - np.log(s)) * onehot) / batch
        d = (e / s - onehot) / batch
        grads = {}
        for i in reversed(range(layers)):
            grads[f"w{i}"] = hs[i].T @ d
            grads[f"b{i}"] = d.sum(axis=0)
            if i:
                d = (d @ params[f"w{i}"].T) * (1 - hs[i] * hs[i])
        return value, grads

    vg, vg_jit = fg.value_and_grad(loss), fg.jit(fg.value_and_grad(loss))
    tensors = {k: ag.tensor(v, requires_grad=True) for k, v in params.items()}

    def tensor_step():
        for t in tensors.values():
            t.grad = None
        value = loss(tensors, ag.tensor(X), ag.tensor(onehot), xp=ag)
        value.backward()
        return value

    row = {"funcgrad": lambda: vg(params, X, onehot), "funcgrad.jit": lambda: vg_jit(params, X, onehot),
           "funcgrad.autograd": tensor_step, "numpy": hand}
    if (autograd := peers.autograd()) is not None:
        va = autograd.value_and_grad(lambda p: loss(p, X, onehot, xp=autograd.numpy))
        row["autograd"] = lambda: va(params)
    if (torch := peers.torch()) is not None:
        tp = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        Xt, Ot = torch.tensor(X), torch.tensor(onehot)

        def torch_step():
            for t in tp.values():
                t.grad = None
            value = loss(tp, Xt, Ot, xp=torch)
            value.backward()
            return value

        row["torch"] = torch_step
    if (jax := peers.jax()) is not None:
        vj = jax.jit(jax.value_and_grad(lambda p, X, o: loss(p, X, o, xp=jax.numpy)))
        pj = {k: jax.numpy.asarray(v) for k, v in params.items()}
        Xj, Oj = jax.numpy.asarray(X), jax.numpy.asarray(onehot)
        row["jax.jit"] = lambda: jax.block_until_ready(vj(pj, Xj, Oj))
    return Workload("mlp", mlp.__doc__, {f"batch {batch}": row})


# ----------------------------------------------------------------------------- Hessian (W2)

def rosenbrock_hessian(sizes=(100, 1000)) -> Workload:
    """The Hessian of the n-dimensional Rosenbrock function."""
    def rosen(x, xp=np):
        return xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def hand(x):
        n = x.shape[0]
        H = np.zeros((n, n))
        d = np.zeros(n)
        d[:-1] += 1200 * x[:-1] ** 2 - 400 * x[1:] + 2
        d[1:] += 200
        off = -400 * x[:-1]
        H[np.arange(n), np.arange(n)] = d
        H[np.arange(n - 1), np.arange(1, n)] = off
        H[np.arange(1, n), np.arange(n - 1)] = off
        return H

    h, h_jit = fg.hessian(rosen), fg.jit(fg.hessian(rosen))
    tasks = {}
    autograd, torch, jax = peers.autograd(), peers.torch(), peers.jax()
    for n in sizes:
        x = np.linspace(-1.0, 1.0, n)
        row = {"funcgrad": lambda x=x: h(x), "funcgrad.jit": lambda x=x: h_jit(x), "numpy": lambda x=x: hand(x)}
        if autograd is not None:
            ha = autograd.hessian(lambda x: rosen(x, autograd.numpy))
            row["autograd"] = lambda x=x, ha=ha: ha(x)
        if torch is not None:
            row["torch"] = functools.partial(torch.autograd.functional.hessian, lambda x: rosen(x, torch),
                                             torch.tensor(x), vectorize=True)
        if jax is not None:
            hj = jax.jit(jax.hessian(lambda x: rosen(x, jax.numpy)))
            xj = jax.numpy.asarray(x)
            row["jax.jit"] = lambda hj=hj, xj=xj: hj(xj).block_until_ready()
        tasks[f"n = {n}"] = row
    return Workload("rosenbrock-hessian", rosenbrock_hessian.__doc__, tasks)


# ----------------------------------------------------------------------------- Jacobian (W6)

def jacobian(n: int = 512) -> Workload:
    """The Jacobian of tanh(W @ x)·x, n = 512, in reverse and forward mode."""
    rng = np.random.default_rng(0)
    W = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal(n)

    def f(x, xp=np):
        return xp.tanh(W @ x) * x

    def hand():
        t = np.tanh(W @ x)
        J = ((1 - t * t) * x)[:, None] * W
        J[np.arange(n), np.arange(n)] += t
        return J

    jr, jf = fg.jacrev(f), fg.jacfwd(f)
    jr_jit, jf_jit = fg.jit(jr), fg.jit(jf)
    rev = {"funcgrad": lambda: jr(x), "funcgrad.jit": lambda: jr_jit(x), "numpy": hand}
    fwd = {"funcgrad": lambda: jf(x), "funcgrad.jit": lambda: jf_jit(x), "numpy": hand}
    if (autograd := peers.autograd()) is not None:
        ja = autograd.jacobian(lambda x: f(x, autograd.numpy))
        rev["autograd"] = lambda: ja(x)
    if (torch := peers.torch()) is not None:
        Wt, xt = torch.tensor(W), torch.tensor(x)
        ft = lambda x: torch.tanh(Wt @ x) * x  # noqa: E731
        rev["torch"] = lambda: torch.autograd.functional.jacobian(ft, xt, vectorize=True)
        fwd["torch"] = lambda: torch.autograd.functional.jacobian(ft, xt, vectorize=True, strategy="forward-mode")
    if (jax := peers.jax()) is not None:
        Wj = jax.numpy.asarray(W)
        fj = lambda x: jax.numpy.tanh(Wj @ x) * x  # noqa: E731
        jrj, jfj = jax.jit(jax.jacrev(fj)), jax.jit(jax.jacfwd(fj))
        xj = jax.numpy.asarray(x)
        rev["jax.jit"] = lambda: jrj(xj).block_until_ready()
        fwd["jax.jit"] = lambda: jfj(xj).block_until_ready()
    return Workload("jacobian", jacobian.__doc__, {f"jacrev, n = {n}": rev, f"jacfwd, n = {n}": fwd})


# ----------------------------------------------------------------------------- fourth derivative (W5)

def fourth_derivative() -> Workload:
    """A steady fourth derivative: d⁴/dx⁴ of tanh(x)·exp(x) at a scalar, by grad of grad of grad of grad."""
    x = 0.3

    def f(x, xp=np):
        return xp.tanh(x) * xp.exp(x)

    def nest(grad, f, k=4):
        for _ in range(k):
            f = grad(f)
        return f

    def hand():  # d⁴(t·e) with t = tanh, e = exp: Σ C(4,k) t⁽ᵏ⁾, with e⁽ᵏ⁾ = e
        t, e = np.tanh(x), np.exp(x)
        s = 1 - t * t
        d = (t, s, -2 * t * s, s * (6 * t * t - 2), 8 * t * s * (2 - 3 * t * t))
        return e * (d[0] + 4 * d[1] + 6 * d[2] + 4 * d[3] + d[4])

    g4, g4_jit = nest(fg.grad, f), fg.jit(nest(fg.grad, f))
    row = {"funcgrad": lambda: g4(x), "funcgrad.jit": lambda: g4_jit(x), "numpy": hand}
    if (autograd := peers.autograd()) is not None:
        ga = nest(autograd.grad, lambda x: f(x, autograd.numpy))
        row["autograd"] = lambda: ga(x)
    if (torch := peers.torch()) is not None:
        def torch_d4():
            xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            y = f(xt, torch)
            for _ in range(4):
                (y,) = torch.autograd.grad(y, xt, create_graph=True)
            return y

        row["torch"] = torch_d4
    if (jax := peers.jax()) is not None:
        gjax = jax.jit(nest(jax.grad, lambda x: f(x, jax.numpy)))
        row["jax.jit"] = lambda: gjax(x).block_until_ready()
    return Workload("fourth-derivative", fourth_derivative.__doc__, {"d⁴/dx⁴ tanh(x)·exp(x)": row})


# ----------------------------------------------------------------------------- cold start (W7)

_W1 = "lambda x: np.sum(np.sin(x) * np.exp(-x * x / 2) + np.log1p(x * x) * np.tanh(x))"
_COLD = {
    "funcgrad": f"import numpy as np, funcgrad as fg\ng = fg.grad({_W1})\n",
    "autograd": f"import autograd, autograd.numpy as np\ng = autograd.grad({_W1})\n",
    "jax.jit": f"import jax, jax.numpy as np\njax.config.update('jax_enable_x64', True)\n"
               f"g = jax.jit(jax.grad({_W1}))\n",
    "torch": "import torch\n"
             "def g(x):\n"
             "    x = torch.tensor(x, requires_grad=True)\n"
             "    y = (torch.sin(x) * torch.exp(-x * x / 2) + torch.log1p(x * x) * torch.tanh(x)).sum()\n"
             "    return torch.autograd.grad(y, x)[0]\n",
}
_COLD_RUN = "import numpy\nx = numpy.linspace(-2.0, 2.0, 1000)\ng(x)\n"


def cold_start() -> Workload:
    """A new process imports the library and runs the W1 gradient at n = 1000 once."""
    import os
    import subprocess
    import sys
    import tempfile

    def process(code: str, **env: str) -> Callable:
        full = dict(os.environ, **env)
        return lambda: subprocess.run([sys.executable, "-c", code], env=full, check=True)

    warm = tempfile.mkdtemp(prefix="funcgrad-bench-")
    jit_code = f"import numpy as np, funcgrad as fg\ng = fg.jit(fg.grad({_W1}))\n" + _COLD_RUN

    def empty_cache():
        d = tempfile.mkdtemp(prefix="funcgrad-bench-")
        subprocess.run([sys.executable, "-c", jit_code], check=True, env=dict(
            os.environ, FUNCGRAD_NUMBA="always", FUNCGRAD_CACHE_DIR=d, NUMBA_CACHE_DIR=os.path.join(d, "numba")))

    row = {"funcgrad": process(_COLD["funcgrad"] + _COLD_RUN),
           "funcgrad.jit": process(jit_code, FUNCGRAD_NUMBA="always", FUNCGRAD_CACHE_DIR=warm,
                                   NUMBA_CACHE_DIR=os.path.join(warm, "numba")),
           "funcgrad.jit (empty cache)": empty_cache,
           "numpy": process("import numpy as np\nx = np.linspace(-2.0, 2.0, 1000)\nnp.cos(x) * np.exp(-x * x / 2)\n")}
    for lib, loader in (("autograd", peers.autograd), ("torch", peers.torch), ("jax.jit", peers.jax)):
        if loader() is not None:
            row[lib] = process(_COLD[lib] + _COLD_RUN)
    return Workload("cold-start", cold_start.__doc__, {"import + one W1 gradient, n = 1000": row}, rounds=5)


WORKLOADS = {w.__name__.replace("_", "-"): w for w in (small_grad, tensor_ops, elementwise_grad, mlp,
                                                       rosenbrock_hessian, jacobian, fourth_derivative, cold_start)}

from benchmarks.sparse import sparse_hessian, sparse_hessian_first_call  # noqa: E402  (they build Workloads)

WORKLOADS.update({w.__name__.replace("_", "-"): w for w in (sparse_hessian, sparse_hessian_first_call)})

from benchmarks.distributed import distributed  # noqa: E402  (its Dask clusters start when the workload is built)
WORKLOADS["distributed"] = distributed
