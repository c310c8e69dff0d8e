"""A self-contained HTML timeline of one scenario run: inline SVG and CSS, no network, no JS.

The page shows the verdict, the seed and the stats; a timeline with simulated time on
x and one lane per step-source (``entity@source``) where each tick is a cell coloured
by what happened (ok, cursor held, skipped by backoff, crashed); below it the cursor's
lag (``now - cursor``: zero when caught up, a ramp while it is held) is a line and the
window each tick read is a bar reaching back from ``until`` to ``since`` on that scale;
fault spans are shaded bands, rejects and dead-letters are markers, and the tick where
an invariant first broke is a red line named after the invariant. Below: the failures,
the violations and a collapsible table of ticks.

Dense runs stay legible: ticks are aggregated into at most ``max_columns`` time
buckets, each showing the worst status in it and its counts in a hover title, so a
30-day run at one tick a minute (43,200 ticks) renders in a few hundred kilobytes.

For example::

    result = run_scenario(...)
    path = write_report(result, "reports/clean.html")
"""

from __future__ import annotations

import ast
import dataclasses
import html
import itertools
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from spmkit import InvalidArgument
from spmkit_testing.oracle import INVARIANTS

if TYPE_CHECKING:
    from spmkit_testing.simulation import StepTrace, TickTrace

__all__ = [
    "MAX_COLUMNS",
    "render_index",
    "render_report",
    "report_filename",
    "ReportResult",
    "write_report",
]

MAX_COLUMNS = 600
# Above this many ticks the table groups runs of identical ticks into one row.
_TABLE_TICKS = 400
_TABLE_ROWS = 1500
_LISTED_VIOLATIONS = 300
_LISTED_FAILURES = 100

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


class _Scenario(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


class _Violation(Protocol):
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


class ReportResult(Protocol):
    """What a report reads from a scenario result (``ScenarioResult`` fits)."""

    @property
    def scenario(self) -> _Scenario: ...
    @property
    def passed(self) -> bool: ...
    @property
    def failures(self) -> Sequence[str]: ...
    @property
    def violations(self) -> Sequence[_Violation]: ...
    @property
    def trace(self) -> Sequence[TickTrace]: ...
    @property
    def stats(self) -> object: ...
    @property
    def seed(self) -> int: ...


def write_report(result: ReportResult, path: str | Path, *,
                 max_columns: int = MAX_COLUMNS) -> Path:
    """Write :func:`render_report` to ``path`` (parents created); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_report(result, max_columns=max_columns), encoding="utf-8")
    return target


def report_filename(name: str) -> str:
    """A safe file name for a scenario's report: ``"poison_pill"`` -> ``"poison_pill.html"``,
    ``"../x y"`` -> ``"x-y.html"``."""
    slug = "".join(c if c.isascii() and (c.isalnum() or c == "_") else "-" for c in name)
    slug = "-".join(part for part in slug.split("-") if part)
    return f"{slug or 'scenario'}.html"


def render_report(result: ReportResult, *, max_columns: int = MAX_COLUMNS) -> str:
    """The whole report as one HTML document (see the module docstring)."""
    if isinstance(max_columns, bool) or not isinstance(max_columns, int) or max_columns < 1:
        raise InvalidArgument(f"Expected a positive int but got max_columns={max_columns!r} "
                         f"(type={type(max_columns).__name__}); {MAX_COLUMNS} is the default.")
    model = _Model.build(result.trace, result.violations, max_columns)
    name = result.scenario.name
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{_e(name)} — spmkit report</title><style>{_CSS}</style></head><body>",
        _header(result, model),
        "<h2>Timeline</h2>",
        _svg(model) if model.ticks else "<p class=\"muted\">No ticks ran.</p>",
        _legend(),
        _fault_list(model),
        _problems(result),
        _table(model),
        "<footer>Generated by spmkit; simulated times are UTC.</footer></body></html>\n",
    ]
    return "".join(parts)


def render_index(entries: Sequence[tuple[ReportResult, str]]) -> str:
    """An HTML page listing reports: ``(result, file name)`` pairs, each name linked."""
    heads = [name for name, _ in _stats_items(entries[0][0].stats)] if entries else []
    rows = []
    for result, filename in entries:
        verdict = "PASSED" if result.passed else "FAILED"
        summary = (result.scenario.description.strip().splitlines() or [""])[0]
        cells = "".join(f"<td class=\"num\">{_e(v)}</td>" for _, v in _stats_items(result.stats))
        rows.append(f"<tr><td><a href=\"{_e(filename)}\">{_e(result.scenario.name)}</a></td>"
                    f"<td><span class=\"verdict {verdict.lower()}\">{verdict}</span></td>"
                    f"{cells}<td>{_e(summary)}</td></tr>")
    passed = sum(result.passed for result, _ in entries)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>spmkit "
            f"scenarios</title><style>{_CSS}</style></head><body><h1>spmkit scenarios</h1>"
            f"<p class=\"muted\">{passed} of {len(entries)} passed. Each name opens its "
            f"timeline.</p><table class=\"grid\"><tr><th>scenario</th><th>verdict</th>"
            + "".join(f"<th>{_e(h)}</th>" for h in heads) + "<th>what it shows</th></tr>"
            + "".join(rows) + "</table></body></html>\n")


# -- model -----------------------------------------------------------------------------


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
class _Model:
    ticks: list[tuple[TickTrace, datetime]]
    d0: datetime
    d1: datetime
    columns: int
    lanes: list[_Lane]
    run: _Lane
    violations: dict[int, list[_Violation]]
    fault_ids: dict[tuple[str, ...], int]

    @property
    def top(self) -> int:
        """Where the lanes start: below the axis, and below the violation labels if any."""
        return 92 if self.violations else 48

    @classmethod
    def build(cls, trace: Sequence[TickTrace], violations: Sequence[_Violation],
              max_columns: int) -> _Model:
        ticks = list(_timed(trace))
        times = [when for _, when in ticks] or [datetime(1970, 1, 1, tzinfo=UTC)]
        lo, hi = min(times), max(times)
        # A little room on both sides; a lone instant gets a minute either side.
        pad = max((hi - lo) / 60, timedelta(seconds=30)) if hi > lo else timedelta(minutes=1)
        by_tick: dict[int, list[_Violation]] = {}
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
                state = _step_state(step)
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
        when = _parse(tick.now) or last
        if when is None:
            continue
        last = when
        yield tick, when


def _step_state(step: StepTrace) -> str:
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
        since, until = _parse(step.window[0]), _parse(step.window[1])
        if since is not None and (bucket.since is None or since < bucket.since):
            bucket.since = since
        if until is not None and (bucket.until is None or until > bucket.until):
            bucket.until = until
        bucket.reach = _max(bucket.reach, _lag(when, since))
    bucket.lag_max = _max(bucket.lag_max, _lag(when, _parse(step.cursor_before)))
    lane.cursor = _parse(step.cursor_after) or _parse(step.cursor_before)
    bucket.cursor = lane.cursor
    bucket.lag_end = _lag(when, lane.cursor)


def _lag(now: datetime, value: datetime | None) -> float | None:
    return None if value is None else max((now - value).total_seconds(), 0.0)


def _max(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# -- header ----------------------------------------------------------------------------


def _header(result: ReportResult, model: _Model) -> str:
    verdict = "PASSED" if result.passed else "FAILED"
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                   for k, v in [("seed", str(result.seed)), *_stats_items(result.stats)])
    span = ""
    if model.ticks:
        per = max(Counter(model.col(w) for _, w in model.ticks).values())
        span = (f"<p class=\"muted\">{len(model.ticks):,} tick(s) from "
                f"{_e(_short(model.ticks[0][1]))} to {_e(_short(model.ticks[-1][1]))} UTC, "
                f"{len(model.lanes)} step-source(s)"
                + (f"; aggregated into {model.columns} time columns of up to {per:,} ticks"
                   if per > 1 else "") + ".</p>")
    return (f"<header><h1>{_e(result.scenario.name)} <span class=\"verdict "
            f"{verdict.lower()}\">{verdict}</span></h1>"
            f"<p class=\"desc\">{_e(result.scenario.description)}</p>"
            f"<table class=\"stats\">{rows}</table>{span}</header>")


def _stats_items(stats: object) -> list[tuple[str, str]]:
    if dataclasses.is_dataclass(stats) and not isinstance(stats, type):
        items = [(f.name, getattr(stats, f.name)) for f in dataclasses.fields(stats)]
    elif isinstance(stats, Mapping):
        items = [(str(k), v) for k, v in stats.items()]
    else:
        items = sorted((k, v) for k, v in vars(stats).items() if not k.startswith("_"))
    out = []
    for name, value in items:
        if isinstance(value, float):
            text = f"{value:.3f} s" if "second" in name else f"{value:.4g}"
        elif isinstance(value, int) and not isinstance(value, bool):
            text = f"{value:,}"
        else:
            text = str(value)
        out.append((name.replace("_", " "), text))
    return out


# -- timeline --------------------------------------------------------------------------


def _svg(m: _Model) -> str:
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


def _axis(m: _Model, bottom: int) -> list[str]:
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
                   f"class=\"axis\">{_e(label)}</text>")
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


def _fault_bands(m: _Model, bottom: int) -> list[str]:
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
        title = (f"faults {names}, ticks {band.i0}-{band.i1}, {_short(band.t0)} - "
                 f"{_short(band.t1)}")
        out.append(f"<g><title>{_e(title)}</title><rect x=\"{x0:.1f}\" y=\"26\" "
                   f"width=\"{x1 - x0:.1f}\" height=\"{bottom - 26}\" fill=\"url(#hatch)\" "
                   f"opacity=\"0.75\"/>")
        if x0 >= label_end:  # labels left to right, none over another
            label_end = x0 + 4 + 6 * len(names)
            out.append(f"<text x=\"{x0 + 2:.1f}\" y=\"36\" class=\"fault\">{_e(names)}</text>")
        out.append("</g>")
    return out


def _lane(m: _Model, lane: _Lane, y: int, *, run: bool) -> list[str]:
    out = [f"<line x1=\"0\" y1=\"{y}\" x2=\"{_W}\" y2=\"{y}\" class=\"sep\"/>"]
    label = "all steps (run)" if run else lane.label
    out.append(f"<text x=\"8\" y=\"{y + 16}\" class=\"lane\"><title>{_e(label)}</title>"
               f"{_e(_clip(label, 26))}</text>")
    if not run:
        cursor = _short(lane.cursor) if lane.cursor else "never advanced"
        lines = [f"sent {lane.attempted - lane.rejected:,} · rejected {lane.rejected:,}",
                 f"dead-lettered {lane.dead:,}", f"cursor {cursor}"]
        out += [f"<text x=\"8\" y=\"{y + 30 + 12 * i}\" class=\"sub\">{_e(text)}</text>"
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
                      f"<title>{_e(_bucket_title(label, b))}</title></rect>"))
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
    when = _short(b.t_first) + ("" if b.t_first == b.t_last else f" to {_short(b.t_last)}")
    counts = ", ".join(f"{_LABEL[s].split(' (')[0]} {n:,}" for s, n in
                       sorted(b.counts.items(), key=lambda kv: -_RANK[kv[0]]))
    lines = [f"{label} · {ticks} · {when}", counts]
    if b.attempted or b.rejected or b.dead:
        lines.append(f"sent {b.attempted - b.rejected:,}, rejected {b.rejected:,}, "
                     f"dead-lettered {b.dead:,}")
    if b.since is not None and b.until is not None:
        lines.append(f"window {_short(b.since)} → {_short(b.until)}")
    if b.cursor is not None:
        lines.append(f"cursor → {_short(b.cursor)}")
    if b.error:
        lines.append(f"error: {_clip(b.error, 300)}")
    return "\n".join(lines)


def _chart(m: _Model, lane: _Lane, top: int) -> list[str]:
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
           f"{_e(_duration(scale))}</text><text x=\"{_PLOT_X - 4}\" y=\"{bottom}\" "
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


def _markers(m: _Model, lane: _Lane, y: int) -> list[str]:
    out = []
    for col in sorted(lane.buckets):
        b = lane.buckets[col]
        if not b.rejected and not b.dead:
            continue
        cx = m.cx(col)
        title = _e(f"{_bucket_title(lane.label, b)}")
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


def _violation_marks(m: _Model, bottom: int) -> list[str]:
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
                       f"class=\"vmark\"><title>{_e(f'tick {tick}: ' + ', '.join(names))}</title>"
                       f"</rect>")
        if not first:
            continue
        label = " ".join(first)
        row = next((r for r, end in enumerate(rows_end) if end < x), len(rows_end) - 1)
        rows_end[row] = x + 8 + 7 * len(label)
        text = "\n".join(f"{v.invariant} ({INVARIANTS.get(v.invariant, '?')}) at tick {v.tick}, "
                         f"{v.where}" + (f", record {v.record!r}" if v.record else "")
                         + f": {_clip(v.detail, 200)}" for v in m.violations[tick][:5])
        out.append(f"<g class=\"violation\"><title>{_e(text)}</title>"
                   f"<line x1=\"{x:.1f}\" y1=\"{48 + row * 13}\" x2=\"{x:.1f}\" y2=\"{bottom}\"/>"
                   f"<text x=\"{x + 3:.1f}\" y=\"{52 + row * 13}\">{_e(label)}</text>")
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


# -- below the timeline ----------------------------------------------------------------


def _legend() -> str:
    items = [f"<span><i style=\"background:{_COLOUR[s]}\"></i>{_e(_LABEL[s])}</span>"
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


def _fault_list(m: _Model) -> str:
    if not m.fault_ids:
        return ""
    items = []
    for faults, number in list(m.fault_ids.items())[:60]:
        items.append(f"<li><b>F{number}</b> {'; '.join(_e(f) for f in faults)}</li>")
    more = len(m.fault_ids) - 60
    extra = f"<li>… and {more} more fault set(s)</li>" if more > 0 else ""
    return f"<h3>Fault sets</h3><ul class=\"faults\">{''.join(items)}{extra}</ul>"


def _problems(result: ReportResult) -> str:
    out = []
    if result.failures:
        more = len(result.failures) - _LISTED_FAILURES
        out.append(f"<h2>Failures ({len(result.failures):,})</h2><ol class=\"failures\">" + "".join(
            f"<li><pre>{_e(_clip(f, 3000))}</pre></li>"
            for f in list(result.failures)[:_LISTED_FAILURES]) + "</ol>"
            + (f"<p class=\"muted\">… and {more:,} more.</p>" if more > 0 else ""))
    if result.violations:
        rows = "".join(
            f"<tr><td><b>{_e(v.invariant)}</b> {_e(INVARIANTS.get(v.invariant, ''))}</td>"
            f"<td>{v.tick}</td><td>{_e(v.where)}</td><td>{_e(v.record or '')}</td>"
            f"<td>{_e(_clip(v.detail, 400))}</td></tr>"
            for v in list(result.violations)[:_LISTED_VIOLATIONS])
        more = len(result.violations) - _LISTED_VIOLATIONS
        note = f"<p class=\"muted\">… and {more:,} more.</p>" if more > 0 else ""
        out.append(f"<h2>Violations ({len(result.violations):,})</h2><table class=\"grid\">"
                   f"<tr><th>invariant</th><th>tick</th><th>step-source</th><th>record</th>"
                   f"<th>detail</th></tr>{rows}</table>{note}")
    if not out:
        out.append("<h2>Failures</h2><p class=\"muted\">None: every expectation held and the "
                   "oracle found no violation.</p>")
    return "".join(out)


def _table(m: _Model) -> str:
    if not m.ticks:
        return ""
    groups = _group_ticks(m)
    shown = groups[:_TABLE_ROWS]
    heads = "".join(f"<th>{_e(lane.label)}</th>" for lane in m.lanes)
    rows = []
    for group in shown:
        first, last = group[0], group[-1]
        tick, when = first
        ticks = str(tick.index) if len(group) == 1 else f"{tick.index}-{last[0].index} " \
            f"({len(group):,})"
        times = _clock(when, m) if len(group) == 1 else \
            f"{_clock(when, m)} to {_clock(last[1], m)}"
        cells = "".join(f"<td>{_e(_step_text(tick, lane.key, group, m))}</td>" for lane in m.lanes)
        faults = "+".join(f"F{m.fault_ids[t.faults]}" for t in (tick,) if t.faults)
        bad = sorted({v.invariant for t, _ in group for v in m.violations.get(t.index, [])})
        status = tick.status + (" (full backfill)" if tick.full_backfill else "")
        if tick.crashed_at:
            status = f"crashed at {tick.crashed_at}"
        rows.append(f"<tr class=\"{'bad' if bad else ''}\"><td>{ticks}</td><td>{_e(times)}</td>"
                    f"<td>{_e(status)}</td>{cells}<td>{_e(faults)}</td>"
                    f"<td>{_e(' '.join(bad))}</td></tr>")
    note = (f"runs of identical ticks are grouped: {len(groups):,} row(s) for "
            f"{len(m.ticks):,} ticks" if len(m.ticks) > _TABLE_TICKS else
            f"{len(m.ticks):,} ticks")
    if len(groups) > _TABLE_ROWS:
        note += f"; the first {_TABLE_ROWS:,} shown"
    return (f"<details><summary>Ticks ({_e(note)})</summary><table class=\"grid ticks\">"
            f"<tr><th>tick</th><th>time (UTC)</th><th>run</th>{heads}<th>faults</th>"
            f"<th>violations</th></tr>{''.join(rows)}</table></details>")


def _group_ticks(m: _Model) -> list[list[tuple[TickTrace, datetime]]]:
    if len(m.ticks) <= _TABLE_TICKS:
        return [[t] for t in m.ticks]
    groups: list[list[tuple[TickTrace, datetime]]] = []
    prev: object = None
    for tick, when in m.ticks:
        sig = (tick.status, tick.crashed_at, tick.full_backfill, tick.faults,
               tuple((s.entity, s.source_key, _step_state(s), s.errors[:1]) for s in tick.steps))
        if groups and sig == prev and tick.index not in m.violations:
            groups[-1].append((tick, when))
        else:
            groups.append([(tick, when)])
        prev = None if tick.index in m.violations else sig
    return groups


def _step_text(tick: TickTrace, key: tuple[str, str],
               group: list[tuple[TickTrace, datetime]], m: _Model) -> str:
    step = next((s for s in tick.steps if (s.entity, s.source_key) == key), None)
    if step is None:
        return "—"
    steps = [s for t, _ in group for s in t.steps if (s.entity, s.source_key) == key]
    sent = sum(s.attempted - s.rejected for s in steps)
    rejected, dead = sum(s.rejected for s in steps), sum(s.dead_lettered for s in steps)
    if step.skipped:
        text = f"skipped ({step.skipped})"
    elif step.errors:
        text = f"HELD: {_clip(step.errors[0], 120)}"
    elif step.advanced:
        after = _parse(steps[-1].cursor_after)
        text = "→ " + (_clock(after, m) if after else "?")
    else:
        text = "clean, not advanced"
    counts = [f"{n:,} {what}" for n, what in ((sent, "sent"), (rejected, "rejected"),
                                              (dead, "dead-lettered")) if n]
    return text + (f" [{', '.join(counts)}]" if counts else "")


# -- helpers ---------------------------------------------------------------------------


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            whole, rest = divmod(round(seconds), size)
            small = {"d": ("h", 3600), "h": ("m", 60), "m": ("s", 1)}[unit]
            part = rest // small[1]
            return f"{whole}{unit}" + (f" {part}{small[0]}" if part else "")
    return f"{seconds:.0f}s"


def _clock(value: datetime, m: _Model) -> str:
    """A table time: the time of day alone when the whole run fits in one day."""
    value = value.astimezone(UTC)
    if m.ticks[0][1].date() == m.ticks[-1][1].date() == value.date():
        return value.strftime("%H:%M:%S")
    return value.strftime("%m-%d %H:%M:%S" if value.second else "%m-%d %H:%M")


def _short(value: datetime | None) -> str:
    if value is None:
        return "—"
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;
margin:24px auto;max-width:1240px;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}h3{font-size:14px}
.verdict{font-size:13px;padding:2px 10px;border-radius:10px;color:#fff;vertical-align:middle}
.verdict.passed{background:#2f8f52}.verdict.failed{background:#c62f26}
.desc{margin:4px 0 10px;color:#3d444d}.muted{color:#656d76;font-size:13px}
table.stats{border-collapse:collapse;font-size:13px}
table.stats th{text-align:left;font-weight:500;color:#656d76;padding:1px 14px 1px 0}
svg.timeline{width:100%;height:auto;border:1px solid #d0d7de;border-radius:6px;background:#fff}
svg .grid{stroke:#eaeef2}svg .axis{fill:#57606a;font-size:10px}svg .sep{stroke:#d0d7de}
svg .lane{font-weight:600;fill:#1f2328;font-size:12px}svg .sub{fill:#656d76;font-size:10px}
svg .chart{fill:#eef1f4;fill-opacity:.55}
svg .cursor{fill:none;stroke:#0969da;stroke-width:1.4}
svg .scale{fill:#8c959f;font-size:9px;text-anchor:end}svg .clip{fill:#57606a}
svg .reject{fill:#e8a027}svg .dead{fill:#3d444d}svg .fault{fill:#b42318;font-size:10px}
svg .violation line{stroke:#c0140c;stroke-width:2}svg .violation circle{fill:none;
stroke:#c0140c;stroke-width:2}svg .violation text{fill:#c0140c;font-weight:700;font-size:11px}
svg .vmark{fill:#c0140c}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:8px 0;color:#3d444d}
.legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px;
border-radius:2px}.legend i.bar{background:#3b9c5f;opacity:.55;width:4px}
.legend i.line{height:0;border-top:2px solid #0969da;vertical-align:3px;border-radius:0}
.legend i.hatch{background:repeating-linear-gradient(45deg,#fde7e4 0 3px,#f3b7ae 3px 6px)}
.legend i.tri{width:0;height:0;border-left:6px solid transparent;border-right:6px solid
transparent;border-top:9px solid #e8a027;border-radius:0}.legend i.sq{background:#3d444d;
width:8px;height:8px}.legend i.vline{width:3px;background:#c0140c}
ul.faults{font-size:12px;font-family:ui-monospace,monospace;padding-left:18px}
ol.failures pre{white-space:pre-wrap;font-size:12px;background:#fff5f5;padding:6px 8px;
border-left:3px solid #c62f26;margin:4px 0}
table.grid{border-collapse:collapse;font-size:12px;width:100%}
table.grid td,table.grid th{border:1px solid #d8dee4;padding:2px 6px;text-align:left;
vertical-align:top}table.grid th{background:#f6f8fa}table.grid td.num{text-align:right}
tr.bad td{background:#fff0ef}
details{margin:18px 0}summary{cursor:pointer;font-weight:600}
footer{margin:28px 0 8px;font-size:12px;color:#8c959f}
"""
