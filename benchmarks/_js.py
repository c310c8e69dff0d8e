"""The official JS kit's side of the benchmarks: install it once, run ``js/kit_bench.mjs``.

The kit, its SDK and better-sqlite3 are installed with npm into ``.cache/js-kit`` (git
ignores ``.cache/``), as the JS SDK wire test does. Without Node.js or npm, or when the
install fails, :func:`js_kit` says why and the benchmarks report the JS side as null.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["PACKAGES", "js_kit", "run_js"]

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "js-kit"
DRIVER = Path(__file__).resolve().parent / "js" / "kit_bench.mjs"
PACKAGES = ("@shopimind/integration-kit-js@2.0.1", "@shopimind/sdk-js@1.1.0",
            "better-sqlite3@11.10.0")


def js_kit() -> tuple[Path | None, str]:
    """``(node_modules, "")`` once the kit is installed, or ``(None, why not)``."""
    modules = CACHE / "node_modules"
    if (modules / "@shopimind" / "integration-kit-js" / "dist" / "index.js").exists() and (
            modules / "better-sqlite3").exists():
        return modules, ""
    npm, node = shutil.which("npm"), shutil.which("node")
    if npm is None or node is None:
        return None, f"Node.js and npm are needed for the JS kit side (node={node}, npm={npm})"
    CACHE.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--prefix", str(CACHE),
                           *PACKAGES], capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        return None, f"npm install of the JS kit failed (exit {done.returncode}): " \
                     f"{done.stderr[-500:]}"
    return modules, ""


def run_js(modules: Path, mode: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """One run of the JS driver in a fresh Node process; its JSON object."""
    node = shutil.which("node") or "node"
    done = subprocess.run([node, str(DRIVER), str(modules), mode, json.dumps(arguments)],
                          capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the JS kit driver failed ({mode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
