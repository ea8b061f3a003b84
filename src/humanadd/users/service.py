"""Dashboard users: creating them, their passwords, logging in, and their sessions.

A session is a random id in the browser's cookie and its SHA-256 in `dashboard_sessions`; it
ends at logout, when idle or too old (settings), and when the user's password changes or the
user is disabled (every other session of theirs, then).
"""

import asyncio
import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.accounts import service as accounts
from humanadd.audit import service as audit
from humanadd.db import Reader, Row, utcnow
from humanadd.users import passwords, repository
from humanadd.users.errors import UserError
from humanadd.users.models import DashboardSession, Role, User

MAX_EMAIL_LENGTH = 254
SEEN_PRECISION = timedelta(minutes=1)
"""A session's `last_seen_at` is written at most this often."""


ACTOR_PREFIX = "user:"


def actor_of(user_id: int) -> str:
    """The audit log's `actor` for a dashboard user: `user:<id>` (an email may not fit)."""
    return f"{ACTOR_PREFIX}{user_id}"


async def actor_names(session: AsyncSession, actors: Sequence[str]) -> dict[str, str]:
    """For each `user:<id>` actor among `actors`, the user's email; other actors (`cli`,
    `test`) are left out."""
    ids = {
        int(actor.removeprefix(ACTOR_PREFIX)): actor
        for actor in actors
        if actor.startswith(ACTOR_PREFIX) and actor.removeprefix(ACTOR_PREFIX).isdigit()
    }
    found = await repository.emails(session, list(ids))
    return {ids[user_id]: email for user_id, email in found.items()}


def normalise_email(email: str) -> str:
    """The stored form of an address: trimmed and lower-cased."""
    return email.strip().lower()


def check_email(email: str) -> str:
    email = normalise_email(email)
    local, at, domain = email.partition("@")
    if not (at and local and "." in domain) or len(email) > MAX_EMAIL_LENGTH or " " in email:
        raise UserError(f"not an email address: {email!r}")
    return email


def check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role {role!r} (choose one of: {choices})") from None


async def create(
    session: AsyncSession,
    *,
    email: str,
    password: str,
    role: str,
    account_id: str | None,
    actor: str,
) -> User:
    """A new user: an `owner` or `member` of `account_id`, or an `operator` of no account."""
    email = check_email(email)
    checked_role = check_role(role)
    if (checked_role is Role.OPERATOR) != (account_id is None):
        raise UserError("an operator belongs to no account; an owner or member needs one")
    if account_id is not None:
        await accounts.require(session, account_id)
    if await repository.by_email(session, email) is not None:
        raise UserError(f"a user with the email {email!r} exists already")
    password_hash = await asyncio.to_thread(passwords.hash_password, passwords.check_new(password))
    user = await repository.add(
        session,
        User(
            email=email,
            password_hash=password_hash,
            role=checked_role.value,
            account_id=account_id,
            disabled=False,
        ),
    )
    audit.record(
        session, "user.created", account_id=account_id, actor=actor, email=email, role=user.role
    )
    return user


async def require(session: AsyncSession, email: str) -> User:
    user = await repository.by_email(session, normalise_email(email))
    if user is None:
        raise UserError(f"no user with the email {normalise_email(email)!r}")
    return user


async def list_users(session: AsyncSession, account_id: str | None = None) -> Sequence[User]:
    return await repository.list_all(session, account_id)


async def set_password(
    session: AsyncSession,
    email: str,
    password: str,
    *,
    actor: str,
    keep_session: str | None = None,
) -> User:
    """Change the password and end the user's sessions, all but the cookie `keep_session`'s
    (the browser that made the change stays logged in)."""
    user = await require(session, email)
    user.password_hash = await asyncio.to_thread(
        passwords.hash_password, passwords.check_new(password)
    )
    user.password_changed_at = utcnow()
    keep = None if keep_session is None else _hash(keep_session)
    await repository.delete_sessions_of(session, user.id, except_hash=keep)
    audit.record(
        session, "user.password_changed", account_id=user.account_id, actor=actor, email=user.email
    )
    return user


async def disable(session: AsyncSession, email: str, *, actor: str) -> User:
    """Disable the user: they can no longer log in, and their sessions end now."""
    user = await require(session, email)
    if not user.disabled:
        user.disabled = True
        audit.record(
            session, "user.disabled", account_id=user.account_id, actor=actor, email=user.email
        )
    await repository.delete_sessions_of(session, user.id)
    return user


async def check_login(session: AsyncSession, email: str, password: str) -> User | None:
    """The enabled user with this email and password, else None. An unknown email costs the
    same argon2 verification as a wrong password."""
    user = await repository.by_email(session, normalise_email(email))
    password_hash = passwords.dummy_hash() if user is None else user.password_hash
    matches = await asyncio.to_thread(passwords.verify, password, password_hash)
    if user is None or user.disabled or not matches:
        return None
    return user


def _hash(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


async def open_session(session: AsyncSession, user: User) -> str:
    """A new session for the user; returns the cookie's value (shown to nobody else)."""
    cookie = secrets.token_urlsafe(32)
    now = utcnow()
    record = DashboardSession(
        id_hash=_hash(cookie),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
    )
    await repository.add_session(session, record)
    return cookie


async def look_up(reader: Reader, cookie: str, account_id: str | None) -> Row | None:
    """The session behind this cookie with its user and an account (`account_id`, else the
    user's own), in one read on the hot path; None for an unknown cookie. Whether it is still
    live is `state`'s to say."""
    return await repository.find_session(reader, _hash(cookie), account_id)


def state(row: Row, now: datetime, *, idle: timedelta, lifetime: timedelta) -> str:
    """`expired` (idle too long, too old, or its user disabled: to be ended), `seen` (live,
    and its last use is due to be written) or `live`."""
    too_old = now - row.created_at > lifetime
    if row.disabled or too_old or now - row.last_seen_at > idle:
        return "expired"
    return "seen" if now - row.last_seen_at >= SEEN_PRECISION else "live"


async def touch(session: AsyncSession, id_hash: str, now: datetime) -> None:
    await repository.touch_session(session, id_hash, now)


async def end_session(session: AsyncSession, id_hash: str) -> None:
    await repository.delete_session(session, id_hash)


async def close_session(session: AsyncSession, cookie: str) -> None:
    await repository.delete_session(session, _hash(cookie))
