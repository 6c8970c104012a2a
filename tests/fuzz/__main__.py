"""A long fuzzing campaign: ``python -m tests.fuzz --n 5000`` (from the repository root).

Runs the functional fuzzer (random NumPy programs under every transform, :mod:`tests.fuzz.functional`)
and the imperative one (random ``funcgrad.autograd`` programs against PyTorch's rules,
:mod:`tests.fuzz.imperative`), and prints for each the programs, checks, mismatches and errors,
with every failing program as source. ``--memory`` adds the long memory count: 100 000 calls of
``grad(f)`` and of ``jit(grad(f))`` over varying shapes under ``tracemalloc``, with peak and final
traced memory. The exit status is 1 if anything failed.

Jitted code stays on generated Python (``FUNCGRAD_NUMBA=never``) unless ``--numba`` compiles every
jitted signature to numba kernels at its first call (slow: a compile per program).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
import traceback


def _imperative(n: int, seed: int, report) -> tuple:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    from tests.fuzz.functional import Counts
    from tests.fuzz.imperative import _steps_text, check
    from tests.fuzz.test_imperative import STEPS

    counts, seen = Counts(), set()
    start = time.perf_counter()

    @hypothesis_seed(seed)
    @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(STEPS, st.integers(0, 2 ** 16))
    def campaign(steps, value_seed):
        counts.programs += 1
        try:
            counts.checks += check(steps, value_seed)
            return
        except AssertionError as err:
            counts.mismatches += 1
            message = f"MISMATCH (values seed {value_seed}) {err}\n"
        except Exception:
            counts.errors += 1
            message = f"ERROR (values seed {value_seed})\n{traceback.format_exc()}program:\n{_steps_text(steps)}\n"
        if message not in seen:
            seen.add(message)
            report(message)

    campaign()
    counts.seconds = time.perf_counter() - start
    return counts


def _memory(calls: int, report) -> bool:
    """``calls`` calls of grad(f) and of jit(grad(f)) over 20 shapes; True if memory stayed bounded."""
    import funcgrad as fg
    from tests.test_memory import INPUTS, f

    bounded = True
    for name, g in (("grad(f)", fg.grad(f)), ("jit(grad(f))", fg.jit(fg.grad(f)))):
        for i in range(200):  # warm-up: every shape traced and compiled once
            g(INPUTS[i % len(INPUTS)])
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        try:
            base = tracemalloc.get_traced_memory()[0]
            marks = []
            for i in range(calls):
                g(INPUTS[i % len(INPUTS)])
                if (i + 1) % max(calls // 5, 1) == 0:
                    gc.collect()
                    marks.append(tracemalloc.get_traced_memory()[0] - base)
            gc.collect()
            final, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        final, peak = final - base, peak - base
        ok = final < 200_000
        bounded &= ok
        report(f"memory {name}: {calls} calls over {len(INPUTS)} shapes in {time.perf_counter() - start:.1f} s; "
               f"traced memory above the start: peak {peak / 1024:.1f} KiB, final {final / 1024:.1f} KiB "
               f"(after each fifth: {', '.join(f'{m / 1024:.1f}' for m in marks)} KiB) "
               f"{'bounded' if ok else 'GROWING'}")
    return bounded


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="programs per fuzzer (default 5000)")
    parser.add_argument("--seed", type=int, default=0,
                        help="campaign seed: functional programs random_program(seed * 1000000 + i), and Hypothesis's")
    parser.add_argument("--only", choices=["functional", "imperative", "memory"], help="run one part")
    parser.add_argument("--max-steps", type=int, default=8, help="lines per functional program (default 8)")
    parser.add_argument("--show-programs", action="store_true", help="print every functional program")
    parser.add_argument("--hypothesis", action="store_true",
                        help="draw functional programs with Hypothesis (as CI does) instead of uniformly")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds a functional program's checks may take before it counts as an error")
    parser.add_argument("--memory", action="store_true", help="also run the long memory count")
    parser.add_argument("--calls", type=int, default=100_000, help="calls per memory count (default 100000)")
    parser.add_argument("--numba", action="store_true", help="compile every jitted signature to numba kernels")
    args = parser.parse_args(argv)
    os.environ["FUNCGRAD_NUMBA"] = "always" if args.numba else os.environ.get("FUNCGRAD_NUMBA", "never")

    from tests.fuzz import functional

    report = lambda text: print(text, flush=True)
    failed = False
    if args.only in (None, "functional"):
        counts = functional.run(args.n, seed=args.seed, report=report, max_steps=args.max_steps,
                                show_programs=args.show_programs, hypothesis=args.hypothesis, timeout=args.timeout)
        report(f"functional: {counts}")
        report(f"functional: {counts.coverage()}")
        failed |= bool(counts.mismatches or counts.errors)
    if args.only in (None, "imperative"):
        counts = _imperative(args.n, args.seed, report)
        report(f"imperative: {counts}")
        failed |= bool(counts.mismatches or counts.errors)
    if args.memory or args.only == "memory":
        failed |= not _memory(args.calls, report)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
