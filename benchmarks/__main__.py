"""Run the benchmark suite: ``python -m benchmarks [--only NAME ...] [--rounds N]``.

Each task is timed for funcgrad, hand-written NumPy and every installed peer in
the same run (``pip install -e ".[bench]"`` installs the peers). The table gives
medians and, for each library, its time divided by funcgrad's: above 1, funcgrad
is faster.
"""

from __future__ import annotations

import argparse
import platform

import numpy as np

from benchmarks import peers
from benchmarks.harness import format_time, measure
from benchmarks.workloads import WORKLOADS

LIBRARIES = ("funcgrad", "funcgrad.jit", "funcgrad.jit (empty cache)", "funcgrad.autograd",
             "numpy", "autograd", "torch", "jax", "jax.jit")


def run(names, rounds: int) -> list[str]:
    lines = [f"numpy {np.__version__}, python {platform.python_version()}, "
             + ", ".join(f"{k} {v}" for k, v in peers.versions().items())]
    for name in names:
        workload = WORKLOADS[name]()
        lines += ["", f"## {workload.name}: {workload.title}", ""]
        seen = [lib for row in workload.tasks.values() for lib in row]
        libs = [lib for lib in LIBRARIES if lib in seen]
        libs += [lib for lib in dict.fromkeys(seen) if lib not in libs]  # a workload's own columns, in order
        lines.append("| task | " + " | ".join(libs) + " |")
        lines.append("|---|" + "---|" * len(libs))
        for task, row in workload.tasks.items():
            times = measure(row, rounds=min(rounds, workload.rounds or rounds))
            base = times["funcgrad"]
            cells = [f"{format_time(times[lib])} ({times[lib] / base:.2f})" if lib in times else "" for lib in libs]
            lines.append(f"| {task} | " + " | ".join(cells) + " |")
            print(lines[-1], flush=True)
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(WORKLOADS), help="workloads to run (default: all)")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per task (default 15)")
    args = parser.parse_args(argv)
    lines = run(args.only or list(WORKLOADS), args.rounds)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
