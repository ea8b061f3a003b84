"""The caller's questions (docs/analytics.md, "Questions"): every question the caller asked, each as
a clean span of their own words, found in text as speech-to-text writes it (no `?`, fillers,
run-on sentences, indirect forms). Requests to book, requests for an action, pleasantries,
confirmations and repair ("sorry, what was that") are not questions."""

import re
from collections.abc import Iterable
from typing import NamedTuple

from humanadd.analytics.transcript import Turn


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TOKEN = re.compile(r"\d{1,2}:\d\d|[a-z0-9]+(?:['\u2019][a-z]+)?", re.IGNORECASE)
_ABBREVIATIONS = _words("dr mr mrs ms st jr sr vs etc approx ave apt")

FILLERS = _words(
    "um umm ummm uh uhh uhm er erm ah ahh eh hm hmm mm mhm oh like so ok okay alright and also"
    " but well yeah yes yep yup no nope hi hello hey great perfect cool thanks thank sure then"
    " actually right just plus or anyway anyways now maybe"
)
"""Words that open a clause without being part of what is asked; trimmed from a wording's ends."""

_MARKERS = _words("and also so but ok okay oh then plus or well alright anyway")
_WH = _words("what what's whats where where's wheres when when's why how how's who who's which")
_WH_AUX = _words("what's whats where's wheres when's how's who's")
_AUX = _words(
    "do does did is are was were can could would will should may might have has am shall"
    " don't doesn't didn't isn't aren't wasn't can't couldn't won't wouldn't haven't hasn't"
)
_PRONOUNS = _words("i you we they he she it there u ya y'all you're you've")
_DETERMINERS = _words("the my your our their his her this that these those a an any some")
# Words after a verb like "do" or "would" that show it is not asking ("don't want", "would like").
_NOT_SUBJECTS = _words(
    "good fine great ok okay perfect right correct all done not so too very be like love need want"
    " know think worry care mind have see get work go make take come help do looking going trying"
    " calling hoping thinking planning getting"
)
# Words after which a verb and its pronoun go on the same clause ("hope you can do it", "that is
# it", "to have it"), so they do not start a question.
_CONTINUES = _words(
    "to let's that this which what who if whether when where how why i'm i'll i'd you'll we'll"
    " we're they're not never hope think guess"
)
_MID_WH = _words("what what's whats how how's")
# Words that introduce a question asked indirectly ("I need to know if…", "tell me what…"): a
# question word right after one of them does not start a new clause.
_LEAD_INS = _words(
    "know wondering wonder ask asking tell me see check out idea sure understand remember forgot"
    " if whether about"
)
_INDIRECT = re.compile(
    r"(?:(?:i(?:'m| am| was)? )?(?:just |also )?wonder(?:ing)?"
    r"|i(?:'d| would)? (?:just |also |really )?(?:want|wanted|need|needed|like|love|had|have) to"
    r" (?:know|ask(?! for)|find out|(?:check|see) (?:if|whether|about|what|how|when|where))"
    r"|i(?:'m| am| was) (?:(?:just )?calling|trying|hoping) to (?:ask|find out|see|check|know)"
    r"|i(?:'m| am) curious|any idea|(?:any|is there a|is there any) chance"
    r"|(?:please )?(?:tell|let) me (?:please )?(?:know )?"
    r"(?:if|whether|what|where|when|how|who|which|about)"
    r"|(?:please )?(?:find out|check|see) (?:if|whether)"
    r"|i (?:have|had|got) a (?:quick )?question (?:about|on|regarding))\b"
)
INFO_NOUNS = re.compile(
    r"\b(?:address|addresses|location|locations|directions|phone|number|contacts?|email"
    r"|website|hours|price|prices|pricing|cost|costs|fee|fees|charges|quote|estimate|rates"
    r"|rating|ratings|rated|reviews|menu|details|info|information|parking|policy|zip|insurance"
    r"|payment|payments)\b"
)
# A request for information in the imperative or as a wish ("give me their number", "I need the
# address", "can I get the price"): the verb, then an information noun further on.
_INFO_REQUEST = re.compile(
    r"(?:(?:also|please) )*(?:(?:i|we)(?:'d| would) like|(?:i|we) (?:also )?(?:need|want)"
    r"|give|send|text|email|tell|provide|share|list|show|find|inform|confirm|get|grab|specify"
    r"|let me (?:have|know)"
    r"|help me with)\b"
)
_ASK_VERBS = _words(
    "give send text email provide share get grab find show list confirm check inform read pull"
    " specify"
)
_ACTION_VERBS = _words(
    "book make schedule reserve find search look help recommend suggest call put cancel change"
    " move hold transfer connect see come get set try fix check send sign add switch bring locate"
    " pencil squeeze fit arrange"
)
_CAN_ASK = _words("tell explain say")
_CAPABILITY = _words("do fix repair service handle install replace take accept work offer treat")
_BOOKING = re.compile(
    r"\b(?:book|booking|reserve|reservation|appointment|schedule|come in|get in|slot|table for)\b"
)
AVAILABILITY = re.compile(
    r"\b(?:available|availability|openings?|open (?:slot|spot|space)|slots?|spots?"
    r"|(?:fit|get|squeeze) (?:me|us|him|her) in|(?:he|she|they|you|him|her) free)\b(?! hours)"
)
TIME = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|tomorrow"
    r"|morning|afternoon|evening|noon|o'clock|half past|quarter (?:past|to)|next week"
    r"|\d{1,2}(?::\d\d)? ?(?:am|pm|a m|p m)|\d{1,2}:\d\d|\d{1,2}(?:st|nd|rd|th)"
    r"|january|february|march|april|june|july|august|september|october|november|december)\b"
)
_PLEASANTRY = re.compile(
    r"^(?:how (?:are|r) (?:you|ya)(?: doing| today| doing today)?|how's it going|how you doing"
    r"|how(?:'s| is) (?:your day|everything|it going)(?: going)?(?: today)?|how are things"
    r"|how have you been|what's up|can you hear me|do you hear me|are you (?:still )?there"
    r"|can i ask (?:you )?(?:a (?:quick )?question|something)|is this a good time"
    r"|who am i speaking (?:to|with)|am i speaking (?:to|with) .*|have a (?:good|nice|great) .*"
    r"|(?:very|so) much|a lot|a bunch|that(?:'s| is| will be|'ll be) (?:all|it|everything).*)$"
)
_REPAIR = re.compile(
    r"^(?:what|what was that|what's that|what did you say|sorry what|pardon|come again"
    r"|(?:can|could|would) you (?:please )?(?:repeat|say) (?:that|it)(?: again)?.*"
    r"|(?:is|was) (?:that|it) (?:right|correct|ok|okay|good|fine|all|it)|right|correct|okay|ok"
    r"|(?:did|do) you (?:get|have|catch) (?:that|it|all that)|(?:you )?got (?:that|it)"
    r"|does that (?:work|sound good)(?: for you)?|you know|do you know|isn't it|right then)$"
)
# Asking to be offered something else, or to be recommended one: a request to search.
_ALTERNATIVES = re.compile(
    r"\b(?:another|others|other|different|alternatives?|anymore|else|suggestions?|suggest"
    r"|recommendations?|recommend|know (?:of )?(?:any|a|an|some)|any ?more|only one)\b"
)
# The same, asked with a question word ("what other options do you have", "who else is there").
_WH_ALTERNATIVES = re.compile(
    r"\b(?:others|other (?:ones?|options?|choices|alternatives?)|another (?:one|option|choice)"
    r"|the other one|(?:who|anyone|someone) else|(?:what|anything|something) else(?: is there)?$)"
)
_DONE = _words("it that this nothing the a an me us something anything")
_OWN_INFO = re.compile(
    r"(?:the|your|their|its|his|her|some|more) (?:\w+ )?" + INFO_NOUNS.pattern[2:]
)
_ACCEPTANCE = re.compile(r"\b(?:works?|fine|good|great|perfect|ok|okay)$")
_HOURS = re.compile(r"\b(?:open|close|closed|closing)\b")
_WRAPPED_REQUEST = re.compile(r"\b(?:if|whether) (you|u) (could|can|would|will) (.+)$")
_NOT_TAGGED = _words("all that's that is it's alright turn left the on to")
_TRAILING = _MARKERS | _words("um umm uh uhh er erm ah hmm mm")
_FREE = re.compile(r"\b(?:free|anything|something|appointments?|any ?time|room|possibility)\b")
_POSITIVE = {"can't": "can", "couldn't": "could", "won't": "will", "wouldn't": "would"}
_ABOUT = re.compile(r"^(?:how|what) about\b")


class _Clause(NamedTuple):
    words: list[str]
    start: int
    end: int
    asked: bool
    """The clause ended with a question mark."""


def _tokens(text: str) -> list[tuple[str, int, int]]:
    return [(_word(m.group()), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _word(token: str) -> str:
    return token.lower().replace("\u2019", "'")


def _first_content(words: list[str], index: int = 0) -> int:
    while index < len(words) and words[index] in FILLERS:
        # "thank you" and "you know" are fillers as a pair only.
        if words[index] == "thank" and index + 1 < len(words) and words[index + 1] == "you":
            index += 1
        index += 1
    return index


def _opens_strongly(words: list[str], i: int) -> bool:
    """A question plainly starts at `words[i]`: a question word with its verb, or a verb before its
    pronoun ("do you", "is there")."""
    word = words[i]
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if word in _WH_AUX:
        return True
    if word in _WH:
        return nxt not in _PRONOUNS and any(w in _AUX for w in words[i + 1 : i + 4])
    return word in _AUX and nxt in _PRONOUNS and nxt != "it's"


def _mid_split(words: list[str], start: int, i: int) -> bool:
    """Whether a new clause starts at `words[i]`, inside a run of words that has no punctuation."""
    if i - start < 1:
        return False
    before = words[i - 1]
    if before in _MARKERS and words[i] not in _MARKERS:
        return _opener(words[i:]) is not None
    if (
        words[i] in ("i", "just")
        and before not in _LEAD_INS
        and _INDIRECT.match(" ".join(words[i : i + 8]))
    ):
        return True  # "…my furnace is making a noise and uh I was wondering how soon…"
    if not _opens_strongly(words, i):
        return False
    if words[i] in _WH and words[i] not in _MID_WH:
        return False  # "a doctor who is…", "the place where they…": a relative clause
    if before in _LEAD_INS or before in _WH or before in _CONTINUES or "'" in before:
        return False
    if before in _AUX or before in _PRONOUNS or before in _DETERMINERS:
        return False
    head = _first_content(words, start)
    # "what time do you close": the verb after a question word's phrase belongs to it.
    return not (words[head] in _WH and not any(w in _AUX for w in words[head + 1 : i]))


def clauses(text: str) -> list[tuple[str, bool]]:
    """`text` cut into sentences and clauses: each a span of the text, and whether it ended with
    `?`. Punctuation cuts where present; otherwise a question's opening words start a clause."""
    return [(text[c.start : c.end], c.asked) for c in _clauses(text)]


def _clauses(text: str) -> list[_Clause]:
    tokens = _tokens(text)
    found: list[_Clause] = []
    start = 0

    def close(end: int, asked: bool) -> None:
        nonlocal start
        if end > start:
            words = [t[0] for t in tokens[start:end]]
            found.append(_Clause(words, tokens[start][1], tokens[end - 1][2], asked))
        start = end

    words = [t[0] for t in tokens]
    for i in range(1, len(tokens) + 1):
        gap = text[tokens[i - 1][2] : tokens[i][1] if i < len(tokens) else len(text)]
        previous = tokens[i - 1][0]
        if re.search(r"[?!;]|\.(?!\d)", gap) and not (
            gap.startswith(".")
            and (previous in _ABBREVIATIONS or (len(previous) == 1 and previous.isalpha()))
        ):
            close(i, "?" in gap)
        elif i < len(tokens) and ("," in gap or ":" in gap or " - " in gap):
            j = _first_content(words, i)
            if j < len(words) and _opener(words[j:]) is not None:
                close(i, False)
        elif i < len(tokens) and _mid_split(words, start, i):
            close(i, False)
    close(len(tokens), False)
    return found


def _opener(words: list[str]) -> str | None:
    """The form a clause starting with `words` has: `wh`, `yes-no`, `indirect`, `info`, or None."""
    if not words:
        return None
    head, nxt = words[0], words[1] if len(words) > 1 else ""
    phrase = " ".join(words)
    if _INDIRECT.match(phrase):
        return "indirect"
    if head in _WH:
        # "what I need is…", "when the tech comes…": a clause about something, not a question.
        if (nxt in _PRONOUNS or nxt in _DETERMINERS or nxt == "i'm") and head not in _WH_AUX:
            return None
        return "wh"
    if head == "am" and nxt != "i":
        return None
    if head in _AUX and nxt and nxt not in _NOT_SUBJECTS and nxt not in _ACTION_VERBS:
        # "do it", "do the booking at six": an instruction, not "do you…"
        return None if head == "do" and nxt in _DONE else "yes-no"
    request = _INFO_REQUEST.match(phrase)
    if request is None:
        return None
    after = phrase[request.end() :].split()
    if request.group().endswith(("like", "need", "want")):
        # A wish names the information itself: "I need the address", not "I'd like sushi at a
        # good price".
        return "info" if _OWN_INFO.match(" ".join(after[:4])) else None
    return "info" if INFO_NOUNS.search(" ".join(after[:6])) else None


def _is_question(words: list[str], asked: bool, agent_said: str) -> bool:
    head = _first_content(words)
    words = words[head:]
    phrase = " ".join(words)
    if not words or _PLEASANTRY.match(phrase) or _REPAIR.match(phrase):
        return False
    if words[:3] == ["do", "you", "think"] and len(words) > 5 and words[4] in _AUX:
        # "do you think you could find me one" asks what "could you find me one" asks.
        words = [words[4], words[3], *words[5:]]
        phrase = " ".join(words)
    form = _opener(words)
    informative = INFO_NOUNS.search(phrase) is not None
    if form is None:
        # "you guys are open till five right": a statement asked with a tag, as "?" would
        tagged = len(words) >= 4 and words[-1] == "right" and words[-2] not in _NOT_TAGGED
        return (asked or tagged) and _asked_as_statement(words, phrase, agent_said)
    if _ABOUT.match(phrase):
        return informative  # "how about the 5th" proposes; "what about parking" asks
    if AVAILABILITY.search(phrase) and not informative:
        return False  # asking for a free slot is how callers ask to book
    if form == "indirect" and (wrapped := _WRAPPED_REQUEST.search(phrase)):
        # "I was wondering if you could send someone out" asks what "could you send…" asks.
        return _yes_no_is_question([wrapped[2], "you", *wrapped[3].split()], phrase, informative)
    if form in ("indirect", "info"):
        return True
    if form == "wh":
        if _WH_ALTERNATIVES.search(phrase) and not informative:
            return False
        return not (_BOOKING.search(phrase) and re.search(r"\bcan (?:i|we)\b", phrase))
    return _yes_no_is_question(words, phrase, informative)


def _yes_no_is_question(words: list[str], phrase: str, informative: bool) -> bool:
    aux, subject = _POSITIVE.get(words[0], words[0]), words[1]
    if _ALTERNATIVES.search(phrase) and not informative:
        return False  # "are there any others", "any suggestions": a request to search again
    skip = (
        "please",
        "possibly",
        "maybe",
        "just",
        "also",
        "guys",
        "be",
        "able",
        "happen",
        "to",
        "manage",
    )
    rest = [w for w in words[2:] if w not in skip] + ["", ""]
    verb = rest[0]
    if aux in ("can", "could", "would", "will") and subject in ("you", "u", "ya"):
        if verb in _CAN_ASK or verb == "know" or (verb in _ASK_VERBS and informative):
            return True
        if (verb, rest[1]) in (("let", "me"), ("find", "out")) or (
            verb == "check" and rest[1] in ("if", "whether")
        ):
            return True
        if verb in _CAPABILITY:
            return not (TIME.search(phrase) or " my " in f" {phrase} " or rest[1] in _DONE)
        return False  # "can you book / find / send someone": a request for an action
    if aux in ("can", "could", "may") and subject in ("i", "we"):
        if verb in ("have", "get", "grab", "see"):
            return informative
        if verb in _ACTION_VERBS or verb in ("do", "speak", "talk") or _BOOKING.search(phrase):
            return False
        return not TIME.search(phrase)
    if phrase.startswith(("is it possible to", "would it be possible to")):
        return informative or not (_BOOKING.search(phrase) or TIME.search(phrase))
    # "is he free on the 13th", "anything at 4?", "will 12:45 work?": asking for a slot
    slot = _FREE.search(phrase) or verb == "have" or _ACCEPTANCE.search(phrase)
    return not (TIME.search(phrase) and not informative and slot)


def _asked_as_statement(words: list[str], phrase: str, agent_said: str) -> bool:
    """A clause without a question's form but spoken as one ("you're open sunday?")."""
    if words[0] in _ACTION_VERBS or words[0] in (
        "let's",
        "let",
        "please",
        "i",
        "i'd",
        "i'm",
        "i'll",
    ):
        return False
    if "please" in words and not INFO_NOUNS.search(phrase):
        return False
    if words[0] in _AUX or _ACCEPTANCE.search(phrase):
        return False  # "that will work?": accepting what was offered
    if _ALTERNATIVES.search(phrase) and not INFO_NOUNS.search(phrase):
        return False
    if TIME.search(phrase) and not INFO_NOUNS.search(phrase) and not _HOURS.search(phrase):
        return False  # "tuesday at three?": a time offered or read back
    said = {_word(token) for token in _TOKEN.findall(agent_said)}
    content = [w for w in words if w not in FILLERS and w not in _DETERMINERS]
    # Details read back to the agent are a confirmation, not a question.
    return not content or sum(w in said for w in content) < 0.6 * len(content)


def _wording(text: str, clause: _Clause) -> str:
    head = _first_content(clause.words)
    tail = len(clause.words)
    while tail > head + 1 and clause.words[tail - 1] in _TRAILING:
        tail -= 1
    spans = list(_TOKEN.finditer(text, clause.start, clause.end))
    end = spans[tail - 1].end()
    return text[spans[head].start() : end + 1 if text[end : end + 1] == "?" else end]


def caller_questions(turns: Iterable[Turn]) -> list[str]:
    """Every question the caller asked, in order, each in the caller's own words."""
    found: list[str] = []
    agent_said = ""
    for turn in turns:
        if turn.role == "agent":
            agent_said = turn.content
            continue
        for clause in _clauses(turn.content):
            if _is_question(clause.words, clause.asked, agent_said):
                found.append(_wording(turn.content, clause))
    return found
