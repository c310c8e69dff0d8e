"""One fault vocabulary for the ShopiMind API and the partner: :class:`Fault` and its registry.

A fault is an effect and a match; its ``repr`` is the constructor call, so a fault
prints as valid scenario text. The same faults serve the fake API, the simulated
partner, scenarios, fixtures and the Hypothesis strategies::

    from spmkit_testing.faults import status, rate_limited, null_page

    fake.add_fault(status(503, resource="customers", calls=(1, 2)))
    sim.fault_on("partner down", status(502, body="html", target="partner"))
    sim.fault_on("null", null_page(target="customers", times=1))

Each kind of effect is declared once, in its own module, with its constructor
(:func:`register`); :data:`EFFECTS` lists them all, in the order they were registered.
See :mod:`spmkit_testing.faults._fault` for the match keywords and targets.
"""

from __future__ import annotations

from spmkit_testing.faults._answer import (
    BODY_KINDS,
    BodyKind,
    NetworkFailure,
    Responder,
    network_error,
    non_json_body,
    retry_after_seconds,
)
from spmkit_testing.faults._draw import Draw, Ints, Sample, Seconds, Subset
from spmkit_testing.faults._effect import Effect, ItemTest, Side
from spmkit_testing.faults._fault import EFFECTS, EffectKind, Fault, FaultTarget, register
from spmkit_testing.faults._request import ApiRequest, PartnerRequest

# The kinds of effect, registered in this order (the order strategies draw them in).
from spmkit_testing.faults._http import RateLimited, Status, rate_limited, status  # isort: skip
from spmkit_testing.faults._network import (  # isort: skip
    ConnectError,
    ConnectionReset,
    ReadTimeout,
    connect_error,
    connection_reset,
    read_timeout,
)
from spmkit_testing.faults._latency import Latency, latency  # isort: skip
from spmkit_testing.faults._bulk import (  # isort: skip
    FailedChunk,
    Poison,
    RefusedChunk,
    failed_chunk,
    poison,
    refused_chunk,
)
from spmkit_testing.faults._pages import (  # isort: skip
    DuplicatePage,
    ErrorPage,
    NullPage,
    ReorderedPage,
    duplicate_page,
    error_page,
    null_page,
    reordered_page,
)
from spmkit_testing.faults._bucket import TokenBucket, token_bucket  # isort: skip
from spmkit_testing.faults._page import Page, PageRead  # isort: skip
from spmkit_testing.faults._registry import (  # isort: skip
    NO_FAULT,
    Decision,
    FaultHandle,
    FaultRegistry,
    FaultStats,
)

__all__ = [
    "ApiRequest",
    "BODY_KINDS",
    "BodyKind",
    "connect_error",
    "ConnectError",
    "connection_reset",
    "ConnectionReset",
    "Decision",
    "Draw",
    "duplicate_page",
    "DuplicatePage",
    "Effect",
    "EffectKind",
    "EFFECTS",
    "error_page",
    "ErrorPage",
    "failed_chunk",
    "FailedChunk",
    "Fault",
    "FaultHandle",
    "FaultRegistry",
    "FaultStats",
    "FaultTarget",
    "Ints",
    "ItemTest",
    "Latency",
    "latency",
    "network_error",
    "NetworkFailure",
    "NO_FAULT",
    "non_json_body",
    "null_page",
    "NullPage",
    "Page",
    "PageRead",
    "PartnerRequest",
    "Poison",
    "poison",
    "rate_limited",
    "RateLimited",
    "read_timeout",
    "ReadTimeout",
    "refused_chunk",
    "RefusedChunk",
    "register",
    "reordered_page",
    "ReorderedPage",
    "Responder",
    "retry_after_seconds",
    "Sample",
    "Seconds",
    "Side",
    "Status",
    "status",
    "Subset",
    "token_bucket",
    "TokenBucket",
]
