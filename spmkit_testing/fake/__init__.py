"""The stateful fake ShopiMind API: state, wire and routes; three ways in.

See :class:`FakeShopimind`.
"""

from __future__ import annotations

from spmkit_testing.fake._clock import FakeClock, SleepingClock, wall_clock
from spmkit_testing.fake._errors import (
    BadRequest,
    Conflict,
    FakeApiError,
    InjectedStatus,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
    UnprocessableEntity,
)
from spmkit_testing.fake._fake import DEFAULT_API_KEY, DEFAULT_BASE_URL, FakeShopimind
from spmkit_testing.fake._journal import JournalEntry
from spmkit_testing.fake._serve import serve, serve_in_thread
from spmkit_testing.fake._state import BulkResult, FakeState
from spmkit_testing.fake._transport import FakeTransport

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_BASE_URL",
    "BadRequest",
    "BulkResult",
    "Conflict",
    "FakeApiError",
    "FakeClock",
    "FakeShopimind",
    "FakeState",
    "FakeTransport",
    "InjectedStatus",
    "JournalEntry",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "SleepingClock",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableEntity",
    "serve",
    "serve_in_thread",
    "wall_clock",
]
