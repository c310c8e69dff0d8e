"""What several subcommands share: ``--integration`` and ``--adapter``, the engine's log."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator

__all__ = ["add_target_options", "engine_log"]


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
