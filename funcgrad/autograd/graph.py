"""The dynamic graph behind tensors, and the engine that runs backward on it.

Each recorded operation is a :class:`Node`: one equation of the IR (primitive,
params, inputs) with the values it saw. ``backward`` collects the nodes that
reach the outputs, orders them, and hands them to the same reverse pass and the
same vjp rules that :func:`funcgrad.grad` uses.
"""

from __future__ import annotations

import contextvars
import numpy as np

from funcgrad.transforms.reverse import backward_pass

# while a create_graph backward runs, nodes hand out tensors (so rules are recorded)
_as_tensors: contextvars.ContextVar[bool] = contextvars.ContextVar("funcgrad_as_tensors", default=False)

_TORCH_NAMES = {
    "add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "neg": "Neg", "reduce_sum": "Sum",
    "reduce_mean": "Mean", "reduce_max": "Max", "reduce_min": "Min", "reduce_prod": "Prod", "dot_general": "Mm",
    "getitem": "Index", "reshape": "View", "transpose": "Permute", "broadcast_to": "Expand",
    "concatenate": "Cat", "select": "Where", "logistic": "Sigmoid", "convert": "ToCopy", "scatter_set": "IndexPut",
    "scatter_add": "IndexAdd", "maximum": "Maximum", "minimum": "Minimum", "safe_mul": "Mul", "pad": "ConstantPad",
    "arcsin": "Asin", "arccos": "Acos", "arctan": "Atan", "arcsinh": "Asinh", "arccosh": "Acosh",
    "arctanh": "Atanh", "arctan2": "Atan2", "logaddexp": "Logaddexp", "cumsum": "Cumsum", "cumprod": "Cumprod",
    "inv": "LinalgInv", "solve": "LinalgSolve", "det": "LinalgDet", "slogdet": "LinalgSlogdet",
    "cholesky": "LinalgCholesky", "eigh": "LinalgEigh", "svd": "LinalgSvd", "qr": "LinalgQr", "eig": "LinalgEig",
    "pinv": "LinalgPinv",
}


def backward_name(prim, params) -> str:
    """PyTorch's name for the node of ``prim`` (``MulBackward0``)."""
    if prim.name == "dot_general":
        return "BmmBackward0" if params["batch"][0] else "MmBackward0"
    if prim.name == "transpose" and len(params["perm"]) == 2:
        return "TBackward0"
    base = _TORCH_NAMES.get(prim.name) or "".join(w.capitalize() for w in prim.name.split("_"))
    return f"{base}Backward0"


class AccumulateGrad:
    """The graph node of a leaf tensor that requires grad: gradients accumulate into ``variable.grad``."""

    __slots__ = ("variable", "__weakref__")

    def __init__(self, variable):
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple:
        return ()

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


class Node:
    """One recorded operation (``grad_fn``). Holds what its vjp rules need."""

    # rarely set attributes (``freed``, ``retained``) live in the instance dict, created on first use
    __slots__ = ("prim", "params", "in_keys", "args", "vals", "versions", "out", "out_ref", "__dict__", "__weakref__")
    freed = False
    retained = None
    torch_name = None  # set where a tensor method has PyTorch's name for the node (``ReluBackward0``)

    def __init__(self, prim, params, in_keys, args, vals, versions, out, out_ref=None):
        self.prim = prim
        self.params = params
        self.in_keys = in_keys
        self.args = args
        self.vals = vals
        self.versions = versions
        self.out = out
        self.out_ref = out_ref

    @property
    def out_key(self) -> Node:
        return self

    # --- what backward_pass reads
    @property
    def ins(self) -> list:
        if self.freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access saved tensors after they "
                "have already been freed). Saved intermediate values of the graph are freed when you call "
                ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
                "graph a second time or if you need to access saved tensors after calling backward.")
        if self.versions is not None:
            self._check_versions()
        if _as_tensors.get():
            return self.args
        return self.vals

    def _check_versions(self) -> None:
        for a, v in zip(self.args, self.versions):
            if v is not None and a._version != v:
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: [{a.dtype} tensor of shape {list(a.shape)}], which is output 0 of "
                    f"{backward_name(self.prim, self.params)}, is at version {a._version}; expected version "
                    f"{v} instead.")

    def check_output(self) -> None:
        """Raise if the output saved for backward was modified in place."""
        t = self.out_ref() if self.out_ref is not None else None
        if t is not None and t._version and t._value is self.out:
            raise RuntimeError(
                f"one of the variables needed for gradient computation has been modified by an inplace operation: "
                f"[{t.dtype} tensor of shape {list(t.shape)}], which is output 0 of {self.name()}, is at version "
                f"{t._version}; expected version 0 instead.")

    # --- PyTorch's view
    def name(self) -> str:
        return self.torch_name or backward_name(self.prim, self.params)

    @property
    def next_functions(self) -> tuple:
        return tuple((k, 0) for k in self.in_keys)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"


class OutputKey:
    """The ``grad_fn`` of one output of a node with several outputs (a custom ``Function``):
    cotangents are kept per output, under this key; ``node`` is the node that made it."""

    __slots__ = ("node", "index", "retained", "__weakref__")

    def __init__(self, node: Node, index: int):
        self.node, self.index, self.retained = node, index, None

    def name(self) -> str:
        return self.node.name()

    @property
    def next_functions(self) -> tuple:
        return self.node.next_functions

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self.node):#x}>"


class MultiOutputNode(Node):
    """The node of a primitive with several outputs (``eigh``, ``svd``, ``cond``, ...): each output's
    ``grad_fn`` is one :class:`OutputKey`, and cotangents are kept per output."""

    __slots__ = ()

    @property
    def out_key(self) -> tuple:
        return self.__dict__["keys"]

    @property
    def retained(self):
        return next((k.retained for k in self.out_key if k.retained is not None), None)


class _TensorEntry:
    """A node as the reverse pass sees it while building a graph: saved values as tensors."""

    __slots__ = ("prim", "params", "in_keys", "ins", "out_key", "out")

    def __init__(self, node: Node):
        from funcgrad.autograd.tensor import Tensor

        self.prim, self.params, self.in_keys, self.out_key = node.prim, node.params, node.in_keys, node.out_key
        self.ins = node.ins
        if type(self.out_key) is tuple:
            self.out = tuple(Tensor._from_node(v, k) for v, k in zip(node.out, self.out_key))
        else:
            self.out = Tensor._from_node(node.out, node)


def _node_of(key) -> Node | None:
    """The node behind a graph key (``None`` for leaves and constants)."""
    if type(key) is Node:
        return key
    if type(key) is OutputKey:
        return key.node
    return key if isinstance(key, Node) else None


def _topo(roots) -> list[Node]:
    """Nodes reachable from ``roots``, producers before consumers."""
    order: list[Node] = []
    seen: set[Node] = set()
    stack = [(n, False) for n in map(_node_of, roots) if n is not None]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif node not in seen:
            seen.add(node)
            stack.append((node, True))
            for k in node.in_keys:
                n = k if type(k) is Node else _node_of(k)
                if n is not None and n not in seen:
                    stack.append((n, False))
    return order


def run_backward(roots: list, grads: list, retain_graph: bool, create_graph: bool, capture=None) -> dict:
    """Propagate ``grads`` from the ``roots`` keys; returns the cotangents left at leaves.

    ``capture`` maps node keys whose cotangent should be kept (``autograd.grad`` inputs
    that are not leaves, ``retain_grad`` tensors) to a dict filled in place.
    """
    from funcgrad.core.trace import reset_trace, set_trace
    from funcgrad.autograd.tensor import TENSOR_TRACE

    nodes = _topo(roots)
    cts: dict = {}
    for k, g in zip(roots, grads):
        cts[k] = g if k not in cts else cts[k] + g
    captured = capture if capture is not None else {}
    retained = [n for n in nodes if n.retained is not None]

    def on_key(key, g):
        if key in captured:
            captured[key] = g
        if key.retained is not None:
            t = key.retained()
            if t is not None and g is not None:
                _store_grad(t, g, create_graph)

    def on_entry(entry, g):
        key = entry.out_key
        if type(key) is tuple:
            for k, gk in zip(key, g):
                on_key(k, gk)
        else:
            on_key(key, g)

    token_mode = _as_tensors.set(create_graph)
    token_trace = set_trace(TENSOR_TRACE) if create_graph else None
    try:
        for n in nodes:
            if n.out_ref is not None:
                n.check_output()
        backward_pass([_TensorEntry(n) for n in nodes] if create_graph else nodes, cts,
                      on_entry=on_entry if captured or retained else None)
    finally:
        if token_trace is not None:
            reset_trace(token_trace)
        _as_tensors.reset(token_mode)
    if not retain_graph:
        for n in nodes:
            n.freed = True
            n.args = n.vals = ()
    return cts


def _store_grad(t, g, create_graph: bool) -> None:
    """Accumulate ``g`` into ``t.grad`` (in place unless building a graph)."""
    from funcgrad.autograd.tensor import Tensor

    if isinstance(g, Tensor) and not create_graph:
        g = g._value
    if t.grad is None:
        t.grad = g if isinstance(g, Tensor) else Tensor._make(np.array(g, dtype=t.dtype, copy=True), False, None)
    elif create_graph or isinstance(g, Tensor):
        t.grad = t.grad + g
    else:
        t.grad._value = np.asarray(t.grad._value + g)


def accumulate_leaf_grads(cts: dict, create_graph: bool) -> None:
    for k, g in cts.items():
        if isinstance(k, AccumulateGrad) and g is not None:
            _store_grad(k.variable, g, create_graph)

