"""Caller questions: the sentences of caller turns that end in `?`, and their grouping key."""

import re
from collections.abc import Iterable, Mapping
from typing import Any

_SENTENCE = re.compile(r"[^.!?]*[.!?]+|[^.!?]+$")
_NOT_WORD = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")
MAX_QUESTION_LENGTH = 500


def normalize(question: str) -> str:
    """Grouping key: lower case, punctuation dropped, white space folded."""
    return _SPACE.sub(" ", _NOT_WORD.sub(" ", question.lower())).strip()


def questions_in(text: str) -> list[str]:
    """The sentences of `text` that end in a question mark, as written."""
    found = []
    for match in _SENTENCE.finditer(text):
        sentence = _SPACE.sub(" ", match.group()).strip()
        if sentence.endswith("?") and normalize(sentence):
            found.append(sentence[:MAX_QUESTION_LENGTH])
    return found


def caller_questions(
    transcript_object: Iterable[Mapping[str, Any]] | None, transcript: str | None
) -> list[str]:
    """Every question the caller asked, from the structured transcript or else the text one."""
    if transcript_object:
        turns = [
            str(turn.get("content", "")) for turn in transcript_object if turn.get("role") == "user"
        ]
    else:
        turns = [
            line.split(":", 1)[1]
            for line in (transcript or "").splitlines()
            if line.startswith("Caller:")
        ]
    return [question for turn in turns for question in questions_in(turn)]
