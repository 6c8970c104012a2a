"""Run the benchmark suite: ``python -m benchmarks [--only NAME ...] [--rounds N] [--save PATH]``.

Each task is timed for funcgrad, hand-written NumPy and every installed peer in
the same run (``pip install -e ".[bench]"`` installs the peers). The table gives
medians and, for each library, its time divided by funcgrad's: above 1, funcgrad
is faster. ``--save PATH`` also writes the measurements as JSON (one record per
task and library: workload, task, library, seconds), which ``notebooks/04_performance.ipynb``
plots.
"""

from __future__ import annotations

import argparse
import json
import platform

import numpy as np

from benchmarks import peers
from benchmarks.harness import format_time, measure
from benchmarks.workloads import WORKLOADS

LIBRARIES = ("funcgrad", "funcgrad.jit", "funcgrad.jit (empty cache)", "funcgrad.autograd",
             "numpy", "autograd", "torch", "jax", "jax.jit")


def run(names, rounds: int, records: list | None = None) -> list[str]:
    """Time the workloads ``names``; return the Markdown table, appending one dict per measurement to ``records``."""
    lines = [f"numpy {np.__version__}, python {platform.python_version()}, "
             + ", ".join(f"{k} {v}" for k, v in peers.versions().items())]
    for name in names:
        workload = WORKLOADS[name]()
        lines += ["", f"## {workload.name}: {workload.title}", ""]
        seen = [lib for row in workload.tasks.values() for lib in row]
        libs = [lib for lib in LIBRARIES if lib in seen]
        libs += [lib for lib in dict.fromkeys(seen) if lib not in libs]  # a workload's own columns, in order
        header = len(lines)
        for task, row in workload.tasks.items():
            times = measure(row, rounds=min(rounds, workload.rounds or rounds))
            base = times["funcgrad"]
            if records is not None:
                records += [{"workload": workload.name, "task": task, "library": lib, "seconds": times[lib]}
                            for lib in libs if lib in times]
            cells = [f"{format_time(times[lib])} ({times[lib] / base:.2f})" if lib in times else "" for lib in libs]
            extra = workload.derived(times) if workload.derived is not None else {}  # e.g. scaling efficiency
            if len(lines) == header:
                lines.append("| task | " + " | ".join(libs + list(extra)) + " |")
                lines.append("|---|" + "---|" * (len(libs) + len(extra)))
            lines.append(f"| {task} | " + " | ".join(cells + list(extra.values())) + " |")
            print(lines[-1], flush=True)
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=sorted(WORKLOADS), help="workloads to run (default: all)")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds per task (default 15)")
    parser.add_argument("--save", metavar="PATH", help="also write the measurements to PATH as JSON")
    args = parser.parse_args(argv)
    records: list[dict] = []
    lines = run(args.only or list(WORKLOADS), args.rounds, records)
    print("\n".join(lines))
    if args.save:
        meta = {"numpy": np.__version__, "python": platform.python_version(), **peers.versions(),
                "rounds": args.rounds}
        with open(args.save, "w", encoding="utf-8") as f:
            json.dump({"versions": meta, "results": records}, f, indent=1, ensure_ascii=False)
            f.write("\n")


if __name__ == "__main__":
    main()
