"""The conformance suite's static checks hold for Acme, and each one catches the
declaration mistake it is about (planted in a copy of Acme's steps or adapter)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest

from spmkit import Integration, StepContext, define_bulk_step, define_integration
from spmkit_testing import Adapter, Stream
from spmkit_testing.conformance import STATIC_CHECKS, StaticCheck, built_integration
from tests.planted import acme, adapter

CHECKS = {check.name: check for check in STATIC_CHECKS}


def problems(name: str, integration: Integration, with_adapter: Adapter = adapter) -> list[str]:
    return CHECKS[name].problems(integration, with_adapter)


def test_the_checks_have_stable_names() -> None:
    assert list(CHECKS) == [
        "steps_have_entities_and_bulk_resources", "per_source_steps_declare_sources",
        "policies_in_range", "provisioning_declares_what_steps_use",
        "adapter_covers_every_step"]
    assert all(isinstance(c, StaticCheck) and c.checks for c in STATIC_CHECKS)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_holds_for_acme(name: str) -> None:
    from acme_crm.sync import integration

    assert problems(name, integration) == []


def _without_stream(name: str) -> Adapter:
    streams = [s for s in adapter.streams if s.name != name]
    return dataclasses.replace(adapter, streams=streams, partner_api=lambda partner: None)


def test_a_step_without_a_stream_has_no_known_resource_and_is_not_covered() -> None:
    uncovered = _without_stream("deals")
    assert problems("steps_have_entities_and_bulk_resources", acme(), uncovered) == [
        "step 'deals': its bulk resource is unknown, because the adapter has no "
        "Stream('deals', resource=...) for it"]
    found = problems("adapter_covers_every_step", acme(), uncovered)
    assert found == ["integration 'acme-crm-planted' has step(s) ['deals'] that the adapter "
                     "does not describe; add a Stream for each."]


def test_a_custom_data_resource_is_not_a_stream_resource() -> None:
    # Stream() refuses it when built; a stream built around that check is still caught.
    stream = Stream("contacts", resource="customers")
    object.__setattr__(stream, "resource", "custom-data-records")
    odd = dataclasses.replace(adapter, streams=[stream, adapter.streams[1]],
                              partner_api=lambda partner: None)
    found = problems("steps_have_entities_and_bulk_resources", acme(), odd)
    assert len(found) == 1 and "'custom-data-records' is not a ShopiMind bulk resource" in found[0]


def test_a_per_source_mismatch_and_ignored_sources_are_named() -> None:
    steps = acme().sync_steps
    contacts = dataclasses.replace(steps[0], sources=lambda ctx: ["a"])
    odd = define_integration(slug="odd", sync_steps=[contacts, steps[1]])
    assert problems("per_source_steps_declare_sources", odd) == [
        "step 'contacts' declares sources= but its cursor_scope is 'global', so the engine "
        "never calls them: use cursor_scope='per-source' or drop sources="]
    flat = [adapter.streams[0], dataclasses.replace(adapter.streams[1], per_source=False)]
    mismatched = dataclasses.replace(adapter, streams=flat, partner_api=lambda partner: None)
    assert problems("per_source_steps_declare_sources", acme(), mismatched) == [
        "step 'deals': cursor_scope='per-source' but the adapter's stream says "
        "per_source=False; make them agree"]


def test_a_policy_out_of_range_is_named() -> None:
    integration = acme()
    object.__setattr__(integration.sync_steps[0], "tolerate_rejects", 1.5)
    assert problems("policies_in_range", integration) == [
        "step 'contacts': tolerate_rejects=1.5 is out of range; use False (strict), True, or "
        "a max reject ratio between 0.0 and 1.0"]


def test_an_undeclared_data_source_is_named() -> None:
    from acme_crm import sync

    bare = dataclasses.replace(acme(), provisioning=None)
    found = problems("provisioning_declares_what_steps_use", bare)
    assert found[0] == (
        "stream 'contacts': the adapter says its items go through data source 'acme', "
        "which provisioning does not declare (declared: none); add DataSourceSpec('acme', "
        "...) to Provisioning(...)")
    # The steps themselves fail the first tick: with_source('acme') is not provisioned.
    assert any("step-source deals@store-1: bulk step 'deals'" in p
               and "data source 'acme' is not provisioned" in p for p in found), found
    assert problems("provisioning_declares_what_steps_use",
                    dataclasses.replace(bare, provisioning=sync.provisioning)) == []


def test_an_undeclared_custom_data_definition_is_named() -> None:
    from acme_crm import sync

    async def push(ctx: StepContext, batch: Sequence[object]) -> None:
        await ctx.custom_data("loyalty").save([{"points": 1}])

    steps = acme().sync_steps
    loyal = define_bulk_step("contacts", resource="customers", push=push,
                             stream=lambda ctx: sync._pages(ctx, "/contacts"),
                             map=lambda r, ctx: sync.contact_item(r))
    integration = define_integration(slug="loyal", sync_steps=[loyal, steps[1]],
                                     provisioning=sync.provisioning)
    found = problems("provisioning_declares_what_steps_use", integration)
    assert len(found) == 1 and found[0].startswith("step-source contacts: bulk step 'contacts'")
    assert "custom-data definition 'loyalty' is not provisioned" in found[0]


def test_a_builder_is_built_with_its_defaults() -> None:
    assert built_integration(acme).slug == "acme-crm-planted"
    with pytest.raises(ValueError, match="returned 3, not an Integration"):
        built_integration(lambda: 3)  # type: ignore[arg-type, return-value]
