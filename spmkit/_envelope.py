"""The answer of every :class:`~spmkit.SpmClient` call: an :class:`Envelope`, never an exception.

This mirrors the envelope of the official ``@shopimind/sdk-js``: ``ok``, the HTTP
``status_code`` (0 when no answer arrived), the unwrapped ``data`` and an
:class:`EnvelopeError` when the call failed.

For a bulk call, ``data`` is a :class:`BulkData` that merges every chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BulkData", "ChunkSummary", "Envelope", "EnvelopeError"]


@dataclass(frozen=True, slots=True)
class EnvelopeError:
    """Why a call failed.

    ``code`` is ``"HTTP_<status>"`` for an HTTP error, or a network code such as
    ``"ECONNRESET"``, ``"ETIMEDOUT"`` or ``"ECONNREFUSED"``. ``attempts`` counts the
    tries, retries included.
    """

    message: str
    code: str
    retryable: bool
    attempts: int = 1
    details: Any = None


@dataclass(frozen=True, slots=True)
class ChunkSummary:
    """One chunk of a bulk call: which items it carried and what the API said."""

    index: int
    status_code: int
    ok: bool
    item_keys: tuple[str, ...]
    sent_count: int = 0
    rejected_count: int = 0
    failed_count: int = 0
    error: EnvelopeError | None = None


@dataclass(frozen=True, slots=True)
class BulkData:
    """The merged result of a chunked bulk call.

    ``failed_count`` counts BOTH the items of chunks that got no 2xx and any
    ``failed_count`` that a 2xx body reported (the official SDK drops the latter).
    ``rejected_items`` are the API's own entries (dicts), concatenated in chunk order.
    """

    sent_count: int = 0
    rejected_count: int = 0
    failed_count: int = 0
    rejected_items: tuple[Any, ...] = ()
    chunks: tuple[ChunkSummary, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Envelope:
    """The result of one API call. ``ok`` is true only for a 2xx answer (every chunk, for bulk).

    For example::

        env = await client.bulk_save("customers", items)
        if not env.ok:
            print(env.error.code, env.error.message)
    """

    ok: bool
    status_code: int
    data: Any = None
    error: EnvelopeError | None = None
