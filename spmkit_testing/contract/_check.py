"""A contract check: a function that talks to a target and records *facts* about its answers.

A fact is a named observation that does not depend on the target's data: a status,
the shape of a body (field names and JSON types), a limit, or a value the check
controls (the keys it sent back in ``rejected_items``). Running the same check on
the target and on the fake, and comparing the facts name by name, is the whole
drift report.

A check writes only inside the run's namespace (keys from :meth:`CheckContext.key`,
names from :meth:`CheckContext.code`) and notes what it creates before sending it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, NoReturn

from spmkit import BULK_RESOURCES
from spmkit_testing.contract._answer import Answer
from spmkit_testing.contract._errors import BudgetSpent, NoAnswer, NotObserved, Stop
from spmkit_testing.contract._probe import Probe
from spmkit_testing.contract._shape import shape_of

if TYPE_CHECKING:
    from spmkit_testing.fake import FakeShopimind

__all__ = ["Check", "CheckContext", "CheckRun", "Fact", "FactKind", "run_check"]

#: How a fact is compared and shown: a status code, a shape, a limit, a plain value.
FactKind = Literal["status", "shape", "limit", "value"]


@dataclass(frozen=True, slots=True)
class Fact:
    """One observation of a check: ``name`` is unique within the check."""

    name: str
    kind: FactKind
    value: Any


@dataclass(frozen=True, slots=True)
class Check:
    """One check of the contract: ``run(ctx)`` sends requests and records facts.

    ``on_fake(fake)`` prepares an in-process fake for this check (switching its rate
    limit on) and returns the function that undoes it; other targets are not prepared.
    """

    name: str
    title: str
    run: Callable[[CheckContext], None]
    on_fake: Callable[[FakeShopimind], Callable[[], None]] | None = None


@dataclass(frozen=True, slots=True)
class CheckRun:
    """What one check observed on one target.

    ``stopped`` says which answer stopped the check early; ``not_observed`` that the
    target never showed the behaviour; ``error`` that the run could not go on (no
    answer, budget or time limit spent, a crash on an unexpected answer).
    """

    check: str
    facts: tuple[Fact, ...]
    requests: int
    stopped: str | None = None
    not_observed: str | None = None
    error: str | None = None

    def values(self) -> dict[str, Any]:
        """The facts by name."""
        return {fact.name: fact.value for fact in self.facts}


class CheckContext:
    """What a check function gets: requests to the target, the namespace, the facts."""

    def __init__(self, probe: Probe, check: Check) -> None:
        self._probe = probe
        self.check = check
        self.facts: list[Fact] = []

    # -- the namespace -----------------------------------------------------------------

    @property
    def namespace(self) -> str:
        """``spmkit-verify-<run id>``: every key, label and name the run writes starts so."""
        return self._probe.namespace

    def key(self, role: str) -> str:
        """A record key of this check: ``spmkit-verify-<run>-<check>-<role>``."""
        return f"{self.namespace}-{self.check.name}-{role}"

    def role_of(self, key: Any) -> Any:
        """The role of a key made by :meth:`key` (other values are returned as they are)."""
        prefix = f"{self.namespace}-{self.check.name}-"
        return key[len(prefix):] if isinstance(key, str) and key.startswith(prefix) else key

    def code(self, role: str) -> str:
        """An identifier-like name of this check (event code names, definition names)."""
        return f"{self.namespace}_{self.check.name}_{role}".replace("-", "_")

    def run_source(self) -> int:
        """The id of the run's data source (created on first use)."""
        return self._probe.run_source()

    # -- requests ----------------------------------------------------------------------

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        """Send ``method /v1/path`` (see :meth:`Probe.request` for the arguments)."""
        return self._probe.request(method, path, **kwargs)

    def push(self, resource: str, body: Any, *, method: str = "POST",
             id_definition: int | None = None, api_key: str | bool = True) -> Answer:  # fmt: skip
        """A bulk write of ``body`` (a list of items, or whatever a check wants to send);
        the keys of its items are noted for the cleanup first."""
        spec = BULK_RESOURCES[resource]
        if id_definition is None:
            items = body if isinstance(body, list) else [body]
            keys = [i.get(spec.natural_key) for i in items if isinstance(i, dict)]
            self._probe.created.note_records(resource, [k for k in keys if isinstance(k, str)])
            path = spec.path
        else:
            path = spec.path.format(id_definition=id_definition)
        return self.request(method, path, json=body, api_key=api_key)

    def create(self, kind: Literal["definition", "event", "data source"], body: dict[str, Any],
               name: str) -> tuple[Answer, int | None]:  # fmt: skip
        """Create a custom-data definition, an event or a data source, noted by its id."""
        created = self._probe.created
        path, fields, ledger = {
            "definition": ("custom-data-definitions", ("id_definition", "id"),
                           created.definitions),
            "event": ("events", ("id_event", "id"), created.events),
            "data source": ("data-sources", ("id_data_source", "id"), created.data_sources),
        }[kind]  # fmt: skip
        return self._probe.create(kind, path, body, name, fields, ledger)

    def forget_source(self, id_source: int) -> None:
        """A data source this check deleted itself: the cleanup need not."""
        self._probe.created.data_sources.pop(id_source, None)

    # -- facts -------------------------------------------------------------------------

    def fact(self, name: str, value: Any, kind: FactKind = "value") -> None:
        """Record one fact (``name`` unique within the check)."""
        if any(f.name == name for f in self.facts):
            raise ValueError(f"check {self.check.name}: fact {name!r} recorded twice")
        self.facts.append(Fact(name, kind, value))

    def status(self, label: str, answer: Answer) -> None:
        """Record ``<label>: status``."""
        self.fact(f"{label}: status", answer.status, "status")

    def envelope(self, label: str, answer: Answer) -> None:
        """Record the status, ``<label>: envelope`` (the top-level fields of the body) and
        whether the body's ``statusCode`` repeats the HTTP status."""
        self.status(label, answer)
        self.fact(f"{label}: envelope", shape_of(answer.body, depth=1), "shape")
        code = answer.body.get("statusCode") if isinstance(answer.body, dict) else None
        self.fact(f"{label}: statusCode is the HTTP status", code == answer.status)

    def shape(self, label: str, value: Any, *, depth: int | None = None) -> None:
        """Record the shape of ``value`` (field names and JSON types)."""
        self.fact(label, shape_of(value, depth=depth), "shape")

    def limit(self, label: str, value: Any) -> None:
        """Record a limit (a number, or a text such as ``"more than 100"``)."""
        self.fact(label, value, "limit")

    # -- stopping ----------------------------------------------------------------------

    def require(self, answer: Answer, why: str) -> Answer:
        """Go on only after a 2xx answer; otherwise stop, saying what needed it."""
        if not answer.ok:
            self.stop(f"{answer}; {why}")
        return answer

    def stop(self, reason: str) -> NoReturn:
        """Stop this check: the rest of it cannot be observed on this target."""
        raise Stop(reason)

    def not_observed(self, reason: str) -> NoReturn:
        """Stop: the target did not show the behaviour within the check's bounds."""
        raise NotObserved(reason)


def run_check(probe: Probe, check: Check, *, strict: bool = False) -> CheckRun:
    """Run one check through ``probe``; never raises for what the target answers.

    ``strict`` lets an unexpected exception of the check propagate (the fake's run:
    a crash there is a bug to see with its traceback).
    """
    ctx = CheckContext(probe, check)
    before = probe.requests
    around = probe.target.around_check
    outcome: dict[str, str] = {}
    try:
        with around(check) if around is not None else nullcontext():
            check.run(ctx)
    except NotObserved as exc:
        outcome["not_observed"] = exc.reason
    except (NoAnswer, BudgetSpent) as exc:
        outcome["error"] = exc.reason
    except Stop as exc:
        outcome["stopped"] = exc.reason
    except Exception as exc:  # an answer the check did not expect: report, do not crash
        if strict:
            raise
        detail = "".join(traceback.format_exception_only(exc)).strip()
        outcome["error"] = f"the check failed on an unexpected answer: {detail}"
    return CheckRun(check.name, tuple(ctx.facts), probe.requests - before, **outcome)
