"""Running the contract: a session against one target, each check compared with the fake.

:func:`verify_target` is the whole run (what ``spmkit verify-fake`` prints);
:class:`ContractSession` is the same run one check at a time (what the pytest items
use). Either way the run checks the target is usable first, sends at most
``max_requests`` requests within ``time_limit`` seconds, and cleans up at the end,
whatever happened.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from spmkit_testing.contract._check import Check, CheckRun, run_check
from spmkit_testing.contract._created import Cleaned
from spmkit_testing.contract._errors import ContractBug, TargetError
from spmkit_testing.contract._probe import (
    CLEANUP_MAX_REQUESTS,
    MAX_REQUESTS,
    TIME_LIMIT_SECONDS,
    Probe,
)
from spmkit_testing.contract._registry import select_checks
from spmkit_testing.contract._report import CheckVerdict, DriftReport, compare
from spmkit_testing.contract._target import ApiTarget, fake_target

__all__ = ["ContractSession", "new_run_id", "reference_facts", "reference_run", "verify_target"]


def new_run_id() -> str:
    """A fresh run id: 8 hex digits from ``uuid4`` (every run gets its own namespace)."""
    return uuid.uuid4().hex[:8]


def reference_run(check: Check, run_id: str = "reference") -> CheckRun:
    """Run ``check`` on a fresh in-process fake: the facts every target is compared with.

    The fake must pass every check to its end; when it does not, that is a bug of the
    fake or of the suite, raised as :class:`ContractBug`.
    """
    probe = Probe(fake_target(), run_id=run_id)
    try:
        run = run_check(probe, check, strict=True)
    finally:
        probe.close()
    problem = run.stopped or run.error or run.not_observed
    if problem is not None:
        raise ContractBug(
            f"the fake ShopiMind API itself does not pass the contract check {check.name!r}: "
            f"{problem}. This is a bug of spmkit_testing (the fake or the suite); please report "
            f"it with this message."
        )
    return run


def reference_facts(name: str) -> dict[str, Any]:
    """The facts of the check ``name`` on the fake, by fact name.

    For example::

        facts = reference_facts("auth")
        assert facts["GET /v1/data-sources without spm-api-key: status"] == 401
    """
    (check,) = select_checks([name])
    return reference_run(check).values()


class ContractSession:
    """One contract run against ``target``: :meth:`verify` each check, then :meth:`finish`.

    For example::

        session = ContractSession(target)
        try:
            verdicts = [session.verify(check) for check in CHECKS]
        finally:
            cleaned = session.finish()
        print(session.report(verdicts, cleaned).to_text())
    """

    def __init__(
        self,
        target: ApiTarget,
        *,
        run_id: str | None = None,
        max_requests: int = MAX_REQUESTS,
        time_limit: float = TIME_LIMIT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.target = target
        self.run_id = run_id or new_run_id()
        self.probe = Probe(target, run_id=self.run_id, max_requests=max_requests,
                           time_limit=time_limit, monotonic=monotonic)  # fmt: skip
        self._usable: TargetError | bool | None = None
        self._cleaned: Cleaned | None = None

    def preflight(self) -> None:
        """Check once that the target answers an authenticated read; raise
        :class:`TargetError` (every time) when it does not."""
        if self._usable is None:
            try:
                self.probe.preflight()
                self._usable = True
            except TargetError as exc:
                self._usable = exc
        if isinstance(self._usable, TargetError):
            raise self._usable

    def verify(self, check: Check) -> CheckVerdict:
        """Run ``check`` on the target and on a fresh fake, and compare the facts."""
        self.preflight()
        if self._cleaned is not None:
            raise RuntimeError("this contract session is finished; start a new one")
        spent = self.probe.budget.exhausted()
        if spent is not None:
            return CheckVerdict(check.name, check.title, "not_run", note=f"not run: {spent}")
        observed = run_check(self.probe, check)
        return compare(check, observed, reference_run(check, self.run_id))

    def finish(self) -> Cleaned:
        """Clean up what the run created and close the connection (once; idempotent)."""
        if self._cleaned is None:
            try:
                self._cleaned = self.probe.cleanup()
            finally:
                self.probe.close()
        return self._cleaned

    def report(self, verdicts: Iterable[CheckVerdict], cleaned: Cleaned) -> DriftReport:
        """The drift report of ``verdicts`` (after :meth:`finish`)."""
        budget, cleanup = self.probe.budget, self.probe.cleanup_budget
        return DriftReport(
            target=str(self.target),
            run_id=self.run_id,
            namespace=self.probe.namespace,
            checks=tuple(verdicts),
            cleaned=cleaned,
            requests=budget.used,
            max_requests=budget.max_requests,
            time_limit=budget.seconds,
            cleanup_requests=cleanup.used if cleanup is not None else 0,
            cleanup_max_requests=CLEANUP_MAX_REQUESTS,
        )


def verify_target(
    target: ApiTarget,
    *,
    checks: Iterable[str] | None = None,
    run_id: str | None = None,
    max_requests: int = MAX_REQUESTS,
    time_limit: float = TIME_LIMIT_SECONDS,
    monotonic: Callable[[], float] = time.monotonic,
) -> DriftReport:
    """Run the wire contract (every check, or those named) against ``target``.

    Raises :class:`TargetError` when the target is unusable (unreachable, refuses the
    key); whatever happens after that, what the run created is cleaned up.

    For example::

        report = verify_target(target_from_environment("https://core.shopimind.com"))
        print(report.to_text())
        sys.exit(0 if report.matches else 1)
    """
    selected = select_checks(checks)
    session = ContractSession(target, run_id=run_id, max_requests=max_requests,
                              time_limit=time_limit, monotonic=monotonic)  # fmt: skip
    try:
        verdicts = [session.verify(check) for check in selected]
    finally:
        cleaned = session.finish()
    return session.report(verdicts, cleaned)
