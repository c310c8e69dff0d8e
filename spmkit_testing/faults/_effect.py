"""``Effect``: what a fault does, declared once, and the registry of every kind of effect.

An effect is a small frozen dataclass that knows everything about its kind:

* ``verb`` — its DSL name (the constructor that builds it, such as ``status(...)``);
* ``sides`` — where it can apply: the fake ShopiMind API (``"api"``), the partner
  (``"partner"``), or both;
* ``slot`` — the part of a request's fate it decides: ``"answer"`` (it answers instead
  of the server, through the side's :class:`~spmkit_testing.faults.Responder`),
  ``"delay"`` (simulated latency, added up), ``"items"`` (refuses some items of a bulk
  write) or ``"page"`` (reshapes the page a partner read serves);
* ``needs`` — what an integration's adapter must offer for the effect to mean anything
  (``"pages"``: partner reads that can be reshaped);
* ``draws`` and ``weight`` — the arguments the property check draws for it on each
  side, and how often (see :mod:`spmkit_testing.faults._draw`);
* how it behaves: :meth:`Effect.respond`, :attr:`Effect.delay`, :meth:`Effect.rejects`,
  :meth:`Effect.cap`, :meth:`Effect.shape`, and :meth:`Effect.applies` for the
  requests it does not apply to.

:func:`register` files the class and its constructor under the verb, at import time;
the fake, the partner, the scenario DSL, the strategies and the coverage table all read
:data:`EFFECTS`. A new kind of fault is one module with its class and constructor (and
its import in ``faults/__init__.py``); ``docs/extending.md`` shows one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar, Literal, TypeVar

from spmkit_testing.faults._answer import Responder
from spmkit_testing.faults._draw import Draw
from spmkit_testing.faults._page import Page, PageRead
from spmkit_testing.faults._request import ApiRequest, PartnerRequest

__all__ = ["Effect", "ItemTest", "Side", "Slot"]

Side = Literal["api", "partner"]
Slot = Literal["answer", "delay", "items", "page"]
ItemTest = Callable[[Mapping[str, Any]], bool]
R = TypeVar("R")
_ZERO = timedelta(0)


class Effect:
    """The base of every effect (see the module docstring). Subclasses are frozen
    dataclasses that set the class attributes and override the hooks of their slot."""

    __slots__ = ()
    verb: ClassVar[str]
    sides: ClassVar[frozenset[Side]]
    slot: ClassVar[Slot]
    needs: ClassVar[frozenset[str]] = frozenset()
    #: Whether it applies to the listing of a per-source stream's sources.
    on_listings: ClassVar[bool] = True
    draws: ClassVar[Mapping[Side, Mapping[str, Draw]]] = {}
    weight: ClassVar[Mapping[Side, int]] = {}

    def args(self) -> list[str]:
        """Its constructor's arguments as DSL text (a fault's ``repr`` is the call)."""
        return []

    def applies(self, request: ApiRequest | PartnerRequest) -> bool:
        """Whether it applies to this request at all (a fault that does not apply does
        not count it as a matching call)."""
        return True

    def acting(self, memo: dict[str, Any], now: datetime) -> Effect | None:
        """The effect that acts on this matching request (itself), or ``None`` when it
        lets the request through this time; ``memo`` is the active fault's own state
        (a token bucket keeps its tokens there)."""
        return self

    # -- the slots ---------------------------------------------------------------------

    def respond(self, to: Responder[R]) -> R:
        """``slot = "answer"``: answer the request instead of the server."""
        raise NotImplementedError(f"{self.verb}() does not answer requests")

    @property
    def delay(self) -> timedelta:
        """``slot = "delay"``: the simulated time the answer takes longer."""
        return _ZERO

    def rejects(self, natural_key: str | None) -> tuple[ItemTest, str]:
        """``slot = "items"``: which items of a bulk write the API refuses, and why
        (given the natural-key field of the resource written)."""
        raise NotImplementedError(f"{self.verb}() refuses no items")

    def cap(self, limit: int) -> int:
        """``slot = "page"``: how many records the partner serves when asked for ``limit``."""
        return limit

    def shape(self, page: Page, read: PageRead) -> Page:
        """``slot = "page"``: the page the partner serves instead of ``page``."""
        return page
