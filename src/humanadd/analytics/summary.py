"""A call's summary: one or two sentences (at most 240 characters) saying what the caller
wanted and how the call ended (docs/analytics.md, "Summary").

It is made only of the caller's own words and fixed templates: the first thing the caller
asked for, turned into the third person ("I'd like to move my cleaning" → "The caller wanted to
move their cleaning"), then how it ended, from the booking and cancellation found in the call.
So it never states a name, number, date or price the transcript lacks; it may leave one out.
"""

import re

from humanadd.analytics.transcript import Turn, agent_turns, caller_turns

MAX_LENGTH = 240
MAX_WANT = 150
"""The longest part taken from the caller's words, cut at a word."""

_FILLER = re.compile(
    r"^(?:(?:um+|uh+|er+|erm|hmm|so|yeah|yes|ok(?:ay)?|hi|hello|hey|well|oh|right|and|but|"
    r"good (?:morning|afternoon|evening)|hi there|yeah hi|actually|basically)\b[\s,.!-]*)+",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(
    r"[.!?;]|\s(?:and then|but|because|so that)\s"
    # "I need a cleaning and do you take …": a conjunction that starts a new question or clause.
    r"|,?\s(?:and|or|also|plus)\s+(?:also\s+)?(?=(?:do|does|did|is|are|can|could|would|will|"
    r"what|what's|when|where|how|who|which|i|i'm|i'd|we|you)\b)",
    re.IGNORECASE,
)
_INTENTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), template)
    for pattern, template in (
        (r"\b(?:i'd|i would|we'd|we would) (?:like|love) to (?P<rest>.+)", "wanted to {rest}"),
        (r"\b(?:i|we) (?:want|wanted|need|needed|have|had) to (?P<rest>.+)", "needed to {rest}"),
        (
            r"\b(?:i'm|i am|we're|we are) (?:calling|ringing) (?P<rest>(?:to|about|for|because|"
            r"regarding) .+)",
            "called {rest}",
        ),
        (
            r"\b(?:i'm|i am|we're|we are) (?:looking|hoping|trying) (?P<rest>(?:for|to) .+)",
            "was looking {rest}",
        ),
        (
            r"\b(?:i was|we were) wondering (?P<rest>(?:if|whether|about|what|when|how) .+)",
            "asked {rest}",
        ),
        (
            r"\b(?:can|could|may) (?:i|we) (?P<rest>(?:get|have|book|make|schedule|set up|move|"
            r"change|cancel|reschedule) .+)",
            "wanted to {rest}",
        ),
        (r"\b(?:i'd|i would|we'd|we would) like (?P<rest>(?:an?|the|some|to) .+)", "wanted {rest}"),
        (r"\b(?:i|we) need (?P<rest>(?:an?|the|some|my|our|someone|somebody) .+)", "needed {rest}"),
        (
            r"\b(?:can|could|would|will) (?:you|someone|somebody|anyone) (?P<rest>(?:install|fix|"
            r"repair|replace|come|send|check|look|service|clean|help|take|see|do) .+)",
            "asked whether you could {rest}",
        ),
        (
            r"\b(?:my|our) (?P<rest>[\w ]{1,30}? (?:is|isn't|won't|doesn't|stopped|keeps|broke|"
            r"is broken|has|started) .+)",
            "reported that their {rest}",
        ),
    )
)
"""What a caller says when they ask for something, and how the summary says it."""
_PRONOUNS = {
    "i": "they", "me": "them", "my": "their", "mine": "theirs", "myself": "themselves",
    "i'm": "they're", "i've": "they've", "i'll": "they'll", "i'd": "they'd", "we": "they",
    "us": "them", "our": "their", "ours": "theirs", "we're": "they're", "we've": "they've",
    "am": "are", "was": "was",
}  # fmt: skip
_WORDS = re.compile(r"[A-Za-z']+")
_CANCELLED = re.compile(
    r"\b(?:cancel(?:l?ed)?|have cancel(?:l?ed)?|is cancel(?:l?ed)?)\b(?!.*\?)", re.IGNORECASE
)
_CANCEL_ASKED = re.compile(r"\bcancel\b", re.IGNORECASE)
_BOOKING_ASKED = re.compile(
    r"\b(?:book\w*|appointment|schedul\w*|reserv\w*|come out|send (?:someone|somebody|a tech\w*)"
    r"|(?:a|the) visit|consultation)\b",
    re.IGNORECASE,
)
"""Words of a caller asking for a booking."""


def _third_person(text: str) -> str:
    return _WORDS.sub(lambda word: _PRONOUNS.get(word.group().lower(), word.group()), text)


def _shortened(text: str) -> str:
    text = " ".join(text.split()).strip(" ,.-")
    if len(text) <= MAX_WANT:
        return text
    cut = text[:MAX_WANT].rsplit(" ", 1)[0]
    return f"{cut}…"


def _first_clause(text: str) -> str:
    found = _CLAUSE_END.search(text)
    return text[: found.start()] if found else text


def _want(said: list[str]) -> str | None:
    """What the caller first asked for, in the summary's words."""
    for turn in said:
        for sentence in re.split(r"(?<=[.!?])\s+", turn):
            for pattern, template in _INTENTS:
                found = pattern.search(sentence)
                if found:
                    rest = _first_clause(found.group("rest"))
                    if len(rest.split()) >= 2 or template.startswith("reported"):
                        return template.format(rest=_shortened(_third_person(rest)))
    return None


def _asked(questions: list[str]) -> str | None:
    if not questions:
        return None
    first = _shortened(_FILLER.sub("", questions[0]).rstrip("?"))
    return f'asked "{first}"' if first else None


def _ending(turns: list[Turn], *, booked: bool, questions: list[str]) -> str:
    said = " ".join(caller_turns(turns))
    answered = " ".join(agent_turns(turns))
    if _CANCEL_ASKED.search(said) and _CANCELLED.search(answered):
        return "The receptionist cancelled it."
    if booked:
        return "The receptionist confirmed the booking."
    if _BOOKING_ASKED.search(said):
        return "No booking was made."
    if questions:
        last = max(
            (index for index, turn in enumerate(turns) if turn.role == "user"
             and any(question in turn.content for question in questions)),
            default=None,
        )  # fmt: skip
        replied = last is not None and any(turn.role == "agent" for turn in turns[last + 1 :])
        return "The receptionist answered." if replied else "The call ended before an answer."
    return "The call ended without a booking."


def summary(turns: list[Turn], *, booked: bool, questions: list[str]) -> str | None:
    """The summary; None when the caller said nothing."""
    said = [_FILLER.sub("", turn) for turn in caller_turns(turns)]
    said = [turn for turn in said if turn.strip()]
    if not said:
        return None
    want = _want(said)
    opening = want or _asked(questions)
    ending = _ending(turns, booked=booked, questions=questions)
    if opening is None:
        return f"The caller did not say what they wanted. {ending}"
    text = f"The caller {opening}. {ending}"
    return text if len(text) <= MAX_LENGTH else f"{text[: MAX_LENGTH - 1].rsplit(' ', 1)[0]}…"
