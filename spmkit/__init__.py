"""spmkit: a ShopiMind sync engine that never loses data, in Python.

The engine owns the sync cursor and keeps the *golden cursor rule*: a cursor
advances only when its step ran clean (no error, no untolerated rejection), never
past the window end, with backoff after repeated failures, a dead-letter for
rejected items and an overlap for clock skew.

For example::

    from spmkit import define_integration, define_bulk_step, run_integration_sync, open_store

See the README for a complete example.
"""

from __future__ import annotations

from spmkit._clock import Clock, SystemClock
from spmkit._envelope import BulkData, ChunkSummary, Envelope, EnvelopeError
from spmkit._errors import (
    ChunkRefused,
    CursorError,
    IntegrationDefinitionError,
    InvalidArgument,
    ProvisioningError,
    PushFailed,
    SecretError,
    SpmApiError,
    SpmkitError,
    StoreError,
    TransportFailure,
)
from spmkit._store import CursorState, DeadLetter, NewDeadLetter, RunRecord, Store

__all__ = [
    "BulkData",
    "ChunkRefused",
    "ChunkSummary",
    "Clock",
    "CursorError",
    "CursorState",
    "DeadLetter",
    "Envelope",
    "EnvelopeError",
    "IntegrationDefinitionError",
    "InvalidArgument",
    "NewDeadLetter",
    "ProvisioningError",
    "PushFailed",
    "RunRecord",
    "SecretError",
    "SpmApiError",
    "SpmkitError",
    "Store",
    "StoreError",
    "SystemClock",
    "TransportFailure",
]
