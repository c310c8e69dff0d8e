"""The official JS SDK (@shopimind/sdk-js 1.1.0) against `spmkit serve`: wire compatibility.

The SDK is one client of the wire contract (spmkit_testing.contract): the statuses it
reports, the shapes of the objects it unwraps and its chunking are checked against the
contract's facts about the fake, the same facts `spmkit verify-fake` compares a real API
with. What is left literal is the SDK's own merging of those answers.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from spmkit_testing.contract import reference_facts, shape_of

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "js-sdk"
SDK = CACHE / "node_modules" / "@shopimind" / "sdk-js"
SCRIPT = Path(__file__).parent / "js" / "drive_sdk.mjs"
KEY = "js-sdk-key"


def install_sdk() -> Path:
    if (SDK / "dist" / "index.js").exists():
        return SDK / "dist" / "index.js"
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        pytest.fail(
            "The JS SDK wire test needs Node.js >= 18 and npm on PATH (found "
            f"node={node}, npm={npm}). Install Node.js, then rerun; the SDK is cached in "
            f"{CACHE}."
        )
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE),
         "@shopimind/sdk-js@1.1.0"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    if done.returncode != 0 or not (SDK / "dist" / "index.js").exists():
        pytest.fail(
            f"npm install of @shopimind/sdk-js@1.1.0 into {CACHE} failed "
            f"(exit {done.returncode}); is the npm registry reachable?\n{done.stderr[-2000:]}"
        )
    return SDK / "dist" / "index.js"


def start_server() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "spmkit_testing.cli", "serve", "--port", "0", "--api-key", KEY],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(proc.stdout.readline()))  # type: ignore[union-attr]
    reader.start()
    reader.join(30)
    if not lines or not lines[0].startswith("SPMKIT_FAKE_API=http://127.0.0.1:"):
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"spmkit serve did not print its base URL: {lines!r}; stderr: {err}")
    return proc, lines[0].strip().split("=", 1)[1]


@pytest.mark.slow
def test_the_official_js_sdk_talks_to_spmkit_serve() -> None:
    sdk_index = install_sdk()
    proc, base_url = start_server()
    try:
        done = subprocess.run(
            [shutil.which("node") or "node", str(SCRIPT), str(sdk_index), base_url, KEY],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "SHOPIMIND_CORE_API_BASE": ""},
        )  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        rest, server_err = proc.communicate(timeout=15)
        code = proc.returncode
    assert done.returncode == 0, done.stderr
    assert (code, rest) == (0, ""), f"spmkit serve should stop cleanly on SIGTERM: {server_err}"
    out = json.loads(done.stdout)
    auth, sources, custom, events = (reference_facts(name) for name in
                                     ("auth", "data_sources", "custom_data", "events"))
    customers_limit = reference_facts("batch_limit_customers")["customers: batch limit"]
    records_limit = reference_facts("batch_limit_custom_data_records")[
        "custom-data-records: batch limit"]
    # What the SDK saw is what the contract says the fake (and so the real API) answers.
    assert out["dataSourceCreate"] == {"statusCode": sources["POST /v1/data-sources: status"],
                                       "id": 1}  # fmt: skip
    assert shape_of(out["dataSourceData"]) == sources["POST /v1/data-sources: data"]
    assert shape_of(out["definitionData"]) == custom["POST /v1/custom-data-definitions: data"]
    assert out["activateStatus"] == custom[  # created active, as the kit tolerates
        "PATCH /v1/custom-data-definitions/{id}/activate of an active definition: status"]
    assert (out["eventCreate"], out["eventAgain"]) == (
        events["POST /v1/events: status"],
        events["POST /v1/events with a code_name in use: status"],
    )
    assert shape_of(out["eventData"]) == events["POST /v1/events: data"]
    assert out["trigger"] == {"statusCode": events["POST /v1/events/trigger/{code_name}: status"],
                              "ok": True}  # fmt: skip
    assert shape_of(out["triggerData"], depth=1) == events[
        "POST /v1/events/trigger/{code_name}: data"]
    assert out["denied"]["ok"] is False
    assert (out["denied"]["statusCode"], out["denied"]["code"]) == (
        auth["GET /v1/data-sources with a wrong spm-api-key: status"], "ERR_BAD_REQUEST")
    assert out["denied"]["message"].startswith("Invalid API key in the spm-api-key header")
    # The SDK's own chunk sizes fit the batch limits the contract pins.
    assert out["bulk"]["chunks"] == math.ceil(120 / customers_limit) == 3
    assert out["records"]["chunks"] == math.ceil(25 / records_limit) == 2
    # How the SDK merged those answers.
    assert out["dataSourceLabels"] == ["JS shop"]
    assert out["bulk"] == {
        "ok": True,
        "counts": {"sent": 118, "rejected": 2, "failed": 0},
        "chunks": 3,
        "rejectedKeys": ["js-7", "js-93"],
        "rejectedIndexes": [7, 43],
    }
    assert out["definitionNames"] == ["loyalty"]
    assert out["records"] == {"counts": {"sent": 25, "rejected": 0, "failed": 0}, "chunks": 2}
    assert out["recordsListed"] == 25
    assert out["eventCodes"] == ["order_shipped"]
