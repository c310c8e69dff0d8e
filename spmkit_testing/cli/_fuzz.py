"""``spmkit fuzz``: a long HypoFuzz campaign of the golden rule, exit 0/1/2."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from spmkit_testing.cli._common import (
    add_run_options,
    add_target_options,
    default_workers,
    integration_raised,
)

__all__ = ["add_fuzz"]


def _cmd_fuzz(args: argparse.Namespace) -> int:
    """Fuzz the golden rule: 0 when nothing broke in the time, 1 on a counterexample, 2 on
    bad usage."""
    from pathlib import Path

    from spmkit import InvalidArgument
    from spmkit_testing.scale import example_db_setting, fuzz
    from spmkit_testing.stateful import DEFAULT_COUNTEREXAMPLES

    if (args.integration is None) != (args.adapter is None):
        print("spmkit fuzz: give --integration and --adapter together (your integration and "
              "its spmkit_testing.Adapter), or neither for the reference Demo POS.",
              file=sys.stderr)
        return 2
    if args.seconds is not None and args.seconds <= 0:
        print(f"spmkit fuzz: --seconds {args.seconds} must be more than 0.", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print(f"spmkit fuzz: --workers {args.workers} must be 1 or more.", file=sys.stderr)
        return 2
    try:
        import hypofuzz  # noqa: F401
    except ImportError:
        print("spmkit fuzz: HypoFuzz is not installed: pip install hypofuzz (or "
              "spmkit-shopimind[fuzz]).", file=sys.stderr)
        return 2
    workers = args.workers or default_workers()
    seconds = math.inf if args.seconds is None else args.seconds
    who = "the reference Demo POS" if args.integration is None else args.integration
    print(f"spmkit fuzz: HypoFuzz on the golden cursor rule of {who}, {workers} worker(s), "
          + ("until it finds a failure or you press Ctrl-C" if args.seconds is None else
             f"for at most {seconds:,.0f}s") + " (its log: .spmkit/fuzz/hypofuzz.log)",
          flush=True)
    try:
        campaign = fuzz(args.integration, args.adapter, seconds=seconds, workers=workers,
                        root=Path.cwd(), database=example_db_setting(),
                        counterexamples=Path(args.out or DEFAULT_COUNTEREXAMPLES).absolute(),
                        dashboard=args.dashboard)
    except (InvalidArgument, ValueError, OSError) as exc:
        print(f"spmkit fuzz: {exc}", file=sys.stderr)
        return 2
    broken = campaign.broken
    if broken is not None and broken.error is not None:
        print(integration_raised("fuzz", broken.error, broken.where), file=sys.stderr)
        return 2
    if broken is not None:
        print(f"FAILED after {campaign.seconds:,.1f}s of fuzzing: HypoFuzz found a failure, "
              f"replayed and written as a scenario file.\n{broken.broken}", flush=True)
        return 1
    print(f"passed: {campaign.seconds:,.1f}s of fuzzing found no run that breaks the rule.")
    return 0


def add_fuzz(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fuzz",
        help="A long HypoFuzz campaign of the golden rule (coverage-guided, all cores)",
        description="Run HypoFuzz (hypothesis fuzz) on the golden-rule property of the "
        "integration: the test it collects is written to .spmkit/fuzz/, its workers share "
        "the example database (.spmkit/examples, or SPMKIT_EXAMPLE_DB: a Redis server "
        "shared by several machines). As soon as a failure is in the database, or the time "
        "is up, the campaign stops and the failure is replayed, shrunk and written as a "
        "scenario file, as spmkit prove writes one. Exit status: 0 when nothing broke, 1 on "
        "a counterexample, 2 on bad usage.",
    )
    parser.add_argument("--seconds", type=float, default=None, metavar="S",
                        help="Stop after S seconds (default: at the first failure, or Ctrl-C)")
    parser.add_argument("--dashboard", action="store_true",
                        help="Serve HypoFuzz's dashboard too (on a free port of localhost)")
    add_run_options(parser, "HypoFuzz's fuzzing processes")
    add_target_options(parser)
    parser.set_defaults(func=_cmd_fuzz)
