"""The wire-level errors of the fake ShopiMind API, one class per status it answers.

The tree::

    FakeApiError (status, message)
    ├── BadRequest            400  malformed JSON, wrong body type, invalid DTO
    ├── Unauthorized          401  missing or wrong ``spm-api-key``
    ├── NotFound              404  unknown path or unknown id
    ├── MethodNotAllowed      405  known path, wrong method
    ├── Conflict              409  duplicate event code / definition name, already active
    ├── PayloadTooLarge       413  a batch above the resource's chunk size, or a huge body
    ├── UnprocessableEntity   422  a whole batch refused (fault rule or inactive definition)
    ├── TooManyRequests       429  rate limit or fault; carries ``retry_after``
    └── InjectedStatus        any  what a ``status(...)`` fault answers (with ``Retry-After``)

The state layer raises them; the wire layer turns them into
``{"statusCode": <status>, "message": ..., "error": <reason>}`` bodies, as the real
(NestJS) API does.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, ClassVar

__all__ = [
    "BadRequest",
    "Conflict",
    "FakeApiError",
    "InjectedStatus",
    "MethodNotAllowed",
    "NotFound",
    "PayloadTooLarge",
    "TooManyRequests",
    "Unauthorized",
    "UnprocessableEntity",
    "error_for_status",
]


class FakeApiError(Exception):
    """An error answer of the fake API: an HTTP ``status`` and a readable ``message``."""

    status: ClassVar[int] = 400
    reason: ClassVar[str] = "Bad Request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        """The JSON body the wire sends for this error."""
        return {"statusCode": self.status, "message": self.message, "error": self.reason}

    def headers(self) -> dict[str, str]:
        """Extra response headers (``Retry-After`` for a 429)."""
        return {}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class BadRequest(FakeApiError):
    status = 400
    reason = "Bad Request"


class Unauthorized(FakeApiError):
    status = 401
    reason = "Unauthorized"


class NotFound(FakeApiError):
    status = 404
    reason = "Not Found"


class MethodNotAllowed(FakeApiError):
    status = 405
    reason = "Method Not Allowed"



class Conflict(FakeApiError):
    status = 409
    reason = "Conflict"


class PayloadTooLarge(FakeApiError):
    status = 413
    reason = "Payload Too Large"


class UnprocessableEntity(FakeApiError):
    status = 422
    reason = "Unprocessable Entity"


class TooManyRequests(FakeApiError):
    """A 429; ``retry_after`` (whole seconds) goes into the ``Retry-After`` header."""

    status = 429
    reason = "Too Many Requests"

    def __init__(self, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}





class InjectedStatus(FakeApiError):
    """The answer of a ``status(code)`` fault: any 4xx/5xx, ``Retry-After`` when given."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status  # type: ignore[misc]
        self.retry_after = retry_after
        try:
            self.reason = HTTPStatus(status).phrase  # type: ignore[misc]
        except ValueError:
            self.reason = "Error"  # type: ignore[misc]

    def headers(self) -> dict[str, str]:
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


_BY_STATUS: dict[int, type[FakeApiError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnprocessableEntity,
        TooManyRequests,
    )
}


def error_for_status(status: int, message: str, retry_after: int | None = None) -> FakeApiError:
    """Build the error class for ``status``; an unlisted status raises ``ValueError``."""
    if status == 429:
        return TooManyRequests(message, retry_after)
    try:
        return _BY_STATUS[status](message)
    except KeyError:
        known = ", ".join(str(s) for s in sorted(_BY_STATUS))
        raise ValueError(
            f"The fake API has no error for status {status}; use one of: {known}."
        ) from None
