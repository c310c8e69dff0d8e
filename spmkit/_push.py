"""Safe bulk push: what a push returns, and how an API envelope becomes one.

The rule (DESIGN §1, rule 6): a *transport* failure — a non-2xx answer, a network
error, or a 2xx that reports ``failed_count > 0`` — **raises**, so the step fails
and the cursor holds; ``tolerate_rejects`` can never tolerate it. Per-item
*validation* rejects are **returned** (and fed to the engine's reject sink and
dead-letter): one bad item must not abort the batch.

A chunk refused as a whole with a 4xx raises :class:`~spmkit.ChunkRefused`, naming
the resource, the chunk's item keys and the API's message, so a poisoned batch is
visible instead of a window that silently freezes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from spmkit._envelope import BulkData, Envelope
from spmkit._errors import ChunkRefused, PushFailed, TransportFailure

__all__ = [
    "PushFn",
    "client_pusher",
    "PushOutcome",
    "RejectedItem",
    "outcome_from_envelope",
    "rejected_items_from_api",
]


@dataclass(frozen=True, slots=True)
class RejectedItem:
    """One item the API refused: its natural key (if known), the API's reason, the payload."""

    key: str | None
    reason: str
    payload: Any = None


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """What one bulk push delivered. ``attempted`` is ``sent + rejected``."""

    sent: int
    rejected: int = 0
    rejected_items: tuple[RejectedItem, ...] = ()

    @property
    def attempted(self) -> int:
        return self.sent + self.rejected


class PushFn(Protocol):
    """The push protocol: ``await push(resource, items) -> PushOutcome``.

    What the engine calls for every ``ctx.send_bulk`` (``run_integration_sync(push=...)``).
    It returns what the API accepted and rejected (per-item rejects are *returned*),
    and **raises** on any transport failure (a non-2xx, a network error, a 2xx with
    ``failed_count > 0``), which fails the step and holds the cursor. For
    ``custom-data-records`` it is also given ``id_definition=...`` as a keyword.

    Given ``client=`` instead, the engine builds this push over
    ``client.bulk_save(resource, items, *, id_definition=None) -> Envelope``: that one
    method is all the engine needs from a client (``scripted_client`` scripts it).
    """

    def __call__(
        self, resource: str, items: Sequence[Mapping[str, Any]], /
    ) -> Awaitable[PushOutcome]: ...

# 4xx answers that say nothing about the chunk's items: a timeout, a rate limit, or the
# request itself (key, permission, path). Those are transport failures, not poison.
_NOT_THE_ITEMS_4XX = frozenset({401, 403, 404, 405, 408, 429})


_HINTS = {
    401: " - the API key was refused: check the installation's spm-api-key",
    403: " - the API key may not write this resource: check its permissions",
    404: " - no such endpoint: check the client's base_url (it should not end in /v1)",
}


def outcome_from_envelope(
    resource: str, items: Sequence[Mapping[str, Any]], envelope: Envelope, *, natural_key: str
) -> PushOutcome:
    """Turn a bulk envelope into a :class:`PushOutcome`, raising on any transport failure."""
    data = envelope.data if isinstance(envelope.data, BulkData) else BulkData()
    try:
        return _outcome(resource, items, envelope, data, natural_key=natural_key)
    except PushFailed as exc:
        # The chunks that got a 2xx still reported their rejects: keep them for the engine.
        rejected = rejected_items_from_api(data.rejected_items, items, natural_key=natural_key)
        exc.partial = PushOutcome(
            sent=data.sent_count,
            rejected=max(data.rejected_count, len(rejected)),
            rejected_items=rejected,
        )
        raise


def _outcome(
    resource: str,
    items: Sequence[Mapping[str, Any]],
    envelope: Envelope,
    data: BulkData,
    *,
    natural_key: str,
) -> PushOutcome:
    if not envelope.ok:
        for chunk in data.chunks:
            if not chunk.ok and 400 <= chunk.status_code < 500 and chunk.status_code not in (
                _NOT_THE_ITEMS_4XX
            ):
                message = chunk.error.message if chunk.error else "no message"
                keys = ", ".join(chunk.item_keys) or "(no keys)"
                raise ChunkRefused(
                    f"{resource}: the API refused a whole chunk of {len(chunk.item_keys)} item(s) "
                    f"with HTTP {chunk.status_code} ({message}); item keys: {keys}. Nothing in "
                    f"this chunk was stored, so the cursor is held. Find the malformed item in "
                    f"these keys and fix the mapping, or drop it before pushing.",
                    resource=resource,
                    item_keys=chunk.item_keys,
                    status_code=chunk.status_code,
                    code=chunk.error.code if chunk.error else f"HTTP_{chunk.status_code}",
                )
        error = envelope.error
        code = error.code if error else f"HTTP_{envelope.status_code}"
        message = error.message if error else "no message"
        attempts = error.attempts if error else 1
        hint = _HINTS.get(envelope.status_code, "")
        raise TransportFailure(
            f"{resource}: push of {len(items)} item(s) failed ({code}: {message}; "
            f"{attempts} attempt(s)){hint}; {data.failed_count} item(s) not delivered. "
            f"The cursor is held and the window will replay.",
            resource=resource,
            status_code=envelope.status_code or None,
            code=code,
        )
    if data.failed_count > 0:
        raise TransportFailure(
            f"{resource}: the API answered {envelope.status_code} but reported "
            f"failed_count={data.failed_count}: those items were not stored. The cursor is "
            f"held and the window will replay.",
            resource=resource,
            status_code=envelope.status_code,
            code="FAILED_COUNT",
        )
    rejected = rejected_items_from_api(data.rejected_items, items, natural_key=natural_key)
    return PushOutcome(
        sent=data.sent_count,
        rejected=max(data.rejected_count, len(rejected)),
        rejected_items=rejected,
    )


def rejected_items_from_api(
    entries: Sequence[Any], items: Sequence[Mapping[str, Any]], *, natural_key: str
) -> tuple[RejectedItem, ...]:
    """Match the API's ``rejected_items`` entries to the pushed payloads by key.

    The API's entries carry the item's key (``key`` or the natural key field) and
    a reason (``reason``, ``message`` or ``error``). The ``batch_index`` the client adds
    points at the item refused: it is used when that item has the entry's key (or the
    entry has none); otherwise the first pushed item with the key is. An entry that
    matches no pushed item keeps the entry itself as payload, so nothing is dropped.
    """
    if not entries:
        return ()
    by_key: dict[str, Mapping[str, Any]] | None = None
    out: list[RejectedItem] = []
    for entry in entries:
        if isinstance(entry, Mapping):
            raw_key = entry.get("key", entry.get(natural_key))
            key = None if raw_key is None else str(raw_key)
            reason = entry.get("reason") or entry.get("message") or entry.get("error")
            position = entry.get("batch_index")
            payload: Any = entry
            if key is not None:
                pointed = _item_at(items, position)
                if pointed is not None and _key_of(pointed, natural_key) == key:
                    # The client's batch_index points at the very item refused.
                    payload = pointed
                else:
                    by_key = _index(items, natural_key) if by_key is None else by_key
                    payload = by_key.get(key, entry)
            elif (pointed := _item_at(items, position)) is not None:
                # No key in the answer (often: the key itself was missing or malformed):
                # the client's batch_index still points at the pushed payload.
                payload = pointed
            out.append(RejectedItem(key=key, reason=str(reason or "rejected"), payload=payload))
        else:
            out.append(RejectedItem(key=None, reason="rejected", payload=entry))
    return tuple(out)


def _item_at(items: Sequence[Mapping[str, Any]], position: Any) -> Mapping[str, Any] | None:
    if type(position) is int and 0 <= position < len(items):
        return items[position]
    return None


def _key_of(item: Any, natural_key: str) -> str | None:
    value = item.get(natural_key) if isinstance(item, Mapping) else None
    return None if value is None else str(value)


def _index(items: Sequence[Mapping[str, Any]], natural_key: str) -> dict[str, Mapping[str, Any]]:
    """The first pushed item of each key (built only when an entry needs a lookup)."""
    by_key: dict[str, Mapping[str, Any]] = {}
    for item in items:
        key = _key_of(item, natural_key)
        if key is not None:
            by_key.setdefault(key, item)
    return by_key


def client_pusher(client: Any) -> PushFn:
    """The safe push over an ``SpmClient``: ``bulk_save`` then :func:`outcome_from_envelope`."""
    from spmkit._resources import bulk_resource

    async def push(
        resource: str, items: Sequence[Mapping[str, Any]], id_definition: Any = None
    ) -> PushOutcome:
        spec = bulk_resource(resource)
        if id_definition is None:
            envelope = await client.bulk_save(resource, items)
        else:
            envelope = await client.bulk_save(resource, items, id_definition=id_definition)
        return outcome_from_envelope(resource, items, envelope, natural_key=spec.natural_key)

    return push
