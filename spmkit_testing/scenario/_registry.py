"""Finding and loading scenario files: the named library and files on disk.

The library is the top-level ``scenarios/`` folder of the repository when running
from a checkout, else the copy shipped in the wheel (``spmkit_testing/_scenarios``);
the checkout wins. A scenario file is Python that defines ``scenario = Scenario(...)``;
loading runs it with :func:`runpy.run_path`, which leaves ``sys.modules`` as it was.
"""

from __future__ import annotations

import difflib
import runpy
from importlib import resources
from pathlib import Path

from spmkit_testing._dsl import InvalidScenario
from spmkit_testing.scenario._scenario import Scenario

__all__ = ["UnknownScenario", "load_scenario", "scenario_dirs", "scenario_names", "scenario_path",
           "unknown_scenario_text"]


class UnknownScenario(InvalidScenario, LookupError):
    """No scenario of that name in the library (the message lists the known ones)."""


def scenario_dirs() -> list[Path]:
    """Where the named scenarios live, in lookup order (repository first, then installed)."""
    out: list[Path] = []
    repo = Path(__file__).resolve().parents[2] / "scenarios"
    if repo.is_dir():
        out.append(repo)
    try:
        shipped = resources.files("spmkit_testing") / "_scenarios"
        if shipped.is_dir():
            out.append(Path(str(shipped)))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):  # pragma: no cover
        pass
    return out


def _library() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in scenario_dirs():
        for path in sorted(directory.glob("*.py")):
            if not path.name.startswith("_"):
                found.setdefault(path.stem, path)
    return found


def scenario_names() -> list[str]:
    """The names of the library's scenarios, sorted."""
    return sorted(_library())


def scenario_path(name: str) -> Path:
    """The file of a named scenario, or :class:`UnknownScenario` listing the known names."""
    library = _library()
    try:
        return library[name]
    except KeyError:
        raise UnknownScenario(unknown_scenario_text(name)) from None


def unknown_scenario_text(name: str) -> str:
    """What to say about a name that is not in the library: the closest names first (a
    misspelling), then every name."""
    names = sorted(_library())
    close = difflib.get_close_matches(name, names, n=3)
    guess = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return (f"unknown scenario {name!r}{guess}; choose from: {', '.join(names) or '(none found)'}"
            f" (or pass the path of a scenario file ending in .py)")


def _looks_like_path(value: str) -> bool:
    return value.endswith(".py") or "/" in value or "\\" in value


def load_scenario(path_or_name: str | Path) -> Scenario:
    """Load a scenario by library name (``"poison_pill"``) or from a file path.

    For example::

        scenario = load_scenario("poison_pill")
        scenario = load_scenario("tests/my_scenarios/late_orders.py")
    """
    if isinstance(path_or_name, Path) or _looks_like_path(path_or_name):
        path = Path(path_or_name)
        if not path.is_file():
            raise InvalidScenario(
                f"no scenario file at {str(path)!r}; pass an existing .py file that defines "
                f"scenario = Scenario(...), or a library name ({', '.join(scenario_names())})"
            )
    elif isinstance(path_or_name, str) and path_or_name:
        path = scenario_path(path_or_name)
    else:
        raise InvalidScenario(
            f"Expected a scenario name or path but got {path_or_name!r} "
            f"(type={type(path_or_name).__name__})."
        )
    try:
        namespace = runpy.run_path(str(path), run_name=f"spmkit_scenario_{path.stem}")
    except InvalidScenario as exc:
        raise InvalidScenario(f"{path}: {exc}") from exc
    except Exception as exc:
        raise InvalidScenario(
            f"{path} failed to load: {type(exc).__name__}: {exc}; a scenario file must run on "
            f"its own and define scenario = Scenario(...)"
        ) from exc
    scenario = namespace.get("scenario")
    if not isinstance(scenario, Scenario):
        found = "nothing" if scenario is None else f"{type(scenario).__name__}"
        raise InvalidScenario(
            f"{path} does not define scenario = Scenario(...) (found {found}); add it at the "
            f"module level, for example scenario = Scenario('{path.stem}', ...)"
        )
    return scenario
