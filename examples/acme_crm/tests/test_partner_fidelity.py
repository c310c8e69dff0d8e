"""Acme's adapter is true to Acme's API: the shipped cassette (recorded by
``record_cassette.py`` from the stand-in of the API) replays against it without drift, and
an adapter that is wrong about Acme is an adapter error (exit 2) naming the route."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from record_cassette import CASSETTE, record

BIN = Path(sys.executable).parent
HERE = Path(__file__).parent


def test_the_shipped_cassette_is_what_the_recording_script_records(tmp_path: Path) -> None:
    assert record(tmp_path / "again.yaml").read_text() == CASSETTE.read_text()


def check_adapter(adapter: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "spmkit"), "check-adapter", "--adapter", adapter,
                           "--cassette", str(CASSETTE.parent)], cwd=cwd, capture_output=True,
                          text=True, check=False, timeout=120)


def test_the_adapter_is_true_to_the_recorded_api() -> None:
    checked = check_adapter("acme_crm.testing:adapter", HERE)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "verdict: the adapter is true to the recording" in checked.stdout


WRONG = '''
from dataclasses import replace
from acme_crm.testing import adapter
from spmkit_testing import rest

api = adapter.partner_api
contacts = api.routes[0]
adapter = replace(adapter, partner_api=rest.api(api.base_url, [
    replace(contacts, {change}), *api.routes[1:]]))
'''


@pytest.mark.parametrize(("change", "check", "named"), [
    ("paging=replace(contacts.paging, items='results')", "page_shape",
     "GET /v3/contacts: body: only in the adapter: $.results"),
    ("since_inclusive=True", "since_bound",
     "GET /v3/contacts: since (modifiedSince) on a record's stamp: exclusive on the partner"),
])
def test_a_wrong_adapter_is_an_adapter_error_naming_the_route(
        tmp_path: Path, change: str, check: str, named: str) -> None:
    (tmp_path / "wrong_acme.py").write_text(WRONG.format(change=change))
    checked = check_adapter("wrong_acme:adapter", tmp_path)
    assert checked.returncode == 2, checked.stdout + checked.stderr
    assert f"DRIFT         {check}" in checked.stdout
    assert named in checked.stdout
