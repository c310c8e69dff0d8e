"""Timeline verbs of the partner: ``add``, ``update``, ``delete``, ``add_source``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from spmkit_testing._dsl import (
    InvalidScenario,
    call_repr,
    check_str,
    format_duration,
    parse_duration,
    show,
)
from spmkit_testing.faults import Ints
from spmkit_testing.scenario._verb import Drawing, Rule, Step, StreamRef, verb
from spmkit_testing.sim import DEFAULT_STREAM, Factory, Record, record

if TYPE_CHECKING:
    from spmkit_testing.sim import Simulation

__all__ = ["Add", "AddSource", "Delete", "Update", "add", "add_source", "delete", "update"]


def _add(drawing: Drawing, ref: str, lag: int, poisoned: int) -> Add:
    key = f"k{drawing.steps}"
    drawing.keys[key] = ref
    # Within the overlap: a lag beyond it is the hazard clock_skew_loss shows. One record in
    # ten is refused by ShopiMind (poisoned shrinks towards 0: not).
    late = min(lag, drawing.lateness)
    return add(record(key, stream=ref, lag=f"{late}s", poisoned=poisoned == 9))


@verb
@dataclass(frozen=True, slots=True)
class Add(Step):
    """``add(record("c9"), records(5))``: the partner writes records now."""

    records: tuple[Record | Factory, ...]
    rules = (Rule("add", {"ref": StreamRef(), "lag": Ints(0, 30), "poisoned": Ints(0, 9)},
                  _add),)

    def __repr__(self) -> str:
        return f"add({', '.join(repr(r) for r in self.records)})"

    def apply(self, sim: Simulation) -> None:
        sim.write(*self.records)


def _update(drawing: Drawing) -> Update:
    key = drawing.pick(sorted(drawing.keys))
    return update(key, stream=drawing.keys[key], first_name=f"v{drawing.steps}")


@verb
@dataclass(frozen=True, slots=True)
class Update(Step):
    """``update("c9", email="new@example.com")``: the partner updates a record."""

    key: str
    changes: Mapping[str, Any] = field(default_factory=dict)
    stream: str = DEFAULT_STREAM
    at: timedelta | None = None
    lag: timedelta = timedelta(0)
    rules = (Rule("update", {}, _update, when=lambda drawing: bool(drawing.keys), picks=True),)

    def __repr__(self) -> str:
        args = [repr(self.key)]
        if self.stream != DEFAULT_STREAM:
            args.append(f"stream={self.stream!r}")
        args += [f"{k}={show(v)}" for k, v in self.changes.items()]
        if self.at is not None:
            args.append(f"at={format_duration(self.at)!r}")
        if self.lag:
            args.append(f"lag={format_duration(self.lag)!r}")
        return f"update({', '.join(args)})"

    def apply(self, sim: Simulation) -> None:
        sim.update(self.stream, self.key, self.changes, at=self.at, lag=self.lag)


def _delete(drawing: Drawing) -> Delete:
    key = drawing.pick(sorted(drawing.keys))
    return delete(key, stream=drawing.keys.pop(key))


@verb
@dataclass(frozen=True, slots=True)
class Delete(Step):
    """``delete("c9")``: the partner deletes a record (a tombstone version)."""

    key: str
    stream: str = DEFAULT_STREAM
    lag: timedelta = timedelta(0)
    rules = (Rule("delete", {}, _delete, when=lambda drawing: bool(drawing.keys), picks=True),)

    def __repr__(self) -> str:
        return call_repr("delete", self, positional=("key",))

    def apply(self, sim: Simulation) -> None:
        sim.delete(self.stream, self.key, lag=self.lag)


@verb
@dataclass(frozen=True, slots=True)
class AddSource(Step):
    """``add_source("store-3")``: a new source appears at the partner."""

    key: str

    def __repr__(self) -> str:
        return f"add_source({self.key!r})"

    def apply(self, sim: Simulation) -> None:
        sim.add_source(self.key)


def add(*items: Record | Factory) -> Add:
    """The partner writes these records now (``at``/``lag`` are relative to now)."""
    if not items:
        raise InvalidScenario("add() needs at least one record, such as add(record('c1')).")
    for item in items:
        if not isinstance(item, Record | Factory):
            raise InvalidScenario(
                f"add() takes records such as record('c1') or records(5); got {item!r} "
                f"(type={type(item).__name__}).")
    return Add(tuple(items))


def update(key: str, *, stream: str = DEFAULT_STREAM, at: str | timedelta | None = None,
           lag: str | timedelta = "0s", **changes: Any) -> Update:
    """The partner updates ``key`` of ``stream`` with ``changes`` (a new version)."""
    check_str(key, "key")
    check_str(stream, "stream")
    if not changes:
        raise InvalidScenario(
            f"update({key!r}) needs at least one change, such as update({key!r}, "
            f"email='new@example.com').")
    return Update(key, changes, stream, None if at is None else parse_duration(at, "at"),
                  parse_duration(lag, "lag"))


def delete(key: str, *, stream: str = DEFAULT_STREAM, lag: str | timedelta = "0s") -> Delete:
    """The partner deletes ``key`` of ``stream`` (a tombstone version)."""
    return Delete(check_str(key, "key"), check_str(stream, "stream"), parse_duration(lag, "lag"))


def add_source(key: str) -> AddSource:
    """A new source appears at the partner (a store opens): per-source streams list it."""
    return AddSource(check_str(key, "key"))
