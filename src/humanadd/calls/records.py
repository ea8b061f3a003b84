"""`CallRecord`: a call as every path that brings calls in hands it to storage."""

from dataclasses import dataclass, field
from typing import Any


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
    booked: bool | None = None
    """None: not said (stored as false until our analysis decides)."""
    transcript: str | None = None
    transcript_object: list[dict[str, Any]] | None = None
    recording_ref: str | None = None
    computed_fields: list[str] = field(default_factory=list)
    """Which of the analysis fields hold our analysis's values (`calls.analysis`)."""
    analysis_due_at: int | None = None
    """Unix ms when the worker is to analyse the call; None: not queued."""
    notify_when_analysed: bool = False
    """Whether that analysis is followed by the call's `call_ended` event."""
    questions: list[str] = field(default_factory=list)
    """The caller's questions, as our analysis found them (stored by `questions.service`)."""
