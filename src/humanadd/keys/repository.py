from datetime import datetime

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account
from humanadd.keys.models import ApiKey


async def find_active_by_hash(session: AsyncSession, key_hash: str) -> RowMapping | None:
    """The live key with this hash and its account's id, plan and time zone."""
    statement = (
        select(
            ApiKey.id.label("key_id"),
            ApiKey.last_used_at,
            Account.id.label("account_id"),
            Account.plan,
            Account.timezone,
        )
        .join(Account, Account.id == ApiKey.account_id)
        .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )
    return (await session.execute(statement)).mappings().first()


async def touch(session: AsyncSession, key_id: int, now: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


async def revoke_all(session: AsyncSession, account_id: str, now: datetime) -> int:
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
