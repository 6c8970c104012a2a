"""The intermediate representation: typed variables, equations and programs.

An :class:`IR` is a list of equations ``outs = prim[params](ins)`` over typed
variables. It is immutable once built, prints in a readable text form, renders
in notebooks and has a structural fingerprint for caches::

    >>> import funcgrad as fg, numpy as np
    >>> print(fg.make_ir(np.sin)(1.0))
    { lambda a:f64[] .
        b:f64[] = sin a
      in b }
"""

from __future__ import annotations

import itertools
from typing import Any, NamedTuple

import numpy as np


class ShapedArray(NamedTuple):
    """The abstract value of an array: its shape and dtype.

    ``weak`` marks a Python scalar passed as an argument to :func:`funcgrad.jit`: like the
    Python scalar itself (NEP 50), it takes the dtype of the arrays it meets.
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    weak: bool = False

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def probe(self) -> Any:
        """A value of this type for a shape/dtype rule: a one, or a Python scalar if weak."""
        one = np.ones(self.shape, self.dtype)
        return one.item() if self.weak else one

    def __str__(self) -> str:
        return f"{dtype_short(self.dtype)}{'~' if self.weak else ''}[{','.join(map(str, self.shape))}]"


_SHORT = {"float64": "f64", "float32": "f32", "float16": "f16", "int64": "i64", "int32": "i32",
          "int16": "i16", "int8": "i8", "uint8": "u8", "bool": "bool", "complex128": "c128",
          "complex64": "c64", "uint64": "u64", "uint32": "u32"}


def dtype_short(dtype: np.dtype) -> str:
    return _SHORT.get(np.dtype(dtype).name, np.dtype(dtype).name)


def aval_of(x: Any) -> ShapedArray:
    """The abstract value of a concrete array or Python scalar."""
    if isinstance(x, np.ndarray):
        return ShapedArray(x.shape, x.dtype)
    x = np.asarray(x)
    return ShapedArray(x.shape, x.dtype)


class Var:
    """A variable of the IR; identity is the object, the type is ``aval``.

        >>> ir = fg.make_ir(np.sin)(1.0)
        >>> x = ir.in_vars[0]
        >>> isinstance(x, Var), x.aval.shape, ir.eqns[0].ins[0] is x
        (True, (), True)
    """

    __slots__ = ("aval",)

    def __init__(self, aval: ShapedArray):
        self.aval = aval

    def __repr__(self) -> str:
        return f"Var({self.aval})"


class Literal:
    """A constant inlined into an equation (a Python scalar or a small array).

        >>> ir = fg.make_ir(lambda x: x * 2.0)(1.0)
        >>> ir.eqns[0].ins[1]
        Literal(2.0)
    """

    __slots__ = ("val", "aval")

    def __init__(self, val: Any, aval: ShapedArray | None = None):
        self.val = val
        self.aval = aval if aval is not None else aval_of(val)

    def __repr__(self) -> str:
        return f"Literal({self.val!r})"


Atom = Var | Literal


class Eqn:
    """One equation: ``outs = prim[params](ins)``."""

    __slots__ = ("prim", "ins", "outs", "params")

    def __init__(self, prim, ins: tuple, outs: tuple, params: dict):
        self.prim = prim
        self.ins = ins
        self.outs = outs
        self.params = params

    def __repr__(self) -> str:
        return f"Eqn({self.prim.name}, {len(self.ins)} ins, {len(self.outs)} outs)"


class IR:
    """A closed program: ``outs = f(*in_vars)`` with constants bound to ``const_vars``.

    ``str(ir)`` prints it, ``ir.eqns`` lists its equations, ``len(ir.eqns)`` is its size.

        >>> ir = fg.make_ir(lambda x: np.sin(x) * 2.0)(1.0)
        >>> print(ir)
        { lambda a:f64[] .
            b:f64[] = sin a
            c:f64[] = mul b 2.0
          in c }
        >>> [eqn.prim.name for eqn in ir.eqns]
        ['sin', 'mul']
    """

    __slots__ = ("in_vars", "const_vars", "consts", "eqns", "outs", "__weakref__")

    def __init__(self, in_vars, eqns, outs, const_vars=(), consts=()):
        self.in_vars = tuple(in_vars)
        self.const_vars = tuple(const_vars)
        self.consts = tuple(consts)
        self.eqns = tuple(eqns)
        self.outs = tuple(outs)

    @property
    def in_avals(self) -> tuple[ShapedArray, ...]:
        return tuple(v.aval for v in self.in_vars)

    @property
    def out_avals(self) -> tuple[ShapedArray, ...]:
        return tuple(v.aval for v in self.outs)

    def __str__(self) -> str:
        return pretty(self)

    def __repr__(self) -> str:
        return pretty(self)

    def _repr_html_(self) -> str:
        """The IR as an HTML table for notebooks: one row per equation, nested IR in collapsible sections.

            >>> import funcgrad as fg, numpy as np
            >>> html = fg.make_ir(np.sin)(1.0)._repr_html_()
            >>> "<td class='fg-prim'>sin</td>" in html
            True
        """
        return html_table(self)

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(pretty(self))

    def fingerprint(self) -> str:
        """A structural hash: equal for IRs that differ only in variable names."""
        import hashlib

        return hashlib.sha256(pretty(self, full_consts=True).encode()).hexdigest()

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__ if k != "__weakref__"}

    def __setstate__(self, state):
        for k, v in state.items():
            object.__setattr__(self, k, v)


# ----------------------------------------------------------------------------- printing

def _names():
    for n in itertools.count(1):
        for letters in itertools.product("abcdefghijklmnopqrstuvwxyz", repeat=n):
            yield "".join(letters)


def _format_param(v: Any) -> str:
    if isinstance(v, IR):
        return "{ " + pretty(v).replace("\n", "\n    ") + " }"
    if isinstance(v, tuple) and v and all(isinstance(b, IR) for b in v):  # the branches of a cond
        return "(" + ", ".join(_format_param(b) for b in v) + ")"
    if isinstance(v, np.dtype | type):
        return dtype_short(v)
    return repr(v) if isinstance(v, str) else str(v)


def _literal_text(x: Literal, full_consts: bool = False) -> str:
    """A literal as the printers show it: its value if 0-d, else its type (and values with ``full_consts``)."""
    v = x.val
    if np.ndim(v) == 0:
        return repr(v.item() if isinstance(v, np.generic | np.ndarray) else v)
    text = f"{dtype_short(x.aval.dtype)}{list(x.aval.shape)}"
    return text + (f"{np.asarray(v).tolist()}" if full_consts else "")


def pretty(ir: IR, full_consts: bool = False) -> str:
    """Render an IR as jaxpr-like text."""
    names: dict[Var, str] = {}
    gen = _names()

    def name(x) -> str:
        if isinstance(x, Literal):
            return _literal_text(x, full_consts)
        if x not in names:
            names[x] = next(gen)
        return names[x]

    def decl(v: Var) -> str:
        return f"{name(v)}:{v.aval}"

    consts = ""
    if ir.const_vars:
        consts = " ".join(decl(v) for v in ir.const_vars) + " ; "
        if full_consts:
            consts += repr([np.asarray(c).tolist() for c in ir.consts]) + " ; "
    lines = ["{ lambda " + consts + " ".join(decl(v) for v in ir.in_vars) + " ."]
    for eqn in ir.eqns:
        params = ""
        if eqn.params:
            params = "[" + ", ".join(f"{k}={_format_param(v)}" for k, v in sorted(eqn.params.items())) + "]"
        outs = " ".join(decl(v) for v in eqn.outs)
        ins = " ".join(name(x) for x in eqn.ins)
        lines.append(f"    {outs} = {eqn.prim.name}{params} {ins}")
    outs = " ".join(name(x) for x in ir.outs)
    lines.append(f"  in {outs if len(ir.outs) == 1 else '(' + outs + ')'} }}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- HTML

_HTML_STYLE = (
    "<style>"
    ".fg-ir{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;line-height:1.35}"
    ".fg-ir table{border-collapse:collapse;margin:2px 0;font-size:inherit;font-family:inherit}"
    # selectors specific enough to win over notebook front ends' own table styles (right-aligned, borderless)
    ".fg-ir table.fg-t th{text-align:left;font-weight:600;border:none;border-bottom:1px solid #999;padding:2px 8px}"
    ".fg-ir table.fg-t td{text-align:left;vertical-align:top;padding:1px 8px;border:none;"
    "border-bottom:1px solid #e4e4e4;line-height:1.35}"
    ".fg-ir .fg-prim{color:#8a2be2;font-weight:600}"
    ".fg-ir .fg-ty{color:#777}"
    ".fg-ir .fg-head{margin:2px 0;color:#333}"
    ".fg-ir details{margin:1px 0 1px 4px;border-left:2px solid #c9b6e4;padding-left:6px}"
    ".fg-ir summary{cursor:pointer;color:#555}"
    "</style>"
)


def html_table(ir: IR) -> str:
    """Render an IR as HTML: a header with inputs, constants and outputs, then a table of equations.

    Variables carry the names of the text form (``str(ir)``); parameters that hold IR (cond branches,
    loop and scan bodies, custom rules, checkpointed functions) are rendered the same way, nested in
    ``<details>`` sections. Every piece of text is escaped.

        >>> import funcgrad as fg, numpy as np
        >>> html_table(fg.make_ir(np.cos)(1.0)).count("<tr>")   # the header row and one equation
        2
    """
    return f"<div class='fg-ir'>{_HTML_STYLE}{_html_ir(ir)}</div>"


def _html_ir(ir: IR) -> str:
    import html

    esc = html.escape
    names: dict[Var, str] = {}
    gen = _names()

    def name(x) -> str:
        if isinstance(x, Literal):
            return esc(_literal_text(x))
        if x not in names:
            names[x] = next(gen)
        return esc(names[x])

    def decl(v: Var) -> str:
        return f"{name(v)}<span class='fg-ty'>:{esc(str(v.aval))}</span>"

    def param(k: str, v: Any) -> str:
        if isinstance(v, IR):
            return _html_nested(esc(k), v)
        if isinstance(v, tuple) and v and all(isinstance(b, IR) for b in v):
            return "".join(_html_nested(f"{esc(k)}[{i}]", b) for i, b in enumerate(v))
        return f"<div>{esc(k)}={esc(_format_param(v))}</div>"

    head = [f"<b>inputs</b> {' '.join(decl(v) for v in ir.in_vars) or '()'}"]
    if ir.const_vars:
        head.append(f"<b>constants</b> {' '.join(decl(v) for v in ir.const_vars)}")
    rows = []
    for eqn in ir.eqns:
        params = "".join(param(k, v) for k, v in sorted(eqn.params.items()))
        rows.append(f"<tr><td>{' '.join(decl(v) for v in eqn.outs)}</td><td class='fg-prim'>{esc(eqn.prim.name)}</td>"
                    f"<td>{params}</td><td>{' '.join(name(x) for x in eqn.ins)}</td></tr>")
    head.append(f"<b>outputs</b> {' '.join(name(x) for x in ir.outs) or '()'}")
    n = len(ir.eqns)
    table = ("<table class='fg-t'><thead><tr><th>outputs</th><th>primitive</th><th>params</th><th>inputs</th>"
             f"</tr></thead><tbody>{''.join(rows)}</tbody></table>") if rows else ""
    return (f"<div class='fg-head'>IR, {n} equation{'s' if n != 1 else ''}: " + " &nbsp; ".join(head)
            + f"</div>{table}")


def _html_nested(label: str, ir: IR) -> str:
    n = len(ir.eqns)
    return (f"<details><summary>{label}: IR, {n} equation{'s' if n != 1 else ''}</summary>"
            f"{_html_ir(ir)}</details>")
