"""A stand-in of Acme's real API on loopback (the standard library's HTTP server), written
from Acme's documentation, not from the adapter: what the cassette is recorded from.

``serving()`` is faithful; each keyword plants one drift: ``since_inclusive=True``
(``modifiedSince`` is ``>=``), ``cap=2`` (pages of at most 2 rows, without an error),
``email_field="email"`` (a renamed field), ``error_body="flat"`` (another error body).
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

TOKEN = "test-token"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def stamp(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat(timespec="microseconds").replace(
        "+00:00", "Z")


CONTACTS = [{"id": f"c{n}", "emailAddress": f"user{n}@example.com", "givenName": f"Ada{n}",
             "familyName": "Lovelace", "modifiedAt": stamp(at)}
            for n, at in enumerate((0, 1.25, 1.25, 2.5, 3.75, 5, 6.25), start=1)]
DEALS = {ws: [{"id": str(n), "value": 10.5 * n, "currencyCode": "EUR",
               "modifiedAt": stamp(n * 2.0)} for n in range(1, 4)] for ws in ("ws-1", "ws-2")}


class _Handler(BaseHTTPRequestHandler):
    drift: ClassVar[dict[str, Any]] = {}

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _send(self, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def _error(self, status: int, code: str, message: str) -> None:
        if self.drift.get("error_body") == "flat":
            self._send(status, {"message": message, "status": status})
        else:
            self._send(status, {"error": {"code": code, "message": message}})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._error(401, "unauthorized", "send Authorization: Bearer <token>")
        parts = url.path.removeprefix("/v3").strip("/").split("/")
        if parts == ["workspaces"]:
            return self._send(200, {"data": [{"id": ws} for ws in DEALS]})
        if parts == ["contacts"]:
            return self._page(CONTACTS, query)
        if len(parts) == 3 and parts[0] == "workspaces" and parts[2] == "deals" \
                and parts[1] in DEALS:
            return self._page(DEALS[parts[1]], query)
        return self._error(404, "not_found", f"no such path {url.path!r}")

    def _page(self, rows: list[dict[str, Any]], query: dict[str, str]) -> None:
        if "pageToken" in query:
            state = json.loads(base64.b64decode(query["pageToken"]))
            since, offset, size = state["since"], state["offset"], state["size"]
        else:
            since, offset = query.get("modifiedSince"), 0
            size = int(query.get("pageSize", 100))
        if since is not None:
            try:
                edge = datetime.fromisoformat(since)
            except ValueError:
                return self._error(400, "bad_request", f"modifiedSince={since!r} is not a time")
            inclusive = self.drift.get("since_inclusive", False)
            rows = [r for r in rows if datetime.fromisoformat(r["modifiedAt"]) > edge
                    or (inclusive and datetime.fromisoformat(r["modifiedAt"]) == edge)]
        rows = sorted(rows, key=lambda r: (r["modifiedAt"], r["id"]))
        served = min(size, self.drift.get("cap") or size)
        page = rows[offset:offset + served]
        more = offset + served < len(rows)
        token = base64.b64encode(json.dumps(
            {"since": since, "offset": offset + served, "size": size}).encode()).decode()
        email = self.drift.get("email_field", "emailAddress")
        data = [{(email if k == "emailAddress" else k): v for k, v in r.items()} for r in page]
        self._send(200, {"data": data, "nextPageToken": token if more else None})


@contextmanager
def serving(**drift: Any) -> Iterator[str]:
    """Serve the stand-in on a free loopback port; yield its base URL (``.../v3``)."""
    handler = type("Handler", (_Handler,), {"drift": drift})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v3"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
