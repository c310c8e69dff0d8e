"""The official JS SDK (@shopimind/sdk-js 1.1.0) against `spmkit serve`: wire compatibility."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

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
    assert out["dataSourceCreate"] == {"statusCode": 201, "id": 1}
    assert out["dataSourceLabels"] == ["JS shop"]
    assert out["bulk"] == {
        "ok": True,
        "counts": {"sent": 118, "rejected": 2, "failed": 0},
        "chunks": 3,
        "rejectedKeys": ["js-7", "js-93"],
        "rejectedIndexes": [7, 43],
    }
    assert out["definitionNames"] == ["loyalty"]
    assert out["activateStatus"] == 409  # created active, as the kit tolerates
    assert out["records"] == {"counts": {"sent": 25, "rejected": 0, "failed": 0}, "chunks": 2}
    assert out["recordsListed"] == 25
    assert (out["eventCreate"], out["eventAgain"]) == (201, 409)
    assert out["eventCodes"] == ["order_shipped"]
    assert out["trigger"] == {"statusCode": 201, "ok": True}
    assert out["denied"]["ok"] is False
    assert (out["denied"]["statusCode"], out["denied"]["code"]) == (401, "ERR_BAD_REQUEST")
    assert out["denied"]["message"].startswith("Invalid API key in the spm-api-key header")
