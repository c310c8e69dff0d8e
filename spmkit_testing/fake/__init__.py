"""The stateful fake ShopiMind API: state, wire and routes; three ways in.

See :class:`FakeShopimind`.
"""

from __future__ import annotations

from spmkit_testing.fake._clock import FakeClock, SleepingClock, wall_clock
from spmkit_testing.fake._errors import (
    BadGateway,
    BadRequest,
    Conflict,
    FakeApiError,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RequestTimeout,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableEntity,
)
from spmkit_testing.fake._fake import DEFAULT_BASE_URL, FakeShopimind
from spmkit_testing.fake._faults import FaultHandle, FaultRule
from spmkit_testing.fake._journal import JournalEntry
from spmkit_testing.fake._serve import serve_in_thread
from spmkit_testing.fake._state import BulkResult, FakeState
from spmkit_testing.fake._transport import FakeTransport

__all__ = [
    "DEFAULT_BASE_URL",
    "BadGateway",
    "BadRequest",
    "BulkResult",
    "Conflict",
    "FakeApiError",
    "FakeClock",
    "FakeShopimind",
    "FakeState",
    "FakeTransport",
    "FaultHandle",
    "FaultRule",
    "InternalServerError",
    "JournalEntry",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "RequestTimeout",
    "ServiceUnavailable",
    "SleepingClock",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableEntity",
    "serve_in_thread",
    "wall_clock",
]
