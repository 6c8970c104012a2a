"""Every public function and class of funcgrad has a runnable example in its docstring.

The walk covers the public namespaces (``funcgrad`` and the submodules it names, ``funcgrad.numpy``
with ``linalg`` and ``fft``, ``autograd``, ``nn``, ``optim``, ``profiler``, ``testing``, ``tree``,
``sparse``, ``scipy``, ``distributed`` and ``viz`` where their dependencies are installed): each name
in ``__all__`` or not starting with ``_`` (see ``_public_names``) that is a function or class defined in
funcgrad, and the public methods and properties of the classes of ``autograd``, ``nn`` and ``optim``. A docstring
"has an example" when it contains a ``>>>`` line; pytest runs those lines (``--doctest-modules``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import sys
import types

import pytest

ROOTS = (
    "funcgrad", "funcgrad.numpy", "funcgrad.numpy.linalg", "funcgrad.numpy.fft", "funcgrad.autograd",
    "funcgrad.autograd.functional", "funcgrad.nn", "funcgrad.nn.functional", "funcgrad.optim", "funcgrad.profiler",
    "funcgrad.testing", "funcgrad.tree", "funcgrad.sparse", "funcgrad.scipy", "funcgrad.scipy.special",
    "funcgrad.scipy.stats", "funcgrad.distributed", "funcgrad.viz",
)
# namespaces whose classes' public methods need examples too
METHOD_NAMESPACES = ("funcgrad.autograd", "funcgrad.nn", "funcgrad.optim")
# a module that needs an optional dependency is skipped when that dependency is missing
OPTIONAL = {"funcgrad.sparse": "scipy", "funcgrad.scipy": "scipy", "funcgrad.distributed": "distributed"}

FIX = (
    "Fix: give each a short docstring example that runs (a '>>>' line and its output; pytest runs it as a "
    "doctest: `pytest -n 0 -q <file>`), e.g.\n"
    '    """``numpy.sin``, traceable.\n\n'
    "        >>> float(fg.grad(lambda x: fnp.sum(fnp.sin(x)))(0.0))\n"
    "        1.0\n"
    '    """\n'
    "(np, fg, fnp, ag, nn and optim are predefined in doctests, see conftest.py). If the name is a helper "
    "imported into a public namespace, import it under a leading underscore instead."
)


def _import(name: str) -> types.ModuleType | None:
    """The module, or None when it does not exist or its optional dependency is missing."""
    try:
        if importlib.util.find_spec(name) is None:
            return None
    except ModuleNotFoundError:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:
        dep = next((d for m, d in OPTIONAL.items() if name == m or name.startswith(m + ".")), None)
        if dep is not None and importlib.util.find_spec(dep) is None:
            return None
        raise


def _public_names(module: types.ModuleType) -> list[str]:
    """Names in ``__all__``, and names not starting with ``_``: with an ``__all__``, only those the module
    defines itself (what it imports is an export only if listed; without ``__all__``, ``import *`` takes it)."""
    names = {n for n in dir(module) if not n.startswith("_")}
    exported = getattr(module, "__all__", None)
    if exported is not None:
        names = set(exported) | {n for n in names if getattr(getattr(module, n), "__module__", None) == module.__name__}
    return sorted(names)


def _ours(obj) -> bool:
    return (getattr(obj, "__module__", None) or "").split(".")[0] == "funcgrad"


def _location(obj) -> str:
    target = obj.fget if isinstance(obj, property) else obj
    try:
        path = inspect.getsourcefile(target)
        line = inspect.getsourcelines(target)[1]
    except (OSError, TypeError):
        return getattr(target, "__module__", "?")
    return f"{os.path.relpath(path)}:{line}"


def _members(cls: type):
    """``(name, function or property)`` for the public methods and properties ``cls`` defines."""
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if isinstance(value, property):
            if value.fget is not None and _ours(value.fget):
                yield name, value
        elif inspect.isfunction(value) and _ours(value):
            yield name, value


def public_objects(roots=ROOTS, method_namespaces=METHOD_NAMESPACES) -> dict:
    """``{qualified name: object}`` for every public function, class and (for ``method_namespaces``)
    method of the given namespaces, each object once (under the first name that reaches it)."""
    found: dict[str, object] = {}
    seen: set[int] = set()
    queue = list(roots)
    visited: set[str] = set()
    while queue:
        modname = queue.pop(0)
        if modname in visited:
            continue
        visited.add(modname)
        module = _import(modname)
        if module is None:
            continue
        exported = set(getattr(module, "__all__", ()))
        for name in _public_names(module):
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType):
                if name in exported and obj.__name__.startswith("funcgrad."):
                    queue.append(obj.__name__)  # submodules a namespace exports (fg.nn, fg.scipy.stats.norm)
                continue
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or not _ours(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            found[f"{modname}.{name}"] = obj
            if inspect.isclass(obj) and any(modname == m or modname.startswith(m + ".") for m in method_namespaces):
                for mname, member in _members(obj):
                    key = member.fget if isinstance(member, property) else member
                    if id(key) not in seen:
                        seen.add(id(key))
                        found[f"{modname}.{name}.{mname}"] = member
    return found


def _doc(obj) -> str:
    # the object's own docstring: inspect.getdoc would inherit a base class's
    return (obj.fget.__doc__ if isinstance(obj, property) else obj.__doc__) or ""


def _order(entry: str):
    path, _, line = entry.split()[0].partition(":")
    return path, int(line) if line.isdigit() else 0


def missing_examples(objects: dict) -> list[str]:
    """``"path:line  name"`` for each object without a ``>>>`` line, in file order."""
    return sorted((f"{_location(obj)}  {name}" for name, obj in objects.items() if ">>>" not in _doc(obj)), key=_order)


@pytest.fixture(scope="module")
def objects() -> dict:
    return public_objects()


def test_every_public_object_has_an_example(objects):
    missing = missing_examples(objects)
    assert not missing, (f"{len(missing)} of {len(objects)} public objects have no runnable example "
                         "(a '>>>' line) in their docstring:\n  " + "\n  ".join(missing) + "\n" + FIX)


def test_the_walk_reaches_the_public_api(objects):
    # the names the API contract promises, reached through their public namespaces
    expected = {"funcgrad.grad", "funcgrad.jit", "funcgrad.IR", "funcgrad.tree.map", "funcgrad.numpy.sin",
                "funcgrad.numpy.linalg.solve", "funcgrad.autograd.Tensor", "funcgrad.autograd.Tensor.backward",
                "funcgrad.autograd.Tensor.is_leaf",
                "funcgrad.nn.Module.parameters", "funcgrad.optim.SGD.step", "funcgrad.testing.check_grads"}
    assert expected <= set(objects), sorted(expected - set(objects))
    assert len(objects) > 400
    # NumPy's own objects re-exported by funcgrad.numpy (constants, dtypes) are not funcgrad's to document
    assert all(_ours(o.fget if isinstance(o, property) else o) for o in objects.values())


def test_a_missing_example_is_reported_with_its_location(tmp_path, monkeypatch):
    (tmp_path / "fg_doc_probe.py").write_text(
        "import numpy as np\n"
        "from json import dumps\n"
        "def documented():\n"
        '    """Has one.\n\n        >>> 1 + 1\n        2\n    """\n'
        "def undocumented():\n"
        '    """No example."""\n'
        "class Thing:\n"
        '    """A thing.\n\n        >>> Thing().method()\n    """\n'
        "    def method(self):\n"
        "        pass\n"
        "    @property\n"
        "    def value(self):\n"
        '        """A value.\n\n        >>> Thing().value\n        """\n'
        "    def _private(self):\n"
        "        pass\n"
        "def _hidden():\n"
        "    pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("fg_doc_probe")
    for obj in (module.documented, module.undocumented, module.Thing):
        obj.__module__ = "funcgrad.fg_doc_probe"  # as if defined in funcgrad
    for obj in (module.Thing.method, module.Thing.value.fget):
        obj.__module__ = "funcgrad.fg_doc_probe"
    try:
        objects = public_objects(roots=("fg_doc_probe",), method_namespaces=("fg_doc_probe",))
        # NumPy and the standard library's names are not funcgrad's; private names are skipped
        assert set(objects) == {"fg_doc_probe.documented", "fg_doc_probe.undocumented", "fg_doc_probe.Thing",
                                "fg_doc_probe.Thing.method", "fg_doc_probe.Thing.value"}
        missing = missing_examples(objects)
        assert [m.split()[-1] for m in missing] == ["fg_doc_probe.undocumented", "fg_doc_probe.Thing.method"]
        assert missing[0].split()[0].endswith("fg_doc_probe.py:9")
        # with __all__, an imported name is public only if listed there
        (tmp_path / "fg_doc_probe2.py").write_text(
            "from fg_doc_probe import undocumented as helper\n"
            "__all__ = ['listed']\n"
            "def listed():\n"
            '    """No example."""\n'
        )
        module2 = importlib.import_module("fg_doc_probe2")
        module2.listed.__module__ = "funcgrad.fg_doc_probe2"
        assert list(public_objects(roots=("fg_doc_probe2",))) == ["fg_doc_probe2.listed"]
    finally:
        sys.modules.pop("fg_doc_probe", None)
        sys.modules.pop("fg_doc_probe2", None)
