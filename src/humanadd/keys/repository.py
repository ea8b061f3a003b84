"""All SQL about API keys."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account
from humanadd.audit.models import AuditEvent
from humanadd.db import Reader, Row
from humanadd.keys.models import ApiKey

_keys = ApiKey.__table__.c
_accounts = Account.__table__.c


def live_key(*columns: Any) -> Select[Any]:
    """The live key whose hash is the bound parameter `key_hash`, joined to its account: the
    principal's columns (`key_id`, `last_used_at`, `account_id`, `plan`, `timezone`), then
    `columns`, each labelled distinctly.

    A read that a route makes on every request can outer-join its table to this, on the
    account's id, so that the key and the data come back in one statement (see
    `keys.service.ReadWithKey`).
    """
    return (
        select(
            _keys.id.label("key_id"),
            _keys.last_used_at,
            _accounts.id.label("account_id"),
            _accounts.plan,
            _accounts.timezone,
            *columns,
        )
        .join_from(ApiKey.__table__, Account.__table__, _accounts.id == _keys.account_id)
        .where(_keys.key_hash == bindparam("key_hash"), _keys.revoked_at.is_(None))
    )


_ACTIVE_BY_HASH = live_key()
"""Built once: it runs on every request, on the driver (see `humanadd.api.driver`)."""


async def find_active_by_hash(
    reader: Reader,
    key_hash: str,
    statement: Select[Any] = _ACTIVE_BY_HASH,
    params: Mapping[str, Any] | None = None,
) -> Row | None:
    """The live key with this hash: a row with the principal's columns and the other columns
    of `statement` (built on `live_key`, run with `params`), by name."""
    rows = await reader.fetch(statement, {**(params or {}), "key_hash": key_hash})
    return rows[0] if rows else None


async def add(
    session: AsyncSession, account_id: str, *, key_hash: str, prefix: str, last_four: str
) -> ApiKey:
    """Store a new live key (its hash and the characters shown of it only)."""
    key = ApiKey(account_id=account_id, key_hash=key_hash, prefix=prefix, last_four=last_four)
    session.add(key)
    await session.flush()
    return key


async def touch(session: AsyncSession, key_id: int, now: datetime) -> None:
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


async def _lock_account(session: AsyncSession, account_id: str) -> None:
    """The account row stays locked until the transaction ends, so two rotations of one
    account run one after the other and leave exactly one live key."""
    await session.execute(select(Account.id).where(Account.id == account_id).with_for_update())


async def revoke_all(session: AsyncSession, account_id: str, now: datetime) -> int:
    """Revoke the account's live keys (the account locked first); how many."""
    await _lock_account(session, account_id)
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def live(session: AsyncSession, account_id: str) -> ApiKey | None:
    """The account's live key (the newest, should a race ever have left two)."""
    result = await session.execute(
        select(ApiKey)
        .where(ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def revoke_if_live(
    session: AsyncSession, account_id: str, key_id: int, now: datetime
) -> bool:
    """Revoke the account's key `key_id` if it is still live (the account locked first, as
    `revoke_all` does); whether it was. The condition is in the UPDATE itself, so of two
    requests naming one key only the first revokes it, on SQLite as on PostgreSQL."""
    await _lock_account(session, account_id)
    result = await session.execute(
        update(ApiKey)
        .where(ApiKey.id == key_id, ApiKey.account_id == account_id, ApiKey.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


async def last_audit(session: AsyncSession, account_id: str, action: str) -> AuditEvent | None:
    """The account's newest audit row of `action`."""
    result = await session.execute(
        select(AuditEvent)
        .where(AuditEvent.account_id == account_id, AuditEvent.action == action)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()
