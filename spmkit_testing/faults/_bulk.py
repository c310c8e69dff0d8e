"""What the ShopiMind API does to a bulk write: ``failed_chunk()``, ``refused_chunk()``,
``poison(...)`` (items refused inside a 2xx, as the API does for invalid items)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from spmkit_testing._dsl import InvalidScenario, check_str, show
from spmkit_testing.faults._answer import Responder
from spmkit_testing.faults._draw import Sample, Subset, per_side
from spmkit_testing.faults._effect import Effect, ItemTest, Side
from spmkit_testing.faults._fault import Fault, make_fault, register

if TYPE_CHECKING:
    from spmkit_testing.faults._request import ApiRequest, PartnerRequest

__all__ = ["FailedChunk", "Poison", "RefusedChunk", "failed_chunk", "poison", "refused_chunk"]

R = TypeVar("R")
_API: frozenset[Side] = frozenset({"api"})
# The keys the property check gives its records (r1.. in the world, k0.. added later).
_DRAWN_KEYS = tuple(f"r{i}" for i in range(1, 6)) + tuple(f"k{i}" for i in range(10))


class _OnBulkWrites(Effect):
    """An effect on bulk writes only (a read or a data-source call is not a batch)."""

    __slots__ = ()
    sides = _API

    def applies(self, request: ApiRequest | PartnerRequest) -> bool:
        return bool(getattr(request, "bulk_write", False))


@dataclass(frozen=True, slots=True)
class FailedChunk(_OnBulkWrites):
    """A bulk write answers 2xx with ``failed_count`` = the batch; nothing is stored."""

    verb = "failed_chunk"
    slot = "answer"
    draws = per_side(api={})
    weight = per_side(api=2)

    def respond(self, to: Responder[R]) -> R:
        return to.failed_batch()


@dataclass(frozen=True, slots=True)
class RefusedChunk(_OnBulkWrites):
    """A bulk write is refused as a whole with a 4xx (one bad item poisons the chunk)."""

    status: int = 422
    message: str | None = None
    verb = "refused_chunk"
    slot = "answer"
    draws = per_side(api={"status": Sample((422, 400, 409))})
    weight = per_side(api=2)

    def respond(self, to: Responder[R]) -> R:
        return to.refused_batch(self.status, self.message)

    def args(self) -> list[str]:
        out = [] if self.status == 422 else [f"status={self.status}"]
        if self.message is not None:
            out.append(f"message={self.message!r}")
        return out


@dataclass(frozen=True, slots=True)
class Poison(_OnBulkWrites):
    """Reject the items of a bulk write that match, with ``reason``: ``field`` equal to
    ``value`` or matching ``regex``, or a natural key among ``keys``, or ``predicate(item)``
    (a Python function: it works, but a scenario file cannot write it back out)."""

    field: str | None = None
    value: Any = None
    regex: str | None = None
    keys: tuple[str, ...] = ()
    reason: str | None = None
    predicate: Callable[[Mapping[str, Any]], bool] | None = None
    verb = "poison"
    slot = "items"
    draws = per_side(api={"keys": Subset(_DRAWN_KEYS, min_size=1, max_size=2)})

    def rejects(self, natural_key: str | None) -> tuple[ItemTest, str]:
        return self._matcher(natural_key), self._why()

    def _matcher(self, natural_key: str | None) -> ItemTest:
        if self.predicate is not None:
            return self.predicate
        if self.keys:
            wanted = frozenset(self.keys)
            field = natural_key or ""
            return lambda item: str(item.get(field)) in wanted
        field = self.field or ""
        if self.regex is not None:
            pattern = re.compile(self.regex)
            return lambda item: (item.get(field) is not None
                                 and pattern.search(str(item.get(field))) is not None)
        value = self.value
        return lambda item: bool(item.get(field) == value)

    def _why(self) -> str:
        if self.reason is not None:
            return self.reason
        if self.keys:
            return "poisoned record (a fault of the scenario)"
        if self.predicate is not None:
            return "poisoned item (a fault of the scenario)"
        test = f"matches {self.regex!r}" if self.regex is not None else f"= {show(self.value)}"
        return f"poisoned item: {self.field} {test} (a fault of the scenario)"

    def args(self) -> list[str]:
        out: list[str] = []
        if self.field is not None:
            out.append(repr(self.field))
        if self.regex is not None:
            out.append(f"regex={self.regex!r}")
        elif self.field is not None:
            out.append(f"value={show(self.value)}")
        if self.keys:
            out.append(f"keys={show(list(self.keys))}")
        if self.predicate is not None:
            name = getattr(self.predicate, "__qualname__", None) or repr(self.predicate)
            out.append(f"predicate={name}")
        if self.reason is not None:
            out.append(f"reason={self.reason!r}")
        return out


@register(FailedChunk)
def failed_chunk(**match: Any) -> Fault:
    """A bulk write answers 2xx with ``failed_count`` = the whole batch; nothing is stored."""
    return make_fault(FailedChunk(), match)


@register(RefusedChunk)
def refused_chunk(*, status: int = 422, message: str | None = None, **match: Any) -> Fault:
    """A bulk write is refused as a whole with a 4xx (other than 401 and 429)."""
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 499 \
            or status in (401, 429):
        raise InvalidScenario(
            f"refused_chunk(status={status!r}) must be a 4xx other than 401 and 429."
        )
    return make_fault(RefusedChunk(status, message), match)


@register(Poison)
def poison(field: str | None = None, *, value: Any = None, regex: str | None = None,
           keys: Sequence[str] = (), reason: str | None = None,
           predicate: Callable[[Mapping[str, Any]], bool] | None = None, **match: Any) -> Fault:
    """Reject the matching items of a bulk write (inside a 2xx, as the API does).

    Exactly one test: ``field`` with ``value=`` or ``regex=``; ``keys=[...]`` (the item's
    natural key); or ``predicate=`` (a Python function; it cannot be written to a
    scenario file).
    """
    tests = sum([field is not None, bool(keys), predicate is not None])
    if tests != 1:
        raise InvalidScenario(
            "poison() needs exactly one test: a field with value= or regex= (poison('email', "
            "value='bad@example.com')), keys=['bad'], or predicate=lambda item: ...."
        )
    if field is not None:
        check_str(field, "field")
        if (value is None) == (regex is None):
            raise InvalidScenario(
                f"poison({field!r}) needs exactly one of value= or regex=, got value={value!r}, "
                f"regex={regex!r}."
            )
        if regex is not None:
            try:
                re.compile(regex)
            except re.error as exc:
                raise InvalidScenario(f"poison regex={regex!r} does not compile: {exc}.") from None
    if isinstance(keys, str):
        raise InvalidScenario(f"poison(keys={keys!r}) takes a list of keys, such as ['bad'].")
    key_tuple = tuple(check_str(k, "keys[]") for k in keys)
    if predicate is not None and not callable(predicate):
        raise InvalidScenario(f"poison(predicate={predicate!r}) must be a function of the item.")
    return make_fault(Poison(field, value, regex, key_tuple, reason, predicate), match)
