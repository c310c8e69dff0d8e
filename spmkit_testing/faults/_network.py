"""No answer at all: ``connect_error()``, ``connection_reset()``, ``read_timeout()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from spmkit_testing.faults._answer import NetworkFailure, Responder
from spmkit_testing.faults._draw import per_side
from spmkit_testing.faults._effect import Effect, Side
from spmkit_testing.faults._fault import Fault, make_fault, register

__all__ = ["ConnectError", "ConnectionReset", "ReadTimeout", "connect_error",
           "connection_reset", "read_timeout"]

R = TypeVar("R")
_BOTH: frozenset[Side] = frozenset({"api", "partner"})


class _NoAnswer(Effect):
    __slots__ = ()
    failure: ClassVar[NetworkFailure]
    sides = _BOTH
    slot = "answer"
    draws = per_side(api={}, partner={})

    def respond(self, to: Responder[R]) -> R:
        return to.no_answer(self.failure, self.verb)


@dataclass(frozen=True, slots=True)
class ConnectError(_NoAnswer):
    """No connection: the client sees ``httpx.ConnectError`` (nothing reached the server)."""

    verb = "connect_error"
    failure = "connect"


@dataclass(frozen=True, slots=True)
class ConnectionReset(_NoAnswer):
    """The connection drops mid-answer: ``httpx.ReadError`` (nothing is stored)."""

    verb = "connection_reset"
    failure = "reset"


@dataclass(frozen=True, slots=True)
class ReadTimeout(_NoAnswer):
    """No answer in time: ``httpx.ReadTimeout`` (nothing is stored)."""

    verb = "read_timeout"
    failure = "timeout"


@register(ConnectError)
def connect_error(**match: Any) -> Fault:
    """No connection at all (``httpx.ConnectError``)."""
    return make_fault(ConnectError(), match)


@register(ConnectionReset)
def connection_reset(**match: Any) -> Fault:
    """The connection drops before the answer (``httpx.ReadError``); nothing is handled."""
    return make_fault(ConnectionReset(), match)


@register(ReadTimeout)
def read_timeout(**match: Any) -> Fault:
    """No answer in time (``httpx.ReadTimeout``); nothing is handled."""
    return make_fault(ReadTimeout(), match)
