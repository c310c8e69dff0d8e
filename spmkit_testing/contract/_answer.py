"""One HTTP exchange as the contract checks see it, and who can send one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Answer", "Requester"]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a target answered to ``method /v1/path``.

    ``body`` is the parsed JSON, or the text when the body is not JSON (``is_json``
    false), or ``None`` when it is empty. ``headers`` has lower-case names.
    """

    method: str
    path: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    is_json: bool = True

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return 200 <= self.status < 300

    @property
    def data(self) -> Any:
        """The ``data`` of a ``{"statusCode", "data"}`` envelope (``None`` without one)."""
        return self.body.get("data") if isinstance(self.body, dict) else None

    @property
    def message(self) -> str:
        """The error message of the answer (``""`` when none)."""
        raw: Any = self.body.get("message") if isinstance(self.body, dict) else self.body
        if isinstance(raw, list):
            raw = "; ".join(str(m) for m in raw)
        return raw if isinstance(raw, str) else ""

    def __str__(self) -> str:
        """``METHOD /v1/path answered STATUS: <the first sentence of the message>``."""
        text = self.message.strip()
        end = text.find(". ")
        text = text[: end + 1] if end >= 0 else text
        text = text if len(text) <= 160 else text[:157] + "..."
        shown = f": {text}" if text else ""
        return f"{self.method} /v1/{self.path} answered {self.status}{shown}"


class Requester(Protocol):
    """What a cleanup function gets to talk to the target: bounded, authenticated calls."""

    def request(self, method: str, path: str, *, json: Any = None) -> Answer:
        """Send ``method /v1/path`` with the target's key; a network failure raises."""
        ...
