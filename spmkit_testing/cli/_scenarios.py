"""``spmkit scenarios`` (list the library), ``spmkit run`` (one scenario) and ``spmkit demo``
(the library, with an HTML timeline per scenario)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from spmkit_testing.cli._common import add_target_options, engine_log

__all__ = ["add_demo", "add_run", "add_scenarios"]


def _cmd_scenarios(args: argparse.Namespace) -> int:
    """List the named scenarios: name and the first line of its description."""
    from spmkit_testing.scenario import InvalidScenario, load_scenario, scenario_names

    names = scenario_names()
    width = max((len(n) for n in names), default=0)
    for name in names:
        try:
            summary = load_scenario(name).summary
        except InvalidScenario as exc:
            summary = f"(does not load: {exc})"
        print(f"{name:<{width}}  {summary}")
    return 0


def add_scenarios(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "scenarios",
        help="List the named scenarios",
        description="List the library's named scenarios with a one-line description each.",
    )
    parser.set_defaults(func=_cmd_scenarios)


def _cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario: 0 when every expectation holds, 1 when one fails, 2 on bad usage."""
    from spmkit import InvalidArgument
    from spmkit_testing.scenario import load_scenario, run_scenario

    write_report: Callable[[Any, str], Any] | None = None
    if args.report is not None:
        try:
            from spmkit_testing import report
        except ImportError:
            print("spmkit run: --report needs spmkit_testing.report, which is not available in "
                  "this installation; run without --report.", file=sys.stderr)
            return 2
        write_report = report.write_report
    try:
        scenario = load_scenario(args.scenario)
        with engine_log(verbose=args.verbose, quiet=False):
            result = run_scenario(scenario, seed=args.seed, integration=args.integration,
                                  adapter=args.adapter)
    except InvalidArgument as exc:
        print(f"spmkit run: {exc}", file=sys.stderr)
        return 2
    if args.json:
        # The trace, one line per tick, then the verdict as the last line.
        for line in (tick.to_json() for tick in result.trace):
            print(line)
        print(json.dumps({"verdict": result.verdict()}, sort_keys=True))
    if result.skipped is not None:
        print(result.message(), file=sys.stderr if args.json else sys.stdout)
        return 0
    verdict = f"{result.message()}\n{result.stats.text()}"
    print(verdict, file=sys.stderr if args.json else sys.stdout)
    if write_report is not None:
        path = write_report(result, args.report)
        print(f"report: {path}", file=sys.stderr)
    return 0 if result.passed else 1


def add_run(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="Run a named scenario or a scenario file",
        description="Run one scenario against the simulation and the golden-rule oracle. Exit "
        "status: 0 when every expectation holds, 1 when one fails (the message says which), 2 on "
        "bad usage (an unknown name lists the known ones).",
    )
    parser.add_argument("scenario", metavar="NAME|PATH",
                        help="A library name (see `spmkit scenarios`) or a .py scenario file")
    parser.add_argument("--seed", type=int, default=None,
                        help="Seed of every random choice (default: the scenario's own)")
    parser.add_argument("--json", action="store_true",
                        help="Print the trace as JSON lines on stdout, one per tick, then the "
                        "verdict as one last line {\"verdict\": {\"passed\": ..., "
                        "\"failures\": [...], \"violations\": [...], ...}} (the readable "
                        "verdict goes to stderr)")
    parser.add_argument("--report", metavar="FILE.html", default=None,
                        help="Also write a self-contained HTML timeline of the run")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="Show the engine's log lines, with the whole traceback of a step "
                        "that raised")
    add_target_options(parser)
    parser.set_defaults(func=_cmd_run)


_DEMO_HEADS = ("scenario", "verdict", "ticks", "records", "lost", "undelivered",
               "dead-lettered", "wall")
_BLANK = ("",) * (len(_DEMO_HEADS) - 2)
# Under a failed scenario's row: its first few findings.
_FINDINGS = 3


def _cmd_demo(args: argparse.Namespace) -> int:
    """Run the scenario library, print a table, write one HTML timeline per scenario."""
    import time
    import traceback
    from pathlib import Path

    from spmkit import InvalidArgument
    from spmkit_testing.report import render_index, report_filename, write_report
    from spmkit_testing.scenario import (
        load_scenario,
        resolve_object,
        run_scenario,
        scenario_dirs,
        scenario_names,
    )

    try:
        specs = args.scenario or scenario_names()
        scenarios = [load_scenario(name) for name in specs]
        integration = (None if args.integration is None
                       else resolve_object(args.integration, "--integration"))
        adapter = None if args.adapter is None else resolve_object(args.adapter, "--adapter")
    except InvalidArgument as exc:
        print(f"spmkit demo: {exc}", file=sys.stderr)
        return 2
    if not scenarios:
        where = ", ".join(str(d) for d in scenario_dirs()) or "no scenarios/ folder"
        print(f"spmkit demo: no scenario found (looked in {where}).", file=sys.stderr)
        return 2
    out = Path(args.out)
    width = max(len(_DEMO_HEADS[0]), *(len(s.name) for s in scenarios))
    # Rows print as each scenario finishes, so size the verdict column from what each expects.
    shows = max(len(_demo_verdict(True, _hazards(s))) for s in scenarios)
    widths = (width, max(shows, len("FAILED"), len(_DEMO_HEADS[1])))
    who = "the reference Demo POS" if args.integration is None else args.integration
    print(f"spmkit demo: the scenario library against {who}\n", flush=True)
    print(_demo_row(_DEMO_HEADS, widths), flush=True)
    failed, started = 0, time.perf_counter()  # wall time, for the table only
    skipped: list[str] = []
    ran = "the reference Demo POS" if integration is None else str(args.integration)
    written: list[tuple[Any, str]] = []
    # The engine logs every failed step; the reports show them, so keep the table readable.
    with engine_log(verbose=args.verbose, quiet=True):
        for spec, scenario in zip(specs, scenarios, strict=True):
            try:
                result = run_scenario(scenario, seed=args.seed, integration=integration,
                                      adapter=adapter)
            except Exception as exc:
                failed += 1
                print(_demo_row((scenario.name, "ERROR", *_BLANK), widths), flush=True)
                print("".join(traceback.format_exception_only(exc)).rstrip(), file=sys.stderr)
                continue
            if result.skipped is not None:
                skipped.append(f"  {scenario.name}: {result.skipped}")
                print(_demo_row((scenario.name, "skipped", *_BLANK), widths), flush=True)
                continue
            ran = result.integration
            failed += not result.passed
            written.append((result, report_filename(scenario.name)))
            write_report(result, out / written[-1][1])
            stats = result.stats
            shown = sorted({v.invariant for v in result.expected_violations})
            print(_demo_row((scenario.name, _demo_verdict(result.passed, shown),
                             f"{stats.ticks:,}", f"{stats.records:,}", f"{stats.lost:,}",
                             f"{stats.undelivered:,}", f"{stats.dead_lettered:,}",
                             f"{stats.wall_seconds:.2f}s"), widths), flush=True)
            if not result.passed:
                print(_findings(result, _replay(spec, args), out / written[-1][1]), flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "index.html").write_text(render_index(written), encoding="utf-8")
    total = len(scenarios) - len(skipped)
    print(f"\n{total - failed} of {total} scenario(s) passed against {ran} in "
          f"{time.perf_counter() - started:.1f}s. HTML timelines: {out}/<scenario>.html; "
          f"open {out / 'index.html'} in a browser.")
    if skipped:
        print(f"{len(skipped)} scenario(s) do not apply to this integration:\n"
              + "\n".join(skipped))
    return 1 if failed else 0


def _findings(result: Any, replay: str, report: Any) -> str:
    """Under a failed scenario's row: each unexpected invariant with its step-source, how
    often, the first records; the expectations that failed; the replay command."""
    from spmkit_testing._text import clip
    from spmkit_testing.scenario import group_violations, records_text

    expected = {v.invariant for v in result.expected_violations}
    groups = group_violations(v for v in result.violations if v.invariant not in expected)
    lines = []
    for g in groups[:_FINDINGS]:
        behind = result.behind.get(g.where, ())
        records = (f", records {g.records_text()}" if g.records else
                   f", undelivered at the end: {records_text(behind)}" if behind else "")
        lines.append(f"    {g.invariant} at {g.where}: {g.count} violation(s) from tick "
                     f"{g.first_tick}{records}: {clip(g.detail.splitlines()[0], 100)}")
    problems = [f for f in result.failures if not f.startswith("unexpected violation: ")]
    lines += [f"    {clip(f.splitlines()[0], 120)}" for f in problems[:_FINDINGS]]
    more = max(0, len(groups) - _FINDINGS) + max(0, len(problems) - _FINDINGS)
    if more:
        lines.append(f"    … and {more} more (see the report)")
    lines.append(f"    replay: {replay}")
    lines.append(f"    report: {report}")
    return "\n".join(lines)


def _replay(spec: str, args: argparse.Namespace) -> str:
    """The ``spmkit run`` command that replays one scenario of the demo."""
    import shlex

    options = [("--seed", None if args.seed is None else str(args.seed)),
               ("--integration", args.integration), ("--adapter", args.adapter)]
    return shlex.join(["spmkit", "run", spec, *(word for flag, value in options
                                                if value is not None for word in (flag, value))])


def _hazards(scenario: Any) -> list[str]:
    """The invariants a scenario expects the oracle to report (``violates(...)``)."""
    return sorted(scenario.demonstrates)


def _demo_verdict(passed: bool, shown: Sequence[str]) -> str:
    """``passed``, ``FAILED``, or ``passed (shows I3)`` for a scenario that demonstrates a
    hazard: the violation it expects was reported."""
    if not passed:
        return "FAILED"
    return f"passed (shows {', '.join(shown)})" if shown else "passed"


def _demo_row(cells: Sequence[str], widths: tuple[int, int]) -> str:
    name, verdict, *numbers = cells
    return f"{name:<{widths[0]}}  {verdict:<{widths[1]}}" + "".join(
        f"  {cell:>{len(head)}}" for cell, head in zip(numbers, _DEMO_HEADS[2:], strict=True))


def add_demo(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="Run the scenario library and write an HTML timeline per scenario",
        description="Run every named scenario (or those given with --scenario) against the "
        "reference integration (or --integration/--adapter), print a table of verdicts and "
        "write one self-contained HTML timeline per scenario. Exits 0 when all that apply "
        "passed, 1 otherwise.",
    )
    parser.add_argument("--out", default="reports", help="Directory for the HTML reports")
    parser.add_argument("--scenario", action="append", metavar="NAME_OR_PATH",
                        help="Run only this scenario (repeatable; a library name or a .py file)")
    parser.add_argument("--seed", type=int, default=None, help="Override every scenario's seed")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="Show the engine's log lines, with the whole traceback of a step "
                        "that raised")
    add_target_options(parser)
    parser.set_defaults(func=_cmd_demo)
