"""All SQL about calls, composed from one tenant-scoped base statement."""

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account
from humanadd.calls.cursor import CallFilters, Position
from humanadd.calls.models import Call, CallTag
from humanadd.calls.records import CallRecord
from humanadd.db import Reader, Row, insert_for, utcnow
from humanadd.keys.repository import live_key
from humanadd.questions import repository as questions

SUMMARY_COLUMNS = (
    Call.call_id,
    Call.direction,
    Call.from_number,
    Call.to_number,
    Call.started_at,
    Call.duration_seconds,
    Call.status,
    Call.sentiment,
    Call.summary,
    Call.tags,
    Call.booked,
)
LISTED_COLUMNS = (*SUMMARY_COLUMNS, Call.disconnection_reason, Call.recording_ref)
"""A page's columns on the dashboard, whose table shows the outcome and a recording mark."""
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    Call.ended_at,
    Call.disconnection_reason,
    Call.transcript,
    Call.transcript_object,
    Call.recording_ref,
)


def storable(text: str) -> bool:
    """False for text no column can hold: PostgreSQL refuses NUL characters outright (an error,
    not a miss), so a value with one is answered as "no such call" without asking."""
    return "\x00" not in text


def scoped(account_id: str, *columns: Any) -> Select[Any]:
    """The base of every call query: only this account's calls."""
    return select(*columns).where(Call.account_id == account_id)


_calls = Call.__table__.c
_tags = CallTag.__table__.c
QUESTIONS = questions.questions_of(_calls.id).label("questions")
"""A call's questions, a column of its detail (`questions.repository.questions_of`)."""


def _bound_scoped(*columns: Any) -> Select[Any]:
    """`scoped` with the account as the bound parameter `account_id`.

    Built once and reused for every request; they run on the driver (see `humanadd.api.driver`),
    which compiles each once.
    """
    return select(*(_calls[column.key] for column in columns)).where(
        _calls.account_id == bindparam("account_id")
    )


@cache
def _page_statement(
    direction: bool,
    status: bool,
    sentiment: str | None,
    booked: bool | None,
    before: bool,
    tag: str | None,
    order: str,
    since: bool = False,
    phone: bool = False,
    listed: bool = False,
    topic: bool = False,
) -> Select[Any]:
    """The page query for one combination of filters, its values left as bound parameters.

    `sentiment` is None, "unknown" or "value"; `tag` is None, "value" or "impossible";
    `order` is "newest", or "after"/"before" a position: a (started_at, call_id) pair, or with
    an "_ms" suffix the edge of one millisecond. Pages follow the index
    (account_id, started_at, call_id) in either direction, so no query sorts.
    """
    statement = _bound_scoped(*(LISTED_COLUMNS if listed else SUMMARY_COLUMNS))
    if direction:
        statement = statement.where(_calls.direction == bindparam("direction"))
    if status:
        statement = statement.where(_calls.status == bindparam("status"))
    if sentiment == "unknown":
        statement = statement.where(_calls.sentiment.is_(None))
    elif sentiment is not None:
        statement = statement.where(_calls.sentiment == bindparam("sentiment"))
    if booked is not None:
        statement = statement.where(_calls.booked.is_(booked))
    if before:
        statement = statement.where(_calls.started_at < bindparam("before"))
    if since:
        statement = statement.where(_calls.started_at >= bindparam("since"))
    if phone:
        pattern = bindparam("phone_pattern", type_=String())
        statement = statement.where(
            or_(
                _calls.from_number.like(pattern, escape="\\"),
                _calls.to_number.like(pattern, escape="\\"),
            )
        )
    if topic:
        statement = statement.where(_calls.id.in_(questions.CALLS_ASKING_TOPIC))
    if tag == "impossible":
        statement = statement.where(false())
    elif tag is not None:
        statement = statement.where(
            exists().where(
                _tags.call_pk == _calls.id,
                _tags.account_id == bindparam("account_id"),
                _tags.tag == bindparam("tag"),
            )
        )
    started_at = bindparam("position_started_at", type_=BigInteger())
    key = tuple_(_calls.started_at, _calls.call_id)
    position = tuple_(started_at, bindparam("position_call_id", type_=String()))
    if order == "after":
        statement = statement.where(key > position)
    elif order == "after_ms":
        statement = statement.where(_calls.started_at > started_at)
    elif order == "before":
        statement = statement.where(key < position)
    elif order == "before_ms":
        statement = statement.where(_calls.started_at < started_at)
    if order.startswith("after"):
        statement = statement.order_by(_calls.started_at, _calls.call_id)
    else:
        statement = statement.order_by(_calls.started_at.desc(), _calls.call_id.desc())
    return statement.limit(bindparam("limit", type_=Integer()))


def _like_escaped(text: str) -> str:
    """`text` matched literally by LIKE … ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def list_page(
    reader: Reader,
    account_id: str,
    filters: CallFilters,
    position: Position | None,
    limit: int,
    *,
    listed: bool = False,
) -> list[Row]:
    """Up to `limit` calls past `position` (newest first when there is none): their
    `SUMMARY_COLUMNS`, or with `listed` their `LISTED_COLUMNS`."""
    params: dict[str, Any] = {"account_id": account_id, "limit": limit}
    for name in ("direction", "status", "before", "since", "topic"):
        if getattr(filters, name) is not None:
            params[name] = getattr(filters, name)
    sentiment = filters.sentiment
    if sentiment is not None and sentiment != "unknown":
        params["sentiment"] = sentiment
        sentiment = "value"
    tag = None
    if filters.tag is not None:
        tag = "value" if storable(filters.tag) else "impossible"
        params["tag"] = filters.tag
    order = "newest"
    if position is not None:
        order = "after" if position.ascending else "before"
        params["position_started_at"] = position.started_at
        if position.call_id is None:
            order += "_ms"
        else:
            params["position_call_id"] = position.call_id
    if filters.phone is not None:
        params["phone_pattern"] = f"%{_like_escaped(filters.phone)}%"
    statement = _page_statement(
        filters.direction is not None,
        filters.status is not None,
        sentiment,
        filters.booked,
        filters.before is not None,
        tag,
        order,
        since=filters.since is not None,
        phone=filters.phone is not None,
        listed=listed,
        topic=filters.topic is not None,
    )
    return await reader.fetch(statement, params)


DETAIL_WITH_KEY = live_key(*(_calls[column.key] for column in DETAIL_COLUMNS), QUESTIONS).outerjoin(
    Call.__table__,
    and_(_calls.account_id == Account.__table__.c.id, _calls.call_id == bindparam("call_id")),
)
"""The key look-up (`keys.repository.live_key`) with the call `call_id` of its account: its
`DETAIL_COLUMNS` in that order and its `questions`, the call's columns None when the account
has no such call."""
_RECORDING_REF = _bound_scoped(Call.recording_ref).where(_calls.call_id == bindparam("call_id"))
_DETAIL = (
    _bound_scoped(*DETAIL_COLUMNS)
    .add_columns(QUESTIONS)
    .where(_calls.call_id == bindparam("call_id"))
)


async def _one_call(
    reader: Reader, statement: Select[Any], account_id: str, call_id: str
) -> Row | None:
    if not storable(call_id):
        return None
    rows = await reader.fetch(statement, {"account_id": account_id, "call_id": call_id})
    return rows[0] if rows else None


async def get_detail(reader: Reader, account_id: str, call_id: str) -> Row | None:
    """A row with the call's `DETAIL_COLUMNS` and `questions` (None when the account has no
    such call)."""
    return await _one_call(reader, _DETAIL, account_id, call_id)


async def topic_answering(reader: Reader, account_id: str, topic_id: str) -> Row | None:
    """A row with the `id` and `label` of the topic that answers for the account's topic
    `topic_id` (None when it has no such topic)."""
    rows = await reader.fetch(
        questions.TOPIC_ANSWERING, {"account_id": account_id, "topic": topic_id}
    )
    return rows[0] if rows else None


async def get_recording_ref(reader: Reader, account_id: str, call_id: str) -> Row | None:
    """A row with the call's `recording_ref` (None when it has none)."""
    return await _one_call(reader, _RECORDING_REF, account_id, call_id)


async def recording_inputs(session: AsyncSession, account_id: str, call_id: str) -> Row | None:
    """A row with what a generated recording is made of: the call's `duration_seconds`,
    `transcript_object` and `updated_at` (None when the account has no such call)."""
    statement = scoped(
        account_id, Call.duration_seconds, Call.transcript_object, Call.updated_at
    ).where(Call.call_id == call_id)
    return (await session.execute(statement)).first()


_KEY_COLUMNS = ("id", "account_id", "call_id", "created_at")
_KEPT_WHEN_UNKNOWN = ("recording_ref", "provider_stage")
"""A recording, once known, is kept: an update that knows of none (an import) leaves it. So is
a provider stage."""
_CALLS = cast(Table, Call.__table__)
_CALL_TAGS = cast(Table, CallTag.__table__)
_DELETE_TAGS = delete(_CALL_TAGS).where(_CALL_TAGS.c.call_pk == bindparam("pk"))


@cache
def _upsert_statement(dialect: str) -> Any:
    """INSERT … ON CONFLICT (account_id, call_id) DO UPDATE, built once per dialect: its values
    come as parameters, and the update takes them from `excluded`.

    An update with a provider stage happens only when the stored call is at that stage or an
    earlier one (or came another way): the provider's events arrive in any order, and a later
    one knows more.
    """
    table = _CALLS
    statement = insert_for(dialect)(table)
    excluded = statement.excluded
    updates: dict[str, Any] = {
        column.name: excluded[column.name]
        for column in table.columns
        if column.name not in _KEY_COLUMNS
    }
    for name in _KEPT_WHEN_UNKNOWN:
        updates[name] = func.coalesce(excluded[name], table.c[name])
    # A `call_ended` owed stays owed until the analysis that sends it.
    updates["notify_when_analysed"] = or_(
        excluded.notify_when_analysed, table.c.notify_when_analysed
    )
    later_stage = or_(
        excluded.provider_stage.is_(None),
        func.coalesce(table.c.provider_stage, 0) <= excluded.provider_stage,
    )
    return statement.on_conflict_do_update(
        index_elements=[table.c.account_id, table.c.call_id], set_=updates, where=later_stage
    ).returning(table.c.id)


async def upsert(
    session: AsyncSession, account_id: str, record: CallRecord, *, stage: int | None = None
) -> int | None:
    """Insert or update the call (account, call_id), with its tags; its row id. Its questions
    are the analysis's to store (`calls.analysis`).

    With a provider `stage`, a call already stored at a later stage is left as it is (and None
    returned). A `booked` not said is stored as false, ours to decide (`computed_fields`).
    """
    now = utcnow()
    values = {
        column.name: getattr(record, column.name)
        for column in Call.__table__.columns
        if hasattr(record, column.name)
    }
    if record.booked is None:
        values["booked"] = False
        values["computed_fields"] = list(dict.fromkeys([*record.computed_fields, "booked"]))
    values.update(account_id=account_id, created_at=now, updated_at=now, provider_stage=stage)
    statement = _upsert_statement(session.get_bind().dialect.name)
    call_pk: int | None = (await session.execute(statement, values)).scalar_one_or_none()
    if call_pk is None:
        return None
    await replace_tags(session, call_pk, account_id, record.tags)
    return call_pk


async def replace_tags(
    session: AsyncSession, call_pk: int, account_id: str, tags: Sequence[str]
) -> None:
    """The call's tags, in place of those it had."""
    await session.execute(_DELETE_TAGS, {"pk": call_pk})
    if tags:
        await session.execute(
            insert(_CALL_TAGS),
            [{"call_pk": call_pk, "account_id": account_id, "tag": tag} for tag in set(tags)],
        )


def due(now: int, limit: int) -> Select[Any]:
    """The row ids of up to `limit` calls whose analysis is due at `now`, the longest due
    first."""
    return (
        select(Call.id)
        .where(Call.analysis_due_at <= now)
        .order_by(Call.analysis_due_at)
        .limit(limit)
    )


async def leased(session: AsyncSession, call_pk: int, leased_until: int) -> Call | None:
    """The call, locked, if it is still under this lease (no event queued it again since)."""
    statement = (
        select(Call)
        .where(Call.id == call_pk, Call.analysis_due_at == leased_until)
        .with_for_update()
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def for_analysis(
    session: AsyncSession,
    account_id: str,
    *,
    since_ms: int | None,
    pending_only: bool,
    after_pk: int,
    limit: int,
) -> list[Call]:
    """Up to `limit` ended calls of the account past row id `after_pk`, in row order, locked:
    every one that started at or after `since_ms`, or with `pending_only` those queued for an
    analysis no webhook waits for (the worker sends the others' `call_ended` once it has
    analysed them)."""
    statement = (
        _analysis_candidates(account_id, since_ms, pending_only, Call)
        .where(Call.id > after_pk)
        .order_by(Call.id)
        .limit(limit)
        .with_for_update()
    )
    return list((await session.execute(statement)).scalars())


async def stages_held(
    session: AsyncSession, account_id: str, call_ids: Sequence[str]
) -> dict[str, int]:
    """The provider stage stored for each of these calls that exists (0 for a call from
    elsewhere)."""
    statement = scoped(account_id, Call.call_id, func.coalesce(Call.provider_stage, 0)).where(
        Call.call_id.in_(call_ids)
    )
    return {call_id: stage for call_id, stage in await session.execute(statement)}


async def stuck_calls(session: AsyncSession, account_id: str, started_before_ms: int) -> list[str]:
    """The provider's calls still `ongoing` that started before `started_before_ms`."""
    statement = scoped(account_id, Call.call_id).where(
        Call.status == "ongoing",
        Call.provider_stage.is_not(None),
        Call.started_at < started_before_ms,
    )
    return list((await session.execute(statement)).scalars())


async def settle_as_error(session: AsyncSession, account_id: str, call_id: str) -> None:
    """End a call the provider no longer knows: `error`, its analysis never to come."""
    await session.execute(
        update(Call)
        .where(Call.account_id == account_id, Call.call_id == call_id)
        .values(status="error", updated_at=utcnow())
    )


async def set_recording_ref(
    session: AsyncSession, account_id: str, call_id: str, recording_ref: str
) -> None:
    await session.execute(
        update(Call)
        .where(Call.account_id == account_id, Call.call_id == call_id)
        .values(recording_ref=recording_ref, updated_at=utcnow())
    )


async def delete_all(session: AsyncSession, account_id: str) -> None:
    """Every call of the account, with its tags, questions and topics."""
    await questions.delete_all(session, account_id)
    for model in (CallTag, Call):
        await session.execute(delete(model).where(model.account_id == account_id))


async def counts(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, int]:
    """How many calls each of these accounts has (accounts without calls are left out)."""
    if not account_ids:
        return {}
    statement = (
        select(Call.account_id, func.count())
        .where(Call.account_id.in_(account_ids))
        .group_by(Call.account_id)
    )
    return {account_id: count for account_id, count in await session.execute(statement)}


def _analysis_candidates(
    account_id: str, since_ms: int | None, pending_only: bool, *columns: Any
) -> Select[Any]:
    statement = scoped(account_id, *columns).where(Call.status != "ongoing")
    if since_ms is not None:
        statement = statement.where(Call.started_at >= since_ms)
    if pending_only:
        statement = statement.where(
            Call.analysis_due_at.is_not(None), Call.notify_when_analysed.is_(False)
        )
    return statement


async def count_for_analysis(
    session: AsyncSession, account_id: str, *, since_ms: int | None, pending_only: bool
) -> int:
    """How many calls `for_analysis` will give, in all."""
    statement = _analysis_candidates(account_id, since_ms, pending_only, func.count())
    return int((await session.execute(statement)).scalar_one())
