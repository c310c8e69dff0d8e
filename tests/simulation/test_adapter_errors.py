"""A failure in the adapter's own SDK fake is an adapter error, never a loss of the
integration: the run stops naming the file and line, and the CLI exits 2."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from spmkit import Integration, StepContext, define_bulk_step, define_integration
from spmkit_testing import (
    Adapter,
    AdapterError,
    Partner,
    PartnerFailure,
    Simulation,
    Stream,
    Target,
    World,
)
from spmkit_testing.faults import null_page, status

BIN = Path(sys.executable).parent


class VendorError(Exception):
    """What the vendor's real SDK raises."""


class RightFake:
    """A fake of the vendor SDK that turns every partner failure into the SDK's error."""

    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    async def contacts(self, since: Any, after: Any) -> list[dict[str, Any]]:
        try:
            page = await self.partner.fetch_page("contacts", since=since, after=after, limit=2)
        except PartnerFailure as failure:
            raise VendorError(str(failure)) from failure
        if page.rows is None or page.error is not None:
            raise VendorError("the vendor answered a broken page")
        return [{"id": r["key"], "modified": r["updated_at"], "email": r.get("email")}
                for r in page.rows]


class WrongFake(RightFake):
    """The same fake with the mistake a new adapter author makes: a field it never had."""

    async def contacts(self, since: Any, after: Any) -> list[dict[str, Any]]:
        page = await self.partner.fetch_page("contacts", since=since, after=after, limit=2)
        return [{"id": r["key"], "modified": r["modified_at"]} for r in page.rows or ()]


@dataclass(frozen=True)
class Settings:
    sdk: Any


async def read(ctx: StepContext) -> AsyncIterator[Mapping[str, Any]]:
    from datetime import datetime

    assert ctx.window is not None
    after = None
    while True:
        rows = await ctx.settings.sdk.contacts(ctx.window.since, after)
        for row in rows:
            yield row
        if len(rows) < 2:
            return
        after = (datetime.fromisoformat(rows[-1]["modified"]), rows[-1]["id"])


def world(fake: type[RightFake], *, mapping: Any = None) -> tuple[Integration, Adapter]:
    step = define_bulk_step(
        "contacts", resource="customers", stream=read,
        map=mapping or (lambda r, ctx: {"customer_id": r["id"], "email": r["email"],
                                        "updated_at": r["modified"]}))
    adapter = Adapter(streams=[Stream("contacts", resource="customers")], partner_api=fake,
                      settings=lambda p: Settings(p.client))
    return define_integration(slug="vendor-crm", sync_steps=[step]), adapter


def test_an_exception_raised_in_the_sdk_fake_is_an_adapter_error_naming_its_line() -> None:
    integration, adapter = world(WrongFake)
    with Simulation(World(), Target(integration, adapter)) as sim:
        sim.put("contacts", "c1", {"email": "ada@example.com"})
        with pytest.raises(AdapterError) as raised:
            sim.tick()
        assert sim.violations == []
    message = str(raised.value)
    assert message.startswith("the adapter's SDK fake raised KeyError: 'modified_at'\n  at ")
    assert f"{__file__}:" in raised.value.where and "in <listcomp>" in raised.value.where
    assert "in client.contacts(...), with no partner fault on. This is an error of the " \
           "adapter, not a loss of the integration" in message


def test_faults_the_fake_translates_are_not_adapter_errors() -> None:
    integration, adapter = world(RightFake)
    with Simulation(World(), Target(integration, adapter)) as sim:
        for i in range(3):
            sim.put("contacts", f"c{i}", {"email": f"u{i}@example.com"})
        sim.fault_on("down", status(503, target="contacts", times=1))
        sim.fault_on("null", null_page(target="contacts", times=1))
        sim.run_for(timedelta(minutes=5))
        assert [t.status for t in sim.trace][:2] == ["partial", "partial"]
        assert sim.violations == [] and sim.undelivered() == []


def test_an_error_of_the_integration_itself_stays_the_integration_s() -> None:
    integration, adapter = world(RightFake, mapping=lambda r, ctx: {"customer_id": r["uid"]})
    with Simulation(World(), Target(integration, adapter)) as sim:
        sim.put("contacts", "c1", {"email": "ada@example.com"})
        sim.tick()
        assert sim.trace[-1].status == "partial"
        error = sim.trace[-1].steps[0].errors[0]
        assert "KeyError at " in error and "test_adapter_errors.py" in error, error
        assert error.endswith(": 'uid'"), error


SCENARIO = """
from spmkit_testing.scenario import Scenario, World, nothing_lost, record, run_for

scenario = Scenario("one_contact", world=World(records=[record("c1", stream="contacts")]),
                    timeline=[run_for("3m", every="1m")], expect=[nothing_lost()])
"""


@pytest.mark.slow
def test_spmkit_run_exits_2_for_an_adapter_error_and_0_for_the_right_fake(tmp_path: Path) -> None:
    (tmp_path / "one_contact.py").write_text(SCENARIO)
    (tmp_path / "vendor.py").write_text(
        f"import sys\nsys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_adapter_errors import world, RightFake, WrongFake\n"
        "right_integration, right = world(RightFake)\n"
        "wrong_integration, wrong = world(WrongFake)\n")

    def run(name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "spmkit"), "run", "one_contact.py", "--integration",
             f"vendor:{name}_integration", "--adapter", f"vendor:{name}"], cwd=tmp_path,
            capture_output=True, text=True, check=False, timeout=120)

    wrong = run("wrong")
    assert wrong.returncode == 2, wrong.stdout + wrong.stderr
    assert "the adapter's SDK fake raised KeyError: 'modified_at'" in wrong.stderr
    assert "lost" not in wrong.stdout
    right = run("right")
    assert right.returncode == 0, right.stdout + right.stderr
