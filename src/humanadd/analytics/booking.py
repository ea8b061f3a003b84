"""Whether a booking was made in the call (docs/analytics.md, "Booked"), and whether the caller
asked for one. A rule over the receptionist's sentences, read in order: a booking stated as done
counts; one only discussed, offered, read back for approval, failed, negated or cancelled later
does not."""

import re
from collections.abc import Iterable, Sequence
from enum import Enum

from humanadd.analytics.questions import AVAILABILITY, TIME, clauses
from humanadd.analytics.transcript import Turn


class _Event(Enum):
    CONFIRMED = "confirmed"
    PENDING = "pending"
    """Details read back or a booking offered: done only once the caller accepts."""
    FAILED = "failed"
    CANCELLED = "cancelled"


_THING = (
    r"(?:appoint\w*|reservations?|bookings?|table|visit|slot|spot|seat|consultation|cleaning"
    r"|confirmation)"
)
_PRONOUN_THING = r"(?:it|that|everything|you)"
_DONE_VERB = (
    r"(?:booked|reserved|scheduled|confirmed|made|set up|placed|locked in|penciled|pencilled"
    r"|registered|put you (?:down|in)|(?:got |have )?you (?:down|in|booked|scheduled|all set)"
    r"|added you|moved|rescheduled)"
)
_CONFIRMED = re.compile(
    rf"\b(?:i|we)(?:'ve| have)?(?: gone ahead and| just| now| successfully| also)? {_DONE_VERB}\b"
    rf"|\b(?:i|we)(?:'ve| have)?(?: got)? (?:your|the) {_THING} (?:all )?(?:set|booked|confirmed"
    r"|scheduled|in|down|reserved)\b"
    r"|\b(?:i|we)(?:'ve| have)? managed to (?:book|place|make|schedule|reserve|get|confirm)\b"
    rf"|\byou have (?:a |an )?confirmed {_THING}"
    rf"|\b(?:{_THING}(?: \S+){{0,6}}?|{_PRONOUN_THING})(?: is| has| was| are| have|'s|'ve)"
    r"(?: now| all| suc\w*ly| officially| been| be| just| already)*"
    r" (?:confirmed|booked|made|scheduled|set(?: up)?|reserved|placed|complete|completed|done"
    r"|successful|locked in|all set|moved|rescheduled|a success|accepted|secured|fixed)\b"
    rf"|^\W*(?:your |the )?(?:\w+ )?{_THING} (?:is )?(?:confirmed|booked|made|scheduled|complete"
    r"|reserved|done|set|suc\w*)\b"
    r"|^\W*(?:booked|confirmed)\W*$"
    r"|\b(?:i|we) did (?:confirm|book|reserve|schedule|make|set up)\b"
    r"|\b(?:i|we) have (?:a |the )?confirmation\b"
    r"|\b(?:i|we) (?:was|were) able to (?:successfully )?(?:book|reserve|schedule|make|confirm|get"
    r"|fit|complete|place|secure)\b"
    r"|\b(?:booking|reservation|appointment) went (?:through|thr?ough|fine|ok)\b"
    r"|\b(?:booked|reserved|scheduled|made|placed|confirmed) suc\w*|\bsuc\w*ly \w+ed\b"
    r"|^\W*all (?:booked|set|done)\b"
    r"|\byou(?:'re| are) (?:all )?(?:set|booked|confirmed|scheduled|good to go)\b"
    r"|\byou(?:'re| are) (?:on|in) (?:the|our) (?:books|schedule|calendar)\b"
    r"|\b(?:we'll|we will|i'll) see you\b|\bsee you (?:then|on|at|tomorrow|next|this)\b"
    r"|\blook(?:ing)? forward to seeing you\b",
    re.IGNORECASE,
)
_CANCELLED = re.compile(
    r"\b(?:i|we)(?:'ve| have)?(?: gone ahead and| just)? cancel(?:l?ed)\b"
    rf"|\b(?:{_THING}|{_PRONOUN_THING})(?: is| has been| was|'s|'s been)(?: now| all)?"
    r" (?:cancel(?:l?ed)|removed)\b"
    r"|\bcancellation (?:is|has been) (?:confirmed|done|complete)",
    re.IGNORECASE,
)
_BOOKING_WORDS = re.compile(
    r"\b(?:book\w*|reserv\w*|appointment|schedul\w*|slot|table|confirm\w*|availability|openings?)\b",
    re.IGNORECASE,
)
_FAILURE = re.compile(
    r"\b(?:not|never|unable|cannot|failed|unfortunately|no longer|fully booked|booked up"
    r"|no (?:availability|openings?|slots?|tables?))\b|n't\b"
    r"|\b(?:is|'s|was|are|were|already) (?:already )?(?:taken|full|gone)\b"
    r"|\b(?:time|slot|date|day|spot|hour)s? (?:is|are|'s|was|were) (?:already |fully |all )?"
    r"booked\b",
    re.IGNORECASE,
)
# An offer, a condition or a read-back: "would you like me to book", "if you want I can book",
# "please confirm", "just to confirm: …", "I'm booking … correct?"
_TENTATIVE = re.compile(
    r"\b(?:would|do|did|shall|should|can|could|may|will) (?:you|i|we)\b|\bif\b|\bplease confirm"
    r"|\bto confirm\b|\bconfirming\b|\blet me\b"
    r"|^\W*(?:(?:ok|okay|so|now|and|alright|great|sure|kindly)\W+)*confirm\b"
    r"|\b(?:i|we)(?:'ll| will| can| could| am|'m| are|'re) (?:going to |gonna |happy to |just )?"
    r"(?:book|reserve|schedule|make|set|put|get|booking|reserving|scheduling|making)\b",
    re.IGNORECASE,
)
# A time read back for approval.
_CHECKED = re.compile(
    r"\b(?:correct|right|is that (?:ok|okay|good|fine)|does that (?:work|sound good)"
    r"|sound good)\W*$",
    re.IGNORECASE,
)
_ACCEPTED = re.compile(
    r"^\W*(?:(?:um|uh|oh|well|ok|okay)\W+)*(?:yes|yeah|yep|yup|ya|sure|correct|right|perfect|great"
    r"|ok|okay|absolutely|definitely|please|sounds (?:good|great|perfect)|that(?:'s| is| would be)"
    r" (?:right|correct|perfect|great|fine|good)|that works|go ahead|book it|do it|confirmed?)\b"
    r"(?!.*\b(?:no|not|don't|wait|actually|change|instead)\b)",
    re.IGNORECASE,
)
# The caller turning down a booking the receptionist just made for them.
_REJECTED = re.compile(
    r"\b(?:(?:that|this|it) (?:doesn't|does not|won't|will not) work"
    r"|i can(?:'t|not) (?:make|do|come)|not what i (?:asked|wanted))\b",
    re.IGNORECASE,
)
_CANCEL_ASKED = re.compile(r"\bcancel\b(?! ?(?:ation|lation) (?:policy|fee))", re.IGNORECASE)
_ACKNOWLEDGED = re.compile(
    r"^\W*(?:ok|okay|sure|done|no problem|of course|alright|all right|certainly|got it|absolutely"
    r"|great|perfect|wonderful|excellent|awesome|thank you|thanks|sounds good)\b",
    re.IGNORECASE,
)
_REQUESTED = re.compile(
    r"\b(?:to|can you|could you|please|let's|would you) (?:book|schedule|reserve)\b"
    r"|\bbook (?:me|us|it|that|a|an|the)\b|\b(?:reservations?|table) for\b"
    r"|\b(?:make|get|set up|fix|need|want|like|request)(?: me| us)? (?:an?|the|another)"
    r"(?: [\w']+)? (?:appointment|reservation|table|booking)\b",
    re.IGNORECASE,
)
_NEGATED = re.compile(r"\b(?:not|never|no)\b|n't\b", re.IGNORECASE)
_OFFER = re.compile(
    r"\b(?:(?:would|do) you (?:like|want)|shall i|should i|can i|want me to)\b"
    r".*\b(?:book\w*|reserv\w*|appointment|schedul\w*)"
    r"|\b(?:i|we) (?:can|could) (?:get|fit|squeeze|book|put|see|schedule) you\b",
    re.IGNORECASE,
)


_JOINS = re.compile(r",|(?<!\bahead) and\b|\bbut\b", re.IGNORECASE)


def _parts(text: str) -> list[tuple[str, bool]]:
    """`text`'s clauses, cut again at "and"/"but" so that "they don't serve alcohol and your table
    is booked" is read as two statements."""
    found = []
    for clause, asked in clauses(text):
        parts = [part for part in _JOINS.split(clause) if part.strip()]
        # Only the last part carries the question mark: "you're all set, anything else?"
        found += [(part, asked and n == len(parts) - 1) for n, part in enumerate(parts)]
    return found


def _events(text: str) -> list[_Event]:
    """What one agent turn says about a booking, in order."""
    found = []
    for part, asked in _parts(text):
        negated = _FAILURE.search(part) is not None
        if _CANCELLED.search(part) and not negated and not asked:
            found.append(_Event.CANCELLED)
        elif negated and (_BOOKING_WORDS.search(part) or _CONFIRMED.search(part)):
            found.append(_Event.FAILED)
        elif _CONFIRMED.search(part):
            tentative = asked or _TENTATIVE.search(part) is not None
            found.append(_Event.PENDING if tentative else _Event.CONFIRMED)
        elif _BOOKING_WORDS.search(part) and (asked or _TENTATIVE.search(part)):
            found.append(_Event.PENDING)
    if not found and TIME.search(text.lower()) and _CHECKED.search(text):
        found.append(_Event.PENDING)  # "so that's Friday at 10 with Maria, correct?"
    return found


def booked(turns: Sequence[Turn]) -> bool:
    """True when the receptionist confirmed a booking, appointment or reservation in this call and
    it was not cancelled or undone later in the call."""
    state = False
    read_back = accepted = just_confirmed = False
    for index, turn in enumerate(turns):
        if turn.role == "user":
            if state and _CANCEL_ASKED.search(turn.content) and _acknowledged(turns, index):
                state = False
            if just_confirmed and _REJECTED.search(turn.content):
                state = False
            accepted = read_back and _ACCEPTED.search(turn.content) is not None
            continue
        events = _events(turn.content)
        if accepted and not events and _goes_on(turn.content):
            # The caller accepted the details read back, and the receptionist went on with a
            # plain acknowledgement and no word of failure: the booking is made, implicitly.
            state = True
        for event in events:
            state = event is _Event.CONFIRMED or (state and event is _Event.PENDING)
        read_back = bool(events) and events[-1] is _Event.PENDING and _reads_back(turn.content)
        just_confirmed = bool(events) and events[-1] is _Event.CONFIRMED
    return state


def _reads_back(text: str) -> bool:
    """The agent read a booking's details back: a time or date, or an explicit request to
    confirm, not an open question like "what time works for you?"."""
    return TIME.search(text.lower()) is not None or "confirm" in text.lower()


def _goes_on(text: str) -> bool:
    return _ACKNOWLEDGED.search(text) is not None and not any(asked for _, asked in clauses(text))


def _acknowledged(turns: Sequence[Turn], index: int) -> bool:
    after = [turn for turn in turns[index + 1 :] if turn.role == "agent"][:1]
    return bool(after) and (
        _ACKNOWLEDGED.search(after[0].content) is not None
        or _Event.CANCELLED in _events(after[0].content)
    )


def booking_requested(turns: Iterable[Turn]) -> bool:
    """True when the caller asked for a booking: in words, by asking for a free slot, or by
    accepting the receptionist's offer to book."""
    offered = False
    for turn in turns:
        if turn.role == "agent":
            offered = _OFFER.search(turn.content) is not None
            continue
        if any(
            _REQUESTED.search(clause) and not _NEGATED.search(clause)
            for clause, _ in clauses(turn.content)
        ):
            return True
        if AVAILABILITY.search(turn.content.lower()) or (
            offered and _ACCEPTED.search(turn.content)
        ):
            return True
    return False
