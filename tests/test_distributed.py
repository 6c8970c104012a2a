"""funcgrad.distributed on a LocalCluster of two worker processes (loopback only, no dashboard).

One cluster serves the module. Its workers run jitted code on the generated-Python tier,
except in the test that compiles numba kernels on them (into a temporary kernel cache).
The test that kills a worker runs last; it waits for the nanny to bring the worker back.
"""

from __future__ import annotations

import logging
import os
import signal
import time

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

import funcgrad as fg  # noqa: E402
from funcgrad import distributed as fgd  # noqa: E402

# under ``pytest --dist loadgroup`` the module's tests share one xdist worker, hence one cluster
pytestmark = pytest.mark.xdist_group("dask-cluster")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    cache = tmp_path_factory.mktemp("worker-kernels")
    os.chmod(cache, 0o700)
    # generated Python only, but in the test that turns the numba tier on (numba's cache directory is inherited)
    env = {"FUNCGRAD_CACHE_DIR": str(cache), "FUNCGRAD_NUMBA": "never"}
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                  dashboard_address=None, scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                  env=env, silence_logs=logging.CRITICAL) as cluster, \
            distributed.Client(cluster) as c:
        c.wait_for_workers(2, timeout=60)
        yield c


def _mlp(sizes=(6, 16, 16, 3), seed=0):
    rng = np.random.default_rng(seed)
    params = {f"w{i}": rng.standard_normal((m, n)) / np.sqrt(m) for i, (m, n) in enumerate(zip(sizes, sizes[1:]))}
    params.update({f"b{i}": 0.1 * rng.standard_normal(n) for i, n in enumerate(sizes[1:])})
    layers = len(sizes) - 1

    def loss(p, ex):  # softmax cross-entropy of one example
        h = ex["x"]
        for i in range(layers):
            h = h @ p[f"w{i}"] + p[f"b{i}"]
            if i < layers - 1:
                h = np.tanh(h)
        h = h - np.max(h)
        return -np.sum((h - np.log(np.sum(np.exp(h)))) * ex["y"])

    return params, loss


def _examples(n, sizes=(6, 16, 16, 3), seed=1):
    rng = np.random.default_rng(seed)
    return {"x": rng.standard_normal((n, sizes[0])), "y": np.eye(sizes[-1])[rng.integers(0, sizes[-1], n)]}


def _stats_delta(before, after):
    return {w: {k: after[w][k] - before.get(w, {}).get(k, 0) for k in ("tasks", "traces", "kernel_compiles")}
            for w in after}


# ----------------------------------------------------------------------------- map

def test_per_example_gradients_of_an_mlp_equal_serial_vmap_grad(client):
    params, loss = _mlp()
    ex = _examples(10_000)
    serial = fg.vmap(fg.grad(loss), in_axes=(None, 0))(params, ex)
    per_example = lambda e: fg.grad(loss)(params, e)  # noqa: E731

    before = fgd.cache_stats(client)
    grads = fgd.map(per_example, ex, client=client, batch_size=1_500)  # 7 batches, the last one padded
    delta = _stats_delta(before, fgd.cache_stats(client))
    assert set(grads) == set(serial)
    for k in serial:
        assert grads[k].shape == (10_000,) + params[k].shape and grads[k].dtype == np.float64
        np.testing.assert_allclose(grads[k], serial[k], rtol=1e-12, atol=1e-14)
    assert sum(d["tasks"] for d in delta.values()) == 7
    assert all(d["traces"] <= 1 for d in delta.values()), delta  # one signature per worker: padding

    # as a dask array whose blocks stay on the workers
    again = fgd.map(per_example, ex, client=client, batch_size=1_500, output="dask")
    assert isinstance(again["w0"], da.Array) and again["w0"].chunks[0] == (1_500,) * 6 + (1_000,)
    np.testing.assert_array_equal(again["w0"].compute(), grads["w0"])
    np.testing.assert_allclose(again["b2"].sum(axis=0).compute(), serial["b2"].sum(axis=0), rtol=1e-12)


@pytest.fixture
def numba_on_workers(client):
    client.run(lambda: os.environ.update(FUNCGRAD_NUMBA="always"))
    try:
        yield client
    finally:
        client.run(lambda: os.environ.update(FUNCGRAD_NUMBA="never"))


def test_each_worker_traces_once_and_compiles_a_kernel_at_most_once(numba_on_workers):
    client = numba_on_workers

    def f(row):
        return fg.grad(lambda r: np.sum(np.sin(r) * np.exp(-r * r / 2)))(row)

    x = np.linspace(-2.0, 2.0, 8_000).reshape(1_000, 8)
    before = fgd.cache_stats(client)
    out = fgd.map(f, x, client=client, batch_size=90)  # 12 batches, the last one padded
    delta = _stats_delta(before, fgd.cache_stats(client))
    np.testing.assert_allclose(out, (np.cos(x) - x * np.sin(x)) * np.exp(-x * x / 2), rtol=1e-13, atol=1e-15)
    assert sum(d["tasks"] for d in delta.values()) == 12
    assert all(d["traces"] <= 1 for d in delta.values()), delta
    stats = fgd.cache_stats(client)
    assert any(s["kernels"] for s in stats.values())
    assert all(s["kernel_compiles"] <= s["kernels"] for s in stats.values()), stats
    # a second call with the same function finds the workers' traces: nothing is traced or compiled
    fgd.map(f, x, client=client, batch_size=90)
    again = _stats_delta(stats, fgd.cache_stats(client))
    assert all(d["kernel_compiles"] == 0 and d["traces"] == 0 for d in again.values()), again


def test_a_function_whose_closure_changed_is_shipped_again(client):
    w = np.array([1.0, 2.0])
    f = lambda e: fg.grad(lambda v: np.sum(np.sin(v * w)))(e)  # noqa: E731
    x = np.linspace(0.0, 1.0, 20).reshape(10, 2)
    np.testing.assert_allclose(fgd.map(f, x, client=client), w * np.cos(x * w), rtol=1e-14)
    w = np.array([3.0, -1.0])  # the same function object, closing over new values
    np.testing.assert_allclose(fgd.map(f, x, client=client), w * np.cos(x * w), rtol=1e-14)


def test_map_of_an_array_and_of_a_pytree_output_with_default_batches(client):
    x = np.linspace(-2.0, 2.0, 303).reshape(101, 3)

    def f(row):
        return {"value": np.sum(np.sin(row) * row), "grad": fg.grad(lambda r: np.sum(np.sin(r) * r))(row)}

    out = fgd.map(f, x, client=client)
    np.testing.assert_allclose(out["value"], np.sum(np.sin(x) * x, axis=1), rtol=1e-14)
    np.testing.assert_allclose(out["grad"], np.sin(x) + x * np.cos(x), rtol=1e-13, atol=1e-15)
    eager = fgd.map(f, x, client=client, jit=False, batch_size=40)
    np.testing.assert_allclose(eager["grad"], out["grad"], rtol=1e-14)


# ----------------------------------------------------------------------------- Jacobians and Hessians

def _vector_function(seed=2):
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((7, 12)) / 3

    def f(x):  # (3, 4) -> (7,)
        return np.tanh(W @ x.reshape(-1)) * np.sum(x ** 2)

    return f, rng.standard_normal((3, 4))


@pytest.mark.parametrize("constant_basis", [True, False])
@pytest.mark.parametrize("mode, dense", [("fwd", fg.jacfwd), ("rev", fg.jacrev)])
def test_blocked_jacobian_equals_the_dense_one(client, monkeypatch, mode, dense, constant_basis):
    if not constant_basis:  # many blocks: the basis is an argument, one signature for all blocks
        monkeypatch.setattr(fgd, "CONSTANT_BASIS_BLOCKS", 0)
    f, x = _vector_function()
    jac = fgd.jacobian(f, client=client, block=5, mode=mode)
    J = jac(x)  # blocks of 5 do not divide 12 (fwd) or 7 (rev)
    assert J.shape == (7, 3, 4)
    np.testing.assert_allclose(jac(x + 1.0), dense(f)(x + 1.0), rtol=1e-13, atol=1e-15)  # a second point
    np.testing.assert_allclose(J, dense(f)(x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(J, fg.testing.numerical_jacobian(f, x), rtol=1e-6, atol=1e-8)


def test_blocked_hessian_equals_the_dense_one(client):
    def f(x):
        return np.sum(np.tanh(x[1:] * x[:-1]) ** 2) + np.sum(np.exp(-x ** 2))

    x = np.linspace(-1.0, 1.5, 10).reshape(5, 2)
    H = fgd.hessian(f, client=client, block=3)(x)
    assert H.shape == (5, 2, 5, 2)
    np.testing.assert_allclose(H, fg.hessian(f)(x), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(H, fg.testing.numerical_jacobian(fg.grad(f), x), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fgd.hessian(f, client=client)(x), H, rtol=1e-13, atol=1e-15)  # default blocks


# ----------------------------------------------------------------------------- dask.array

def test_dask_array_input_gives_a_lazy_dask_array_that_matches_vmap(client):
    params, loss = _mlp()
    ex = _examples(3_000)
    lazy_ex = {"x": da.from_array(ex["x"], chunks=(700, 6)), "y": da.from_array(ex["y"], chunks=(700, 3))}
    grads = fgd.map(lambda e: fg.grad(loss)(params, e), lazy_ex)
    assert isinstance(grads["w1"], da.Array) and grads["w1"].chunks[0] == (700,) * 4 + (200,)
    serial = fg.vmap(fg.grad(loss), in_axes=(None, 0))(params, ex)
    for k in serial:
        np.testing.assert_allclose(grads[k].compute(), serial[k], rtol=1e-12, atol=1e-14)
    rebatched = fgd.map(lambda e: fg.grad(loss)(params, e), lazy_ex, batch_size=1_000)
    assert rebatched["b0"].chunks[0] == (1_000,) * 3


def test_blockwise_gradients_of_a_chunked_array(client):
    def g(block):  # a sum over elements: its gradient is blockwise
        return np.sum(np.sin(block) * np.exp(-block ** 2 / 4))

    x = np.linspace(-3.0, 3.0, 4_000).reshape(400, 10)
    xd = da.from_array(x, chunks=(100, 10))
    dense = fg.grad(g)(x)
    np.testing.assert_allclose(fgd.map_blocks(fg.grad(g), xd).compute(), dense, rtol=1e-13, atol=1e-15)
    # the same with dask's own map_blocks: jitted and transformed functions pickle into its tasks
    plain = da.map_blocks(fg.jit(fg.vmap(fg.grad(lambda row: g(row) ** 2))), xd, dtype=float)
    np.testing.assert_allclose(plain.compute(), fg.vmap(fg.grad(lambda row: g(row) ** 2))(x), rtol=1e-12)
    # a per-block value: the output loses the second axis
    sums = fgd.map_blocks(fg.vmap(g), xd, drop_axis=1)
    np.testing.assert_allclose(sums.compute(), np.sum(np.sin(x) * np.exp(-x ** 2 / 4), axis=1), rtol=1e-13)


# ----------------------------------------------------------------------------- pickling onto workers

def test_irs_compiled_code_and_transformed_functions_run_on_workers(client, monkeypatch):
    from funcgrad.backends.interpreter import eval_ir

    def loss(x):
        return np.sum(np.tanh(x) * np.exp(x))

    x = np.linspace(-1.0, 1.0, 8)
    monkeypatch.setenv("FUNCGRAD_NUMBA", "always")
    jitted = fg.jit(fg.grad(loss))
    want = jitted(x)
    assert jitted.tier(x) == "numba"
    compiled = next(iter(jitted._cache.values())).call  # the numba tier: generated glue and its kernels
    ir = fg.make_ir(fg.hessian(loss))(x)
    calls = {"jit(grad)": (jitted, x), "numba tier": (lambda c, x: c(x)[0], (compiled, x)),
             "ir": (lambda ir, x: eval_ir(ir, x)[0], (ir, x)), "hessian": (fg.hessian(loss), x),
             "vmap(jit(grad))": (fg.vmap(jitted), np.stack([x, 2 * x]))}
    for name, (fn, args) in calls.items():
        args = args if isinstance(args, tuple) else (args,)
        got = client.submit(fn, *args, pure=False).result()
        np.testing.assert_allclose(got, fn(*args), rtol=1e-13, atol=1e-15, err_msg=name)
    np.testing.assert_allclose(client.submit(compiled, x, pure=False).result()[0], want, rtol=1e-15)


# ----------------------------------------------------------------------------- errors

def test_an_error_inside_f_reaches_the_caller_with_its_type_and_message(client):
    x = np.ones((20, 3))

    def reject(row):
        raise ValueError(f"cannot use a row of shape {row.shape}")

    for kwargs in ({}, {"output": "dask"}, {"jit": False}):
        with pytest.raises(ValueError) as err:
            fgd.map(reject, x, client=client, batch_size=7, **kwargs)
        assert str(err.value) == "cannot use a row of shape (3,)"

    def branchy(row):  # Python control flow on a traced value: jit refuses it
        return row if np.sum(row) > 0 else -row

    with pytest.raises(fg.ConcretizationError, match="fg.cond"):
        fgd.map(branchy, x, client=client)

    def singular(x):  # raises while running, not while tracing: a data-dependent error
        if float(x[0]) == 0.0:
            raise ZeroDivisionError("x[0] must not be zero")
        return np.sum(x ** 2)

    with pytest.raises(ZeroDivisionError, match=r"^x\[0\] must not be zero$"):
        fgd.hessian(singular, client=client, jit=False)(np.zeros(3))


def test_bad_arguments_are_typed_errors_that_name_the_function_and_the_fix(client):
    x = np.ones((4, 2))
    with pytest.raises(TypeError, match=r"distributed\.map: the function must be callable"):
        fgd.map(np.sum(x), x, client=client)
    with pytest.raises(ValueError, match=r"distributed\.map: batch_size must be a positive int"):
        fgd.map(np.sin, x, client=client, batch_size=0)
    with pytest.raises(TypeError, match=r"distributed\.jacobian: block must be a positive int or None.*float"):
        fgd.jacobian(np.sin, client=client, block=2.5)
    with pytest.raises(ValueError, match=r"output must be 'numpy'.*or 'dask'"):
        fgd.map(np.sin, x, client=client, output="list")
    with pytest.raises(ValueError, match=r"leading axes of different lengths \[3, 4\]"):
        fgd.map(lambda e: e[0] * e[1], (x, np.ones(3)), client=client)
    with pytest.raises(ValueError, match="no examples"):
        fgd.map(np.sin, np.ones((0, 2)), client=client)
    with pytest.raises(TypeError, match="client must be a dask.distributed.Client"):
        fgd.map(np.sin, x, client="tcp://127.0.0.1:8786")
    with pytest.raises(TypeError, match="mixes dask arrays and other arrays"):
        fgd.map(lambda e: e[0] * e[1], (x, da.ones((4, 2))), client=client)
    with pytest.raises(ValueError, match=r"mode must be 'fwd'.*or 'rev'"):
        fgd.jacobian(np.sin, client=client, mode="forward")
    with pytest.raises(TypeError, match=r"hessian requires a scalar output.*shape \(2,\)"):
        fgd.hessian(np.sin, client=client)(np.ones(2))
    with pytest.raises(TypeError, match=r"x has dtype int64.*x.astype\(float\)"):
        fgd.jacobian(np.sin, client=client)(np.arange(3))
    with pytest.raises(TypeError, match="must return one array, not a pytree"):
        fgd.jacobian(lambda v: (v, v), client=client)(np.ones(2))
    with pytest.raises(TypeError, match="pass at least one dask array"):
        fgd.map_blocks(np.sin, x)


# ----------------------------------------------------------------------------- the benchmark workload

def test_the_benchmark_workload_computes_the_same_derivatives_in_every_column(client):
    from benchmarks.distributed import distributed as workload

    w = workload(examples=300, n=40, clients={1: client, 2: client})
    assert [list(row) for row in w.tasks.values()] == [["funcgrad", "funcgrad.jit", "dask 1 worker",
                                                       "dask 2 workers"]] * 3
    for task, row in w.tasks.items():
        want = row["funcgrad"]()
        for lib, fn in row.items():
            got = fn()
            assert got.shape == want.shape and got.dtype == want.dtype, (task, lib)
            np.testing.assert_allclose(got, want, rtol=1e-5 if want.dtype == np.float32 else 1e-12,
                                       atol=1e-6 if want.dtype == np.float32 else 1e-14, err_msg=f"{task}: {lib}")
    cells = w.derived({"funcgrad.jit": 3.0, "dask 1 worker": 4.0, "dask 2 workers": 2.5})
    assert cells == {"efficiency, 1 → 2 workers": "80%", "speed-up of 2 workers over funcgrad.jit": "1.20"}


# ----------------------------------------------------------------------------- faults (last: restarts a worker)

def test_a_killed_workers_tasks_rerun_elsewhere_with_an_identical_result(client):
    import dask

    params, loss = _mlp()
    ex = _examples(2_400)

    def slow(e):  # eager (jit=False): the Python body runs once per batch, so each task takes 50 ms or more
        time.sleep(0.05)
        return fg.grad(loss)(params, e)

    reference = fgd.map(slow, ex, client=client, batch_size=100, jit=False)
    pids = client.run(os.getpid)
    grads = fgd.map(slow, ex, client=client, batch_size=100, jit=False, output="dask")
    futures = distributed.futures_of(grads["w0"])
    assert len(futures) == 24
    done = distributed.wait(futures, return_when="FIRST_COMPLETED").done
    holder = next(iter(client.who_has(list(done)).values()))[0]  # a worker holding a finished result
    os.kill(pids[holder], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while holder in client.scheduler_info()["workers"] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert holder not in client.scheduler_info()["workers"]
    assert sum(f.status == "finished" for f in futures) < len(futures)  # killed mid-computation
    (computed,) = dask.compute(grads)
    for k in reference:
        np.testing.assert_array_equal(computed[k], reference[k])
    serial = fg.vmap(fg.grad(loss), in_axes=(None, 0))(params, ex)
    np.testing.assert_allclose(reference["w1"], serial["w1"], rtol=1e-12, atol=1e-14)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the worker
