from __future__ import annotations

from acme_crm.sync import contact_item, deal_item


def test_a_contact_becomes_a_customer() -> None:
    contact = {"id": "c-1", "emailAddress": "ada@example.com", "givenName": "Ada",
               "familyName": "Lovelace", "modifiedAt": "2026-01-01T00:00:00Z"}
    assert contact_item(contact) == {
        "customer_id": "c-1", "email": "ada@example.com", "first_name": "Ada",
        "last_name": "Lovelace", "updated_at": "2026-01-01T00:00:00Z"}


def test_a_deal_becomes_an_order_keyed_by_its_workspace() -> None:
    deal = {"id": "7", "value": 12.5, "modifiedAt": "2026-01-01T00:00:00Z"}
    assert deal_item(deal, "ws-2") == {"order_id": "ws-2:7", "amount": 12.5, "currency": "EUR",
                                       "updated_at": "2026-01-01T00:00:00Z"}
