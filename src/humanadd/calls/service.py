"""Reading calls: pages, details and recordings, always within one account."""

from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.calls import cursor, repository
from humanadd.calls.cursor import CallFilters, Position
from humanadd.calls.recordings import RecordingSources, RecordingStream
from humanadd.calls.schemas import CallDetail, CallList
from humanadd.clock import iso_from_ms
from humanadd.errors import NotFound

API_PATH = "/api/v1/calls"


def recording_path(call_id: str) -> str:
    return f"{API_PATH}/{call_id}/recording"


def _summary(row: Row[Any]) -> dict[str, Any]:
    """The summary fields of a row that starts with `repository.SUMMARY_COLUMNS`.

    The row is unpacked by position: reading a page's columns by name costs more than
    everything else done to build the page.
    """
    (
        call_id,
        direction,
        from_number,
        to_number,
        started_at,
        duration_seconds,
        status,
        sentiment,
        summary,
        tags,
        booked,
    ) = row[: len(repository.SUMMARY_COLUMNS)]
    return {
        "call_id": call_id,
        "direction": direction,
        "from_number": from_number,
        "to_number": to_number,
        "started_at": iso_from_ms(started_at),
        "duration_seconds": duration_seconds,
        "status": status,
        "sentiment": sentiment,
        "summary": summary,
        "tags": tags,
        "booked": booked,
    }


async def list_calls(
    session: AsyncSession,
    account_id: str,
    *,
    limit: int,
    filters: CallFilters,
    after: int | None,
    cursor_text: str | None,
) -> CallList:
    """One page of calls. A cursor overrides `after` and the filters it was issued with."""
    position: Position | None
    if cursor_text is not None:
        position, filters = cursor.decode(cursor_text)
    elif after is not None:
        position = Position(after, None, ascending=True)
    else:
        position = None
    rows = await repository.list_page(session, account_id, filters, position, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_position: Position | None = None
    if rows:
        last = rows[-1]
        next_position = Position(
            last.started_at, last.call_id, ascending=bool(position and position.ascending)
        )
    elif position is not None and position.ascending:
        next_position = position
    forward = position is not None and position.ascending
    next_cursor = None
    if next_position is not None and (forward or has_more):
        next_cursor = cursor.encode(next_position, filters)
    # One validation of the whole page: much cheaper than building its calls one by one.
    return CallList.model_validate(
        {
            "count": len(rows),
            "calls": [_summary(row) for row in rows],
            "has_more": has_more,
            "next_cursor": next_cursor,
        }
    )


async def get_call(session: AsyncSession, account_id: str, call_id: str) -> CallDetail:
    row = await repository.get_detail(session, account_id, call_id)
    if row is None:
        raise NotFound(f"No call {call_id!r}.")
    return CallDetail.model_validate(
        {
            **_summary(row),
            "ended_at": None if row.ended_at is None else iso_from_ms(row.ended_at),
            "disconnection_reason": row.disconnection_reason,
            "transcript": row.transcript,
            "transcript_object": row.transcript_object,
            "recording_url": recording_path(row.call_id) if row.recording_ref else None,
        }
    )


async def open_recording(
    session: AsyncSession,
    sources: RecordingSources,
    account_id: str,
    call_id: str,
    range_header: str | None,
) -> RecordingStream:
    row = await repository.get_recording_ref(session, account_id, call_id)
    if row is None:
        raise NotFound(f"No call {call_id!r}.")
    if row.recording_ref is None:
        raise NotFound("This call has no recording.")
    return await sources.open(row.recording_ref, range_header)
