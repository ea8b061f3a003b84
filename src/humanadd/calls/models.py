from datetime import datetime
from enum import IntEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base, UTCDateTime, utcnow
from humanadd.types import BigIntPK, JsonColumn

CallIdString = String(128).with_variant(String(128, collation="C"), "postgresql")
"""Call ids compare byte by byte on both stores (SQLite's BINARY, PostgreSQL's "C"), so the
page order is the same everywhere and does not depend on the database's locale."""


class Stage(IntEnum):
    """How far the provider's events about a call have got. Each event carries the whole call
    as the provider knew it then, so a later stage's data is a superset of an earlier one's:
    an event never overwrites data of a later stage (events arrive in any order)."""

    STARTED = 1
    ENDED = 2
    ANALYZED = 3


class Call(Base):
    """One phone call handled by an account's AI receptionist.

    `started_at`/`ended_at` are unix milliseconds: with `call_id` they are the keyset of every
    list, and the input of the stats' time-zone arithmetic, both of which want plain integers.
    The row `id` stays internal (it counts every tenant's calls): nothing a client sees holds it.
    """

    __tablename__ = "calls"
    __table_args__ = (
        UniqueConstraint("account_id", "call_id"),
        Index("ix_calls_account_started", "account_id", "started_at", "call_id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    call_id: Mapped[str] = mapped_column(CallIdString)
    direction: Mapped[str] = mapped_column(String(8))
    from_number: Mapped[str | None] = mapped_column(String(32))
    to_number: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[int] = mapped_column(BigInteger)
    ended_at: Mapped[int | None] = mapped_column(BigInteger)
    duration_seconds: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(8))
    disconnection_reason: Mapped[str | None] = mapped_column(String(64))
    sentiment: Mapped[str | None] = mapped_column(String(8))
    summary: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    booked: Mapped[bool] = mapped_column(Boolean, default=False)
    transcript: Mapped[str | None] = mapped_column(Text)
    transcript_object: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonColumn)
    recording_ref: Mapped[str | None] = mapped_column(String(2048))
    """Where the audio is (a `RecordingSource` reference); never shown to a client."""
    provider_stage: Mapped[int | None] = mapped_column(SmallInteger, default=None)
    """How far the provider's events about this call have got (a `Stage`); None for calls that
    came another way. An event never overwrites a later stage's data."""
    computed_fields: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    """Which of `sentiment`, `summary`, `tags`, `booked` hold our analysis's values rather than
    the provider's (or the import's): only those may our analysis change again, and the next
    provider event replaces them."""
    analysis_due_at: Mapped[int | None] = mapped_column(BigInteger, index=True)
    """Unix ms when the worker is to analyse the call (`calls.analysis`); None when nothing is
    due. While the worker holds it, the end of its lease."""
    notify_when_analysed: Mapped[bool] = mapped_column(Boolean, default=False)
    """The analysis due is to be followed by the call's `call_ended` event (a provider's call;
    not a re-analysis)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CallTag(Base):
    """One tag of a call, kept in its own table so the `tag` filter is an index lookup."""

    __tablename__ = "call_tags"
    __table_args__ = (Index("ix_call_tags_account_tag", "account_id", "tag"),)

    call_pk: Mapped[int] = mapped_column(
        ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(32))
