"""The report of ``spmkit check-adapter``: check by check, as ``spmkit verify-fake``'s.

Each check compares *observations*: what the partner did (the simulated partner for
the checks of an adapter alone, the recording or the live API for the others) against
what the adapter declares or its simulated partner answers. A check's verdict and lines
are a :class:`~spmkit_testing.contract.CheckVerdict`, the same as the wire contract's;
the JSON report has the same fields (``format``, ``target``, ``matches``, ``summary``,
``checks``), under ``reports``, one per target.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spmkit_testing.contract import CheckVerdict, Difference

__all__ = ["REPORT_FORMAT", "AdapterReport", "Observation", "render_json", "verdict"]

#: The ``format`` field of the JSON report; it changes when the shape of the report does.
REPORT_FORMAT = "spmkit-adapter-report/1"


def shown(value: Any) -> str:
    """A value as a report line shows it."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True)
class Observation:
    """One compared fact: ``partner`` is what the partner did, ``adapter`` what the
    adapter says; ``detail`` the report's line when they differ."""

    fact: str
    partner: Any
    adapter: Any
    kind: str = "value"
    detail: str | None = None

    @property
    def same(self) -> bool:
        return bool(self.partner == self.adapter)

    def line(self) -> str:
        return self.detail or (f"{self.fact}: {shown(self.partner)} on the partner, "
                               f"{shown(self.adapter)} in the adapter")


def verdict(name: str, title: str, observations: Sequence[Observation], *,
            note: str | None = None, requests: int = 0) -> CheckVerdict:
    """The verdict of one check: ``drift`` when an observation differs, ``ok`` when all
    agree, ``not_observed`` when there was nothing to compare."""
    differences = tuple(Difference(o.fact, o.kind, o.partner, o.adapter,  # type: ignore[arg-type]
                                   True, o.line())
                        for o in observations if not o.same)
    facts = tuple({"fact": o.fact, "kind": o.kind, "target": o.partner, "fake": o.adapter,
                   "reached": True, "same": o.same} for o in observations)
    state = "drift" if differences else "ok" if observations else "not_observed"
    return CheckVerdict(name, title, state, differences, facts,  # type: ignore[arg-type]
                        note if note or observations else "nothing to compare", requests)


@dataclass(frozen=True)
class AdapterReport:
    """What ``check-adapter`` found against one target: the adapter alone, a recording,
    or the live partner API."""

    adapter: str
    target: str
    checks: tuple[CheckVerdict, ...]
    requests: int = 0
    max_requests: int | None = None

    @property
    def matches(self) -> bool:
        """Whether the adapter is true to the target (nothing drifted or failed)."""
        return all(c.verdict in ("ok", "not_observed") for c in self.checks)

    def count(self, state: str) -> int:
        return sum(1 for c in self.checks if c.verdict == state)

    def failed_checks(self) -> list[CheckVerdict]:
        return [c for c in self.checks if c.verdict not in ("ok", "not_observed")]

    def to_text(self) -> str:
        """The report as text: a header, one block per check, the verdict."""
        bound = (f" ({self.requests} requests of at most {self.max_requests})"
                 if self.max_requests is not None else "")
        lines = [f"spmkit check-adapter: {self.adapter} against {self.target}{bound}", ""]
        for check in self.checks:
            lines += check.lines()
        total, ok = len(self.checks), self.count("ok")
        if self.matches:
            unseen = self.count("not_observed")
            also = f", {unseen} not observed" if unseen else ""
            end = f"verdict: the adapter is true to {self.target} ({ok} of {total} checks ok{also})"
        else:
            parts = [f"{self.count(v)} {w}" for v, w in (("drift", "drifted"),
                                                        ("error", "could not run"))
                     if self.count(v)]
            end = (f"verdict: the adapter is NOT true to {self.target}: {', '.join(parts)} of "
                   f"{total} checks ({ok} ok); an adapter error, not a loss of the integration")
        return "\n".join([*lines, "", end])

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON data (the wire contract report's fields)."""
        states = ("ok", "drift", "not_observed", "error", "not_run")
        return {"format": REPORT_FORMAT, "adapter": self.adapter, "target": self.target,
                "matches": self.matches, "summary": {s: self.count(s) for s in states},
                "requests": self.requests, "checks": [c.as_dict() for c in self.checks]}


def render_json(reports: Sequence[AdapterReport]) -> str:
    """Several reports as one JSON document: ``matches`` and the ``reports``."""
    return json.dumps({"format": REPORT_FORMAT, "matches": all(r.matches for r in reports),
                       "reports": [r.as_dict() for r in reports]}, indent=2,
                      ensure_ascii=False)
