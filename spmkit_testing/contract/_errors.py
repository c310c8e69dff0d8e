"""The errors of the contract suite.

The tree::

    SpmkitError
    ├── TargetError (also ValueError)   the target is unusable: a bad URL, no key,
    │                                   unreachable, or it refuses the key (exit 2)
    └── ContractBug                     the fake itself does not pass a check
    Stop                                a check cannot go on against this target
    ├── NoAnswer                        a request got no HTTP answer
    ├── BudgetSpent                     the run's request budget or time limit is spent
    └── NotObserved                     the target never showed the behaviour (no 429)
"""

from __future__ import annotations

from spmkit import InvalidArgument, SpmkitError

__all__ = ["BudgetSpent", "ContractBug", "NoAnswer", "NotObserved", "Stop", "TargetError"]


class TargetError(InvalidArgument):
    """The target cannot be checked: the message says what is wrong and what to do."""


class ContractBug(SpmkitError):
    """The in-process fake did not pass a check: a bug in the fake or in the suite."""


class Stop(Exception):
    """A check stops early on this target; ``reason`` says which answer stopped it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NoAnswer(Stop):
    """A request got no HTTP answer (connection refused, reset, timeout)."""


class BudgetSpent(Stop):
    """The run's request budget or time limit is spent: no further request is sent."""


class NotObserved(Stop):
    """The target did not show the behaviour the check looks for, within its bounds."""
