"""What several subcommands share: ``--integration`` and ``--adapter``."""

from __future__ import annotations

import argparse

__all__ = ["add_target_options"]


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--integration`` and ``--adapter``: the integration under test (default: Demo POS)."""
    parser.add_argument("--integration", metavar="MOD:ATTR", default=None,
                        help="The integration to run, as package.module:attribute (an "
                        "Integration or a builder); the current directory is importable")
    parser.add_argument("--adapter", metavar="MOD:ATTR", default=None,
                        help="Its spmkit_testing.Adapter, as package.module:attribute")
