"""The world's own verbs: what the partner writes (records, updates, deletes, new sources,
records ShopiMind refuses) and which faults are on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from functools import cached_property
from typing import Any

from spmkit import InvalidArgument, StepSource
from spmkit_testing.adapter import Stream
from spmkit_testing.faults import Fault, FaultHandle, poison
from spmkit_testing.partner import (
    FakeSource,
    SourceRecord,
    default_payload,
    fake_payload,
    key_for,
)
from spmkit_testing.sim._records import Factory, Record
from spmkit_testing.sim._runs import DATA_FAULT
from spmkit_testing.sim._wiring import Parts

__all__ = ["FaultSwitches", "PartnerWrites"]


class PartnerWrites:
    """What the partner writes, on its own clock (``skew``), readable ``lag`` later (the
    world's lag added to every write)."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts
        self._poisoned: dict[str, set[str]] = {}
        self.data_faults: dict[str, FaultHandle] = {}

    @cached_property
    def faker(self) -> Any:
        """Built on first use (most worlds write named records, not factories)."""
        from faker import Faker

        faker = Faker()
        faker.seed_instance(self.parts.world.seed)
        return faker

    def resolve(self, ref: str) -> tuple[Stream, str]:
        """``"customers"``, ``"orders@store-1"``, ``"global"``, ``"per-source@store-2"`` ->
        ``(stream, source key)`` (``""`` for a global stream or a per-source stream's
        step-level row)."""
        if not isinstance(ref, str) or not ref:
            raise InvalidArgument(f"Expected a stream name such as 'customers' or "
                                  f"'orders@store-1', got {ref!r}.")
        named = StepSource.parse(ref)
        stream = self.parts.adapter.stream(named.entity)
        source = named.source_key
        if source and not stream.per_source:
            raise InvalidArgument(f"{ref!r}: stream {stream.name!r} is global; it has no sources.")
        sources = self.parts.partner.sources
        if source and source not in sources:
            raise InvalidArgument(f"{ref!r}: the partner has no source {source!r} (sources: "
                                  f"{', '.join(sources)}).")
        return stream, source

    def source(self, ref: str) -> FakeSource:
        """The records of a stream-source (a per-source stream without ``@key``: its first)."""
        stream, key = self.resolve(ref)
        if stream.per_source and not key:
            key = self.parts.partner.sources[0]
        return self.parts.partner.source(stream.name, key)

    def put(self, ref: str, key: str, fields: Mapping[str, Any] | None, *,
            at: timedelta | None, lag: timedelta, poisoned: bool) -> SourceRecord:
        stream, _ = self.resolve(ref)
        data = self.source(ref)
        payload = default_payload(stream.resource, key) | dict(fields or {})
        stamp = None if at is None else data.partner_now() + at
        record = data.put(key, payload, lag=lag + self.parts.world.lag, updated_at=stamp)
        if poisoned:
            self._poison(stream, ref, key)
        return record

    def update(self, ref: str, key: str, changes: Mapping[str, Any], *,
               at: timedelta | None, lag: timedelta) -> SourceRecord:
        data = self.source(ref)
        stamp = None if at is None else data.partner_now() + at
        return data.update(key, changes, lag=lag + self.parts.world.lag, updated_at=stamp)

    def delete(self, ref: str, key: str, *, lag: timedelta) -> SourceRecord:
        return self.source(ref).delete(key, lag=lag + self.parts.world.lag)

    def write(self, items: Sequence[Record | Factory]) -> None:
        """Write scenario records: a :func:`record` as it says, a :func:`records` factory
        as seeded Faker records for every stream-source it names."""
        for item in items:
            if isinstance(item, Record):
                self.put(item.stream, item.key, item.fields or None, at=item.at,
                         lag=item.lag, poisoned=item.poisoned)
            else:
                self._expand(item)

    def _expand(self, factory: Factory) -> None:
        partner = self.parts.partner
        if factory.stream is None:
            targets = [(s, k) for s, k, _ in partner]
        else:
            stream, key = self.resolve(factory.stream)
            keys = [key] if key or not stream.per_source else partner.sources
            targets = [(stream.name, k) for k in keys]
        for stream_name, source in targets:
            resource = self.parts.adapter.stream(stream_name).resource
            prefix = factory.prefix or resource[0]
            for i in range(1, factory.count + 1):
                key = key_for(resource, prefix, i) + (f"-{source}" if source else "")
                at = -(factory.spread * (factory.count - i)) / factory.count
                ref = str(StepSource(stream_name, source))
                self.put(ref, key, fake_payload(resource, self.faker, key), at=at,
                         lag=timedelta(0), poisoned=factory.poisoned)

    def _poison(self, stream: Stream, ref: str, key: str) -> None:
        _, source = self.resolve(ref)
        if stream.per_source and not source:
            source = self.parts.partner.sources[0]
        keys = self._poisoned.setdefault(stream.resource, set())
        if not keys:
            natural = stream.natural_key

            def poisoned_record(item: Mapping[str, Any]) -> bool:
                return str(item.get(natural)) in keys

            self.data_faults[stream.resource] = self.parts.faults.add(
                poison(predicate=poisoned_record, resource=stream.resource,
                       reason="refused by ShopiMind: bad data held by the partner"),
                name=DATA_FAULT)
        keys.add(stream.key_of(key, source))


class FaultSwitches:
    """The faults switched on by name (``fault_on`` / ``fault_off``)."""

    def __init__(self, parts: Parts, writes: PartnerWrites) -> None:
        self.parts = parts
        self.writes = writes
        self.named: dict[str, FaultHandle] = {}

    def on(self, name: str, fault: Fault) -> FaultHandle:
        if not isinstance(name, str) or not name:
            raise InvalidArgument(f"fault_on(name={name!r}) needs a non-empty name.")
        if name in self.named:
            raise InvalidArgument(f"fault_on({name!r}, ...): a fault is already on under that "
                                  f"name; switch it off first or pick another name.")
        self.named[name] = self.add(fault, name=name)
        return self.named[name]

    def off(self, name: str) -> None:
        handle = self.named.pop(name, None)
        if handle is None:
            on = ", ".join(sorted(self.named)) or "none"
            raise InvalidArgument(f"fault_off({name!r}): no fault is on under that name (on "
                                  f"now: {on}).")
        self.parts.faults.remove(handle)

    def add(self, fault: Fault, *, name: str = "") -> FaultHandle:
        if not isinstance(fault, Fault):
            raise InvalidArgument(f"Expected a Fault such as status(503), got {fault!r}.")
        where = fault.where
        if where.stream is not None:
            stream = self.parts.adapter.stream(where.stream)
            target = stream.name + (f"@{where.source}" if where.source else "") + (
                "/sources" if where.sources_listing else "")
            if where.source is not None:
                self.writes.resolve(f"{stream.name}@{where.source}")
            if where.sources_listing and not stream.per_source:
                raise InvalidArgument(f"{fault!r}: stream {stream.name!r} is global; only a "
                                      f"per-source stream lists its sources.")
            fault = fault.retargeted(target)
        return self.parts.faults.add(fault, name=name)

    def stop_all(self) -> None:
        """Every fault off, but the records ShopiMind refuses (data of the world)."""
        for name in list(self.named):
            self.off(name)
        data = set(self.writes.data_faults.values())
        for handle in self.parts.faults.active:
            if handle not in data:
                self.parts.faults.remove(handle)

    def unfired(self) -> list[FaultHandle]:
        data = set(self.writes.data_faults.values())
        return [h for h in self.parts.faults.never_fired() if h.name and h not in data]
