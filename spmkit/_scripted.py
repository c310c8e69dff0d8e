"""``scripted_client``: script what the API answers to each bulk push, in a unit test.

The engine needs one method from a client, ``bulk_save(resource, items, *,
id_definition=None) -> Envelope`` (see :class:`~spmkit.PushFn`). A
:class:`ScriptedClient` answers it from a list of :class:`BulkAnswer`, building the
same :class:`~spmkit.Envelope` the real client would, so the engine's safe push
rules (rejects returned, transport failures raised, a whole chunk refused named)
apply exactly as in production, with no envelope built by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spmkit._bulk_chunks import check_items, item_keys
from spmkit._checks import check_int
from spmkit._envelope import BulkData, ChunkSummary, Envelope, EnvelopeError
from spmkit._errors import InvalidArgument
from spmkit._resources import bulk_resource
from spmkit._retry import is_retryable_status

__all__ = ["BulkAnswer", "BulkCall", "ScriptedClient", "scripted_client"]


@dataclass(frozen=True, slots=True)
class BulkAnswer:
    """What the API answers to one ``bulk_save`` call.

    * ``BulkAnswer()`` — everything stored (a 200);
    * ``BulkAnswer(rejected={"c2": "email must be a valid e-mail address"})`` — those
      items refused by validation inside a 2xx (keys are the resource's natural key);
    * ``BulkAnswer(failed_count=1)`` — a 2xx reporting items it did not store;
    * ``BulkAnswer(status_code=503)`` (or 422, 429...) — the call refused as a whole;
      ``status_code=0`` is a network error (no answer: ``ECONNRESET``).
    """

    status_code: int = 200
    rejected: Mapping[str, str] = field(default_factory=dict)
    failed_count: int = 0
    message: str = "scripted answer"

    def __post_init__(self) -> None:
        code = self.status_code
        if isinstance(code, bool) or not isinstance(code, int) or not (
            code == 0 or 200 <= code <= 599
        ):
            raise InvalidArgument(
                f"Expected an HTTP status (200-599) or 0 (a network error) for status_code "
                f"but got status_code={code!r}."
            )
        check_int(self.failed_count, "failed_count", minimum=0)
        if not isinstance(self.rejected, Mapping):
            raise InvalidArgument(
                f"Expected a mapping of item key to reason for rejected but got "
                f"rejected={self.rejected!r:.80}, such as {{'c2': 'invalid email'}}."
            )


@dataclass(frozen=True, slots=True)
class BulkCall:
    """One ``bulk_save`` call a :class:`ScriptedClient` received."""

    resource: str
    items: tuple[Mapping[str, Any], ...]
    id_definition: Any = None


class ScriptedClient:
    """A client whose ``bulk_save`` answers from a script (see :func:`scripted_client`).

    ``calls`` lists what was pushed, in order. Once the script is used up every
    further call gets ``then``.
    """

    def __init__(self, answers: Sequence[BulkAnswer], then: BulkAnswer) -> None:
        for index, answer in enumerate([*answers, then]):
            if not isinstance(answer, BulkAnswer):
                raise InvalidArgument(
                    f"scripted_client expects BulkAnswer(...) answers but answer {index} is "
                    f"{answer!r:.80} (type={type(answer).__name__}): for example "
                    f"BulkAnswer(status_code=503) or BulkAnswer(rejected={{'c2': 'bad email'}})."
                )
        self._answers = list(answers)
        self._then = then
        self.calls: list[BulkCall] = []

    def __repr__(self) -> str:
        return f"ScriptedClient({len(self._answers)} answer(s) left, {len(self.calls)} call(s))"

    async def bulk_save(
        self,
        resource: str,
        items: Sequence[Mapping[str, Any]],
        *,
        id_definition: Any = None,
    ) -> Envelope:
        """Answer one push with the next scripted answer, as the real client would."""
        spec = bulk_resource(resource)
        batch = check_items(resource, items)
        if not batch:
            return Envelope(ok=True, status_code=200, data=BulkData())
        self.calls.append(BulkCall(resource, tuple(batch), id_definition))
        answer = self._answers.pop(0) if self._answers else self._then
        keys = item_keys(batch, spec.natural_key)
        if not 200 <= answer.status_code < 300:
            return _refused(answer, keys)
        unknown = sorted(set(answer.rejected) - set(keys))
        if unknown:
            raise InvalidArgument(
                f"The scripted answer rejects {unknown} but this push of {resource!r} carried "
                f"the keys {list(keys)} (by {spec.natural_key!r}): script the keys of this call."
            )
        rejected = [
            {"key": key, "reason": answer.rejected[key], "batch_index": index}
            for index, key in enumerate(keys) if key in answer.rejected
        ]
        failed = min(answer.failed_count, len(batch) - len(rejected))
        sent = len(batch) - len(rejected) - failed
        chunk = ChunkSummary(0, answer.status_code, True, keys, sent_count=sent,
                             rejected_count=len(rejected), failed_count=failed)
        data = BulkData(sent_count=sent, rejected_count=len(rejected), failed_count=failed,
                        rejected_items=tuple(rejected), chunks=(chunk,))
        return Envelope(ok=True, status_code=answer.status_code, data=data)


def _refused(answer: BulkAnswer, keys: tuple[str, ...]) -> Envelope:
    status = answer.status_code
    if status == 0:
        error = EnvelopeError(message=answer.message, code="ECONNRESET", retryable=True)
    else:
        error = EnvelopeError(message=f"HTTP {status}: {answer.message}", code=f"HTTP_{status}",
                              retryable=is_retryable_status(status))
    chunk = ChunkSummary(0, status, False, keys, failed_count=len(keys), error=error)
    data = BulkData(failed_count=len(keys), chunks=(chunk,))
    return Envelope(ok=False, status_code=status, data=data, error=error)


def scripted_client(*answers: BulkAnswer, then: BulkAnswer | None = None) -> ScriptedClient:
    """A client for ``run_integration_sync(client=...)`` that answers pushes from a script.

    One answer per ``bulk_save`` call, in order (the real client's chunking is not
    modelled); after the script, every call gets ``then`` (everything stored).

    For example::

        client = scripted_client(
            BulkAnswer(rejected={"c2": "email must be a valid e-mail address"}),
            BulkAnswer(status_code=503),
        )
        summary = await run_integration_sync(integration, store=store, client=client)
        client.calls[0].items  # what the first push carried
    """
    return ScriptedClient(answers, then if then is not None else BulkAnswer())
