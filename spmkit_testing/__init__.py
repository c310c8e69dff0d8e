"""spmkit_testing."""

from __future__ import annotations

from spmkit_testing.clock import DeadlockError, SimClock, SkewedClock
from spmkit_testing.fake import FakeApiError, FakeShopimind, FaultHandle, FaultRule, JournalEntry
from spmkit_testing.source import FakeSource, SourceFault, SourceRecord

__all__ = [
    "DeadlockError",
    "FakeApiError",
    "FakeShopimind",
    "FakeSource",
    "FaultHandle",
    "FaultRule",
    "JournalEntry",
    "SimClock",
    "SkewedClock",
    "SourceFault",
    "SourceRecord",
]
