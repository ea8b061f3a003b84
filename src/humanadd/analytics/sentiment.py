"""The caller's sentiment: `positive`, `neutral` or `negative`, from the caller's turns only,
weighing how the call ended (docs/analytics.md, "Sentiment").

VADER (the `vaderSentiment` lexicon, shipped in its wheel) scores each turn, with three
corrections for phone calls, where its lexicon reads too much into ritual words:

- backchannels ("ok", "yes", "no", "sure"), courtesies ("thank you", "no problem", "fine")
  and closings ("bye") carry no feeling of their own, alone or inside a longer turn: "no"
  answers a question, "thank you" ends nearly every call;
- "I'd like to…" asks for something; VADER reads "like" as liking;
- annoyance that callers say without any word VADER knows ("nobody showed up", "I've been
  waiting three days", "this is the second time") counts as negative.

Later turns weigh more, and a caller whose last words are annoyed is negative whatever came
before: how a call ends is what the business owner needs to know.
"""

import re
from typing import Literal

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # type: ignore[import-untyped]

from humanadd.analytics.transcript import Turn, caller_turns

Sentiment = Literal["positive", "neutral", "negative"]

POSITIVE_AT = 0.3
NEGATIVE_AT = -0.15
"""Thresholds on the weighted mean of the turns' scores (VADER's compound, -1 to 1)."""
ANNOYED_AT = -0.3
"""A last turn this low makes the call negative."""
CUE_WEIGHT = 0.6

_analyzer = SentimentIntensityAnalyzer()

_WORD = r"[\s,.!?;:-]*"
_RITUAL = re.compile(
    rf"^(?:{_WORD}(?:ok(?:ay)?|all ?right|yes|yeah|yep|yup|no|nope|sure|right|uh|um+|hmm|mhm|hi|"
    r"hello|hey|thanks?|thank you|thank you (?:so|very) much|thanks a lot|cheers|bye|goodbye|"
    r"bye bye|see you|have a (?:good|nice|great) (?:day|one|night|evening|weekend)|"
    r"you too|that's (?:it|all)|that is all|got it|sounds good|perfect|great|cool|fine|"
    rf"good|alright then){_WORD})+$",
    re.IGNORECASE,
)
"""A turn made only of backchannels and closings."""
_GLUE = re.compile(
    r"\b(?:ok(?:ay)?|yeah|yes|yep|sure|al(?:l ?)?right|thanks|thank you|please|no problem|"
    r"no worries|fine|hi|hello|hey|well|bye)\b",
    re.IGNORECASE,
)
"""Words of conversation's glue, taken out of a turn before it is scored."""
_ASKING = re.compile(r"\b(?:i'd|i would|we'd|we would|would you|you'd) like\b", re.IGNORECASE)
_ANNOYANCE = re.compile(
    r"\b(?:ridiculous|unacceptable|terrible|horrible|awful|worst|useless|incompetent|"
    r"frustrat\w*|annoy\w*|upset|angry|furious|disappoint\w*|fed up|sick of|tired of|"
    r"waste of (?:my )?time|not happy|unhappy|not ok(?:ay)?|not good enough|complain\w*|"
    r"nobody (?:came|showed|called|answered)|no one (?:came|showed|called|answered)|"
    r"never (?:came|showed|called)|(?:didn't|did not|doesn't|does not|still (?:not|hasn't|isn't))"
    r" (?:show|come|call|work|fix)\w*|still (?:broken|waiting|not working)|been waiting|"
    r"(?:second|third|fourth|fifth) time|again and again|(?:speak|talk) (?:to|with) (?:a|your) "
    r"(?:manager|supervisor)|(?:want|need) (?:a|my) refund|forget it|never mind|"
    r"cancel (?:my|the) (?:service|membership|contract|account)|you people|hung up on)\b",
    re.IGNORECASE,
)
"""Annoyance as callers put it, with or without a word VADER knows."""


def _score(turn: str) -> float | None:
    """A caller turn's score, or None for a turn that says nothing of the caller's mood."""
    if _RITUAL.match(turn):
        return None
    text = _GLUE.sub("", _ASKING.sub("want", turn))
    compound = float(_analyzer.polarity_scores(text)["compound"])
    cues = len(_ANNOYANCE.findall(turn))
    return max(-1.0, compound - CUE_WEIGHT * cues) if cues else compound


def caller_sentiment(turns: list[Turn]) -> Sentiment | None:
    """The caller's sentiment; None only when the caller said nothing. A caller who said only
    "hello" and "bye" is neutral."""
    said = caller_turns(turns)
    if not said:
        return None
    scores = [score for turn in said if (score := _score(turn)) is not None]
    if not scores:
        return "neutral"
    if scores[-1] <= ANNOYED_AT:
        return "negative"
    # Later turns weigh more: the last counts three times as much as the first.
    weights = [1 + 2 * index / max(1, len(scores) - 1) for index in range(len(scores))]
    mean = sum(w * s for w, s in zip(weights, scores, strict=True)) / sum(weights)
    if mean >= POSITIVE_AT:
        return "positive"
    if mean <= NEGATIVE_AT:
        return "negative"
    return "neutral"
