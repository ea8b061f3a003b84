from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base, UTCDateTime, utcnow


class Plan(StrEnum):
    STARTER = "starter"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class Provider(StrEnum):
    """Where an account's calls come from, besides `calls import`."""

    RETELL = "retell"
    SIMULATED = "simulated"


class Account(Base):
    """A customer business; every other row belongs to exactly one account."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("plan IN ('starter', 'pro', 'enterprise')", name="plan"),
        CheckConstraint("provider IN ('retell', 'simulated')", name="provider"),
        CheckConstraint("kb_policy IN ('auto', 'manual')", name="kb_policy"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    provider: Mapped[str | None] = mapped_column(String(16), default=None)
    """None: no upstream provider; the account's calls come only from `calls import`."""
    tags_key: Mapped[str] = mapped_column(String(64), default="tags", server_default="tags")
    """The key of the provider's custom analysis data that holds the call's tags."""
    booked_key: Mapped[str] = mapped_column(String(64), default="booked", server_default="booked")
    """The key of the provider's custom analysis data that says whether a booking was made."""
    llm_id: Mapped[str | None] = mapped_column(String(128), default=None)
    """The provider's LLM (a Retell LLM) the knowledge base is attached to when it is pushed;
    None: the operator attaches it by hand."""
    kb_policy: Mapped[str] = mapped_column(String(8), default="auto", server_default="auto")
    """`auto`: a knowledge-base change without findings is approved at once; `manual`: every
    change waits for an operator (`humanadd.kb.models.KbPolicy`)."""
