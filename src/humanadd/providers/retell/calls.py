"""Retell's call object, as its webhooks and `GET /v2/get-call` carry it, and what it says in
our terms (a `ProviderCall`).

Field mapping: `call_status` `registered`/`ongoing` → `ongoing`, `ended` and
`not_connected` → `ended` (a call that never connected lasts 0 s, so stats count it missed),
`error` → `error`; `user_sentiment` `Positive`/`Neutral`/`Negative` → lower case, `Unknown` or
none → null; `call_summary` → `summary`; `custom_analysis_data` → `analysis_data` (from which
the account's keys pick `tags` and `booked`, see `providers.service`); the transcript is
rendered as `AI:`/`Caller:` lines; `disconnection_reason` passes through.
"""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from humanadd.clock import MAX_UNIX_MS, MIN_UNIX_MS
from humanadd.providers.base import SPEAKERS, ProviderCall, transcript_of

STATUSES = {
    "registered": "ongoing",
    "ongoing": "ongoing",
    "ended": "ended",
    "not_connected": "ended",
    "error": "error",
}
SENTIMENTS = {"Positive": "positive", "Neutral": "neutral", "Negative": "negative"}

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
        return transcript_of(turns)
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


def provider_call(call: RetellCall) -> ProviderCall:
    """What Retell's call object says, in our terms."""
    analysis = call.call_analysis or RetellAnalysis()
    turns = _turns(call)
    return ProviderCall(
        call_id=call.call_id,
        agent_id=call.agent_id,
        status=STATUSES[call.call_status],
        analysed=call.call_analysis is not None,
        direction=call.direction or "inbound",
        started_at=call.start_timestamp,
        ended_at=call.end_timestamp,
        from_number=call.from_number,
        to_number=call.to_number,
        duration_seconds=_duration_seconds(call),
        disconnection_reason=call.disconnection_reason,
        sentiment=SENTIMENTS.get(analysis.user_sentiment or ""),
        summary=analysis.call_summary,
        analysis_data=analysis.custom_analysis_data or {},
        transcript=_transcript(call, turns),
        transcript_object=turns,
        recording_ref=call.recording_url,
    )
