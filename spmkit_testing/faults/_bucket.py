"""A rate limit on the simulated clock: ``token_bucket(capacity, refill_per_second=...)``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from spmkit_testing._dsl import InvalidScenario
from spmkit_testing.faults._draw import Ints, Sample, per_side
from spmkit_testing.faults._effect import Effect, Side
from spmkit_testing.faults._fault import Fault, make_fault, register
from spmkit_testing.faults._http import RateLimited

__all__ = ["TokenBucket", "token_bucket"]

_BOTH: frozenset[Side] = frozenset({"api", "partner"})


@dataclass(frozen=True, slots=True)
class TokenBucket(Effect):
    """A rate limit: ``capacity`` requests, refilled at ``refill_per_second`` on the simulated
    clock; a request that finds the bucket empty gets 429 + ``Retry-After``."""

    capacity: float
    refill_per_second: float = 1.0
    verb = "token_bucket"
    sides = _BOTH
    slot = "answer"
    draws = per_side(api={"capacity": Ints(1, 3), "refill_per_second": Sample((0.01, 0.1, 1.0))})

    def acting(self, memo: dict[str, Any], now: datetime) -> RateLimited | None:
        """Take a token; with none left, a 429 for as long as the next one takes."""
        tokens: float = memo.get("tokens", self.capacity)
        last: datetime | None = memo.get("last")
        if last is not None and now > last:
            refill = (now - last).total_seconds() * self.refill_per_second
            tokens = min(self.capacity, tokens + refill)
        if last is None or now > last:
            memo["last"] = now
        if tokens >= 1.0:
            memo["tokens"] = tokens - 1.0
            return None
        memo["tokens"] = tokens
        wait = max(1, math.ceil((1.0 - tokens) / self.refill_per_second))
        return RateLimited(timedelta(seconds=wait))

    def args(self) -> list[str]:
        out = [f"{self.capacity:g}"]
        if self.refill_per_second != 1.0:
            out.append(f"refill_per_second={self.refill_per_second:g}")
        return out


@register(TokenBucket)
def token_bucket(capacity: float, *, refill_per_second: float = 1.0, **match: Any) -> Fault:
    """A rate limit on the simulated clock: ``capacity`` requests, refilled at
    ``refill_per_second``; an empty bucket answers 429 + ``Retry-After``."""
    for name, number in (("capacity", capacity), ("refill_per_second", refill_per_second)):
        if isinstance(number, bool) or not isinstance(number, int | float) \
                or not math.isfinite(number) or number <= 0:
            raise InvalidScenario(f"token_bucket {name} must be a number > 0, got {number!r}.")
    if capacity < 1:
        raise InvalidScenario(
            f"token_bucket capacity must be >= 1 (one request), got {capacity!r}.")
    return make_fault(TokenBucket(float(capacity), float(refill_per_second)), match)
