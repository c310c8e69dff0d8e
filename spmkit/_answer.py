"""What one API call answered, and the :class:`~spmkit.Envelope` it becomes.

:class:`Answer` is one attempt's outcome (an HTTP answer or a network failure);
:func:`error_of` turns a failed one into the :class:`~spmkit.EnvelopeError` of the
SDK (``HTTP_<status>`` or a network code), :func:`retry_signal` tells the retry loop
whether to try again, and :func:`unwrap` peels the API's ``{"statusCode", "data"}``
wrapper. :func:`unwrap_or_raise` is for callers who prefer an exception to checking
``env.ok``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from spmkit._envelope import Envelope, EnvelopeError
from spmkit._errors import InvalidArgument, SpmApiError
from spmkit._json import json_loads
from spmkit._retry import RetrySignal, is_retryable_status

__all__ = ["Answer", "error_of", "parse_body", "retry_signal", "unwrap", "unwrap_or_raise"]

@dataclass(frozen=True, slots=True)
class Answer:
    """One attempt's outcome: an HTTP answer (``status_code > 0``) or a network failure."""

    status_code: int
    body: Any = None
    reason: str = ""
    retry_after: str | None = None
    location: str | None = None
    network_code: str | None = None
    network_message: str = ""
    network_retryable: bool = False

    @property
    def ok(self) -> bool:
        return 200 <= self.status_code < 300



def parse_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return json_loads(response.content)
    except ValueError:
        return response.text


def unwrap(body: Any) -> Any:
    """Peel the API's ``{"statusCode", "data"}`` wrapper; other bodies pass through."""
    if isinstance(body, Mapping) and "statusCode" in body and "data" in body:
        return body["data"]
    return body


def _api_message(body: Any) -> str:
    if isinstance(body, Mapping):
        raw = body.get("message") or body.get("error")
        if isinstance(raw, str):
            return raw
        if isinstance(raw, list):
            return "; ".join(str(m) for m in raw)
    return ""


def error_of(answer: Answer, attempts: int) -> EnvelopeError:
    if answer.network_code is not None:
        return EnvelopeError(
            message=answer.network_message,
            code=answer.network_code,
            retryable=answer.network_retryable,
            attempts=attempts,
        )
    status = answer.status_code
    detail = _api_message(answer.body) or answer.reason or "no message"
    message = f"HTTP {status}: {detail}"
    if 300 <= status < 400:
        message += (
            f" (redirect to {answer.location or 'an unknown location'} not followed: the "
            f"spm-api-key must not be relayed; point base_url at the final address)"
        )
    return EnvelopeError(
        message=message,
        code=f"HTTP_{status}",
        retryable=is_retryable_status(status),
        attempts=attempts,
        details=answer.body,
    )


def retry_signal(answer: Answer) -> RetrySignal | None:
    if answer.network_code is not None:
        return RetrySignal() if answer.network_retryable else None
    if is_retryable_status(answer.status_code):
        return RetrySignal(retry_after=answer.retry_after)
    return None



def unwrap_or_raise(envelope: Envelope) -> Any:
    """Return ``envelope.data``, or raise :class:`~spmkit.SpmApiError` if the call failed.

    For example::

        sources = unwrap_or_raise(await client.data_sources.list())
    """
    if not isinstance(envelope, Envelope):
        raise InvalidArgument(
            f"Expected an Envelope but got envelope={envelope!r:.80} "
            f"(type={type(envelope).__name__}); pass what an SpmClient call returned."
        )
    if envelope.ok:
        return unwrap(envelope.data)
    error = envelope.error
    code = error.code if error is not None else f"HTTP_{envelope.status_code}"
    message = error.message if error is not None else "no message"
    attempts = error.attempts if error is not None else 1
    raise SpmApiError(
        f"ShopiMind API call failed ({code}, {attempts} attempt(s)): {message}",
        status_code=envelope.status_code or None,
        code=code,
    )
