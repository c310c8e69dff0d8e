"""What a contract run created on its target, and the default cleanup that deletes it.

Every write of the suite is in the run's namespace (``spmkit-verify-<run id>``): the
keys of the records it pushes, the labels of its data sources, the names of its
custom-data definitions and the code names of its events all carry it. The run
notes each of them in a :class:`Created` *before* sending the request, so a request
that timed out is still cleaned up; :func:`delete_created` then deletes exactly
those, through the API's delete routes, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from spmkit_testing.contract._answer import Requester
from spmkit_testing.contract._errors import BudgetSpent, Stop

__all__ = ["BULK_DELETE_ROUTES", "Cleaned", "Cleanup", "Created", "delete_created"]

#: How the API deletes pushed records: ``resource -> (path, body field)``; at most 50
#: keys per request (the SDK's ``bulkDelete`` routes).
BULK_DELETE_ROUTES: dict[str, tuple[str, str]] = {
    "customers": ("customers/bulk-delete", "customer_ids"),
    "customers-groups": ("customers-groups/bulk-delete", "group_ids"),
}
_DELETE_CHUNK = 50


@dataclass(slots=True)
class Created:
    """The ledger of one run: everything it may have created, by id or key.

    ``records`` are pushed keys by resource (custom-data records go with their
    definition); ``unknown`` lists things a 2xx answer created without saying their id.
    """

    namespace: str
    data_sources: dict[int, str] = field(default_factory=dict)
    records: dict[str, list[str]] = field(default_factory=dict)
    definitions: dict[int, str] = field(default_factory=dict)
    events: dict[int, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)

    def note_records(self, resource: str, keys: list[str]) -> None:
        """Remember pushed keys (once each, in order)."""
        known = self.records.setdefault(resource, [])
        for key in keys:
            if key not in known:
                known.append(key)

    def is_empty(self) -> bool:
        """Nothing was created."""
        return not (
            self.data_sources or self.records or self.definitions or self.events or self.unknown
        )


@dataclass(frozen=True, slots=True)
class Cleaned:
    """What a cleanup deleted and what it had to leave (each with the reason)."""

    deleted: tuple[str, ...] = ()
    left: tuple[str, ...] = ()


class Cleanup(Protocol):
    """What :class:`~spmkit_testing.contract.ApiTarget` calls after a run: delete what
    ``created`` lists through ``http`` (bounded), and say what was deleted and left."""

    def __call__(self, created: Created, http: Requester, /) -> Cleaned: ...


_Call = tuple[list[str], str, str, Any]


def delete_created(created: Created, http: Requester) -> Cleaned:
    """Delete what the run created, dependants first, through the API's delete routes.

    Pushed records go through ``POST /v1/<resource>/bulk-delete`` (50 keys a request),
    custom-data definitions (with their records) and events through ``DELETE`` of
    their id, data sources last (children before their parent). An answer other than
    a 2xx leaves the thing in place and says why; after a 404 or 405 (no such route)
    the rest of that kind is not tried. Nothing outside ``created`` is touched.
    """
    ns = created.namespace
    code = ns.replace("-", "_")
    deleted: list[str] = []
    left: list[str] = [f"{what}: delete it by hand" for what in created.unknown]
    spent: list[str] = []

    def run(kind: str, pattern: str, calls: list[_Call], *, counted: bool = False) -> None:
        def describe(names: list[str]) -> str:
            return f"{kind}: {len(names) if counted else ', '.join(names)} ({pattern})"

        done: list[str] = []
        failed: list[str] = []
        reason: str | None = None
        skip = False
        for names, method, path, body in calls:
            if spent or skip:
                failed += names
                continue
            try:
                answer = http.request(method, path, json=body)
            except Stop as exc:
                if isinstance(exc, BudgetSpent):
                    spent.append(exc.reason)
                failed += names
                reason = reason or exc.reason
                continue
            if answer.ok:
                done += names
            else:
                failed += names
                reason = reason or str(answer)
                skip = answer.status in (404, 405)  # no such route: the rest would fail alike
        if done:
            deleted.append(describe(done))
        if failed:
            left.append(f"{describe(failed)}: {reason or spent[0]}")

    for resource, keys in created.records.items():
        route = BULK_DELETE_ROUTES.get(resource)
        if route is None:
            left.append(f"{resource}: {len(keys)} (keys {ns}-*): the suite knows no delete route")
            continue
        path, field_name = route
        chunks = [keys[i : i + _DELETE_CHUNK] for i in range(0, len(keys), _DELETE_CHUNK)]
        run(resource, f"keys {ns}-*", [(part, "POST", path, {field_name: part})
                                        for part in chunks], counted=True)  # fmt: skip
    run("custom-data definitions", f"{code}_*, with their records",
        [([str(i)], "DELETE", f"custom-data-definitions/{i}", None) for i in created.definitions])
    run("events", f"{code}_*", [([str(i)], "DELETE", f"events/{i}", None) for i in created.events])
    run("data sources", f"{ns}*", [([str(i)], "DELETE", f"data-sources/{i}", None)
                                   for i in reversed(created.data_sources)])  # fmt: skip
    return Cleaned(tuple(deleted), tuple(left))
