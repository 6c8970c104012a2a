"""Timing: every case of a workload is measured in the same run, interleaved.

A shared machine drifts; timing one case after another would charge the drift to
whichever ran during it. So each round times every case once, in turn, and the
result for a case is the median over rounds of its time per call.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


WARMUP_CALLS = 30  # more than a jitted function needs to reach its numba tier


def _calls_for(fn: Callable, budget: float) -> int:
    """How many calls of ``fn`` fill about ``budget`` seconds (at least one)."""
    # warm up: first-call work (tracing, compiling, moving to the numba tier) is not steady state;
    # the cold-start workload measures it
    t0 = time.perf_counter()
    for _ in range(WARMUP_CALLS):
        fn()
        if time.perf_counter() - t0 > 5.0:
            break
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= budget / 4 or n >= 1 << 20:
            return max(1, int(n * budget / max(elapsed, 1e-9)))
        n *= 4


def measure(cases: dict[str, Callable], rounds: int = 15, budget: float = 0.01) -> dict[str, float]:
    """Median seconds per call of each case, measured in interleaved rounds.

        >>> t = measure({"noop": lambda: None}, rounds=3, budget=1e-4)
        >>> 0 < t["noop"] < 1e-3
        True
    """
    counts = {name: _calls_for(fn, budget) for name, fn in cases.items()}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            n = counts[name]
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            samples[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(s) for name, s in samples.items()}


def format_time(seconds: float) -> str:
    """``12.3 µs``, ``4.56 ms`` or ``1.23 s``."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"
