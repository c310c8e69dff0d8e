"""The SVG timeline of a scenario report: time buckets, one lane per step-source, the charts.

Simulated time runs along x. The top lane is the whole run; below it one lane per
step-source (``entity@source``): a strip of cells coloured by what happened in each
tick (ok, cursor held, skipped by backoff, crashed) and a chart of the cursor's lag
(``now - cursor``: zero when caught up, a ramp while it is held) with the window each
tick read as a bar reaching back from ``until`` to ``since`` on that scale. Fault spans
are shaded bands, rejects and dead-letters are markers, and the tick where an invariant
first broke is a red line named after the invariant.

Dense runs stay legible: :meth:`Timeline.build` aggregates ticks into at most
``max_columns`` time buckets per lane, each showing the worst status in it and its
counts in a hover title. :mod:`spmkit_testing.report` lays the page out around it.
"""

from __future__ import annotations

import ast
import dataclasses
import html
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from spmkit_testing.oracle import INVARIANTS

if TYPE_CHECKING:
    from spmkit_testing.simulation import StepTrace, TickTrace

__all__ = [
    "clip",
    "esc",
    "fault_list",
    "legend",
    "parse_time",
    "short_time",
    "step_state",
    "Timeline",
    "timeline_svg",
    "ViolationLike",
]

# States of a step-source in a tick, least to most severe: a bucket shows its worst.
_STATES = ("ok", "skipped", "backoff", "held", "crashed")
_RANK = {name: rank for rank, name in enumerate(_STATES)}
_COLOUR = {"ok": "#3b9c5f", "skipped": "#a3a8ae", "backoff": "#8268c9", "held": "#e8a027",
           "crashed": "#d6362b"}
_LABEL = {"ok": "ok (clean run)", "skipped": "skipped (clock behind cursor)",
          "backoff": "skipped by backoff", "held": "partial: cursor held (errors / rejects)",
          "crashed": "engine crashed"}
_RUN_STATE = {"ok": "ok", "partial": "held", "failed": "crashed", "crashed": "crashed"}

# Geometry of the SVG, in px (the viewBox scales it to the page width).
_W, _LABEL_W, _PLOT_X = 1200, 196, 210
_PLOT_W = _W - _PLOT_X - 16
_RUN_H, _LANE_H = 26, 92
_STRIP_H, _CHART_TOP, _CHART_H = 12, 20, 52


class ViolationLike(Protocol):
    """What the timeline reads from a violation (the oracle's ``Violation`` fits)."""

    @property
    def invariant(self) -> str: ...
    @property
    def tick(self) -> int: ...
    @property
    def where(self) -> str: ...
    @property
    def record(self) -> str | None: ...
    @property
    def detail(self) -> str: ...


@dataclass
class _Bucket:
    """The ticks of one lane that fall into one time column."""

    first: int
    last: int
    t_first: datetime
    t_last: datetime
    worst: str = "ok"
    counts: dict[str, int] = field(default_factory=dict)
    attempted: int = 0
    rejected: int = 0
    dead: int = 0
    since: datetime | None = None
    until: datetime | None = None
    cursor: datetime | None = None
    # Lags in seconds (now - a time): the widest window, the cursor before and after.
    reach: float | None = None
    lag_max: float | None = None
    lag_end: float | None = None
    error: str | None = None

    def add(self, index: int, when: datetime, state: str) -> None:
        self.last, self.t_last = index, when
        self.counts[state] = self.counts.get(state, 0) + 1
        if _RANK[state] > _RANK[self.worst]:
            self.worst = state

    def merge(self, other: _Bucket) -> None:
        self.last, self.t_last = other.last, other.t_last
        for state, n in other.counts.items():
            self.counts[state] = self.counts.get(state, 0) + n
        self.attempted += other.attempted
        self.rejected += other.rejected
        self.dead += other.dead
        self.error = self.error or other.error
        self.cursor, self.lag_end = other.cursor, other.lag_end
        self.lag_max = _max(self.lag_max, other.lag_max)
        self.reach = _max(self.reach, other.reach)


@dataclass
class _Lane:
    key: tuple[str, str]
    buckets: dict[int, _Bucket] = field(default_factory=dict)
    cursor: datetime | None = None
    attempted: int = 0
    rejected: int = 0
    dead: int = 0

    @property
    def label(self) -> str:
        entity, source = self.key
        return f"{entity}@{source}" if source else entity

    def bucket(self, col: int, index: int, when: datetime) -> _Bucket:
        if col not in self.buckets:
            self.buckets[col] = _Bucket(index, index, when, when)
        return self.buckets[col]


@dataclass
class Timeline:
    """A run bucketed for drawing: timed ticks, the run lane and one lane per step-source,
    violations by tick and a number for each distinct fault set (F1, F2…)."""

    ticks: list[tuple[TickTrace, datetime]]
    d0: datetime
    d1: datetime
    columns: int
    lanes: list[_Lane]
    run: _Lane
    violations: dict[int, list[ViolationLike]]
    fault_ids: dict[tuple[str, ...], int]

    @property
    def top(self) -> int:
        """Where the lanes start: below the axis, and below the violation labels if any."""
        return 92 if self.violations else 48

    @classmethod
    def build(cls, trace: Sequence[TickTrace], violations: Sequence[ViolationLike],
              max_columns: int) -> Timeline:
        ticks = list(_timed(trace))
        times = [when for _, when in ticks] or [datetime(1970, 1, 1, tzinfo=UTC)]
        lo, hi = min(times), max(times)
        # A little room on both sides; a lone instant gets a minute either side.
        pad = max((hi - lo) / 60, timedelta(seconds=30)) if hi > lo else timedelta(minutes=1)
        by_tick: dict[int, list[ViolationLike]] = {}
        for v in violations:
            by_tick.setdefault(v.tick, []).append(v)
        model = cls(ticks, lo - pad / 2, hi + pad, max_columns, [], _Lane(("(run)", "")),
                    by_tick, {})
        model._fill()
        return model

    def col(self, when: datetime) -> int:
        span = (self.d1 - self.d0).total_seconds()
        raw = int((when - self.d0).total_seconds() / span * self.columns)
        return min(max(raw, 0), self.columns - 1)

    def x(self, when: datetime) -> float:
        span = (self.d1 - self.d0).total_seconds()
        frac = min(max((when - self.d0).total_seconds() / span, 0.0), 1.0)
        return _PLOT_X + frac * _PLOT_W

    def cx(self, col: int) -> float:
        return _PLOT_X + (col + 0.5) * _PLOT_W / self.columns

    def _fill(self) -> None:
        lanes: dict[tuple[str, str], _Lane] = {}
        for tick, when in self.ticks:
            col = self.col(when)
            if tick.faults and tick.faults not in self.fault_ids:
                self.fault_ids[tick.faults] = len(self.fault_ids) + 1
            states = []
            for step in tick.steps:
                key = (step.entity, step.source_key)
                if key not in lanes:
                    lanes[key] = _Lane(key)
                lane = lanes[key]
                state = step_state(step)
                states.append(state)
                _add_step(lane.bucket(col, tick.index, when), lane, step, tick.index, when, state)
            if tick.crashed_at is not None:
                for lane in lanes.values():
                    crashed = lane.bucket(col, tick.index, when)
                    crashed.add(tick.index, when, "crashed")
                    crashed.cursor = lane.cursor
                    crashed.lag_end = _lag(when, lane.cursor)
            run_state = max([_RUN_STATE.get(tick.status, "held"), *states], key=_RANK.__getitem__)
            bucket = self.run.bucket(col, tick.index, when)
            bucket.add(tick.index, when, run_state)
            bucket.error = bucket.error or (f"crash at {tick.crashed_at}" if tick.crashed_at
                                            else None)
        self.lanes = list(lanes.values())


def _timed(trace: Sequence[TickTrace]) -> Iterator[tuple[TickTrace, datetime]]:
    last = None
    for tick in trace:
        when = parse_time(tick.now) or last
        if when is None:
            continue
        last = when
        yield tick, when


def step_state(step: StepTrace) -> str:
    """The state of one step in one tick: ``ok``, ``skipped``, ``backoff`` or ``held``."""
    if step.skipped == "backoff":
        return "backoff"
    if step.skipped:
        return "skipped"
    return "held" if step.errors else "ok"


def _add_step(bucket: _Bucket, lane: _Lane, step: StepTrace, index: int, when: datetime,
              state: str) -> None:
    bucket.add(index, when, state)
    bucket.attempted += step.attempted
    bucket.rejected += step.rejected
    bucket.dead += step.dead_lettered
    lane.attempted += step.attempted
    lane.rejected += step.rejected
    lane.dead += step.dead_lettered
    if step.errors and bucket.error is None:
        bucket.error = step.errors[0]
    if step.window is not None:
        since, until = parse_time(step.window[0]), parse_time(step.window[1])
        if since is not None and (bucket.since is None or since < bucket.since):
            bucket.since = since
        if until is not None and (bucket.until is None or until > bucket.until):
            bucket.until = until
        bucket.reach = _max(bucket.reach, _lag(when, since))
    bucket.lag_max = _max(bucket.lag_max, _lag(when, parse_time(step.cursor_before)))
    lane.cursor = parse_time(step.cursor_after) or parse_time(step.cursor_before)
    bucket.cursor = lane.cursor
    bucket.lag_end = _lag(when, lane.cursor)


def _lag(now: datetime, value: datetime | None) -> float | None:
    return None if value is None else max((now - value).total_seconds(), 0.0)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def parse_time(value: str | None) -> datetime | None:
    """An ISO timestamp of the trace as an aware datetime (UTC when naive); None if absent."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- timeline --------------------------------------------------------------------------


def timeline_svg(m: Timeline) -> str:
    """The inline SVG: axis, fault bands, the run lane, one lane per step-source, violations."""
    height = m.top + _RUN_H + _LANE_H * len(m.lanes) + 8
    bottom = height - 8
    out = [f"<svg class=\"timeline\" viewBox=\"0 0 {_W} {height}\" role=\"img\" "
           f"font-size=\"11\">",
           "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
           "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fde7e4\"/>"
           "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#f3b7ae\" stroke-width=\"3\"/>"
           "</pattern></defs>"]
    out += _axis(m, bottom)
    out += _fault_bands(m, bottom)
    out += _lane(m, m.run, m.top, run=True)
    for i, lane in enumerate(m.lanes):
        out += _lane(m, lane, m.top + _RUN_H + i * _LANE_H, run=False)
    out += _violation_marks(m, bottom)
    out.append("</svg>")
    return "".join(out)


_STEPS = [timedelta(seconds=s) for s in (1, 5, 15, 30, 60, 300, 900, 1800, 3600, 3 * 3600,
                                          6 * 3600, 12 * 3600)]
_STEPS += [timedelta(days=d) for d in (1, 2, 7, 14, 30, 91, 365)]


def _axis(m: Timeline, bottom: int) -> list[str]:
    span = m.d1 - m.d0
    step = next((s for s in _STEPS if span / s <= 10), _STEPS[-1])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    t = epoch + step * -(-(m.d0 - epoch) // step)
    out, last_day = [], None
    while t <= m.d1:
        x = m.x(t)
        if step >= timedelta(days=1):
            label = t.strftime("%b %d")
        elif last_day != t.date():
            label = t.strftime("%b %d %H:%M" if step >= timedelta(minutes=1) else "%H:%M:%S")
        else:
            label = t.strftime("%H:%M" if step >= timedelta(minutes=1) else "%H:%M:%S")
        last_day = t.date()
        anchor = "end" if x > _PLOT_X + _PLOT_W - 30 else "middle"
        out.append(f"<line x1=\"{x:.1f}\" y1=\"22\" x2=\"{x:.1f}\" y2=\"{bottom}\" "
                   f"class=\"grid\"/><text x=\"{x:.1f}\" y=\"16\" text-anchor=\"{anchor}\" "
                   f"class=\"axis\">{esc(label)}</text>")
        t += step
    out.append("<text x=\"8\" y=\"16\" class=\"axis\">simulated time (UTC)</text>")
    return out


@dataclass
class _Band:
    t0: datetime
    t1: datetime
    i0: int
    i1: int
    ids: set[int]


def _fault_bands(m: Timeline, bottom: int) -> list[str]:
    # Spans of consecutive ticks with the same fault set, merged when they touch on screen.
    bands: list[_Band] = []
    prev: tuple[str, ...] = ()
    for tick, when in m.ticks:
        ids = {m.fault_ids[tick.faults]} if tick.faults else set()
        if tick.faults and tick.faults == prev:
            bands[-1].t1, bands[-1].i1 = when, tick.index
        elif tick.faults and bands and m.col(when) <= m.col(bands[-1].t1) + 1:
            bands[-1].t1, bands[-1].i1 = when, tick.index
            bands[-1].ids |= ids
        elif tick.faults:
            bands.append(_Band(when, when, tick.index, tick.index, ids))
        prev = tick.faults
    out = []
    colw = _PLOT_W / m.columns
    label_end = 0.0
    for band in bands:
        x0 = m.cx(m.col(band.t0)) - colw / 2
        x1 = max(m.cx(m.col(band.t1)) + colw / 2, x0 + 3)
        names = "+".join(f"F{i}" for i in sorted(band.ids))
        title = (f"faults {names}, ticks {band.i0}-{band.i1}, {short_time(band.t0)} - "
                 f"{short_time(band.t1)}")
        out.append(f"<g><title>{esc(title)}</title><rect x=\"{x0:.1f}\" y=\"26\" "
                   f"width=\"{x1 - x0:.1f}\" height=\"{bottom - 26}\" fill=\"url(#hatch)\" "
                   f"opacity=\"0.75\"/>")
        if x0 >= label_end:  # labels left to right, none over another
            label_end = x0 + 4 + 6 * len(names)
            out.append(f"<text x=\"{x0 + 2:.1f}\" y=\"36\" class=\"fault\">{esc(names)}</text>")
        out.append("</g>")
    return out


def _lane(m: Timeline, lane: _Lane, y: int, *, run: bool) -> list[str]:
    out = [f"<line x1=\"0\" y1=\"{y}\" x2=\"{_W}\" y2=\"{y}\" class=\"sep\"/>"]
    label = "all steps (run)" if run else lane.label
    out.append(f"<text x=\"8\" y=\"{y + 16}\" class=\"lane\"><title>{esc(label)}</title>"
               f"{esc(clip(label, 26))}</text>")
    if not run:
        cursor = short_time(lane.cursor) if lane.cursor else "never advanced"
        lines = [f"sent {lane.attempted - lane.rejected:,} · rejected {lane.rejected:,}",
                 f"dead-lettered {lane.dead:,}", f"cursor {cursor}"]
        out += [f"<text x=\"8\" y=\"{y + 30 + 12 * i}\" class=\"sub\">{esc(text)}</text>"
                for i, text in enumerate(lines)]
    strip_y = y + (6 if run else 4)
    cols = sorted(lane.buckets)
    position = {col: i for i, col in enumerate(cols)}
    colw = _PLOT_W / m.columns
    cells: list[tuple[int, str]] = []
    for b, c0, c1 in _runs(lane, cols):
        nxt = m.cx(cols[position[c1] + 1]) if c1 != cols[-1] else _PLOT_X + _PLOT_W
        x = m.cx(c0) - colw / 2
        # Rare trouble in a dense run must not vanish: at least 3 px, drawn over the ok cells.
        width = max(m.cx(c1) + colw / 2 - x, min(nxt - m.cx(c1) - 1, 40),
                    1.0 if b.worst == "ok" else 3.0)
        width = min(width, _PLOT_X + _PLOT_W - x)
        cells.append((_RANK[b.worst],
                      f"<rect x=\"{x:.1f}\" y=\"{strip_y}\" width=\"{width:.1f}\" "
                      f"height=\"{_STRIP_H if not run else 14}\" fill=\"{_COLOUR[b.worst]}\">"
                      f"<title>{esc(_bucket_title(label, b))}</title></rect>"))
    out += [cell for _, cell in sorted(cells, key=lambda rank_cell: rank_cell[0])]
    if not run:
        out += _chart(m, lane, y + _CHART_TOP)
        out += _markers(m, lane, y + _CHART_TOP + _CHART_H + 4)
    return out


def _runs(lane: _Lane, cols: list[int]) -> Iterator[tuple[_Bucket, int, int]]:
    """Merge adjacent columns of the same worst state (the first bucket absorbs the rest)."""
    current: tuple[_Bucket, int, int] | None = None
    for col in cols:
        b = lane.buckets[col]
        if current is not None and col == current[2] + 1 and b.worst == current[0].worst and (
                not b.rejected and not current[0].rejected):
            merged = dataclasses.replace(current[0], counts=dict(current[0].counts))
            merged.merge(b)
            current = (merged, current[1], col)
            continue
        if current is not None:
            yield current
        current = (b, col, col)
    if current is not None:
        yield current


def _bucket_title(label: str, b: _Bucket) -> str:
    ticks = f"tick {b.first}" if b.first == b.last else f"ticks {b.first}-{b.last}"
    when = short_time(b.t_first) + ("" if b.t_first == b.t_last else f" to {short_time(b.t_last)}")
    counts = ", ".join(f"{_LABEL[s].split(' (')[0]} {n:,}" for s, n in
                       sorted(b.counts.items(), key=lambda kv: -_RANK[kv[0]]))
    lines = [f"{label} · {ticks} · {when}", counts]
    if b.attempted or b.rejected or b.dead:
        lines.append(f"sent {b.attempted - b.rejected:,}, rejected {b.rejected:,}, "
                     f"dead-lettered {b.dead:,}")
    if b.since is not None and b.until is not None:
        lines.append(f"window {short_time(b.since)} → {short_time(b.until)}")
    if b.cursor is not None:
        lines.append(f"cursor → {short_time(b.cursor)}")
    if b.error:
        lines.append(f"error: {clip(b.error, 300)}")
    return "\n".join(lines)


def _chart(m: Timeline, lane: _Lane, top: int) -> list[str]:
    """The cursor's lag (a sawtooth: grows between ticks, drops on an advance) and windows."""
    bottom = top + _CHART_H
    cols = sorted(lane.buckets)
    # The scale: the worst lag of this lane, but at least ten tick intervals, so that a
    # cursor keeping up is a thin band at the bottom and a stall fills the lane.
    steps = sorted((b.t_first - a.t_last).total_seconds() for a, b in
                   itertools.pairwise(lane.buckets[c] for c in cols))
    typical = steps[len(steps) // 2] if steps else 60.0
    lags = [b.lag_max for b in lane.buckets.values() if b.lag_max is not None]
    scale = max([*lags, 10 * typical, 1.0])

    def y(lag: float) -> float:
        return bottom - min(lag / scale, 1.0) * _CHART_H

    out = [f"<rect x=\"{_PLOT_X}\" y=\"{top}\" width=\"{_PLOT_W}\" height=\"{_CHART_H}\" "
           f"class=\"chart\"/><text x=\"{_PLOT_X - 4}\" y=\"{top + 8}\" class=\"scale\">"
           f"{esc(_duration(scale))}</text><text x=\"{_PLOT_X - 4}\" y=\"{bottom}\" "
           f"class=\"scale\">lag 0</text>"]
    colw = _PLOT_W / m.columns
    # A bar is a third of the gap to the next tick: thin when dense, visible when not.
    gaps = [b - a for a, b in itertools.pairwise(cols)] or [m.columns]
    bar = min(max(colw * min(gaps) * 0.3, colw * 0.8, 1.2), 8.0)
    for col in cols:
        b = lane.buckets[col]
        if b.reach is None:
            continue
        y0 = y(b.reach)
        out.append(f"<rect x=\"{m.cx(col) - bar / 2:.1f}\" y=\"{y0:.1f}\" width=\"{bar:.1f}\" "
                   f"height=\"{max(bottom - y0, 1.5):.1f}\" fill=\"{_COLOUR[b.worst]}\" "
                   f"opacity=\"0.5\"/>")
        if b.reach > scale:
            out.append(f"<path d=\"M{m.cx(col) - 3:.1f} {top - 1}h6l-3 -3z\" class=\"clip\"/>")
    path: list[str] = []
    prev: _Bucket | None = None
    for col in cols:
        b = lane.buckets[col]
        x = m.cx(col)
        if b.lag_end is None:
            prev = None
            continue
        peak = b.lag_max if b.lag_max is not None else b.lag_end
        if prev is None or prev.lag_end is None:
            path.append(f"M{x:.1f} {y(peak):.1f}")
        else:
            path.append(f"L{x:.1f} {y(peak):.1f}")
        path.append(f"V{y(b.lag_end):.1f}")
        prev = b
    if path:
        out.append(f"<path d=\"{''.join(path)}\" class=\"cursor\"/>")
    return out


def _markers(m: Timeline, lane: _Lane, y: int) -> list[str]:
    out = []
    for col in sorted(lane.buckets):
        b = lane.buckets[col]
        if not b.rejected and not b.dead:
            continue
        cx = m.cx(col)
        title = esc(f"{_bucket_title(lane.label, b)}")
        both = bool(b.rejected and b.dead)
        shape = ""
        if b.rejected:
            left = cx - (7.5 if both else 3.5)
            shape = f"<path d=\"M{left:.1f} {y}h7l-3.5 6z\" class=\"reject\"/>"
        if b.dead:
            shape += (f"<rect x=\"{cx + (1 if both else -3):.1f}\" y=\"{y}\" width=\"6\" "
                      f"height=\"6\" class=\"dead\"/>")
        out.append(f"<g><title>{title}</title>{shape}</g>")
    return out


def _violation_marks(m: Timeline, bottom: int) -> list[str]:
    if not m.violations:
        return []
    times = {tick.index: when for tick, when in m.ticks}
    indices = sorted(times)
    out, rows_end = [], [0.0, 0.0, 0.0]
    lane_y = {lane.key: m.top + _RUN_H + i * _LANE_H for i, lane in enumerate(m.lanes)}
    lane_y[m.run.key] = m.top + 3
    seen_cols: set[int] = set()
    firsts: dict[str, int] = {}
    for tick in sorted(m.violations):
        for v in m.violations[tick]:
            firsts.setdefault(v.invariant, tick)
    for tick in sorted(m.violations):
        when = times.get(tick) or times[min(indices, key=lambda i: abs(i - tick))]
        col = m.col(when)
        x = m.cx(col)
        names = sorted({v.invariant for v in m.violations[tick]})
        first = [n for n in names if firsts[n] == tick]
        if col not in seen_cols:
            seen_cols.add(col)
            out.append(f"<rect x=\"{x - 1.5:.1f}\" y=\"{m.top + 1}\" width=\"3\" height=\"4\" "
                       f"class=\"vmark\"><title>{esc(f'tick {tick}: ' + ', '.join(names))}</title>"
                       f"</rect>")
        if not first:
            continue
        label = " ".join(first)
        row = next((r for r, end in enumerate(rows_end) if end < x), len(rows_end) - 1)
        rows_end[row] = x + 8 + 7 * len(label)
        text = "\n".join(f"{v.invariant} ({INVARIANTS.get(v.invariant, '?')}) at tick {v.tick}, "
                         f"{v.where}" + (f", record {v.record!r}" if v.record else "")
                         + f": {clip(v.detail, 200)}" for v in m.violations[tick][:5])
        out.append(f"<g class=\"violation\"><title>{esc(text)}</title>"
                   f"<line x1=\"{x:.1f}\" y1=\"{48 + row * 13}\" x2=\"{x:.1f}\" y2=\"{bottom}\"/>"
                   f"<text x=\"{x + 3:.1f}\" y=\"{52 + row * 13}\">{esc(label)}</text>")
        for v in m.violations[tick]:
            key = _where_key(v.where)
            if key in lane_y:
                out.append(f"<circle cx=\"{x:.1f}\" cy=\"{lane_y[key] + 10}\" r=\"5\"/>")
        out.append("</g>")
    return out


def _where_key(where: str) -> tuple[str, str] | None:
    """``"orders/'store-1'"`` (the oracle's spelling) -> ``("orders", "store-1")``."""
    entity, sep, rest = where.partition("/")
    if not sep:
        entity, sep, rest = where.partition("@")
        return (entity, rest) if sep else (where, "")
    try:
        key = ast.literal_eval(rest)
    except (ValueError, SyntaxError):
        key = rest
    return (entity, str(key))


# -- keys below the timeline -----------------------------------------------------------


def legend() -> str:
    """What each colour and mark of the timeline means."""
    items = [f"<span><i style=\"background:{_COLOUR[s]}\"></i>{esc(_LABEL[s])}</span>"
             for s in _STATES]
    items += [
        "<span><i class=\"line\"></i>cursor lag: now - cursor (0 = caught up)</span>",
        "<span><i class=\"bar\"></i>window read by a tick (height: now - since)</span>",
        "<span><i class=\"hatch\"></i>fault active (F1, F2… listed below)</span>",
        "<span><i class=\"tri\"></i>items rejected</span>",
        "<span><i class=\"sq\"></i>items dead-lettered</span>",
        "<span><i class=\"vline\"></i>invariant first broken (red tick: broken again)</span>",
        "<span>▴ window longer than the lag scale (a backfill)</span>",
    ]
    return f"<div class=\"legend\">{''.join(items)}</div>"


def fault_list(m: Timeline) -> str:
    """The fault sets named F1, F2… on the timeline (empty when no fault was on)."""
    if not m.fault_ids:
        return ""
    items = []
    for faults, number in list(m.fault_ids.items())[:60]:
        items.append(f"<li><b>F{number}</b> {'; '.join(esc(f) for f in faults)}</li>")
    more = len(m.fault_ids) - 60
    extra = f"<li>… and {more} more fault set(s)</li>" if more > 0 else ""
    return f"<h3>Fault sets</h3><ul class=\"faults\">{''.join(items)}{extra}</ul>"


# -- helpers ---------------------------------------------------------------------------


def esc(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            whole, rest = divmod(round(seconds), size)
            small = {"d": ("h", 3600), "h": ("m", 60), "m": ("s", 1)}[unit]
            part = rest // small[1]
            return f"{whole}{unit}" + (f" {part}{small[0]}" if part else "")
    return f"{seconds:.0f}s"


def short_time(value: datetime | None) -> str:
    """A UTC date and time, without seconds when they are zero; a dash for None."""
    if value is None:
        return "—"
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
