"""A call's whole analysis, each figure from its own module: what the worker, `calls import`
and `humanadd analyze` are to store where the provider left a field empty."""

from dataclasses import dataclass

from humanadd.analytics.booking import booked
from humanadd.analytics.questions import caller_questions
from humanadd.analytics.sentiment import Sentiment, caller_sentiment
from humanadd.analytics.summary import summary
from humanadd.analytics.tags import tags
from humanadd.analytics.transcript import Turn


@dataclass(frozen=True, slots=True)
class Analysis:
    sentiment: Sentiment | None
    summary: str | None
    tags: list[str]
    booked: bool
    questions: list[str]
    """The caller's questions, each in its own wording, in the order asked."""


def analyse(turns: list[Turn]) -> Analysis:
    """Every figure of one call, from its turns."""
    questions = caller_questions(turns)
    was_booked = booked(turns)
    return Analysis(
        sentiment=caller_sentiment(turns),
        summary=summary(turns, booked=was_booked, questions=questions),
        tags=tags(turns, booked=was_booked, questions=questions),
        booked=was_booked,
        questions=questions,
    )
