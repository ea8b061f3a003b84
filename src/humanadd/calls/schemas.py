"""Wire shapes of the calls endpoints."""

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from humanadd.clock import Timestamp
from humanadd.errors import RESPONSE_SCHEMA

Direction = Literal["inbound", "outbound"]
Status = Literal["ongoing", "ended", "error"]
Sentiment = Literal["positive", "neutral", "negative"]
SentimentFilter = Literal["positive", "neutral", "negative", "unknown"]
"""One Literal, not a union, so that a bad value is reported as plain 'sentiment'."""
Role = Literal["agent", "user"]

MAX_TAG_LENGTH = 64


def without_nul(text: str) -> str:
    """No column holds a NUL character (PostgreSQL refuses it outright): such text is invalid."""
    if "\x00" in text:
        raise PydanticCustomError("string_nul", "Input should not contain a NUL character")
    return text


TagFilter = Annotated[
    str, StringConstraints(max_length=MAX_TAG_LENGTH), AfterValidator(without_nul)
]
"""A tag as the `tag` filter takes it: what a stored tag can be."""

TOPIC_ID = re.compile(r"^tq_[0-9A-Za-z]{20}$")
"""What a topic id is: `tq_` and 20 letters and digits (`analytics.topics`)."""


def topic_id(text: str) -> str:
    """A topic id as written, or invalid."""
    if not TOPIC_ID.match(text):
        raise PydanticCustomError(
            "topic_id", "Input should be a topic id: tq_ and 20 letters or digits"
        )
    return text


TopicFilter = Annotated[
    str, AfterValidator(topic_id), WithJsonSchema({"type": "string", "pattern": TOPIC_ID.pattern})
]
"""A topic id as the `topic` filter takes it."""


class Word(BaseModel):
    model_config = ConfigDict(extra="allow")

    word: str
    start: float
    end: float


class TranscriptTurn(BaseModel):
    """One turn of the conversation; `words` (timings) only when the provider gave them."""

    role: Role
    content: str
    words: list[Word] | None = Field(default=None, exclude_if=lambda words: words is None)


class CallSummary(BaseModel):
    call_id: str = Field(examples=["call_abc123"])
    direction: Direction
    from_number: str | None = Field(examples=["+15551234567"])
    to_number: str | None = Field(examples=["+15559876543"])
    started_at: Timestamp
    duration_seconds: int
    status: Status
    sentiment: Sentiment | None = Field(description="null until analysed, or when unknown.")
    summary: str | None
    tags: list[str] = Field(description="Lowercase tags.")
    booked: bool


class CallQuestion(BaseModel):
    """A question the caller asked, with its topic: questions that mean the same."""

    text: str = Field(
        description="The question as the caller worded it.",
        examples=["Are you open on Saturdays?"],
    )
    topic_id: str | None = Field(
        description="The topic (`tq_…`) that answers for it: if its topic was merged into "
        "another, the one it was merged into. Filter calls by it with "
        "`GET /api/v1/calls?topic=`. Null only for a question stored before topics existed, "
        "until its call is analysed again.",
        examples=["tq_4Rk2mQ9xZp0aL7cVb1Nd"],
    )
    topic: str | None = Field(
        description="That topic's label: the most typical wording of its questions "
        "(null with `topic_id`).",
        examples=["What are your hours on Saturday?"],
    )


class CallDetail(CallSummary):
    ended_at: Timestamp | None
    disconnection_reason: str | None = Field(examples=["user_hangup"])
    transcript: str | None = Field(description="Lines `AI: …` and `Caller: …`.")
    transcript_object: list[TranscriptTurn] | None
    recording_url: str | None = Field(
        description="Our own path to stream the audio, or null when there is none.",
        examples=["/api/v1/calls/call_abc123/recording"],
    )
    questions: list[CallQuestion] = Field(
        description="Every question the caller asked, in the order asked; empty when none "
        "(or while the call is ongoing: they are found once it has ended)."
    )


class CallList(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    count: int
    calls: list[CallSummary]
    has_more: bool = Field(description="More calls exist beyond this page.")
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next page. Always present when paging "
        "forward; null on the last newest-first page."
    )


class CallDetailResponse(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    call: CallDetail
