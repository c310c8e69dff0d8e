"""The conformance suite of an integration: ``pytest --spmkit-conformance``.

An integration repository names its integration and adapter in two ini lines::

    [tool.pytest.ini_options]
    spmkit_integration = "my_package.sync:integration"
    spmkit_adapter = "my_package.testing:adapter"

and ``pytest --spmkit-conformance`` runs, one JUnit-friendly item each:

* ``conformance::static::<check>`` — the :data:`STATIC_CHECKS` of what the integration
  and its adapter declare (steps, resources, sources, policies, provisioning, coverage);
* ``conformance::property[I/K]`` — :func:`spmkit_testing.stateful.check_golden_rule` under
  the ``spmkit-ci`` profile in K fixed shards (:func:`spmkit_testing.scale.plan_shards`;
  ``--spmkit-examples N`` to change the budget), and ``conformance::property[remembered]``,
  the failures earlier runs left, replayed first; a failure names the shrunk
  counterexample file and the command that replays it;
* ``conformance::scenario[<name>]`` — every library scenario; one that does not apply
  to the integration is skipped with the reason.

The session ends with a summary: the counts, the skipped scenarios and why, the
fault-space coverage table of the property run and, for a failure, the counterexample
and its replay. ``--spmkit-report DIR`` writes an HTML timeline of every scenario run
and failure with an ``index.html``. It runs the same under ``pytest -n auto``.

The checks are plain functions too (no pytest needed)::

    from spmkit_testing.conformance import STATIC_CHECKS

    for check in STATIC_CHECKS:
        print(check.name, check.problems(my_integration, my_adapter))
"""

from __future__ import annotations

from spmkit_testing.conformance._static import STATIC_CHECKS, StaticCheck, built_integration

__all__ = ["built_integration", "STATIC_CHECKS", "StaticCheck"]
