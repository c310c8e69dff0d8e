from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from spmkit import PushOutcome, RejectedItem, TransportFailure, open_store

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def raised_at(fn: Callable[..., Any]) -> str:
    """How a step error names the line of ``fn`` that raises: ``engine/test_x.py:42 in fn``."""
    lines, first = inspect.getsourcelines(fn)
    line = first + next(i for i, text in enumerate(lines) if "raise " in text)
    module = fn.__module__
    path = "/".join([*module.split(".")[:-1], Path(sys.modules[module].__file__ or "").name])
    return f"{path}:{line} in {fn.__name__}"


class ManualClock:
    """A clock that moves only when told (sleep advances it)."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    async def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)

    def advance(self, **kwargs: float) -> None:
        self.current += timedelta(**kwargs)


@dataclass
class FakePush:
    """The push protocol: rejects items marked poison, raises when `down`."""

    down: bool = False
    delivered: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, int]] = field(default_factory=list)
    reject: Callable[[Mapping[str, Any]], bool] = lambda item: bool(item.get("poison"))

    async def __call__(self, resource: str, items: Sequence[Mapping[str, Any]]) -> PushOutcome:
        self.calls.append((resource, len(items)))
        if self.down:
            raise TransportFailure(f"{resource}: HTTP 503", resource=resource, status_code=503)
        rejected = []
        for item in items:
            if self.reject(item):
                rejected.append(RejectedItem(key=str(item.get("id")), reason="invalid email",
                                             payload=dict(item)))
            else:
                self.delivered[str(item.get("id"))] = dict(item)
        return PushOutcome(sent=len(items) - len(rejected), rejected=len(rejected),
                           rejected_items=tuple(rejected))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def store(clock: ManualClock) -> Any:
    s = open_store(":memory:", clock=clock)
    yield s
    s.close()


@pytest.fixture
def push() -> FakePush:
    return FakePush()
