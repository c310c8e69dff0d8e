"""Violations grouped for reading: one :class:`ViolationGroup` per invariant and step-source,
with how many there were, the first tick and the first records.

A run that never delivers a stream breaks I10 once per record; listed one per line, the
one finding hides everything else. Grouped, it reads::

    I10 (progress: ...) violated at tick 7, step-source customers, 24 times, records 'c1',
    'c2', 'c3' and 20 more: record 'c1' not delivered: the fake holds nothing after ...
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["ViolationGroup", "ViolationLike", "group_violations", "records_text"]

FIRST_RECORDS = 3


class ViolationLike(Protocol):
    """What a grouping or a report reads from a violation (the oracle's ``Violation`` fits)."""

    @property
    def invariant(self) -> str: ...
    @property
    def tick(self) -> int: ...
    @property
    def where(self) -> str: ...
    @property
    def record(self) -> str | None: ...
    @property
    def detail(self) -> str: ...


@dataclass
class ViolationGroup:
    """The violations of one invariant at one step-source: how many, the first tick, the
    records named (in order, each once) and the first one's detail."""

    invariant: str
    where: str
    first_tick: int
    detail: str
    count: int = 0
    records: list[str] = field(default_factory=list)

    def records_text(self, first: int = FIRST_RECORDS) -> str:
        """``'c1', 'c2', 'c3' and 20 more`` (empty when no record is named)."""
        return records_text(self.records, first)

    def one_line(self, titles: Mapping[str, str] | None = None,
                 behind: Sequence[str] = ()) -> str:
        """The group on one line: invariant (and its title), first tick, step-source, count,
        first records, and the first violation's detail (its first line). ``behind``: the
        records of its step-source undelivered at the end, named when the violations name
        none (I10's, say)."""
        title = (titles or {}).get(self.invariant)
        head = (f"{self.invariant}{f' ({title})' if title else ''} violated at tick "
                f"{self.first_tick}, step-source {self.where}")
        if self.count > 1:
            head += f", {self.count} times"
        if self.records:
            head += f", record{'s' if len(self.records) > 1 else ''} {self.records_text()}"
        elif behind:
            head += f", undelivered at the end: {records_text(behind)}"
        return f"{head}: {self.detail.splitlines()[0] if self.detail else ''}"


def records_text(records: Sequence[str], first: int = FIRST_RECORDS) -> str:
    """``'c1', 'c2', 'c3' and 20 more``: the first record keys and how many more."""
    more = len(records) - first
    return ", ".join(repr(r) for r in records[:first]) + (f" and {more} more" if more > 0 else "")


def group_violations(violations: Iterable[ViolationLike]) -> list[ViolationGroup]:
    """One group per ``(invariant, step-source)``, in order of first appearance."""
    groups: dict[tuple[str, str], ViolationGroup] = {}
    for v in violations:
        group = groups.get((v.invariant, v.where))
        if group is None:
            group = groups[(v.invariant, v.where)] = ViolationGroup(
                v.invariant, v.where, v.tick, v.detail)
        group.count += 1
        group.first_tick = min(group.first_tick, v.tick)
        if v.record is not None and v.record not in group.records:
            group.records.append(v.record)
    return list(groups.values())
