"""Options of a sync run and what it reports: :class:`SyncOptions`, :class:`SyncSummary`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from spmkit._errors import InvalidArgument
from spmkit._json import utc_isoformat
from spmkit._step_source import StepSource
from spmkit._window import SyncWindow, check_non_negative

__all__ = ["HeldBy", "RunStatus", "StepSummary", "SyncOptions", "SyncSummary"]

RunStatus = Literal["ok", "partial", "failed"]
HeldBy = Literal["rejects", "errors", "both"]

DEAD_LETTER_CAP_PER_RUN = 500
DEFAULT_LEASE_SECONDS = 600.0
MAX_BACKFILL_DAYS = 365_000


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """How a run reads its windows.

    ``full_backfill`` re-reads ``backfill_days`` for every step-source, bypasses
    backoff and may move a cursor backwards (the only way it can). ``overlap_seconds``
    starts each incremental window that much before the cursor, to cover partner
    clock skew. ``checkpoint`` is called with a point name at every crash point
    (the harness uses it to crash the engine; leave it ``None`` in production).

    Two workers on one store: each step-source runs under a run lease of
    ``lease_seconds`` (on the injected clock, renewed as its pushes go by) owned by
    ``worker_id``; a step-source another worker is running is skipped with
    ``skipped_reason="leased"`` (no error, no failure counted). Give each worker
    process a stable ``worker_id`` (``"orders-worker-1"``): restarted after a crash,
    it takes its own leases back at once, where a new id waits for them to expire.
    By default each run gets a fresh id (host, pid and a random part).
    """

    full_backfill: bool = False
    backfill_days: float = 365
    overlap_seconds: float = 0
    dead_letter_cap: int = DEAD_LETTER_CAP_PER_RUN
    checkpoint: Callable[[str], None] | None = None
    worker_id: str | None = None
    lease_seconds: float = DEFAULT_LEASE_SECONDS

    def __post_init__(self) -> None:
        if not isinstance(self.full_backfill, bool):
            raise InvalidArgument(
                f"Expected True or False for full_backfill but got "
                f"full_backfill={self.full_backfill!r} (type={type(self.full_backfill).__name__})."
            )
        if self.checkpoint is not None and not callable(self.checkpoint):
            raise InvalidArgument(
                f"checkpoint={self.checkpoint!r} is not callable; pass a function of the point "
                f"name, or None."
            )
        check_non_negative(self.backfill_days, "backfill_days", "365 reads one year back")
        if self.backfill_days > MAX_BACKFILL_DAYS:
            raise InvalidArgument(
                f"backfill_days={self.backfill_days!r} is more than {MAX_BACKFILL_DAYS} days "
                f"(a thousand years); use a number of days such as 365."
            )
        check_non_negative(self.overlap_seconds, "overlap_seconds", "cover the partner's skew")
        if self.worker_id is not None and (
            not isinstance(self.worker_id, str) or not self.worker_id.strip()
            or len(self.worker_id) > 200
        ):
            raise InvalidArgument(
                f"Expected a non-empty str (at most 200 characters) or None for worker_id but "
                f"got worker_id={self.worker_id!r:.80}: name the worker, such as 'worker-1'."
            )
        if check_non_negative(self.lease_seconds, "lease_seconds", "600 by default") <= 0:
            raise InvalidArgument(
                f"lease_seconds={self.lease_seconds!r} must be > 0: a step-source runs under "
                f"a lease that long (renewed as it pushes), such as 600."
            )
        check_non_negative(self.dead_letter_cap, "dead_letter_cap", "500 per run by default")
        if not isinstance(self.dead_letter_cap, int):
            raise InvalidArgument(
                f"Expected a whole number for dead_letter_cap but got "
                f"dead_letter_cap={self.dead_letter_cap!r}; pass an int such as 500."
            )


@dataclass(frozen=True, slots=True)
class StepSummary:
    """The outcome of one step-source in a run.

    ``attempted`` and ``rejected`` are what the pushes reported (sent + rejected),
    whatever the step's own ``items`` says. ``skipped_reason`` explains a step-source
    that did not run: ``"backoff"``, ``"clock_behind_cursor"`` or ``"leased"`` (another
    worker, ``lease_holder``, is running it). ``requested_advance``
    is the ``advance_cursor_to`` the step returned (``None`` if none), before the
    engine clamped it to ``window.until``: an over-eager step shows as
    ``requested_advance > window.until``.

    ``held_by`` says why a step-source that failed kept its cursor, so nobody has to read
    it from the error text: ``"rejects"`` when untolerated per-item rejects are the only
    reason (the engine's ``"N item(s) rejected (cursor held; ...)"`` is then its only
    error), ``"errors"`` when other errors are (the step raised or reported errors, a
    push failed, ``sources()`` or ``enabled()`` raised, an invalid advance...),
    ``"both"`` when both are; ``None`` for a clean run (with or without an advance) and
    for a skipped step-source.

    ``traceback`` is the whole traceback of the exception behind a failure (the step
    raised, or ``define_bulk_step`` caught one), as Python prints it; ``None`` otherwise.
    The error itself names the innermost frame of the integration's own code
    (``AttributeError at my_sync.py:42 in from_ms: ...``).
    """

    entity: str
    source_key: str
    items: int = 0
    attempted: int = 0
    rejected: int = 0
    errors: tuple[str, ...] = ()
    advanced: bool = False
    skipped_backoff: bool = False
    skipped_reason: str | None = None
    window: SyncWindow | None = None
    cursor_before: datetime | None = None
    cursor_after: datetime | None = None
    dead_lettered: int = 0
    requested_advance: datetime | None = None
    lease_holder: str | None = None
    held_by: HeldBy | None = None
    traceback: str | None = None

    @property
    def step_source(self) -> StepSource:
        """Which step-source this is: ``str(summary.step_source)`` is ``"orders@store-1"``."""
        return StepSource(self.entity, self.source_key)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO-8601)."""
        return self._to_dict(_Iso())

    def _to_dict(self, iso: _Iso) -> dict[str, Any]:
        window = self.window
        return {
            "entity": self.entity,
            "source_key": self.source_key,
            "items": self.items,
            "attempted": self.attempted,
            "rejected": self.rejected,
            "errors": list(self.errors),
            "advanced": self.advanced,
            "skipped_backoff": self.skipped_backoff,
            "skipped_reason": self.skipped_reason,
            "window": None if window is None else [iso(window.since), iso(window.until)],
            "cursor_before": iso(self.cursor_before),
            "cursor_after": iso(self.cursor_after),
            "dead_lettered": self.dead_lettered,
            "requested_advance": iso(self.requested_advance),
            "lease_holder": self.lease_holder,
            "held_by": self.held_by,
            "traceback": self.traceback,
        }


@dataclass(frozen=True, slots=True)
class SyncSummary:
    """The outcome of one run: ``ok`` when no errors, ``partial`` otherwise."""

    run_id: int
    status: RunStatus
    mode: Literal["incremental", "full"]
    steps: tuple[StepSummary, ...]
    errors: tuple[str, ...]
    started_at: datetime
    finished_at: datetime

    def step(self, entity: str, source_key: str = "") -> StepSummary:
        """The summary of one step-source (raises ``KeyError`` naming the known ones)."""
        for s in self.steps:
            if s.entity == entity and s.source_key == source_key:
                return s
        known = ", ".join(str(s.step_source) for s in self.steps) or "(none)"
        raise KeyError(
            f"no step-source {StepSource(entity, source_key)} in this run; ran: {known}"
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (datetimes as ISO-8601)."""
        iso = _Iso()
        return {
            "run_id": self.run_id,
            "status": self.status,
            "mode": self.mode,
            "steps": [s._to_dict(iso) for s in self.steps],
            "errors": list(self.errors),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
        }


class _Iso(dict[datetime, str]):
    """``value.isoformat()``, written once per instant: a run's summary names the same few
    instants many times (a window's end is the cursor after, the requested advance, ...)."""

    def __call__(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        if value.tzinfo is not UTC or type(value) is not datetime:
            # Equal instants in other offsets are written with their own offset (and a
            # subclass with its own isoformat with its own text).
            return value.isoformat()
        text = self.get(value)
        if text is None:
            text = self[value] = utc_isoformat(value)
        return text
