"""The integration under test, as the ini file (or the command line) names it.

Two lines name an integration and its adapter, ``package.module:attribute`` each::

    [tool.pytest.ini_options]
    spmkit_integration = "my_package.sync:integration"
    spmkit_adapter = "my_package.testing:adapter"

(``--spmkit-integration`` / ``--spmkit-adapter`` override them). Neither: the reference
Demo POS. A bad value is a :class:`pytest.UsageError` showing a valid line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from spmkit_testing.sim import Target

__all__ = ["ADAPTER_INI", "INTEGRATION_INI", "spec", "target", "target_name"]

INTEGRATION_INI = "spmkit_integration"
ADAPTER_INI = "spmkit_adapter"
_TARGET = pytest.StashKey["Target"]()
_EXAMPLES = {INTEGRATION_INI: "my_package.sync:integration",
             ADAPTER_INI: "my_package.testing:adapter"}


def spec(config: pytest.Config, ini: str) -> str | None:
    """The ``MOD:ATTR`` text the command line or the ini file gives ``ini`` (``None``)."""
    value = str(config.getoption(ini) or config.getini(ini) or "").strip()
    # pytest.ini / setup.cfg keep quotes that pyproject.toml strips: accept both spellings.
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value or None


def target(config: pytest.Config) -> Target:
    """The configured :class:`~spmkit_testing.Target`, resolved once per session."""
    cached = config.stash.get(_TARGET, None)
    if cached is not None:
        return cached
    from spmkit import InvalidArgument
    from spmkit_testing.sim import Target, resolve_object

    found = []
    for ini in (INTEGRATION_INI, ADAPTER_INI):
        text = spec(config, ini)
        try:
            found.append(None if text is None else resolve_object(text, ini))
        except InvalidArgument as exc:
            raise pytest.UsageError(f"{exc}.\nName it in the ini file like this:\n  {ini} = "
                                    f"\"{_EXAMPLES[ini]}\"") from None
    if (found[0] is None) != (found[1] is None):
        missing = ADAPTER_INI if found[1] is None else INTEGRATION_INI
        raise pytest.UsageError(
            f"{INTEGRATION_INI} and {ADAPTER_INI} go together: {missing} is missing. Add both "
            f"to the ini file, for example:\n  {INTEGRATION_INI} = \""
            f"{_EXAMPLES[INTEGRATION_INI]}\"\n  {ADAPTER_INI} = \"{_EXAMPLES[ADAPTER_INI]}\"")
    result = Target(found[0], found[1])
    config.stash[_TARGET] = result
    return result


def target_name(config: pytest.Config) -> str:
    """How messages name the configured integration."""
    return spec(config, INTEGRATION_INI) or "the reference Demo POS"
