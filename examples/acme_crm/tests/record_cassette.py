"""Record ``tests/cassettes/acme_api.yaml`` from the stand-in of Acme's API, with vcrpy.

    python tests/record_cassette.py            # rewrites the shipped cassette

What a developer with an Acme account records the same way against the real API (a
pytest-recording cassette of the integration's own tests is as good): the URLs are
written as Acme's own (``https://api.acme-crm.test/v3``), the token and the answers'
date headers are left out, so the file is the same on every run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import vcr

sys.path.insert(0, str(Path(__file__).parent))
from standin import CONTACTS, TOKEN, serving

HERE = Path(__file__).parent
CASSETTE = HERE / "cassettes" / "acme_api.yaml"
ACME = "https://api.acme-crm.test/v3"


def record(path: Path, **drift: Any) -> Path:
    """Record the requests below against the stand-in (with ``drift``) into ``path``."""
    path.unlink(missing_ok=True)
    with serving(**drift) as base:
        def as_acme(request: Any) -> Any:
            request.uri = request.uri.replace(base, ACME)
            return request

        def stable(response: Any) -> Any:
            response["headers"] = {k: v for k, v in response["headers"].items()
                                   if k.lower() in ("content-type",)}
            return response

        recorder = vcr.VCR(record_mode="all",
                           filter_headers=["authorization", "host", "user-agent"],
                           before_record_request=as_acme, before_record_response=stable,
                           decode_compressed_response=True)
        with recorder.use_cassette(str(path)), httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}) as acme:
            acme.get("/workspaces")
            params: dict[str, Any] = {"modifiedSince": "2026-03-01T00:00:00Z", "pageSize": 3}
            while params:
                page = acme.get("/contacts", params=params).json()
                params = {"pageToken": page["nextPageToken"]} if page["nextPageToken"] else {}
            acme.get("/contacts", params={"modifiedSince": CONTACTS[3]["modifiedAt"],
                                          "pageSize": 100})
            acme.get("/contacts", params={"modifiedSince": "yesterday", "pageSize": 100})
            acme.get("/workspaces/ws-1/deals", params={"modifiedSince": "2026-03-01T00:00:00Z",
                                                       "pageSize": 100})
    return path


if __name__ == "__main__":
    print(record(CASSETTE))
