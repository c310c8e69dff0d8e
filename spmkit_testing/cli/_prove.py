"""``spmkit prove``: the property check of the golden rule, exit 0/1/2."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from spmkit_testing.cli._common import add_target_options

__all__ = ["add_prove"]


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


def add_prove(subparsers: Any) -> None:
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
    add_target_options(parser)
    parser.set_defaults(func=_cmd_prove)
