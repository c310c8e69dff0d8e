"""Every spmkit library scenario that applies to Acme passes against this integration."""

from __future__ import annotations

import pytest
from acme_crm.sync import integration
from acme_crm.testing import adapter

from spmkit_testing import Target
from spmkit_testing.scenario import applies, load_scenario, run_scenario, scenario_names

REASONS = {name: applies(load_scenario(name), Target(integration, adapter))
           for name in scenario_names()}
APPLICABLE = sorted(name for name, reason in REASONS.items() if reason is None)


def test_the_scenarios_that_do_not_apply_are_the_ones_expected() -> None:
    # whole_chunk_4xx needs batch_size=5: Acme's steps are define_bulk_step's, rebuilt with it.
    assert {name for name, reason in REASONS.items() if reason is not None} == {
        "clock_skew_loss"}
    assert REASONS["clock_skew_loss"] == (
        "it runs its own integration (Target('spmkit_testing.reference:"
        "build_reference_integration')), not 'acme-crm'")
    assert "whole_chunk_4xx" in APPLICABLE


@pytest.mark.parametrize("name", APPLICABLE)
def test_library_scenario_passes_against_acme(name: str) -> None:
    result = run_scenario(load_scenario(name), integration=integration, adapter=adapter)
    assert result.integration == "acme-crm"
    result.raise_on_failure()
