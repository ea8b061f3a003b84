"""How the simulated receptionist answers a caller's question from the knowledge base.

It picks the knowledge base's sentence most about the question (the most words in common with
it and its topic) and says it the way a receptionist would on the phone: abbreviations spoken
out ("8am-7pm M-F" is "8am to 7pm, Monday through Friday"), the business speaking as "we" to
"you" ("Our new hours are" is "We're now open", "Customers can" is "You can"), and a "Yes," or
"I'm afraid" (for what is not, or closed) before the answer to a yes-or-no question.
"""

import re
from collections.abc import Callable, Sequence

_COMMON_WORDS = frozenset((
    "the", "and", "are", "you", "your", "our", "what", "who", "how", "much", "does", "can", "for",
    "with", "this", "that", "have", "has", "there", "their", "when", "where", "which", "any",
    "about", "all", "not", "but", "from", "will",
))  # fmt: skip
DAYS = {
    "Monday": ("M", "Mo", "Mon"),
    "Tuesday": ("Tu", "Tue", "Tues"),
    "Wednesday": ("W", "We", "Wed"),
    "Thursday": ("Th", "Thu", "Thur", "Thurs"),
    "Friday": ("F", "Fr", "Fri"),
    "Saturday": ("Sa", "Sat"),
    "Sunday": ("Su", "Sun"),
}
_DAY_OF = {short: day for day, shorts in DAYS.items() for short in shorts}
_SHORT_DAY = "|".join(sorted(_DAY_OF, key=len, reverse=True))
_LONG_SHORT_DAY = "|".join(
    short for short in sorted(_DAY_OF, key=len, reverse=True) if len(short) > 2
)
_DAY = "|".join(DAYS)
_TO = r"\s?[-\u2013]\s?"
"""A hyphen or an en dash between the ends of a range."""
_TIME = r"\d{1,2}(?::\d\d)?\s?(?:am|pm|a\.m\.|p\.m\.)"
_YES_NO = re.compile(r"(?:do|does|can|could|is|are|will|would|should)\b", re.I)
_NEGATIVE = re.compile(r"\b(?:not|no|never|cannot|closed|unavailable)\b|n't\b", re.I)

Rewrite = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]
REWRITES: tuple[Rewrite, ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (rf"\b({_SHORT_DAY})\.?{_TO}({_SHORT_DAY})\b\.?", lambda m: (
            f"{_DAY_OF[m[1]]} through {_DAY_OF[m[2]]}")),
        (rf"\b({_LONG_SHORT_DAY})\b\.?(?=[\s,;)]|$)", lambda m: _DAY_OF[m[1]]),
        (rf"({_TIME}){_TO}({_TIME})", r"\1 to \2"),
        (rf"({_TIME}) ({_DAY})", r"\1, \2"),
        (r"\s&\s", " and "),
        (r"\b24/7\b", "around the clock"),
        (r"\bOur (?:new|updated) (?:opening |business |office )?hours are\b", "We're now open"),
        (r"\bOur (?:opening |business |office )?hours are\b", "We're open"),
        (r"\b([Ww])e are\b", r"\1e're"),
        (r"\b([Ww])e will\b", r"\1e'll"),
        (r"\b(?:Customers|Clients|Callers|Patients|Visitors) must\b", "You'll need to"),
        (r"\b(?:Customers|Clients|Callers|Patients|Visitors) (can|may|should|will|need)\b",
         r"You \1"),
    )
)  # fmt: skip


def keywords(text: str) -> set[str]:
    """The words that say what `text` is about: lower case, in the singular."""
    return {
        re.sub(r"ies$", "y", word).removesuffix("s")
        for word in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)*", text.lower())
        if len(word) > 2 and word not in _COMMON_WORDS
    }


def most_relevant(knowledge: Sequence[str], question: str, topic: str) -> str | None:
    """The knowledge base's sentence with the most words in common with the question and its
    topic; None when no sentence shares one."""
    wanted = keywords(question) | keywords(topic)
    best, best_score = None, 0
    for entry in knowledge:
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", entry):
            score = len(wanted & keywords(sentence))
            if score > best_score:
                best, best_score = sentence.strip(), score
    return best


def spoken(sentence: str) -> str:
    """A written sentence as it is said on the phone."""
    for pattern, replacement in REWRITES:
        sentence = pattern.sub(replacement, sentence)
    sentence = sentence.strip()
    return sentence if sentence[-1:] in (".", "!", "?") else f"{sentence}."


def answer(knowledge: Sequence[str], question: str, topic: str) -> str | None:
    """The receptionist's answer to `question` from the knowledge base; None when it says
    nothing on it."""
    sentence = most_relevant(knowledge, question, topic)
    if sentence is None:
        return None
    said = spoken(sentence)
    if _YES_NO.match(question) and re.match(r"(?:We|You|Our)\b", said):
        lead = "I'm afraid" if _NEGATIVE.search(said) else "Yes,"
        said = f"{lead} {said[0].lower()}{said[1:]}"
    return said
