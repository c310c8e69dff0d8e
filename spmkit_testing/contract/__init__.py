"""The wire contract of the ShopiMind API as the fake models it, runnable against any target.

Each check talks to a *target* (a base URL, an API key and a cleanup) and records
facts about its answers: statuses, envelope keys, field names and JSON types, batch
limits. The same check on a fresh in-process fake gives the facts the target is
compared with; the :class:`DriftReport` names every difference, as text or JSON.

Against the real API (the key only ever from ``SPMKIT_API_KEY``)::

    spmkit verify-fake https://core.shopimind.com          # exit 0 match, 1 drift, 2 usage
    pytest --spmkit-target https://core.shopimind.com      # one item per check

or from Python::

    from spmkit_testing.contract import fake_target, verify_target

    report = verify_target(fake_target())
    assert report.matches, report.to_text()

A run writes only inside its namespace (``spmkit-verify-<run id>``), sends at most
:data:`MAX_REQUESTS` requests within :data:`TIME_LIMIT_SECONDS`, and deletes what it
created (:func:`delete_created`).
"""

from __future__ import annotations

from spmkit_testing.contract._answer import Answer, Requester
from spmkit_testing.contract._check import Check, CheckContext, CheckRun, Fact, run_check
from spmkit_testing.contract._created import (
    BULK_DELETE_ROUTES,
    Cleaned,
    Cleanup,
    Created,
    delete_created,
)
from spmkit_testing.contract._errors import (
    BudgetSpent,
    ContractBug,
    NoAnswer,
    NotObserved,
    Stop,
    TargetError,
)
from spmkit_testing.contract._probe import (
    CLEANUP_MAX_REQUESTS,
    CLEANUP_TIME_LIMIT_SECONDS,
    MAX_REQUESTS,
    REQUEST_TIMEOUT_SECONDS,
    TIME_LIMIT_SECONDS,
    Probe,
)
from spmkit_testing.contract._registry import CHECKS, check_names, select_checks
from spmkit_testing.contract._report import (
    REPORT_FORMAT,
    CheckVerdict,
    Difference,
    DriftReport,
    compare,
)
from spmkit_testing.contract._run import (
    ContractSession,
    new_run_id,
    reference_facts,
    reference_run,
    verify_target,
)
from spmkit_testing.contract._shape import Shape, describe_shape_difference, json_type, shape_of
from spmkit_testing.contract._target import (
    API_KEY_ENV,
    FAKE_BASE_URL,
    ApiTarget,
    check_target_url,
    fake_target,
    target_from_environment,
)

__all__ = [
    "Answer",
    "API_KEY_ENV",
    "ApiTarget",
    "BudgetSpent",
    "BULK_DELETE_ROUTES",
    "Check",
    "check_names",
    "check_target_url",
    "CheckContext",
    "CheckRun",
    "CHECKS",
    "CheckVerdict",
    "Cleaned",
    "Cleanup",
    "CLEANUP_MAX_REQUESTS",
    "CLEANUP_TIME_LIMIT_SECONDS",
    "compare",
    "ContractBug",
    "ContractSession",
    "Created",
    "delete_created",
    "describe_shape_difference",
    "Difference",
    "DriftReport",
    "Fact",
    "FAKE_BASE_URL",
    "fake_target",
    "json_type",
    "MAX_REQUESTS",
    "new_run_id",
    "NoAnswer",
    "NotObserved",
    "Probe",
    "reference_facts",
    "reference_run",
    "REPORT_FORMAT",
    "REQUEST_TIMEOUT_SECONDS",
    "Requester",
    "run_check",
    "select_checks",
    "Shape",
    "shape_of",
    "Stop",
    "target_from_environment",
    "TargetError",
    "TIME_LIMIT_SECONDS",
    "verify_target",
]


def __getattr__(name: str) -> object:
    if name == "Target":
        import warnings

        warnings.warn("spmkit_testing.contract.Target is spelled ApiTarget now (a Target is "
                      "the code under test: spmkit_testing.Target)", DeprecationWarning,
                      stacklevel=2)
        return ApiTarget
    raise AttributeError(f"module 'spmkit_testing.contract' has no attribute {name!r}")
