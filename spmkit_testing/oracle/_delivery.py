"""Delivery, the one computation: whether the fake ShopiMind API holds a partner record's
latest version as the item of its stream-source, and which live records it does not."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from spmkit_testing.oracle._ground import Binding, Ground, bindings, followed, readable, rows
from spmkit_testing.oracle._rules import stamp
from spmkit_testing.partner import PRECISIONS, SourceRecord, truncate

__all__ = ["Undelivered", "dead_lettered", "delivery_state", "undelivered"]


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A live partner record the fake API does not hold (latest version), not dead-lettered.

    ``lost`` says the cursor has passed it for good (no later window reads it).
    """

    stream: str
    source: str
    record: SourceRecord
    state: str
    lost: bool

    @property
    def where(self) -> str:
        """Its step-source in the one spelling (``orders@store-1``)."""
        return self.stream + (f"@{self.source}" if self.source else "")

    def __str__(self) -> str:
        fate = "the cursor passed it: lost" if self.lost else "the cursor has not passed it"
        return (f"{self.where} {self.record.key!r} (updated_at {stamp(self.record.updated_at)}): "
                f"the fake holds {self.state}; {fate}")


def delivery_state(ground: Ground, binding: Binding, record: SourceRecord) -> str | None:
    """``None`` when the fake holds ``record`` (this version or newer) as the item of
    ``binding``; else what it holds instead."""
    stream = binding.stream
    item = ground.fake.state.record(stream.resource, stream.key_of(record.key, binding.source))
    if item is None:
        # A deleted record ShopiMind never had is as it should be.
        return None if record.deleted else "nothing"
    if record.deleted and stream.deleted_as is not None:
        live = {k: item.get(k) for k, v in stream.deleted_as.items() if item.get(k) != v}
        if live:
            return (f"an item not marked deleted ({_fields(live)}; a deletion is "
                    f"{_fields(stream.deleted_as)})")
    source_key = stream.data_source_of(binding.source)
    ids = getattr(ground.provisioned, "data_sources", None) or {}
    want = ids.get(source_key) if source_key is not None else None
    if want is not None and item.get("id_data_source") != want:
        return "another data source's item under that key"
    if stream.version is None:
        return None
    version = stream.version_of(item)
    if version is None:
        return f"an item without a readable {stream.version!r}"
    if truncate(version, ground.adapter.stamp_step) >= record.updated_at:
        return None
    hint = _hint(ground, version, record)
    return f"an older version (its {stream.version!r} is {stamp(version)}{hint})"


def _fields(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


def _hint(ground: Ground, version: datetime, record: SourceRecord) -> str:
    """Why a version reads older when it is the partner's stamp at a coarser precision:
    the adapter declares a finer precision than the integration sees."""
    declared = ground.adapter.precision or "microsecond"
    for name, step in PRECISIONS.items():
        if step > PRECISIONS[declared] and version >= truncate(record.updated_at, step):
            return (f", the partner's stamp truncated to the {name}: if your partner stamps "
                    f"{name}s, declare Adapter(precision={name!r}) instead of {declared!r}")
    return ""


def dead_lettered(ground: Ground, binding: Binding) -> set[str]:
    """The item keys of ``binding`` the store's dead-letter holds."""
    found = ground.db.list_rejected(entity=binding.stream.name, limit=1_000_000)
    return {d.item_key or "" for d in found if d.source_key == binding.source}


def undelivered(ground: Ground) -> list[Undelivered]:
    """Live records readable now that the fake does not hold and nobody dead-lettered."""
    out = []
    now = ground.clock.now()
    overlap = timedelta(seconds=ground.overlap_seconds)
    cursors = rows(ground)
    for binding in bindings(ground):
        row = cursors.get(binding.key)
        cursor = row.last_synced_at if row is not None else None
        dead: set[str] | None = None
        for record in followed(binding):
            if not readable(ground, record, now):
                continue
            state = delivery_state(ground, binding, record)
            if state is None:
                continue
            dead = dead_lettered(ground, binding) if dead is None else dead
            if binding.stream.key_of(record.key, binding.source) in dead:
                continue
            lost = cursor is not None and record.updated_at < cursor - overlap
            out.append(Undelivered(binding.stream.name, binding.source, record, state, lost))
    return out
