"""What a fault looks at of a request: :class:`ApiRequest` (the fake ShopiMind API) and
:class:`PartnerRequest` (the partner)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ApiRequest", "PartnerRequest"]


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """What faults of the ShopiMind API look at: method, path after ``/v1/``, resource."""

    method: str
    path: str
    resource: str | None
    bulk_write: bool


@dataclass(frozen=True, slots=True)
class PartnerRequest:
    """What partner faults look at: the stream, the source key, whether it lists sources."""

    stream: str
    source: str
    listing: bool
    method: str
    path: str
    by_offset: bool = False
