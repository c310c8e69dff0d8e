"""The ``spmkit`` command: one function per subcommand.

Subcommands so far: ``serve`` (the fake ShopiMind API over HTTP), ``scenarios`` (list
the named scenarios), ``run`` (run one, exit 0/1/2), ``demo`` (run the library, write
HTML timelines), ``prove`` (the property check of the golden rule, exit 0/1/2),
``fuzz`` (a HypoFuzz campaign of it, exit 0/1/2), ``verify-fake`` (the wire contract
against a real API, exit 0/1/2) and ``check-adapter`` (is the adapter true to its
partner? exit 0/2). Add one by writing ``add_<name>(subparsers)`` in a module of this
package that registers its parser with ``func=<the command>``, and listing it in
``_SUBCOMMANDS``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from spmkit_testing.cli._check_adapter import add_check_adapter
from spmkit_testing.cli._fuzz import add_fuzz
from spmkit_testing.cli._prove import add_prove
from spmkit_testing.cli._scenarios import add_demo, add_run, add_scenarios
from spmkit_testing.cli._serve import add_serve, add_verify_fake

__all__ = ["build_parser", "main"]

_SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (add_serve, add_scenarios, add_run,
                                                   add_demo, add_prove, add_fuzz,
                                                   add_verify_fake, add_check_adapter)


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
