"""How :meth:`SpmClient.bulk_save <spmkit.SpmClient.bulk_save>` cuts items into chunks and
merges the chunks' answers into one :class:`~spmkit.BulkData`.

A chunk's 2xx answer is read for its counters (``sent_count``, ``rejected_count``,
``failed_count``) and its ``rejected_items``; items it does not account for are counted
as failed, never as delivered. A chunk without a 2xx fails all its items.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from spmkit._answer import Answer, error_of
from spmkit._envelope import BulkData, ChunkSummary, Envelope, EnvelopeError
from spmkit._errors import InvalidArgument
from spmkit._resources import BulkResource

__all__ = ["bulk_path", "check_items", "item_keys", "merge_chunks", "read_chunk"]


def bulk_path(spec: BulkResource, id_definition: int | str | None) -> str:
    """The resource's route, with ``id_definition`` where it takes one (and only there)."""
    needs_definition = "{id_definition}" in spec.path
    if needs_definition:
        if id_definition is None or isinstance(id_definition, bool) or str(id_definition) == "":
            raise InvalidArgument(
                f"bulk_save({spec.name!r}) needs id_definition=<the custom-data definition id> "
                f"but got id_definition={id_definition!r}; get it from ensure_provisioned(...)."
            )
        return spec.path.format(id_definition=quote(str(id_definition), safe=""))
    if id_definition is not None:
        raise InvalidArgument(
            f"id_definition={id_definition!r} only applies to 'custom-data-records', not "
            f"{spec.name!r}; drop the argument."
        )
    return spec.path


def check_items(resource: str, items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """``items`` as a list, once known to be a sequence of dicts (else naming the culprit)."""
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Sequence):
        raise InvalidArgument(
            f"Expected a list of dicts for items of {resource!r} but got "
            f"items={items!r:.80} (type={type(items).__name__})."
        )
    for index, item in enumerate(items):
        if type(item) is not dict and not isinstance(item, Mapping):
            raise InvalidArgument(
                f"items[{index}] of {resource!r} must be a dict but got {item!r:.80} "
                f"(type={type(item).__name__})."
            )
    return list(items)


def item_keys(part: Sequence[Mapping[str, Any]], natural_key: str) -> tuple[str, ...]:
    """The natural key of each item of a chunk (``"?"`` when it has none), as str."""
    values = [item.get(natural_key) for item in part]
    return tuple([v if type(v) is str else "?" if v is None else str(v) for v in values])



def _count(body: Mapping[str, Any], name: str) -> int:
    """A counter of a bulk answer as an int >= 0 (a NaN or negative count reads as 0)."""
    value = body.get(name)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return max(0, value)
    if isinstance(value, float):
        return max(0, int(value)) if math.isfinite(value) else 0
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def _bulk_body(body: Any) -> Mapping[str, Any]:
    """The counters of a bulk answer: at the top level (tolerating a ``data`` wrapper)."""
    if not isinstance(body, Mapping):
        return {}
    if "sent_count" not in body and isinstance(body.get("data"), Mapping):
        inner: Mapping[str, Any] = body["data"]
        return inner
    return body


def _with_batch_index(entry: Any, start: int, size: int) -> Any:
    """Add ``batch_index`` (the position in the whole ``bulk_save`` call) to an entry
    whose chunk-relative ``index`` is known, so a rejected item without a key can still
    be traced back to its payload."""
    index = entry.get("index") if isinstance(entry, dict) else None
    if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < size:
        return {**entry, "batch_index": start + index}
    return entry



def read_chunk(
    index: int, start: int, part: Sequence[Mapping[str, Any]], keys: tuple[str, ...],
    answer: Answer, attempts: int,
) -> tuple[ChunkSummary, list[Any]]:
    """The summary of chunk ``index`` (the items of the call from ``start``, with their
    natural ``keys``) from its answer, and the rejected items the answer listed (each
    with its ``batch_index`` where known)."""
    if not answer.ok:
        return ChunkSummary(
            index=index,
            status_code=answer.status_code,
            ok=False,
            item_keys=keys,
            failed_count=len(part),
            error=error_of(answer, attempts),
        ), []
    body = _bulk_body(answer.body)
    items_rejected = body.get("rejected_items")
    rejected = ([_with_batch_index(entry, start, len(part)) for entry in items_rejected]
                if isinstance(items_rejected, list) else [])
    sent = _count(body, "sent_count")
    rejected_count = _count(body, "rejected_count")
    # The SDK drops a 2xx's failed_count; those items were not stored.
    failed = _count(body, "failed_count")
    # Items the answer does not account for (an empty or foreign body) are
    # not known to be stored: count them as failed, never as delivered.
    listed = len(items_rejected) if isinstance(items_rejected, list) else 0
    failed += max(0, len(part) - sent - max(rejected_count, listed) - failed)
    return ChunkSummary(
        index=index,
        status_code=answer.status_code,
        ok=True,
        item_keys=keys,
        sent_count=sent,
        rejected_count=rejected_count,
        failed_count=failed,
    ), rejected


def merge_chunks(chunks: list[ChunkSummary], rejected_items: list[Any]) -> Envelope:
    data = BulkData(
        sent_count=sum(c.sent_count for c in chunks),
        rejected_count=sum(c.rejected_count for c in chunks),
        failed_count=sum(c.failed_count for c in chunks),
        rejected_items=tuple(rejected_items),
        chunks=tuple(chunks),
    )
    failed = [c for c in chunks if not c.ok]
    if not failed:
        return Envelope(ok=True, status_code=chunks[-1].status_code, data=data)
    first = failed[0]
    errors = [c.error for c in failed if c.error is not None]
    first_message = first.error.message if first.error else "no message"
    error = EnvelopeError(
        message=(
            f"{len(failed)} of {len(chunks)} chunk(s) failed; first: chunk {first.index} "
            f"({len(first.item_keys)} item(s)): {first_message}"
        ),
        code=first.error.code if first.error else f"HTTP_{first.status_code}",
        retryable=all(e.retryable for e in errors),
        attempts=max((e.attempts for e in errors), default=1),
        details=tuple(errors),
    )
    return Envelope(ok=False, status_code=first.status_code, data=data, error=error)
