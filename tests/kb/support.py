"""Helpers shared by the knowledge-base tests."""

import re
from typing import Any

import httpx
import orjson
from sqlalchemy import func, select

from humanadd.audit.models import AuditEvent
from humanadd.dependencies import Services
from humanadd.idempotency.models import IdempotencyRecord
from humanadd.kb import changes
from humanadd.kb import review as kb_review
from humanadd.kb.models import KbChange
from humanadd.kb.schemas import KbChangeRequest
from tests.conftest import TestAccount

KB = "/api/v1/kb"
CHANGE_ID = re.compile(r"^kbc_[0-9A-Za-z]{20}$")
JSON = {"Content-Type": "application/json"}


async def post_kb(
    client: httpx.AsyncClient,
    account: TestAccount,
    body: Any = None,
    *,
    content: bytes | None = None,
    key: str | bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """POST /kb as `account`: `body` as JSON, or raw `content` with only the given headers."""
    all_headers: dict[str, Any] = {**account.headers, **(JSON if content is None else {})}
    all_headers.update(headers or {})
    if key is not None:
        all_headers["Idempotency-Key"] = key
    if content is None:
        content = orjson.dumps(body)
    return await client.post(KB, content=content, headers=all_headers)


async def stored_changes(services: Services, *accounts: TestAccount) -> list[KbChange]:
    """The stored changes of these accounts (the database is shared by the whole session)."""
    async with services.sessions() as session:
        statement = (
            select(KbChange)
            .where(KbChange.account_id.in_([account.id for account in accounts]))
            .order_by(KbChange.created_at, KbChange.id)
        )
        return list((await session.execute(statement)).scalars())


async def stored_records(services: Services, account: TestAccount) -> list[IdempotencyRecord]:
    async with services.sessions() as session:
        statement = select(IdempotencyRecord).where(IdempotencyRecord.account_id == account.id)
        return list((await session.execute(statement)).scalars())


async def count_changes(services: Services, account: TestAccount) -> int:
    async with services.sessions() as session:
        statement = select(func.count()).where(KbChange.account_id == account.id)
        return int((await session.execute(statement)).scalar_one())


def assert_queued(response: httpx.Response) -> str:
    """The exact success answer; returns its change id."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"ok": True, "queued": True, "change_id": body["change_id"]}
    assert list(body) == ["ok", "queued", "change_id"]
    assert CHANGE_ID.match(body["change_id"])
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-ratelimit-limit"] == "60"
    change_id: str = body["change_id"]
    return change_id


def assert_invalid(response: httpx.Response, message: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {"ok": False, "error": "invalid_request", "message": message}


async def queue(services: Services, account: TestAccount, text: str, replace: bool = False) -> str:
    """Queue a change as POST /kb does; its id."""
    async with services.sessions.begin() as session:
        queued = await changes.queue_change(
            session, account.id, KbChangeRequest(text=text, replace=replace)
        )
    return queued.change_id


async def review(services: Services, account: TestAccount) -> None:
    """What the worker does for the account's queued changes."""
    async with services.sessions.begin() as session:
        await kb_review.review(session, account.id)


async def change(services: Services, change_id: str) -> KbChange:
    async with services.sessions() as session:
        found = await session.get(KbChange, change_id)
        assert found is not None
        return found


async def statuses(services: Services, *change_ids: str) -> list[str]:
    return [(await change(services, change_id)).status for change_id in change_ids]


async def entries(services: Services, account: TestAccount) -> list[str]:
    """The texts of the account's current version."""
    async with services.sessions() as session:
        return [entry.text for entry in (await changes.view(session, account.id)).entries]


async def audit_rows(services: Services, account: TestAccount) -> list[tuple[str, str, Any]]:
    """(action, actor, details) of the account's knowledge-base audit rows, oldest first."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(AuditEvent.action, AuditEvent.actor, AuditEvent.details)
            .where(AuditEvent.account_id == account.id, AuditEvent.action.like("kb.%"))
            .order_by(AuditEvent.id)
        )
        return [(action, actor, details) for action, actor, details in rows]
