"""Shared test machinery: running the transform tests a second time under ``fg.jit``.

A module opts in with ``pytestmark = pytest.mark.usefixtures("transform_mode")``. Each of
its tests then runs twice: ``eager``, and ``jit``, where every public transform of
``funcgrad`` (and ``check_grads``' jvp/vjp) is replaced by the same transform
staged and run through ``fg.jit``, so the same assertions check the jitted results.
A module may set ``TRANSFORM_MODES = ("eager", "jit", "numba")`` to run a third time with
numba kernels forced everywhere; ``FUNCGRAD_TEST_MODES=eager,jit,numba`` runs every opted-in
module in the modes it names (a longer local run). Tests that rely on Python control flow on
values (which jit refuses by design) are marked ``@pytest.mark.eager_only``.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import funcgrad as fg
import funcgrad.testing
from funcgrad import tree


def pytest_configure(config):
    config.addinivalue_line("markers", "eager_only: run only eagerly in transform_mode modules")


def pytest_generate_tests(metafunc):
    if "transform_mode" in metafunc.fixturenames:
        eager_only = metafunc.definition.get_closest_marker("eager_only") is not None
        modes = getattr(metafunc.module, "TRANSFORM_MODES", ("eager", "jit"))
        if os.environ.get("FUNCGRAD_TEST_MODES"):
            modes = tuple(m.strip() for m in os.environ["FUNCGRAD_TEST_MODES"].split(","))
        metafunc.parametrize("transform_mode", ["eager"] if eager_only else list(modes), indirect=True)


def _jitted_transforms() -> dict:
    """Each public transform, rewritten to run under fg.jit."""
    orig = {name: getattr(fg, name) for name in ("grad", "value_and_grad", "jacrev", "jacfwd", "jacobian",
                                                  "hessian", "vmap", "jvp", "vjp", "hvp", "vhp", "linearize")}

    def returns_function(name):
        def transform(f, *args, **kwargs):
            return fg.jit(orig[name](f, *args, **kwargs))
        return transform

    def jvp(f, primals, tangents, has_aux=False):
        if has_aux:
            return orig["jvp"](f, primals, tangents, has_aux=True)
        return fg.jit(lambda p, t: orig["jvp"](f, p, t))(tuple(primals), tuple(tangents))

    def vjp(f, *primals, has_aux=False):
        result = orig["vjp"](f, *primals, has_aux=has_aux)
        if has_aux:
            return result
        pullback = result[1]
        jitted_pull = fg.jit(lambda p, ct: orig["vjp"](f, *p)[1](ct))

        def jitted_vjp_fn(ct):
            pullback(ct)  # the eager pullback's structure and shape checks come first
            leaves, treedef = tree.flatten(ct)
            return jitted_pull(primals, tree.unflatten(treedef, [np.asarray(c) for c in leaves]))

        return fg.jit(f)(*primals), jitted_vjp_fn

    def products(name):
        def product(f, primals, vectors):
            return fg.jit(lambda p, v: orig[name](f, p, v))(tuple(primals), tuple(vectors))
        return product

    def linearize(f, *primals):
        out, f_jvp = orig["linearize"](f, *primals)
        jitted = fg.jit(lambda p, t: orig["jvp"](f, p, t)[1])

        def jvp_fn(*tangents):
            return jitted(primals, tangents)

        jvp_fn.ir = f_jvp.ir
        return fg.jit(f)(*primals), jvp_fn

    patched = {name: returns_function(name) for name in ("grad", "value_and_grad", "jacrev", "jacfwd",
                                                          "jacobian", "hessian", "vmap")}
    patched.update(jvp=jvp, vjp=vjp, hvp=products("hvp"), vhp=products("vhp"), linearize=linearize)
    return patched


@pytest.fixture
def transform_mode(request, monkeypatch):
    """``"eager"``, ``"jit"`` or ``"numba"``: in ``"jit"`` the public transforms run under fg.jit,
    in ``"numba"`` too, with every jitted signature compiled to numba kernels at its first call."""
    if request.param == "numba":
        monkeypatch.setenv("FUNCGRAD_NUMBA", "always")
    if request.param in ("jit", "numba"):
        for name, fn in _jitted_transforms().items():
            monkeypatch.setattr(fg, name, fn)
        monkeypatch.setattr(funcgrad.testing, "jvp", fg.jvp)
        monkeypatch.setattr(funcgrad.testing, "vjp", fg.vjp)
    return request.param
