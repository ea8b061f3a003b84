"""Whether a call was answered or missed: one definition, for the stats' SQL and for the
dashboard's badges (docs/stats.md, "Answered and missed")."""

from typing import Literal

Outcome = Literal["answered", "missed", "ongoing"]

UNANSWERED_REASONS = (
    "dial_no_answer",
    "dial_busy",
    "dial_failed",
    "voicemail_reached",
    "user_declined",
    "invalid_destination",
    "marked_as_spam",
    "registered_call_timeout",
)
"""Disconnection reasons that mean nobody talked, whatever the call's duration."""


def outcome(status: str, duration_seconds: int, disconnection_reason: str | None) -> Outcome:
    """`ongoing` while it lasts (the stats count it as answered), else answered or missed."""
    if status == "ongoing":
        return "ongoing"
    if duration_seconds > 0 and disconnection_reason not in UNANSWERED_REASONS:
        return "answered"
    return "missed"
