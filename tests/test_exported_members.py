"""The public surface: every name in __all__ exists, __all__ is sorted, nothing public is missed."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = ["spmkit", "spmkit_testing", "spmkit_testing.contract"]


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_sorted_and_importable(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported, key=lambda n: (n.lower(), n))
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_is_exported(name: str) -> None:
    module = importlib.import_module(name)
    public = {
        n for n, v in vars(module).items()
        if not n.startswith("_") and not isinstance(v, type(importlib)) and n != "annotations"
    }
    assert public - set(module.__all__) == set()


def test_core_never_imports_the_harness_or_pytest() -> None:
    import subprocess
    import sys

    code = ("import sys, spmkit; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('pytest', 'spmkit_testing', 'hypothesis', 'respx', 'freezegun', 'faker')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("name", PACKAGES)
def test_public_callables_have_docstrings(name: str) -> None:
    module = importlib.import_module(name)
    undocumented = [
        n for n in module.__all__
        if callable(getattr(module, n)) and not (getattr(module, n).__doc__ or "").strip()
    ]
    assert undocumented == []
