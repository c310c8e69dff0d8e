"""What the plugin's items report back (user properties travel with a report across
pytest-xdist) and the ``--spmkit-report`` HTML timelines they write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

__all__ = ["COUNTEREXAMPLE", "COVERAGE", "EXAMPLES", "REPLAY", "REPORT", "REPORT_OPTION",
           "report_dir", "write_item_report"]

REPORT_OPTION = "--spmkit-report"
COVERAGE, EXAMPLES, COUNTEREXAMPLE, REPLAY, REPORT = (
    "spmkit_coverage", "spmkit_examples", "spmkit_counterexample", "spmkit_replay",
    "spmkit_report")


def report_dir(config: pytest.Config) -> Path | None:
    """The ``--spmkit-report`` directory (relative to the invocation directory), if any."""
    value = config.getoption("spmkit_report", None)
    return None if not value else Path(config.invocation_params.dir, value)


def write_item_report(item: pytest.Item, result: Any, name: str) -> None:
    """Write ``result``'s HTML timeline as ``<name>.html`` under ``--spmkit-report`` and
    record the file on the item's report (for the index the session writes)."""
    folder = report_dir(item.config)
    if folder is None:
        return
    from spmkit_testing.report import report_filename, write_report

    filename = report_filename(name)
    write_report(result, folder / filename)
    item.user_properties.append((REPORT, filename))
