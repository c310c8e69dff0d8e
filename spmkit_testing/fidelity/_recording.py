"""Recorded traffic of a partner API: VCR.py cassettes and HAR files, as :class:`Exchange` s.

A cassette is read with VCR.py's own loader (the layout pytest-recording writes:
``tests/cassettes/<module>/<test>.yaml``); a HAR file is JSON (``log.entries``). A path
may be one file or a folder, whose ``.yaml``, ``.yml`` and ``.har`` files are read in
name order. Bodies are kept as parsed JSON (``None`` when not JSON).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import httpx

from spmkit import InvalidArgument
from spmkit_testing.fidelity._wire import Exchange

__all__ = ["SUFFIXES", "load_recording"]

#: The files a folder's recordings are read from.
SUFFIXES = (".yaml", ".yml", ".har")


def _json(raw: Any) -> Any:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _cassette(path: Path) -> list[Exchange]:
    try:
        from vcr.persisters.filesystem import FilesystemPersister
        from vcr.serializers import yamlserializer
    except ImportError:
        raise InvalidArgument("reading a VCR.py cassette needs vcrpy: pip install "
                              "'spmkit-shopimind[testing]' (or pip install vcrpy).") from None
    try:
        requests, responses = FilesystemPersister.load_cassette(str(path), yamlserializer)
    except Exception as exc:  # vcrpy raises its own errors, or YAML's, for a bad file
        raise InvalidArgument(f"--cassette {path}: not a VCR.py cassette VCR.py can load "
                              f"({type(exc).__name__}: {exc}).") from None
    out = []
    for request, response in zip(requests, responses, strict=True):
        body = response.get("body", {}).get("string")
        out.append(Exchange(request.method.upper(), httpx.URL(request.uri),
                            int(response["status"]["code"]), _json(body),
                            authorized=response["status"]["code"] not in (401, 403)))
    return out


def _har(path: Path) -> list[Exchange]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["log"]["entries"]
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgument(f"--cassette {path}: not a HAR file (JSON with log.entries): "
                              f"{exc}.") from None
    out = []
    for entry in entries:
        request, response = entry["request"], entry["response"]
        content = response.get("content", {})
        text = content.get("text")
        if text is not None and content.get("encoding") == "base64":
            text = base64.b64decode(text)
        out.append(Exchange(str(request["method"]).upper(), httpx.URL(request["url"]),
                            int(response["status"]), _json(text),
                            authorized=int(response["status"]) not in (401, 403)))
    return out


def load_recording(path: str | Path) -> list[Exchange]:
    """The exchanges of a cassette, a HAR file, or every one in a folder, in order."""
    where = Path(path)
    if where.is_dir():
        files = sorted(p for p in where.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        if not files:
            raise InvalidArgument(f"--cassette {path}: the folder holds no cassette "
                                  f"({', '.join(SUFFIXES)}).")
    elif where.is_file():
        files = [where]
    else:
        raise InvalidArgument(f"--cassette {path}: no such file or folder; name a VCR.py "
                              f"cassette (.yaml), a HAR file (.har) or a folder of them.")
    out: list[Exchange] = []
    for file in files:
        out += _har(file) if file.suffix == ".har" else _cassette(file)
    return out
