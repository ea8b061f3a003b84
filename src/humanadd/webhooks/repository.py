"""All SQL about webhook endpoints, signing secrets, events and deliveries."""

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.db import dialect_insert, utcnow
from humanadd.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSigningSecret,
)


async def endpoint(session: AsyncSession, account_id: str) -> WebhookEndpoint | None:
    return await session.get(WebhookEndpoint, account_id)


async def add(session: AsyncSession, row: Any) -> None:
    session.add(row)
    await session.flush()


async def signing_secrets(
    session: AsyncSession, account_id: str, now: datetime
) -> list[WebhookSigningSecret]:
    """The account's secrets that still sign, newest first."""
    statement = (
        select(WebhookSigningSecret)
        .where(
            WebhookSigningSecret.account_id == account_id,
            or_(WebhookSigningSecret.expires_at.is_(None), WebhookSigningSecret.expires_at > now),
        )
        .order_by(WebhookSigningSecret.id.desc())
    )
    return list((await session.execute(statement)).scalars())


async def expire_signing_secrets(session: AsyncSession, account_id: str, at: datetime) -> None:
    """Let the account's unexpiring secrets sign until `at`."""
    await session.execute(
        update(WebhookSigningSecret)
        .where(
            WebhookSigningSecret.account_id == account_id,
            WebhookSigningSecret.expires_at.is_(None),
        )
        .values(expires_at=at)
    )


async def add_event_once(session: AsyncSession, event: dict[str, Any]) -> bool:
    """Insert the event unless one of its type already exists for its call; whether it did."""
    statement = (
        dialect_insert(session)(WebhookEvent)
        .values(**event)
        .on_conflict_do_nothing(index_elements=["account_id", "type", "call_id"])
        .returning(WebhookEvent.id)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None


async def add_delivery(session: AsyncSession, delivery: dict[str, Any]) -> None:
    await session.execute(dialect_insert(session)(WebhookDelivery).values(**delivery))


async def deliveries_of(session: AsyncSession, account_id: str) -> list[WebhookDelivery]:
    statement = (
        select(WebhookDelivery)
        .where(WebhookDelivery.account_id == account_id)
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
    )
    return list((await session.execute(statement)).scalars())


_DELIVERIES = cast(Table, WebhookDelivery.__table__)
_ENDPOINTS = cast(Table, WebhookEndpoint.__table__)


async def claim_due(session: AsyncSession, now: int, lease_until: int, limit: int) -> list[str]:
    """Lease up to `limit` due deliveries to the caller until `lease_until`; their ids.

    One statement: on PostgreSQL the rows another worker is claiming are skipped (`SKIP
    LOCKED`); SQLite runs one write at a time.
    """
    columns = _DELIVERIES.c
    due = (
        select(columns.id)
        .where(
            columns.status == "pending",
            columns.next_attempt_at <= now,
            or_(columns.lease_expires_at.is_(None), columns.lease_expires_at <= now),
        )
        .order_by(columns.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(_DELIVERIES)
        .where(columns.id.in_(due.scalar_subquery()))
        .values(lease_expires_at=lease_until)
        .returning(columns.id)
    )
    return list((await session.execute(statement)).scalars())


async def delivery_with_event(
    session: AsyncSession, delivery_id: str
) -> tuple[WebhookDelivery, WebhookEvent, WebhookEndpoint | None] | None:
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    event = await session.get(WebhookEvent, delivery.event_id)
    if event is None:
        return None
    return delivery, event, await session.get(WebhookEndpoint, event.account_id)


async def _set_delivery(session: AsyncSession, delivery_id: str, **values: Any) -> None:
    await session.execute(
        update(_DELIVERIES)
        .where(_DELIVERIES.c.id == delivery_id)
        .values(lease_expires_at=None, updated_at=utcnow(), **values)
    )


async def finish(session: AsyncSession, delivery_id: str, status: str, attempts: int) -> None:
    await _set_delivery(session, delivery_id, status=status, attempts=attempts)


async def retry_at(session: AsyncSession, delivery_id: str, attempts: int, at: int) -> None:
    await _set_delivery(session, delivery_id, attempts=attempts, next_attempt_at=at)


async def release(session: AsyncSession, delivery_id: str, at: int) -> None:
    """Give the delivery back unattempted, due again at `at`."""
    await _set_delivery(session, delivery_id, next_attempt_at=at)


async def mark_endpoint(
    session: AsyncSession, account_id: str, *, failing_since: datetime | None
) -> None:
    await session.execute(
        update(_ENDPOINTS)
        .where(_ENDPOINTS.c.account_id == account_id)
        .values(failing_since=failing_since)
    )


async def disable_endpoint(session: AsyncSession, account_id: str, reason: str) -> None:
    await session.execute(
        update(_ENDPOINTS)
        .where(_ENDPOINTS.c.account_id == account_id)
        .values(enabled=False, disabled_reason=reason, updated_at=utcnow())
    )
