"""Wire shapes of /api/v1/stats: the document's camelCase keys inside `stats`."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from humanadd.errors import RESPONSE_SCHEMA

Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class SentimentDistribution(BaseModel):
    """Calls per analysed sentiment; calls not (yet) analysed are in none of them."""

    positive: int = Field(examples=[380])
    neutral: int = Field(examples=[32])
    negative: int = Field(examples=[14])


TopicId = Field(
    description="The topic (`tq_…`): its questions mean the same. Filter calls by it with "
    "`GET /api/v1/calls?topic=`.",
    examples=["tq_4Rk2mQ9xZp0aL7cVb1Nd"],
)


class TopQuestion(BaseModel):
    question: str = Field(
        description="The topic's label: the most typical wording its callers used.",
        examples=["What are your hours on Saturday?"],
    )
    count: int = Field(description="Distinct calls that asked it.", examples=[17])
    topic_id: str = TopicId


class Stats(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, validate_by_name=True)

    total_calls: int = Field(description="Calls started in the period.", examples=[426])
    avg_duration: str = Field(
        description="Mean duration of answered calls, to the nearest second: `m:ss`, or "
        '`h:mm:ss` from one hour; `"0:00"` when there are none.',
        pattern=r"^(?:\d+:[0-5]\d:[0-5]\d|[1-5]?\d:[0-5]\d)$",
        examples=["1:22"],
    )
    answered: int = Field(
        description="Calls with a conversation: ongoing, or longer than 0 s and not ended by a "
        "failed dial, busy line, voicemail, decline, spam block or timeout.",
        examples=[402],
    )
    missed: int = Field(description="`totalCalls` minus `answered`.", examples=[24])
    inbound: int = Field(examples=[410])
    outbound: int = Field(examples=[16])
    sentiment_distribution: SentimentDistribution
    busiest_day: Weekday | None = Field(
        description="The weekday with most call starts in your time zone (ties: the earliest, "
        "Monday first); null when there are no calls.",
        examples=["Tuesday"],
    )
    peak_hours: str | None = Field(
        description="The 3 consecutive whole hours with most call starts in your time zone, "
        "possibly across midnight (ties: the earliest start hour); null when there are no calls.",
        pattern=r"^(?:[1-9]|1[0-2])[ap]m - (?:[1-9]|1[0-2])[ap]m$",
        examples=["9am - 12pm"],
    )
    top_questions: list[TopQuestion] = Field(
        description="At most 10 topics of caller questions (questions grouped by meaning), "
        "the most asked first; ties by label.",
        max_length=10,
    )


class StatsResponse(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    period_days: int = Field(description="The `days` asked for.", examples=[30])
    stats: Stats


class AskedTopic(BaseModel):
    topic_id: str = TopicId
    label: str = Field(
        description="The most typical wording of the topic's questions.",
        examples=["What are your hours on Saturday?"],
    )
    count: int = Field(description="Distinct calls in the period that asked it.", examples=[17])
    examples: list[str] = Field(
        description="Up to 5 wordings callers used, those of most calls first.",
        max_length=5,
        examples=[["What are your hours on Saturday?", "are you open saturdays"]],
    )


class QuestionsResponse(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    period_days: int = Field(description="The `days` asked for.", examples=[30])
    questions: list[AskedTopic] = Field(
        description="Every topic asked in the period, the most asked first; ties by label."
    )
