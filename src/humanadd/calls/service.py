"""Reading calls: pages, details and recordings, always within one account."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.calls import cursor, repository
from humanadd.calls.cursor import CallFilters, Position
from humanadd.calls.outcome import outcome
from humanadd.clock import iso_from_ms
from humanadd.cursors.codec import CursorCodec
from humanadd.db import Reader, Row
from humanadd.errors import NotFound, quote
from humanadd.keys.service import ReadWithKey
from humanadd.recordings import CallKey, Conditions, RecordingSources, RecordingStream

API_PATH = "/api/v1/calls"


def recording_path(call_id: str) -> str:
    return f"{API_PATH}/{call_id}/recording"


def _summary(row: Row) -> dict[str, Any]:
    """The summary fields of a row that holds `repository.SUMMARY_COLUMNS`.

    Pages and details are built as plain data and written by orjson: the schemas in
    `calls.schemas` describe them (and the tests check every response against them), but
    validating and dumping them through pydantic costs more than the query.
    """
    return {
        "call_id": row.call_id,
        "direction": row.direction,
        "from_number": row.from_number,
        "to_number": row.to_number,
        "started_at": iso_from_ms(row.started_at),
        "duration_seconds": row.duration_seconds,
        "status": row.status,
        "sentiment": row.sentiment,
        "summary": row.summary,
        "tags": row.tags,
        "booked": row.booked,
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
    listed: bool = False,
) -> dict[str, Any]:
    """A `CallList` page. A cursor overrides `after` and the filters it was issued with.

    With `listed` (the dashboard's table) each call also has its `outcome` and whether it
    `has_recording`, and the page the `filters` in force (a cursor's own).
    """
    position: Position | None
    if cursor_text is not None:
        position, filters = await cursor.decode(codec, account_id, cursor_text)
    elif after is not None:
        position = Position(after, None, ascending=True)
    else:
        position = None
    rows = await repository.list_page(
        reader, account_id, filters, position, limit + 1, listed=listed
    )
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
        next_cursor = await cursor.encode(codec, account_id, next_position, filters)
    page = {
        "ok": True,
        "count": len(rows),
        "calls": [_listed(row) if listed else _summary(row) for row in rows],
        "has_more": has_more,
        "next_cursor": next_cursor,
    }
    if listed:
        page["filters"] = filters
    return page


def _listed(row: Row) -> dict[str, Any]:
    """A call of the dashboard's table: the summary, its outcome, whether it has a recording."""
    call = _summary(row)
    call["outcome"] = outcome(row.status, row.duration_seconds, row.disconnection_reason)
    call["has_recording"] = row.recording_ref is not None
    return call


def detail_read(call_id: str) -> ReadWithKey | None:
    """The read of a call's detail, made in the key look-up's statement; none for an id no
    call can have."""
    if not repository.storable(call_id):
        return None
    return ReadWithKey(repository.DETAIL_WITH_KEY, {"call_id": call_id})


def call_detail(call_id: str, row: Row) -> dict[str, Any]:
    """A `CallDetailResponse` from the row `detail_read` read: no such call when its call
    columns are None, or absent (no read for an id no call can have). Transcript turns are
    stored as the API shows them."""
    if getattr(row, "call_id", None) is None:
        raise NotFound(f"No call {quote(call_id)}.")
    call = _summary(row)
    call["ended_at"] = None if row.ended_at is None else iso_from_ms(row.ended_at)
    call["disconnection_reason"] = row.disconnection_reason
    call["transcript"] = row.transcript
    call["transcript_object"] = row.transcript_object
    call["recording_url"] = recording_path(row.call_id) if row.recording_ref else None
    call["questions"] = row.questions
    return {"ok": True, "call": call}


async def find_call(reader: Reader, account_id: str, call_id: str) -> dict[str, Any]:
    """The account's call `call_id` as `CallDetail` data (`NotFound` when it has none), read
    without an API key (the dashboard's session has chosen the account)."""
    row = await repository.get_detail(reader, account_id, call_id)
    if row is None:
        raise NotFound(f"No call {quote(call_id)}.")
    detail: dict[str, Any] = call_detail(call_id, row)["call"]
    return detail


async def topic_label(reader: Reader, account_id: str, topic_id: str) -> str | None:
    """The label of the topic that answers for the account's `topic_id` (None when it has
    no such topic)."""
    row = await repository.topic_answering(reader, account_id, topic_id)
    return None if row is None else str(row.label)


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
    recording_ref = row.recording_ref
    if recording_ref is None:
        raise NotFound("This call has no recording.")
    return await sources.open(recording_ref, conditions, CallKey(account_id, call_id))


async def call_counts(session: AsyncSession, account_ids: Sequence[str]) -> dict[str, int]:
    """The number of calls of each of these accounts, 0 for one without any."""
    found = await repository.counts(session, account_ids)
    return {account_id: found.get(account_id, 0) for account_id in account_ids}
