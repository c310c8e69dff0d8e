"""The drift report: per check, what the target answered against what the fake answers.

A check's facts on the target are compared, name by name, with the same check's facts
on a fresh in-process fake. The text report names each difference and nothing else;
the JSON report (:meth:`DriftReport.as_dict`) also carries every fact compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from spmkit_testing.contract._check import Check, CheckRun, FactKind
from spmkit_testing.contract._created import Cleaned
from spmkit_testing.contract._shape import describe_shape_difference

__all__ = ["REPORT_FORMAT", "CheckVerdict", "Difference", "DriftReport", "Verdict", "compare"]

#: The ``format`` field of the JSON report; it changes when the shape of the report does.
REPORT_FORMAT = "spmkit-contract-report/1"

#: ``ok``: every fact as in the fake; ``drift``: some differ (or the target stopped the
#: check early); ``not_observed``: the target never showed the behaviour; ``error``: the
#: check could not run to its end (no answer, budget spent); ``not_run``.
Verdict = Literal["ok", "drift", "not_observed", "error", "not_run"]
_SHOWN: dict[str, str] = {"ok": "ok", "drift": "DRIFT", "not_observed": "not observed",
                          "error": "ERROR", "not_run": "not run"}  # fmt: skip


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Difference:
    """One fact that differs: ``reached`` is false when the target never got that far."""

    fact: str
    kind: FactKind
    target: Any
    fake: Any
    reached: bool
    detail: str


def _difference(name: str, kind: FactKind, target: Any, fake: Any) -> Difference:
    if kind == "shape":
        detail = f"{name}: {describe_shape_difference(target, fake)}"
    else:
        detail = f"{name}: {_value(target)} on the target, {_value(fake)} in the fake"
    return Difference(name, kind, target, fake, True, detail)


@dataclass(frozen=True, slots=True)
class CheckVerdict:
    """The outcome of one check: its verdict, differences, note and requests sent."""

    name: str
    title: str
    verdict: Verdict
    differences: tuple[Difference, ...] = ()
    facts: tuple[dict[str, Any], ...] = ()
    note: str | None = None
    requests: int = 0

    def lines(self) -> list[str]:
        """The report's lines for this check: the verdict, then one line per difference."""
        out = [f"{_SHOWN[self.verdict]:<13} {self.name}"]
        reached = [d for d in self.differences if d.reached]
        out += [f"                {d.detail}" for d in reached]
        if self.note is not None:
            out.append(f"                {self.note}")
        return out

    def as_dict(self) -> dict[str, Any]:
        """The check as plain JSON data."""
        return {
            "name": self.name,
            "title": self.title,
            "verdict": self.verdict,
            "requests": self.requests,
            "note": self.note,
            "differences": [
                {"fact": d.fact, "kind": d.kind, "target": d.target, "fake": d.fake,
                 "reached": d.reached, "detail": d.detail}
                for d in self.differences
            ],
            "facts": list(self.facts),
        }  # fmt: skip


def compare(check: Check, target: CheckRun, fake: CheckRun) -> CheckVerdict:
    """Compare one check's facts on the target with its facts on the fake."""
    observed = target.values()
    ended_early = target.stopped or target.error or target.not_observed
    differences: list[Difference] = []
    facts: list[dict[str, Any]] = []
    unreached = 0
    for fact in fake.facts:
        reached = fact.name in observed
        value = observed.get(fact.name)
        same = reached and value == fact.value
        facts.append({"fact": fact.name, "kind": fact.kind, "target": value, "fake": fact.value,
                      "reached": reached, "same": same})  # fmt: skip
        if not reached:
            unreached += 1
            differences.append(Difference(fact.name, fact.kind, None, fact.value, False,
                                          f"{fact.name}: not observed on the target"))  # fmt: skip
        elif not same:
            differences.append(_difference(fact.name, fact.kind, value, fact.value))
    known = {fact.name for fact in fake.facts}
    for fact in target.facts:
        if fact.name not in known:
            facts.append({"fact": fact.name, "kind": fact.kind, "target": fact.value,
                          "fake": None, "reached": True, "same": False})  # fmt: skip
            differences.append(Difference(fact.name, fact.kind, fact.value, None, True,
                                          f"{fact.name}: observed on the target only"))  # fmt: skip
    later = f"; {unreached} later fact(s) not observed" if unreached else ""
    verdict: Verdict
    note: str | None
    if target.error:
        verdict, note = "error", f"could not run to its end: {target.error}{later}"
    elif target.not_observed and not [d for d in differences if d.reached]:
        verdict, note = "not_observed", target.not_observed
    elif differences or target.stopped:
        verdict = "drift"
        reason = target.stopped or target.not_observed
        note = f"stopped: {reason}{later}" if ended_early else None
    else:
        verdict, note = "ok", None
    return CheckVerdict(check.name, check.title, verdict, tuple(differences), tuple(facts),
                        note, target.requests)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DriftReport:
    """The drift report of one run against one target.

    ``matches`` is true when no check drifted, failed or was left unrun (a behaviour
    the target never showed, such as a 429, does not count against it).
    """

    target: str
    run_id: str
    namespace: str
    checks: tuple[CheckVerdict, ...]
    cleaned: Cleaned
    requests: int
    max_requests: int
    time_limit: float
    cleanup_requests: int
    cleanup_max_requests: int

    @property
    def matches(self) -> bool:
        """The fake still matches the target."""
        return all(c.verdict in ("ok", "not_observed") for c in self.checks)

    def count(self, verdict: Verdict) -> int:
        """How many checks got ``verdict``."""
        return sum(1 for c in self.checks if c.verdict == verdict)

    def verdict_line(self) -> str:
        """The last line of the text report."""
        total, ok = len(self.checks), self.count("ok")
        if self.matches:
            unseen = self.count("not_observed")
            also = f", {unseen} not observed" if unseen else ""
            return f"verdict: the fake matches the target ({ok} of {total} checks ok{also})"
        words: tuple[tuple[Verdict, str], ...] = (
            ("drift", "drifted"), ("error", "could not run to the end"), ("not_run", "not run"))
        parts = [f"{self.count(v)} {word}" for v, word in words if self.count(v)]
        return (f"verdict: the fake does NOT match the target: {', '.join(parts)} "
                f"of {total} checks ({ok} ok)")  # fmt: skip

    def header_lines(self) -> list[str]:
        """The target, the namespace and the bounds of the run."""
        return [
            f"spmkit wire contract: {self.target} compared with the fake ShopiMind API",
            f"namespace: {self.namespace} (every key, label and name this run writes "
            f"starts with it)",
            f"bounds: {self.requests} requests of at most {self.max_requests} within "
            f"{self.time_limit:g} s; cleanup {self.cleanup_requests} of at most "
            f"{self.cleanup_max_requests}",
        ]

    def cleanup_lines(self) -> list[str]:
        """What the cleanup deleted and what it left (with why)."""
        return ([f"cleanup: deleted {what}" for what in self.cleaned.deleted]
                + [f"cleanup: LEFT {what}" for what in self.cleaned.left])  # fmt: skip

    def to_text(self) -> str:
        """The report as text: a header, one block per check, the cleanup, the verdict."""
        lines = [*self.header_lines(), ""]
        for check in self.checks:
            lines += check.lines()
        return "\n".join([*lines, "", *self.cleanup_lines(), self.verdict_line()])

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON data (see the README for its fields)."""
        verdicts: tuple[Verdict, ...] = ("ok", "drift", "not_observed", "error", "not_run")
        return {
            "format": REPORT_FORMAT,
            "target": self.target,
            "run_id": self.run_id,
            "namespace": self.namespace,
            "matches": self.matches,
            "summary": {v: self.count(v) for v in verdicts},
            "bounds": {
                "requests": self.requests,
                "max_requests": self.max_requests,
                "time_limit_seconds": self.time_limit,
                "cleanup_requests": self.cleanup_requests,
                "cleanup_max_requests": self.cleanup_max_requests,
            },
            "checks": [c.as_dict() for c in self.checks],
            "cleanup": {"deleted": list(self.cleaned.deleted), "left": list(self.cleaned.left)},
        }

    def to_json(self) -> str:
        """:meth:`as_dict` as indented JSON text."""
        return json.dumps(self.as_dict(), indent=2, ensure_ascii=False)
