"""HTTP error answers: ``status(...)`` and ``rate_limited(...)``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar

from spmkit_testing._dsl import InvalidScenario, check_str, format_duration
from spmkit_testing.faults._answer import BODY_KINDS, BodyKind, Responder
from spmkit_testing.faults._draw import Sample, Seconds, per_side
from spmkit_testing.faults._effect import Effect, Side
from spmkit_testing.faults._fault import Fault, make_fault, non_negative_duration, register

__all__ = ["RateLimited", "Status", "rate_limited", "status"]

R = TypeVar("R")
_BOTH: frozenset[Side] = frozenset({"api", "partner"})
_HTTP_STATUS = range(100, 600)
_DEFAULT_RETRY_AFTER = "30s"


@dataclass(frozen=True, slots=True)
class Status(Effect):
    """Answer ``status`` instead of handling the request (a JSON error body unless
    ``body`` says ``"empty"``, ``"html"`` or ``"text"``), with ``Retry-After`` when given."""

    status: int
    body: BodyKind = "json"
    retry_after: timedelta | None = None
    message: str | None = None
    verb = "status"
    sides = _BOTH
    slot = "answer"
    draws = per_side(
        api={"code": Sample((503, 500, 502, 504, 408, 400)),
                "body": Sample(("json", "html", "empty"))},
        partner={"code": Sample((503, 500, 502, 429, 404)),
                    "body": Sample(("json", "html", "text"))},
    )
    # A failed bulk write and a failed read are where the rule breaks: drawn twice as often.
    weight = per_side(api=2, partner=2)

    def respond(self, to: Responder[R]) -> R:
        return to.error(self.status, self.body, self.retry_after, self.message)

    def args(self) -> list[str]:
        out = [str(self.status)]
        if self.body != "json":
            out.append(f"body={self.body!r}")
        if self.retry_after is not None:
            out.append(f"retry_after={format_duration(self.retry_after)!r}")
        if self.message is not None:
            out.append(f"message={self.message!r}")
        return out


@dataclass(frozen=True, slots=True)
class RateLimited(Effect):
    """Answer 429 with ``Retry-After`` (whole seconds, rounded up)."""

    retry_after: timedelta
    body: BodyKind = "json"
    verb = "rate_limited"
    sides = _BOTH
    slot = "answer"
    draws = per_side(api={"retry_after": Seconds(1, 90)},
                            partner={"retry_after": Seconds(1, 90)})

    def respond(self, to: Responder[R]) -> R:
        return to.error(429, self.body, self.retry_after, None)

    def args(self) -> list[str]:
        out = [repr(format_duration(self.retry_after))]
        if self.body != "json":
            out.append(f"body={self.body!r}")
        return out


@register(Status)
def status(code: int = 503, *, body: str = "json", retry_after: str | timedelta | None = None,
           message: str | None = None, **match: Any) -> Fault:
    """Answer HTTP ``code`` (any 4xx or 5xx; 429 is usually :func:`rate_limited`).

    ``body`` is ``"json"`` (an error object), ``"empty"``, ``"html"`` (a proxy's page) or
    ``"text"``. For a whole bulk batch refused with a 4xx use :func:`refused_chunk`.
    """
    if isinstance(code, bool) or not isinstance(code, int) or code not in _HTTP_STATUS:
        raise InvalidScenario(f"status(code={code!r}) must be an HTTP status such as 503.")
    if code < 400:
        raise InvalidScenario(
            f"status({code}) is not a failure; a fault answers 4xx or 5xx (to slow an answer "
            f"down use latency('2s'))."
        )
    check_str(body, "body", choices=BODY_KINDS)
    after = None if retry_after is None else non_negative_duration(retry_after, "retry_after")
    return make_fault(Status(code, body, after, message), match)  # type: ignore[arg-type]


@register(RateLimited)
def rate_limited(retry_after: str | timedelta = _DEFAULT_RETRY_AFTER, *, body: str = "json",
                 **match: Any) -> Fault:
    """Answer 429 with ``Retry-After`` (default 30 s); ``body`` as for :func:`status`."""
    check_str(body, "body", choices=BODY_KINDS)
    return make_fault(RateLimited(non_negative_duration(retry_after, "retry_after"),
                       body), match)  # type: ignore[arg-type]
