"""Acme CRM -> ShopiMind: contacts as customers, each workspace's deals as orders."""

from __future__ import annotations

from acme_crm.sync import AcmeSettings, integration

__all__ = ["AcmeSettings", "integration"]
