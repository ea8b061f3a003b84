"""Our own analysis of a call (`humanadd.analytics`), stored where the provider left a field
empty: the one place that decides which of a call's values are ours.

A call's `sentiment`, `summary`, `tags` and `booked` are the provider's (or the import's) when
it gave them; each one it left empty (null, no tags, `booked` not said) is filled by our
analysis and listed in the call's `computed_fields`. Only those may a later analysis change,
and the provider's next event replaces them all (`repository.upsert`). The caller's questions
are always ours, each stored with its topic (`questions.service`).
"""

from typing import NamedTuple, cast

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.analytics.analysis import analyse
from humanadd.analytics.embedding import Embedder
from humanadd.analytics.transcript import Turn, from_object, from_text
from humanadd.calls import repository
from humanadd.calls.models import Call
from humanadd.calls.records import CallRecord
from humanadd.db import lease
from humanadd.questions import service as questions

FIELDS = ("sentiment", "summary", "tags", "booked")
_DUE = cast(Table, Call.__table__).c.analysis_due_at
LEASE_MS = 120_000
"""How long a worker holds a call it is analysing; a worker that dies lets it go this late."""


def turns_of(record: CallRecord | Call) -> list[Turn]:
    """The call's turns: from its `transcript_object`, else its text transcript."""
    if record.transcript_object:
        return from_object(record.transcript_object)
    return from_text(record.transcript or "")


def complete(record: CallRecord) -> CallRecord:
    """`record` with our analysis in every field it leaves empty (or that holds ours already),
    those fields in `computed_fields`, and the caller's `questions`. A call still ongoing is
    left as it is: its transcript is not final."""
    if record.status == "ongoing":
        return record
    ours = set(record.computed_fields)
    if record.booked is None:
        ours.add("booked")
    ours.update(name for name in ("sentiment", "summary", "tags") if not getattr(record, name))
    result = analyse(turns_of(record))
    for name in FIELDS:
        if name in ours:
            setattr(record, name, getattr(result, name))
    record.computed_fields = [name for name in FIELDS if name in ours]
    record.questions = result.questions
    return record


def record_of(call: Call) -> CallRecord:
    """What is stored of `call`, as a record."""
    return CallRecord(
        **{
            name: getattr(call, name)
            for name in CallRecord.__dataclass_fields__
            if name != "questions"
        }
    )


class Analysed(NamedTuple):
    record: CallRecord
    """The call as it now is."""
    regroup: bool
    """Its account's topics have grown enough to be re-clustered (`questions.service`)."""


async def analyse_call(session: AsyncSession, embedder: Embedder, call: Call) -> Analysed:
    """Analyse the stored `call` (locked by the caller) again: fields that are ours replaced,
    its questions stored with their topics."""
    record = complete(record_of(call))
    regroup = False
    if call.status != "ongoing":
        for name in (*FIELDS, "computed_fields"):
            setattr(call, name, getattr(record, name))
        await repository.replace_tags(session, call.id, call.account_id, record.tags)
        regroup = await questions.store(
            session, embedder, call.account_id, call.id, call.started_at, record.questions
        )
    return Analysed(record, regroup)


async def claim(session: AsyncSession, now: int, limit: int) -> list[tuple[int, int]]:
    """Lease up to `limit` calls whose analysis is due at `now`: (row id, lease) of each."""
    until = now + LEASE_MS
    return [(pk, until) for pk in await lease(session, repository.due(now, limit), _DUE, until)]


async def analyse_due(
    session: AsyncSession, embedder: Embedder, call_pk: int, leased_until: int
) -> tuple[Call, Analysed] | None:
    """Analyse a call this worker leased (`claim`) and take it off the queue; the call and its
    analysis, or None when it changed since (a newer event queued it again: analysed then)."""
    call = await repository.leased(session, call_pk, leased_until)
    if call is None:
        return None
    analysed = await analyse_call(session, embedder, call)
    call.analysis_due_at = None
    return call, analysed


async def analyse_batch(
    session: AsyncSession,
    embedder: Embedder,
    account_id: str,
    *,
    since_ms: int | None,
    recompute: bool,
    after_pk: int,
    limit: int,
) -> list[int]:
    """`humanadd analyze`'s step: analyse the account's next `limit` calls past row id
    `after_pk` (those queued for it, or with `recompute` every ended call since `since_ms`);
    their row ids. A call whose `call_ended` is still owed stays queued: the worker sends it."""
    calls = await repository.for_analysis(
        session,
        account_id,
        since_ms=since_ms,
        pending_only=not recompute,
        after_pk=after_pk,
        limit=limit,
    )
    for call in calls:
        await analyse_call(session, embedder, call)
        if not call.notify_when_analysed:
            call.analysis_due_at = None
    return [call.id for call in calls]


async def to_analyse(
    session: AsyncSession, account_id: str, *, since_ms: int | None, recompute: bool
) -> int:
    """How many calls `analyse_batch` will go through."""
    return await repository.count_for_analysis(
        session, account_id, since_ms=since_ms, pending_only=not recompute
    )
