"""Outbound webhooks: each account's endpoint and signing secrets, and the outbox of events and
their deliveries (docs/webhooks.md)."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from humanadd.db import Base, UTCDateTime, utcnow
from humanadd.types import BigIntPK


class WebhookEndpoint(Base):
    """Where an account's events go. `secret` is the customer's own, sent back verbatim as
    `X-Webhook-Secret`; it is never logged and shown only masked."""

    __tablename__ = "webhook_endpoints"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str | None] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    """When the run of failed attempts since the last success began; None after a success."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class WebhookSigningSecret(Base):
    """A `whsec_…` secret that signs an account's requests. After a rotation the old one keeps
    signing (beside the new) until `expires_at`."""

    __tablename__ = "webhook_signing_secrets"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookEvent(Base):
    """One logical event (its id is the `webhook-id` of every attempt), written in the same
    transaction as the change that causes it. One `call_ended` per call."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("account_id", "type", "call_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    type: Mapped[str] = mapped_column(String(32))
    call_id: Mapped[str | None] = mapped_column(String(128))
    payload: Mapped[str] = mapped_column(Text)
    """The JSON body as text: its fields stay in the order they were written (a JSONB column
    would reorder them), so every attempt sends the same bytes."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """Sending one event to the account's endpoint, attempt after attempt, until it is
    `delivered` or `failed`. Workers claim due `pending` rows with a lease."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("webhook_events.id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    trigger: Mapped[str] = mapped_column(String(16), default="scheduled")
    """`scheduled` (the event's own delivery) or `manual` (asked for: a redelivery, a recovery,
    a test event)."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[int] = mapped_column(BigInteger)
    """Unix ms."""
    lease_expires_at: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


ERROR_LENGTH = 255
"""Room for an attempt's error in words, a host name and an address included."""


class WebhookAttempt(Base):
    """One HTTP request of a delivery, as the delivery log shows it."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    delivery_id: Mapped[str] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    trigger: Mapped[str] = mapped_column(String(16))
    """`manual` for the first attempt of a `manual` delivery; `scheduled` for every other."""
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(ERROR_LENGTH))
    """What went wrong, in words (`failures`)."""
    response_body: Mapped[str | None] = mapped_column(Text)
