"""Lifecycle webhooks: verify, de-duplicate, parse and dispatch one ShopiMind delivery.

ShopiMind tells an integration about its installation with signed webhooks whose
JSON body names an ``event``: ``install``, ``activate``, ``deactivate``,
``uninstall``, ``config_updated`` or ``sync``. :func:`handle_lifecycle` does the
whole job of the endpoint:

1. verify the signature and freshness (as :func:`~spmkit.verify_webhook` does) against
   the injected clock;
2. parse the body (bad JSON, a body nested too deeply, a body that is not an object or
   an unknown event is a refused result with a clear reason, never a traceback);
   only then remember the signature in the :class:`~spmkit.ReplayGuard` and refuse a
   replay (keyed on the normalized signature, so an upper-cased replay is still a
   replay). A delivery that cannot be read is refused without being remembered;
3. dispatch: ``activate`` provisions (:func:`~spmkit.ensure_provisioned`), runs an
   initial full backfill (:func:`~spmkit.run_integration_sync`) and then calls the
   integration's ``activate`` hook; ``sync`` runs an incremental sync and then the
   ``sync`` hook; every other event calls its hook if the integration has one.

A hook is called as ``hook(ctx, payload)`` with a :class:`~spmkit.SyncContext`
(settings, clock, store, client, provisioned ids) and the parsed body; it may be a
plain or an async function. A failing handler is reported in the result (and
logged), not raised: the endpoint answers ``result.status_code``.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from spmkit._clock import Clock
from spmkit._context import SyncContext
from spmkit._engine import run_integration_sync
from spmkit._errors import InvalidArgument
from spmkit._integration import HOOK_NAMES, Integration
from spmkit._provisioning import ensure_provisioned
from spmkit._provisioning_plan import ProvisionedIds, Provisioning, load_provisioned
from spmkit._store import Store
from spmkit._summary import SyncOptions, SyncSummary
from spmkit._webhooks import Reason as VerifyReason
from spmkit._webhooks import ReplayGuard, Verification, check_signature

__all__ = ["LIFECYCLE_EVENTS", "LifecycleResult", "handle_lifecycle"]

LIFECYCLE_EVENTS = HOOK_NAMES
"""The events a lifecycle webhook may carry (and the hook names of an integration)."""

_LOGGER = "spmkit.lifecycle"

RefusalReason = Literal[
    "missing_signature_headers",
    "invalid_timestamp",
    "timestamp_out_of_tolerance",
    "signature_mismatch",
    "replayed",
    "invalid_json",
    "invalid_payload",
    "unknown_event",
    "invalid_settings",
    "handler_failed",
]

_STATUS = {
    "missing_signature_headers": 401,
    "invalid_timestamp": 401,
    "timestamp_out_of_tolerance": 401,
    "signature_mismatch": 401,
    "replayed": 409,
    "invalid_json": 400,
    "invalid_payload": 400,
    "unknown_event": 400,
    "invalid_settings": 422,
    "handler_failed": 500,
}

_VERIFY_DETAIL = {
    "missing_signature_headers": (
        "the request has no x-shopimind-timestamp or x-shopimind-signature header; only "
        "signed ShopiMind webhooks are accepted"
    ),
    "invalid_timestamp": "x-shopimind-timestamp is not Unix seconds in ASCII digits",
    "timestamp_out_of_tolerance": (
        "x-shopimind-timestamp is more than the tolerance (300 s) in the past or more than "
        "60 s in the future of the clock; check the host clock (NTP) if genuine webhooks "
        "are refused"
    ),
    "signature_mismatch": (
        "the signature does not match the body under any configured webhook secret; check "
        "the secret (pass [new, old] during a rotation) and that the raw body is verified "
        "before any parsing"
    ),
    "replayed": (
        "this signature was already accepted: a webhook is handled once (a genuine retry "
        "after a failure must be signed again by the sender)"
    ),
}


@dataclass(frozen=True, slots=True)
class LifecycleResult:
    """What :func:`handle_lifecycle` did with one delivery.

    ``ok`` is ``True`` when the webhook was accepted and its handler ran (a sync whose
    status is ``partial`` still counts: the engine held the failing cursors and the
    next sync retries them). Otherwise ``reason`` is one of the verification reasons
    (``signature_mismatch``, ``timestamp_out_of_tolerance``, ``replayed``...) or
    ``invalid_json``, ``invalid_payload``, ``unknown_event``, ``invalid_settings``,
    ``handler_failed``, and ``detail`` says what was wrong and what to do.
    ``status_code`` is the HTTP status to answer (200, 400, 401, 409, 422 or 500).
    """

    ok: bool
    event: str | None = None
    reason: RefusalReason | None = None
    detail: str = ""
    summary: SyncSummary | None = None
    provisioned: ProvisionedIds | None = None
    hook_called: bool = False
    hook_result: Any = field(default=None, compare=False)

    @property
    def status_code(self) -> int:
        return 200 if self.ok else _STATUS.get(self.reason or "", 400)


async def handle_lifecycle(
    integration: Integration,
    *,
    body: bytes,
    headers: Mapping[str, str],
    secrets: str | Sequence[str],
    clock: Clock,
    replay_guard: ReplayGuard,
    store: Store,
    client: Any,
    settings: Any = None,
    sync_options: SyncOptions | None = None,
    logger: logging.Logger | None = None,
) -> LifecycleResult:
    """Verify, de-duplicate, parse and dispatch one lifecycle webhook.

    ``body`` is the raw request body, exactly as received. ``settings`` are passed to
    the steps and hooks; when omitted and the body carries a ``"settings"`` object, it
    goes through the integration's ``parse_settings``. ``sync_options`` shape the
    syncs of ``activate`` (always a full backfill) and ``sync``.

    For example::

        result = await handle_lifecycle(integration, body=request.body,
                                        headers=request.headers, secrets=[new, old],
                                        clock=clock, replay_guard=guard, store=store,
                                        client=client, settings=settings)
        return result.status_code, result.detail
    """
    if not isinstance(integration, Integration):
        raise InvalidArgument(
            f"handle_lifecycle expects an Integration from define_integration(...); got "
            f"{integration!r:.80} (type={type(integration).__name__})."
        )
    if not isinstance(replay_guard, ReplayGuard):
        raise InvalidArgument(
            f"handle_lifecycle needs replay_guard=ReplayGuard(clock) so that a captured "
            f"webhook cannot be replayed; got {replay_guard!r:.80}."
        )
    log = logger if logger is not None else logging.getLogger(_LOGGER)
    # Verify, parse, then remember: a body that verifies but cannot be read is refused
    # without using up its signature, and only a delivery we can handle is remembered.
    checked = check_signature(body, headers, secrets, clock=clock, replay_guard=replay_guard)
    if isinstance(checked, Verification):
        return _refused(log, checked.reason or "signature_mismatch")
    parsed = _parse(body)
    if isinstance(parsed, LifecycleResult):
        log.warning("lifecycle webhook refused: %s (%s)", parsed.reason, parsed.detail)
        return parsed
    if not replay_guard.check_and_remember(checked.signature, timestamp=checked.timestamp):
        return _refused(log, "replayed")
    event, payload = parsed
    if settings is None:
        try:
            settings = _settings_from(integration, payload)
        except Exception as exc:
            detail = (f"{event}: the body's settings do not parse ({type(exc).__name__}: "
                      f"{exc}); fix the installation's configuration")
            log.warning("lifecycle webhook %s refused: %s", event, detail)
            return LifecycleResult(False, event, "invalid_settings", detail)
    dispatch = _Dispatch(integration, event, payload, clock, store, client, settings,
                         sync_options if sync_options is not None else SyncOptions(), log)
    try:
        return await dispatch.run()
    except Exception as exc:
        log.exception("lifecycle webhook %s: handler failed", event)
        return LifecycleResult(
            False, event, "handler_failed",
            f"{event} failed: {type(exc).__name__}: {exc}. The webhook was accepted once and "
            f"will not be replayed; fix the cause, then have ShopiMind send it again (it is "
            f"signed anew) or run the step by hand. Provisioning and sync are idempotent.",
            summary=dispatch.summary, provisioned=dispatch.provisioned,
        )


def _refused(log: logging.Logger, reason: VerifyReason) -> LifecycleResult:
    log.warning("lifecycle webhook refused: %s", reason)
    return LifecycleResult(False, reason=reason, detail=_VERIFY_DETAIL[reason])


def _parse(body: bytes) -> tuple[str, dict[str, Any]] | LifecycleResult:
    try:
        payload = json.loads(bytes(body))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        why = "it is nested too deeply to be read" if isinstance(exc, RecursionError) else exc
        return LifecycleResult(False, reason="invalid_json", detail=(
            f"the body is not valid JSON ({why}); a lifecycle webhook is a JSON object such "
            f"as {{\"event\": \"activate\"}}"))
    if not isinstance(payload, dict):
        return LifecycleResult(False, reason="invalid_payload", detail=(
            f"the body is JSON {type(payload).__name__}, not an object; a lifecycle webhook "
            f"is a JSON object such as {{\"event\": \"activate\"}}"))
    event = payload.get("event")
    if event not in LIFECYCLE_EVENTS:
        return LifecycleResult(False, reason="unknown_event", detail=(
            f"unknown event {_short(event)}; expected one of: {', '.join(LIFECYCLE_EVENTS)}"))
    return str(event), payload


def _short(value: Any, limit: int = 80) -> str:
    """A repr for a detail: bounded, even for a huge or deeply nested value."""
    try:
        text = repr(value) if not isinstance(value, str) else repr(value[: limit + 1])
    except RecursionError:
        return f"<a {type(value).__name__} nested too deeply to show>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _settings_from(integration: Integration, payload: Mapping[str, Any]) -> Any:
    raw = payload.get("settings")
    if not isinstance(raw, Mapping):
        return None
    return integration.parse_settings(raw) if integration.parse_settings is not None else raw


class _Dispatch:
    """Runs one accepted event; keeps what it produced for the failure report."""

    def __init__(self, integration: Integration, event: str, payload: dict[str, Any],
                 clock: Clock, store: Store, client: Any, settings: Any, options: SyncOptions,
                 log: logging.Logger) -> None:
        self.integration = integration
        self.event = event
        self.payload = payload
        self.clock = clock
        self.store = store
        self.client = client
        self.settings = settings
        self.options = options
        self.log = log
        self.summary: SyncSummary | None = None
        self.provisioned: ProvisionedIds | None = None

    def context(self) -> SyncContext:
        if self.provisioned is None:
            self.provisioned = load_provisioned(self.store)
        return SyncContext(settings=self.settings, clock=self.clock, logger=self.log,
                           store=self.store, run_id=0, client=self.client,
                           provisioned=self.provisioned)

    async def run(self) -> LifecycleResult:
        details: list[str] = []
        if self.event == "activate":
            await self._provision(details)
            await self._sync(full=True, details=details)
        elif self.event == "sync":
            await self._sync(full=False, details=details)
        hook = self.integration.hooks.get(self.event)
        result: Any = None
        if hook is not None:
            result = hook(self.context(), self.payload)
            if inspect.isawaitable(result):
                result = await result
            details.append(f"{self.event} hook called")
        elif self.event not in ("activate", "sync"):
            details.append(f"no {self.event} hook defined: nothing to do")
        self.log.info("lifecycle webhook %s handled: %s", self.event, "; ".join(details))
        return LifecycleResult(True, self.event, detail="; ".join(details),
                               summary=self.summary, provisioned=self.provisioned,
                               hook_called=hook is not None, hook_result=result)

    async def _provision(self, details: list[str]) -> None:
        declare = self.integration.provisioning
        if declare is None:
            details.append("no provisioning declared")
            return
        if self.client is None:
            raise InvalidArgument(
                f"integration {self.integration.slug!r} declares provisioning, so activate "
                f"needs client=SpmClient(...) to create its data sources and definitions."
            )
        plan = declare(self.context())
        if inspect.isawaitable(plan):
            plan = await plan
        if not isinstance(plan, Provisioning):
            raise InvalidArgument(
                f"the provisioning of integration {self.integration.slug!r} returned "
                f"{plan!r:.80}; return Provisioning(data_sources=..., custom_data=..., "
                f"events=...)."
            )
        self.provisioned = await ensure_provisioned(self.client, self.store, plan)
        details.append("provisioned")

    async def _sync(self, *, full: bool, details: list[str]) -> None:
        options = dataclasses.replace(self.options, full_backfill=True) if full else self.options
        self.summary = await run_integration_sync(
            self.integration, store=self.store, clock=self.clock, client=self.client,
            settings=self.settings, options=options, provisioned=self.context().provisioned,
        )
        kind = "full backfill" if options.full_backfill else "sync"
        details.append(f"{kind} run {self.summary.run_id}: {self.summary.status}")
