"""A call's transcript as the analysis reads it: turns of the agent (our AI receptionist, or a
person answering) and of the caller, from `transcript_object` or from the `AI:`/`Caller:` text."""

from collections.abc import Iterable, Mapping
from typing import Any, Literal, NamedTuple

Speaker = Literal["agent", "user"]

_PREFIXES: dict[str, Speaker] = {"ai": "agent", "agent": "agent", "caller": "user", "user": "user"}


class Turn(NamedTuple):
    """One turn: who spoke (`agent` or `user`, the caller) and what they said."""

    role: Speaker
    content: str


def from_object(turns: Iterable[Mapping[str, Any]]) -> list[Turn]:
    """Turns from `transcript_object` (`[{"role", "content", …}]`); turns of another role or
    without text are left out."""
    found = []
    for turn in turns:
        role, content = turn.get("role"), turn.get("content")
        if role in ("agent", "user") and isinstance(content, str) and content.strip():
            found.append(Turn(role, content.strip()))
    return found


def from_text(transcript: str) -> list[Turn]:
    """Turns from the `AI: …` / `Caller: …` lines of `transcript`; a line without a speaker
    continues the turn before it."""
    found: list[Turn] = []
    for line in transcript.splitlines():
        prefix, colon, rest = line.partition(":")
        role = _PREFIXES.get(prefix.strip().lower()) if colon else None
        if role is not None:
            if rest.strip():
                found.append(Turn(role, rest.strip()))
        elif found and line.strip():
            last = found[-1]
            found[-1] = Turn(last.role, f"{last.content} {line.strip()}")
    return found


def caller_turns(turns: Iterable[Turn]) -> list[str]:
    return [turn.content for turn in turns if turn.role == "user"]


def agent_turns(turns: Iterable[Turn]) -> list[str]:
    return [turn.content for turn in turns if turn.role == "agent"]
