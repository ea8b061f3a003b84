from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base, UTCDateTime, utcnow
from humanadd.types import JsonColumn


class KbChangeStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    HELD = "held"
    APPROVED = "approved"
    REJECTED = "rejected"
    PUSHING = "pushing"
    PUSHED = "pushed"
    PUSH_FAILED = "push_failed"


class KbChange(Base):
    """A queued change to an account's knowledge base, waiting for review."""

    __tablename__ = "kb_changes"
    __table_args__ = (Index("ix_kb_changes_account_created", "account_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str] = mapped_column(Text)
    replace: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default=KbChangeStatus.PENDING_REVIEW)
    findings: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
