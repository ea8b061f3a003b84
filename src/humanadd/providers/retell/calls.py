"""Retell's call object, as its webhooks and `GET /v2/get-call` carry it, and what we store of it.

Field mapping (DESIGN.md §4): `call_status` `registered`/`ongoing` → `ongoing`, `ended` and
`not_connected` → `ended` (a call that never connected lasts 0 s, so stats count it missed),
`error` → `error`; `user_sentiment` `Positive`/`Neutral`/`Negative` → lower case, `Unknown` or
none → null; `call_summary` → `summary`; the account's keys of `custom_analysis_data` →
`tags` (a list, or a comma-separated string) and `booked` (a boolean, or "yes"/"no"); the
transcript is rendered as `AI:`/`Caller:` lines; `disconnection_reason` passes through.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from humanadd.calls.questions import caller_questions
from humanadd.calls.records import CallRecord
from humanadd.calls.schemas import MAX_TAG_LENGTH
from humanadd.clock import MAX_UNIX_MS, MIN_UNIX_MS

STATUSES = {
    "registered": "ongoing",
    "ongoing": "ongoing",
    "ended": "ended",
    "not_connected": "ended",
    "error": "error",
}
SENTIMENTS = {"Positive": "positive", "Neutral": "neutral", "Negative": "negative"}
SPEAKERS = {"agent": "AI", "user": "Caller"}
YES = frozenset({"yes", "true", "y", "1"})
MAX_DISCONNECTION_REASON = 64

UnixMs = Annotated[int, Field(ge=MIN_UNIX_MS, le=MAX_UNIX_MS)]


class _Lenient(BaseModel):
    """Unknown fields are ignored: the provider adds fields over time."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class RetellWord(_Lenient):
    word: str
    start: float
    end: float


class RetellTurn(_Lenient):
    role: str
    content: str = ""
    words: list[RetellWord] | None = None


class RetellAnalysis(_Lenient):
    call_summary: str | None = None
    user_sentiment: str | None = None
    custom_analysis_data: dict[str, Any] | None = None


class RetellCall(_Lenient):
    call_id: Annotated[str, Field(min_length=1, max_length=128)]
    agent_id: str
    call_status: Literal["registered", "not_connected", "ongoing", "ended", "error"]
    call_type: str | None = None
    direction: Literal["inbound", "outbound"] | None = None
    from_number: Annotated[str, Field(max_length=32)] | None = None
    to_number: Annotated[str, Field(max_length=32)] | None = None
    start_timestamp: UnixMs | None = None
    end_timestamp: UnixMs | None = None
    duration_ms: Annotated[int, Field(ge=0)] | None = None
    transcript: str | None = None
    transcript_object: list[RetellTurn] | None = None
    recording_url: Annotated[str, Field(max_length=2048)] | None = None
    disconnection_reason: str | None = None
    call_analysis: RetellAnalysis | None = None


def tags_of(value: Any) -> list[str]:
    """Tags from a list or a comma-separated string: trimmed, lower case, each once."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        return []
    tags = (str(item).strip().lower() for item in items if isinstance(item, str | int))
    return list(dict.fromkeys(tag for tag in tags if tag and len(tag) <= MAX_TAG_LENGTH))


def booked_of(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in YES


def _turns(call: RetellCall) -> list[dict[str, Any]] | None:
    """The conversation's turns as the API shows them (the agent's and the caller's only)."""
    if call.transcript_object is None:
        return None
    turns = []
    for turn in call.transcript_object:
        if turn.role not in SPEAKERS:
            continue
        shown: dict[str, Any] = {"role": turn.role, "content": turn.content}
        if turn.words is not None:
            shown["words"] = [word.model_dump() for word in turn.words]
        turns.append(shown)
    return turns


def _transcript(call: RetellCall, turns: list[dict[str, Any]] | None) -> str | None:
    if turns is not None:
        return "\n".join(f"{SPEAKERS[turn['role']]}: {turn['content']}" for turn in turns)
    if call.transcript is None:
        return None
    lines = []
    for line in call.transcript.splitlines():
        speaker, separator, text = line.partition(":")
        role = speaker.strip().lower()
        lines.append(f"{SPEAKERS[role]}:{text}" if separator and role in SPEAKERS else line)
    return "\n".join(lines)


def _duration_seconds(call: RetellCall) -> int:
    if call.call_status == "not_connected":
        return 0
    if call.duration_ms is not None:
        return (call.duration_ms + 500) // 1000
    if call.start_timestamp is not None and call.end_timestamp is not None:
        return max(0, call.end_timestamp - call.start_timestamp + 500) // 1000
    return 0


def to_record(
    call: RetellCall, *, tags_key: str, booked_key: str, received_at_ms: int
) -> CallRecord:
    """What we store of `call`. A call not yet started (`registered`) takes `received_at_ms`
    as its start: every stored call needs one, and it is replaced once the provider sends it."""
    analysis = call.call_analysis or RetellAnalysis()
    custom = analysis.custom_analysis_data or {}
    turns = _turns(call)
    transcript = _transcript(call, turns)
    started_at = call.start_timestamp if call.start_timestamp is not None else received_at_ms
    return CallRecord(
        call_id=call.call_id,
        direction=call.direction or "inbound",
        started_at=started_at,
        ended_at=call.end_timestamp,
        from_number=call.from_number,
        to_number=call.to_number,
        duration_seconds=_duration_seconds(call),
        status=STATUSES[call.call_status],
        disconnection_reason=(call.disconnection_reason or None)
        and call.disconnection_reason[:MAX_DISCONNECTION_REASON],
        sentiment=SENTIMENTS.get(analysis.user_sentiment or ""),
        summary=analysis.call_summary,
        tags=tags_of(custom.get(tags_key)),
        booked=booked_of(custom.get(booked_key)),
        transcript=transcript,
        transcript_object=turns,
        recording_ref=call.recording_url,
        questions=caller_questions(turns, transcript),
    )
