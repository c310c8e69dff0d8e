"""One fault vocabulary for the ShopiMind API and the partner: :class:`Fault` and its registry.

A fault is an effect and a match; its ``repr`` is the constructor call, so a fault
prints as valid scenario text. The same faults serve the fake API, the simulated
partner, scenarios, fixtures and the Hypothesis strategies::

    from spmkit_testing.faults import status, rate_limited, null_page

    fake.add_fault(status(503, resource="customers", calls=(1, 2)))
    sim.fault_on("partner down", status(502, body="html", target="partner"))
    sim.fault_on("null", null_page(target="customers", times=1))

See :mod:`spmkit_testing.faults._fault` for every constructor and target.
"""

from __future__ import annotations

from spmkit_testing.faults._effects import (
    BODY_KINDS,
    ConnectError,
    ConnectionReset,
    DuplicatePage,
    Effect,
    ErrorPage,
    FailedChunk,
    Latency,
    NullPage,
    Poison,
    RateLimited,
    ReadTimeout,
    RefusedChunk,
    ReorderedPage,
    Status,
    TokenBucket,
    non_json_body,
)
from spmkit_testing.faults._fault import (
    Fault,
    Target,
    connect_error,
    connection_reset,
    duplicate_page,
    error_page,
    failed_chunk,
    latency,
    null_page,
    poison,
    rate_limited,
    read_timeout,
    refused_chunk,
    reordered_page,
    status,
    token_bucket,
)
from spmkit_testing.faults._registry import (
    ApiRequest,
    Decision,
    FaultHandle,
    FaultRegistry,
    FaultStats,
    PartnerRequest,
)

#: Every fault constructor, by DSL name (what strategies and the coverage table enumerate).
CONSTRUCTORS = {
    f.__name__: f
    for f in (status, rate_limited, connect_error, connection_reset, read_timeout, latency,
              failed_chunk, refused_chunk, poison, null_page, error_page, duplicate_page,
              reordered_page, token_bucket)
}

__all__ = [
    "ApiRequest",
    "BODY_KINDS",
    "connect_error",
    "ConnectError",
    "connection_reset",
    "ConnectionReset",
    "CONSTRUCTORS",
    "Decision",
    "duplicate_page",
    "DuplicatePage",
    "Effect",
    "error_page",
    "ErrorPage",
    "failed_chunk",
    "FailedChunk",
    "Fault",
    "FaultHandle",
    "FaultRegistry",
    "FaultStats",
    "Latency",
    "latency",
    "non_json_body",
    "null_page",
    "NullPage",
    "PartnerRequest",
    "Poison",
    "poison",
    "rate_limited",
    "RateLimited",
    "read_timeout",
    "ReadTimeout",
    "refused_chunk",
    "RefusedChunk",
    "reordered_page",
    "ReorderedPage",
    "Status",
    "status",
    "Target",
    "token_bucket",
    "TokenBucket",
]
