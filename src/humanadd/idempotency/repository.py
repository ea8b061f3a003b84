"""All SQL about idempotency records, always within one account."""

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.db import dialect_insert
from humanadd.idempotency.models import IdempotencyRecord

PENDING_STATUS = 0
"""`response_status` of a claimed key whose answer is not written yet (never seen committed)."""


async def claim(
    session: AsyncSession,
    account_id: str,
    key: str,
    fingerprint: str,
    *,
    now: datetime,
    expired_before: datetime,
) -> bool:
    """Take the key for this transaction; False when a live record already holds it.

    One statement decides, on the primary key: a new key is inserted, a record created at or
    before `expired_before` is taken over, a live one is left alone. A concurrent transaction
    that claimed the same key first makes this statement wait until it commits or rolls back.
    """
    claimed = {
        "fingerprint": fingerprint,
        "response_status": PENDING_STATUS,
        "response_body": "",
        "created_at": now,
    }
    statement = (
        dialect_insert(session)(IdempotencyRecord)
        .values(account_id=account_id, key=key, **claimed)
        .on_conflict_do_update(
            index_elements=[IdempotencyRecord.account_id, IdempotencyRecord.key],
            set_=claimed,
            where=IdempotencyRecord.created_at <= expired_before,
        )
        .returning(IdempotencyRecord.key)
    )
    return (await session.execute(statement)).first() is not None


async def get(session: AsyncSession, account_id: str, key: str) -> IdempotencyRecord | None:
    statement = (
        select(IdempotencyRecord)
        .where(IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def store_answer(
    session: AsyncSession, account_id: str, key: str, *, status: int, body: str
) -> None:
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key)
        .values(response_status=status, response_body=body)
    )


async def delete_expired(session: AsyncSession, account_id: str, expired_before: datetime) -> int:
    """Remove the account's records created at or before `expired_before` (found through the
    primary key's account prefix); how many went."""
    result = await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.account_id == account_id,
            IdempotencyRecord.created_at <= expired_before,
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
