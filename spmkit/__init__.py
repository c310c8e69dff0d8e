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

from spmkit._answer import unwrap_or_raise
from spmkit._bulk import StreamRead, define_bulk_step
from spmkit._client import SpmClient
from spmkit._clock import Clock, SystemClock, ensure_aware_utc
from spmkit._concurrency import map_with_concurrency
from spmkit._context import CustomDataHandle, SourceHandle, StepContext, SyncContext
from spmkit._engine import run_integration_sync
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
from spmkit._http import DEFAULT_BASE_URL, is_loopback_host
from spmkit._integration import (
    HOOK_NAMES,
    Integration,
    StepResult,
    SyncStep,
    define_integration,
)
from spmkit._json import json_dumps, json_loads
from spmkit._lifecycle import LifecycleResult, handle_lifecycle
from spmkit._memory_store import MemoryStore
from spmkit._open_store import open_store
from spmkit._paginate import (
    UnexpectedPage,
    check_page,
    paginate,
    paginate_by_offset,
    paginate_by_token,
    stream_pages,
)
from spmkit._policies import with_step_policies
from spmkit._provisioning import ensure_provisioned
from spmkit._provisioning_plan import (
    CustomDataSpec,
    DataSourceSpec,
    EventSpec,
    ProvisionedIds,
    Provisioning,
    load_provisioned,
)
from spmkit._push import PushFn, PushOutcome, RejectedItem, outcome_from_envelope
from spmkit._redact import RedactingFilter, install_redaction
from spmkit._resources import BULK_RESOURCES, BulkResource, bulk_resource
from spmkit._retry import RetryPolicy
from spmkit._scripted import BulkAnswer, BulkCall, ScriptedClient, scripted_client
from spmkit._secrets import SecretCipher, SecretState
from spmkit._sqlite_store import SqliteStore
from spmkit._step_source import StepSource
from spmkit._store import CursorState, DeadLetter, Lease, NewDeadLetter, RunRecord, Store
from spmkit._summary import StepSummary, SyncOptions, SyncSummary
from spmkit._transports import aiohttp_transport
from spmkit._webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ReplayGuard,
    Verification,
    sign_webhook,
    verify_webhook,
)
from spmkit._window import (
    SyncWindow,
    TolerancePolicy,
    backoff_window,
    compute_window,
    rejects_tolerated,
)

__all__ = [
    "aiohttp_transport",
    "backoff_window",
    "bulk_resource",
    "BULK_RESOURCES",
    "BulkAnswer",
    "BulkCall",
    "BulkData",
    "BulkResource",
    "check_page",
    "ChunkRefused",
    "ChunkSummary",
    "Clock",
    "compute_window",
    "CursorError",
    "CursorState",
    "CustomDataHandle",
    "CustomDataSpec",
    "DataSourceSpec",
    "DeadLetter",
    "DEFAULT_BASE_URL",
    "define_bulk_step",
    "define_integration",
    "ensure_aware_utc",
    "ensure_provisioned",
    "Envelope",
    "EnvelopeError",
    "EventSpec",
    "handle_lifecycle",
    "HOOK_NAMES",
    "install_redaction",
    "Integration",
    "IntegrationDefinitionError",
    "InvalidArgument",
    "is_loopback_host",
    "json_dumps",
    "json_loads",
    "Lease",
    "LifecycleResult",
    "load_provisioned",
    "map_with_concurrency",
    "MemoryStore",
    "NewDeadLetter",
    "open_store",
    "outcome_from_envelope",
    "paginate",
    "paginate_by_offset",
    "paginate_by_token",
    "ProvisionedIds",
    "Provisioning",
    "ProvisioningError",
    "PushFailed",
    "PushFn",
    "PushOutcome",
    "RedactingFilter",
    "RejectedItem",
    "rejects_tolerated",
    "ReplayGuard",
    "RetryPolicy",
    "run_integration_sync",
    "RunRecord",
    "scripted_client",
    "ScriptedClient",
    "SecretCipher",
    "SecretError",
    "SecretState",
    "sign_webhook",
    "SIGNATURE_HEADER",
    "SourceHandle",
    "SpmApiError",
    "SpmClient",
    "SpmkitError",
    "SqliteStore",
    "StepContext",
    "StepResult",
    "StepSource",
    "StepSummary",
    "Store",
    "StoreError",
    "stream_pages",
    "StreamRead",
    "SyncContext",
    "SyncOptions",
    "SyncStep",
    "SyncSummary",
    "SyncWindow",
    "SystemClock",
    "TIMESTAMP_HEADER",
    "TolerancePolicy",
    "TransportFailure",
    "UnexpectedPage",
    "unwrap_or_raise",
    "Verification",
    "verify_webhook",
    "with_step_policies",
]
