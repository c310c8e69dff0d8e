"""One run's walk over the steps: :class:`StepRunner` keeps the golden cursor rule.

Per step-source, in order:

0. the run lease: a step-source another worker is running (its lease, on the
   injected clock, has not expired) is skipped as ``"leased"``, not failed; the
   cursor is read once the lease is taken;
1. backoff: after ``n`` consecutive failures, skip while
   ``now < failed_run_started_at + backoff_window(n)`` (a full backfill bypasses it).
   It counts from the *start* of the failed step-run, which every row the engine
   writes is stamped with (``updated_at``): a failing tick whose client retries take
   a few seconds does not also skip the tick one backoff later;
2. a cursor in the future of ``now`` (a clock that stepped back) runs nothing:
   the window would be inverted;
3. run the step with its window; any exception is an error of that step;
4. dead-letter the rejected items (awaited, best-effort, capped per run);
5. advance only on a clean run with ``advance_cursor_to`` and no untolerated
   reject, clamped to ``window.until`` (logged, and kept as ``requested_advance``)
   and never backwards outside a full backfill (the store's write is a
   compare-and-set, so not even over another worker's newer value); otherwise
   record the failure (value kept, failures + 1) and why: ``StepSummary.held_by``.

``sources()``, ``enabled()`` or an invalid ``advance_cursor_to`` failing are
failures of that step (recorded and backed off), never a crash of the run.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from spmkit._context import PushTally, StepContext, SyncContext
from spmkit._errors import CursorError, InvalidArgument
from spmkit._integration import StepResult, SyncStep
from spmkit._once import first_time, forget
from spmkit._push import PushFn
from spmkit._step_source import StepSource
from spmkit._store import CursorState, Lease, NewDeadLetter
from spmkit._summary import HeldBy, StepSummary, SyncOptions
from spmkit._where import describe_exception, format_traceback
from spmkit._window import backoff_window, compute_window, rejects_tolerated

__all__ = ["ESCALATE_AT_FAILURES", "StepRunner"]

ESCALATE_AT_FAILURES = 3


class StepRunner:
    """One run's walk over the steps; keeps the per-run dead-letter budget."""

    def __init__(
        self, base: SyncContext, options: SyncOptions, push: PushFn | None, owner: str
    ) -> None:
        self.base = base
        self.options = options
        self.push = push
        self.owner = owner
        self.steps: list[StepSummary] = []
        self.dead_letter_budget = options.dead_letter_cap
        # When the current step (then step-source) started: every row it writes is
        # stamped with it, so backoff counts from the start of a failed step-run.
        self.started = base.clock.now()

    @property
    def now(self) -> datetime:
        return self.base.clock.now()

    async def run_step(self, step: SyncStep) -> None:
        store = self.base.store
        self.started = self.now
        # The step-level row (entity, "") carries failures of enabled()/sources(): for a
        # global step it is the cursor itself; for a per-source step it is its health row.
        step_row = store.get_cursor(step.entity, "")
        if self._in_backoff(step_row):
            self._skip_backoff(step, "", step_row)
            return
        try:
            enabled = bool(step.enabled(self.base.settings))
        except Exception as exc:
            self._record_failure(step, "", step_row, [f"enabled() raised {_describe(exc)}"],
                                 raised=[exc])
            return
        if not enabled:
            return
        source_keys = [""]
        if step.cursor_scope == "per-source":
            try:
                source_keys = await self._sources(step)
            except Exception as exc:
                self._record_failure(step, "", step_row, [f"sources() failed: {_describe(exc)}"],
                                     raised=[exc])
                return
        if step.cursor_scope == "per-source":
            if step_row is not None and _is_stale(step_row):
                self._record_clean_no_advance(step, "", step_row, items=0)
            if not source_keys:
                self.base.logger.warning(
                    "per-source step '%s' has no sources this run: nothing synced", step.entity
                )
        for key in source_keys:
            await self._run_leased(step, key)

    async def _run_leased(self, step: SyncStep, key: str) -> None:
        """Run one step-source under its run lease, or skip it if another worker holds it."""
        store = self.base.store
        lease = store.acquire_lease(step.entity, key, owner=self.owner,
                                    seconds=self.options.lease_seconds)
        if lease.owner != self.owner:
            self._skip_leased(step, key, lease)
            return
        keeper = _LeaseKeeper(self, step, key)
        try:
            # Read after taking the lease: the last worker's write is visible now.
            await self._run_source(step, key, store.get_cursor(step.entity, key), keeper)
        finally:
            try:
                store.release_lease(step.entity, key, owner=self.owner)
            except Exception as exc:
                # It lapses on its own; never hide the run's outcome behind this.
                self.base.logger.warning(
                    "could not release the run lease of step-source %s (it expires by "
                    "itself): %s", StepSource(step.entity, key), _describe(exc),
                )

    def _skip_leased(self, step: SyncStep, key: str, lease: Lease) -> None:
        self.base.logger.info(
            "sync step-source %s skipped: worker %r is running it (its lease runs until "
            "%s)", StepSource(step.entity, key), lease.owner, lease.expires_at.isoformat(),
        )
        cursor = self.base.store.get_cursor(step.entity, key)
        value = cursor.last_synced_at if cursor is not None else None
        self.steps.append(StepSummary(
            entity=step.entity, source_key=key, skipped_reason="leased",
            lease_holder=lease.owner, cursor_before=value, cursor_after=value,
        ))

    async def _sources(self, step: SyncStep) -> list[str]:
        if step.sources is None:
            raise InvalidArgument(f"per-source step '{step.entity}' has no sources()")
        raw = step.sources(self.base)
        keys = await raw if inspect.isawaitable(raw) else raw
        if isinstance(keys, str) or not isinstance(keys, Sequence):
            raise InvalidArgument(
                f"sources() of step '{step.entity}' returned {keys!r}; return a list of "
                f"source keys such as ['store-1', 'store-2']"
            )
        bad = [k for k in keys if not isinstance(k, str) or not k]
        if bad or len(set(keys)) != len(keys):
            raise InvalidArgument(
                f"sources() of step '{step.entity}' returned {list(keys)!r}; keys must be "
                f"distinct non-empty strings"
            )
        return list(keys)

    def _in_backoff(self, cursor: CursorState | None) -> bool:
        if self.options.full_backfill or cursor is None or cursor.consecutive_failures <= 0:
            return False
        if cursor.last_status != "error":
            return False
        return self.now < cursor.updated_at + backoff_window(cursor.consecutive_failures)

    def _skip_backoff(self, step: SyncStep, key: str, cursor: CursorState | None) -> None:
        assert cursor is not None
        retry_at = cursor.updated_at + backoff_window(cursor.consecutive_failures)
        self.base.logger.info(
            "sync step-source %s in backoff after %d failure(s): skipped until %s",
            StepSource(step.entity, key), cursor.consecutive_failures, retry_at.isoformat(),
        )
        self.steps.append(StepSummary(
            entity=step.entity, source_key=key, skipped_backoff=True, skipped_reason="backoff",
            cursor_before=cursor.last_synced_at, cursor_after=cursor.last_synced_at,
        ))

    async def _run_source(
        self, step: SyncStep, key: str, cursor: CursorState | None, keeper: _LeaseKeeper
    ) -> None:
        if self._in_backoff(cursor):
            self._skip_backoff(step, key, cursor)
            return
        now = self.started = self.now
        last = cursor.last_synced_at if cursor is not None else None
        if not self.options.full_backfill and last is not None and last > now:
            self.base.logger.warning(
                "sync step-source %s not run: its cursor %s is after now %s (the clock "
                "stepped back?). Running would read an inverted window; it will run once the "
                "clock passes the cursor.", StepSource(step.entity, key), last.isoformat(),
                now.isoformat(),
            )
            self.steps.append(StepSummary(
                entity=step.entity, source_key=key, skipped_reason="clock_behind_cursor",
                cursor_before=last, cursor_after=last,
            ))
            return
        window = compute_window(
            last, now=now, full=self.options.full_backfill,
            backfill_days=self.options.backfill_days,
            overlap_seconds=self.options.overlap_seconds,
        )
        ctx = StepContext(
            settings=self.base.settings, clock=self.base.clock, logger=self.base.logger,
            store=self.base.store, run_id=self.base.run_id, client=self.base.client,
            provisioned=self.base.provisioned, checkpoint_hook=self.base.checkpoint_hook,
            entity=step.entity, source_key=key, window=window, cursor=cursor, push=self.push,
            tally=PushTally(), renew_lease=keeper,
        )
        errors: list[str] = []
        items = 0
        advance_to: datetime | None = None
        raised: list[BaseException] = []
        try:
            result = await step.run(ctx)
        except Exception as exc:
            errors = [f"fatal: {_describe(exc)}"]
            raised.append(exc)
        else:
            try:
                items, errors, advance_to = _check_result(step, result)
            except CursorError as exc:
                # The step ran; what it returned is unusable. A failure of this
                # step (recorded, backed off), not of the run: no "fatal:".
                errors = [str(exc)]
        tally = ctx.tally
        if tally.failures and not errors:
            # The step caught a push failure and returned clean: never tolerated.
            errors = [f"push failed (the step did not report it): {m}" for m in tally.failures]
        dead_lettered = self._dead_letter(step, key, tally)
        held_by: HeldBy | None = "errors" if errors else None
        if tally.rejected > 0 and not rejects_tolerated(
            step.tolerate_rejects, tally.rejected, max(tally.attempted, tally.rejected)
        ):
            errors.append(_rejects_held(tally))
            held_by = "both" if held_by else "rejects"
        # The step-source's summary, built once its outcome is known (one construction).
        ran: dict[str, Any] = dict(
            entity=step.entity, source_key=key, items=items, attempted=tally.attempted,
            rejected=tally.rejected, window=window, cursor_before=last, cursor_after=last,
            dead_lettered=dead_lettered, requested_advance=advance_to, held_by=held_by)
        self.base.checkpoint("before_cursor_write")
        if errors:
            self._record_failure(step, key, cursor, errors, items=items,
                                 summary=StepSummary(**ran), raised=raised + ctx.caught)
        elif advance_to is None:
            # Once per step-source and store (then at debug): it holds for every run.
            first = first_time(self.base.store, ("no advance", step.entity, key))
            self.base.logger.log(
                logging.WARNING if first else logging.DEBUG,
                "sync step-source %s completed clean without advance_cursor_to: cursor "
                "not advanced (the window will replay). Return "
                "StepResult(advance_cursor_to=ctx.window.until) to advance.",
                StepSource(step.entity, key),
            )
            if cursor is not None and _is_stale(cursor):
                self._record_clean_no_advance(step, key, cursor, items=items)
            self.steps.append(StepSummary(**ran))
        else:
            target = min(advance_to, window.until)
            if advance_to > window.until:
                self.base.logger.warning(
                    "sync step-source %s asked to advance its cursor to %s, past the end "
                    "of its window %s: clamped to %s. A step may not claim records it has not "
                    "read yet.", StepSource(step.entity, key), advance_to.isoformat(),
                    window.until.isoformat(), target.isoformat(),
                )
            if not self.options.full_backfill and last is not None and target < last:
                self.base.logger.warning(
                    "sync step-source %s asked to move its cursor backwards (%s -> %s); "
                    "kept at %s. Only a full backfill moves a cursor backwards.",
                    StepSource(step.entity, key), last.isoformat(), target.isoformat(),
                    last.isoformat(),
                )
                target = last
            forget(self.base.store, ("no advance", step.entity, key))
            written = self.base.store.set_cursor(
                step.entity, key, last_synced_at=target, last_status="ok", last_error=None,
                items=items, consecutive_failures=0, allow_backwards=self.options.full_backfill,
                at=self.started,
            )
            if written.last_synced_at != target:
                self.base.logger.warning(
                    "sync step-source %s: another worker moved the cursor to %s while "
                    "this run read up to %s; the newer value is kept.",
                    StepSource(step.entity, key), _iso(written.last_synced_at), target.isoformat(),
                )
            self.base.checkpoint("after_cursor_write")
            self.steps.append(StepSummary(**{**ran, "advanced": True,
                                             "cursor_after": written.last_synced_at}))

    def _record_failure(
        self,
        step: SyncStep,
        key: str,
        cursor: CursorState | None,
        errors: list[str],
        *,
        items: int = 0,
        summary: StepSummary | None = None,
        raised: Sequence[BaseException] = (),
    ) -> None:
        failures = (cursor.consecutive_failures if cursor is not None else 0) + 1
        value = cursor.last_synced_at if cursor is not None else None
        message = "; ".join(errors)
        # The exception behind the first error goes with the log record (its traceback).
        exc_info = raised[0] if raised else None
        if failures >= ESCALATE_AT_FAILURES:
            self.base.logger.error(
                "sync step-source %s failing repeatedly (%d consecutive failures): %s",
                StepSource(step.entity, key), failures, message, exc_info=exc_info,
            )
        else:
            self.base.logger.warning("sync step-source %s failed: %s",
                                     StepSource(step.entity, key), message, exc_info=exc_info)
        written = self.base.store.set_cursor(
            step.entity, key, last_synced_at=value, last_status="error", last_error=message,
            items=items, consecutive_failures=failures, at=self.started,
        )
        # Without a summary, the step failed before it ran (enabled() or sources()).
        ran = summary or StepSummary(entity=step.entity, source_key=key, cursor_before=value,
                                     held_by="errors")
        self.steps.append(replace(
            ran, errors=tuple(errors), cursor_after=written.last_synced_at,
            traceback="\n\n".join(format_traceback(e) for e in raised) or None))

    def _record_clean_no_advance(
        self, step: SyncStep, key: str, cursor: CursorState, *, items: int
    ) -> None:
        # A clean run always records itself: no stale "error" status or failure count.
        self.base.store.set_cursor(
            step.entity, key, last_synced_at=cursor.last_synced_at, last_status="ok",
            last_error=None, items=items, consecutive_failures=0, at=self.started,
        )

    def _dead_letter(self, step: SyncStep, key: str, tally: PushTally) -> int:
        if not tally.rejected_items or self.dead_letter_budget <= 0:
            return 0
        batch = tally.rejected_items[: self.dead_letter_budget]
        rows = [
            NewDeadLetter(run_id=self.base.run_id, entity=step.entity, source_key=key,
                          item_key=item.key, payload=_jsonable(item.payload), reason=item.reason)
            for item in batch
        ]
        try:
            self.base.checkpoint("during_dead_letter")
            self.base.store.add_rejected(rows)
        except Exception as exc:
            # Best-effort: the rejection is already visible (cursor held or counted).
            self.base.logger.warning(
                "dead-letter write failed for step-source %s (%d item(s) not recorded): %s",
                StepSource(step.entity, key), len(rows), _describe(exc),
            )
            return 0
        self.dead_letter_budget -= len(rows)
        if len(tally.rejected_items) > len(rows):
            self.base.logger.warning(
                "dead-letter cap of %d per run reached: %d rejected item(s) of step-source %s "
                "not recorded", self.options.dead_letter_cap,
                len(tally.rejected_items) - len(rows), StepSource(step.entity, key),
            )
        return len(rows)


class _LeaseKeeper:
    """Renews a step-source's run lease as its pushes go by, once half of it has passed."""

    def __init__(self, runner: StepRunner, step: SyncStep, key: str) -> None:
        self.runner, self.step, self.key = runner, step, key
        self.half = timedelta(seconds=runner.options.lease_seconds / 2)
        self.renew_at = runner.now + self.half
        self.lost = False

    def __call__(self) -> None:
        runner = self.runner
        if self.lost or runner.now < self.renew_at:
            return
        lease = runner.base.store.acquire_lease(
            self.step.entity, self.key, owner=runner.owner,
            seconds=runner.options.lease_seconds,
        )
        if lease.owner == runner.owner:
            self.renew_at = runner.now + self.half
            return
        self.lost = True
        runner.base.logger.warning(
            "sync step-source %s ran longer than its lease (%g s) and worker %r took it "
            "over: both run it now. Cursors stay safe (the store's write is a compare-and-set), "
            "but raise SyncOptions(lease_seconds=...) above the longest step-run.",
            StepSource(self.step.entity, self.key), runner.options.lease_seconds, lease.owner,
        )


def _check_result(step: SyncStep, result: object) -> tuple[int, list[str], datetime | None]:
    if not isinstance(result, StepResult):
        raise CursorError(
            f"step '{step.entity}' returned {result!r}; run() must return "
            f"StepResult(items=..., errors=[...], advance_cursor_to=...)"
        )
    # A bare string is one message, not one error per character.
    raw_errors = [result.errors] if isinstance(result.errors, str) else result.errors
    errors = [str(e) for e in raw_errors]
    advance_to = result.advance_cursor_to
    if advance_to is not None and (
        not isinstance(advance_to, datetime) or advance_to.utcoffset() is None
    ):
        raise CursorError(
            f"step '{step.entity}' returned advance_cursor_to={advance_to!r}, which is not an "
            f"aware datetime; return ctx.window.until or an aware UTC datetime"
        )
    items = result.items
    if isinstance(items, bool) or not isinstance(items, int) or items < 0:
        raise CursorError(
            f"step '{step.entity}' returned items={items!r}; items must be an int >= 0 (the "
            f"number of records the step handled)"
        )
    return items, errors, advance_to


REJECTS_NAMED = 3
_REASON_CHARS = 120


def _rejects_held(tally: PushTally) -> str:
    """One line: how many were rejected, that the cursor is held, and the first few records
    with the API's reason (the prefix ``N item(s) rejected (cursor held`` is stable)."""
    message = f"{tally.rejected} item(s) rejected (cursor held; set tolerate_rejects to advance)"
    named = []
    for item in tally.rejected_items[:REJECTS_NAMED]:
        reason = " ".join(item.reason.split())
        if len(reason) > _REASON_CHARS:
            reason = reason[: _REASON_CHARS - 3] + "..."
        key = "(no key)" if item.key is None else repr(" ".join(item.key.split())[:80])
        named.append(f"{key}: {reason}")
    if not named:
        return message
    more = tally.rejected - len(named)
    return f"{message} — {', '.join(named)}{f', and {more} more' if more > 0 else ''}"


def _is_stale(cursor: CursorState) -> bool:
    return cursor.last_status != "ok" or cursor.consecutive_failures != 0


def _iso(value: datetime | None) -> str:
    return "None" if value is None else value.isoformat()


def _describe(exc: BaseException) -> str:
    return describe_exception(exc)


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return repr(value)
