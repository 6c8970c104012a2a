"""The kernel cache under abuse: unusable, untrusted, corrupted and concurrently written directories."""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import funcgrad as fg
from funcgrad.backends import kernels

X = np.linspace(-1, 1, 50)


def f(x):
    return np.sum(np.sin(x) * np.exp(-x * x / 2) + np.log1p(x * x) * np.tanh(x))


WANT = fg.grad(f)(X)


@pytest.fixture
def numba_always(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "always")
    monkeypatch.setattr(kernels, "_loaded", {})  # compile and load again, from this test's directory
    monkeypatch.setattr(kernels, "_directories", {})


def _run():
    """The gradient on the numba tier, right, whatever the cache directory (set by the test)."""
    g = fg.jit(fg.grad(f))
    np.testing.assert_allclose(g(X), WANT, rtol=1e-13)
    assert g.tier(X) == "numba"


def test_a_cache_directory_that_cannot_be_created_falls_back_with_a_warning(numba_always, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(blocker / "sub"))
    with pytest.warns(kernels.KernelCacheWarning, match=r"cannot be created.*FUNCGRAD_CACHE_DIR"):
        _run()


def test_a_directory_others_can_write_is_refused(numba_always, monkeypatch, tmp_path):
    shared = tmp_path / "shared"
    (shared / "kernels").mkdir(parents=True)
    os.chmod(shared / "kernels", 0o777)
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(shared))
    with pytest.warns(kernels.KernelCacheWarning, match="other users can write to it"):
        _run()
    assert not os.listdir(shared / "kernels")  # nothing written to, or loaded from, there


@pytest.mark.skipif(not hasattr(os, "getuid") or os.getuid() != 0, reason="changing a directory's owner needs root")
def test_a_directory_of_another_user_is_refused(numba_always, monkeypatch, tmp_path):
    theirs = tmp_path / "theirs"
    (theirs / "kernels").mkdir(parents=True)
    os.chown(theirs / "kernels", 12345, 12345)
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(theirs))
    with pytest.warns(kernels.KernelCacheWarning, match="belongs to another user"):
        _run()


def test_a_corrupted_kernel_file_is_rewritten(numba_always, monkeypatch, tmp_path):
    monkeypatch.setenv("FUNCGRAD_CACHE_DIR", str(tmp_path))
    _run()
    files = [p for p in (tmp_path / "kernels").iterdir() if p.suffix == ".py"]
    assert files
    for p in files:
        p.write_text("raise RuntimeError('tampered')\n")
    monkeypatch.setattr(kernels, "_loaded", {})
    _run()
    assert all("def kernel(" in p.read_text() for p in files)


CHILD = """
import json, os, sys
import numpy as np
import funcgrad as fg
x = np.linspace(-1, 1, 50)
g = fg.jit(fg.grad(lambda x: np.sum(np.sin(x) * np.exp(-x * x / 2) + np.log1p(x * x) * np.tanh(x))))
print(json.dumps({"grad": g(x).tolist(), "tier": g.tier(x)}))
"""


def _children(tmp_path, n):
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path / "fg"), NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               FUNCGRAD_NUMBA="always")
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    return results


def test_processes_compiling_the_same_kernels_at_once_do_not_corrupt_the_cache(tmp_path):
    for run in _children(tmp_path, 2) + _children(tmp_path, 1):  # together on an empty cache, then a warm one
        assert run["tier"] == "numba"
        np.testing.assert_allclose(run["grad"], WANT, rtol=1e-13)


def test_corrupted_numba_cache_files_are_recompiled(tmp_path):
    _children(tmp_path, 1)
    index = [os.path.join(d, name) for d, _, names in os.walk(tmp_path) for name in names
             if name.endswith((".nbi", ".nbc"))]
    assert index
    for path in index:
        with open(path, "wb") as fh:
            fh.write(b"\x00garbage")
    (run,) = _children(tmp_path, 1)
    assert run["tier"] == "numba"
    np.testing.assert_allclose(run["grad"], WANT, rtol=1e-13)
