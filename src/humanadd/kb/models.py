"""An account's knowledge base: the changes asked for, the versions they made, and where the
latest version stands with the provider (docs/knowledge-base.md)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base, UTCDateTime, utcnow
from humanadd.types import JsonColumn


class KbChangeStatus(StrEnum):
    PENDING_REVIEW = "pending_review"
    """Queued; the automatic checks have not run yet."""
    HELD = "held"
    """Waiting for an operator: the checks found something, or the account's policy is manual."""
    APPROVED = "approved"
    REJECTED = "rejected"
    PUSHING = "pushing"
    PUSHED = "pushed"
    PUSH_FAILED = "push_failed"
    """The last push failed (see `error`); the worker tries again."""


class KbPolicy(StrEnum):
    """What happens to a change the checks find nothing in."""

    AUTO = "auto"
    """Approved at once."""
    MANUAL = "manual"
    """Held for an operator, like every change with findings."""


class KbChange(Base):
    """A change asked for: text to append, text to replace everything with, or (an operator's)
    rollback to an earlier version. Changes of an account apply in the order they were made."""

    __tablename__ = "kb_changes"
    __table_args__ = (
        Index("ix_kb_changes_account_created", "account_id", "created_at"),
        Index("ix_kb_changes_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    text: Mapped[str | None] = mapped_column(Text)
    """None for a rollback."""
    replace: Mapped[bool] = mapped_column(Boolean)
    rollback_to: Mapped[int | None] = mapped_column(Integer)
    """For a rollback: the version whose entries it restores."""
    status: Mapped[str] = mapped_column(String(16), default=KbChangeStatus.PENDING_REVIEW)
    findings: Mapped[list[str]] = mapped_column(JsonColumn, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    """The provider's message after a failed push; the operator's reason after a rejection."""
    submitted_by: Mapped[str] = mapped_column(String(64), default="api", server_default="api")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    """`auto` (the checks), or the operator who approved or rejected it."""
    version: Mapped[int | None] = mapped_column(Integer)
    """The version this change made, once applied."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KbEntry(Base):
    """One text of a knowledge base, as a change added it. Immutable: versions list entries, so
    a rollback brings back the very entries (ids, change, time) it restores."""

    __tablename__ = "kb_entries"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    change_id: Mapped[str] = mapped_column(ForeignKey("kb_changes.id"))
    text: Mapped[str] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KbVersion(Base):
    """An immutable version of an account's knowledge base: its entries, in order, and what
    made it. Versions are numbered from 1 per account; before the first, the base is empty."""

    __tablename__ = "kb_versions"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    change_id: Mapped[str] = mapped_column(ForeignKey("kb_changes.id"))
    kind: Mapped[str] = mapped_column(String(16))
    """append, replace or rollback."""
    entry_ids: Mapped[list[str]] = mapped_column(JsonColumn)
    characters: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    """Who approved the change: `auto` or an operator."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KnowledgeBase(Base):
    """Per account: its current version, and where pushing it to the provider stands.

    Also the lock of the account's knowledge base: whoever applies changes locks this row
    first, so versions are made one at a time. The worker leases it to push (`push_lease_until`),
    like webhook deliveries.
    """

    __tablename__ = "knowledge_bases"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    pushed_version: Mapped[int] = mapped_column(Integer, default=0)
    pushed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_kb_id: Mapped[str | None] = mapped_column(String(128))
    """The provider's id of the account's knowledge base, once made."""
    push_attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Failed pushes of the current version so far."""
    next_push_at: Mapped[int] = mapped_column(BigInteger, default=0)
    """Epoch ms before which no push is tried (backoff after a failure)."""
    push_lease_until: Mapped[int | None] = mapped_column(BigInteger)
