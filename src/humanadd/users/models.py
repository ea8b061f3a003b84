from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base, UTCDateTime, utcnow
from humanadd.types import BigIntPK


class Role(StrEnum):
    """What a dashboard user may do: `owner` and `member` of one account, or the platform's
    `operator`, who sees every account and the operator pages."""

    OWNER = "owner"
    MEMBER = "member"
    OPERATOR = "operator"


class User(Base):
    """A person who logs in to the dashboard. An operator belongs to no account."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'member', 'operator')", name="role"),
        CheckConstraint(
            "(role = 'operator') = (account_id IS NULL)", name="account_unless_operator"
        ),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Lower-cased, so that one address is one user however it is typed."""
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DashboardSession(Base):
    """A logged-in browser. The cookie holds a random id; only its SHA-256 is stored."""

    __tablename__ = "dashboard_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
