"""All SQL about dashboard users and their sessions."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import String, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts.models import Account
from humanadd.db import Reader, Row
from humanadd.users.models import DashboardSession, User

_sessions = DashboardSession.__table__.c
_users = User.__table__.c
_accounts = Account.__table__.c

LIVE_SESSION = (
    select(
        _sessions.id_hash,
        _sessions.csrf_token,
        _sessions.created_at,
        _sessions.last_seen_at,
        _users.id.label("user_id"),
        _users.email,
        _users.role,
        _users.account_id.label("user_account_id"),
        _users.disabled,
        _accounts.id.label("account_id"),
        _accounts.name.label("account_name"),
        _accounts.plan,
        _accounts.timezone,
    )
    .join_from(DashboardSession.__table__, User.__table__, _users.id == _sessions.user_id)
    .outerjoin(
        Account.__table__,
        _accounts.id
        == func.coalesce(bindparam("account_id", type_=String(), value=None), _users.account_id),
    )
    .where(_sessions.id_hash == bindparam("id_hash"))
)
"""A session by the hash of its cookie, with its user and the account a page shows: the one
named by the bound `account_id`, else the user's own. Built once: every page runs it, on the
driver (`humanadd.api.driver`)."""


async def find_session(reader: Reader, id_hash: str, account_id: str | None) -> Row | None:
    rows = await reader.fetch(LIVE_SESSION, {"id_hash": id_hash, "account_id": account_id})
    return rows[0] if rows else None


async def add(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.flush()
    return user


async def by_email(session: AsyncSession, email: str) -> User | None:
    return (await session.execute(select(User).where(User.email == email))).scalar_one_or_none()


async def emails(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, str]:
    """The email of each of these users that exists."""
    if not user_ids:
        return {}
    rows = await session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
    return {user_id: email for user_id, email in rows}


async def list_all(session: AsyncSession, account_id: str | None = None) -> Sequence[User]:
    statement = select(User).order_by(User.email)
    if account_id is not None:
        statement = statement.where(User.account_id == account_id)
    return (await session.execute(statement)).scalars().all()


async def add_session(session: AsyncSession, record: DashboardSession) -> None:
    session.add(record)
    await session.flush()


async def touch_session(session: AsyncSession, id_hash: str, now: datetime) -> None:
    await session.execute(
        update(DashboardSession).where(DashboardSession.id_hash == id_hash).values(last_seen_at=now)
    )


async def delete_session(session: AsyncSession, id_hash: str) -> None:
    await session.execute(delete(DashboardSession).where(DashboardSession.id_hash == id_hash))


async def delete_sessions_of(
    session: AsyncSession, user_id: int, *, except_hash: str | None = None
) -> int:
    """End every session of the user but `except_hash`; how many ended."""
    statement = delete(DashboardSession).where(DashboardSession.user_id == user_id)
    if except_hash is not None:
        statement = statement.where(DashboardSession.id_hash != except_hash)
    result = await session.execute(statement)
    return int(result.rowcount)  # type: ignore[attr-defined]
