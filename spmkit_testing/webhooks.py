"""Signed webhook requests for tests: what ShopiMind would send, stamped on the simulated clock.

For example::

    body, headers = sign_webhook_request({"event": "activate"}, "whsec-test", clock=clock)
    result = await handle_lifecycle(integration, body=body, headers=headers,
                                    secrets="whsec-test", clock=clock, ...)

``skew`` shifts the sender's clock: ``timedelta(seconds=-400)`` makes a late
delivery (refused after 300 s), ``timedelta(seconds=30)`` an early one (accepted
up to 60 s ahead).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from spmkit import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    InvalidArgument,
    ensure_aware_utc,
    sign_webhook,
)

__all__ = ["DEFAULT_WEBHOOK_SECRET", "Now", "sign_webhook_request"]

DEFAULT_WEBHOOK_SECRET = "whsec-test-0000"


class Now(Protocol):
    """A clock that tells the time (``SimClock``, ``spmkit.SystemClock``...)."""

    def now(self) -> datetime: ...
"""The webhook secret :meth:`FakeShopimind.sign_webhook` signs with unless told otherwise."""


def sign_webhook_request(
    payload: Mapping[str, Any] | bytes,
    secret: str,
    *,
    clock: Now,
    skew: timedelta = timedelta(0),
) -> tuple[bytes, dict[str, str]]:
    """Return ``(body, headers)`` of a webhook signed with ``secret`` at ``clock.now() + skew``.

    ``payload`` is a JSON object (serialized compactly, keys sorted, so the body is
    the same for the same payload) or raw ``bytes`` sent as they are (for bad JSON).
    """
    if isinstance(payload, bytes | bytearray):
        body = bytes(payload)
    elif isinstance(payload, Mapping):
        body = json.dumps(dict(payload), sort_keys=True, separators=(",", ":")).encode("utf-8")
    else:
        raise InvalidArgument(
            f"Expected a dict or bytes but got payload={payload!r:.80} "
            f"(type={type(payload).__name__}); pass {{'event': 'activate', ...}}."
        )
    if not isinstance(skew, timedelta):
        raise InvalidArgument(
            f"Expected timedelta but got skew={skew!r} (type={type(skew).__name__})."
        )
    sent_at = ensure_aware_utc(clock.now(), "clock.now()") + skew
    timestamp = math.floor(sent_at.timestamp())
    headers = {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign_webhook(body, secret, timestamp),
    }
    return body, headers
