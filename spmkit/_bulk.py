"""``define_bulk_step``: the common step shape — stream the window, map, push in batches."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from spmkit._context import StepContext, SyncContext
from spmkit._errors import ChunkRefused, IntegrationDefinitionError, PushFailed
from spmkit._integration import CursorScope, StepResult, SyncStep, always_enabled
from spmkit._paginate import UnexpectedPage
from spmkit._push import PushOutcome
from spmkit._resources import BULK_RESOURCES
from spmkit._where import describe_exception
from spmkit._window import TolerancePolicy

__all__ = ["StreamRead", "define_bulk_step"]

Record = Any
Item = Mapping[str, Any]
StreamFn = Callable[
    [StepContext], AsyncIterable[Record] | Iterable[Record] | Awaitable[Iterable[Record]]
]
MapFn = Callable[[Record, StepContext], Item | None]
PushBatchFn = Callable[[StepContext, Sequence[Item]], Awaitable[PushOutcome | None]]


@dataclass(frozen=True, slots=True)
class StreamRead:
    """What the stream of one clean bulk step-run read, for ``define_bulk_step(advance=...)``.

    ``records`` counts what the stream yielded, ``items`` what ``map`` kept and was
    pushed; ``first`` and ``last`` are the first and last records in stream order
    (``None`` when it yielded nothing).
    """

    records: int = 0
    items: int = 0
    first: Any = None
    last: Any = None


AdvanceFn = Callable[[StepContext, StreamRead], datetime | Awaitable[datetime | None] | None]


def define_bulk_step(
    entity: str,
    *,
    stream: StreamFn,
    map: MapFn,
    push: PushBatchFn | None = None,
    resource: str | None = None,
    data_source: str | Callable[[StepContext], str] | None = None,
    batch_size: int = 500,
    cursor_scope: CursorScope = "global",
    sources: Callable[[SyncContext], Awaitable[Sequence[str]] | Sequence[str]] | None = None,
    enabled: Callable[[Any], bool] | None = None,
    tolerate_rejects: TolerancePolicy = False,
    advance: AdvanceFn | None = None,
) -> SyncStep:
    """Build a step that streams the window's records, maps them and pushes them in batches.

    ``stream(ctx)`` yields the partner records of ``ctx.window`` (async or plain
    iterable, or an ``async def`` returning a list); ``map(record, ctx)`` turns one
    into an API item (``None`` skips it).
    Batches go to ``push(ctx, items)`` when given, else to ``ctx.send_bulk(resource)``
    (``resource`` defaults to ``entity`` and must be a ShopiMind bulk resource), through
    the provisioned data source ``data_source`` when set (a key, or a function of ctx
    such as ``lambda ctx: ctx.source_key`` for a per-source step). A ``push`` that goes
    through ``ctx.send_bulk`` needs no return value (the engine counts what the API
    said); one that pushes some other way returns a ``PushOutcome``.

    Errors are collected, not raised: a refused chunk is recorded and the next
    batches still go (good records keep flowing while a poisoned one holds the
    cursor); a transport failure stops the step. A clean run advances to
    ``window.until``.

    For example::

        customers = define_bulk_step(
            "customers",
            stream=lambda ctx: partner.customers(ctx.window.since, ctx.window.until),
            map=lambda row, ctx: {"customer_id": row["id"], "email": row["email"]},
        )
    """
    if advance is not None and not callable(advance):
        raise IntegrationDefinitionError(
            f"define_bulk_step({entity!r}): advance={advance!r} is not callable; pass a "
            f"function advance(ctx, read) returning the cursor's new value, or leave it None "
            f"to advance to ctx.window.until."
        )
    if not callable(stream) or not callable(map):
        raise IntegrationDefinitionError(
            f"define_bulk_step({entity!r}): stream and map must be functions: "
            f"stream(ctx) yields records, map(record, ctx) returns an item or None."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise IntegrationDefinitionError(
            f"define_bulk_step({entity!r}): batch_size={batch_size!r} must be an int >= 1 "
            f"(500 by default; the client also chunks to the API's own limit)."
        )
    target = resource or entity
    if (push is None or resource is not None) and target not in BULK_RESOURCES:
        known = ", ".join(sorted(BULK_RESOURCES))
        raise IntegrationDefinitionError(
            f"define_bulk_step({entity!r}): {target!r} is not a ShopiMind bulk resource; "
            f"choose one of: {known}. Pass resource=... when the entity is named otherwise, "
            f"or push=... to push the batches yourself."
        )

    async def send(ctx: StepContext, batch: Sequence[Item]) -> None:
        if push is not None:
            before = ctx.tally.pushes
            outcome = await push(ctx, batch)
            if ctx.tally.pushes != before:
                # It went through ctx.send_bulk, which the engine already counted: what
                # the push returns is not needed (`async def push(ctx, b): await ...`).
                return
            if not isinstance(outcome, PushOutcome):
                raise PushFailed(
                    f"push of step '{entity}' returned {outcome!r} and did not push through "
                    f"ctx.send_bulk, so nothing says what the API did with these "
                    f"{len(batch)} item(s). Push with `await ctx.send_bulk(...)` (its return "
                    f"value is then optional), or return a PushOutcome.",
                    resource=target,
                )
            # The push did not go through ctx.send_bulk: the engine counts it here.
            ctx.tally.add(outcome)
            return
        if data_source is None:
            await ctx.send_bulk(target, batch)
            return
        key = data_source(ctx) if callable(data_source) else data_source
        await ctx.with_source(key).send(target, batch)

    async def run(ctx: StepContext) -> StepResult:
        errors: list[str] = []
        items = records = 0
        first = last = None
        batch: list[Item] = []
        try:
            async for block in _blocks(stream(ctx), batch_size):
                for record in block:
                    if records == 0:
                        first = record
                    records += 1
                    last = record
                    item = map(record, ctx)
                    if item is None:
                        continue
                    batch.append(item)
                    if len(batch) >= batch_size:
                        items += await _flush(send, ctx, batch, errors)
                        batch = []
            items += await _flush(send, ctx, batch, errors)
        except Exception as exc:
            errors.append(f"bulk step '{entity}': {describe_exception(exc)}")
            ctx.caught.append(exc)
        if errors:
            return StepResult(items=items, errors=errors)
        assert ctx.window is not None
        if advance is None:
            return StepResult(items=items, advance_cursor_to=ctx.window.until)
        read = StreamRead(records=records, items=items, first=first, last=last)
        try:
            target = advance(ctx, read)
            if inspect.isawaitable(target):
                target = await target
        except Exception as exc:
            ctx.caught.append(exc)
            return StepResult(items=items, errors=[
                f"bulk step '{entity}': advance(ctx, read) raised {describe_exception(exc)}"])
        return StepResult(items=items, advance_cursor_to=target)  # the engine checks it

    def rebuild(**policies: Any) -> SyncStep:
        """This step again, from the same arguments, with other ``batch_size`` or
        ``tolerate_rejects`` (``spmkit.with_step_policies``)."""
        return define_bulk_step(entity, **{**defined, **policies})

    defined: dict[str, Any] = dict(
        stream=stream, map=map, push=push, resource=resource, data_source=data_source,
        batch_size=batch_size, cursor_scope=cursor_scope, sources=sources, enabled=enabled,
        tolerate_rejects=tolerate_rejects, advance=advance)
    return SyncStep(
        entity=entity,
        run=run,
        cursor_scope=cursor_scope,
        sources=sources,
        enabled=enabled if enabled is not None else always_enabled,
        tolerate_rejects=tolerate_rejects,
        rebuild=rebuild,
    )


async def _flush(
    send: Callable[[StepContext, Sequence[Item]], Awaitable[None]],
    ctx: StepContext,
    batch: list[Item],
    errors: list[str],
) -> int:
    if not batch:
        return 0
    try:
        await send(ctx, batch)
    except ChunkRefused as exc:
        errors.append(str(exc))
    return len(batch)


async def _blocks(source: object, size: int) -> Any:
    """The records of a stream in blocks: up to ``size`` at a time from a plain iterable
    (one await per block, not per record), one at a time from an async one."""
    if inspect.isawaitable(source):
        # `async def stream(ctx): return [...]` is a natural way to write a stream.
        source = await source
    if isinstance(source, AsyncIterable):
        async for record in source:
            yield (record,)
    elif isinstance(source, Iterable) and not isinstance(source, str | bytes | Mapping):
        records = iter(source)
        while True:
            block: list[Any] = []
            try:
                for record in islice(records, size):
                    block.append(record)
            except Exception:
                # The records read before the failure are handled first, as one by one.
                if block:
                    yield block
                raise
            if not block:
                return
            yield block
    else:
        raise UnexpectedPage(
            f"stream(ctx) returned {type(source).__name__} {source!r:.200}; it must return an "
            f"iterable or async iterable of records (an empty list when there is nothing new). "
            f"An unexpected value is an error, not the end of the data: the cursor is held."
        )
