"""A slow answer: ``latency("2s")``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from spmkit_testing._dsl import format_duration
from spmkit_testing.faults._draw import Seconds, per_side
from spmkit_testing.faults._effect import Effect, Side
from spmkit_testing.faults._fault import Fault, make_fault, non_negative_duration, register

__all__ = ["Latency", "latency"]

_BOTH: frozenset[Side] = frozenset({"api", "partner"})


@dataclass(frozen=True, slots=True)
class Latency(Effect):
    """Answer normally, ``wait`` of simulated time later (latencies add up)."""

    wait: timedelta
    verb = "latency"
    sides = _BOTH
    slot = "delay"
    draws = per_side(api={"delay": Seconds(1, 45)}, partner={"delay": Seconds(1, 45)})

    @property
    def delay(self) -> timedelta:
        return self.wait

    def args(self) -> list[str]:
        return [repr(format_duration(self.wait))]


@register(Latency)
def latency(delay: str | timedelta, **match: Any) -> Fault:
    """Answer normally, ``delay`` of simulated time later (``latency("2s")``)."""
    return make_fault(Latency(non_negative_duration(delay, "delay")), match)
