"""All SQL about API keys."""

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account
from humanadd.driver import Reader
from humanadd.keys.models import ApiKey

_keys = ApiKey.__table__.c
_accounts = Account.__table__.c
_ACTIVE_BY_HASH = (
    select(
        _keys.id.label("key_id"),
        _keys.last_used_at,
        _accounts.id.label("account_id"),
        _accounts.plan,
        _accounts.timezone,
    )
    .join_from(ApiKey.__table__, Account.__table__, _accounts.id == _keys.account_id)
    .where(_keys.key_hash == bindparam("key_hash"), _keys.revoked_at.is_(None))
)
"""Built once: it runs on every request, on the driver (see `humanadd.driver`)."""


async def find_active_by_hash(reader: Reader, key_hash: str) -> tuple[Any, ...] | None:
    """The live key with this hash: (key_id, last_used_at, account_id, plan, timezone)."""
    rows = await reader.fetch(_ACTIVE_BY_HASH, {"key_hash": key_hash})
    return rows[0] if rows else None


async def add(session: AsyncSession, account_id: str, *, key_hash: str, prefix: str) -> ApiKey:
    """Store a new live key (its hash and display prefix only)."""
    key = ApiKey(account_id=account_id, key_hash=key_hash, prefix=prefix)
    session.add(key)
    await session.flush()
    return key


async def touch(session: AsyncSession, key_id: int, now: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


async def revoke_all(session: AsyncSession, account_id: str, now: datetime) -> int:
    """Revoke the account's live keys; the account row stays locked until the transaction ends,
    so two rotations of one account run one after the other and leave exactly one live key."""
    await session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
