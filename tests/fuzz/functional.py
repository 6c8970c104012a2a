"""Functional fuzzing: random NumPy programs, differentiated by every transform and checked.

A program is Python source: a function of one or two float64 arrays, built one line at a time
from the primitive menu — elementwise operations with broadcasting, reductions with axes, shape
operations, basic and integer-array indexing, ``.at[]`` updates, ``@`` / ``einsum``, ``solve``,
``inv`` and ``det``, ``fg.cond``, ``fg.fori_loop``, ``fg.scan``, ``fg.while_loop`` and ``fg.jit``
inside the program. It returns a scalar or an array.

Each line runs on concrete values as it is generated, at the program's point and at a few other
points (the batch that ``vmap`` maps over), so the generator keeps away from non-differentiable
points by construction:

- arguments of ``log``, ``sqrt``, ``1/.`` and ``**`` with a real exponent are built positive
  (``v*v + 1``, ``exp(v)``, ``cosh(v)``);
- ``abs`` is applied only where its argument keeps one sign (shifted away from 0 if needed);
- ``max``/``min`` reductions, ``maximum``/``minimum``, the predicates of ``where``, ``fg.cond``
  and a value-dependent ``fg.while_loop`` are used only where the compared values are at least
  ``MARGIN`` apart at every point, so no tie and no branch switch is within reach of a finite
  difference step;
- matrices given to ``linalg`` are ``3 I + 0.5 tanh(.)`` of size at most 4: diagonally dominant;
- every intermediate value stays finite and within ``LIMIT``, and its derivative along a random
  direction (measured at two probes beside the point) within ``SLOPE``, so that finite differences
  stay accurate. Finite differences are five-point stencils at two steps, extrapolated; their
  estimated error widens the tolerance, never hides more than it.

The same source runs in two spellings: NumPy's names on traced values (``np.sin(x)``, through
NEP 13/18) and ``funcgrad.numpy``'s (``fnp.sin(x)``). NumPy has no functional update, so both
spell it ``fnp.at(v)[idx].set(w)``.

:func:`check` runs one program through ``grad``, ``jacfwd``, ``jacrev``, ``hessian``,
``jvp``/``vjp``, ``vmap`` (against a Python loop), ``jit(grad)`` and ``jit(hessian)`` in both
spellings, against central finite differences of the plain NumPy program (float64) and against
each other, and raises ``AssertionError`` with the program as runnable source on the first
disagreement. :func:`programs` is the Hypothesis strategy; :func:`run` a campaign.
"""

from __future__ import annotations

import itertools
import random
import re
import signal
import time
import traceback
from collections.abc import Callable
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

import funcgrad as fg
from funcgrad import numpy as fnp

MARGIN = 0.05     # compared values stay at least this far apart at every point
LIMIT = 1e3       # every intermediate value stays within this bound
MAX_SIZE = 48     # elements of any intermediate value
BATCH = 3         # points a program runs at: its own, and two more for vmap
PROBE = 1e-5      # and two probes either side of its own point along a random direction,
SLOPE = 1e3       # where every intermediate's directional derivative stays within this bound
FD_STEP = 1e-3    # five-point central differences: error O(h⁴)
FD_TOL = 1e-6     # derivatives against finite differences, relative to the derivative's size
AD_TOL = 1e-9     # derivatives against each other

# shape-preserving elementwise expressions, defined on all reals, for control-flow bodies and jit
BODY = ["np.sin({a})", "np.cos({a})", "np.tanh({a})", "0.5 * {a}", "{a} * {a}", "np.exp(np.tanh({a}))",
        "np.log({a} * {a} + 1.0)", "np.sqrt({a} * {a} + 1.0)", "np.arctan({a})", "-{a}",
        "1.0 / (1.0 + {a} * {a})"]
# loop bodies: from carry c and a value w that broadcasts into c, a new carry of c's shape
LOOP = ["0.8 * np.sin({c}) + 0.3 * {w}", "np.tanh({c}) * {w} + 0.5 * {c}", "{c} + 0.1 * np.cos({c} + {w})",
        "0.5 * {c} * {c} / (1.0 + {c} * {c}) + {w}", "np.sin({c} * {w})"]
POSITIVE = ["{a} * {a} + 1.0", "np.exp({a})", "np.cosh({a})", "({a} ** 2 + 0.5)"]
UNARY = {
    "sin": "np.sin({a})", "cos": "np.cos({a})", "tanh": "np.tanh({a})", "arctan": "np.arctan({a})",
    "exp": "np.exp({a})", "sinh": "np.sinh({a})", "expm1": "np.expm1({a})", "square": "np.square({a})",
    "pow2": "{a} ** 2", "cube": "{a} ** 3", "neg": "-{a}", "affine": "{a} * 0.7 - 0.2",
    "log": "np.log({p})", "sqrt": "np.sqrt({p})", "reciprocal": "1.0 / {p}", "powreal": "{p} ** 1.5",
    "log1p": "np.log1p({a} * {a})", "logaddexp": "np.logaddexp({a}, 0.0)", "cbrt": "np.cbrt({p})",
    "sinc": "np.sinc({a})", "abs": None,
}
STEPS = ["unary", "unary", "binary", "binary", "reduce", "reduce", "reshape", "transpose", "broadcast_to",
         "concatenate", "stack", "squeeze", "expand_dims", "index", "take", "at", "matmul", "einsum",
         "linalg", "cond", "fori_loop", "scan", "while_count", "while_value", "jit", "extra", "extra", "zeros"]
SPELLINGS = ("np", "fnp")


def _spell(text: str, spelling: str) -> str:
    return text if spelling == "np" else re.sub(r"\bnp\.", "fnp.", text)


def _namespace(spelling: str) -> dict:
    return {"np": np, "fnp": fnp, "fg": fg} if spelling == "np" else {"fnp": fnp, "fg": fg, "np": np}


def _bshape(*shapes):
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        return None


def _num(c: float) -> str:
    return repr(float(c))


def _array_text(a: np.ndarray) -> str:
    return f"np.array({a.tolist()!r})"


@dataclass
class Program:
    """A generated program: body lines in NumPy spelling, its inputs and the points it runs at."""

    params: tuple[str, ...]
    lines: tuple[str, ...]
    output: str
    points: tuple[tuple[np.ndarray, ...], ...]   # BATCH points; the first is the program's own

    @property
    def args(self) -> tuple[np.ndarray, ...]:
        return self.points[0]

    @property
    def is_scalar(self) -> bool:
        return np.shape(self.function("np")(*self.args)) == ()

    def source(self, spelling: str = "np") -> str:
        body = "".join(f"    {_spell(line, spelling)}\n" for line in self.lines)
        return f"def f({', '.join(self.params)}):\n{body}    return {self.output}\n"

    def function(self, spelling: str = "np") -> Callable:
        ns = _namespace(spelling)
        exec(self.source(spelling), ns)
        return ns["f"]

    def text(self, spelling: str = "np", call: str | None = None) -> str:
        """Runnable source: imports, the inputs, the function and (optionally) the failing call."""
        head = "import numpy as np\nimport funcgrad as fg\nfrom funcgrad import numpy as fnp\n\n"
        inputs = "".join(f"{p} = {_array_text(a)}\n" for p, a in zip(self.params, self.args))
        return head + inputs + "\n" + self.source(spelling) + (f"\n{call}\n" if call else "")

    def __repr__(self) -> str:
        return f"Program(\n{self.text()})"


class _Builder:
    """Grows a program line by line, running every line at each point as it goes."""

    def __init__(self, ch, params, points, direction):
        self.ch, self.params = ch, params
        # vmap with in_axes=(0, None) pairs each point's x with the program's own y: those run too
        mixed = [(pt[0],) + points[0][1:] for pt in points[1:]] if len(params) > 1 else []
        probes = [tuple(p + s * PROBE * d for p, d in zip(points[0], direction)) for s in (1, -1)]  # last
        self.envs = [dict(_namespace("np"), **dict(zip(params, pt))) for pt in list(points) + mixed + probes]
        self.shapes = {p: np.shape(a) for p, a in zip(params, points[0])}
        self.lines: list[str] = []
        self.count = 0

    # --- pool
    def pick(self, ok=lambda shape: True):
        names = [n for n in reversed(self.shapes) if ok(self.shapes[n])]
        if not names:
            return None
        return names[0] if self.ch.flag() else self.ch.choose(names)  # chains, mostly

    def values(self, name: str) -> list[np.ndarray]:
        return [np.asarray(env[name]) for env in self.envs]

    def eval(self, expr: str) -> list[np.ndarray]:
        with np.errstate(all="ignore"):
            return [np.asarray(eval(expr, env)) for env in self.envs]

    def choose(self, options):
        return self.ch.choose(options)

    def emit(self, expr: str, n_out: int = 1) -> bool:
        """Add ``v = expr`` if its values are finite, float64, small and within LIMIT at every point."""
        names = [f"v{self.count + k + 1}" for k in range(n_out)]
        line = f"{', '.join(names)} = {expr}"
        with np.errstate(all="ignore"):
            for env in self.envs:
                exec(line, env)
        for name in names:
            vals = self.values(name)
            if vals[0].dtype != np.float64 or vals[0].size == 0 or vals[0].size > MAX_SIZE or vals[0].ndim > 4 \
                    or not all(np.all(np.isfinite(v)) and np.all(np.abs(v) <= LIMIT) for v in vals) \
                    or np.any(np.abs(vals[-2] - vals[-1]) > 2 * PROBE * SLOPE):
                return False
        self.count += n_out
        self.lines.append(line)
        for name in names:
            self.shapes[name] = self.values(name)[0].shape
        return True

    def apart(self, diffs: list[np.ndarray]) -> bool:
        return all(np.all(np.abs(d) >= MARGIN) for d in diffs)

    def threshold(self, qs: list[np.ndarray]):
        """A constant at least MARGIN from every value in ``qs`` (several lanes), or None."""
        vals = np.sort(np.concatenate([np.ravel(q) for q in qs]))
        cands = [vals[0] - 0.5, vals[-1] + 0.5] + [(a + b) / 2 for a, b in zip(vals[:-1], vals[1:])
                                                    if b - a > 4 * MARGIN]
        c = round(float(self.choose(cands)), 3)
        return c if np.all(np.abs(vals - c) >= MARGIN) else None

    def positive(self, a: str) -> str:
        return self.choose(POSITIVE).format(a=a)

    def body(self, a: str) -> str:
        return self.choose(BODY).format(a=a)

    def into(self, shape):
        """A pool value or constant that broadcasts into ``shape`` without changing it."""
        w = self.pick(lambda s: _bshape(s, shape) == tuple(shape) and len(s) <= len(shape))
        return w if w is not None and self.ch.flag() else self.choose(["0.5", "-0.3", "1.2", "0.0"])

    # --- steps: each returns whether a line was added
    def unary(self):
        a = self.pick()
        kind = self.choose(UNARY)
        if kind == "abs":
            vals = self.values(a)
            if self.apart(vals):
                return self.emit(self.choose(["np.abs({a})", "abs({a})", "np.absolute({a})"]).format(a=a))
            shift = round(max(float(np.max(np.abs(v))) for v in vals) + 0.5, 1) * self.choose([1, -1])
            return self.emit(f"np.abs({a} + {_num(shift)})")
        return self.emit(UNARY[kind].format(a=a, p=self.positive(a)))

    def binary(self):
        a = self.pick()
        b = self.pick(lambda s: (r := _bshape(s, self.shapes[a])) is not None and int(np.prod(r)) <= MAX_SIZE)
        op = self.choose(["+", "-", "*", "/", "maximum", "minimum", "where", "hypot", "arctan2"])
        if op in ("+", "-", "*"):
            return self.emit(f"{a} {op} {b}")
        if op == "/":
            return self.emit(f"{a} / ({self.positive(b)})")
        if op in ("maximum", "minimum"):
            if not self.apart([x - y for x, y in zip(self.values(a), self.values(b))]):
                return False
            return self.emit(f"np.{op}({a}, {b})")
        if op == "hypot":  # differentiable away from the origin: one argument kept positive
            return self.emit(f"np.hypot({a}, {self.positive(b)})")
        if op == "arctan2":
            return self.emit(f"np.arctan2({a}, {self.positive(b)})")
        u = self.pick(lambda s: (r := _bshape(s, self.shapes[a], self.shapes[b])) is not None
                      and int(np.prod(r)) <= MAX_SIZE)
        c = self.threshold(self.values(u))
        return c is not None and self.emit(f"np.where({u} > {_num(c)}, {a}, {b})")

    def _axes(self, nd):
        kind = self.choose(["none", "int", "tuple"]) if nd else "none"
        if kind == "none":
            return None
        if kind == "int":
            return self.choose(list(range(-nd, nd)))
        return tuple(self.ch.subset(nd))

    def reduce(self):
        a = self.pick(lambda s: len(s) >= 1)
        if a is None:
            return False
        nd = len(self.shapes[a])
        op = self.choose(["sum", "mean", "max", "min", "prod"])
        axis, keepdims = self._axes(nd), self.ch.flag()
        if op in ("max", "min"):  # the extreme and the runner-up at least MARGIN apart: no ties
            axes = tuple(range(nd)) if axis is None else (axis % nd,) if isinstance(axis, int) else axis
            for v in self.values(a):
                v = np.moveaxis(v, axes, tuple(range(nd - len(axes), nd))).reshape(
                    [v.shape[d] for d in range(nd) if d not in axes] + [-1])
                s = np.sort(v if op == "max" else -v, axis=-1)
                if s.shape[-1] > 1 and np.any(s[..., -1] - s[..., -2] < MARGIN):
                    return False
        args = ("" if axis is None else f", axis={axis}") + (", keepdims=True" if keepdims else "")
        form = self.choose(["function", "method"])
        return self.emit(f"{a}.{op}({args[2:]})" if form == "method" else f"np.{op}({a}{args})")

    def reshape(self):
        a = self.pick()
        size = int(np.prod(self.shapes[a]))
        shapes = [s for k in range(4) for s in itertools.product(range(1, size + 1), repeat=k)
                  if int(np.prod(s)) == size and len(s) <= 3]
        shape = self.choose(shapes)
        if len(shape) >= 2 and self.ch.flag():
            k = self.choose(range(len(shape)))
            shape = shape[:k] + (-1,) + shape[k + 1:]
        if self.ch.flag():
            return self.emit(f"np.reshape({a}, {shape})")
        return self.emit(f"{a}.reshape({', '.join(map(str, shape))})" if shape else f"{a}.reshape(())")

    def transpose(self):
        a = self.pick(lambda s: len(s) >= 2)
        if a is None:
            return False
        nd = len(self.shapes[a])
        form = self.choose(["perm", "T", "swapaxes", "moveaxis"])
        if form == "T":
            return self.emit(f"{a}.T")
        i, j = self.choose(range(nd)), self.choose(range(nd))
        if form == "swapaxes":
            return self.emit(f"np.swapaxes({a}, {i}, {j})")
        if form == "moveaxis":
            return self.emit(f"np.moveaxis({a}, {i}, {j})")
        return self.emit(f"np.transpose({a}, {tuple(self.ch.perm(range(nd)))})")

    def broadcast_to(self):
        a = self.pick()
        shape = tuple(self.choose([1, 2, 3]) if d == 1 else d for d in self.shapes[a])
        if self.ch.flag():
            shape = (self.choose([2, 3]),) + shape
        return self.emit(f"np.broadcast_to({a}, {shape})")

    def concatenate(self):
        a = self.pick(lambda s: len(s) >= 1)
        if a is None:
            return False
        sa = self.shapes[a]
        ax = self.choose(range(len(sa)))
        b = self.pick(lambda s: len(s) == len(sa) and all(x == y for d, (x, y) in enumerate(zip(s, sa)) if d != ax))
        return self.emit(f"np.concatenate([{a}, {b}], axis={ax})" if ax or self.ch.flag()
                         else f"np.concatenate([{a}, {b}])")

    def stack(self):
        a = self.pick()
        b = self.pick(lambda s: s == self.shapes[a])
        ax = self.choose(range(-len(self.shapes[a]) - 1, len(self.shapes[a]) + 1))
        return self.emit(f"np.stack([{a}, {b}], axis={ax})")

    def squeeze(self):
        a = self.pick(lambda s: 1 in s)
        if a is None:
            return False
        ones = [d for d, n in enumerate(self.shapes[a]) if n == 1]
        return self.emit(self.choose([f"np.squeeze({a})", f"np.squeeze({a}, axis={self.choose(ones)})"]))

    def expand_dims(self):
        a = self.pick()
        nd = len(self.shapes[a])
        return self.emit(self.choose([f"np.expand_dims({a}, {self.choose(range(-nd - 1, nd + 1))})",
                                      f"{a}[None]", f"{a}[..., None]"]))

    def _basic_key(self, shape) -> str:
        parts = []
        for n in shape:
            kind = self.choose([":", "int", "slice", "reverse"])
            if kind == "int":
                parts.append(str(self.choose(range(-n, n))))
            elif kind == "slice":
                start, stop = self.choose(range(0, n)), self.choose(range(1, n + 1))
                step = self.choose([1, 1, 2])
                parts.append(f"{start}:{stop}" + (f":{step}" if step != 1 else "") if start < stop else ":")
            elif kind == "reverse":
                parts.append("::-1")
            else:
                parts.append(":")
        while parts and parts[-1] == ":" and self.ch.flag():
            parts.pop()
        return ", ".join(parts) if parts else "..."

    def _int_key(self, shape, repeats: bool) -> str:
        ax = self.choose(range(len(shape)))
        n = shape[ax]
        idx = self.ch.ints(-n, n - 1, 1, 4, unique=None if repeats else (lambda i: i % n))
        return ", ".join([":"] * ax + [f"np.array({idx})"])

    def index(self):
        a = self.pick(lambda s: len(s) >= 1)
        if a is None:
            return False
        return self.emit(f"{a}[{self._basic_key(self.shapes[a])}]")

    def take(self):
        a = self.pick(lambda s: len(s) >= 1)
        if a is None:
            return False
        shape = self.shapes[a]
        if len(shape) >= 2 and self.ch.flag():  # two integer arrays, broadcast together
            k = self.choose([1, 2, 3])
            i, j = (self.ch.ints(0, n - 1, k, k) for n in shape[:2])
            return self.emit(f"{a}[np.array({i}), np.array({j})]")
        return self.emit(f"{a}[{self._int_key(shape, repeats=True)}]")

    def at(self):
        a = self.pick(lambda s: len(s) >= 1)
        if a is None:
            return False
        shape = self.shapes[a]
        method = self.choose(["set", "add", "multiply"])
        key = self._int_key(shape, repeats=method == "add") if self.ch.flag() else self._basic_key(shape)
        target = self.values(a)[0][eval(f"np.s_[{key}]", {"np": np})].shape
        return self.emit(f"fnp.at({a})[{key}].{method}({self.into(target)})")

    def matmul(self):
        a = self.pick(lambda s: len(s) >= 1)
        if a is None:
            return False
        sa = self.shapes[a]
        n = sa[-1]
        b = self.pick(lambda s: (len(s) == 1 and s[0] == n) or (len(s) >= 2 and s[-2] == n and len(sa) >= 1
                                                               and _bshape(s[:-2], sa[:-2]) is not None))
        if b is None or self.ch.flag():
            k = self.choose([1, 2, 3])
            b = f"np.linspace(-1.0, 1.0, {n * k}).reshape({n}, {k})"
        form = self.choose(["@", "matmul", "dot"])
        if form == "dot" and len(sa) <= 2 and ("linspace" in b or len(self.shapes[b]) <= 2):
            return self.emit(f"np.dot({a}, {b})")
        return self.emit(f"np.matmul({a}, {b})" if form == "matmul" else f"{a} @ {b}")

    def einsum(self):
        a = self.pick(lambda s: 1 <= len(s) <= 3)
        if a is None:
            return False
        sa = self.shapes[a]
        letters = iter("ijklmn")
        la = [next(letters) for _ in sa]
        if len(sa) >= 2 and sa[0] == sa[1] and self.ch.flag():
            la[1] = la[0]  # a diagonal
        sizes = dict(zip(la, sa))
        spec, operands = "".join(la), [a]
        b = self.pick(lambda s: 1 <= len(s) <= 2) if self.ch.flag() else None
        if b is not None:
            lb = []
            for n in self.shapes[b]:
                shared = [c for c, m in sizes.items() if m == n and c not in lb]
                if shared and self.ch.flag():
                    lb.append(self.choose(shared))
                else:
                    c = next(letters)
                    sizes[c] = n
                    lb.append(c)
            spec += "," + "".join(lb)
            operands.append(b)
        used = sorted(set(spec) - {","})
        out = self.ch.perm(used)[:self.choose(range(len(used) + 1))]
        return self.emit(f"np.einsum('{spec}->{''.join(out)}', {', '.join(operands)})")

    def linalg(self):
        m = self.pick(lambda s: len(s) >= 2 and s[-1] == s[-2] and 2 <= s[-1] <= 4)
        if m is not None and self.ch.flag():
            shape, mat = self.shapes[m], f"np.tanh({m})"
        else:
            v = self.pick(lambda s: len(s) == 1 and 2 <= s[0] <= 4)
            if v is None:
                return False
            shape, mat = self.shapes[v] * 2, f"np.tanh({v}[:, None] - 0.5 * {v})"
        n = shape[-1]
        mat = f"(np.eye({n}) * 3.0 + 0.5 * {mat})"  # diagonally dominant
        op = self.choose(["solve", "inv", "det"])
        if op != "solve":
            return self.emit(f"np.linalg.{op}({mat})")
        b = self.pick(lambda s: (len(s) == 1 and len(shape) == 2 and s[0] == n)
                      or (len(s) == len(shape) and s[-2] == n and s[:-2] == shape[:-2]))
        return self.emit(f"np.linalg.solve({mat}, {b if b is not None else f'np.linspace(0.5, 1.5, {n})'})"
                         if b is not None or len(shape) == 2 else f"np.linalg.inv({mat})")

    def cond(self):
        u = self.pick()
        p = self.pick()
        q = self.choose(["np.sum({p})", "np.mean(np.sin({p}))", "np.max({p})", "{p}.sum() * 0.5"]).format(p=p)
        c = self.threshold(self.eval(q))
        if c is None:
            return False
        pred = f"{q} > {_num(c)}" if self.ch.flag() else f"{q} < {_num(c)}"
        b = self.pick(lambda s: (r := _bshape(s, self.shapes[u])) is not None and int(np.prod(r)) <= MAX_SIZE)
        if self.ch.flag():
            return self.emit(f"fg.cond({pred}, lambda a: {self.body('a')}, lambda a: {self.body('a')}, {u})")
        yes, no = f"{self.body('a')} * {self.body('b')}", f"{self.body('a')} + b"
        return self.emit(f"fg.cond({pred}, lambda a, b: {yes}, lambda a, b: {no}, {u}, {b})")

    def fori_loop(self):
        init = self.pick()
        step = self.choose(LOOP).format(c="c", w=self.into(self.shapes[init]))
        if self.ch.flag():
            step = f"({step}) * (1.0 + 0.1 * i)"
        return self.emit(f"fg.fori_loop(0, {self.choose([1, 2, 3, 4])}, lambda i, c: {step}, {init})")

    def scan(self):
        xs = self.pick(lambda s: 1 <= len(s) and s[0] <= 5)
        if xs is None:
            return False
        sx = self.shapes[xs][1:]
        init = self.pick(lambda s: _bshape(s, sx) == tuple(s) and len(s) >= len(sx))
        if init is None or self.ch.flag():
            init = f"{xs}[0]"
        carry = self.choose(LOOP).format(c="c", w="a")
        y = self.choose(["{b} * a", "c + a", "{b}"]).format(b=self.body("c"))
        rev = ", reverse=True" if self.ch.flag() else ""
        return self.emit(f"fg.scan(lambda c, a: ({carry}, {y}), {init}, {xs}{rev})", n_out=2)

    def while_count(self):
        init = self.pick()
        step = self.choose(LOOP).format(c="c[1]", w=self.into(self.shapes[init]))
        k = self.choose([1, 2, 3])
        return self.emit(f"fg.while_loop(lambda c: c[0] < {k}, lambda c: (c[0] + 1, {step}), (0, {init}))[1]")

    def while_value(self):
        """Iterate until a positive quantity passes a limit, at least MARGIN (in log) from every iterate."""
        init = self.pick()
        q = self.choose(["np.sum(c * c)", "np.sum(c * c) + 0.1", "np.max(c * c) + 0.01"])
        body = self.choose(["c * {k}", "c * {k} + 0.1 * np.sin(c)"]).format(k=self.choose(["1.2", "1.5", "2.0"]))
        qf, bf = eval(f"lambda c: {q}", {"np": np}), eval(f"lambda c: {body}", {"np": np})
        lanes = []
        with np.errstate(all="ignore"):
            for c in self.values(init):
                qs = []
                for _ in range(8):
                    qs.append(float(qf(c)))
                    c = bf(c)
                lanes.append(np.log(np.maximum(qs, 1e-300)))
        first = lanes[0]
        limit = float(np.exp((first[self.choose(range(4))] + first[self.choose(range(1, 5))]) / 2))
        limit = float(f"{limit:.4g}")
        for lq in lanes:
            stop = np.nonzero(lq >= np.log(limit))[0]
            if not stop.size or stop[0] > 5 or np.any(np.abs(lq[:stop[0] + 1] - np.log(limit)) < MARGIN):
                return False
        return self.emit(f"fg.while_loop(lambda c: {q} < {limit!r}, lambda c: {body}, {init})")

    def extra(self):
        """The wider menu: scans, statistics, rearrangements, triangles, products, clip, sort, norms."""
        a = self.pick(lambda s: len(s) >= 1)
        if a is None:
            return False
        sa, vals = self.shapes[a], self.values(a)
        nd = len(sa)
        ax = self.choose(range(-nd, nd))
        op = self.choose(["cumsum", "cumprod", "var", "std", "flip", "roll", "tile", "repeat", "pad", "diff",
                          "diagonal", "trace", "tril", "triu", "outer", "kron", "tensordot", "clip", "sort", "norm",
                          "slogdet", "cholesky"])
        if op in ("cumsum", "cumprod", "flip"):
            return self.emit(f"np.{op}({a}, axis={ax})")
        if op in ("var", "std"):  # std only where the variance is away from 0
            if sa[ax] < 2 or (op == "std" and any(np.min(np.var(v, axis=ax)) < MARGIN for v in vals)):
                return False
            return self.emit(f"np.{op}({a}, axis={ax})")
        if op == "roll":
            return self.emit(f"np.roll({a}, {self.choose([-1, 1, 2])}, axis={ax})")
        if op == "tile":
            return self.emit(f"np.tile({a}, {self.choose([2, (2, 1), (1, 2)])})")
        if op == "repeat":
            return self.emit(f"np.repeat({a}, {self.choose([2, 3])}, axis={ax})")
        if op == "pad":
            width = self.choose([1, (0, 2), (1, 0)])
            return self.emit(f"np.pad({a}, {width})")
        if op == "diff":
            return sa[ax] >= 2 and self.emit(f"np.diff({a}, axis={ax})")
        if op in ("diagonal", "trace", "tril", "triu"):
            if nd < 2:
                return False
            k = self.choose([0, 1, -1])
            return self.emit(f"np.{op}({a})" if k == 0 else f"np.{op}({a}, {k})")
        if op in ("outer", "kron"):
            b = self.pick(lambda s: 1 <= len(s) <= 2 and int(np.prod(s)) * int(np.prod(sa)) <= MAX_SIZE)
            return b is not None and nd <= 2 and self.emit(f"np.{op}({a}, {b})")
        if op == "tensordot":
            b = self.pick(lambda s: len(s) >= 1 and s[0] == sa[-1])
            return b is not None and self.emit(f"np.tensordot({a}, {b}, axes=1)")
        if op == "clip":
            lo, hi = self.threshold(vals), self.threshold(vals)
            if lo is None or hi is None or hi - lo < MARGIN:
                return False
            return self.emit(f"np.clip({a}, {_num(lo)}, {_num(hi)})")
        if op == "sort":  # only values at least MARGIN apart along the axis: no ties
            if any(np.any(np.diff(np.sort(v, axis=ax), axis=ax) < MARGIN) for v in vals):
                return False
            return self.emit(f"np.sort({a}, axis={ax})")
        if op == "norm":  # away from the zero vector
            if any(np.linalg.norm(v) < MARGIN for v in vals):
                return False
            return self.emit(f"np.linalg.norm({a})")
        if nd != 1 or not 2 <= sa[0] <= 4:
            return False
        t = f"np.tanh({a}[:, None] - 0.5 * {a})"
        if op == "slogdet":
            return self.emit(f"np.linalg.slogdet(np.eye({sa[0]}) * 3.0 + 0.5 * {t})[1]")
        # symmetric and diagonally dominant with a positive diagonal: positive definite
        return self.emit(f"np.linalg.cholesky(np.eye({sa[0]}) * 3.0 + 0.25 * ({t} + {t}.T))")

    def zeros(self):
        """Exact zeros, where removable singularities (sinc at 0) and zero products hide."""
        a = self.pick()
        return self.emit(self.choose(["{a} - {a}", "{a} * 0.0", "np.zeros_like({a}) * {a}"]).format(a=a))

    def jit(self):
        a = self.pick()
        if self.ch.flag():
            b = self.pick(lambda s: (r := _bshape(s, self.shapes[a])) is not None and int(np.prod(r)) <= MAX_SIZE)
            return self.emit(f"fg.jit(lambda a, b: {self.body('a')} * b + {self.body('b')})({a}, {b})")
        nd = len(self.shapes[a])
        axis = f", axis={self.choose(range(-nd, nd))}" if nd and self.ch.flag() else ""
        return self.emit(f"fg.jit(lambda a: np.sum({self.body('a')}{axis}))({a})")


def _unused(lines, out: str) -> list[str]:
    """Values defined by ``lines`` that no later line and not the output uses."""
    found = []
    for i, line in enumerate(lines):
        later = "\n".join(lines[i + 1:]) + "\n" + out
        found += [t for t in line.split(" = ", 1)[0].split(", ") if not re.search(rf"\b{t}\b", later)]
    return found


class _Draws:
    """Choices drawn by Hypothesis (which shrinks a failing program to a small one)."""

    def __init__(self, draw):
        self.draw = draw

    def choose(self, options):
        return self.draw(st.sampled_from(list(options)))

    def flag(self) -> bool:
        return self.draw(st.booleans())

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def perm(self, items) -> list:
        return list(self.draw(st.permutations(list(items))))

    def ints(self, lo: int, hi: int, kmin: int, kmax: int, unique=None) -> list[int]:
        return self.draw(st.lists(st.integers(lo, hi), min_size=kmin, max_size=kmax, unique_by=unique))

    def subset(self, n: int) -> list[int]:
        return sorted(self.draw(st.sets(st.integers(0, n - 1), min_size=1, max_size=n)))


class _Random(_Draws):
    """Uniform choices from a seeded generator: the even spread a long campaign wants."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def choose(self, options):
        options = list(options)
        return options[self.rng.randrange(len(options))]

    def flag(self) -> bool:
        return self.rng.random() < 0.5

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def perm(self, items) -> list:
        items = list(items)
        self.rng.shuffle(items)
        return items

    def ints(self, lo: int, hi: int, kmin: int, kmax: int, unique=None) -> list[int]:
        out, keys = [], set()
        for _ in range(4 * kmax):
            if len(out) == kmax or (len(out) >= kmin and self.flag()):
                break
            i = self.rng.randint(lo, hi)
            if unique is None or unique(i) not in keys:
                out.append(i)
                keys.add(unique(i) if unique else i)
        return out if len(out) >= kmin else out + [lo] * (kmin - len(out))

    def subset(self, n: int) -> list[int]:
        return sorted(self.rng.sample(range(n), self.rng.randint(1, n)))


def _build(ch: _Draws, max_steps: int) -> Program:
    rng = np.random.default_rng(ch.integer(0, 2 ** 32 - 1))
    ndim = ch.choose([1, 2, 3, 2, 1, 0])
    shape_x = ()
    for _ in range(ndim):
        shape_x += (ch.integer(1, max(1, min(4, 16 // max(int(np.prod(shape_x)), 1)))),)
    params, shapes = ("x",), [shape_x]
    if ch.flag():
        kind = ch.choose(["same", "suffix", "ones", "free"])
        if kind == "same":
            shape_y = shape_x
        elif kind == "suffix":
            shape_y = shape_x[ch.integer(0, len(shape_x)):]
        elif kind == "ones":
            shape_y = tuple(1 if ch.flag() else n for n in shape_x)
        else:
            shape_y = tuple(ch.integer(1, 4) for _ in range(ch.integer(0, 2)))
        params, shapes = ("x", "y"), [shape_x, shape_y]
    points = tuple(tuple(rng.uniform(-1.5, 1.5, s) for s in shapes) for _ in range(BATCH))
    if ch.flag():  # exact zeros in the program's own point, where removable singularities hide
        points = (tuple(np.where(rng.random(s) < 0.3, 0.0, p) for p, s in zip(points[0], shapes)),) + points[1:]
    direction = [rng.standard_normal(s) for s in shapes]
    norm = np.sqrt(sum(np.sum(d * d) for d in direction))
    b = _Builder(ch, params, points, [d / norm for d in direction])
    n_steps, attempts = ch.integer(min(2, max_steps), max_steps), 0
    while b.count < n_steps and attempts < 3 * n_steps:  # a step may not apply: try another
        getattr(b, ch.choose(STEPS))()
        attempts += 1
    out = f"v{b.count}" if b.count else params[-1]
    if ch.flag() and b.shapes[out] != ():  # a scalar output: grad and hessian apply
        b.emit(ch.choose(["np.sum({a})", "np.mean({a})", "{a}.sum()", "np.sum({a} * {a})",
                          "np.sum(np.sin({a}))"]).format(a=out))
        out = f"v{b.count}"
    unused = _unused(b.lines, out)
    if unused and ch.flag():  # values nothing uses join the output, so every line counts
        b.emit(f"{out} + 0.5 * ({' + '.join(f'np.sum({v})' for v in unused)})")
        out = f"v{b.count}"
    return Program(params, tuple(b.lines), out, points)


@st.composite
def programs(draw, max_steps: int = 8) -> Program:
    """Hypothesis strategy: a random program with its inputs and batch of points."""
    return _build(_Draws(draw), max_steps)


def random_program(seed: int, max_steps: int = 8) -> Program:
    """A random program from a seed, every choice uniform (no Hypothesis)."""
    return _build(_Random(seed), max_steps)


# ----------------------------------------------------------------------------- checks

def _flat(parts) -> np.ndarray:
    return np.concatenate([np.ravel(np.asarray(p, dtype=np.float64)) for p in parts]) if parts else np.zeros(0)


def _unflat(z: np.ndarray, shapes) -> tuple:
    out, k = [], 0
    for s in shapes:
        n = int(np.prod(s))
        out.append(z[k:k + n].reshape(s))
        k += n
    return tuple(out)


def _fd(fun: Callable, z: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Central differences of ``fun`` at ``z`` along ``u``: five-point stencils at steps h and h/2,
    Richardson-extrapolated, and an estimate of their error (the two stencils' difference)."""

    def stencil(h):
        vals = [np.asarray(fun(z + k * h * u), dtype=np.float64) for k in (-2, -1, 1, 2)]
        return (vals[0] - 8 * vals[1] + 8 * vals[2] - vals[3]) / (12 * h)

    coarse, fine = stencil(FD_STEP), stencil(FD_STEP / 2)
    return fine + (fine - coarse) / 15, np.abs(fine - coarse)


def _jac_blocks(blocks, m: int) -> np.ndarray:
    """A tuple of per-argument Jacobian blocks (out.shape + in.shape) as one (m, n) matrix."""
    return np.concatenate([np.asarray(b, dtype=np.float64).reshape(m, -1) for b in blocks], axis=1)


class Mismatch(AssertionError):
    """A transform disagreed with finite differences or with another transform."""


class _Checker:
    def __init__(self, prog: Program):
        self.prog = prog
        self.shapes = [np.shape(a) for a in prog.args]
        self.argnums = tuple(range(len(self.shapes)))
        self.z = _flat(prog.args)
        self.n = self.z.size
        plain = prog.function("np")
        self.ref = np.asarray(plain(*prog.args), dtype=np.float64)
        self.out_shape, self.m = self.ref.shape, self.ref.size
        self.scalar = self.ref.shape == ()
        flat_fun = lambda z: np.ravel(plain(*_unflat(z, self.shapes)))
        eye = np.eye(self.n)
        cols = [_fd(flat_fun, self.z, eye[i]) for i in range(self.n)]
        self.jac_fd = np.stack([c[0] for c in cols], axis=1).reshape(self.m, self.n)
        self.jac_err = np.stack([c[1] for c in cols], axis=1).reshape(self.m, self.n)
        rng = np.random.default_rng(0)
        self.u, self.w = rng.standard_normal(self.n), rng.standard_normal(self.m)
        self.checks = 0
        self.spelling = "np"

    def close(self, got, want, tol: float, what: str, call: str, err=0.0):
        """``got`` within ``tol`` (relative to ``want``'s size) plus a finite-difference error ``err``."""
        got, want = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
        scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
        if got.shape != want.shape:
            self.fail(f"{what}: shape {got.shape}, expected {want.shape}", call)
        bad = np.abs(got - want) > tol * scale + 10 * np.asarray(err)
        if np.any(bad):
            at = tuple(int(i) for i in np.argwhere(bad)[0])
            with np.printoptions(precision=12, threshold=60):
                self.fail(f"{what}\n  got  {got!r}\n  want {want!r}\n  first difference at {at}: "
                          f"{got[at]!r} against {want[at]!r} (tolerance {tol} x {scale:.3g})", call)
        self.checks += 1

    def fail(self, message: str, call: str):
        raise Mismatch(f"{message} ({self.spelling} spelling)\nprogram:\n{self.prog.text(self.spelling, call)}")

    def run(self) -> int:
        for spelling in SPELLINGS:
            self.spelling = spelling
            self.spelling_checks(self.prog.function(spelling))
        return self.checks

    def spelling_checks(self, f):
        args, an, m = self.prog.args, self.argnums, self.m
        xs = ", ".join(self.prog.params)
        tangents = _unflat(self.u, self.shapes)
        cotangent = self.w.reshape(self.out_shape)
        batched = tuple(np.stack([pt[k] for pt in self.prog.points]) for k in an)
        tangents_text = "(" + "".join(f"{_array_text(t)}, " for t in tangents) + ")"
        batch_text = ", ".join(_array_text(b) for b in batched)
        jvp_call = f"fg.jvp(f, ({xs},), {tangents_text})"
        vjp_call = f"fg.vjp(f, {xs})[1]({_array_text(cotangent)})"
        blocks = lambda tree, rows: _jac_blocks(tree, rows)
        hess_matrix = lambda hess: np.concatenate([blocks(row, int(np.prod(self.shapes[i])))
                                                   for i, row in enumerate(hess)])

        self.close(f(*args), self.ref, 1e-10, "value differs from NumPy's", f"f({xs})")
        self.close(fg.jit(f)(*args), self.ref, 1e-10, "jit(f) differs from NumPy's value", f"fg.jit(f)({xs})")

        jf = blocks(fg.jacfwd(f, argnums=an)(*args), m)
        self.close(jf, self.jac_fd, FD_TOL, "jacfwd differs from finite differences",
                   f"fg.jacfwd(f, argnums={an})({xs})", self.jac_err)
        jr = blocks(fg.jacrev(f, argnums=an)(*args), m)
        self.close(jr, self.jac_fd, FD_TOL, "jacrev differs from finite differences",
                   f"fg.jacrev(f, argnums={an})({xs})", self.jac_err)
        self.close(jr, jf, AD_TOL, "jacrev differs from jacfwd", f"fg.jacrev(f, argnums={an})({xs})")

        out, t = fg.jvp(f, args, tangents)
        self.close(out, self.ref, 1e-10, "jvp's primal output differs from f", jvp_call)
        self.close(np.ravel(t), self.jac_fd @ self.u, FD_TOL, "jvp differs from finite differences", jvp_call,
                   self.jac_err @ np.abs(self.u))
        out, pullback = fg.vjp(f, *args)
        ct = _flat(pullback(cotangent))
        self.close(ct, self.jac_fd.T @ self.w, FD_TOL, "vjp differs from finite differences", vjp_call,
                   self.jac_err.T @ np.abs(self.w))
        self.close(ct @ self.u, self.w @ np.ravel(t), AD_TOL, "<Jᵀw, u> != <w, Ju>: vjp and jvp disagree", vjp_call)

        if self.scalar:
            g = fg.grad(f, argnums=an)
            grad = _flat(g(*args))
            self.close(grad, self.jac_fd[0], FD_TOL, "grad differs from finite differences",
                       f"fg.grad(f, argnums={an})({xs})", self.jac_err[0])
            self.close(_flat(fg.jit(g)(*args)), grad, AD_TOL, "jit(grad) differs from grad",
                       f"fg.jit(fg.grad(f, argnums={an}))({xs})")
            h = hess_matrix(fg.hessian(f, argnums=an)(*args))
            hv_fd, hv_err = _fd(lambda z: _flat(g(*_unflat(z, self.shapes))), self.z, self.u)
            self.close(h @ self.u, hv_fd, FD_TOL, "hessian differs from finite differences of grad",
                       f"fg.hessian(f, argnums={an})({xs})", hv_err)
            self.close(h, h.T, AD_TOL, "hessian is not symmetric", f"fg.hessian(f, argnums={an})({xs})")
            self.close(hess_matrix(fg.jit(fg.hessian(f, argnums=an))(*args)), h, AD_TOL,
                       "jit(hessian) differs from hessian", f"fg.jit(fg.hessian(f, argnums={an}))({xs})")
            vg = fg.vmap(g)(*batched)
            self.close(np.stack([_flat([b[i] for b in vg]) for i in range(BATCH)]),
                       np.stack([_flat(g(*pt)) for pt in self.prog.points]), AD_TOL,
                       "vmap(grad) differs from a loop of grad", f"fg.vmap(fg.grad(f, argnums={an}))({batch_text})")
            if len(an) == 2:  # the second input not batched
                vg = fg.vmap(g, in_axes=(0, None))(batched[0], args[1])
                self.close(np.stack([_flat([b[i] for b in vg]) for i in range(BATCH)]),
                           np.stack([_flat(g(pt[0], args[1])) for pt in self.prog.points]), AD_TOL,
                           "vmap(grad, in_axes=(0, None)) differs from a loop of grad",
                           f"fg.vmap(fg.grad(f, argnums={an}), in_axes=(0, None))({_array_text(batched[0])}, y)")
            self.close(_flat(fg.grad(fg.jit(f), argnums=an)(*args)), grad, AD_TOL, "grad(jit(f)) differs from grad",
                       f"fg.grad(fg.jit(f), argnums={an})({xs})")
            self.close(hess_matrix(fg.jacfwd(fg.jacrev(f, argnums=an), argnums=an)(*args)), h, AD_TOL,
                       "jacfwd(jacrev) differs from hessian",
                       f"fg.jacfwd(fg.jacrev(f, argnums={an}), argnums={an})({xs})")
            vh = fg.vmap(fg.hessian(f, argnums=an))(*batched)
            self.close(np.stack([hess_matrix([[b[i] for b in row] for row in vh]) for i in range(BATCH)]),
                       np.stack([hess_matrix(fg.hessian(f, argnums=an)(*pt)) for pt in self.prog.points]), AD_TOL,
                       "vmap(hessian) differs from a loop of hessian",
                       f"fg.vmap(fg.hessian(f, argnums={an}))({batch_text})")
            _, hv = fg.hvp(f, args, tangents)
            self.close(_flat(hv if len(an) > 1 else (hv,)), h @ self.u, AD_TOL, "hvp differs from hessian @ v",
                       f"fg.hvp(f, ({xs},), {tangents_text})")
        else:
            self.close(fg.vmap(f)(*batched), np.stack([f(*pt) for pt in self.prog.points]), 1e-10,
                       "vmap(f) differs from a loop of f", f"fg.vmap(f)({batch_text})")
            jac = fg.jacrev(f, argnums=an)
            vj = fg.vmap(jac)(*batched)
            self.close(np.stack([blocks([b[i] for b in vj], m) for i in range(BATCH)]),
                       np.stack([blocks(jac(*pt), m) for pt in self.prog.points]), AD_TOL,
                       "vmap(jacrev) differs from a loop of jacrev",
                       f"fg.vmap(fg.jacrev(f, argnums={an}))({batch_text})")
            self.close(blocks(fg.jit(jac)(*args), m), jr, AD_TOL, "jit(jacrev) differs from jacrev",
                       f"fg.jit(fg.jacrev(f, argnums={an}))({xs})")


def check(prog: Program) -> int:
    """Run every check on ``prog`` in both spellings; return how many were made.

    Raises :class:`Mismatch` (an ``AssertionError``) with the program as runnable source on the
    first disagreement.
    """
    return _Checker(prog).run()


# what a campaign reports it covered: programs whose source matches each pattern
FEATURES = {"two inputs": r"def f\(x, y\)", "scalar output": None, "broadcasting binary": r"= v?\w+ [-+*/] \w",
            "max/min": r"\b(max|min|maximum|minimum)\(", "where": r"np\.where", "shape op": r"np\.(reshape|transpose|"
            r"swapaxes|moveaxis|broadcast_to|concatenate|stack|squeeze|expand_dims)|\.reshape|\.T\b",
            "indexing": r"\w\[", ".at[]": r"fnp\.at", "matmul": r"@|np\.(matmul|dot)\(", "einsum": r"np\.einsum",
            "linalg": r"np\.linalg", "cond": r"fg\.cond", "fori_loop": r"fg\.fori_loop", "scan": r"fg\.scan",
            "while_loop": r"fg\.while_loop", "jit inside": r"fg\.jit"}


@dataclass
class Counts:
    """What a campaign did."""

    programs: int = 0
    checks: int = 0
    mismatches: int = 0
    errors: int = 0
    seconds: float = 0.0
    features: Counter = field(default_factory=Counter)
    lines: int = 0

    def __str__(self) -> str:
        return (f"{self.programs} programs, {self.checks} checks, {self.mismatches} mismatches, "
                f"{self.errors} errors in {self.seconds:.1f} s")

    def coverage(self) -> str:
        """How many programs used each feature, and their mean length."""
        mean = self.lines / max(self.programs, 1)
        return f"mean {mean:.1f} lines; programs with " + ", ".join(f"{k}: {self.features[k]}" for k in FEATURES)


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout


def run(n: int, seed: int = 0, report: Callable[[str], None] = print, max_steps: int = 8,
        show_programs: bool = False, hypothesis: bool = False, timeout: float | None = None) -> Counts:
    """A campaign of ``n`` programs; mismatches and errors are reported with their program and counted.

    Programs come from :func:`random_program` with seeds ``seed * 1_000_000 + i`` (uniform choices),
    or with ``hypothesis=True`` from the :func:`programs` strategy, seeded with ``seed``. With
    ``timeout`` (seconds, main thread only), a program whose checks take longer is an error.
    """
    counts, seen = Counts(), set()
    start = time.perf_counter()

    def one(prog, origin):
        counts.programs += 1
        counts.lines += len(prog.lines)
        src = prog.source()
        for name, pattern in FEATURES.items():
            counts.features[name] += bool(re.search(pattern, src)) if pattern else prog.is_scalar
        if show_programs:
            report(f"# {origin}\n{src}")
        if timeout:
            signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            counts.checks += check(prog)
            return
        except _Timeout:
            counts.errors += 1
            message = f"ERROR ({origin}): the checks took more than {timeout} s\nprogram:\n{prog.text()}\n"
        except Mismatch as err:
            counts.mismatches += 1
            message = f"MISMATCH ({origin}) {err}\n"
        except Exception:  # an error on a valid program is a finding too
            counts.errors += 1
            message = f"ERROR ({origin})\n{traceback.format_exc()}program:\n{prog.text()}\n"
        finally:
            if timeout:
                signal.setitimer(signal.ITIMER_REAL, 0)
        if message not in seen:  # Hypothesis may replay an example
            seen.add(message)
            report(message)

    if hypothesis:
        @hypothesis_seed(seed)
        @settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(programs(max_steps=max_steps))
        def campaign(prog):
            one(prog, f"Hypothesis, seed {seed}")

        campaign()
    else:
        for i in range(n):
            k = seed * 1_000_000 + i
            one(random_program(k, max_steps), f"random_program({k}, max_steps={max_steps})")
    counts.seconds = time.perf_counter() - start
    return counts
