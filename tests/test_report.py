from __future__ import annotations

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from spmkit import InvalidArgument
from spmkit_testing._text import error_text
from spmkit_testing.cli import main
from spmkit_testing.oracle import Violation
from spmkit_testing.report import (
    render_index,
    render_report,
    report_filename,
    write_report,
)
from spmkit_testing.sim import StepTrace, TickTrace

T0 = datetime(2026, 1, 1, tzinfo=UTC)
LANES = (("customers", ""), ("orders", "store-1"), ("orders", "store-2"))


@dataclass(frozen=True)
class FakeScenario:
    name: str = "synthetic"
    description: str = "A synthetic run for the report tests."


@dataclass(frozen=True)
class FakeStats:
    ticks: int = 0
    records: int = 0
    lost: int = 0
    dead_lettered: int = 0
    wall_seconds: float = 0.25


@dataclass
class FakeResult:
    trace: list[TickTrace]
    scenario: FakeScenario = field(default_factory=FakeScenario)
    passed: bool = True
    failures: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    expected_violations: list[Violation] = field(default_factory=list)
    stats: FakeStats = field(default_factory=FakeStats)
    seed: int = 42
    integration: str = "demo-pos"


def iso(value: datetime) -> str:
    return value.isoformat()


def step(entity: str, source: str, now: datetime, state: str = "ok", *, cursor: datetime | None,
         every: timedelta = timedelta(minutes=1), rejected: int = 0) -> StepTrace:
    before = cursor
    since = (before or now - timedelta(days=365))
    advanced = state == "ok"
    return StepTrace(
        entity=entity, source_key=source,
        window=None if state == "backoff" else (iso(since), iso(now)),
        cursor_before=None if before is None else iso(before),
        cursor_after=iso(now) if advanced else (None if before is None else iso(before)),
        advanced=advanced, skipped="backoff" if state == "backoff" else None,
        errors=(f"{rejected} item(s) rejected (cursor held)",) if state == "held" else (),
        attempted=3 + rejected, rejected=rejected, dead_lettered=rejected,
    )


def synthetic_trace(n: int, *, every: timedelta = timedelta(minutes=1),
                    states: Mapping[int, str] | None = None,
                    lanes: tuple[tuple[str, str], ...] = LANES,
                    faults: Mapping[int, tuple[str, ...]] | None = None,
                    crashes: frozenset[int] = frozenset()) -> list[TickTrace]:
    """``n`` ticks; ``states`` maps a tick index to the state of the first lane."""
    states, faults = states or {}, faults or {}
    cursors: dict[tuple[str, str], datetime | None] = dict.fromkeys(lanes)
    out = []
    for index in range(1, n + 1):
        now = T0 + every * index
        if index in crashes:
            out.append(TickTrace(index=index, now=iso(now), status="crashed", full_backfill=False,
                                 steps=(), faults=faults.get(index, ()),
                                 crashed_at="before_cursor_write"))
            continue
        steps = []
        for number, lane in enumerate(lanes):
            state = states.get(index, "ok") if number == 0 else "ok"
            s = step(*lane, now, state, cursor=cursors[lane],
                     rejected=2 if state == "held" else 0)
            cursors[lane] = now if state == "ok" else cursors[lane]
            steps.append(s)
        status = "partial" if any(s.errors for s in steps) else "ok"
        out.append(TickTrace(index=index, now=iso(now), status=status, full_backfill=False,
                             steps=tuple(steps), faults=faults.get(index, ()), run_id=index))
    return out


def short_result() -> FakeResult:
    trace = synthetic_trace(12, states={4: "held", 5: "backoff", 6: "held"},
                            faults={4: ("api: 503",), 5: ("api: 503",), 6: ("api: 503",)},
                            crashes=frozenset({9}))
    violation = Violation("I3", 7, "orders@store-1", "the cursor passed it", record="o7")
    return FakeResult(trace, passed=False, failures=[str(violation)], violations=[violation],
                      stats=FakeStats(ticks=12, records=30, lost=1))


def violation_groups(html: str) -> list[str]:
    return re.findall(r'<g class="violation">.*?</g>', html, flags=re.S)


def strip_cells(html: str, lane_y: int) -> list[str]:
    """The status cells of the lane drawn at ``lane_y`` (their x positions)."""
    return re.findall(rf'<rect x="([\d.]+)" y="{lane_y}" width="[\d.]+" height="\d+" fill', html)


def test_report_is_self_contained() -> None:
    html = render_report(short_result())
    assert html.startswith("<!DOCTYPE html>")
    assert re.search(r"https?://", html) is None
    assert re.search(r"<(script|link|img|iframe)\b", html, flags=re.I) is None
    assert re.search(r"\b(src|href)\s*=", html) is None
    assert "<style>" in html and "<svg" in html


def test_report_shows_name_verdict_seed_stats_and_every_lane() -> None:
    html = render_report(short_result())
    # The badge of a failed run names the invariant that broke.
    assert ("<h1>synthetic against demo-pos <span class=\"verdict failed\" title=\"I3 (no "
            "silent loss)\">FAILED (I3)</span></h1>" in html)
    assert "<tr><th>seed</th><td>42</td></tr>" in html
    assert "<tr><th>lost</th><td>1</td></tr>" in html
    assert "<tr><th>wall seconds</th><td>0.250 s</td></tr>" in html
    for label in ("customers", "orders@store-1", "orders@store-2"):
        assert f"<title>{label}</title>{label}</text>" in html
    assert "PASSED" not in html


def test_report_colours_ticks_by_what_happened() -> None:
    html = render_report(short_result())
    # Tick 4 held the first lane, tick 5 skipped it by backoff, tick 9 crashed the engine.
    assert re.search(r'fill="#e8a027"><title>customers · tick 4 ·', html)
    assert re.search(r'fill="#8268c9"><title>customers · tick 5 ·', html)
    assert re.search(r'fill="#d6362b"><title>orders@store-2 · tick 9 ·', html)
    assert "rejected 2, dead-lettered 2" in html
    assert 'class="reject"' in html and 'class="dead"' in html


def test_fault_span_is_one_band_named_in_the_list() -> None:
    html = render_report(short_result())
    bands = re.findall(r"<title>faults (F\d+), ticks (\d+)-(\d+),", html)
    assert bands == [("F1", "4", "6")]
    assert "<li><b>F1</b> api: 503</li>" in html


def test_violation_tick_is_highlighted_with_its_invariant() -> None:
    html = render_report(short_result())
    [group] = violation_groups(html)
    assert ">I3</text>" in group
    assert "I3 (no silent loss) at tick 7, orders@store-1, record &#x27;o7&#x27;" \
        in group
    # The line sits on tick 7's column, and the step-source's lane gets a circle.
    seventh = re.search(r'<rect x="([\d.]+)" y="\d+" width="[\d.]+" height="14" fill="#\w+">'
                        r"<title>all steps \(run\) · tick 7 ·", html)
    assert seventh is not None
    line = re.search(r'<line x1="([\d.]+)"', group)
    assert line is not None
    assert abs(float(line.group(1)) - float(seventh.group(1)) - 970 / 600 / 2) < 0.11
    assert "<circle" in group
    assert "<h2>Violations (1)</h2>" in html
    assert "<pre>I3 (no silent loss) violated at tick 7" in html


def test_passed_run_without_problems_says_so() -> None:
    html = render_report(FakeResult(synthetic_trace(3)))
    assert "verdict passed\">PASSED" in html
    assert "None: every expectation held" in html
    assert violation_groups(html) == []


HAZARD_BADGE = (
    '<span class="verdict passed" title="expected violation: this scenario demonstrates a '
    'hazard; the oracle reported I3 (no silent loss)">PASSED (shows I3)</span>'
)


def hazard_result(*, passed: bool = True) -> FakeResult:
    lost = Violation("I3", 7, "orders@store-1", "the cursor passed it", record="o7")
    return FakeResult(synthetic_trace(12), scenario=FakeScenario(name="hazard"), passed=passed,
                      failures=[] if passed else ["absent('orders', 'o7') failed"],
                      violations=[lost], expected_violations=[lost])


def test_passed_hazard_badge_names_the_expected_violation() -> None:
    html = render_report(hazard_result())
    assert f"<h1>hazard against demo-pos {HAZARD_BADGE}</h1>" in html
    assert "<h2>Violations (1)</h2>" in html


def test_failed_hazard_badge_says_failed() -> None:
    html = render_report(hazard_result(passed=False))
    assert '<h1>hazard against demo-pos <span class="verdict failed">FAILED</span></h1>' in html
    assert "shows I3" not in html


def test_index_verdict_names_the_expected_violation() -> None:
    html = render_index([(hazard_result(), "hazard.html"), (FakeResult([]), "b.html")])
    assert (f'<tr><td><a href="hazard.html">hazard</a></td><td>{HAZARD_BADGE}</td>') in html
    assert ('<tr><td><a href="b.html">synthetic</a></td><td><span class="verdict passed">'
            'PASSED</span></td>') in html


def test_empty_trace_renders_without_timeline() -> None:
    html = render_report(FakeResult([]))
    assert "No ticks ran." in html and "<svg" not in html


def test_hostile_names_are_escaped() -> None:
    evil = "<script>alert('x')</script>"
    trace = synthetic_trace(3, lanes=(("cust<b>omers", "a\"b&c"),), faults={2: (evil,)})
    trace[1] = TickTrace(index=2, now=trace[1].now, status="partial", full_backfill=False,
                         faults=(evil,), steps=(step("cust<b>omers", "a\"b&c", T0, "held",
                                                     cursor=T0, rejected=1),))
    bad = Violation("I1", 2, "cust<b>omers/'a\"b&c'", f"detail {evil}", record=evil)
    result = FakeResult(trace, scenario=FakeScenario(name=f"n{evil}", description=f"d {evil}"),
                        failures=[f"failure {evil}"], violations=[bad], passed=False)
    html = render_report(result)
    assert "<script" not in html and "<b>omers" not in html
    assert "n&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "cust&lt;b&gt;omers@a&quot;b&amp;c" in html
    assert 'a"b' not in html


def test_thirty_days_at_one_tick_a_minute_stays_small_and_bucketed() -> None:
    ticks = 30 * 24 * 60
    states = {i: "held" for i in range(20_000, 20_240)}
    states |= {i: "backoff" for i in range(20_240, 20_300)}
    trace = synthetic_trace(ticks, states=states,
                            faults={i: ("api: 503",) for i in range(20_000, 20_300)},
                            crashes=frozenset({30_000}))
    violations = [Violation("I3", i, "customers", "lost", record=f"c{i}")
                  for i in range(25_000, 26_000, 10)]
    html = render_report(FakeResult(trace, violations=violations, passed=False))
    assert len(html.encode()) < 2_000_000
    run_lane = strip_cells(html, 92 + 6)
    assert 3 <= len(run_lane) <= 600
    lane_cells = strip_cells(html, 92 + 26 + 4)
    assert 3 <= len(lane_cells) <= 600  # ok, held and crashed at least
    per = re.search(r"aggregated into 600 time columns of up to (\d+) ticks", html)
    assert per is not None and 72 <= int(per.group(1)) <= 80
    assert "runs of identical ticks are grouped" in html
    assert len(violation_groups(html)) == 1  # labelled once; later ticks get small marks
    assert html.count('class="vmark"') <= 600


def test_thirty_days_of_chaos_stays_under_two_megabytes() -> None:
    # Every tick different, a fault set flipping every other tick, a violation every 7th.
    rng = random.Random(1)
    ticks = 30 * 24 * 60
    states = {i: rng.choice(["ok", "held", "backoff"]) for i in range(1, ticks + 1)}
    faults = {i: (f"api: fault {rng.randrange(50)}",) for i in range(1, ticks + 1, 2)}
    trace = synthetic_trace(ticks, states=states, faults=faults,
                            crashes=frozenset(range(5, ticks, 97)))
    violations = [Violation(rng.choice(["I1", "I3", "I5"]), i, "customers", "x" * 300,
                            record=f"c{i}") for i in range(1, ticks, 7)]
    failures = [str(v) for v in violations]
    html = render_report(FakeResult(trace, violations=violations, failures=failures,
                                    passed=False))
    assert len(html.encode()) < 2_000_000
    assert len(strip_cells(html, 92 + 26 + 4)) <= 600
    assert len(violation_groups(html)) == 3
    assert f"<h2>Failures ({len(failures):,})</h2>" in html
    assert f"… and {len(failures) - 100:,} more." in html


def test_max_columns_bounds_the_buckets() -> None:
    trace = synthetic_trace(5_000, states={i: "held" for i in range(1, 5_000, 2)})
    html = render_report(FakeResult(trace), max_columns=50)
    assert len(set(strip_cells(html, 48 + 26 + 4))) <= 50
    with pytest.raises(InvalidArgument) as excinfo:
        render_report(FakeResult(trace), max_columns=0)
    assert excinfo.value.args == ("Expected a positive int but got max_columns=0 (type=int); "
                                  "600 is the default.",)


def test_write_report_creates_parents(tmp_path: Path) -> None:
    path = write_report(short_result(), tmp_path / "a" / "b" / "r.html")
    assert path == tmp_path / "a" / "b" / "r.html"
    assert "synthetic" in path.read_text(encoding="utf-8")


def test_report_filename_is_safe() -> None:
    assert report_filename("poison_pill") == "poison_pill.html"
    assert report_filename("../evil name/<x>") == "evil-name-x.html"
    assert report_filename("///") == "scenario.html"


def test_index_links_each_report() -> None:
    html = render_index([(short_result(), "synthetic.html"), (FakeResult([]), "b.html")])
    assert '<a href="synthetic.html">synthetic</a>' in html
    assert "1 of 2 passed" in html
    assert re.search(r"https?://", html) is None


# -- rejected records, the lag while held, faults on their lanes ---------------------------

# Geometry of a report without violations: lanes start at y=48 (the run lane), then one
# 92 px lane per step-source from y=74; a lane's lag chart spans y+20 to y+72.
COLW = 974 / 600
REJECTS = ("4 item(s) rejected (cursor held; set tolerate_rejects to advance) — 'bad': email "
           "must be a valid e-mail address, \"o'brien\": name, email missing, 'c3': refused by "
           "ShopiMind: " + "x" * 130 + ", and 1 more")


def held_step(entity: str, source: str, now: datetime, *, cursor: datetime | None,
              error: str, rejected: int = 0) -> StepTrace:
    before = None if cursor is None else iso(cursor)
    return StepTrace(entity=entity, source_key=source,
                     window=(iso(cursor or now - timedelta(days=365)), iso(now)),
                     cursor_before=before, cursor_after=before, advanced=False, skipped=None,
                     errors=(error,), attempted=7, rejected=rejected, dead_lettered=rejected)


def tick_at(index: int, steps: list[StepTrace], *, faults: tuple[str, ...] = ()) -> TickTrace:
    status = "partial" if any(s.errors for s in steps) else "ok"
    return TickTrace(index=index, now=iso(T0 + timedelta(minutes=index)), status=status,
                     full_backfill=False, steps=tuple(steps), faults=faults, run_id=index)


def tick_x(html: str, tick: int) -> float:
    """The x of a tick's column, read from its cell in the run lane."""
    cell = re.search(rf'<rect x="([\d.]+)" y="54" width="[\d.]+" height="14" fill="#\w+">'
                     rf"<title>all steps \(run\) · tick {tick} ·", html)
    assert cell is not None
    return float(cell.group(1)) + COLW / 2


def lag_points(html: str, lane: int, css: str = "cursor") -> list[tuple[float, float]]:
    """The points of the lag line (``cursor``) or its unset part (``cursor unset``) of a lane."""
    top = 74 + lane * 92 + 20
    out = []
    for d in re.findall(rf'<path d="([^"]*)" class="{css}"/>', html):
        points: list[tuple[float, float]] = []
        for op, a, b in re.findall(r"([MLV])([\d.]+)(?: ([\d.]+))?", d):
            points.append((points[-1][0], float(a)) if op == "V" else (float(a), float(b)))
        if all(top <= y <= top + 52 for _, y in points):
            out += points
    return out


def approx_points(points: list[tuple[float, float]]) -> list[object]:
    return [pytest.approx(p, abs=0.11) for p in points]


def test_rejects_that_hold_a_cursor_name_the_records_in_the_table() -> None:
    trace = synthetic_trace(3)
    first = trace[1].steps
    trace[1] = tick_at(2, [held_step("customers", "", T0 + timedelta(minutes=2),
                                     cursor=T0 + timedelta(minutes=1), error=REJECTS,
                                     rejected=4), *first[1:]])
    html = render_report(FakeResult(trace))
    assert ("<td>HELD: 4 item(s) rejected — &#x27;bad&#x27;: email must be a valid e-mail "
            "address; &quot;o&#x27;brien&quot;: name, email missing; &#x27;c3&#x27;: refused "
            "by ShopiMind: " + "x" * 97 + "…; and 1 more [3 sent, 4 rejected, 4 dead-lettered]"
            "</td>") in html


def test_reject_marker_hover_names_the_records_and_the_reason() -> None:
    trace = synthetic_trace(3)
    trace[1] = tick_at(2, [held_step("customers", "", T0 + timedelta(minutes=2),
                                     cursor=T0 + timedelta(minutes=1), error=REJECTS,
                                     rejected=4), *trace[1].steps[1:]])
    html = render_report(FakeResult(trace))
    marks = re.findall(r'<g><title>([^<]*)</title><path d="[^"]*" class="reject"/>', html)
    assert marks == [
        "customers · tick 2 · 2026-01-01 00:02\n"
        "partial: cursor held 1\n"
        "sent 3, rejected 4, dead-lettered 4\n"
        "window 2026-01-01 00:01 → 2026-01-01 00:02\n"
        "cursor → 2026-01-01 00:01\n"
        "4 item(s) rejected, cursor held:\n"
        "  &#x27;bad&#x27;: email must be a valid e-mail address\n"
        "  &quot;o&#x27;brien&quot;: name, email missing\n"
        "  &#x27;c3&#x27;: refused by ShopiMind: " + "x" * 130 + "\n"
        "  and 1 more"
    ]


@pytest.mark.parametrize(("error", "text"), [
    ("1 item(s) rejected (cursor held; set tolerate_rejects to advance) — (no key): no id, "
     "'k': bad", "1 item(s) rejected — (no key): no id; 'k': bad"),
    # Not the engine's shape after the dash: shown as it is, not half-parsed.
    ("1 item(s) rejected (cursor held) — see the dead-letters", "1 item(s) rejected (cursor "
     "held) — see the dead-letters"),
    ("x" * 100, "x" * 89 + "…"),
])
def test_error_text_reads_a_reject_back_and_clips_the_rest(error: str, text: str) -> None:
    assert error_text(error, limit=90) == text


def test_lag_line_ramps_while_a_held_cursor_waits() -> None:
    # customers: advanced at tick 1, held at 2 and 3, skipped by backoff at 4, ok at 5.
    html = render_report(FakeResult(synthetic_trace(6, states={2: "held", 3: "held",
                                                               4: "backoff"})))
    x = {t: tick_x(html, t) for t in range(1, 7)}
    # Lag 0 at y=146; a minute is 5.2 px on the lane's 10-minute scale.
    assert lag_points(html, 0) == approx_points([
        (x[1], 146.0), (x[2], 140.8), (x[3], 135.6), (x[4], 130.4), (x[5], 125.2),
        (x[5], 146.0), (x[6], 140.8), (x[6], 146.0)])
    assert lag_points(html, 0, "cursor unset") == []


def test_lag_line_is_dashed_while_the_cursor_was_never_set() -> None:
    trace = [tick_at(i, [held_step("customers", "", T0 + timedelta(minutes=i), cursor=None,
                                   error="bulk step 'customers': RuntimeError: 503")])
             for i in (1, 2, 3)]
    four = T0 + timedelta(minutes=4)
    trace.append(tick_at(4, [step("customers", "", four, cursor=None)]))  # its first advance
    html = render_report(FakeResult(trace))
    x = {t: tick_x(html, t) for t in range(1, 5)}
    assert lag_points(html, 0, "cursor unset") == approx_points([
        (x[1], 146.0), (x[2], 140.8), (x[3], 135.6), (x[4], 130.4)])
    assert lag_points(html, 0) == approx_points([(x[4], 130.4), (x[4], 146.0)])
    assert "cursor unset: 2m since first seen without one" in html


def test_lag_line_goes_on_for_a_source_missing_from_a_tick() -> None:
    # The listing of orders' sources fails at ticks 2 and 3: only its pseudo lane appears.
    lanes = (("orders", "store-1"),)
    trace = synthetic_trace(1, lanes=lanes)
    trace += [tick_at(i, [held_step("orders", "", T0 + timedelta(minutes=i), cursor=None,
                                    error="sources() failed: RuntimeError: 503")])
              for i in (2, 3)]
    four = T0 + timedelta(minutes=4)
    trace.append(tick_at(4, [step("orders", "store-1", four, cursor=T0 + timedelta(minutes=1))]))
    html = render_report(FakeResult(trace))
    x = {t: tick_x(html, t) for t in range(1, 5)}
    assert lag_points(html, 0) == approx_points([
        (x[1], 146.0), (x[2], 140.8), (x[3], 135.6), (x[4], 130.4), (x[4], 146.0)])
    # The store's strip has no cell where it did not run.
    assert len(strip_cells(html, 74 + 4)) == 2
    # The listing has no cursor: dashed while it fails, nothing once the stores are back.
    assert lag_points(html, 1, "cursor unset") == approx_points([(x[2], 238.0),
                                                                 (x[3], 232.8)])


def fault_band(html: str) -> tuple[str, list[tuple[int, int]]]:
    """The one fault band: its hover title and the (y, height) of each rectangle."""
    [(title, rects)] = re.findall(r"<g><title>(faults [^<]*)</title>((?:<rect [^>]*/>)+)", html)
    return title, [(int(y), int(h)) for y, h in
                   re.findall(r'<rect x="[\d.]+" y="(\d+)" width="[\d.]+" height="(\d+)"', rects)]


def fault_result(fault: str, **extra: object) -> FakeResult:
    result = FakeResult(synthetic_trace(4, faults={2: (fault,), 3: (fault,)}))
    for name, value in extra.items():
        setattr(result, name, value)
    return result


def test_partner_fault_on_one_source_shades_that_lane_only() -> None:
    fault = "store-1 down: status(503, target='orders@store-1')"
    html = render_report(fault_result(fault))
    # The axis and run lane (y 26-74), then orders@store-1's lane alone (y 166-258).
    assert fault_band(html) == ("faults F1, ticks 2-3, 2026-01-01 00:02 - 2026-01-01 00:03; "
                                "on orders@store-1", [(26, 48), (166, 92)])
    assert ("<li><b>F1</b> store-1 down: status(503, target=&#x27;orders@store-1&#x27;) "
            "<span class=\"muted\">(on orders@store-1)</span></li>") in html


@pytest.mark.parametrize("target", ["orders", "orders/sources"])
def test_partner_fault_on_a_stream_shades_all_its_sources(target: str) -> None:
    html = render_report(fault_result(f"orders down: status(503, target={target!r})"))
    assert fault_band(html)[1] == [(26, 48), (166, 184)]


def test_api_fault_with_a_resource_shades_the_lanes_landing_in_it() -> None:
    resources = {"customers": "customers", "orders": "orders"}
    html = render_report(fault_result("slow: latency('30s', resource='customers')",
                                      resources=resources))
    # customers is the first lane: the band runs on from the run lane without a break.
    assert fault_band(html) == ("faults F1, ticks 2-3, 2026-01-01 00:02 - 2026-01-01 00:03; "
                                "on customers", [(26, 140)])


@pytest.mark.parametrize("fault", [
    "api: 503",                                               # not a fault's repr
    "down: status(503)",                                      # the whole API
    "proxy: status(502, body='html', target='partner')",     # every partner request
    "gone: status(503, target='products')",                   # a stream with no lane
    "slow: latency('30s', resource='customers')",             # no resources mapping given
    "odd: name: with colons: null_page(target='customers', times=1)",
])
def test_faults_that_cannot_be_attributed_shade_every_lane(fault: str) -> None:
    title, rects = fault_band(render_report(fault_result(fault)))
    if "null_page" in fault:  # a name with ": " in it still finds the fault's repr
        assert (title, rects) == ("faults F1, ticks 2-3, 2026-01-01 00:02 - 2026-01-01 00:03; "
                                  "on customers", [(26, 140)])
    else:
        assert (title, rects) == ("faults F1, ticks 2-3, 2026-01-01 00:02 - 2026-01-01 00:03",
                                  [(26, 324)])


# -- spmkit demo ------------------------------------------------------------------------

FAILING = '''
from spmkit_testing.scenario import *  # noqa: F403

scenario = Scenario(
    "always_fails",
    description="Expects a customer nobody wrote.",
    timeline=[advance("1m"), tick()],
    expect=[present("customers", "nobody")],
)
'''


def test_demo_prints_a_table_writes_reports_and_exits_0(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--scenario", "clean_backfill", "--out", str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[:2] == ["spmkit demo: the scenario library against the reference Demo POS", ""]
    out = out[2:]
    assert out[0].split() == ["scenario", "verdict", "ticks", "records", "lost",
                              "undelivered", "dead-lettered", "wall"]
    name, verdict, ticks, *_ = out[1].split()
    assert (name, verdict) == ("clean_backfill", "passed") and int(ticks) > 0
    assert out[-1].startswith("1 of 1 scenario(s) passed against demo-pos in ")
    assert str(tmp_path / "index.html") in out[-1]
    assert "<h1>clean_backfill" in (tmp_path / "clean_backfill.html").read_text("utf-8")


def test_demo_exits_1_when_a_scenario_fails(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    failing = tmp_path / "always_fails.py"
    failing.write_text(FAILING, encoding="utf-8")
    out_dir = tmp_path / "reports"
    code = main(["demo", "--scenario", "clean_backfill", "--scenario", str(failing),
                 "--out", str(out_dir)])
    out = capsys.readouterr().out.splitlines()[2:]
    assert code == 1
    assert out[2].split()[:2] == ["always_fails", "FAILED"]
    assert out[-1].startswith("1 of 2 scenario(s) passed against demo-pos in ")
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "always_fails.html", "clean_backfill.html", "index.html"]


def test_demo_verdict_shows_the_hazard_a_scenario_demonstrates(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--scenario", "clean_backfill", "--scenario", "clock_skew_loss",
                 "--out", str(tmp_path)])
    out = capsys.readouterr().out.splitlines()[2:]
    assert code == 0
    assert out[0] == ("scenario         verdict            ticks  records  lost  undelivered  "
                      "dead-lettered  wall")
    assert out[1].startswith("clean_backfill   passed                 4       69     0            "
                             "0              0  ")
    assert out[2].startswith("clock_skew_loss  passed (shows I3)      6        6     1            "
                             "1              0  ")
    assert out[-1].startswith("2 of 2 scenario(s) passed against demo-pos in ")
    assert f"<h1>clock_skew_loss against demo-pos {HAZARD_BADGE}</h1>" in (
        tmp_path / "clock_skew_loss.html").read_text("utf-8")
    assert HAZARD_BADGE in (tmp_path / "index.html").read_text("utf-8")


def test_demo_unknown_scenario_lists_the_names(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--scenario", "nope", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("spmkit demo: unknown scenario 'nope'; choose from: ")
    assert "clean_backfill" in err
    assert list(tmp_path.iterdir()) == []
