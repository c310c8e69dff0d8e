"""When and how long :class:`~spmkit.SpmClient` retries: :class:`RetryPolicy` and the loop.

The rules follow ``@shopimind/sdk-js`` 1.1 with two corrections (DESIGN, "Known traps"):

* retry 408, 429, any 5xx and network errors (timeouts, resets, refused connections);
* replay GET/PUT/DELETE always, a POST only when it carries an ``Idempotency-Key``
  header or when it is a bulk upsert (keyed by natural id, so replaying it is safe) and
  :attr:`RetryPolicy.bulk_upserts_idempotent` is on;
* honour ``Retry-After`` (seconds or an HTTP-date, compared with the injected clock),
  but never wait longer than :attr:`RetryPolicy.retry_after_cap` (the SDK has no cap);
* otherwise back off exponentially with jitter drawn from a seeded ``random.Random``.

All waiting goes through ``await clock.sleep(seconds)``, so a simulated clock makes an
hour of ``Retry-After`` cost nothing.
"""

from __future__ import annotations

import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from spmkit._clock import Clock
from spmkit._errors import InvalidArgument

__all__ = [
    "RetryPolicy",
    "RetrySignal",
    "is_retryable_status",
    "parse_retry_after",
    "run_with_retries",
]

T = TypeVar("T")


def is_retryable_status(status_code: int) -> bool:
    """True for the statuses worth retrying: 408, 429 and every 5xx."""
    return status_code in (408, 429) or 500 <= status_code <= 599


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How :class:`~spmkit.SpmClient` retries. ``max_retries=0`` turns retries off.

    For example::

        SpmClient(key, retry=RetryPolicy(max_retries=5, retry_after_cap=60.0))
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    retry_after_cap: float = 300.0
    bulk_upserts_idempotent: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.max_retries, bool) or not isinstance(self.max_retries, int):
            raise InvalidArgument(
                f"Expected int but got max_retries={self.max_retries!r} "
                f"(type={type(self.max_retries).__name__}); pass a whole number such as 3."
            )
        if self.max_retries < 0:
            raise InvalidArgument(
                f"max_retries={self.max_retries!r} is negative; pass 0 to disable retries."
            )
        for name in ("base_delay", "max_delay", "retry_after_cap"):
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise InvalidArgument(
                    f"Expected a finite number of seconds >= 0 but got {name}={value!r} "
                    f"(type={type(value).__name__})."
                )
        if self.max_delay < self.base_delay:
            raise InvalidArgument(
                f"max_delay={self.max_delay!r} is smaller than base_delay={self.base_delay!r}; "
                f"raise max_delay or lower base_delay."
            )

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based) without ``Retry-After``.

        Exponential (``base_delay * 2**(n-1)``, capped at ``max_delay``) with "equal
        jitter": half of it fixed, half drawn from ``rng``, so concurrent clients spread.
        """
        # The exponent is bounded: 2.0 ** 1024 overflows, and 2 ** 63 already exceeds
        # any max_delay a caller can mean.
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(retry_number - 1, 63))
        return ceiling / 2 + rng.uniform(0.0, ceiling / 2)

    def delay(self, retry_number: int, retry_after: float | None, rng: random.Random) -> float:
        """The wait before a retry: ``Retry-After`` capped at ``retry_after_cap``, else backoff."""
        if retry_after is not None:
            return min(max(0.0, retry_after), self.retry_after_cap)
        return self.backoff(retry_number, rng)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP-date (vs ``now``).

    Returns ``None`` when the header is absent or unreadable (the caller backs off).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 HTTP-dates are always GMT.
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True, slots=True)
class RetrySignal:
    """What an attempt says about retrying: it failed in a retryable way, maybe with Retry-After."""

    retry_after: str | None = None


async def run_with_retries(
    send: Callable[[], Awaitable[T]],
    *,
    signal: Callable[[T], RetrySignal | None],
    replayable: bool,
    policy: RetryPolicy,
    clock: Clock,
    rng: random.Random,
) -> tuple[T, int]:
    """Call ``send`` until it succeeds, is not retryable, or the retries run out.

    ``signal(result)`` returns a :class:`RetrySignal` for a retryable failure and
    ``None`` otherwise. ``replayable`` is false for a request that must not be sent
    twice (a POST without idempotency). Returns the last result and the attempt count.
    """
    attempts = 0
    while True:
        attempts += 1
        result = await send()
        sig = signal(result)
        if sig is None or not replayable or attempts > policy.max_retries:
            return result, attempts
        wait = policy.delay(attempts, parse_retry_after(sig.retry_after, clock.now()), rng)
        await clock.sleep(wait)
