"""Recorded (or probed) traffic of the real partner, replayed against the adapter's
simulated partner, compared check by check.

The simulated partner holds what the recording shows (:mod:`._seed`); each recorded
request is sent to it again (same path and query, the adapter's credential, a recorded
page token swapped for the token the simulated partner gave at the same place) and the
answers are compared:

* ``routes`` — every recorded request has a route in the adapter;
* ``status`` — the same status;
* ``page_shape`` — page bodies of the same shape: the envelope and pagination keys both
  ways, and every field the adapter serves in an item (fields the adapter does not model
  are not its concern);
* ``error_shape`` — error bodies of the same shape, status by status;
* ``ordering`` — the recorded pages are ordered by ``updated_at``, as the adapter's are;
* ``since_bound`` / ``until_bound`` — a record stamped on the bound is served (or not)
  by both;
* ``page_cap`` — a page shorter than asked, with more to follow, on both or neither;
* ``precision`` — the recorded stamps are no finer than the declared precision;
* ``records`` — otherwise, the same records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

import httpx

from spmkit import InvalidArgument
from spmkit_testing.adapter import Adapter
from spmkit_testing.contract import Shape, describe_shape_difference, shape_of
from spmkit_testing.fidelity._recording import load_recording
from spmkit_testing.fidelity._report import AdapterReport, Observation, verdict
from spmkit_testing.fidelity._seed import Matched, match, seeded_partner
from spmkit_testing.fidelity._wire import (
    Exchange,
    credential,
    items_of,
    next_query,
    parse_stamp,
    token_of,
)
from spmkit_testing.partner import PRECISIONS, Partner, RecordsRoute, RestApi, truncate

__all__ = ["CHECKS", "check_recording", "compare_exchanges", "rest_api_of"]

#: The checks of a recording, in report order, with what each checks.
CHECKS = {
    "routes": "every recorded request has a route in the adapter",
    "status": "each replayed request gets the recorded status",
    "page_shape": "page bodies have the recorded envelope, pagination keys and item fields",
    "error_shape": "error bodies have the recorded shape",
    "ordering": "pages are ordered by updated_at, as the adapter's are",
    "since_bound": "a record stamped on since is served as recorded (inclusive or not)",
    "until_bound": "a record stamped on until is served as recorded (inclusive or not)",
    "page_cap": "a page shorter than asked with more to follow: on both or neither",
    "precision": "recorded stamps are no finer than the declared precision",
    "records": "otherwise, the same records are served",
}


def rest_api_of(adapter: Adapter) -> RestApi:
    """The adapter's route table (an SDK adapter has none to compare traffic with)."""
    if not isinstance(adapter.partner_api, RestApi):
        raise InvalidArgument(
            "the adapter serves its partner through an SDK fake (partner_api is a function), "
            "so it has no route table to compare HTTP traffic with; --cassette and --live "
            "check REST adapters (rest.api(...)). Check the SDK fake with scenario runs, "
            "where an exception it raises is reported as an adapter error.")
    return adapter.partner_api


def check_recording(adapter: Adapter, path: str | Path, *, name: str = "the adapter"
                    ) -> AdapterReport:
    """Replay a cassette, a HAR file or a folder of them against ``adapter``."""
    rest_api = rest_api_of(adapter)
    exchanges = load_recording(path)
    return compare_exchanges(adapter, exchanges, f"the recording {path}", name=name,
                             rest_api=rest_api)


class _Bucket:
    """The observations of every check, and the shapes to compare at the end."""

    def __init__(self) -> None:
        self.seen: dict[str, list[Observation]] = defaultdict(list)
        self.shapes: dict[tuple[str, str], list[tuple[Any, Any]]] = defaultdict(list)
        self.skipped = 0

    def add(self, check: str, observation: Observation) -> None:
        self.seen[check].append(observation)

    def once(self, check: str, observation: Observation) -> None:
        """Keep the first observation of a fact (the same fact seen on every page)."""
        if all(o.fact != observation.fact for o in self.seen[check]):
            self.seen[check].append(observation)


def _merged(bodies: list[Any]) -> Shape:
    out: dict[str, set[str]] = defaultdict(set)
    for body in bodies:
        for path, types in shape_of(body).items():
            out[path].update(types.split("|"))
    return {path: "|".join(sorted(types)) for path, types in sorted(out.items())}


def _nullable(partner: Shape, adapter: Shape) -> tuple[Shape, Shape]:
    """The shapes with ``null`` compatible with any type at a path both have: whether a
    field is null on a page (the last page's next token) depends on the data."""
    partner, adapter = dict(partner), dict(adapter)
    for path in set(partner) & set(adapter):
        mine = set(partner[path].split("|")) - {"null"}
        theirs = set(adapter[path].split("|")) - {"null"}
        if not mine or not theirs or mine == theirs:
            partner[path] = adapter[path]
    return partner, adapter


def _shape_line(fact: str, partner: Shape, adapter: Shape) -> str:
    return f"{fact}: " + describe_shape_difference(partner, adapter, on_target="on the partner",
                                                   in_fake="in the adapter")


def compare_exchanges(adapter: Adapter, exchanges: list[Exchange], target: str, *,
                      name: str = "the adapter", rest_api: RestApi | None = None,
                      requests: int = 0, max_requests: int | None = None) -> AdapterReport:
    """Compare ``exchanges`` of the real partner with the adapter's answers to the same
    requests (see the module docstring)."""
    rest_api = rest_api or rest_api_of(adapter)
    matched = match(adapter, rest_api, exchanges)
    partner = seeded_partner(adapter, rest_api, matched)
    bucket, tokens = _Bucket(), dict[str, str]()
    with httpx.Client(transport=rest_api.transport(partner)) as http:
        for one in matched:
            if one.route is None:
                bucket.add("routes", Observation(
                    one.label, "recorded", "served", detail=f"{one.exchange}: recorded, but no "
                    f"route of the adapter serves it"))
                continue
            bucket.once("routes", Observation(one.label, "served", "served"))
            replayed = _replay(http, rest_api, one, tokens)
            if replayed is None:
                bucket.skipped += 1
                continue
            _compare(bucket, rest_api, adapter, partner, one, replayed, tokens)
    checks = []
    for check, title in CHECKS.items():
        seen = bucket.seen.get(check, [])
        if check in ("page_shape", "error_shape"):
            seen = _shapes(bucket, check, rest_api)
        note = None
        if check == "records" and bucket.skipped:
            note = (f"{bucket.skipped} request(s) not replayed: they continue a page that "
                    f"differed")
        checks.append(verdict(check, title, seen, note=note))
    return AdapterReport(name, target, tuple(checks), requests, max_requests)


def _replay(http: httpx.Client, rest_api: RestApi, one: Matched,
            tokens: dict[str, str]) -> Exchange | None:
    exchange, route = one.exchange, one.route
    query = dict(exchange.url.params)
    if isinstance(route, RecordsRoute) and route.paging.style in ("cursor", "link"):
        name = route.paging.param("token")
        if name in query:
            if query[name] not in tokens:
                return None
            query[name] = tokens[query[name]]
    headers, params = credential(rest_api.auth) if exchange.authorized else ({}, {})
    url = rest_api.base_url + exchange.url.path[len(rest_api.prefix):]
    answer = http.request(exchange.method, url, params={**query, **params}, headers=headers)
    try:
        body = answer.json()
    except ValueError:
        body = None
    return Exchange(exchange.method, answer.request.url, answer.status_code, body)


def _compare(bucket: _Bucket, rest_api: RestApi, adapter: Adapter, partner: Partner,
             one: Matched, sim: Exchange, tokens: dict[str, str]) -> None:
    rec, label = one.exchange, one.label
    bucket.add("status", Observation(f"{rec}: status", rec.status, sim.status))
    if rec.status != sim.status:
        return
    if not rec.ok:
        bucket.shapes[("error_shape", f"{label} ({rec.status})")].append((rec.body, sim.body))
        return
    route = one.route
    bucket.shapes[("page_shape", label)].append((rec.body, sim.body))
    if not isinstance(route, RecordsRoute):
        return
    fmt = rest_api.time_format
    got, served = items_of(route, rec.body) or [], items_of(route, sim.body) or []

    def stamp(item: Any) -> datetime | None:
        return parse_stamp(item.get(route.wire("updated_at")), fmt) if isinstance(
            item, dict) else None

    def key(item: Any) -> str:
        return str(item.get(route.wire("key"))) if isinstance(item, dict) else repr(item)

    stamps = [s for s in map(stamp, got) if s is not None]
    ordered = all(a <= b for a, b in pairwise(stamps))
    bucket.once("ordering", Observation(f"{label}: pages ordered by updated_at", ordered,
                                        True) if ordered else Observation(
        f"{label}: pages ordered by updated_at", False, True, detail=f"{label}: the "
        f"recorded page of {rec} is not ordered by updated_at (the adapter's always are)"))
    declared = PRECISIONS[adapter.precision or "microsecond"]
    finer = [s for s in stamps if truncate(s, declared) != s]
    bucket.once("precision", Observation(
        f"{label}: updated_at stamped no finer than {adapter.precision}", not finer, True,
        detail=f"{label}: the partner stamps finer than the declared precision "
               f"{adapter.precision!r} (such as {finer[0].isoformat() if finer else ''}): "
               f"declare the finest the partner uses"))
    explained: set[str] = set()
    for bound, param, inclusive in (("since", route.since, route.since_inclusive),
                                    ("until", route.until, route.until_inclusive)):
        edge = parse_stamp(rec.url.params.get(param or ""), fmt) if param else None
        if edge is None:
            continue
        on_rec = {key(i) for i in got if stamp(i) == edge}
        on_sim = {key(i) for i in served if stamp(i) == edge}
        data = partner.source(route.stream, one.source)
        if not on_rec and not on_sim and all(r.updated_at != edge for r in data.records()):
            continue  # no record on the bound: nothing to tell
        explained |= on_rec ^ on_sim
        shown = {True: "inclusive", False: "exclusive"}
        observed = shown[bool(on_rec)] if on_rec != on_sim else shown[inclusive]
        fact = f"{label}: {bound} ({param}) on a record's stamp"
        bucket.once(f"{bound}_bound", Observation(fact, observed, shown[inclusive], detail=(
            f"{fact}: {observed} on the partner ({rec}), {shown[inclusive]} in the adapter")))
    size_name = route.paging.param("size" if route.paging.style == "page" else "limit")
    asked = rec.url.params.get(size_name)
    rec_more = next_query(route, dict(rec.url.params), rec.body, _raw(route)) is not None
    sim_more = next_query(route, dict(rec.url.params), sim.body, _raw(route)) is not None
    capped = {"partner": rec_more and asked is not None and len(got) < int(asked),
              "adapter": sim_more and asked is not None and len(served) < int(asked)}
    if asked is not None and (rec_more or sim_more):
        fact = f"{label}: rows of a page with more to follow"
        values = {side: f"{len(items)} of {asked} asked" if capped[side] else "as asked"
                  for side, items in (("partner", got), ("adapter", served))}
        bucket.once("page_cap", Observation(fact, values["partner"], values["adapter"],
                                            detail=f"{fact}: {values['partner']} on the "
                                            f"partner, {values['adapter']} in the adapter"))
    rec_keys, sim_keys = {key(i) for i in got} - explained, {key(i) for i in served} - explained
    same = rec_keys == sim_keys and capped["partner"] == capped["adapter"]
    if capped["partner"] != capped["adapter"]:  # explained by the cap
        rec_keys = sim_keys = rec_keys & sim_keys
    bucket.add("records", Observation(f"{rec}: records", sorted(rec_keys - sim_keys),
                                      sorted(sim_keys - rec_keys), detail=(
        f"{rec}: records only on the partner {sorted(rec_keys - sim_keys)}, only in the "
        f"adapter {sorted(sim_keys - rec_keys)}")))
    rec_token, sim_token = token_of(route, rec.body), token_of(route, sim.body)
    if same and not explained and rec_token and sim_token:
        tokens[rec_token] = sim_token


def _raw(route: RecordsRoute) -> Callable[[Any], Any]:
    return lambda item: item.get(route.wire("updated_at"))


def _item_paths(rest_api: RestApi, label: str) -> str | None:
    for route in rest_api.routes:
        if isinstance(route, RecordsRoute) and label == f"{route.method} {rest_api.prefix}" \
                                                         f"{route.path}":
            items = route.paging.items
            return "$[]" if items is None else f"$.{items}[]"
    return None


def _shapes(bucket: _Bucket, check: str, rest_api: RestApi) -> list[Observation]:
    out = []
    for (kind, fact), pairs in bucket.shapes.items():
        if kind != check:
            continue
        partner = _merged([p for p, _ in pairs])
        adapter = _merged([a for _, a in pairs])
        items = _item_paths(rest_api, fact.split(" (")[0]) if check == "page_shape" else None
        if items is not None:  # fields of items the adapter does not serve: not its concern
            partner = {p: t for p, t in partner.items()
                       if not p.startswith(items + ".") or p in adapter}
        partner, adapter = _nullable(partner, adapter)
        out.append(Observation(f"{fact}: {'page' if check == 'page_shape' else 'error'} body",
                               partner, adapter, kind="shape",
                               detail=_shape_line(f"{fact}: body", partner, adapter)))
    return out
