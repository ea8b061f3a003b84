"""Issuing, rotating and checking API keys."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.accounts.models import Account
from humanadd.audit import service as audit
from humanadd.db import Reader, Row, utcnow
from humanadd.keys import repository, tokens
from humanadd.keys.models import ApiKey

LAST_USED_PRECISION = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key, to keep reads cheap."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request is from: the key that authenticated it and its account."""

    key_id: int
    account_id: str
    plan: str
    timezone: str
    last_used_at: datetime | None = None


async def issue(session: AsyncSession, account_id: str) -> str:
    """Create a new live key for the account and return its full text (shown only once)."""
    key = tokens.generate()
    await repository.add(
        session,
        account_id,
        key_hash=tokens.hash_key(key),
        prefix=tokens.display_prefix(key),
        last_four=tokens.last_four(key),
    )
    return key


async def open_account(
    session: AsyncSession, *, name: str, plan: str, timezone: str = "UTC", actor: str
) -> tuple[Account, str]:
    """Create an account and its first API key; returns both (the key is shown only once)."""
    account = await accounts.create(session, name=name, plan=plan, timezone=timezone, actor=actor)
    return account, await issue(session, account.id)


ROTATED = "api_key.rotated"
"""The audit action of a rotation."""


async def rotate(session: AsyncSession, account_id: str, *, actor: str) -> str:
    """Revoke every live key of the account and issue a new one, in one transaction."""
    revoked = await repository.revoke_all(session, account_id, utcnow())
    return await _replace(session, account_id, actor, revoked)


async def rotate_key(
    session: AsyncSession, account_id: str, key_id: int, *, actor: str
) -> str | None:
    """Rotate as `rotate` does, but only while `key_id` is still the account's live key: a
    confirmation sent twice rotates once. The new key, or None when that key was already
    revoked (or is not the account's)."""
    now = utcnow()
    if not await repository.revoke_if_live(session, account_id, key_id, now):
        return None
    revoked = 1 + await repository.revoke_all(session, account_id, now)
    return await _replace(session, account_id, actor, revoked)


async def _replace(session: AsyncSession, account_id: str, actor: str, revoked: int) -> str:
    key = await issue(session, account_id)
    audit.record(
        session,
        ROTATED,
        account_id=account_id,
        actor=actor,
        revoked_keys=revoked,
        new_key_prefix=tokens.display_prefix(key),
    )
    return key


async def live_key(session: AsyncSession, account_id: str) -> ApiKey | None:
    """The account's live key as the dashboard shows it (never its text)."""
    return await repository.live(session, account_id)


@dataclass(frozen=True, slots=True)
class Rotation:
    """The account's latest key rotation: who (an audit actor) and when."""

    actor: str
    at: datetime


async def last_rotation(session: AsyncSession, account_id: str) -> Rotation | None:
    """Who rotated the account's key last, from the audit log; None if it never was."""
    row = await repository.last_audit(session, account_id, ROTATED)
    return None if row is None else Rotation(row.actor, row.created_at)


@dataclass(frozen=True, slots=True)
class ReadWithKey:
    """A read made in the key look-up's own statement: one round trip instead of two.

    `statement` is built on `repository.live_key`; `params` are its parameters other than
    the key's hash.
    """

    statement: Select[Any]
    params: Mapping[str, Any]


async def authenticate(
    reader: Reader, key: str, read: ReadWithKey | None = None
) -> tuple[Principal, Row] | None:
    """The principal for a presented key, and the row read with it, where `read`'s columns
    are found by name; None when the key is malformed, unknown or revoked.

    A key whose checksum does not match is refused without a database look-up. There is no
    cache: a rotation is seen by every process on its very next request.
    """
    if not tokens.is_well_formed(key):
        return None
    key_hash = tokens.hash_key(key)
    if read is None:
        row = await repository.find_active_by_hash(reader, key_hash)
    else:
        row = await repository.find_active_by_hash(reader, key_hash, read.statement, read.params)
    if row is None:
        return None
    principal = Principal(
        key_id=row.key_id,
        account_id=row.account_id,
        plan=row.plan,
        timezone=row.timezone,
        last_used_at=row.last_used_at,
    )
    return principal, row


def use_is_due(principal: Principal, now: datetime) -> bool:
    """Whether this use of the key is to be recorded: at most once per `LAST_USED_PRECISION`."""
    return principal.last_used_at is None or now - principal.last_used_at >= LAST_USED_PRECISION


async def record_use(session: AsyncSession, principal: Principal, now: datetime) -> None:
    """Set the key's `last_used_at` to `now` in the caller's transaction."""
    await repository.touch(session, principal.key_id, now)
