"""Reading calls: pages, details and recordings, always within one account."""

from typing import Any

from humanadd.calls import cursor, repository
from humanadd.calls.cursor import CallFilters, Position
from humanadd.calls.recordings import CallKey, Conditions, RecordingSources, RecordingStream
from humanadd.clock import iso_from_ms
from humanadd.cursors.codec import CursorCodec
from humanadd.driver import Reader, Row
from humanadd.errors import NotFound, quote
from humanadd.keys.service import ReadWithKey

API_PATH = "/api/v1/calls"


def recording_path(call_id: str) -> str:
    return f"{API_PATH}/{call_id}/recording"


def _summary(row: Row) -> dict[str, Any]:
    """The summary fields of a row that starts with `repository.SUMMARY_COLUMNS`.

    Pages and details are built as plain data and written by orjson: the schemas in
    `calls.schemas` describe them (and the tests check every response against them), but
    validating and dumping them through pydantic costs more than the query.
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
    reader: Reader,
    codec: CursorCodec,
    account_id: str,
    *,
    limit: int,
    filters: CallFilters,
    after: int | None,
    cursor_text: str | None,
) -> dict[str, Any]:
    """A `CallList` page. A cursor overrides `after` and the filters it was issued with."""
    position: Position | None
    if cursor_text is not None:
        position, filters = await cursor.decode(codec, account_id, cursor_text)
    elif after is not None:
        position = Position(after, None, ascending=True)
    else:
        position = None
    rows = await repository.list_page(reader, account_id, filters, position, limit + 1)
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_position: Position | None = None
    if rows:
        call_id, started_at = rows[-1][0], rows[-1][4]
        next_position = Position(
            started_at, call_id, ascending=bool(position and position.ascending)
        )
    elif position is not None and position.ascending:
        next_position = position
    forward = position is not None and position.ascending
    next_cursor = None
    if next_position is not None and (forward or has_more):
        next_cursor = await cursor.encode(codec, account_id, next_position, filters)
    return {
        "ok": True,
        "count": len(rows),
        "calls": [_summary(row) for row in rows],
        "has_more": has_more,
        "next_cursor": next_cursor,
    }


def detail_read(call_id: str) -> ReadWithKey | None:
    """The read of a call's detail, made in the key look-up's statement; none for an id no
    call can have."""
    if not repository.storable(call_id):
        return None
    return ReadWithKey(repository.DETAIL_WITH_KEY, {"call_id": call_id})


def call_detail(call_id: str, row: Row) -> dict[str, Any]:
    """A `CallDetailResponse` from the columns `detail_read` read (all None, or none at all,
    when there is no such call). Transcript turns are stored as the API shows them."""
    if not row or row[0] is None:
        raise NotFound(f"No call {quote(call_id)}.")
    ended_at, disconnection_reason, transcript, transcript_object, recording_ref = row[
        len(repository.SUMMARY_COLUMNS) :
    ]
    call = _summary(row)
    call["ended_at"] = None if ended_at is None else iso_from_ms(ended_at)
    call["disconnection_reason"] = disconnection_reason
    call["transcript"] = transcript
    call["transcript_object"] = transcript_object
    call["recording_url"] = recording_path(call["call_id"]) if recording_ref else None
    return {"ok": True, "call": call}


async def open_recording(
    reader: Reader,
    sources: RecordingSources,
    account_id: str,
    call_id: str,
    conditions: Conditions,
) -> RecordingStream:
    row = await repository.get_recording_ref(reader, account_id, call_id)
    if row is None:
        raise NotFound(f"No call {quote(call_id)}.")
    (recording_ref,) = row
    if recording_ref is None:
        raise NotFound("This call has no recording.")
    return await sources.open(recording_ref, conditions, CallKey(account_id, call_id))
