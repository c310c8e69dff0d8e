"""Reports of a scenario run: a self-contained HTML timeline (inline SVG and CSS, no
network, no JS) and the index of a set of runs.

For example::

    from spmkit_testing.report import write_report

    result = run_scenario(load_scenario("poison_pill"))
    write_report(result, "reports/poison_pill.html")

The text timeline of a run is :func:`spmkit_testing.sim.format_timeline`.
"""

from __future__ import annotations

from spmkit_testing.report._html import (
    MAX_COLUMNS,
    ReportResult,
    render_index,
    render_report,
    render_run_index,
    report_filename,
    write_report,
)

__all__ = [
    "MAX_COLUMNS",
    "render_index",
    "render_report",
    "render_run_index",
    "report_filename",
    "ReportResult",
    "write_report",
]
