"""The benchmark suite of funcgrad: ``python -m benchmarks``."""
