"""Wire shapes of the knowledge-base endpoints."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from humanadd.clock import Timestamp, iso_from_datetime
from humanadd.errors import RESPONSE_SCHEMA
from humanadd.kb.models import KbChange

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


ChangeStatus = Literal[
    "pending_review", "held", "approved", "rejected", "pushing", "pushed", "push_failed"
]
FindingName = Literal["duplicate", "card_number", "secret", "large_shrink"]


class KbEntryShape(BaseModel):
    model_config = RESPONSE_SCHEMA

    text: str
    change_id: str = Field(description="The change that added this text.")
    added_at: Timestamp


class KbShape(BaseModel):
    model_config = RESPONSE_SCHEMA

    version: int = Field(
        description="The current version: 0 before any change applied, then 1, 2, … "
        "(every applied change and rollback makes one)."
    )
    entries: list[KbEntryShape] = Field(description="The knowledge base's texts, in order.")
    pushed: bool = Field(description="Whether your AI receptionist has this version.")
    pushed_at: Timestamp | None = Field(
        description="When this version reached it; null until then."
    )


class KbResponse(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    kb: KbShape


class KbChangeShape(BaseModel):
    model_config = RESPONSE_SCHEMA

    change_id: str
    status: ChangeStatus = Field(
        description="pending_review (checks not run yet), held (waiting for our review), "
        "approved, rejected, pushing, pushed or push_failed (retried; see `error`)."
    )
    replace: bool
    findings: list[FindingName] = Field(
        description="What the automatic checks found; a change with findings is held."
    )
    created_at: Timestamp
    decided_at: Timestamp | None = Field(description="When it was approved or rejected.")
    pushed_at: Timestamp | None = Field(description="When it reached your AI receptionist.")
    error: str | None = Field(
        description="For push_failed, the provider's message; for rejected, our reason."
    )


class KbChangeResponse(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    change: KbChangeShape


class KbChangeList(BaseModel):
    model_config = RESPONSE_SCHEMA

    ok: Literal[True] = True
    changes: list[KbChangeShape] = Field(description="Your changes, newest first.")
    has_more: bool = Field(description="Older changes exist beyond this page.")
    next_cursor: str | None = Field(
        description="Pass back as `cursor` for the next (older) page; null on the last page."
    )


def change_body(change: KbChange) -> dict[str, Any]:
    """A change as `KbChangeShape` shows it."""
    return {
        "change_id": change.id,
        "status": change.status,
        "replace": change.replace,
        "findings": change.findings,
        "created_at": iso_from_datetime(change.created_at),
        "decided_at": iso_from_datetime(change.decided_at),
        "pushed_at": iso_from_datetime(change.pushed_at),
        "error": change.error,
    }
