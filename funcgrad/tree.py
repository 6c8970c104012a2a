"""Pytrees: nested tuples, lists, dicts, namedtuples, ``None`` and registered classes.

    >>> import funcgrad as fg
    >>> leaves, treedef = fg.tree.flatten({"w": 1.0, "b": (2.0, None)})
    >>> leaves
    [2.0, 1.0]
    >>> fg.tree.unflatten(treedef, [x * 10 for x in leaves])
    {'b': (20.0, None), 'w': 10.0}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

_REGISTRY: dict[type, tuple[Callable, Callable]] = {}


def register(cls: type, flatten: Callable, unflatten: Callable) -> None:
    """Register ``cls`` as a pytree node.

    ``flatten(obj) -> (children, aux)``; ``unflatten(aux, children) -> obj``.

        >>> class Pair:
        ...     def __init__(self, a, b): self.a, self.b = a, b
        >>> register(Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch))
    """
    _REGISTRY[cls] = (flatten, unflatten)


class TreeDef(NamedTuple):
    """The structure of a pytree, without its leaves.

        >>> leaves, treedef = fg.tree.flatten({"a": 1, "b": (2, 3)})
        >>> treedef, treedef.num_leaves, treedef.unflatten([10, 20, 30])
        (dict(*, tuple(*, *)), 3, {'a': 10, 'b': (20, 30)})
    """

    kind: Any          # None for a leaf, else the node type
    aux: Any
    children: tuple

    @property
    def num_leaves(self) -> int:
        if self.kind is None:
            return 1
        return sum(c.num_leaves for c in self.children)

    def unflatten(self, leaves) -> Any:
        return unflatten(self, leaves)

    def __repr__(self) -> str:
        if self.kind is None:
            return "*"
        return f"{getattr(self.kind, '__name__', self.kind)}({', '.join(repr(c) for c in self.children)})"


LEAF = TreeDef(None, None, ())
_NONE = TreeDef(type(None), None, ())


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def _node(x: Any):
    """``(children, aux, kind)`` of a node, or ``None`` for a leaf."""
    t = type(x)
    if t is tuple or t is list:
        return x, None, t
    if t is dict:
        keys = sorted(x)
        return [x[k] for k in keys], tuple(keys), dict
    if x is None:
        return (), None, type(None)
    if _is_namedtuple(x):
        return tuple(x), None, t
    if t in _REGISTRY:
        children, aux = _REGISTRY[t][0](x)
        return children, aux, t
    return None


def flatten(tree: Any, is_leaf: Callable | None = None) -> tuple[list, TreeDef]:
    """``(leaves, treedef)`` of ``tree``, leaves in a canonical order.

        >>> fg.tree.flatten({"b": [1, 2], "a": None})
        ([1, 2], dict(NoneType(), list(*, *)))
    """
    if is_leaf is None:
        t = type(tree)
        if t is tuple and all(_node(c) is None for c in tree):  # the common (x, y, ...) of arrays
            return list(tree), TreeDef(tuple, None, (LEAF,) * len(tree))
        if t is not list and t is not dict and _node(tree) is None:
            return [tree], LEAF
    leaves: list = []

    def go(x):
        if is_leaf is not None and is_leaf(x):
            leaves.append(x)
            return LEAF
        node = _node(x)
        if node is None:
            leaves.append(x)
            return LEAF
        if node[2] is type(None):
            return _NONE
        children, aux, kind = node
        return TreeDef(kind, aux, tuple(go(c) for c in children))

    return leaves, go(tree)


def unflatten(treedef: TreeDef, leaves) -> Any:
    """Rebuild a pytree of ``treedef`` from ``leaves``.

        >>> leaves, treedef = fg.tree.flatten((1, [2, 3]))
        >>> fg.tree.unflatten(treedef, [x * 10 for x in leaves])
        (10, [20, 30])
    """
    if treedef is LEAF:
        return next(iter(leaves))
    it = iter(leaves)

    def go(td: TreeDef):
        if td.kind is None:
            return next(it)
        if td.kind is type(None):
            return None
        children = [go(c) for c in td.children]
        if td.kind is tuple:
            return tuple(children)
        if td.kind is list:
            return children
        if td.kind is dict:
            return dict(zip(td.aux, children))
        if td.kind in _REGISTRY:
            return _REGISTRY[td.kind][1](td.aux, children)
        return td.kind(*children)  # namedtuple

    return go(treedef)


def leaves(tree: Any, is_leaf: Callable | None = None) -> list:
    """The leaves of ``tree``.

        >>> fg.tree.leaves({"w": np.zeros(2), "b": 0.5})
        [0.5, array([0., 0.])]
    """
    return flatten(tree, is_leaf)[0]


def structure(tree: Any) -> TreeDef:
    """The :class:`TreeDef` of ``tree``.

        >>> fg.tree.structure((1, {"x": 2}))
        tuple(*, dict(*))
    """
    return flatten(tree)[1]


def map(f: Callable, tree: Any, *rest: Any, is_leaf: Callable | None = None) -> Any:
    """Apply ``f`` leafwise to one or more pytrees of the same structure.

        >>> map(lambda a, b: a + b, (1, [2]), (10, [20]))
        (11, [22])
    """
    xs, td = flatten(tree, is_leaf)
    others = []
    for r in rest:
        ys, td2 = flatten(r, is_leaf)
        if td2 != td:
            raise ValueError(f"tree.map: structures differ: {td} and {td2}")
        others.append(ys)
    return unflatten(td, [f(*args) for args in zip(xs, *others)])


tree_map, tree_leaves, tree_flatten, tree_unflatten = map, leaves, flatten, unflatten
