"""Wire shapes of the knowledge-base endpoints."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from humanadd.errors import RESPONSE_SCHEMA

MAX_TEXT_LENGTH = 100_000


class KbChangeRequest(BaseModel):
    """The body of `POST /kb`: text to add, and whether it replaces the whole knowledge base."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(
        max_length=MAX_TEXT_LENGTH,
        description="The text to add: at most 100,000 characters, not only whitespace, "
        "no NUL characters.",
        examples=["Our new hours are 8am-7pm M-F."],
        json_schema_extra={"pattern": r"\S"},
    )
    replace: bool = Field(
        default=False,
        description="`true` wipes the existing knowledge base before adding the text, once the "
        "change is approved. Use with caution.",
    )

    @field_validator("text")
    @classmethod
    def _storable_and_not_blank(cls, text: str) -> str:
        # PostgreSQL text cannot hold U+0000: refused here, it would be a 500 at the INSERT.
        if "\x00" in text:
            raise PydanticCustomError("nul_character", "must not contain NUL characters (U+0000)")
        if not text.strip():
            raise PydanticCustomError("blank", "must contain at least one non-space character")
        return text


class KbChangeQueued(BaseModel):
    """The answer to `POST /kb`: the change is queued for review."""

    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    queued: Literal[True] = True
    change_id: str = Field(
        description="Identifies the queued change.", examples=["kbc_4fT9qLx2ZbN8wR1mK7pA"]
    )
