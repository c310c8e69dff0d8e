"""The spmkit adapter of the Acme CRM integration: how the harness simulates Acme."""

from __future__ import annotations

from acme_crm.sync import AcmeSettings
from spmkit_testing import Adapter, Stream, rest

__all__ = ["adapter"]

BASE_URL = "https://api.acme-crm.test/v3"
PAGING = rest.cursor_token(token="pageToken", limit="pageSize", items="data",
                           next="nextPageToken")
TIMES = {"key": "id", "updated_at": "modifiedAt"}

adapter = Adapter(
    name="acme-crm",
    streams=[
        Stream("contacts", resource="customers", data_source="acme"),
        Stream("deals", resource="orders", per_source=True, data_source="acme",
               item_key=lambda deal, workspace: f"{workspace}:{deal}"),
    ],
    partner_api=rest.api(BASE_URL, [
        rest.records("/contacts", stream="contacts", paging=PAGING, since="modifiedSince",
                     until=None, fields={**TIMES, "email": "emailAddress",
                                         "first_name": "givenName", "last_name": "familyName"}),
        rest.records("/workspaces/{source}/deals", stream="deals", paging=PAGING,
                     since="modifiedSince", until=None,
                     fields={**TIMES, "amount": "value", "currency": "currencyCode"}),
        rest.sources("/workspaces", stream="deals", items="data", key="id"),
    ]),
    settings=lambda partner: AcmeSettings(base_url=BASE_URL, api_token="test-token",
                                          transport=partner.transport),
)
