"""The ``spmkit`` command: one function per subcommand.

Subcommands so far: ``serve`` (the fake ShopiMind API over HTTP), ``scenarios`` (list
the named scenarios), ``run`` (run one, exit 0/1/2), ``demo`` (run the library, write
HTML timelines), ``prove`` (the property check of the golden rule, exit 0/1/2)
and ``verify-fake`` (the wire contract against a real API, exit
0/1/2). Add one by writing ``_add_<name>(subparsers)`` that registers its
parser with ``func=_cmd_<name>``, and listing it in ``_SUBCOMMANDS``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["build_parser", "main"]


def _cmd_serve(args: argparse.Namespace) -> int:
    """Serve the fake API until Ctrl-C / SIGTERM; print its base URL once it listens."""
    from spmkit import InvalidArgument
    from spmkit_testing.fake import FakeShopimind, serve, wall_clock

    # A server that other processes talk to lives in real time: the wall clock.
    try:
        fake = FakeShopimind(clock=wall_clock(), api_key=args.api_key, seed=args.seed)
    except InvalidArgument as exc:
        print(f"spmkit serve: {exc}", file=sys.stderr)
        return 2

    def ready(base_url: str) -> None:
        print(f"SPMKIT_FAKE_API={base_url}", flush=True)
        print(
            f"spmkit fake ShopiMind API listening on {base_url}/v1/ (api key: {args.api_key}); "
            f"Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )

    if re.fullmatch(r"-?[0-9]{1,9}", args.port) is None:
        print(
            f"spmkit serve: --port {args.port!r} is not a whole number: use a port from 0 to "
            f"65535 (0 picks a free one).",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(serve(fake, args.host, int(args.port), ready=ready))
    except OSError as exc:
        print(f"spmkit serve: {exc}", file=sys.stderr)
        return 2
    except ImportError:
        print(
            "spmkit serve needs uvicorn: pip install 'spmkit[serve]'.",
            file=sys.stderr,
        )
        return 2
    return 0


def _add_serve(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="Serve the fake ShopiMind API over HTTP",
        description="Serve the stateful fake ShopiMind API on a real socket, so the official "
        "JS SDK or any other client can talk to it. Prints SPMKIT_FAKE_API=<base url> when ready.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on")
    parser.add_argument(
        "--port", default="8787", help="Port to listen on (0 picks a free one)"
    )
    parser.add_argument("--api-key", required=True, help="The spm-api-key the fake accepts")
    parser.add_argument("--seed", type=int, default=0, help="Seed of the fake's randomness")
    parser.set_defaults(func=_cmd_serve)


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


def _add_scenarios(subparsers: Any) -> None:
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
        result = run_scenario(scenario, seed=args.seed, integration=args.integration,
                              adapter=args.adapter)
    except InvalidArgument as exc:
        print(f"spmkit run: {exc}", file=sys.stderr)
        return 2
    if result.skipped is not None:
        print(result.message())
        return 0
    if args.json:
        for line in (tick.to_json() for tick in result.trace):
            print(line)
    verdict = result.message()
    stats = result.stats
    verdict += (f"\nticks={stats.ticks} records={stats.records} lost={stats.lost} "
                f"undelivered={stats.undelivered} dead_lettered={stats.dead_lettered} "
                f"wall={stats.wall_seconds:.2f}s")
    print(verdict, file=sys.stderr if args.json else sys.stdout)
    if write_report is not None:
        path = write_report(result, args.report)
        print(f"report: {path}", file=sys.stderr)
    return 0 if result.passed else 1


def _add_run(subparsers: Any) -> None:
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
                        help="Print the trace as JSON lines on stdout, one per tick (the "
                        "verdict goes to stderr)")
    parser.add_argument("--report", metavar="FILE.html", default=None,
                        help="Also write a self-contained HTML timeline of the run")
    _add_target_options(parser)
    parser.set_defaults(func=_cmd_run)


def _add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--integration`` and ``--adapter``: the integration under test (default: Demo POS)."""
    parser.add_argument("--integration", metavar="MOD:ATTR", default=None,
                        help="The integration to run, as package.module:attribute (an "
                        "Integration or a builder); the current directory is importable")
    parser.add_argument("--adapter", metavar="MOD:ATTR", default=None,
                        help="Its spmkit_testing.Adapter, as package.module:attribute")


_DEMO_HEADS = ("scenario", "verdict", "ticks", "records", "lost", "dead-lettered", "wall")


def _cmd_demo(args: argparse.Namespace) -> int:
    """Run the scenario library, print a table, write one HTML timeline per scenario."""
    import logging
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
        scenarios = [load_scenario(name) for name in args.scenario or scenario_names()]
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
    quiet = logging.NullHandler()
    if not args.verbose:
        logging.getLogger("spmkit").addHandler(quiet)
    try:
        for scenario in scenarios:
            try:
                result = run_scenario(scenario, seed=args.seed, integration=integration,
                                      adapter=adapter)
            except Exception as exc:
                failed += 1
                print(_demo_row((scenario.name, "ERROR", "", "", "", "", ""), widths), flush=True)
                print("".join(traceback.format_exception_only(exc)).rstrip(), file=sys.stderr)
                continue
            if result.skipped is not None:
                skipped.append(f"  {scenario.name}: {result.skipped}")
                print(_demo_row((scenario.name, "skipped", "", "", "", "", ""), widths),
                      flush=True)
                continue
            ran = result.integration
            failed += not result.passed
            written.append((result, report_filename(scenario.name)))
            write_report(result, out / written[-1][1])
            stats = result.stats
            shown = sorted({v.invariant for v in result.expected_violations})
            print(_demo_row((scenario.name, _demo_verdict(result.passed, shown),
                             f"{stats.ticks:,}", f"{stats.records:,}", f"{stats.lost:,}",
                             f"{stats.dead_lettered:,}", f"{stats.wall_seconds:.2f}s"), widths),
                  flush=True)
    finally:
        logging.getLogger("spmkit").removeHandler(quiet)
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


def _add_demo(subparsers: Any) -> None:
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
    parser.add_argument("--verbose", action="store_true", help="Show the engine's log lines")
    _add_target_options(parser)
    parser.set_defaults(func=_cmd_demo)


def _cmd_verify_fake(args: argparse.Namespace) -> int:
    """Run the wire contract against URL: 0 when the fake matches, 1 on drift, 2 on bad usage."""
    from spmkit import InvalidArgument
    from spmkit_testing.contract import target_from_environment, verify_target

    try:
        report = verify_target(target_from_environment(args.url), checks=args.check)
    except InvalidArgument as exc:
        print(f"spmkit verify-fake: {exc}", file=sys.stderr)
        return 2
    print(report.to_json() if args.json else report.to_text())
    return 0 if report.matches else 1


def _add_verify_fake(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify-fake",
        help="Check that the fake ShopiMind API still matches a real one (a drift report)",
        description="Run the wire-contract checks against the ShopiMind API at URL and compare "
        "every answer (status, envelope keys, field names and types, batch limits) with the "
        "fake's. The API key is read from the SPMKIT_API_KEY environment variable only. The run "
        "writes only records in its own namespace (a data source named spmkit-verify-<run id>), "
        "deletes them at the end, and sends at most 200 requests within 120 s. Exit status: 0 "
        "when the fake matches, 1 on drift, 2 on bad usage (no key, plain http to a remote host, "
        "an unreachable target or a refused key).",
    )
    parser.add_argument("url", metavar="URL",
                        help="Base URL of the API, such as https://core.shopimind.com (plain "
                        "http only for a loopback host such as spmkit serve)")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON")
    parser.add_argument("--check", action="append", metavar="NAME", default=None,
                        help="Run only this check (repeatable; default: every check)")
    parser.set_defaults(func=_cmd_verify_fake)


def _cmd_prove(args: argparse.Namespace) -> int:
    """Property-check the golden rule: 0 when nothing broke, 1 on a counterexample, 2 on bad
    usage."""
    import logging
    import time
    import traceback
    from pathlib import Path

    from hypothesis import settings as Settings
    from hypothesis.errors import InvalidArgument as UnknownProfile

    from spmkit import Integration, InvalidArgument
    from spmkit_testing.adapter import Adapter
    from spmkit_testing.scenario import resolve_object
    from spmkit_testing.stateful import (
        CI_PROFILE,
        DEFAULT_COUNTEREXAMPLES,
        GoldenRuleBroken,
        check_golden_rule,
        register_profiles,
    )

    if args.examples is not None and args.examples < 1:
        print(f"spmkit prove: --examples {args.examples} must be 1 or more.", file=sys.stderr)
        return 2
    if args.max_steps < 1:
        print(f"spmkit prove: --max-steps {args.max_steps} must be 1 or more.", file=sys.stderr)
        return 2
    if (args.integration is None) != (args.adapter is None):
        print("spmkit prove: give --integration and --adapter together (your integration and "
              "its spmkit_testing.Adapter), or neither for the reference Demo POS.",
              file=sys.stderr)
        return 2
    try:
        integration = (None if args.integration is None
                       else resolve_object(args.integration, "--integration"))
        adapter = None if args.adapter is None else resolve_object(args.adapter, "--adapter")
    except InvalidArgument as exc:
        print(f"spmkit prove: {exc}", file=sys.stderr)
        return 2
    if adapter is not None and not isinstance(adapter, Adapter):
        print(f"spmkit prove: --adapter {args.adapter} is a {type(adapter).__name__}, not a "
              f"spmkit_testing.Adapter; name the adapter object of your integration.",
              file=sys.stderr)
        return 2
    if integration is not None and not isinstance(integration, Integration) \
            and not callable(integration):
        print(f"spmkit prove: --integration {args.integration} is a "
              f"{type(integration).__name__}, not an spmkit Integration (nor a function "
              f"that builds one).", file=sys.stderr)
        return 2
    if args.out is not None and Path(args.out).exists() and not Path(args.out).is_dir():
        print(f"spmkit prove: --out {args.out} is a file; name a folder for the "
              f"counterexample scenarios.", file=sys.stderr)
        return 2
    register_profiles()
    name = args.profile or CI_PROFILE
    try:
        profile = Settings.get_profile(name)
    except UnknownProfile:
        print(f"spmkit prove: --profile {name!r} is not a registered Hypothesis profile; use "
              f"spmkit-ci (500 examples) or spmkit-dev (30).", file=sys.stderr)
        return 2
    if args.examples is not None:
        profile = Settings(profile, max_examples=args.examples)
    who = "the reference Demo POS" if args.integration is None else args.integration
    print(f"spmkit prove: the golden cursor rule against {who} ({name}, "
          f"{profile.max_examples:,} examples of up to {args.max_steps} steps"
          + (f", seed {args.seed}" if args.seed is not None else
             ", derandomized: the same examples on every machine" if profile.derandomize
             else ", a random seed: pass --seed S to repeat a search") + ")", flush=True)
    started = time.perf_counter()  # the progress line only: never feeds the simulation
    live = sys.stdout.isatty()
    every = max(1, profile.max_examples // 10)

    def progress(done: int) -> None:
        if not live and done % every:
            return
        elapsed = time.perf_counter() - started
        rate = done / elapsed if elapsed > 0 else 0.0
        line = f"  {done:,} examples, {rate:,.1f}/s, {elapsed:,.1f}s elapsed"
        print(f"\r{line}" if live else line, end="" if live else "\n", flush=True)

    quiet = logging.NullHandler()
    logging.getLogger("spmkit").addHandler(quiet)
    try:
        proof = check_golden_rule(
            integration, adapter=adapter, settings=profile, max_steps=args.max_steps,
            counterexamples=args.out or DEFAULT_COUNTEREXAMPLES,
            replay_integration=args.integration,
            replay_adapter=args.adapter, seed=args.seed, progress=progress)
    except GoldenRuleBroken as broken:
        print(("\n" if live else "") + f"FAILED: {broken}", flush=True)
        print(f"\n{broken.proof.coverage.table(broken.proof.fault_kinds)}")
        return 1
    except (InvalidArgument, ValueError, OSError) as exc:
        print(f"\nspmkit prove: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # the integration's or adapter's own code raised
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f"\nspmkit prove: the run raised {type(exc).__name__}: {exc}\n  at "
              f"{where.filename}:{where.lineno} in {where.name}\nThis is an error of the "
              f"integration or its adapter (not a golden-rule violation): fix it, then run "
              f"spmkit prove again.", file=sys.stderr)
        return 2
    finally:
        logging.getLogger("spmkit").removeHandler(quiet)
    print(("\n" if live else "") + f"passed: {proof.examples:,} examples in "
          f"{proof.seconds:,.1f}s ({proof.examples_per_second:,.1f}/s), no rule broken.\n")
    print(proof.coverage.table(proof.fault_kinds))
    return 0


def _add_prove(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "prove",
        help="Search fault schedules, clock moves and crashes for a run that loses data",
        description="Property-check the golden cursor rule: Hypothesis drives the simulation "
        "(partner writes, ticks, faults, clock steps, crashes, backfills, webhooks, a second "
        "worker) and the oracle checks every tick. Prints a progress line, then a coverage "
        "table of what was exercised and what was never reached. On a violation the run is "
        "shrunk and written as a scenario file with the command that replays it. Exit status: "
        "0 when no rule broke, 1 on a counterexample, 2 on bad usage.",
    )
    parser.add_argument("--examples", type=int, default=None, metavar="N",
                        help="How many runs to try (default: the profile's)")
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="Seed of the search (default: derandomized under spmkit-ci, "
                        "random under spmkit-dev)")
    parser.add_argument("--profile", default=None, metavar="NAME",
                        help="A Hypothesis settings profile (default: spmkit-ci, 500 examples, "
                        "derandomized; spmkit-dev: 30)")
    parser.add_argument("--max-steps", type=int, default=20, metavar="N",
                        help="Verbs per run (default: 20)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="Where counterexample scenario files go (default: "
                        ".spmkit/counterexamples)")
    _add_target_options(parser)
    parser.set_defaults(func=_cmd_prove)


_SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (_add_serve, _add_scenarios, _add_run,
                                                   _add_demo, _add_prove, _add_verify_fake)


def build_parser() -> argparse.ArgumentParser:
    """The ``spmkit`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="spmkit", description="spmkit: prove that a ShopiMind sync never loses data."
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in _SUBCOMMANDS:
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``spmkit``; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        result: int = args.func(args)
    except BrokenPipeError:
        # The reader went away (`spmkit scenarios | head`): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush stays quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return result


if __name__ == "__main__":
    sys.exit(main())
