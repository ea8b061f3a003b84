"""A call's tags (docs/analytics.md, "Tags"): words from one fixed vocabulary, each found by a rule
over what was said (the caller's words, their questions, and for `voicemail` the greeting)."""

import re
from collections.abc import Sequence

from humanadd.analytics.booking import booking_requested
from humanadd.analytics.transcript import Turn, agent_turns, caller_turns

TAGS = (
    "booking",
    "reschedule",
    "cancellation",
    "inquiry",
    "pricing",
    "hours",
    "location",
    "emergency",
    "complaint",
    "billing",
    "insurance",
    "voicemail",
    "spam",
)
"""The vocabulary, in the order tags are listed; docs/analytics.md defines each."""


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


# Topics of the caller's questions.
_ASKED = {
    "pricing": _words(
        r"how much(?! (?:time|longer))|prices?|pricing|priced|costs?|costing|charges?|fees?|rates"
        r"|expensive|cheap\w*|afford\w*|pricey|quote|estimate|discounts?|specials"
    ),
    "hours": _words(
        r"open|opens|close|closes|closing|closed|hours|how late|how early|until what time"
        r"|what time do you"
    ),
    "location": _words(
        r"address|where|located|location|directions|parking|park|zip|cross streets?|get there"
    ),
}
# What the caller said.
_SAID = {
    "reschedule": _words(
        r"reschedul\w*|(?:move|change|push|switch|bump)(?: back| up)? (?:my|our|his|her)"
        r" (?:appointment|reservation|booking|visit)"
    ),
    "cancellation": _words(
        r"cancel(?:l?ing)? (?:my|our|the|it|that|this|his|her|an?)|(?:to|please) cancel"
        r"|cancellation(?! (?:policy|fee))"
    ),
    "pricing": _words(r"quote|estimate|how much"),
    "emergency": _words(
        r"emergenc\w*|urgent\w*|burst|flood\w*|gas leak|smell gas|no heat|no hot water|bleeding"
        r"|severe pain|a lot of pain|unbearable|swollen|knocked out|can't breathe|911"
    ),
    "complaint": _words(
        r"complain\w*|complaint|unacceptable|ridiculous|rude|disappointed|disappointing|frustrat\w*"
        r"|fed up|angry|furious|horrible|awful|worst|terrible (?:service|experience|job)"
        r"|waste of (?:my )?time|never showed up|didn't show up|no[- ]show|nobody called"
        r"|no one called|never called (?:me )?back"
        r"|still (?:not|hasn't|isn't|doesn't|broken|leaking)"
        r"|(?:speak|talk) (?:to|with) (?:a|the|your) (?:manager|supervisor|owner)|not happy"
        r"|unhappy|not satisfied|dissatisfied|overcharged"
    ),
    "billing": _words(
        r"bill|bills|billing|billed|invoices?|charged|overcharged|refunds?|receipt|payments?"
        r"|pay (?:my|the|for|with|by|in)|balance|credit card|debit card|installments?|financing"
        r"|payment plans?|deposit"
    ),
    "insurance": _words(
        r"insurance|insured|insurer|coverage|covered|in[- ]network|out of network|co-?pays?"
        r"|deductible|medicaid|medicare|ppo|hmo|delta dental|aetna|cigna|humana|metlife"
        r"|blue cross|blue shield|united ?healthcare|kaiser|guardian dental|tricare"
    ),
    "voicemail": _words(r"leav(?:e|ing) (?:a|this|you a) (?:message|voicemail)"),
    "spam": _words(
        r"extended (?:car )?warranty|(?:car|vehicle)'?s? warranty|google (?:business )?listing"
        r"|google my business|search engine|seo|merchant services|credit card processing"
        r"|business loan|lower your (?:interest )?rate|you(?:'ve| have) been (?:selected|approved)"
        r"|you(?:'ve| have) won|free (?:cruise|vacation)|press (?:one|1)|not a sales call"
        r"|limited time offer|final notice"
    ),
}
_GREETING = _words(
    r"after the (?:tone|beep)|leave (?:a|your) message|voice ?mail|mailbox"
    r"|(?:not|un)available to take your call|record your message"
)
# Tags a negation takes back ("it's not an emergency", "don't cancel it", "no complaints"); the
# others stand either way ("I don't have insurance" is still about insurance).
_NEGATABLE = frozenset(["reschedule", "cancellation", "emergency", "complaint", "voicemail"])
_NEGATION = re.compile(r"(?:\bnot|n't|\bno|\bnever|\bwithout)(?:\s+\S+){0,2}\s+$", re.IGNORECASE)


def _found(name: str, pattern: re.Pattern[str], text: str) -> bool:
    """Whether `text` says `pattern`; for a tag a negation takes back, not right after one."""
    matches = pattern.finditer(text)
    if name not in _NEGATABLE:
        return next(matches, None) is not None
    return any(not _NEGATION.search(text[max(0, m.start() - 30) : m.start()]) for m in matches)


def tags(turns: Sequence[Turn], *, booked: bool, questions: list[str]) -> list[str]:
    """The call's tags from the vocabulary, in its order: `booked` and `questions` are the call's
    figures from the booking and question rules."""
    said = " \n".join(caller_turns(turns))
    asked = " \n".join(questions)
    found = {name for name, pattern in _SAID.items() if _found(name, pattern, said)}
    found |= {name for name, pattern in _ASKED.items() if pattern.search(asked)}
    if booked or booking_requested(turns):
        found.add("booking")
    if questions:
        found.add("inquiry")
    if any(_GREETING.search(text) for text in agent_turns(turns)):
        found.add("voicemail")
    return [tag for tag in TAGS if tag in found]
