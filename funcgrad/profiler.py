"""``funcgrad.profiler``: per-primitive counts and times (like ``torch.autograd.profiler``).

While a :class:`profile` is active, every primitive execution (the one place primitives
run, :func:`funcgrad.core.trace.dispatch`) is timed: forward passes, backward passes
(their rules execute primitives too) and functional transforms alike. Where the reverse
pass offers ``funcgrad.transforms.reverse.set_rule_hook``, each vjp rule application is
also recorded (as ``"MulBackward0"`` etc., category ``"backward"``), with the primitives
it runs nested inside it, so their time is not counted twice in self time.

    >>> import numpy as np
    >>> from funcgrad import profiler
    >>> from funcgrad import autograd as ag
    >>> with profiler.profile() as prof:
    ...     y = ag.tensor([1.0, 2.0]).sin().sin().sin()
    >>> [(a.key, a.count) for a in prof.key_averages()]
    [('sin', 3)]
    >>> print(prof.table(sort_by="count"))  # doctest: +SKIP
    Name  Calls  Self CPU %  Self CPU total  CPU total  CPU time avg
    ...
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from funcgrad.core import trace as _trace

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "profile"]


def _shape_of(a: Any) -> list[int]:
    shape = getattr(a, "shape", None)
    if shape is None:
        try:
            shape = np.shape(a)
        except Exception:  # ragged lists and other objects
            shape = ()
    try:
        return [int(d) for d in shape]
    except (TypeError, ValueError):
        return []


class FunctionEvent:
    """One primitive execution: ``name``, ``input_shapes``, ``start_ns``, ``duration_ns``, ``self_duration_ns``.

    :attr:`profile.events` lists them in start order; ``depth`` counts the events they are nested in.

        >>> from funcgrad import profiler
        >>> with profiler.profile() as prof:
        ...     _ = ag.tensor([1.0, 2.0]).exp()
        >>> e = prof.events[0]
        >>> e.name, e.input_shapes, e.cpu_time_total >= e.self_cpu_time_total >= 0
        ('exp', [[2]], True)
    """

    __slots__ = ("name", "input_shapes", "start_ns", "duration_ns", "self_duration_ns", "thread", "depth", "cat")

    def __init__(self, name: str, input_shapes: list, start_ns: int, duration_ns: int, self_duration_ns: int,
                 thread: int, depth: int, cat: str = "primitive"):
        self.name = name
        self.input_shapes = input_shapes
        self.start_ns = start_ns
        self.duration_ns = duration_ns
        self.self_duration_ns = self_duration_ns
        self.thread = thread
        self.depth = depth
        self.cat = cat  # "primitive" (a dispatch) or "backward" (a vjp rule application)

    @property
    def key(self) -> str:
        return self.name

    @property
    def cpu_time_total(self) -> float:
        """Duration in microseconds (torch's unit)."""
        return self.duration_ns / 1e3

    @property
    def self_cpu_time_total(self) -> float:
        return self.self_duration_ns / 1e3

    def __repr__(self) -> str:
        return (f"<FunctionEvent name={self.name} input_shapes={self.input_shapes} "
                f"cpu_time_total={self.cpu_time_total:.3f}us self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


class FunctionEventAvg:
    """Events of one name (and, when grouped, one list of input shapes) added up. Times in microseconds.

        >>> from funcgrad import profiler
        >>> with profiler.profile() as prof:
        ...     _ = ag.ones(3).sin().sin()
        >>> avg = prof.key_averages()[0]
        >>> avg.key, avg.count, avg.cpu_time == avg.cpu_time_total / 2
        ('sin', 2, True)
    """

    __slots__ = ("key", "input_shapes", "count", "cpu_time_total", "self_cpu_time_total")

    def __init__(self, key: str, input_shapes: list | None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0

    def add(self, e: FunctionEvent) -> None:
        self.count += 1
        self.cpu_time_total += e.cpu_time_total
        self.self_cpu_time_total += e.self_cpu_time_total

    @property
    def cpu_time(self) -> float:
        """Average duration per call, in microseconds."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self) -> str:
        shapes = f" input_shapes={self.input_shapes}" if self.input_shapes is not None else ""
        return (f"<FunctionEventAvg key={self.key}{shapes} count={self.count} "
                f"cpu_time_total={self.cpu_time_total:.3f}us self_cpu_time_total={self.self_cpu_time_total:.3f}us>")


_SORT_KEYS: dict[str, tuple[Callable[[FunctionEventAvg], Any], bool]] = {
    "self_cpu_time_total": (lambda a: a.self_cpu_time_total, True),
    "cpu_time_total": (lambda a: a.cpu_time_total, True),
    "cpu_time": (lambda a: a.cpu_time, True),
    "count": (lambda a: a.count, True),
    "name": (lambda a: a.key, False),
}


def _fmt_us(us: float) -> str:
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


class EventList(list):
    """A list of :class:`FunctionEventAvg` (from :meth:`profile.key_averages`) that can print itself.

        >>> from funcgrad import profiler
        >>> with profiler.profile() as prof:
        ...     _ = ag.ones(3).exp() * 2.0
        >>> lines = prof.key_averages().table(sort_by="name").splitlines()
        >>> lines[1].split()[:2], [line.split()[:2] for line in lines[3:5]]
        (['Name', 'Calls'], [['exp', '1'], ['mul', '1']])
    """

    def __init__(self, items=(), group_by_input_shape: bool = False):
        super().__init__(items)
        self.group_by_input_shape = group_by_input_shape

    def table(self, sort_by: str | None = "self_cpu_time_total", row_limit: int = 100,
              max_name_column_width: int = 55) -> str:
        """A text table: Name, (Input Shapes), Calls, Self CPU %, Self CPU total, CPU total, CPU time avg.

        ``sort_by`` is ``'self_cpu_time_total'``, ``'cpu_time_total'``, ``'cpu_time'``, ``'count'`` (all
        descending) or ``'name'`` (ascending); ``None`` keeps first-seen order. ``row_limit < 0`` shows all rows.
        """
        rows = list(self)
        if sort_by is not None:
            if sort_by not in _SORT_KEYS:
                raise ValueError(f"sort_by must be one of {', '.join(_SORT_KEYS)}, got {sort_by!r}")
            key, reverse = _SORT_KEYS[sort_by]
            rows.sort(key=key, reverse=reverse)
        total_self = sum(a.self_cpu_time_total for a in self)
        if row_limit is not None and row_limit >= 0:
            rows = rows[:row_limit]
        header = ["Name"] + (["Input Shapes"] if self.group_by_input_shape else []) + [
            "Calls", "Self CPU %", "Self CPU total", "CPU total", "CPU time avg"]
        body = []
        for a in rows:
            name = a.key if len(a.key) <= max_name_column_width else a.key[:max_name_column_width - 3] + "..."
            pct = 100.0 * a.self_cpu_time_total / total_self if total_self else 0.0
            body.append([name] + ([str(a.input_shapes)] if self.group_by_input_shape else []) + [
                str(a.count), f"{pct:.2f}%", _fmt_us(a.self_cpu_time_total), _fmt_us(a.cpu_time_total),
                _fmt_us(a.cpu_time)])
        widths = [max(len(r[i]) for r in [header] + body) for i in range(len(header))]
        left = 2 if self.group_by_input_shape else 1  # text columns are left-aligned, numbers right-aligned

        def line(cells):
            return "  ".join(c.ljust(w) if i < left else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

        sep = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [sep, line(header), sep] + [line(r) for r in body] + [sep, f"Self CPU time total: {_fmt_us(total_self)}"]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.table()


class profile:  # noqa: N801  (torch's name)
    """Context manager that records every primitive execution while active.

    Profiles nest: an inner profile records its own events and hands each call on to the
    outer one, which records it too. On exit the previous dispatch hook is restored.

        >>> import numpy as np
        >>> from funcgrad import profiler
        >>> from funcgrad import autograd as ag
        >>> x = ag.tensor(np.ones(3), requires_grad=True)
        >>> with profiler.profile() as prof:
        ...     (x * x).sum().backward()
        >>> {e.name for e in prof.events} >= {'mul', 'reduce_sum'}
        True
        >>> prof.export_chrome_trace("/dev/null")
    """

    def __init__(self, enabled: bool = True, record_shapes: bool = True, use_cuda: bool = False, **kwargs: Any):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.events: list[FunctionEvent] = []
        self._previous: Callable | None = None
        self._previous_rule_hook: Callable | None = None
        self._rule_setter: Callable | None = None
        self._active = False
        self._local = threading.local()
        self._start_ns = 0

    # ------------------------------------------------------------------ recording
    def __enter__(self) -> profile:
        if not self.enabled:
            return self
        if self._active:
            raise RuntimeError("profiler is already active")
        self._active = True
        self._start_ns = time.perf_counter_ns()
        self._previous = _trace.set_dispatch_hook(self._hook)
        from funcgrad.transforms import reverse

        self._rule_setter = getattr(reverse, "set_rule_hook", None)  # vjp rule events, where available
        if self._rule_setter is not None:
            self._previous_rule_hook = self._rule_setter(self._rule_hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        if not self._active:
            return
        _trace.set_dispatch_hook(self._previous)
        if self._rule_setter is not None:
            self._rule_setter(self._previous_rule_hook)
        self._previous = self._previous_rule_hook = self._rule_setter = None
        self._active = False

    def _hook(self, prim: Any, args: Any, params: dict) -> Any:
        """The dispatch hook: time one primitive execution (handing it on to the previous hook, if any)."""
        shapes = [_shape_of(a) for a in args] if self.record_shapes else []
        inner = self._previous
        if inner is None:
            return self._timed(prim.name, shapes, "primitive", prim.impl, *args, **params)
        return self._timed(prim.name, shapes, "primitive", inner, prim, args, params)

    def _rule_hook(self, prim: Any, params: dict, i: int, thunk: Callable[[], Any]) -> Any:
        """The reverse-pass hook: time one vjp rule application (its primitives nest inside it)."""
        from funcgrad.autograd.graph import backward_name

        inner = self._previous_rule_hook
        if inner is None:
            return self._timed(backward_name(prim, params), [], "backward", thunk)
        return self._timed(backward_name(prim, params), [], "backward", inner, prim, params, i, thunk)

    def _timed(self, name: str, shapes: list, cat: str, fn: Callable, *args: Any, **kwargs: Any) -> Any:
        local = self._local
        stack = getattr(local, "stack", None)
        if stack is None:
            stack = local.stack = []
        frame = [0]  # time spent in events nested inside this one
        stack.append(frame)
        events = self.events
        slot = len(events)
        events.append(None)  # reserved now, so events stay in start order (outer before nested)
        start = time.perf_counter_ns()
        try:
            return fn(*args, **kwargs)
        finally:
            dur = time.perf_counter_ns() - start
            stack.pop()
            if stack:
                stack[-1][0] += dur
            events[slot] = FunctionEvent(name, shapes, start, dur, max(dur - frame[0], 0), threading.get_ident(),
                                         len(stack), cat)

    # ------------------------------------------------------------------ results
    @property
    def function_events(self) -> list[FunctionEvent]:
        return self.events

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """The events added up by name (and by input shapes when ``group_by_input_shape``), in first-seen order."""
        groups: dict = {}
        for e in self.events:
            k = (e.name, repr(e.input_shapes)) if group_by_input_shape else e.name
            avg = groups.get(k)
            if avg is None:
                avg = groups[k] = FunctionEventAvg(e.name, e.input_shapes if group_by_input_shape else None)
            avg.add(e)
        return EventList(groups.values(), group_by_input_shape)

    def table(self, sort_by: str | None = "self_cpu_time_total", group_by_input_shape: bool = False,
              row_limit: int = 100, max_name_column_width: int = 55) -> str:
        """A readable table of :meth:`key_averages` (see :meth:`EventList.table`)."""
        return self.key_averages(group_by_input_shape).table(sort_by, row_limit, max_name_column_width)

    def __str__(self) -> str:
        return self.table()

    def export_chrome_trace(self, path: str | os.PathLike) -> None:
        """Write the events as Trace Event JSON (open in Perfetto or ``chrome://tracing``).

        One complete (``"ph": "X"``) event per recorded event (category ``"primitive"`` for each
        primitive call, ``"backward"`` for vjp rule applications); ``ts`` and ``dur`` in
        microseconds from the start of the profile.
        """
        pid = os.getpid()
        trace_events = [{
            "name": e.name, "cat": e.cat, "ph": "X",
            "ts": (e.start_ns - self._start_ns) / 1e3, "dur": e.duration_ns / 1e3,
            "pid": pid, "tid": e.thread,
            "args": {"Input Shapes": e.input_shapes},
        } for e in sorted(self.events, key=lambda e: e.start_ns)]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace_events, "displayTimeUnit": "ms"}, f)
