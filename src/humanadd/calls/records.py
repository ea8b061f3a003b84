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
    booked: bool = False
    transcript: str | None = None
    transcript_object: list[dict[str, Any]] | None = None
    recording_ref: str | None = None
    questions: list[str] = field(default_factory=list)
