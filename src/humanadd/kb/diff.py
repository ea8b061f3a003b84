"""What a change would do to the knowledge base's text, line by line, for the operator who
reviews it."""

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

CONTEXT_LINES = 3
"""Unchanged lines shown around each change; an append to a long knowledge base shows its
last lines, not all of them."""


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: Literal["same", "del", "ins"]
    text: str


def _lines(texts: list[str]) -> list[str]:
    """The entries' lines, a blank line between two entries."""
    lines: list[str] = []
    for text in texts:
        if lines:
            lines.append("")
        lines.extend(text.splitlines())
    return lines


def proposed_diff(current: list[str], text: str, *, replace: bool) -> list[list[DiffLine]]:
    """The hunks that turn the `current` entries into what the change would make of them:
    `text` alone for a replace, else `text` after them."""
    before = _lines(current)
    after = _lines([text] if replace else [*current, text])
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    hunks = []
    for group in matcher.get_grouped_opcodes(CONTEXT_LINES):
        hunk: list[DiffLine] = []
        for tag, old_start, old_end, new_start, new_end in group:
            if tag == "equal":
                hunk += [DiffLine("same", line) for line in before[old_start:old_end]]
                continue
            hunk += [DiffLine("del", line) for line in before[old_start:old_end]]
            hunk += [DiffLine("ins", line) for line in after[new_start:new_end]]
        hunks.append(hunk)
    return hunks
