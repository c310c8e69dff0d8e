"""The route table of the fake API, and how it is mounted on a user's ``respx.Router``.

One table serves the three ways in: the transport and the ASGI app resolve a path
with :func:`resolve`; :func:`mount` turns every row into a respx route whose regex
named groups respx passes to the handler as keyword arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from spmkit import BULK_RESOURCES
from spmkit_testing.fake._errors import FakeApiError, MethodNotAllowed, NotFound

if TYPE_CHECKING:
    import httpx
    import respx

__all__ = ["ROUTES", "Route", "mount", "normalize_base_url", "resolve"]

_PARAMS = {"id": r"\d{1,9}", "id_definition": r"\d{1,9}", "code_name": r"[^/]{1,255}"}


@dataclass(frozen=True, slots=True)
class Route:
    """One row: ``METHOD /v1/<template>`` is served by the wire's ``endpoint``."""

    method: str
    template: str
    endpoint: str
    resource: str | None = None

    @property
    def pattern(self) -> str:
        """The regex of the path after ``/v1/``, with a named group per parameter."""
        parts = re.split(r"\{(\w+)\}", self.template)
        out = []
        for i, part in enumerate(parts):
            out.append(re.escape(part) if i % 2 == 0 else f"(?P<{part}>{_PARAMS[part]})")
        return "".join(out)

    @property
    def bulk_write(self) -> bool:
        return self.endpoint in ("bulk_write", "records_write")

    def __str__(self) -> str:
        return f"{self.method} /v1/{self.template}"


def _table() -> tuple[Route, ...]:
    rows: list[Route] = []
    for res in BULK_RESOURCES.values():
        if res.name == "custom-data-records":
            continue
        rows.append(Route("POST", res.path, "bulk_write", res.name))
        rows.append(Route("PUT", res.path, "bulk_write", res.name))
        if not res.path.endswith("/bulk"):
            rows.append(Route("GET", res.path, "bulk_list", res.name))
    records = "custom-data-records/{id_definition}"
    rows += [
        Route("POST", records, "records_write", "custom-data-records"),
        Route("GET", records, "records_list", "custom-data-records"),
        Route("GET", "data-sources", "sources_list"),
        Route("POST", "data-sources", "sources_create"),
        Route("PUT", "data-sources/{id}", "sources_update"),
        Route("DELETE", "data-sources/{id}", "sources_delete"),
        Route("GET", "custom-data-definitions", "definitions_list"),
        Route("POST", "custom-data-definitions", "definitions_create"),
        Route("GET", "custom-data-definitions/{id_definition}", "definitions_get"),
        Route("PATCH", "custom-data-definitions/{id_definition}/extend", "definitions_extend"),
        Route("PATCH", "custom-data-definitions/{id_definition}/activate", "definitions_activate"),
        Route(
            "PATCH", "custom-data-definitions/{id_definition}/deactivate", "definitions_deactivate"
        ),
        Route("GET", "events", "events_list"),
        Route("POST", "events", "events_create"),
        Route("POST", "events/trigger/{code_name}", "events_trigger"),
    ]
    return tuple(rows)


ROUTES: tuple[Route, ...] = _table()

# Static paths resolve with one dict lookup (the hot path of a backfill); the few
# templates with parameters are tried in order.
_STATIC: dict[str, dict[str, Route]] = {}
_DYNAMIC: list[tuple[re.Pattern[str], Route]] = []
for _route in ROUTES:
    if "{" in _route.template:
        _DYNAMIC.append((re.compile(_route.pattern), _route))
    else:
        _STATIC.setdefault(_route.template, {})[_route.method] = _route
del _route


def _route_list() -> str:
    return "; ".join(str(r) for r in ROUTES)


def resolve(method: str, path: str) -> tuple[Route, dict[str, str]]:
    """Find the route of ``METHOD /v1/<path>``; raise 404 (unknown path) or 405."""
    methods = _STATIC.get(path)
    if methods is not None:
        route = methods.get(method)
        if route is not None:
            return route, {}
        allowed = sorted(methods)
    else:
        allowed = []
        for regex, route in _DYNAMIC:
            m = regex.fullmatch(path)
            if m is not None:
                if route.method == method:
                    return route, m.groupdict()
                allowed.append(route.method)
    shown = path if len(path) <= 120 else path[:117] + "..."
    if allowed:
        raise MethodNotAllowed(
            f"{method} is not allowed on /v1/{shown}; allowed: {', '.join(sorted(allowed))}."
        )
    raise NotFound(
        f"No route {method} /v1/{shown} in the fake ShopiMind API. It serves: "
        f"{_route_list()}. Check the path (and the /v1/ prefix of the base URL)."
    )


def unknown_base(path: str) -> FakeApiError:
    """The 404 for a path outside ``/v1/``."""
    shown = path if len(path) <= 120 else path[:117] + "..."
    return NotFound(
        f"No route {shown}: the fake ShopiMind API serves paths under /v1/ only "
        f"(for example /v1/customers). Use base URL http://host:port and the client adds /v1/."
    )


def normalize_base_url(base_url: str) -> str:
    """``https://x/`` and ``https://x/v1`` both become ``https://x``."""
    base = base_url.rstrip("/")
    return base[:-3] if base.endswith("/v1") else base


def mount(
    router: respx.Router,
    base_url: str,
    handler: Callable[[httpx.Request, Route | None, dict[str, str]], httpx.Response],
) -> list[respx.Route]:
    """Add one respx route per table row, then a catch-all for 404/405, under ``base_url``."""
    base = re.escape(normalize_base_url(base_url))
    added = []
    for route in ROUTES:
        # respx matches (and names the parameters in) the percent-encoded URL; the other
        # ways in see the decoded path. Read the parameters from the decoded path, and when
        # it no longer matches (an encoded "/"), let the wire resolve it as they would.
        decoded = re.compile(rf"/v1/{route.pattern}\Z")

        def side_effect(
            request: httpx.Request, _route: Route = route, _decoded: re.Pattern[str] = decoded,
            **_: Any,
        ) -> httpx.Response:  # fmt: skip
            m = _decoded.search(request.url.path)
            if m is None:
                return handler(request, None, {})
            return handler(request, _route, m.groupdict())

        added.append(
            router.route(
                method=route.method, url__regex=rf"^{base}/v1/{route.pattern}(?:\?.*)?$"
            ).mock(side_effect=side_effect)
        )

    def fallback(request: httpx.Request) -> httpx.Response:
        return handler(request, None, {})

    added.append(router.route(url__regex=rf"^{base}(?:[/?].*)?$").mock(side_effect=fallback))
    return added
