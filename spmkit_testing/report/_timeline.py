"""The SVG timeline of a scenario report: the run lane, one lane per step-source, the charts.

Simulated time runs along x. The top lane is the whole run; below it one lane per
step-source (``entity@source``): a strip of cells coloured by what happened in each
tick (ok, cursor held, skipped by backoff, crashed) and a chart of the cursor's lag
(``now - cursor``: zero when caught up, a ramp while it is held, dashed while the
cursor was never set) with the window each tick read as a bar reaching back from
``until`` to ``since`` on that scale. Fault spans are shaded bands on the lanes each
fault targets, rejects and dead-letters are markers whose hover text names the
rejected records and the API's reason, and the tick where an invariant first broke
is a red line named after the invariant.

:mod:`spmkit_testing._report_model` buckets the ticks; this module only draws them,
and :mod:`spmkit_testing.report` lays the page out around it.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from spmkit import StepSource
from spmkit_testing._text import clip, duration, esc, short_time
from spmkit_testing.oracle import INVARIANTS
from spmkit_testing.report._model import RANK, STATES, Bucket, Lane, Timeline

__all__ = ["fault_list", "legend", "timeline_svg"]

_COLOUR = {"ok": "#3b9c5f", "skipped": "#a3a8ae", "backoff": "#8268c9", "held": "#e8a027",
           "crashed": "#d6362b"}
_LABEL = {"ok": "ok (clean run)", "skipped": "skipped (clock behind cursor)",
          "backoff": "skipped by backoff", "held": "partial: cursor held (errors / rejects)",
          "crashed": "engine crashed"}

# Geometry of the SVG, in px (the viewBox scales it to the page width).
_W, _PLOT_X = 1200, 210
_PLOT_W = _W - _PLOT_X - 16
_RUN_H, _LANE_H = 26, 92
_STRIP_H, _CHART_TOP, _CHART_H = 12, 20, 52
_BAND_TOP = 26
_LISTED_FAULT_SETS = 60

_Scale = Callable[[float], float]  # a lag in seconds -> its y on a lane's chart
_Segment = tuple[float, float, float, float]


def _x(m: Timeline, when: datetime) -> float:
    return _PLOT_X + m.frac(when) * _PLOT_W


def _cx(m: Timeline, col: int) -> float:
    return _PLOT_X + (col + 0.5) * _PLOT_W / m.columns


def _lane_y(m: Timeline, index: int) -> int:
    return m.top + _RUN_H + index * _LANE_H


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
        out += _lane(m, lane, _lane_y(m, i), run=False)
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
        x = _x(m, t)
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


# -- fault bands -----------------------------------------------------------------------


@dataclass
class _Band:
    t0: datetime
    t1: datetime
    i0: int
    i1: int
    ids: set[int]
    lanes: frozenset[int] | None  # the lanes its faults target; None: every lane


def _bands(m: Timeline) -> list[_Band]:
    """Spans of consecutive ticks with the same fault set, merged when they touch on
    screen and shade the same lanes."""
    bands: list[_Band] = []
    prev: tuple[str, ...] = ()
    for tick, when in m.ticks:
        if not tick.faults:
            prev = ()
            continue
        ids, lanes = {m.fault_ids[tick.faults]}, m.fault_hits.get(tick.faults)
        last = bands[-1] if bands else None
        if last is not None and last.lanes == lanes and (
                tick.faults == prev or m.col(when) <= m.col(last.t1) + 1):
            last.t1, last.i1 = when, tick.index
            last.ids |= ids
        else:
            bands.append(_Band(when, when, tick.index, tick.index, ids, lanes))
        prev = tick.faults
    return bands


def _band_spans(m: Timeline, band: _Band, bottom: int) -> list[tuple[int, int]]:
    """The y ranges a band shades: everything, or the axis and run lane (where its label
    is) plus the lanes it targets, adjacent ones joined."""
    if band.lanes is None:
        return [(_BAND_TOP, bottom)]
    spans = [(_BAND_TOP, m.top + _RUN_H)]
    for i in sorted(band.lanes):
        y0 = _lane_y(m, i)
        if spans[-1][1] == y0:
            spans[-1] = (spans[-1][0], y0 + _LANE_H)
        else:
            spans.append((y0, y0 + _LANE_H))
    return spans


def _fault_bands(m: Timeline, bottom: int) -> list[str]:
    out = []
    colw = _PLOT_W / m.columns
    label_end = 0.0
    for band in _bands(m):
        x0 = _cx(m, m.col(band.t0)) - colw / 2
        x1 = max(_cx(m, m.col(band.t1)) + colw / 2, x0 + 3)
        names = "+".join(f"F{i}" for i in sorted(band.ids))
        title = (f"faults {names}, ticks {band.i0}-{band.i1}, {short_time(band.t0)} - "
                 f"{short_time(band.t1)}")
        if band.lanes is not None:
            title += "; on " + ", ".join(m.lanes[i].label for i in sorted(band.lanes))
        out.append(f"<g><title>{esc(title)}</title>")
        out += [f"<rect x=\"{x0:.1f}\" y=\"{top}\" width=\"{x1 - x0:.1f}\" "
                f"height=\"{end - top}\" fill=\"url(#hatch)\" opacity=\"0.75\"/>"
                for top, end in _band_spans(m, band, bottom)]
        if x0 >= label_end:  # labels left to right, none over another
            label_end = x0 + 4 + 6 * len(names)
            out.append(f"<text x=\"{x0 + 2:.1f}\" y=\"36\" class=\"fault\">{esc(names)}</text>")
        out.append("</g>")
    return out


# -- lanes -----------------------------------------------------------------------------


def _lane(m: Timeline, lane: Lane, y: int, *, run: bool) -> list[str]:
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
    out += _strip(m, lane, y + (6 if run else 4), label, height=14 if run else _STRIP_H)
    if not run:
        out += _chart(m, lane, y + _CHART_TOP)
        out += _markers(m, lane, y + _CHART_TOP + _CHART_H + 4)
    return out


def _strip(m: Timeline, lane: Lane, y: int, label: str, *, height: int) -> list[str]:
    """The cells of a lane, one per run of columns in the same state; a column where the
    step-source did not run (only its lag was carried) has none."""
    cols = sorted(col for col, b in lane.buckets.items() if b.counts)
    if not cols:
        return []
    position = {col: i for i, col in enumerate(cols)}
    colw = _PLOT_W / m.columns
    cells: list[tuple[int, str]] = []
    for b, c0, c1 in _runs(lane, cols):
        nxt = _cx(m, cols[position[c1] + 1]) if c1 != cols[-1] else _PLOT_X + _PLOT_W
        x = _cx(m, c0) - colw / 2
        # Rare trouble in a dense run must not vanish: at least 3 px, drawn over the ok cells.
        width = max(_cx(m, c1) + colw / 2 - x, min(nxt - _cx(m, c1) - 1, 40),
                    1.0 if b.worst == "ok" else 3.0)
        width = min(width, _PLOT_X + _PLOT_W - x)
        cells.append((RANK[b.worst],
                      f"<rect x=\"{x:.1f}\" y=\"{y}\" width=\"{width:.1f}\" "
                      f"height=\"{height}\" fill=\"{_COLOUR[b.worst]}\">"
                      f"<title>{esc(_bucket_title(label, b))}</title></rect>"))
    return [cell for _, cell in sorted(cells, key=lambda rank_cell: rank_cell[0])]


def _runs(lane: Lane, cols: list[int]) -> Iterator[tuple[Bucket, int, int]]:
    """Merge adjacent columns of the same worst state (the first bucket absorbs the rest)."""
    current: tuple[Bucket, int, int] | None = None
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


def _bucket_title(label: str, b: Bucket) -> str:
    ticks = f"tick {b.first}" if b.first == b.last else f"ticks {b.first}-{b.last}"
    when = short_time(b.t_first) + ("" if b.t_first == b.t_last else f" to {short_time(b.t_last)}")
    counts = ", ".join(f"{_LABEL[s].split(' (')[0]} {n:,}" for s, n in
                       sorted(b.counts.items(), key=lambda kv: -RANK[kv[0]]))
    lines = [f"{label} · {ticks} · {when}", counts]
    if b.attempted or b.rejected or b.dead:
        lines.append(f"sent {b.attempted - b.rejected:,}, rejected {b.rejected:,}, "
                     f"dead-lettered {b.dead:,}")
    if b.since is not None and b.until is not None:
        lines.append(f"window {short_time(b.since)} → {short_time(b.until)}")
    if b.cursor is not None:
        lines.append(f"cursor → {short_time(b.cursor)}")
    elif b.unset_end and b.lag_end is not None:
        lines.append(f"cursor unset: {duration(b.lag_end)} since first seen without one")
    if b.rejects is not None:
        lines.append(f"{b.rejects.count:,} item(s) rejected, cursor held:")
        lines += [f"  {key}: {clip(reason, 200)}" for key, reason in b.rejects.named]
        if b.rejects.more:
            lines.append(f"  and {b.rejects.more:,} more")
    if b.error:
        lines.append(f"error: {clip(b.error, 300)}")
    return "\n".join(lines)


def _chart(m: Timeline, lane: Lane, top: int) -> list[str]:
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
           f"{esc(duration(scale))}</text><text x=\"{_PLOT_X - 4}\" y=\"{bottom}\" "
           f"class=\"scale\">lag 0</text>"]
    out += _window_bars(m, lane, cols, top, y, scale)
    solid, dashed = _lag_segments(m, lane, cols, y)
    out += [f"<path d=\"{_path(segments)}\" class=\"{css}\"/>"
            for segments, css in ((solid, "cursor"), (dashed, "cursor unset")) if segments]
    return out


def _window_bars(m: Timeline, lane: Lane, cols: list[int], top: int,
                 y: _Scale, scale: float) -> list[str]:
    out = []
    bottom = top + _CHART_H
    colw = _PLOT_W / m.columns
    # A bar is a third of the gap to the next tick: thin when dense, visible when not.
    gaps = [b - a for a, b in itertools.pairwise(cols)] or [m.columns]
    bar = min(max(colw * min(gaps) * 0.3, colw * 0.8, 1.2), 8.0)
    for col in cols:
        b = lane.buckets[col]
        if b.reach is None:
            continue
        y0 = y(b.reach)
        out.append(f"<rect x=\"{_cx(m, col) - bar / 2:.1f}\" y=\"{y0:.1f}\" "
                   f"width=\"{bar:.1f}\" height=\"{max(bottom - y0, 1.5):.1f}\" "
                   f"fill=\"{_COLOUR[b.worst]}\" opacity=\"0.5\"/>")
        if b.reach > scale:
            out.append(f"<path d=\"M{_cx(m, col) - 3:.1f} {top - 1}h6l-3 -3z\" class=\"clip\"/>")
    return out


def _lag_segments(m: Timeline, lane: Lane, cols: list[int],
                  y: _Scale) -> tuple[list[_Segment], list[_Segment]]:
    """The lag line as solid and dashed segments: from each bucket's end to the next
    one's peak (the lag grows between ticks; dashed while the cursor was unset), then
    down to where the tick left it."""
    solid: list[_Segment] = []
    dashed: list[_Segment] = []
    prev: tuple[float, float, bool] | None = None  # x, lag and unset at the last point
    for col in cols:
        b = lane.buckets[col]
        if b.lag_end is None:
            prev = None
            continue
        x = _cx(m, col)
        peak = b.lag_max if b.lag_max is not None else b.lag_end
        if prev is not None:
            px, lag, unset = prev
            (dashed if unset else solid).append((px, y(lag), x, y(peak)))
        (dashed if b.unset_end else solid).append((x, y(peak), x, y(b.lag_end)))
        prev = (x, b.lag_end, b.unset_end)
    return solid, dashed


def _path(segments: list[_Segment]) -> str:
    out: list[str] = []
    pen = None
    for x0, y0, x1, y1 in segments:
        start, end = (f"{x0:.1f}", f"{y0:.1f}"), (f"{x1:.1f}", f"{y1:.1f}")
        if start == end:
            continue
        if pen != start:
            out.append(f"M{start[0]} {start[1]}")
        out.append(f"V{end[1]}" if end[0] == start[0] else f"L{end[0]} {end[1]}")
        pen = end
    return "".join(out)


def _markers(m: Timeline, lane: Lane, y: int) -> list[str]:
    out = []
    for col in sorted(lane.buckets):
        b = lane.buckets[col]
        if not b.rejected and not b.dead:
            continue
        cx = _cx(m, col)
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


# -- violations ------------------------------------------------------------------------


def _violation_marks(m: Timeline, bottom: int) -> list[str]:
    if not m.violations:
        return []
    times = {tick.index: when for tick, when in m.ticks}
    indices = sorted(times)
    out, rows_end = [], [0.0, 0.0, 0.0]
    lane_y = {lane.key: _lane_y(m, i) for i, lane in enumerate(m.lanes)}
    lane_y[m.run.key] = m.top + 3
    seen_cols: set[int] = set()
    firsts: dict[str, int] = {}
    for tick in sorted(m.violations):
        for v in m.violations[tick]:
            firsts.setdefault(v.invariant, tick)
    for tick in sorted(m.violations):
        when = times.get(tick) or times[min(indices, key=lambda i: abs(i - tick))]
        col = m.col(when)
        x = _cx(m, col)
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
    """A violation's step-source (``"orders@store-1"``) -> ``("orders", "store-1")``;
    ``None`` for one about a whole run."""
    try:
        found = StepSource.parse(where)
    except ValueError:
        return None
    return (found.entity, found.source_key)


# -- keys below the timeline -----------------------------------------------------------


def legend() -> str:
    """What each colour and mark of the timeline means."""
    items = [f"<span><i style=\"background:{_COLOUR[s]}\"></i>{esc(_LABEL[s])}</span>"
             for s in STATES]
    items += [
        "<span><i class=\"line\"></i>cursor lag: now - cursor (0 = caught up)</span>",
        "<span><i class=\"line dash\"></i>no cursor yet: time since first seen without one"
        "</span>",
        "<span><i class=\"bar\"></i>window read by a tick (height: now - since)</span>",
        "<span><i class=\"hatch\"></i>fault active, on the lanes it targets (F1, F2… listed "
        "below)</span>",
        "<span><i class=\"tri\"></i>items rejected (hover: which, and why)</span>",
        "<span><i class=\"sq\"></i>items dead-lettered</span>",
        "<span><i class=\"vline\"></i>invariant first broken (red tick: broken again)</span>",
        "<span>▴ window longer than the lag scale (a backfill)</span>",
    ]
    return f"<div class=\"legend\">{''.join(items)}</div>"


def fault_list(m: Timeline) -> str:
    """The fault sets named F1, F2… on the timeline, each with the lanes it shades (empty
    when no fault was on)."""
    if not m.fault_ids:
        return ""
    items = []
    for faults, number in list(m.fault_ids.items())[:_LISTED_FAULT_SETS]:
        lanes = m.fault_hits.get(faults)
        on = "" if lanes is None else (
            " <span class=\"muted\">(on " + esc(", ".join(m.lanes[i].label for i in sorted(lanes)))
            + ")</span>")
        items.append(f"<li><b>F{number}</b> {'; '.join(esc(f) for f in faults)}{on}</li>")
    more = len(m.fault_ids) - _LISTED_FAULT_SETS
    extra = f"<li>… and {more} more fault set(s)</li>" if more > 0 else ""
    return f"<h3>Fault sets</h3><ul class=\"faults\">{''.join(items)}{extra}</ul>"
