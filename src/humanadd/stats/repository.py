"""All SQL of the stats: aggregates over one account's calls in a window, never rows of calls.

Local days and hours are computed in SQL that SQLite and PostgreSQL both run: the caller passes
the account's UTC offsets over the window (they change at DST transitions), and the query adds the
right one to each `started_at` with a CASE. Every value involved is a positive integer, so `//`
renders as integer division and `%` as a plain remainder on both databases.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Row,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.calls.models import Call
from humanadd.calls.outcome import UNANSWERED_REASONS
from humanadd.calls.repository import scoped
from humanadd.questions import repository as questions
from humanadd.questions.repository import ASKED, SURVIVOR

MS_PER_HOUR = 3_600_000
MS_PER_DAY = 86_400_000
HOURS_PER_WEEK = 168
EPOCH_HOUR_OF_WEEK = 3 * 24
"""1970-01-01 was a Thursday: hour 0 since the epoch is hour 72 of a week that starts on Monday."""


@dataclass(frozen=True, slots=True)
class Window:
    """Calls with `start_ms < started_at <= end_ms`."""

    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class UtcOffsets:
    """The account's UTC offset over a window: `initial_ms` until the first change, then each
    `(at_ms, offset_ms)` from `at_ms` (the first millisecond of the new offset) on."""

    initial_ms: int
    changes: tuple[tuple[int, int], ...] = ()


async def prepare_for_aggregates(session: AsyncSession) -> None:
    """On PostgreSQL, planner settings for the rest of this transaction that keep the stats fast.

    The planner cannot know that the local hour of the week has 168 values, so it expects as
    many groups as calls and, within the default `work_mem`, sorts them all on disk instead of
    hashing. And a generic plan for a cached statement guesses the window holds a handful of rows
    and walks the index row by row; custom plans see the real window.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        text(
            "SELECT set_config('work_mem', '64MB', true),"
            " set_config('plan_cache_mode', 'force_custom_plan', true)"
        )
    )


def _local_ms(offsets: UtcOffsets) -> ColumnElement[int]:
    """`started_at` on the account's wall clock, as milliseconds since the local epoch."""
    if not offsets.changes:
        return Call.started_at + literal(offsets.initial_ms, BigInteger)
    whens = []
    current = offsets.initial_ms
    for at_ms, offset_ms in offsets.changes:
        whens.append((Call.started_at < literal(at_ms, BigInteger), literal(current, BigInteger)))
        current = offset_ms
    return Call.started_at + case(*whens, else_=literal(current, BigInteger))


def _answered() -> ColumnElement[int]:
    """1 for a call with a conversation, else 0."""
    talked = and_(
        Call.duration_seconds > 0,
        or_(
            Call.disconnection_reason.is_(None),
            Call.disconnection_reason.not_in(UNANSWERED_REASONS),
        ),
    )
    return case((or_(Call.status == "ongoing", talked), 1), else_=0)


def _count_of(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


def _totals_by(
    bucket: ColumnElement[int], name: str, account_id: str, window: Window
) -> Select[Any]:
    """Every figure but the questions, per value of `bucket` (the column `name`)."""
    calls = (
        scoped(
            account_id,
            bucket.label(name),
            _answered().label("answered"),
            Call.duration_seconds,
            Call.direction,
            Call.sentiment,
        )
        .where(Call.started_at > window.start_ms, Call.started_at <= window.end_ms)
        .subquery()
    )
    # Grouping by the subquery's plain column, not by an expression: PostgreSQL would not see
    # that two copies of an expression with bound parameters are the same expression.
    return select(
        calls.c[name],
        func.count().label("calls"),
        func.sum(calls.c.answered).label("answered"),
        func.sum(calls.c.answered * calls.c.duration_seconds).label("answered_seconds"),
        _count_of(calls.c.direction == "inbound").label("inbound"),
        _count_of(calls.c.direction == "outbound").label("outbound"),
        _count_of(calls.c.sentiment == "positive").label("positive"),
        _count_of(calls.c.sentiment == "neutral").label("neutral"),
        _count_of(calls.c.sentiment == "negative").label("negative"),
    ).group_by(calls.c[name])


async def hourly_totals(
    session: AsyncSession, account_id: str, window: Window, offsets: UtcOffsets
) -> Sequence[Row[Any]]:
    """Every figure but the questions, per local hour of the week: at most 168 rows.

    Columns: hour_of_week (0 is Monday 0:00-0:59, 167 Sunday 23:00-23:59), calls, answered,
    answered_seconds, inbound, outbound, positive, neutral, negative.
    """
    local_hours = _local_ms(offsets) // MS_PER_HOUR
    hour_of_week = (local_hours + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK
    rows: Sequence[Row[Any]] = (
        await session.execute(_totals_by(hour_of_week, "hour_of_week", account_id, window))
    ).all()
    return rows


async def local_hour_totals(
    session: AsyncSession, account_id: str, window: Window, offsets: UtcOffsets
) -> Sequence[Row[Any]]:
    """`hourly_totals` per local hour since the local epoch instead (`local_hour` 24 x d + h is
    hour h of local day d): a row per hour of the window that has calls, so the figures per
    day and per hour of the week both fold out of one scan."""
    local_hours = _local_ms(offsets) // MS_PER_HOUR
    rows: Sequence[Row[Any]] = (
        await session.execute(_totals_by(local_hours, "local_hour", account_id, window))
    ).all()
    return rows


def _asked(account_id: str, window: Window, *columns: Any) -> Select[Any]:
    """The base of every question query: this account's questions asked in the window that
    have a topic, joined to the topic that answers for each (`SURVIVOR`)."""
    return (
        select(*columns)
        .select_from(questions.asked_with_topics())
        .where(
            ASKED.c.account_id == account_id,
            ASKED.c.started_at > window.start_ms,
            ASKED.c.started_at <= window.end_ms,
            SURVIVOR.c.id.is_not(None),
        )
    )


def _codepoint_order(session: AsyncSession, column: Any) -> Any:
    """`column` compared character by character, as SQLite always does, not by locale rules."""
    if session.get_bind().dialect.name == "postgresql":
        return column.collate("C")
    return column


async def topics_asked(
    session: AsyncSession, account_id: str, window: Window, limit: int | None
) -> Sequence[Row[Any]]:
    """(topic_id, label, calls) of the topics asked in the window (up to `limit`), the most
    asked first: `calls` counts distinct calls (two wordings of one topic in a call are one);
    ties by label."""
    calls = func.count(ASKED.c.call_pk.distinct()).label("calls")
    statement = (
        _asked(account_id, window, SURVIVOR.c.id.label("topic_id"), SURVIVOR.c.label, calls)
        .group_by(SURVIVOR.c.id, SURVIVOR.c.label)
        .order_by(calls.desc(), _codepoint_order(session, SURVIVOR.c.label), SURVIVOR.c.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    rows: Sequence[Row[Any]] = (await session.execute(statement)).all()
    return rows


async def wordings(
    session: AsyncSession, account_id: str, window: Window, topic_ids: Sequence[str]
) -> Sequence[Row[Any]]:
    """(topic_id, text, calls) for each wording of these topics asked in the window."""
    statement = (
        _asked(
            account_id,
            window,
            SURVIVOR.c.id.label("topic_id"),
            ASKED.c.text,
            func.count().label("calls"),
        )
        .where(SURVIVOR.c.id.in_(topic_ids))
        .group_by(SURVIVOR.c.id, ASKED.c.text)
    )
    rows: Sequence[Row[Any]] = (await session.execute(statement)).all()
    return rows
