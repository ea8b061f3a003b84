"""All SQL about calls, composed from one tenant-scoped base statement."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row, Select, delete, exists, false, insert, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.calls.cursor import CallFilters, Position
from humanadd.calls.models import Call, CallQuestion, CallTag
from humanadd.calls.questions import normalize
from humanadd.db import utcnow

SUMMARY_COLUMNS = (
    Call.id,
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
DETAIL_COLUMNS = (
    *SUMMARY_COLUMNS,
    Call.ended_at,
    Call.disconnection_reason,
    Call.transcript,
    Call.transcript_object,
    Call.recording_ref,
)


@dataclass
class CallRecord:
    """A call as the service stores it, whatever brought it in (import, demo, provider)."""

    call_id: str
    direction: str
    started_at: int
    from_number: str | None = None
    to_number: str | None = None
    ended_at: int | None = None
    duration_seconds: int = 0
    status: str = "ended"
    disconnection_reason: str | None = None
    sentiment: str | None = None
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    booked: bool = False
    transcript: str | None = None
    transcript_object: list[dict[str, Any]] | None = None
    recording_ref: str | None = None
    questions: list[str] = field(default_factory=list)


def storable(text: str) -> bool:
    """False for text no column can hold: PostgreSQL refuses NUL characters outright (an error,
    not a miss), so a value with one is answered as "no such call" without asking."""
    return "\x00" not in text


def scoped(account_id: str, *columns: Any) -> Select[Any]:
    """The base of every call query: only this account's calls."""
    return select(*columns).where(Call.account_id == account_id)


def _filtered(statement: Select[Any], account_id: str, filters: CallFilters) -> Select[Any]:
    if filters.direction is not None:
        statement = statement.where(Call.direction == filters.direction)
    if filters.status is not None:
        statement = statement.where(Call.status == filters.status)
    if filters.sentiment == "unknown":
        statement = statement.where(Call.sentiment.is_(None))
    elif filters.sentiment is not None:
        statement = statement.where(Call.sentiment == filters.sentiment)
    if filters.booked is not None:
        statement = statement.where(Call.booked.is_(filters.booked))
    if filters.before is not None:
        statement = statement.where(Call.started_at < filters.before)
    if filters.tag is not None and not storable(filters.tag):
        statement = statement.where(false())
    elif filters.tag is not None:
        statement = statement.where(
            exists().where(
                CallTag.call_pk == Call.id,
                CallTag.account_id == account_id,
                CallTag.tag == filters.tag,
            )
        )
    return statement


async def list_page(
    session: AsyncSession,
    account_id: str,
    filters: CallFilters,
    position: Position | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Up to `limit` calls past `position` (newest first when there is none)."""
    statement = _filtered(scoped(account_id, *SUMMARY_COLUMNS), account_id, filters)
    key = tuple_(Call.started_at, Call.id)
    if position is None:
        statement = statement.order_by(Call.started_at.desc(), Call.id.desc())
    elif position.ascending:
        statement = statement.where(key > tuple_(position.started_at, position.call_pk))
        statement = statement.order_by(Call.started_at, Call.id)
    else:
        statement = statement.where(key < tuple_(position.started_at, position.call_pk))
        statement = statement.order_by(Call.started_at.desc(), Call.id.desc())
    rows: Sequence[Row[Any]] = (await session.execute(statement.limit(limit))).all()
    return rows


async def get_detail(session: AsyncSession, account_id: str, call_id: str) -> Row[Any] | None:
    if not storable(call_id):
        return None
    statement = scoped(account_id, *DETAIL_COLUMNS).where(Call.call_id == call_id)
    row: Row[Any] | None = (await session.execute(statement)).first()
    return row


async def get_recording_ref(
    session: AsyncSession, account_id: str, call_id: str
) -> Row[Any] | None:
    if not storable(call_id):
        return None
    statement = scoped(account_id, Call.recording_ref).where(Call.call_id == call_id)
    row: Row[Any] | None = (await session.execute(statement)).first()
    return row


def _insert_for(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def upsert(session: AsyncSession, account_id: str, record: CallRecord) -> int:
    """Insert or update the call (account, call_id), with its tags and questions; its row id."""
    values = {
        name: getattr(record, name)
        for name in Call.__table__.columns.keys()  # noqa: SIM118 - a ColumnCollection
        if hasattr(record, name)
    }
    values["updated_at"] = utcnow()
    statement = _insert_for(session)(Call).values(
        account_id=account_id, created_at=values["updated_at"], **values
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Call.account_id, Call.call_id], set_=values
    ).returning(Call.id)
    call_pk: int = (await session.execute(statement)).scalar_one()
    await session.execute(delete(CallTag).where(CallTag.call_pk == call_pk))
    await session.execute(delete(CallQuestion).where(CallQuestion.call_pk == call_pk))
    if record.tags:
        await session.execute(
            insert(CallTag),
            [
                {"call_pk": call_pk, "account_id": account_id, "tag": tag}
                for tag in set(record.tags)
            ],
        )
    if record.questions:
        # Each question once per call, in the wording the caller first used: stats then count
        # the calls that asked it with a plain COUNT(*).
        first_wordings: dict[str, str] = {}
        for question in record.questions:
            first_wordings.setdefault(normalize(question)[:512], question)
        await session.execute(
            insert(CallQuestion),
            [
                {
                    "call_pk": call_pk,
                    "account_id": account_id,
                    "started_at": record.started_at,
                    "normalized": normalized,
                    "text": question,
                }
                for normalized, question in first_wordings.items()
            ],
        )
    return call_pk
