"""All SQL about webhook endpoints, signing secrets, events and deliveries."""

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.db import dialect_insert
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
