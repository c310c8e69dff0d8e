"""The public surface: every name in __all__ exists, __all__ is sorted, nothing public is missed."""

from __future__ import annotations

import importlib
import typing

import pytest

PACKAGES = ["spmkit", "spmkit_testing", "spmkit_testing.conformance", "spmkit_testing.contract",
            "spmkit_testing.faults", "spmkit_testing.oracle", "spmkit_testing.reference",
            "spmkit_testing.report", "spmkit_testing.sim",
            "spmkit_testing.partner", "spmkit_testing.rest", "spmkit_testing.scale",
            "spmkit_testing.scenario"]
# Modules (not packages): what they import is not theirs; what they define must be exported.
MODULES = ["spmkit_testing.stateful", "spmkit_testing.strategies"]


@pytest.mark.parametrize("name", PACKAGES + MODULES)
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


@pytest.mark.parametrize("name", MODULES)
def test_every_name_a_module_defines_is_exported(name: str) -> None:
    module = importlib.import_module(name)
    defined = {n for n, v in vars(module).items() if not n.startswith("_")
               and getattr(v, "__module__", None) == name}
    assert defined - set(module.__all__) == set()


def test_core_never_imports_the_harness_or_pytest() -> None:
    import subprocess
    import sys

    code = ("import sys, spmkit; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('pytest', 'spmkit_testing', 'hypothesis', 'respx', 'freezegun', 'faker')]; "
            "print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


@pytest.mark.parametrize("name", PACKAGES + MODULES)
def test_public_callables_have_docstrings(name: str) -> None:
    module = importlib.import_module(name)
    # A type alias (Literal[...], a Union, Callable[...]) is not a callable of the API.
    undocumented = [
        n for n in module.__all__
        if callable(getattr(module, n)) and typing.get_origin(getattr(module, n)) is None
        and not (getattr(module, n).__doc__ or "").strip()
    ]
    assert undocumented == []


def test_the_architecture_contracts_hold() -> None:
    """The import-linter contracts of pyproject.toml (layers, no circles, private modules
    kept private, the engine free of the harness): `make lint` runs them too."""
    import subprocess
    import sys
    from pathlib import Path

    tool = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(tool), "--no-cache"], capture_output=True, text=True,
                          check=False, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout


def test_the_names_the_harness_uses_are_public() -> None:
    import spmkit

    assert spmkit.HOOK_NAMES[0] == "install"
    assert (spmkit.SIGNATURE_HEADER, spmkit.TIMESTAMP_HEADER) == (
        "x-shopimind-signature", "x-shopimind-timestamp")
    assert spmkit.bulk_resource("customers").natural_key == "customer_id"
    assert spmkit.check_page([1], "page 1") == [1]
    with pytest.raises(spmkit.UnexpectedPage) as info:
        spmkit.check_page(None, "GET /customers page 2")
    assert info.value.args == (
        "GET /customers page 2: expected a list of records but got NoneType: None. An "
        "unexpected page is an error, not the end of the data: the cursor is held so no "
        "record is skipped. Check the partner API's answer (auth, rate limit, outage).",)


def test_no_module_is_over_500_lines() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    sizes = {str(p.relative_to(root)): len(p.read_text(encoding="utf-8").splitlines())
             for package in ("spmkit", "spmkit_testing") for p in (root / package).rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 500} == {}
