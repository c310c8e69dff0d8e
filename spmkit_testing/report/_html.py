"""A self-contained HTML timeline of one scenario run: inline SVG and CSS, no network, no JS.

The page shows the verdict, the seed and the stats; a timeline with simulated time on
x and one lane per step-source (``entity@source``) where each tick is a cell coloured
by what happened (ok, cursor held, skipped by backoff, crashed); below it the cursor's
lag (``now - cursor``: zero when caught up, a ramp while it is held) is a line and the
window each tick read is a bar reaching back from ``until`` to ``since`` on that scale;
fault spans are shaded bands on the lanes each fault targets, rejects and dead-letters
are markers (a reject that held the cursor names its records and the API's reason),
and the tick where an invariant first broke is a red line named after the invariant.
Below: the failures, the violations, each distinct step error in full with its traceback
(``_errors``) and a collapsible table of ticks.

Dense runs stay legible: ticks are aggregated into at most ``max_columns`` time
buckets, each showing the worst status in it and its counts in a hover title, so a
30-day run at one tick a minute (43,200 ticks) renders in a few hundred kilobytes.
This module lays out the page; ``_model`` buckets the ticks and ``_timeline``
draws the SVG.

For example::

    result = run_scenario(...)
    path = write_report(result, "reports/clean.html")
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from spmkit import InvalidArgument
from spmkit_testing._text import clip, error_text, esc, parse_time, short_time
from spmkit_testing.oracle import INVARIANTS
from spmkit_testing.report._errors import step_errors_section
from spmkit_testing.report._model import Timeline, ViolationLike, step_state
from spmkit_testing.report._timeline import fault_list, legend, timeline_svg
from spmkit_testing.scenario import group_violations

if TYPE_CHECKING:
    from spmkit_testing.sim import TickTrace

__all__ = [
    "MAX_COLUMNS",
    "render_index",
    "render_report",
    "render_run_index",
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


class _Scenario(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def description(self) -> str: ...


class ReportResult(Protocol):
    """What a report reads from a scenario result (``ScenarioResult`` fits).

    Optionally, ``resources``: a mapping of a lane's entity to the ShopiMind resource its
    stream lands in (``{"customers": "customers", "orders": "orders"}``), read with
    ``getattr``. With it, an API fault with ``resource=`` is shaded only on the lanes
    that push to that resource; without it, on every lane.
    """

    @property
    def scenario(self) -> _Scenario: ...
    @property
    def passed(self) -> bool: ...
    @property
    def failures(self) -> Sequence[str]: ...
    @property
    def violations(self) -> Sequence[ViolationLike]: ...
    @property
    def expected_violations(self) -> Sequence[ViolationLike]: ...
    @property
    def trace(self) -> Sequence[TickTrace]: ...
    @property
    def stats(self) -> object: ...
    @property
    def seed(self) -> int: ...
    @property
    def integration(self) -> str: ...


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
    model = Timeline.build(result.trace, result.violations, max_columns,
                           resources=_resources(result))
    name = result.scenario.name
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f"<title>{esc(name)} — spmkit report</title><style>{_CSS}</style></head><body>",
        _header(result, model),
        "<h2>Timeline</h2>",
        timeline_svg(model) if model.ticks else "<p class=\"muted\">No ticks ran.</p>",
        legend(),
        fault_list(model),
        _problems(result),
        step_errors_section(result.trace),
        _table(model),
        "<footer>Generated by spmkit; simulated times are UTC.</footer></body></html>\n",
    ]
    return "".join(parts)


def render_index(entries: Sequence[tuple[ReportResult, str]]) -> str:
    """An HTML page listing reports: ``(result, file name)`` pairs, each name linked."""
    heads = [name for name, _ in _stats_items(entries[0][0].stats)] if entries else []
    rows = []
    for result, filename in entries:
        summary = (result.scenario.description.strip().splitlines() or [""])[0]
        cells = "".join(f"<td class=\"num\">{esc(v)}</td>" for _, v in _stats_items(result.stats))
        rows.append(f"<tr><td><a href=\"{esc(filename)}\">{esc(result.scenario.name)}</a></td>"
                    f"<td>{_verdict(result)}</td>"
                    f"{cells}<td>{esc(summary)}</td></tr>")
    passed = sum(result.passed for result, _ in entries)
    ran = ", ".join(sorted({result.integration for result, _ in entries})) or "(none)"
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>spmkit "
            f"scenarios — {esc(ran)}</title><style>{_CSS}</style></head><body><h1>spmkit "
            f"scenarios against {esc(ran)}</h1>"
            f"<p class=\"muted\">{passed} of {len(entries)} passed. Each name opens its "
            f"timeline.</p><table class=\"grid\"><tr><th>scenario</th><th>verdict</th>"
            + "".join(f"<th>{esc(h)}</th>" for h in heads) + "<th>what it shows</th></tr>"
            + "".join(rows) + "</table></body></html>\n")


def render_run_index(integration: str,
                     rows: Sequence[tuple[str, str, str | None]]) -> str:
    """The index of a pytest run's reports (``pytest --spmkit-report DIR``): one row per
    ``(test id, outcome, report file or None)``, under a title naming ``integration``."""
    cells = []
    for nodeid, outcome, filename in rows:
        name = (f"<a href=\"{esc(filename)}\">{esc(nodeid)}</a>" if filename else esc(nodeid))
        cells.append(f"<tr><td>{name}</td><td>{esc(outcome)}</td></tr>")
    failed = sum(outcome == "failed" for _, outcome, _ in rows)
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>spmkit "
            f"— {esc(integration)}</title><style>{_CSS}</style></head><body><h1>spmkit runs "
            f"against {esc(integration)}</h1><p class=\"muted\">{len(rows)} item(s), {failed} "
            f"failed. Each linked name opens its timeline.</p><table class=\"grid\"><tr><th>"
            f"test</th><th>outcome</th></tr>" + "".join(cells) + "</table></body></html>\n")


def _resources(result: ReportResult) -> Mapping[str, str]:
    # Optional on the protocol: results that predate it (or fakes in tests) have none.
    resources = getattr(result, "resources", {})
    if not isinstance(resources, Mapping):
        return {}
    return {str(k): str(v) for k, v in resources.items()}


# -- header ----------------------------------------------------------------------------


def _verdict(result: ReportResult) -> str:
    """The badge: ``FAILED (I10)`` naming the invariants that broke unexpectedly (FAILED
    alone when only an expectation failed), PASSED, or ``PASSED (shows I3)`` when the run
    passed because the oracle reported the violation the scenario expects (it demonstrates
    a hazard)."""
    if not result.passed:
        expected = {v.invariant for v in result.expected_violations}
        broke = sorted({v.invariant for v in result.violations} - expected)
        if not broke:
            return "<span class=\"verdict failed\">FAILED</span>"
        title = "; ".join(f"{n} ({INVARIANTS.get(n, '?')})" for n in broke)
        return (f"<span class=\"verdict failed\" title=\"{esc(title)}\">FAILED "
                f"({esc(', '.join(broke))})</span>")
    shown = sorted({v.invariant for v in result.expected_violations})
    if not shown:
        return "<span class=\"verdict passed\">PASSED</span>"
    title = ("expected violation: this scenario demonstrates a hazard; the oracle reported "
             + "; ".join(f"{n} ({INVARIANTS.get(n, '?')})" for n in shown))
    return (f"<span class=\"verdict passed\" title=\"{esc(title)}\">PASSED (shows "
            f"{esc(', '.join(shown))})</span>")


def _header(result: ReportResult, model: Timeline) -> str:
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>"
                   for k, v in [("integration", result.integration), ("seed", str(result.seed)),
                                *_stats_items(result.stats)])
    span = ""
    if model.ticks:
        per = max(Counter(model.col(w) for _, w in model.ticks).values())
        first, last = short_time(model.ticks[0][1]), short_time(model.ticks[-1][1])
        span = (f"<p class=\"muted\">{len(model.ticks):,} tick(s) from "
                f"{esc(first)} to {esc(last)} UTC, "
                f"{len(model.lanes)} step-source(s)"
                + (f"; aggregated into {model.columns} time columns of up to {per:,} ticks"
                   if per > 1 else "") + ".</p>")
    return (f"<header><h1>{esc(result.scenario.name)} against {esc(result.integration)} "
            f"{_verdict(result)}</h1>"
            f"<p class=\"desc\">{esc(result.scenario.description)}</p>"
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


# -- below the timeline ----------------------------------------------------------------


def _problems(result: ReportResult) -> str:
    out = []
    if result.failures:
        more = len(result.failures) - _LISTED_FAILURES
        out.append(f"<h2>Failures ({len(result.failures):,})</h2><ol class=\"failures\">" + "".join(
            f"<li><pre>{esc(clip(f, 3000))}</pre></li>"
            for f in list(result.failures)[:_LISTED_FAILURES]) + "</ol>"
            + (f"<p class=\"muted\">… and {more:,} more.</p>" if more > 0 else ""))
    if result.violations:
        # One row per invariant and step-source: how many, the first tick and records.
        groups = group_violations(result.violations)
        rows = "".join(
            f"<tr><td><b>{esc(g.invariant)}</b> {esc(INVARIANTS.get(g.invariant, ''))}</td>"
            f"<td>{g.first_tick}</td><td>{esc(g.where)}</td><td class=\"num\">{g.count:,}</td>"
            f"<td>{esc(g.records_text())}</td><td>{esc(clip(g.detail, 400))}</td></tr>"
            for g in groups[:_LISTED_VIOLATIONS])
        more = len(groups) - _LISTED_VIOLATIONS
        note = f"<p class=\"muted\">… and {more:,} more.</p>" if more > 0 else ""
        out.append(f"<h2>Violations ({len(result.violations):,})</h2><table class=\"grid\">"
                   f"<tr><th>invariant</th><th>first tick</th><th>step-source</th><th>count"
                   f"</th><th>records</th><th>detail (the first)</th></tr>{rows}</table>{note}")
    if not out:
        out.append("<h2>Failures</h2><p class=\"muted\">None: every expectation held and the "
                   "oracle found no violation.</p>")
    return "".join(out)


def _table(m: Timeline) -> str:
    if not m.ticks:
        return ""
    groups = _group_ticks(m)
    shown = groups[:_TABLE_ROWS]
    heads = "".join(f"<th>{esc(lane.label)}</th>" for lane in m.lanes)
    rows = []
    for group in shown:
        first, last = group[0], group[-1]
        tick, when = first
        ticks = str(tick.index) if len(group) == 1 else f"{tick.index}-{last[0].index} " \
            f"({len(group):,})"
        times = _clock(when, m) if len(group) == 1 else \
            f"{_clock(when, m)} to {_clock(last[1], m)}"
        cells = "".join(f"<td>{esc(_step_text(tick, lane.key, group, m))}</td>" for lane in m.lanes)
        faults = "+".join(f"F{m.fault_ids[t.faults]}" for t in (tick,) if t.faults)
        bad = sorted({v.invariant for t, _ in group for v in m.violations.get(t.index, [])})
        status = tick.status + (" (full backfill)" if tick.full_backfill else "")
        if tick.crashed_at:
            status = f"crashed at {tick.crashed_at}"
        rows.append(f"<tr class=\"{'bad' if bad else ''}\"><td>{ticks}</td><td>{esc(times)}</td>"
                    f"<td>{esc(status)}</td>{cells}<td>{esc(faults)}</td>"
                    f"<td>{esc(' '.join(bad))}</td></tr>")
    note = (f"runs of identical ticks are grouped: {len(groups):,} row(s) for "
            f"{len(m.ticks):,} ticks" if len(m.ticks) > _TABLE_TICKS else
            f"{len(m.ticks):,} ticks")
    if len(groups) > _TABLE_ROWS:
        note += f"; the first {_TABLE_ROWS:,} shown"
    return (f"<details><summary>Ticks ({esc(note)})</summary><table class=\"grid ticks\">"
            f"<tr><th>tick</th><th>time (UTC)</th><th>run</th>{heads}<th>faults</th>"
            f"<th>violations</th></tr>{''.join(rows)}</table></details>")


def _group_ticks(m: Timeline) -> list[list[tuple[TickTrace, datetime]]]:
    if len(m.ticks) <= _TABLE_TICKS:
        return [[t] for t in m.ticks]
    groups: list[list[tuple[TickTrace, datetime]]] = []
    prev: object = None
    for tick, when in m.ticks:
        sig = (tick.status, tick.crashed_at, tick.full_backfill, tick.faults,
               tuple((s.entity, s.source_key, step_state(s), s.errors[:1]) for s in tick.steps))
        if groups and sig == prev and tick.index not in m.violations:
            groups[-1].append((tick, when))
        else:
            groups.append([(tick, when)])
        prev = None if tick.index in m.violations else sig
    return groups


def _step_text(tick: TickTrace, key: tuple[str, str],
               group: list[tuple[TickTrace, datetime]], m: Timeline) -> str:
    step = next((s for s in tick.steps if (s.entity, s.source_key) == key), None)
    if step is None:
        return "—"
    steps = [s for t, _ in group for s in t.steps if (s.entity, s.source_key) == key]
    sent = sum(s.attempted - s.rejected for s in steps)
    rejected, dead = sum(s.rejected for s in steps), sum(s.dead_lettered for s in steps)
    if step.skipped:
        text = f"skipped ({step.skipped})"
    elif step.errors:
        text = f"HELD: {error_text(step.errors[0], limit=120, reason_chars=120)}"
    elif step.advanced:
        after = parse_time(steps[-1].cursor_after)
        text = "→ " + (_clock(after, m) if after else "?")
    else:
        text = "clean, not advanced"
    counts = [f"{n:,} {what}" for n, what in ((sent, "sent"), (rejected, "rejected"),
                                              (dead, "dead-lettered")) if n]
    return text + (f" [{', '.join(counts)}]" if counts else "")


# -- helpers ---------------------------------------------------------------------------


def _clock(value: datetime, m: Timeline) -> str:
    """A table time: the time of day alone when the whole run fits in one day."""
    value = value.astimezone(UTC)
    if m.ticks[0][1].date() == m.ticks[-1][1].date() == value.date():
        return value.strftime("%H:%M:%S")
    return value.strftime("%m-%d %H:%M:%S" if value.second else "%m-%d %H:%M")



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
svg .cursor{fill:none;stroke:#0969da;stroke-width:1.4}svg .cursor.unset{stroke-dasharray:4 3}
svg .scale{fill:#8c959f;font-size:9px;text-anchor:end}svg .clip{fill:#57606a}
svg .reject{fill:#e8a027}svg .dead{fill:#3d444d}svg .fault{fill:#b42318;font-size:10px}
svg .violation line{stroke:#c0140c;stroke-width:2}svg .violation circle{fill:none;
stroke:#c0140c;stroke-width:2}svg .violation text{fill:#c0140c;font-weight:700;font-size:11px}
svg .vmark{fill:#c0140c}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:12px;margin:8px 0;color:#3d444d}
.legend i{display:inline-block;width:12px;height:12px;margin-right:5px;vertical-align:-2px;
border-radius:2px}.legend i.bar{background:#3b9c5f;opacity:.55;width:4px}
.legend i.line{height:0;border-top:2px solid #0969da;vertical-align:3px;border-radius:0}
.legend i.line.dash{border-top-style:dashed;width:20px}
.legend i.hatch{background:repeating-linear-gradient(45deg,#fde7e4 0 3px,#f3b7ae 3px 6px)}
.legend i.tri{width:0;height:0;border-left:6px solid transparent;border-right:6px solid
transparent;border-top:9px solid #e8a027;border-radius:0}.legend i.sq{background:#3d444d;
width:8px;height:8px}.legend i.vline{width:3px;background:#c0140c}
ul.faults{font-size:12px;font-family:ui-monospace,monospace;padding-left:18px}
ol.failures pre{white-space:pre-wrap;font-size:12px;background:#fff5f5;padding:6px 8px;
border-left:3px solid #c62f26;margin:4px 0}
pre.tb{white-space:pre;overflow-x:auto;font-size:11px;background:#f6f8fa;padding:6px 8px;
margin:4px 0}
table.grid{border-collapse:collapse;font-size:12px;width:100%}
table.grid td,table.grid th{border:1px solid #d8dee4;padding:2px 6px;text-align:left;
vertical-align:top}table.grid th{background:#f6f8fa}table.grid td.num{text-align:right}
tr.bad td{background:#fff0ef}
details{margin:18px 0}summary{cursor:pointer;font-weight:600}
footer{margin:28px 0 8px;font-size:12px;color:#8c959f}
"""
