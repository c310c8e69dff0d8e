from __future__ import annotations

from datetime import UTC, datetime

import pytest

from spmkit_testing.clock import SimClock
from spmkit_testing.fake import FakeShopimind

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
KEY = "test-key"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(T0)


@pytest.fixture
def fake(clock: SimClock) -> FakeShopimind:
    return FakeShopimind(clock=clock, api_key=KEY, seed=7)


def customer(i: int | str, **extra: object) -> dict[str, object]:
    return {
        "customer_id": f"c{i}",
        "email": f"user{i}@example.com",
        "first_name": "Ada",
        "updated_at": "2026-03-01T10:00:00Z",
        **extra,
    }
