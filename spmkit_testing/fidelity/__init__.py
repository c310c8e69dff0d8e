"""Is the adapter true to the partner? ``spmkit check-adapter``.

Every verdict of the harness is only as true as the adapter's model of the partner. This
package checks that model, the way :mod:`spmkit_testing.contract` checks the fake
ShopiMind API, and reports check by check in the same shape:

* :func:`check_alone` — the adapter's simulated partner, driven alone through its own
  routes, does what the adapter declares (paging, bounds, sources, tombstones, faults);
* :func:`check_recording` — recorded traffic of the real partner API (VCR.py cassettes,
  HAR files; :func:`load_recording`) replayed against the simulated partner: statuses,
  page and error body shapes, ordering, bound inclusiveness, page caps, precision;
* :func:`check_live` — the same comparison on a few read-only GETs sent to the live
  partner API (opt-in; credentials from the environment).

For example::

    from spmkit_testing.fidelity import check_alone, check_recording

    report = check_recording(my_adapter, "tests/cassettes")
    assert report.matches, report.to_text()

A failure is an error of the adapter (``spmkit check-adapter`` exits 2), never a loss of
the integration.
"""

from __future__ import annotations

from spmkit_testing.fidelity._alone import ADAPTER_CHECK, SOURCES, check_alone
from spmkit_testing.fidelity._live import MAX_REQUESTS, TOKEN_ENV, check_live, live_base_url
from spmkit_testing.fidelity._recording import load_recording
from spmkit_testing.fidelity._replay import CHECKS, check_recording, compare_exchanges
from spmkit_testing.fidelity._report import (
    REPORT_FORMAT,
    AdapterReport,
    Observation,
    render_json,
    verdict,
)
from spmkit_testing.fidelity._wire import Exchange

__all__ = [
    "ADAPTER_CHECK",
    "AdapterReport",
    "check_alone",
    "check_live",
    "check_recording",
    "CHECKS",
    "compare_exchanges",
    "Exchange",
    "live_base_url",
    "load_recording",
    "MAX_REQUESTS",
    "Observation",
    "render_json",
    "REPORT_FORMAT",
    "SOURCES",
    "TOKEN_ENV",
    "verdict",
]
