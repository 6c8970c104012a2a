"""IR → IR optimisation passes, and the pipeline applied to every staged IR."""

from __future__ import annotations

from funcgrad.core.ir import IR
from funcgrad.passes.dce import dce


def run_passes(ir: IR) -> IR:
    """Dead-code elimination (more passes join this pipeline as they land)."""
    return dce(ir)
