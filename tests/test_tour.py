"""``python -m funcgrad``: the tour runs, exits 0 and prints the right numbers."""

import os
import subprocess
import sys

import numpy as np


def test_the_tour_runs_and_prints_exact_derivatives(tmp_path):
    env = dict(os.environ, FUNCGRAD_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "funcgrad"], env=env, check=True, capture_output=True, text=True,
                         timeout=120).stdout
    d1 = 2 * np.sin(1.0) + np.cos(1.0)
    d2 = 2 * np.sin(1.0) + 4 * np.cos(1.0) - np.sin(1.0)
    assert f"{d1:.6g}" in out and f"{d2:.6g}" in out
    for needle in ("fg.jacrev(g)", "fg.hessian(loss)", "fg.hvp", "fg.vmap", "= sin a", "fg.jit", "optim.SGD"):
        assert needle in out
    fit = next(line for line in out.splitlines() if line.strip().startswith("w, b"))
    w, b = (float(t) for t in fit.split("[")[1].rstrip("]").split())
    assert abs(w - 3.0) < 0.05 and abs(b + 0.5) < 0.05
