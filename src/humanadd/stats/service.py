"""The stats of one account over a rolling window, in the account's time zone.

The database returns at most 168 rows (one per local hour of the week) and the top questions;
everything here works on those small results, never on calls.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.stats import repository
from humanadd.stats.repository import (
    EPOCH_HOUR_OF_WEEK,
    HOURS_PER_WEEK,
    MS_PER_DAY,
    UtcOffsets,
    Window,
)
from humanadd.stats.schemas import (
    AskedTopic,
    SentimentDistribution,
    Stats,
    TopQuestion,
    Weekday,
)

WEEKDAYS: tuple[Weekday, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
PEAK_HOURS_SPAN = 3
TOP_QUESTIONS = 10
EXAMPLES = 5
SUMMED_COLUMNS = (
    "calls",
    "answered",
    "answered_seconds",
    "inbound",
    "outbound",
    "positive",
    "neutral",
    "negative",
)
"""The columns of `repository.hourly_totals` that add up to the period's totals."""
_EPOCH_DATE = date(1970, 1, 1)
_SCAN_STEP_SECONDS = 3600
"""Offsets are sampled hourly; no time zone changes its offset twice within an hour."""


def window_for(days: int, now_ms: int) -> Window:
    """The last `days` x 24 hours up to and including `now_ms`."""
    return Window(start_ms=now_ms - days * MS_PER_DAY, end_ms=now_ms)


def _offset_seconds(zone: ZoneInfo, epoch_seconds: int) -> int:
    offset = datetime.fromtimestamp(epoch_seconds, zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


@lru_cache(maxsize=4096)
def _offset_changes_in_year(zone_name: str, year: int) -> tuple[tuple[int, int], ...]:
    """(first second of the new offset, new offset in seconds) for every change of the zone's
    UTC offset in (start, end] of this UTC year."""
    zone = ZoneInfo(zone_name)
    start = int(datetime(year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=UTC).timestamp())
    changes = []
    before, offset_before = start, _offset_seconds(zone, start)
    while before < end:
        after = min(before + _SCAN_STEP_SECONDS, end)
        offset_after = _offset_seconds(zone, after)
        if offset_after != offset_before:
            low, high = before, after  # offset(low) is the old one, offset(high) the new one
            while high - low > 1:
                middle = (low + high) // 2
                if _offset_seconds(zone, middle) == offset_before:
                    low = middle
                else:
                    high = middle
            changes.append((high, offset_after))
        before, offset_before = after, offset_after
    return tuple(changes)


def utc_offsets(zone_name: str, window: Window) -> UtcOffsets:
    """The zone's UTC offsets (in ms) over the window, with the exact moments they change."""
    zone = ZoneInfo(zone_name)
    first_second = window.start_ms // 1000
    changes = [
        (at * 1000, offset * 1000)
        for year in range(
            datetime.fromtimestamp(first_second, UTC).year,
            datetime.fromtimestamp(window.end_ms // 1000, UTC).year + 1,
        )
        for at, offset in _offset_changes_in_year(zone_name, year)
        if first_second < at and at * 1000 <= window.end_ms
    ]
    return UtcOffsets(initial_ms=_offset_seconds(zone, first_second) * 1000, changes=tuple(changes))


def format_duration(seconds: int) -> str:
    """`82` → `"1:22"`; `3725` → `"1:02:05"`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def average_duration(total_seconds: int, calls: int) -> str:
    """The mean, rounded to the nearest second (halves up), formatted; `"0:00"` for no calls."""
    if calls == 0:
        return format_duration(0)
    return format_duration((2 * total_seconds + calls) // (2 * calls))


def format_hour(hour: int) -> str:
    """`0` → `"12am"`, `9` → `"9am"`, `12` → `"12pm"`, `23` → `"11pm"`."""
    suffix = "am" if hour < 12 else "pm"
    return f"{(hour % 12) or 12}{suffix}"


def busiest_day(starts_per_weekday: Sequence[int]) -> Weekday | None:
    """The weekday (Monday first in the list) with most starts, the earliest on a tie."""
    most = max(starts_per_weekday)
    return None if most == 0 else WEEKDAYS[starts_per_weekday.index(most)]


def peak_hours(starts_per_hour: Sequence[int]) -> str | None:
    """The 3 consecutive hours with most starts, wrapping past midnight, the earliest on a tie."""
    sums = [
        sum(starts_per_hour[(start + step) % 24] for step in range(PEAK_HOURS_SPAN))
        for start in range(24)
    ]
    most = max(sums)
    if most == 0:
        return None
    start = sums.index(most)
    return f"{format_hour(start)} - {format_hour((start + PEAK_HOURS_SPAN) % 24)}"


async def top_questions(
    session: AsyncSession, account_id: str, window: Window
) -> list[TopQuestion]:
    """The topics asked in most calls, each by its label."""
    return [
        TopQuestion(question=row.label, count=int(row.calls), topic_id=row.topic_id)
        for row in await repository.topics_asked(session, account_id, window, TOP_QUESTIONS)
    ]


async def questions_asked(
    session: AsyncSession, account_id: str, *, days: int, now_ms: int
) -> list[AskedTopic]:
    """Every topic asked in the `days` x 24 hours up to `now_ms`, the most asked first, with
    up to `EXAMPLES` of its wordings (those most calls used first)."""
    window = window_for(days, now_ms)
    ranked = await repository.topics_asked(session, account_id, window, None)
    examples: dict[str, list[tuple[int, str]]] = {}
    for row in await repository.wordings(
        session, account_id, window, [row.topic_id for row in ranked]
    ):
        examples.setdefault(row.topic_id, []).append((-int(row.calls), row.text))
    return [
        AskedTopic(
            topic_id=row.topic_id,
            label=row.label,
            count=int(row.calls),
            examples=[text for _, text in sorted(examples.get(row.topic_id, []))[:EXAMPLES]],
        )
        for row in ranked
    ]


def _stats(rows: Iterable[tuple[int, Any]], questions: list[TopQuestion]) -> Stats:
    """The stats from rows of `hourly_totals`' figures, each with its local hour of the week."""
    per_weekday = [0] * 7
    per_hour = [0] * 24
    totals = dict.fromkeys(SUMMED_COLUMNS, 0)
    for hour_of_week, row in rows:
        weekday, hour = divmod(hour_of_week, 24)
        per_weekday[weekday] += int(row.calls)
        per_hour[hour] += int(row.calls)
        for name in totals:
            totals[name] += int(getattr(row, name))
    return Stats(
        total_calls=totals["calls"],
        avg_duration=average_duration(totals["answered_seconds"], totals["answered"]),
        answered=totals["answered"],
        missed=totals["calls"] - totals["answered"],
        inbound=totals["inbound"],
        outbound=totals["outbound"],
        sentiment_distribution=SentimentDistribution(
            positive=totals["positive"], neutral=totals["neutral"], negative=totals["negative"]
        ),
        busiest_day=busiest_day(per_weekday),
        peak_hours=peak_hours(per_hour),
        top_questions=questions,
    )


async def compute(
    session: AsyncSession, account_id: str, timezone: str, *, days: int, now_ms: int
) -> Stats:
    """Every figure of the stats over the `days` x 24 hours up to `now_ms`."""
    window = window_for(days, now_ms)
    await repository.prepare_for_aggregates(session)
    rows = await repository.hourly_totals(
        session, account_id, window, utc_offsets(timezone, window)
    )
    return _stats(
        ((int(row.hour_of_week), row) for row in rows),
        await top_questions(session, account_id, window),
    )


@dataclass(frozen=True, slots=True)
class DayTotals:
    """The calls that started on one local date of the window."""

    day: date
    answered: int
    missed: int


@dataclass(frozen=True, slots=True)
class Overview:
    """The stats of a window with the breakdowns the dashboard draws, from the same scan."""

    stats: Stats
    window: Window
    days: list[DayTotals]
    """Every local date the window touches, the oldest first, days without calls too."""
    hours_of_week: list[int]
    """Calls per local hour of the week: 168 counts, Monday 0:00-0:59 first."""


def _local_date(moment_ms: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(moment_ms / 1000, zone).date()


async def overview(
    session: AsyncSession, account_id: str, timezone: str, *, days: int, now_ms: int
) -> Overview:
    """`compute`'s stats (the same figures), per local date and per local hour of the week."""
    window = window_for(days, now_ms)
    await repository.prepare_for_aggregates(session)
    rows = await repository.local_hour_totals(
        session, account_id, window, utc_offsets(timezone, window)
    )
    hours_of_week = [0] * HOURS_PER_WEEK
    per_day: dict[date, list[int]] = {}
    for row in rows:
        local_hour = int(row.local_hour)
        hours_of_week[(local_hour + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK] += int(row.calls)
        day = per_day.setdefault(_EPOCH_DATE + timedelta(days=local_hour // 24), [0, 0])
        day[0] += int(row.answered)
        day[1] += int(row.calls) - int(row.answered)
    zone = ZoneInfo(timezone)
    first, last = _local_date(window.start_ms + 1, zone), _local_date(window.end_ms, zone)
    dates = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    stats = _stats(
        (((int(row.local_hour) + EPOCH_HOUR_OF_WEEK) % HOURS_PER_WEEK, row) for row in rows),
        await top_questions(session, account_id, window),
    )
    return Overview(
        stats=stats,
        window=window,
        days=[DayTotals(day, *per_day.get(day, (0, 0))) for day in dates],
        hours_of_week=hours_of_week,
    )
