"""What several subcommands share: ``--integration`` and ``--adapter``, ``--workers`` and
``--out``, the engine's log, and how they say that the integration's own code raised."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator

__all__ = ["add_run_options", "add_target_options", "default_workers", "engine_log",
           "integration_raised"]


class _NoTraceback(logging.Formatter):
    """A log line without the traceback of its record (the record keeps it)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info = record.exc_text = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text = saved


@contextlib.contextmanager
def engine_log(*, verbose: bool, quiet: bool) -> Iterator[None]:
    """Where the engine's log goes while a command runs: with ``verbose``, every line from
    INFO up on stderr with the whole traceback of a failed step; else, unless ``quiet``,
    warnings and errors on stderr, one line each; else nowhere."""
    logger = logging.getLogger("spmkit")
    if verbose:
        handler: logging.Handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        level = logging.INFO
    elif not quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_NoTraceback("%(message)s"))
        level = logging.WARNING
    else:
        handler, level = logging.NullHandler(), logging.WARNING
    handler.setLevel(level)
    before = logger.level
    logger.addHandler(handler)
    if verbose:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before)


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--integration`` and ``--adapter``: the integration under test (default: Demo POS)."""
    parser.add_argument("--integration", metavar="MOD:ATTR", default=None,
                        help="The integration to run, as package.module:attribute (an "
                        "Integration or a builder); the current directory is importable")
    parser.add_argument("--adapter", metavar="MOD:ATTR", default=None,
                        help="Its spmkit_testing.Adapter, as package.module:attribute")


def add_run_options(parser: argparse.ArgumentParser, workers: str) -> None:
    """``--workers`` (``workers`` says what they are) and ``--out``."""
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help=f"{workers} (default: the machine's cores)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="Where counterexample scenario files go (default: "
                        ".spmkit/counterexamples)")


def default_workers() -> int:
    """The machine's cores (those this process may run on)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def integration_raised(command: str, error: str, where: tuple[str, int, str] | None,
                       during: str = "") -> str:
    """The message for a run in which the integration's or adapter's own code raised."""
    at = "" if where is None else f"\n  at {where[0]}:{where[1]} in {where[2]}"
    return (f"spmkit {command}: the run raised {error}{during}{at}\nThis is an error of the "
            f"integration or its adapter (not a golden-rule violation): fix it, then run "
            f"spmkit {command} again.")
