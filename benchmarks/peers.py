"""The peer libraries, each imported only if installed (``pip install -e ".[bench]"``)."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
from types import ModuleType


def _load(name: str) -> ModuleType | None:
    if importlib.util.find_spec(name) is None:
        return None
    return importlib.import_module(name)


def jax() -> ModuleType | None:
    """JAX with 64-bit floats enabled, or ``None``."""
    mod = _load("jax")
    if mod is not None:
        mod.config.update("jax_enable_x64", True)
    return mod


def torch() -> ModuleType | None:
    """PyTorch (CPU), or ``None``."""
    return _load("torch")


def autograd() -> ModuleType | None:
    """HIPS autograd, or ``None``."""
    mod = _load("autograd")
    if mod is not None:
        importlib.import_module("autograd.numpy")
    return mod


def asdex() -> ModuleType | None:
    """asdex (sparse Jacobians and Hessians on JAX, with 64-bit floats), or ``None``."""
    if jax() is None:
        return None
    return _load("asdex")


def versions() -> dict[str, str]:
    """Versions of the peers that are installed."""
    return {name: importlib.metadata.version(name) for name in ("jax", "torch", "autograd", "asdex")
            if importlib.util.find_spec(name) is not None}
