"""Deriving an integration that runs with other step policies: :func:`with_step_policies`.

A test harness (or a deployment) may want the same integration with a smaller
``batch_size`` or another ``tolerate_rejects``. ``tolerate_rejects`` is a field of every
:class:`~spmkit.SyncStep`, so it is replaced on any step; ``batch_size`` is an argument of
:func:`~spmkit.define_bulk_step`, fixed inside the step it builds, so a bulk step is
rebuilt from its own arguments (``SyncStep.rebuild``). A hand-written step has no batch
size to change: asking for one is an error naming the step.
"""

from __future__ import annotations

import dataclasses

from spmkit._errors import IntegrationDefinitionError, InvalidArgument
from spmkit._integration import Integration, SyncStep
from spmkit._window import TolerancePolicy

__all__ = ["with_step_policies"]


def with_step_policies(integration: Integration, *, batch_size: int | None = None,
                       tolerate_rejects: TolerancePolicy | None = None) -> Integration:
    """A copy of ``integration`` whose every step runs with these policies (``None``: the
    step's own).

    For example::

        small = with_step_policies(integration, batch_size=5, tolerate_rejects=0.1)

    ``batch_size`` needs steps built with ``define_bulk_step`` (they are rebuilt from
    their own arguments); a hand-written ``SyncStep`` refuses it, naming the step.
    """
    if not isinstance(integration, Integration):
        raise InvalidArgument(
            f"with_step_policies() takes an Integration (from define_integration(...)), got "
            f"{integration!r} (type={type(integration).__name__}).")
    steps = tuple(_with_policies(integration.slug, step, batch_size, tolerate_rejects)
                  for step in integration.sync_steps)
    return dataclasses.replace(integration, sync_steps=steps)


def _with_policies(slug: str, step: SyncStep, batch_size: int | None,
                   tolerate_rejects: TolerancePolicy | None) -> SyncStep:
    tolerance = step.tolerate_rejects if tolerate_rejects is None else tolerate_rejects
    if batch_size is None:
        return step if tolerate_rejects is None else dataclasses.replace(
            step, tolerate_rejects=tolerance)
    if step.rebuild is None:
        raise IntegrationDefinitionError(
            f"with_step_policies(batch_size={batch_size!r}): step '{step.entity}' of "
            f"{slug!r} is a hand-written SyncStep, whose batches are its own business: only "
            f"a step built with define_bulk_step(...) can be rebuilt with another batch_size. "
            f"Build '{step.entity}' with define_bulk_step, or leave batch_size out.")
    return step.rebuild(batch_size=batch_size, tolerate_rejects=tolerance)
