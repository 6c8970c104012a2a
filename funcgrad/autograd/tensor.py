"""``Tensor``: a NumPy array that records the operations applied to it.

Tensors are the values of one trace, :data:`TENSOR_TRACE`: a primitive applied to
tensors runs through the same dispatch point as everything else and, when an
input requires grad, records a :class:`~funcgrad.autograd.graph.Node` — one
equation of the IR. ``backward()`` runs the shared reverse pass over those nodes.

    >>> from funcgrad import autograd as ag
    >>> x = ag.tensor(2.0, requires_grad=True)
    >>> y = x ** 2
    >>> y.backward()
    >>> x.grad
    tensor(4.)
"""

from __future__ import annotations

import weakref
from typing import Any, NamedTuple

import numpy as np

from funcgrad import ops
from funcgrad.autograd.grad_mode import is_grad_enabled
from funcgrad.autograd.graph import AccumulateGrad, MultiOutputNode, Node, OutputKey
from funcgrad.core.primitive import REGISTRY
from funcgrad.numpy.dispatch import DIRECT_UFUNCS
from funcgrad.core.trace import EVAL, Trace, Tracer, base_trace, current_trace, dispatch, reset_trace, set_trace

# primitives whose vjp rules read only shapes: their saved inputs need no version check
_SHAPE_ONLY = frozenset(REGISTRY[name] for name in (
    "add", "sub", "neg", "reshape", "transpose", "broadcast_to", "reduce_sum", "reduce_mean", "concatenate", "pad",
    "getitem", "scatter_add", "cumsum", "convert"))
# piecewise-constant primitives (not differentiable, but given a zero vjp rule in ops): as in PyTorch,
# their float results require grad, with zero derivative
_ZERO_GRAD = frozenset(p for p in REGISTRY.values() if not p.differentiable and p.vjp is not None)


class TensorTrace(Trace):
    """The trace whose values are tensors: primitives become recorded tensor operations."""

    __slots__ = ()
    is_base = True  # transforms stacked on it compute on tensors, so a backward pass builds a graph

    def __init__(self):
        super().__init__(EVAL)

    def process(self, prim, args, params):
        return _record(prim, args, params)


TENSOR_TRACE = TensorTrace()


def apply(prim, args, params) -> Any:
    """Apply ``prim`` to tensors (and constants), recording a node when grad is required.

        >>> from funcgrad import ops
        >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
        >>> ag.apply(ops.mul, (x, x), {})
        tensor([1., 4.], grad_fn=<MulBackward0>)
    """
    trace = current_trace()
    if trace is not EVAL and trace is not TENSOR_TRACE:  # inside a functional transform
        if not any(type(a) is Tensor and isinstance(a._value, Tracer) for a in args):
            # concrete tensors are values of the trace below: the transform passes them down as constants
            return trace.process(prim, args, params)
        # tensors wrapping traced values (a user's function under ag.functional): unwrap, and wrap the result
        out = trace.process(prim, [a._value if type(a) is Tensor and isinstance(a._value, Tracer) else a
                                   for a in args], params)
        return tuple(map(Tensor._wrap, out)) if prim.multiple_results else Tensor._wrap(out)
    return _record(prim, args, params)


def _record(prim, args, params) -> Any:
    """Run ``prim`` on the tensors' values; record a node if an input requires grad."""
    needs = False
    vals = []
    keys = []
    for a in args:
        if type(a) is Tensor:
            vals.append(a._value)
            if a.requires_grad:
                needs = True
                keys.append(a.grad_fn or a._key())
                continue
        else:
            vals.append(a)
        keys.append(None)
    out = dispatch(prim, vals, params)
    needs = needs and (prim.differentiable or prim in _ZERO_GRAD) and is_grad_enabled()
    if prim.multiple_results:
        out = tuple(o if type(o) is np.ndarray else np.asarray(o) for o in out)
        if not needs:
            return tuple(Tensor._make(o, False, None) for o in out)
        node = MultiOutputNode(prim, params, keys, args, vals, [a._vc[0] if type(a) is Tensor else None
                                                                for a in args], out)
        node.keys = tuple(OutputKey(node, i) for i in range(len(out)))
        return tuple(Tensor._make(o, True, k) if np.issubdtype(o.dtype, np.inexact) else Tensor._make(o, False, None)
                     for o, k in zip(out, node.keys))
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if not needs:
        return Tensor._make(out, False, None)
    if prim in _SHAPE_ONLY:
        return Tensor._make(out, True, Node(prim, params, keys, args, vals, None, out))
    node = Node(prim, params, keys, args, vals, [a._vc[0] if type(a) is Tensor else None for a in args], out)
    result = Tensor._make(out, True, node)
    node.out_ref = weakref.ref(result)
    return result


_NO_PARAMS: dict = {}
_ALL_AXES: dict = {}  # (ndim, keepdims) -> params of a reduction over every axis


def _unwrap(x: Any) -> Any:
    return x._value if type(x) is Tensor else x


def _call(fn, *args, **kwargs):
    """Run a ``funcgrad.numpy`` function with tensors as values of the tensor trace.

    Inside a functional transform, tensors wrap traced values: they are unwrapped,
    and the results wrapped again."""
    trace = current_trace()
    if trace is EVAL:
        token = set_trace(TENSOR_TRACE)
        try:
            return fn(*args, **kwargs)
        finally:
            reset_trace(token)
    if trace is TENSOR_TRACE:
        return fn(*args, **kwargs)
    from funcgrad import tree

    is_tensor = lambda x: type(x) is Tensor  # noqa: E731
    args, kwargs = tree.map(lambda x: x._value if is_tensor(x) else x, (args, kwargs), is_leaf=is_tensor)
    out = fn(*args, **kwargs)
    return tree.map(lambda x: Tensor._wrap(x) if isinstance(x, Tracer | np.ndarray | np.generic) else x, out)


def _shape_arg(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple | list) else tuple(shape)


class MaxMin(NamedTuple):
    """``(values, indices)``, as returned by ``max(dim=...)`` / ``min(dim=...)``."""

    values: Tensor
    indices: Tensor


class Tensor:
    """An array that records operations for ``backward()`` (PyTorch semantics).

        >>> x = ag.Tensor([1.0, 2.0], requires_grad=True)
        >>> (x * x).sum().backward(); x.grad
        tensor([2., 4.])
    """

    # ``_vc`` is the version counter, a one-element list shared by tensors that share memory (``detach``)
    __slots__ = ("_value", "requires_grad", "grad", "grad_fn", "_vc", "_acc", "__weakref__")
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None):
        value = np.array(_unwrap(data), dtype=dtype)
        self._value = value
        self.requires_grad = False
        self.grad = None
        self.grad_fn = None
        self._vc = [0]
        self._acc = None
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(value: np.ndarray, requires_grad: bool, grad_fn, vc: list | None = None) -> Tensor:
        t = object.__new__(Tensor)
        t._value = value
        t.requires_grad = requires_grad
        t.grad = None
        t.grad_fn = grad_fn
        t._vc = [0] if vc is None else vc
        t._acc = None
        return t

    @property
    def _version(self) -> int:
        """How many times the values were changed in place (shared with detached tensors)."""
        return self._vc[0]

    @_version.setter
    def _version(self, value: int) -> None:
        self._vc[0] = value

    @staticmethod
    def _wrap(value: Any) -> Tensor:
        if type(value) is Tensor:
            return value
        if not isinstance(value, Tracer | np.ndarray):
            value = np.asarray(value)
        return Tensor._make(value, False, None)

    @staticmethod
    def _from_node(value: Any, node: Node) -> Tensor:
        return Tensor._make(value, True, node)

    def _key(self):
        if self.grad_fn is not None:
            return self.grad_fn
        if self._acc is None:
            self._acc = AccumulateGrad(self)
        return self._acc

    def __funcgrad_value__(self):
        return self if base_trace(current_trace()) is TENSOR_TRACE else self._value

    # ------------------------------------------------------------------ properties
    @property
    def data(self) -> Tensor:
        """The values, detached from the graph (shares memory).

            >>> x = ag.tensor([1.0], requires_grad=True)
            >>> x.data, x.data.requires_grad
            (tensor([1.]), False)
        """
        return Tensor._make(self._value, False, None, self._vc)

    @data.setter
    def data(self, other: Any) -> None:
        self._value = np.asarray(_unwrap(other))

    @property
    def is_leaf(self) -> bool:
        """Whether the tensor was made by the user (no ``grad_fn``), not by a recorded operation.

            >>> x = ag.tensor(1.0, requires_grad=True)
            >>> x.is_leaf, (x * 2).is_leaf
            (True, False)
        """
        return self.grad_fn is None

    @property
    def shape(self) -> tuple:
        """The shape, a tuple (``size()`` in PyTorch's spelling).

            >>> ag.zeros(2, 3).shape
            (2, 3)
        """
        return self._value.shape

    @property
    def dtype(self) -> np.dtype:
        """The NumPy dtype of the values.

            >>> ag.tensor([1.0]).dtype, ag.tensor([1]).dtype
            (dtype('float64'), dtype('int64'))
        """
        return self._value.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions.

            >>> ag.zeros(2, 3).ndim
            2
        """
        return len(self._value.shape)

    @property
    def T(self) -> Tensor:
        """The dimensions reversed (the transpose of a matrix).

            >>> ag.tensor([[1.0, 2.0]]).T
            tensor([[1.],
                    [2.]])
        """
        return self.permute(*range(self.ndim - 1, -1, -1))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (a stack of matrices transposed).

            >>> ag.zeros(5, 2, 3).mT.shape
            (5, 3, 2)
        """
        return self.transpose(-2, -1)

    def size(self, dim: int | None = None):
        return self.shape if dim is None else self.shape[dim]

    def dim(self) -> int:
        return self.ndim

    def numel(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __hash__(self) -> int:
        return id(self)

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values as a NumPy array (works on tensors that require grad).

            >>> ag.tensor([1.0, 2.0], requires_grad=True).numpy()
            array([1., 2.])
        """
        if isinstance(self._value, Tracer):
            raise TypeError("numpy() of a tensor inside a functional transform: its value is being traced")
        return self._value

    def item(self) -> Any:
        if self.numel() != 1:
            raise RuntimeError(f"a Tensor with {self.numel()} elements cannot be converted to Scalar")
        return self._value.item() if isinstance(self._value, np.ndarray) else self._value.item()

    def tolist(self) -> Any:
        return np.asarray(self._value).tolist()

    def __float__(self) -> float:
        if self._value.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self) -> int:
        if self._value.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __index__(self) -> int:
        return int(np.asarray(self._value).__index__())

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self._value)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._value, dtype=dtype)

    def __repr__(self) -> str:
        v = self._value
        if isinstance(v, Tracer):
            return f"tensor({v!r})"
        body = np.array2string(v, separator=", ", prefix="tensor(", precision=4)
        extra = []
        if v.dtype not in (np.float64, np.int64, np.bool_):
            extra.append(f"dtype={v.dtype.name}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    __str__ = __repr__

    # ------------------------------------------------------------------ autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this leaf records operations.

            >>> x = ag.zeros(2).requires_grad_()
            >>> x.requires_grad
            True
        """
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                               "computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if requires_grad and not np.issubdtype(self.dtype, np.inexact):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward.

            >>> x = ag.tensor(2.0, requires_grad=True)
            >>> y = x * x; y.retain_grad()
            >>> (3 * y).backward(); y.grad, x.grad
            (tensor(3.), tensor(12.))
        """
        if self.grad_fn is not None:
            self.grad_fn.retained = weakref.ref(self)

    def detach(self) -> Tensor:
        """A tensor with the same values that does not require grad (shares memory and the version counter).

            >>> from funcgrad import autograd as ag
            >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
            >>> x.detach().requires_grad
            False
        """
        return Tensor._make(self._value, False, None, self._vc)

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph, in place: it becomes a leaf that does not require grad.

            >>> y = ag.tensor(1.0, requires_grad=True) * 2
            >>> y.detach_().is_leaf, y.requires_grad
            (True, False)
        """
        self.grad_fn = None
        self.requires_grad = False
        return self

    def backward(self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs: Any = None) -> None:
        """Accumulate the gradient of this tensor into the ``.grad`` of the leaves.

            >>> x = ag.tensor([1.0, 2.0], requires_grad=True)
            >>> (x ** 2).sum().backward()
            >>> x.grad
            tensor([2., 4.])
        """
        from funcgrad.autograd.engine import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    # ------------------------------------------------------------------ in place
    def _inplace(self, fn, *others) -> Tensor:
        """Replace the values by ``fn(self, *others)``, with PyTorch's rules for graphs."""
        recording = is_grad_enabled() and (self.requires_grad or any(
            type(o) is Tensor and o.requires_grad for o in others))
        if recording and self.is_leaf and self.requires_grad:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if recording:
            before = Tensor._make(self._value, self.requires_grad, self.grad_fn)
            before._acc = self._acc
            new = _call(fn, before, *others)
            if new.shape != self.shape:
                raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                                   f"{list(new.shape)}")
            self._value = new._value.astype(self.dtype, copy=False)
            self.grad_fn, self.requires_grad = new.grad_fn, True
        else:
            with _no_record():
                new = _call(fn, self.detach(), *[o.detach() if type(o) is Tensor else o for o in others])
            if not np.can_cast(new.dtype, self.dtype, casting="same_kind"):
                raise RuntimeError(f"result type {_torch_dtype_name(new.dtype)} can't be cast to the desired output "
                                   f"type {_torch_dtype_name(self.dtype)}")
            try:
                np.copyto(self._value, np.broadcast_to(new._value, self.shape), casting="same_kind")
            except ValueError:
                raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                                   f"{list(new.shape)}") from None
        self._version += 1
        return self

    def __iadd__(self, o): return self._inplace(lambda a, b: a + b, o)
    def __isub__(self, o): return self._inplace(lambda a, b: a - b, o)
    def __imul__(self, o): return self._inplace(lambda a, b: a * b, o)
    def __itruediv__(self, o): return self._inplace(lambda a, b: a / b, o)

    def add_(self, other, alpha=1):
        """``self += alpha * other``, in place.

            >>> x = ag.zeros(2)
            >>> x.add_(ag.ones(2), alpha=3)
            tensor([3., 3.])
        """
        return self._inplace(lambda a, b: a + b * alpha if alpha != 1 else a + b, other)
    def sub_(self, other, alpha=1):
        """``self -= alpha * other``, in place.

            >>> x = ag.zeros(2)
            >>> x.sub_(ag.ones(2))
            tensor([-1., -1.])
        """
        return self._inplace(lambda a, b: a - b * alpha if alpha != 1 else a - b, other)
    def mul_(self, other):
        """``self *= other``, in place.

            >>> ag.ones(2).mul_(5.0)
            tensor([5., 5.])
        """
        return self._inplace(lambda a, b: a * b, other)
    def div_(self, other):
        """``self /= other``, in place.

            >>> ag.ones(2).div_(4.0)
            tensor([0.25, 0.25])
        """
        return self._inplace(lambda a, b: a / b, other)
    def clamp_(self, min=None, max=None):
        """:meth:`clamp`, in place.

            >>> ag.tensor([-2.0, 0.5, 3.0]).clamp_(0.0, 1.0)
            tensor([0. , 0.5, 1. ])
        """
        return self._inplace(lambda a: a.clamp(min, max))

    def zero_(self) -> Tensor:
        """Set every element to zero, in place.

            >>> ag.ones(2).zero_()
            tensor([0., 0.])
        """
        return self.fill_(0)

    def fill_(self, value) -> Tensor:
        """Set every element to ``value``, in place.

            >>> ag.zeros(2).fill_(7.0)
            tensor([7., 7.])
        """
        return self._inplace(lambda a: a * 0 + value)

    def copy_(self, src) -> Tensor:
        """Copy ``src``'s values into this tensor, in place.

            >>> ag.zeros(2).copy_(ag.tensor([1.0, 2.0]))
            tensor([1., 2.])
        """
        return self._inplace(lambda a, b: a * 0 + b, src)

    def __setitem__(self, key, value) -> None:
        self._inplace(lambda a, v: _call(_set_index, a, key, v), value)

    # ------------------------------------------------------------------ operators
    def __neg__(self): return apply(ops.neg, (self,), {})
    def __pos__(self): return self
    def __abs__(self): return apply(ops.abs, (self,), {})
    def __add__(self, o): return apply(ops.add, (self, o), {})
    def __radd__(self, o): return apply(ops.add, (self, o), {})  # PyTorch records self first
    def __sub__(self, o): return apply(ops.sub, (self, o), {})
    def __rsub__(self, o): return apply(ops.sub, (o, self), {})
    def __mul__(self, o): return apply(ops.mul, (self, o), {})
    def __rmul__(self, o): return apply(ops.mul, (self, o), {})
    def __truediv__(self, o): return apply(ops.div, (self, o), {})
    def __rtruediv__(self, o): return apply(ops.div, (o, self), {})
    def __pow__(self, o):
        out = apply(ops.pow, (self, o), _NO_PARAMS)
        return _named(out, "PowBackward1") if type(o) is Tensor else out
    def __rpow__(self, o): return _named(apply(ops.pow, (o, self), _NO_PARAMS), "PowBackward2")
    def __floordiv__(self, o): return apply(ops.floor_divide, (self, o), {})
    def __mod__(self, o): return apply(ops.mod, (self, o), {})
    def __matmul__(self, o): return _matmul(self, o)
    def __rmatmul__(self, o): return _matmul(o, self)
    def __lt__(self, o): return apply(ops.less, (self, o), {})
    def __le__(self, o): return apply(ops.less_equal, (self, o), {})
    def __gt__(self, o): return apply(ops.greater, (self, o), {})
    def __ge__(self, o): return apply(ops.greater_equal, (self, o), {})
    def __eq__(self, o): return apply(ops.equal, (self, o), {})
    def __ne__(self, o): return apply(ops.not_equal, (self, o), {})
    def __invert__(self): return apply(ops.logical_not, (self,), {})
    def __and__(self, o): return apply(ops.logical_and, (self, o), {})
    def __or__(self, o): return apply(ops.logical_or, (self, o), {})
    def __getitem__(self, key):
        out = _call(_fnp().getitem, self, _unwrap_key(key))
        keys = key if isinstance(key, tuple) else (key,)
        if all(isinstance(k, int | slice) or k is None or k is Ellipsis for k in keys):
            name = ("SelectBackward0" if any(isinstance(k, int) for k in keys) else
                    "AliasBackward0" if all(k is Ellipsis for k in keys) else "SliceBackward0")
            return _fresh(out, self, name)
        return out

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        prim = DIRECT_UFUNCS.get(ufunc)  # np.sin(t) goes straight to apply
        if prim is not None and method == "__call__" and not kwargs:
            return apply(prim, inputs, _NO_PARAMS)
        return _call(_fnp().dispatch_ufunc, ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _call(_fnp().dispatch_function, func, args, kwargs)

    # ------------------------------------------------------------------ methods
    def eq(self, o): return self == o
    def ne(self, o): return self != o
    def lt(self, o): return self < o
    def le(self, o): return self <= o
    def gt(self, o): return self > o
    def ge(self, o): return self >= o
    def add(self, o, alpha=1): return self + o * alpha if alpha != 1 else self + o
    def sub(self, o, alpha=1): return self - o * alpha if alpha != 1 else self - o
    def mul(self, o): return self * o
    def div(self, o): return self / o
    def pow(self, o): return self ** o
    def neg(self): return -self
    def matmul(self, o): return self @ o
    def mm(self, o): return self @ o
    def dot(self, o): return self @ o

    def _unary(name):  # noqa: N805
        prim = REGISTRY.get(name)
        if prim is not None:
            def method(self):
                return apply(prim, (self,), _NO_PARAMS)
        else:
            def method(self):
                return _call(getattr(_fnp(), name), self)

        method.__name__ = name
        return method

    sin, cos, tan, exp, log, sqrt, tanh = map(_unary, ("sin", "cos", "tan", "exp", "log", "sqrt", "tanh"))
    abs, sign, floor, ceil, log1p, expm1, asin, acos, atan = map(_unary, (
        "abs", "sign", "floor", "ceil", "log1p", "expm1", "arcsin", "arccos", "arctan"))
    square, reciprocal, sinh, cosh, log2, log10, exp2, round, trunc = map(_unary, (
        "square", "reciprocal", "sinh", "cosh", "log2", "log10", "exp2", "round", "trunc"))
    isnan, isinf, isfinite, logical_not = map(_unary, ("isnan", "isinf", "isfinite", "logical_not"))
    del _unary

    def sigmoid(self): return apply(ops.logistic, (self,), {})
    def relu(self): return apply(ops.relu, (self,), _NO_PARAMS)

    def clamp(self, min=None, max=None):
        """Values limited to ``[min, max]``; as in PyTorch, the derivative is 1 on the closed interval."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        lo, hi = _unwrap(min), _unwrap(max)
        v = self._value
        inside = np.ones(v.shape, bool)
        bound = np.zeros((), v.dtype)
        if lo is not None:
            inside &= v >= lo
            bound = np.where(v < lo, lo, bound)
        if hi is not None:
            inside &= v <= hi
            bound = np.where(v > hi, hi, bound)
        return _named(apply(ops.select, (inside, self, np.asarray(bound, v.dtype)), _NO_PARAMS), "ClampBackward1")

    def clamp_min(self, min): return self.clamp(min=min)
    def clamp_max(self, max): return self.clamp(max=max)
    clip = clamp

    def _total(self, prim, name, dim, keepdim, dtype):
        """``sum``/``mean``: over every axis straight to ``prim`` (the common ``x.sum()``), else via NumPy's layer."""
        v = self._value
        if dim is None and dtype is None and v.ndim and v.dtype.kind in "fc":
            key = (v.ndim, bool(keepdim))
            params = _ALL_AXES.get(key)
            if params is None:
                params = _ALL_AXES[key] = {"axes": tuple(range(key[0])), "keepdims": key[1]}
            return apply(prim, (self,), params)
        out = _call(getattr(_fnp(), name), self, _dim(dim), dtype, keepdims=keepdim)
        return _fresh(out, self, name.capitalize() + ("Backward0" if dim is None else "Backward1"), view=False)

    # reductions take PyTorch's ``dim``/``keepdim`` or NumPy's ``axis``/``keepdims``, as torch does
    def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        return self._total(ops.reduce_sum, "sum", dim, keepdim, dtype)

    def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        if axis is not None or keepdims is not None:
            dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        return self._total(ops.reduce_mean, "mean", dim, keepdim, dtype)

    def prod(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None):
        dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        return _call(_fnp().prod, self, dim, dtype, keepdims=keepdim)

    def var(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, keepdims=None):
        dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        ddof = correction if correction is not None else int(unbiased)
        return _call(_fnp().var, self, dim, ddof=ddof, keepdims=keepdim)

    def std(self, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None, keepdims=None):
        dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        ddof = correction if correction is not None else int(unbiased)
        return _call(_fnp().std, self, dim, ddof=ddof, keepdims=keepdim)

    def _extremum(self, reduce, arg, dim, keepdim, other):
        if isinstance(dim, Tensor):
            other, dim = dim, None
        if other is not None:
            return apply(ops.maximum if reduce == "max" else ops.minimum, (self, other), {})
        name = "MaxBackward" if reduce == "max" else "MinBackward"
        if dim is None:
            return _named(_call(getattr(_fnp(), reduce), self), name + "1")
        # as in PyTorch, the derivative goes to the returned index alone (ties are not shared)
        fnp = _fnp()
        indices = _call(getattr(fnp, arg), self.detach(), dim, keepdims=True)
        values = _call(fnp.take_along_axis, self, indices._value, dim)
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        return MaxMin(_named(values, name + "0"), indices)

    def max(self, dim=None, keepdim=False, other=None, *, axis=None, keepdims=None):
        """The maximum; along ``dim``, the pair ``(values, indices)``; with a tensor, the elementwise maximum."""
        dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        return self._extremum("max", "argmax", dim, keepdim, other)

    def min(self, dim=None, keepdim=False, other=None, *, axis=None, keepdims=None):
        dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        return self._extremum("min", "argmin", dim, keepdim, other)

    def _axis_reduction(name):  # noqa: N805
        def method(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
            dim, keepdim = _dims(dim, keepdim, axis, keepdims)
            return _call(getattr(_fnp(), name), self, dim, keepdims=keepdim)

        method.__name__ = name
        return method

    amax, amin, argmax, argmin, all, any = map(_axis_reduction, ("amax", "amin", "argmax", "argmin", "all", "any"))
    del _axis_reduction

    def logsumexp(self, dim, keepdim=False, *, axis=None, keepdims=None):
        dim, keepdim = _dims(dim, keepdim, axis, keepdims)
        m = self.amax(dim, keepdim=True).detach()
        s = (self - m).exp().sum(dim, keepdim=keepdim).log()
        return _named(s + (m if keepdim else m.reshape(s.shape)), "LogsumexpBackward0")

    def cumsum(self, dim=None, *, axis=None): return _call(_fnp().cumsum, self, dim if axis is None else axis)
    def cumprod(self, dim=None, *, axis=None): return _call(_fnp().cumprod, self, dim if axis is None else axis)

    def norm(self, p="fro", dim=None, keepdim=False):
        """``torch.norm``: ``'fro'``/2 (all elements or ``dim``), or a vector p-norm."""
        if p in ("fro", 2, 2.0, None) and not (dim is not None and not isinstance(dim, int) and p == 2):
            sq = (self * self).sum(dim, keepdim)
            zero = sq._value == 0  # as in PyTorch, the derivative at the zero vector is zero, not NaN
            safe = apply(ops.select, (zero, 1.0, sq), _NO_PARAMS) if zero.any() else sq
            out = safe.sqrt() * (~zero) if zero.any() else safe.sqrt()
            return _named(out, "LinalgVectorNormBackward0")
        x = self if dim is not None else self.reshape(-1)
        out = _call(_fnp().linalg.norm, x, p, _dim(dim) if dim is not None else 0, keepdim)
        return _named(out, "LinalgVectorNormBackward0")

    def softmax(self, dim):
        e = (self - self.amax(dim, keepdim=True).detach()).exp()
        return _named(e / e.sum(dim, keepdim=True), "SoftmaxBackward0")

    def log_softmax(self, dim):
        shifted = self - self.amax(dim, keepdim=True).detach()
        return _named(shifted - shifted.exp().sum(dim, keepdim=True).log(), "LogSoftmaxBackward0")

    # shapes
    def view(self, *shape): return _fresh(_call(_fnp().reshape, self, _shape_arg(shape)), self, "ViewBackward0")
    def reshape(self, *shape):
        return _fresh(_call(_fnp().reshape, self, _shape_arg(shape)), self, "ViewBackward0")
    def ravel(self): return self.reshape(-1)
    def type_as(self, other): return self.to(other.dtype)
    def contiguous(self, memory_format=None): return self  # tensors are always contiguous here, as in PyTorch
    def view_as(self, other): return self.view(other.shape)
    def reshape_as(self, other): return self.reshape(other.shape)
    def flatten(self, start_dim=0, end_dim=-1):
        s = self.shape
        if not s:
            return self.reshape(1)
        end = end_dim % len(s)
        if start_dim % len(s) == end:
            return self  # as in PyTorch: nothing to flatten, the tensor itself
        return self.reshape(s[:start_dim] + (-1,) + s[end + 1:])
    def t(self):
        if self.ndim > 2:
            raise RuntimeError("t() expects a tensor with <= 2 dimensions")
        return _fresh(self.permute(*range(self.ndim - 1, -1, -1)), self, "TBackward0")
    def permute(self, *dims):
        return _fresh(_call(_fnp().transpose, self, _shape_arg(dims)), self, "PermuteBackward0")
    def transpose(self, dim0, dim1):
        return _fresh(_call(_fnp().swapaxes, self, dim0, dim1), self, "TransposeBackward0")
    def unsqueeze(self, dim):
        return _fresh(_call(_fnp().expand_dims, self, dim % (self.ndim + 1)), self, "UnsqueezeBackward0")
    def squeeze(self, dim=None):
        name = "SqueezeBackward0" if dim is None else "SqueezeBackward1"
        if dim is not None and self.shape[dim] != 1:
            return _fresh(self, self, name)
        return _fresh(_call(_fnp().squeeze, self, dim), self, name)
    def expand(self, *sizes):
        sizes = _shape_arg(sizes)
        lead = len(sizes) - self.ndim
        target = tuple(s if s != -1 else self.shape[i - lead] for i, s in enumerate(sizes))
        return _fresh(_call(_fnp().broadcast_to, self, target), self, "ExpandBackward0")
    def expand_as(self, other): return self.expand(other.shape)
    def repeat(self, *sizes): return _call(_fnp().tile, self, _shape_arg(sizes))

    # copies and dtypes
    def clone(self):
        """A copy that owns its memory; with grad recorded, gradients flow back to the original.

            >>> x = ag.tensor([1.0], requires_grad=True)
            >>> y = x.clone(); y
            tensor([1.], grad_fn=<CloneBackward0>)
        """
        if self.requires_grad and is_grad_enabled():
            out = _named(apply(ops.convert, (self,), {"dtype": self.dtype}), "CloneBackward0")
            out._value = out._value.copy()  # a clone owns its memory: in-place updates of it stay its own
            return out
        return Tensor._make(self._value.copy(), False, None)
    def to(self, dtype=None, *args, **kwargs):
        dtype = dtype if not isinstance(dtype, str) else kwargs.get("dtype")
        if dtype is None or np.dtype(dtype) == self.dtype:
            return self
        return _call(_fnp().astype, self, dtype)
    def type(self, dtype): return self.to(dtype)
    def float(self): return self.to(np.float32)
    def double(self): return self.to(np.float64)
    def long(self): return self.to(np.int64)
    def int(self): return self.to(np.int32)
    def bool(self): return self.to(np.bool_)
    def cpu(self): return self


def _matmul(a, b) -> Tensor:
    out = _call(_fnp().matmul, a, b)
    na, nb = np.ndim(_unwrap(a)), np.ndim(_unwrap(b))
    name = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (2, 2): "MmBackward0"}.get((na, nb))
    return _named(out, name) if name else out


def _fnp():
    from funcgrad import numpy as fnp

    return fnp


def _torch_dtype_name(dtype) -> str:
    names = {"float64": "Double", "float32": "Float", "float16": "Half", "int64": "Long", "int32": "Int",
             "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
    return names.get(np.dtype(dtype).name, np.dtype(dtype).name)


def _named(t: Tensor, name: str) -> Tensor:
    """Give ``t``'s node PyTorch's name for the operation that made it (``ReluBackward0``)."""
    if t.grad_fn is not None:
        t.grad_fn.torch_name = name
    return t


def _fresh(out: Any, base: Tensor, name: str, view: bool = True) -> Any:
    """``out``, or, where an operation changed nothing and so returned ``base`` itself, a new tensor as
    PyTorch makes one: with grad recorded, an identity node named ``name``; without, a tensor sharing
    ``base``'s values that requires grad if it is a view of a tensor that does (``view``)."""
    if out is not base:
        if type(out) is not Tensor:
            return out
        if view and out.grad_fn is None and base.requires_grad and not out.requires_grad:
            out.requires_grad, out._vc = True, base._vc  # a view made under no_grad still requires grad
        return _named(out, name)
    if base.requires_grad and is_grad_enabled():
        return _named(apply(ops.reshape, (base,), {"shape": base.shape}), name)
    value = base._value
    return Tensor._make(value.view() if isinstance(value, np.ndarray) else value,
                        base.requires_grad and view, None, base._vc if view else None)


def _dim(dim):
    return tuple(dim) if isinstance(dim, list) else dim


def _dims(dim, keepdim, axis, keepdims):
    """``(dim, keepdim)`` from PyTorch's names or their NumPy aliases ``axis``/``keepdims``."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return _dim(dim), bool(keepdim)


def _unwrap_key(key):
    if isinstance(key, tuple):
        return tuple(k._value if type(k) is Tensor and k.dtype.kind in "biu" else k for k in key)
    return key._value if type(key) is Tensor and key.dtype.kind in "biu" else key


def _set_index(a, key, v):
    from funcgrad import numpy as fnp

    return fnp.at(a)[_unwrap_key(key)].set(v)


class _no_record:
    def __enter__(self):
        from funcgrad.autograd.grad_mode import _enabled

        self._token = _enabled.set(False)

    def __exit__(self, *exc):
        from funcgrad.autograd.grad_mode import _enabled

        _enabled.reset(self._token)


def _register():
    from funcgrad import numpy as fnp
    from funcgrad.core.trace import register_wrapper

    fnp.register_array_type(Tensor)
    register_wrapper(Tensor, lambda t: t._value)


_register()


# Examples of the torch-style methods, shared with the functions of the same names in ``funcgrad.autograd``:
# name: (summary for a method without a docstring, the tensor's data, the arguments, the printed result)
_EXAMPLES: dict[str, tuple[str | None, str, str, str]] = {
    "eq": ("Elementwise ``==`` (a bool tensor).", "[1.0, 2.0]", "2.0", "tensor([False,  True])"),
    "ne": ("Elementwise ``!=``.", "[1.0, 2.0]", "2.0", "tensor([ True, False])"),
    "lt": ("Elementwise ``<``.", "[1.0, 2.0]", "2.0", "tensor([ True, False])"),
    "le": ("Elementwise ``<=``.", "[1.0, 2.0]", "2.0", "tensor([ True,  True])"),
    "gt": ("Elementwise ``>``.", "[1.0, 2.0]", "1.0", "tensor([False,  True])"),
    "ge": ("Elementwise ``>=``.", "[1.0, 2.0]", "2.0", "tensor([False,  True])"),
    "add": ("``self + alpha * other``.", "[1.0, 2.0]", "ag.tensor([10.0, 20.0]), alpha=2", "tensor([21., 42.])"),
    "sub": ("``self - alpha * other``.", "[1.0, 2.0]", "ag.tensor([10.0, 20.0]), alpha=2", "tensor([-19., -38.])"),
    "mul": ("``self * other``.", "[1.0, 2.0]", "3.0", "tensor([3., 6.])"),
    "div": ("``self / other``.", "[1.0, 2.0]", "4.0", "tensor([0.25, 0.5 ])"),
    "pow": ("``self ** exponent``.", "[1.0, 2.0]", "3", "tensor([1., 8.])"),
    "neg": ("``-self``.", "[1.0, -2.0]", "", "tensor([-1.,  2.])"),
    "matmul": (
        "``self @ other`` (vectors, matrices and stacks, as in NumPy).",
        "[[1.0, 2.0], [3.0, 4.0]]", "ag.tensor([1.0, 1.0])", "tensor([3., 7.])"),
    "mm": (
        "The matrix product ``self @ other``.",
        "[[1.0, 2.0], [3.0, 4.0]]", "ag.eye(2)", "tensor([[1., 2.],\n[3., 4.]])"),
    "dot": ("The dot product of two vectors.", "[1.0, 2.0]", "ag.tensor([3.0, 4.0])", "tensor(11.)"),
    "sin": ("Elementwise sine.", "[0.0, 1.0]", "", "tensor([0.    , 0.8415])"),
    "cos": ("Elementwise cosine.", "[0.0, 1.0]", "", "tensor([1.    , 0.5403])"),
    "tan": ("Elementwise tangent.", "[0.0, 1.0]", "", "tensor([0.    , 1.5574])"),
    "exp": ("Elementwise exponential.", "[0.0, 1.0]", "", "tensor([1.    , 2.7183])"),
    "log": ("Elementwise natural logarithm.", "[1.0, 2.0]", "", "tensor([0.    , 0.6931])"),
    "sqrt": ("Elementwise square root.", "[4.0, 2.0]", "", "tensor([2.    , 1.4142])"),
    "tanh": ("Elementwise hyperbolic tangent.", "[0.0, 1.0]", "", "tensor([0.    , 0.7616])"),
    "abs": ("Elementwise absolute value (derivative ``sign(x)``, 0 at 0).", "[-1.5, 2.0]", "", "tensor([1.5, 2. ])"),
    "sign": ("Elementwise sign (derivative 0).", "[-1.5, 0.0, 2.0]", "", "tensor([-1.,  0.,  1.])"),
    "floor": ("Elementwise floor (derivative 0).", "[-1.5, 2.5]", "", "tensor([-2.,  2.])"),
    "ceil": ("Elementwise ceiling (derivative 0).", "[-1.5, 2.5]", "", "tensor([-1.,  3.])"),
    "log1p": ("Elementwise ``log(1 + x)``, accurate for small ``x``.", "[0.0, 1e-10]", "", "tensor([0.e+00, 1.e-10])"),
    "expm1": ("Elementwise ``exp(x) - 1``, accurate for small ``x``.", "[0.0, 1e-10]", "", "tensor([0.e+00, 1.e-10])"),
    "asin": ("Elementwise inverse sine.", "[0.0, 1.0]", "", "tensor([0.    , 1.5708])"),
    "acos": ("Elementwise inverse cosine.", "[0.0, 1.0]", "", "tensor([1.5708, 0.    ])"),
    "atan": ("Elementwise inverse tangent.", "[0.0, 1.0]", "", "tensor([0.    , 0.7854])"),
    "reciprocal": ("Elementwise ``1 / x``.", "[2.0, 4.0]", "", "tensor([0.5 , 0.25])"),
    "sinh": ("Elementwise hyperbolic sine.", "[0.0, 1.0]", "", "tensor([0.    , 1.1752])"),
    "cosh": ("Elementwise hyperbolic cosine.", "[0.0, 1.0]", "", "tensor([1.    , 1.5431])"),
    "log2": ("Elementwise base-2 logarithm.", "[1.0, 8.0]", "", "tensor([0., 3.])"),
    "log10": ("Elementwise base-10 logarithm.", "[1.0, 100.0]", "", "tensor([0., 2.])"),
    "exp2": ("Elementwise ``2 ** x``.", "[0.0, 3.0]", "", "tensor([1., 8.])"),
    "round": (
        "Elementwise rounding to the nearest integer, halves to even (derivative 0).",
        "[0.5, 1.5, 2.7]", "", "tensor([0., 2., 3.])"),
    "trunc": ("Elementwise rounding towards zero (derivative 0).", "[-1.5, 2.7]", "", "tensor([-1.,  2.])"),
    "isnan": ("Elementwise test for NaN.", "[1.0, np.nan]", "", "tensor([False,  True])"),
    "isinf": ("Elementwise test for infinity.", "[1.0, np.inf]", "", "tensor([False,  True])"),
    "isfinite": ("Elementwise test for finite values.", "[1.0, np.inf]", "", "tensor([ True, False])"),
    "logical_not": ("Elementwise logical negation.", "[True, False]", "", "tensor([False,  True])"),
    "square": ("Elementwise ``x * x``.", "[-1.5, 2.0]", "", "tensor([2.25, 4.  ])"),
    "sigmoid": ("Elementwise logistic sigmoid ``1 / (1 + exp(-x))``.", "[0.0, 2.0]", "", "tensor([0.5   , 0.8808])"),
    "relu": ("Elementwise ``max(x, 0)`` (derivative 0 at 0, as in PyTorch).", "[-1.0, 2.0]", "", "tensor([0., 2.])"),
    "clamp": (None, "[-2.0, 0.5, 3.0]", "min=-1.0, max=1.0", "tensor([-1. ,  0.5,  1. ])"),
    "clamp_min": ("``clamp(min=min)``.", "[-2.0, 0.5, 3.0]", "0.0", "tensor([0. , 0.5, 3. ])"),
    "clamp_max": ("``clamp(max=max)``.", "[-2.0, 0.5, 3.0]", "1.0", "tensor([-2. ,  0.5,  1. ])"),
    "sum": (
        "The sum over every element, or along ``dim`` (``keepdim`` keeps it as size 1).",
        "[[1.0, 2.0], [3.0, 4.0]]", "dim=0", "tensor([4., 6.])"),
    "mean": (
        "The mean over every element, or along ``dim``.",
        "[[1.0, 2.0], [3.0, 4.0]]", "dim=1", "tensor([1.5, 3.5])"),
    "prod": ("The product over every element, or along ``dim``.", "[[1.0, 2.0], [3.0, 4.0]]", "", "tensor(24.)"),
    "var": (
        "The variance, unbiased by default (``unbiased=False`` or ``correction=0`` for the population's).",
        "[1.0, 2.0, 3.0, 4.0]", "", 'tensor(1.6667)'),
    "std": ("The standard deviation, unbiased by default.", "[1.0, 2.0, 3.0, 4.0]", "", "tensor(1.291)"),
    "max": (None, "[[1.0, 5.0], [3.0, 4.0]]", "dim=1", "MaxMin(values=tensor([5., 4.]), indices=tensor([1, 1]))"),
    "min": (
        "The minimum; along ``dim``, the pair ``(values, indices)``; with a tensor, the elementwise minimum.",
        "[[1.0, 5.0], [3.0, 4.0]]", "dim=1", "MaxMin(values=tensor([1., 3.]), indices=tensor([0, 0]))"),
    "amax": (
        "The maximum over every element or along ``dim`` (ties share the derivative).",
        "[[1.0, 5.0], [3.0, 4.0]]", "dim=1", "tensor([5., 4.])"),
    "amin": (
        "The minimum over every element or along ``dim`` (ties share the derivative).",
        "[[1.0, 5.0], [3.0, 4.0]]", "dim=1", "tensor([1., 3.])"),
    "argmax": (
        "The index of the maximum, over the flattened tensor or along ``dim``.",
        "[[1.0, 5.0], [3.0, 4.0]]", "dim=1", "tensor([1, 1])"),
    "argmin": (
        "The index of the minimum, over the flattened tensor or along ``dim``.",
        "[[1.0, 5.0], [3.0, 4.0]]", "dim=1", "tensor([0, 0])"),
    "all": (
        "Whether every element (or every element along ``dim``) is true.",
        "[[True, False], [True, True]]", "dim=1", "tensor([False,  True])"),
    "any": (
        "Whether any element (or any element along ``dim``) is true.",
        "[[True, False], [False, False]]", "dim=1", "tensor([ True, False])"),
    "logsumexp": (
        "``log(sum(exp(x)))`` along ``dim``, without overflow.",
        "[[0.0, 0.0], [1000.0, 1000.0]]", "1", "tensor([6.9315e-01, 1.0007e+03])"),
    "cumsum": ("The cumulative sum along ``dim``.", "[1.0, 2.0, 3.0]", "0", "tensor([1., 3., 6.])"),
    "cumprod": ("The cumulative product along ``dim``.", "[1.0, 2.0, 3.0]", "0", "tensor([1., 2., 6.])"),
    "norm": (None, "[3.0, 4.0]", "", "tensor(5.)"),
    "softmax": ("``exp(x) / sum(exp(x))`` along ``dim``.", "[0.0, 0.0, 1000.0]", "0", "tensor([0., 0., 1.])"),
    "log_softmax": (
        "The logarithm of ``softmax`` along ``dim``, computed stably.",
        "[0.0, 0.0]", "0", "tensor([-0.6931, -0.6931])"),
    "view": (
        "The same values in a new shape (``-1`` is inferred).",
        "[1.0, 2.0, 3.0, 4.0]", "2, 2", "tensor([[1., 2.],\n[3., 4.]])"),
    "reshape": (
        "The same values in a new shape (``-1`` is inferred).",
        "[1.0, 2.0, 3.0, 4.0]", "(2, -1)", "tensor([[1., 2.],\n[3., 4.]])"),
    "ravel": ("The values as a vector.", "[[1.0, 2.0], [3.0, 4.0]]", "", "tensor([1., 2., 3., 4.])"),
    "type_as": ("This tensor in ``other``'s dtype.", "[1, 2]", "ag.tensor([0.5])", 'tensor([1., 2.])'),
    "contiguous": ("The tensor itself: tensors are always contiguous here.", "[1.0, 2.0]", "", "tensor([1., 2.])"),
    "view_as": ("``view(other.shape)``.", "[1.0, 2.0, 3.0, 4.0]", "ag.zeros(2, 2)", "tensor([[1., 2.],\n[3., 4.]])"),
    "reshape_as": (
        "``reshape(other.shape)``.",
        "[1.0, 2.0, 3.0, 4.0]", "ag.zeros(2, 2)", "tensor([[1., 2.],\n[3., 4.]])"),
    "flatten": (
        "Dimensions ``start_dim`` to ``end_dim`` merged into one.",
        "[[[1.0], [2.0]], [[3.0], [4.0]]]", "1", "tensor([[1., 2.],\n[3., 4.]])"),
    "t": (
        "The transpose of a matrix (a vector is returned as it is).",
        "[[1.0, 2.0], [3.0, 4.0]]", "", "tensor([[1., 3.],\n[2., 4.]])"),
    "permute": (
        "The dimensions in the order ``dims``.",
        "[[1.0, 2.0], [3.0, 4.0]]", "(1, 0)", "tensor([[1., 3.],\n[2., 4.]])"),
    "transpose": (
        "Dimensions ``dim0`` and ``dim1`` swapped.",
        "[[1.0, 2.0], [3.0, 4.0]]", "0, 1", "tensor([[1., 3.],\n[2., 4.]])"),
    "unsqueeze": ("A new dimension of size 1 at ``dim``.", "[1.0, 2.0]", "0", "tensor([[1., 2.]])"),
    "squeeze": ("Dimensions of size 1 removed (only ``dim``, if given).", "[[1.0, 2.0]]", "", "tensor([1., 2.])"),
    "expand": (
        "A broadcast view of the tensor in a larger shape (``-1`` keeps a size).",
        "[[1.0], [2.0]]", "2, 3", "tensor([[1., 1., 1.],\n[2., 2., 2.]])"),
    "expand_as": (
        "``expand(other.shape)``.",
        "[[1.0], [2.0]]", "ag.zeros(2, 3)", "tensor([[1., 1., 1.],\n[2., 2., 2.]])"),
    "repeat": ("The tensor tiled ``sizes`` times along each dimension.", "[1.0, 2.0]", "2", "tensor([1., 2., 1., 2.])"),
    "to": (
        "This tensor in ``dtype`` (itself if it has that dtype already).",
        "[1.0, 2.0]", "ag.float32", "tensor([1., 2.], dtype=float32)"),
    "type": ("``to(dtype)``.", "[1.5, 2.0]", "ag.int64", "tensor([1, 2])"),
    "float": ("This tensor as float32.", "[1, 2]", "", "tensor([1., 2.], dtype=float32)"),
    "double": ("This tensor as float64.", "[1, 2]", "", "tensor([1., 2.])"),
    "long": ("This tensor as int64.", "[1.5, 2.0]", "", "tensor([1, 2])"),
    "int": ("This tensor as int32.", "[1.5, 2.0]", "", "tensor([1, 2], dtype=int32)"),
    "bool": ("This tensor as bool.", "[0.0, 2.0]", "", "tensor([False,  True])"),
    "cpu": ("The tensor itself: every tensor lives in host memory.", "[1.0, 2.0]", "", "tensor([1., 2.])"),
    "size": ("The shape, or its size along ``dim``.", "[[1.0, 2.0, 3.0]]", "", "(1, 3)"),
    "dim": ("The number of dimensions.", "[[1.0, 2.0, 3.0]]", "", "2"),
    "numel": ("The number of elements.", "[[1.0, 2.0, 3.0]]", "", "3"),
    "tolist": ("The values as nested Python lists.", "[[1.0, 2.0], [3.0, 4.0]]", "", "[[1.0, 2.0], [3.0, 4.0]]"),
    "item": ("The value of a one-element tensor as a Python number.", "[2.5]", "", "2.5"),
}


def _document() -> None:
    """Give each method in ``_EXAMPLES`` its example."""
    for name, (summary, data, args, result) in _EXAMPLES.items():
        method = getattr(Tensor, name)
        result = result.replace("\n", "\n" + " " * 12)  # continuation lines under the first row
        method.__doc__ = f"{method.__doc__ or summary}\n\n    >>> ag.tensor({data}).{name}({args})\n    {result}\n"


_document()
