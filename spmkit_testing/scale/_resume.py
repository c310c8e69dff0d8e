"""Where a run keeps the results of its finished shards, so that an interrupted run
resumes where it stopped: ``.spmkit/shards/<run>/``.

A run is named by a digest of everything that decides its shards' results: the
integration, adapter, profile, seed, budget and steps, and the code (the size and time
of every source file of the integration's, the adapter's and spmkit's packages). Edit
any of it and the run starts afresh. A run that reaches its verdict removes its folder:
only an interrupted run leaves one.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
from pathlib import Path

from spmkit_testing.scale._shard import ShardResult

__all__ = ["SHARDS_FOLDER", "ShardStore", "run_name"]

SHARDS_FOLDER = Path(".spmkit") / "shards"


def _package_files(spec: str | None) -> list[Path]:
    """The source files of the top-level package of ``spec``'s module."""
    module = (spec or "spmkit_testing.reference:x").partition(":")[0].split(".")[0]
    found = importlib.util.find_spec(module)
    if found is None or found.origin is None:
        return []
    origin = Path(found.origin)
    if origin.name != "__init__.py":
        return [origin]
    return sorted(origin.parent.rglob("*.py"))


def run_name(*, integration: str | None, adapter: str | None, profile: str, seed: int,
             examples: int, max_steps: int) -> str:
    """The digest that names a run's folder (see the module's docstring)."""
    digest = hashlib.sha256(repr((integration, adapter, profile, seed, examples,
                                  max_steps)).encode())
    files = {*_package_files(integration), *_package_files(adapter),
             *_package_files("spmkit:x"), *_package_files("spmkit_testing:x")}
    for path in sorted(files):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


class ShardStore:
    """The finished shards of one run, one JSON file each, and the folder each shard
    writes its counterexample into."""

    def __init__(self, root: Path, name: str) -> None:
        self.folder = root / SHARDS_FOLDER / name

    def _file(self, index: int) -> Path:
        return self.folder / f"shard-{index:04d}.json"

    def staging(self, index: int) -> Path:
        """Where shard ``index`` writes a counterexample."""
        return self.folder / f"shard-{index:04d}"

    def load(self) -> dict[int, ShardResult]:
        """The results saved so far (a file cut short by the interruption is ignored)."""
        out: dict[int, ShardResult] = {}
        for path in sorted(self.folder.glob("shard-*.json")):
            try:
                result = ShardResult.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (ValueError, TypeError, KeyError):
                continue
            if result.error is None:
                out[result.index] = result
        return out

    def save(self, result: ShardResult) -> None:
        """Keep ``result`` (written whole, then renamed: never half a file)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self._file(result.index).with_suffix(".tmp")
        partial.write_text(json.dumps(result.to_json()), encoding="utf-8")
        partial.replace(self._file(result.index))

    def clear(self) -> None:
        """Forget the run (its verdict is in)."""
        shutil.rmtree(self.folder, ignore_errors=True)
