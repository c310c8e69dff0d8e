"""The oracle of the golden cursor rule: every tick checked against ground truth.

Ground truth is the partner's records (every version, with when it became readable),
what the fake ShopiMind API holds, and the store. One invariant per rule of the golden
cursor rule, each declared once in :data:`INVARIANTS` (``I1`` ... ``I10``; see
:mod:`spmkit_testing.oracle._invariant` for how to add one). A violation is a
:class:`Violation` (an ``AssertionError``) naming the invariant, the tick, the
step-source and the record, with both sides of its comparison.
"""

from __future__ import annotations

from spmkit_testing.oracle._delivery import Undelivered
from spmkit_testing.oracle._facts import Memory, Run, SettleFacts, TickFacts
from spmkit_testing.oracle._ground import Binding, Ground
from spmkit_testing.oracle._invariant import (
    INVARIANTS,
    Check,
    Invariant,
    invariant,
    invariants_table,
)
from spmkit_testing.oracle._oracle import Oracle
from spmkit_testing.oracle._rules import DEAD_LETTER_CAP, backoff_window, rejects_tolerated
from spmkit_testing.oracle._settle import Lag
from spmkit_testing.oracle._violation import Violation

__all__ = [
    "backoff_window",
    "Binding",
    "Check",
    "DEAD_LETTER_CAP",
    "Ground",
    "Invariant",
    "invariant",
    "INVARIANTS",
    "invariants_table",
    "Lag",
    "Memory",
    "Oracle",
    "rejects_tolerated",
    "Run",
    "SettleFacts",
    "TickFacts",
    "Undelivered",
    "Violation",
]
