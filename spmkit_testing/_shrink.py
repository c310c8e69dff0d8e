"""Shrinking a failing scenario: fewer steps, fewer records, plainer policies and faults.

A domain-level reduction (in the manner of delta debugging) over the scenario itself:
each candidate is replayed and kept when it still fails the same way. It reaches a few
steps in a few dozen replays, where a generic shrinker of the property run's choice
sequence (which also encodes the world) needs thousands.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

from spmkit_testing.faults import Fault
from spmkit_testing.scenario import FaultOn, Scenario, Step, World

__all__ = ["shrink_scenario"]

Fails = Callable[[Scenario], bool]


def shrink_scenario(scenario: Scenario, fails: Fails, *, budget: int = 400) -> Scenario:
    """The smallest variant of ``scenario`` that ``fails`` still accepts (at most ``budget``
    replays): steps removed by halves then one by one, world records removed, world fields
    reset to their defaults, faults stripped of their probability, call range and count."""
    tries = [budget]

    def still(candidate: Scenario) -> bool:
        if tries[0] <= 0:
            return False
        tries[0] -= 1
        try:
            return fails(candidate)
        except Exception:  # a candidate the world refuses (fault_off of a removed fault...)
            return False

    current = scenario
    changed = True
    while changed and tries[0] > 0:
        changed = False
        for reduce in (_fewer_steps, _fewer_records, _plainer_world, _plainer_faults):
            smaller = reduce(current, still)
            if smaller is not current:
                current, changed = smaller, True
    return current


def _fewer(items: Sequence[Any], keep: Callable[[list[Any]], bool]) -> list[Any] | None:
    """Remove chunks of ``items`` (halves, quarters... then single ones) while ``keep``."""
    current = list(items)
    size = max(1, len(current) // 2)
    removed_any = False
    while size >= 1 and current:
        start = 0
        while start < len(current):
            candidate = current[:start] + current[start + size:]
            if keep(candidate):
                current, removed_any = candidate, True
            else:
                start += size
        size //= 2
    return current if removed_any else None


def _fewer_steps(scenario: Scenario, still: Fails) -> Scenario:
    steps = _fewer(scenario.timeline,
                   lambda s: still(dataclasses.replace(scenario, timeline=tuple(s))))
    return scenario if steps is None else dataclasses.replace(scenario, timeline=tuple(steps))


def _fewer_records(scenario: Scenario, still: Fails) -> Scenario:
    def with_records(records: list[Any]) -> Scenario:
        return dataclasses.replace(scenario, world=dataclasses.replace(scenario.world,
                                                                       records=tuple(records)))

    records = _fewer(scenario.world.records, lambda r: still(with_records(r)))
    return scenario if records is None else with_records(records)


def _plainer_world(scenario: Scenario, still: Fails) -> Scenario:
    current = scenario
    default = World()
    for name in ("tolerate_rejects", "backfill_days", "skew", "lag", "batch_size", "seed",
                 "overlap_seconds"):
        value = getattr(default, name)
        if getattr(current.world, name) == value:
            continue
        candidate = dataclasses.replace(current, world=dataclasses.replace(current.world,
                                                                           **{name: value}))
        if still(candidate):
            current = candidate
    return current


def _plain(fault: Fault) -> list[Fault]:
    out = []
    plain: dict[str, Any] = {"probability": 1.0, "times": None, "calls": None, "window": None,
                             "method": None, "resource": None}
    for name, value in plain.items():
        if getattr(fault, name) != value:
            out.append(dataclasses.replace(fault, **{name: value}))
    return out


def _plainer_faults(scenario: Scenario, still: Fails) -> Scenario:
    current = scenario
    for index, step in enumerate(scenario.timeline):
        if not isinstance(step, FaultOn):
            continue
        for simpler in _plain(step.fault):
            timeline: list[Step] = list(current.timeline)
            timeline[index] = FaultOn(step.name, simpler)
            candidate = dataclasses.replace(current, timeline=tuple(timeline))
            if still(candidate):
                current, step = candidate, FaultOn(step.name, simpler)
    return current
