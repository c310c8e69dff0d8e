"""What a step sees while it runs: :class:`SyncContext` and :class:`StepContext`.

The context is the only way a step pushes data: ``ctx.send_bulk``,
``ctx.with_source(key).send`` and ``ctx.custom_data(name).save`` all report what
the API said to the engine, which counts attempted and rejected items itself and
dead-letters the rejects. A step cannot forget to surface a rejection.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spmkit._clock import Clock
from spmkit._errors import InvalidArgument, ProvisioningError
from spmkit._paginate import paginate as _paginate
from spmkit._push import PushFn, PushOutcome, RejectedItem
from spmkit._store import CursorState, Store
from spmkit._window import SyncWindow

__all__ = [
    "CustomDataHandle",
    "ProvisionedLookup",
    "PushTally",
    "SourceHandle",
    "StepContext",
    "SyncContext",
]


class ProvisionedLookup(Protocol):
    """The ids that provisioning persisted (see ``spmkit.ensure_provisioned``)."""

    @property
    def data_sources(self) -> Mapping[str, Any]: ...

    @property
    def custom_data(self) -> Mapping[str, Any]: ...


@dataclass(slots=True)
class PushTally:
    """What the pushes of one step-run reported, counted by the engine."""

    attempted: int = 0
    rejected: int = 0
    rejected_items: list[RejectedItem] = field(default_factory=list)
    # Calls of ctx.send_bulk (empty ones included): tells a custom push that went
    # through it (already counted) from one that did not.
    pushes: int = 0
    # Push failures seen, even if the step caught them: they always hold the cursor.
    failures: list[str] = field(default_factory=list)

    def add(self, outcome: PushOutcome) -> None:
        self.attempted += outcome.attempted
        self.rejected += outcome.rejected
        self.rejected_items.extend(outcome.rejected_items)


@dataclass(slots=True)
class SyncContext:
    """The run-wide context: settings, clock, logger, store, API client, provisioned ids."""

    settings: Any
    clock: Clock
    logger: logging.Logger | logging.LoggerAdapter[logging.Logger]
    store: Store
    run_id: int
    client: Any = None
    provisioned: ProvisionedLookup | None = None
    checkpoint_hook: Callable[[str], None] | None = None

    def checkpoint(self, point: str) -> None:
        """Mark a named point of the run (the harness can crash the engine there)."""
        if self.checkpoint_hook is not None:
            self.checkpoint_hook(point)


@dataclass(slots=True)
class SourceHandle:
    """Pushes tagged with one provisioned data source (``id_data_source``)."""

    ctx: StepContext
    key: str
    id_data_source: Any

    async def send(self, resource: str, items: Sequence[Mapping[str, Any]]) -> PushOutcome:
        """Push ``items`` to ``resource``, each tagged with this source's ``id_data_source``."""
        tagged = [{**item, "id_data_source": self.id_data_source} for item in items]
        return await self.ctx.send_bulk(resource, tagged)


@dataclass(slots=True)
class CustomDataHandle:
    """Records of one provisioned custom-data definition."""

    ctx: StepContext
    name: str
    id_definition: Any

    async def save(self, records: Sequence[Mapping[str, Any]]) -> PushOutcome:
        """Push records of this definition (safe push: transport failures raise)."""
        return await self.ctx.send_bulk(
            "custom-data-records", records, id_definition=self.id_definition
        )


@dataclass(slots=True)
class StepContext(SyncContext):
    """What ``SyncStep.run`` receives: the run context plus this step-source's window."""

    entity: str = ""
    source_key: str = ""
    window: SyncWindow | None = None
    cursor: CursorState | None = None
    push: PushFn | None = None
    tally: PushTally = field(default_factory=PushTally)
    # Renews this step-source's run lease (the engine sets it); called after each push.
    renew_lease: Callable[[], None] | None = None
    # Exceptions the step caught and reported as errors (define_bulk_step does): the
    # engine keeps their tracebacks with the step's summary and its log record.
    caught: list[BaseException] = field(default_factory=list)

    async def send_bulk(
        self,
        resource: str,
        items: Sequence[Mapping[str, Any]],
        *,
        id_definition: Any = None,
    ) -> PushOutcome:
        """Safe bulk push: returns per-item rejects, raises on any transport failure.

        The engine counts what this returns (``attempted``, ``rejected``) and
        dead-letters the rejected items; a raise fails the step and holds the cursor.
        """
        if self.push is None:
            raise InvalidArgument(
                f"step '{self.entity}' pushed {resource!r} but the run has no way to push: pass "
                f"client=SpmClient(...) or push=... to run_integration_sync."
            )
        items = list(items)
        self.tally.pushes += 1
        if not items:
            return PushOutcome(sent=0)
        try:
            if id_definition is None:
                raw = await self.push(resource, items)
            else:
                raw = await self.push(resource, items, id_definition=id_definition)  # type: ignore[call-arg]
        except Exception as exc:
            # Recorded before re-raising: a step that swallows it still holds the cursor.
            self.tally.failures.append(f"{type(exc).__name__}: {exc}")
            partial = getattr(exc, "partial", None)
            if isinstance(partial, PushOutcome):
                self.tally.add(partial)
            raise
        outcome = _as_outcome(raw, resource)
        self.tally.add(outcome)
        if self.renew_lease is not None:
            self.renew_lease()
        self.checkpoint("after_push")
        return outcome

    def with_source(self, key: str) -> SourceHandle:
        """A handle pushing through the provisioned data source ``key``."""
        ids = self.provisioned.data_sources if self.provisioned is not None else {}
        if key not in ids:
            known = ", ".join(sorted(ids)) or "(none provisioned)"
            raise ProvisioningError(
                f"step '{self.entity}': data source {key!r} is not provisioned (known: {known}). "
                f"Declare DataSourceSpec(key={key!r}, label=...) in your integration's "
                f"provisioning and run ensure_provisioned before syncing."
            )
        return SourceHandle(ctx=self, key=key, id_data_source=ids[key])

    def custom_data(self, name: str) -> CustomDataHandle:
        """A handle on the provisioned custom-data definition ``name``."""
        ids = self.provisioned.custom_data if self.provisioned is not None else {}
        wanted = name.strip().casefold()
        for known_name, id_definition in ids.items():
            if known_name.strip().casefold() == wanted:
                return CustomDataHandle(ctx=self, name=known_name, id_definition=id_definition)
        known = ", ".join(sorted(ids)) or "(none provisioned)"
        raise ProvisioningError(
            f"step '{self.entity}': custom-data definition {name!r} is not provisioned (known: "
            f"{known}). Declare CustomDataSpec(name={name!r}, fields=...) in your integration's "
            f"provisioning and run ensure_provisioned before syncing."
        )

    def paginate(
        self,
        fetch_page: Callable[[int], Awaitable[object]],
        *,
        start_page: int = 1,
        page_size: int | None = None,
    ) -> AsyncIterator[Any]:
        """Stream records page by page; a page that is not a list fails the step."""
        return _paginate(fetch_page, start_page=start_page, page_size=page_size)


def _as_outcome(raw: object, resource: str) -> PushOutcome:
    if isinstance(raw, Mapping) and "sent" in raw:
        items = tuple(
            item if isinstance(item, RejectedItem) else RejectedItem(key=None, reason="rejected",
                                                                     payload=item)
            for item in raw.get("rejected_items", ())
        )
        raw = PushOutcome(
            sent=int(raw["sent"]), rejected=int(raw.get("rejected", len(items))),
            rejected_items=items,
        )
    if isinstance(raw, PushOutcome):
        if raw.sent < 0 or raw.rejected < 0:
            raise InvalidArgument(
                f"push for {resource!r} returned sent={raw.sent}, rejected={raw.rejected}; "
                f"counts must be >= 0 (what the API reported for this push)."
            )
        return raw
    raise InvalidArgument(
        f"push for {resource!r} returned {raw!r}; a push must return a PushOutcome(sent, "
        f"rejected, rejected_items) (or a dict with those keys) and raise on transport failure."
    )
