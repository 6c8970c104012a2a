"""Scale-out on Dask: funcgrad.distributed on 1 and 2 worker processes against one process.

``python -m benchmarks --only distributed`` runs the workload in the suite's table;
``python -m benchmarks.distributed`` runs it with the scaling efficiency of each task
(time on 1 worker / (2 × time on 2 workers)) and Dask's per-task overheads measured on the
same clusters, which the closing note of the issue quotes.

Tasks: per-example gradients of the 784-512-512-10 tanh MLP (softmax cross-entropy,
float32) over 65 536 examples, and the Jacobian of tanh(W @ x)·x at n = 4 096 (float64,
by columns and by rows). The per-example gradients are taken with respect to each
example's input (a 784-vector: saliency maps, adversarial directions): the gradients with
respect to the 669 706 weights would be 65 536 × 669 706 floats (175 GB), which no
worker holds. Workers run one thread each (BLAS and numba threads too); the single process
uses both cores (BLAS and numba's parallel loops).
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable

import numpy as np

import funcgrad as fg

EXAMPLES, JACOBIAN_N, SIZES = 65_536, 4_096, (784, 512, 512, 10)


def _clusters(workers=(1, 2)) -> dict:
    """One LocalCluster per worker count, loopback only; the workers share a kernel cache directory."""
    import distributed

    # one thread per worker process: Dask sets the BLAS threads of a worker to one, numba's are set here
    env = {"FUNCGRAD_CACHE_DIR": os.environ.get("FUNCGRAD_CACHE_DIR") or tempfile.mkdtemp(prefix="funcgrad-dask-"),
           "NUMBA_NUM_THREADS": "1"}
    clients = {}
    for n in workers:
        cluster = distributed.LocalCluster(n_workers=n, processes=True, threads_per_worker=1, host="127.0.0.1",
                                           dashboard_address=None, env=env, silence_logs=logging.ERROR,
                                           scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})  # no dashboard
        client = distributed.Client(cluster, set_as_default=False)
        client.wait_for_workers(n, timeout=120)
        clients[n] = client
    return clients


def mlp_per_example(examples: int = EXAMPLES, sizes=SIZES, seed: int = 0):
    """``(per_example, X, Y)``: the per-example input gradient and the examples."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        params[f"w{i}"] = (rng.standard_normal((m, n)) / np.sqrt(m)).astype(np.float32)
        params[f"b{i}"] = np.zeros(n, np.float32)
    X = rng.standard_normal((examples, sizes[0])).astype(np.float32)
    Y = np.eye(sizes[-1], dtype=np.float32)[rng.integers(0, sizes[-1], examples)]
    layers = len(sizes) - 1

    def loss(x, y):  # one example
        h = x
        for i in range(layers):
            h = h @ params[f"w{i}"] + params[f"b{i}"]
            if i < layers - 1:
                h = np.tanh(h)
        h = h - np.max(h)
        return -np.sum((h - np.log(np.sum(np.exp(h)))) * y)

    def per_example(ex):
        return fg.grad(loss)(ex[0], ex[1])

    return per_example, X, Y


def jacobian_problem(n: int = JACOBIAN_N, seed: int = 0):
    """``(f, x)``: tanh(W @ x)·x at a random point (the ``jacobian`` workload's function)."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((n, n)) / np.sqrt(n)

    def f(x):
        return np.tanh(W @ x) * x

    return f, rng.standard_normal(n)


def distributed(examples: int = EXAMPLES, n: int = JACOBIAN_N, clients: dict | None = None):
    """Per-example gradients of an MLP and a Jacobian on Dask, 1 and 2 worker processes, against one process."""
    from benchmarks.workloads import Workload

    per_example, X, Y = mlp_per_example(examples)
    eager, jitted = fg.vmap(per_example), fg.jit(fg.vmap(per_example))
    grads = {"funcgrad": lambda: eager((X, Y)), "funcgrad.jit": lambda: jitted((X, Y))}
    f, x = jacobian_problem(n)
    fwd = {"funcgrad": lambda: fg.jacfwd(f)(x), "funcgrad.jit": (lambda j: lambda: j(x))(fg.jit(fg.jacfwd(f)))}
    rev = {"funcgrad": lambda: fg.jacrev(f)(x), "funcgrad.jit": (lambda j: lambda: j(x))(fg.jit(fg.jacrev(f)))}
    try:
        import distributed as _  # noqa: F401
    except ImportError:  # without the extra: the single-process columns only
        clients = {}
    else:
        clients = _clusters() if clients is None else clients
    from funcgrad import distributed as fgd

    for workers, client in clients.items():
        column = f"dask {workers} worker" + ("s" if workers > 1 else "")
        grads[column] = lambda c=client: fgd.map(per_example, (X, Y), client=c)
        for row, mode in ((fwd, "fwd"), (rev, "rev")):
            row[column] = (lambda j: lambda: j(x))(fgd.jacobian(f, client=client, mode=mode))
    return Workload("distributed", distributed.__doc__, {
        f"per-example input gradients, MLP 784-512-512-10, {examples} examples, float32": grads,
        f"Jacobian of tanh(W @ x)·x by columns (jvp blocks), n = {n}": fwd,
        f"Jacobian of tanh(W @ x)·x by rows (vjp blocks), n = {n}": rev}, rounds=3, derived=scaling)


def scaling(t: dict[str, float]) -> dict[str, str]:
    """The scaling efficiency from 1 to 2 workers, and the speed-up of 2 workers over one jitted process."""
    if "dask 1 worker" not in t or "dask 2 workers" not in t:
        return {}
    return {"efficiency, 1 → 2 workers": f"{t['dask 1 worker'] / (2 * t['dask 2 workers']):.0%}",
            "speed-up of 2 workers over funcgrad.jit": f"{t['funcgrad.jit'] / t['dask 2 workers']:.2f}"}


# ----------------------------------------------------------------------------- python -m benchmarks.distributed

def _median(fn: Callable, repeats: int) -> float:
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def overheads(client, repeats: int = 30) -> dict[str, float]:
    """Dask's costs on ``client``'s cluster, in seconds: one empty task's round trip, one more task in a
    batch of 200, a ``map`` of a trivial function in 1 and 64 batches, and moving 100 MB to a worker and back."""
    from funcgrad import distributed as fgd

    def noop():
        return None

    out = {"empty task, submit to result": _median(lambda: client.submit(noop, pure=False).result(), repeats)}
    many = _median(lambda: client.gather(client.map(lambda i: i, range(200), pure=False)), 5)
    out["per task, 200 tasks in one graph"] = many / 200
    x = np.ones((6_400, 4))
    out["map, 1 batch (tiny function)"] = _median(lambda: fgd.map(np.sin, x, client=client, batch_size=6_400), 10)
    out["map, 64 batches (tiny function)"] = _median(lambda: fgd.map(np.sin, x, client=client, batch_size=100), 5)
    big = np.ones(100 * 2 ** 20 // 8)
    out["100 MB to a worker and back"] = _median(lambda: client.submit(lambda a: a, big, pure=False).result(), 3)
    return out


def main() -> None:
    from benchmarks.harness import format_time, measure

    clients = _clusters()
    workload = distributed(clients=clients)
    print(f"## {workload.name}: {workload.title}\n")
    cols = ["funcgrad", "funcgrad.jit", "dask 1 worker", "dask 2 workers"]
    print("| task | " + " | ".join(cols) + " | efficiency, 1 → 2 workers | speed-up of 2 workers over funcgrad.jit |")
    print("|---|" + "---|" * (len(cols) + 2))
    for task, row in workload.tasks.items():
        t = measure(row, rounds=workload.rounds)
        cells = [f"{format_time(t[c])} ({t[c] / t['funcgrad']:.2f})" for c in cols]
        print(f"| {task} | " + " | ".join(cells + list(scaling(t).values())) + " |", flush=True)
    print("\n| Dask overhead (2 workers) | time |\n|---|---|")
    for name, seconds in overheads(clients[2]).items():
        print(f"| {name} | {format_time(seconds)} |")


if __name__ == "__main__":
    main()
