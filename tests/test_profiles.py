"""The Hypothesis profiles spmkit-dev and spmkit-ci exist in a plain script that imports
spmkit_testing, whichever of it and Hypothesis comes first; importing spmkit_testing alone
never imports Hypothesis (the pytest plugin loads it in every run)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROFILES = ("from hypothesis import settings; "
            "print(settings.get_profile('spmkit-ci').max_examples, "
            "settings.get_profile('spmkit-dev').max_examples)")


def python(code: str, **env: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_spmkit_testing_does_not_import_hypothesis() -> None:
    assert python("import sys, spmkit_testing; print('hypothesis' in sys.modules)") == "False\n"


def test_the_profiles_exist_in_a_script_importing_spmkit_testing_first() -> None:
    assert python(f"import spmkit_testing; {PROFILES}") == "500 30\n"


@pytest.mark.parametrize("plugins", ["", "1"], ids=["entry-point", "no-plugins"])
def test_the_profiles_exist_when_hypothesis_came_first(plugins: str) -> None:
    # Without Hypothesis' entry points, importing spmkit_testing registers them.
    code = f"import hypothesis; import spmkit_testing; {PROFILES}"
    assert python(code, HYPOTHESIS_NO_PLUGINS=plugins) == "500 30\n"
