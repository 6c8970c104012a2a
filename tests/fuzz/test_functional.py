"""A bounded functional fuzzing campaign for CI (``python -m tests.fuzz`` runs a long one)."""

import numpy as np
import pytest

import funcgrad as fg
from funcgrad import numpy as fnp
from hypothesis import HealthCheck, given, settings

from tests.fuzz.functional import Mismatch, Program, _Checker, check, programs, random_program, run


@pytest.fixture(autouse=True)
def _generated_python(monkeypatch):
    monkeypatch.setenv("FUNCGRAD_NUMBA", "never")  # a numba compile per program would not fit the budget


@settings(max_examples=350, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(programs())
def test_random_programs_agree_with_finite_differences_under_every_transform(prog):
    assert check(prog) >= 14


def test_uniformly_drawn_programs_agree_too():
    counts = run(60, seed=0, report=pytest.fail)  # uniform choices reach the ops Hypothesis draws rarely
    assert (counts.programs, counts.mismatches, counts.errors) == (60, 0, 0)


def _program(*lines, output=None, x=(0.3, -0.7, 1.1)):
    x = np.array(x)
    points = ((x,), (x + 0.1,), (x - 0.2,))
    return Program(("x",), lines, output or f"v{len(lines)}", points)


def test_a_wrong_derivative_is_caught_and_printed_as_runnable_source():
    prog = _program("v1 = np.sin(fg.stop_gradient(x))", "v2 = np.sum(v1 * x)")  # AD and FD disagree here
    with pytest.raises(Mismatch, match="differs from finite differences") as err:
        check(prog)
    text = str(err.value).split("program:\n", 1)[1]
    assert "def f(x):\n    v1 = np.sin(fg.stop_gradient(x))\n" in text
    ns = {}
    exec(text, ns)  # the printed program runs as it stands, failing call included
    np.testing.assert_allclose(ns["f"](ns["x"]), np.sum(np.sin(prog.args[0]) * prog.args[0]))


def test_both_spellings_are_checked():
    prog = _program("v1 = fnp.at(x)[np.array([0, 2])].add(np.tanh(x[1]))", "v2 = np.linalg.det("
                    "np.eye(3) * 3.0 + 0.5 * np.tanh(v1[:, None] - 0.5 * v1))")
    assert "fnp.linalg.det(fnp.eye(3)" in prog.source("fnp") and "np.linalg.det(np.eye(3)" in prog.source("np")
    one = _Checker(prog)
    one.spelling_checks(prog.function("fnp"))
    assert check(prog) == 2 * one.checks >= 2 * 14


def test_a_campaign_counts_programs_checks_mismatches_and_errors():
    reports = []
    counts = run(3, seed=1, report=reports.append, max_steps=3)
    assert (counts.programs, counts.mismatches, counts.errors) == (3, 0, 0) and counts.checks >= 3 * 14
    assert reports == []
    assert "programs with two inputs" in counts.coverage()
    assert random_program(7).source() == random_program(7).source()  # a seed reproduces its program
    slow = run(1, seed=1, report=reports.append, timeout=1e-4)  # a program that hangs is an error, not a hang
    assert (slow.errors, len(reports)) == (1, 1) and "took more than" in reports[0]


def test_found_sinc_has_exact_derivatives_at_and_near_zero():
    # the fuzzer found d²/dx² sinc = 0 at exact zeros of the input (it is -π²/3): sin(πx)/(πx) cancels
    for spelling in (np.sinc, fnp.sinc):
        d2 = fg.grad(fg.grad(spelling))
        np.testing.assert_allclose([d2(0.0), d2(1e-9), fg.jit(d2)(0.0)], -np.pi ** 2 / 3, rtol=1e-12)
    np.testing.assert_allclose(fg.grad(fg.grad(fg.grad(fg.grad(np.sinc))))(0.0), np.pi ** 4 / 5, rtol=1e-12)
    fg.testing.check_grads(np.sinc, (np.array([0.0, 1e-6, 0.0318, 0.0319, 0.7, -2.5]),), order=3)
