"""API keys at rest and in use: hashes only, last use, rotation, and the audit trail."""

import asyncio
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import event, select, text, update

from humanadd.accounts import service as accounts
from humanadd.audit.models import AuditEvent
from humanadd.calls import repository as calls_repository
from humanadd.calls import service as calls_service
from humanadd.calls.records import CallRecord
from humanadd.db import utcnow
from humanadd.dependencies import Services
from humanadd.keys import service as keys
from humanadd.keys import tokens
from humanadd.keys.models import ApiKey
from tests.conftest import AddCalls, MakeAccount, TestAccount
from tests.openapi_check import OpenApiChecker

CALLS = "/api/v1/calls"


async def _keys_of(services: Services, account_id: str) -> list[ApiKey]:
    async with services.sessions() as session:
        statement = select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.id)
        return list((await session.execute(statement)).scalars())


async def _audit_of(services: Services, account_id: str) -> list[AuditEvent]:
    async with services.sessions() as session:
        statement = (
            select(AuditEvent).where(AuditEvent.account_id == account_id).order_by(AuditEvent.id)
        )
        return list((await session.execute(statement)).scalars())


async def test_only_the_sha256_of_a_key_is_stored(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    (stored,) = await _keys_of(services, account.id)
    assert stored.key_hash == tokens.hash_key(account.key)
    assert stored.prefix == account.key[:12]
    assert stored.revoked_at is None
    assert stored.last_used_at is None
    async with services.sessions() as session:
        for table in ("api_keys", "audit_log", "accounts"):
            rows = (await session.execute(text(f"SELECT * FROM {table}"))).all()
            dump = repr(rows)
            assert account.key not in dump
            assert account.key[12:] not in dump


async def test_authenticate_knows_live_keys_only(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account(plan="pro", timezone="Europe/Paris")
    reader = services.reader
    found = await keys.authenticate(reader, account.key)
    assert found is not None
    principal, row = found
    assert (principal.account_id, principal.plan, principal.timezone) == (
        account.id,
        "pro",
        "Europe/Paris",
    )
    assert row._fields == ("key_id", "last_used_at", "account_id", "plan", "timezone")
    assert (row.account_id, row.plan) == (account.id, "pro")
    assert await keys.authenticate(reader, tokens.generate()) is None
    other_last = "y" if account.key.endswith("x") else "x"
    assert await keys.authenticate(reader, account.key[:-1] + other_last) is None
    assert await keys.authenticate(reader, "") is None


def _count_key_writes(services: Services) -> list[str]:
    writes: list[str] = []

    def record(*args: Any) -> None:
        statement = args[2]
        if statement.lstrip().upper().startswith("UPDATE API_KEYS"):
            writes.append(statement)

    event.listen(services.engine.sync_engine, "before_cursor_execute", record)
    return writes


async def test_last_used_at_is_set_on_use_and_written_at_most_once_a_minute(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    writes = _count_key_writes(services)
    before = utcnow()
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200
    (stored,) = await _keys_of(services, account.id)
    assert stored.last_used_at is not None
    assert before - timedelta(seconds=1) <= stored.last_used_at <= utcnow()
    assert len(writes) == 1

    first_use = stored.last_used_at
    for _ in range(5):
        assert (await client.get(CALLS, headers=account.headers)).status_code == 200
    (stored,) = await _keys_of(services, account.id)
    assert stored.last_used_at == first_use
    assert len(writes) == 1

    # A minute later the next request records the use again.
    async with services.sessions.begin() as session:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.account_id == account.id)
            .values(last_used_at=first_use - timedelta(seconds=61))
        )
    writes.clear()
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200
    (stored,) = await _keys_of(services, account.id)
    assert stored.last_used_at is not None
    assert stored.last_used_at >= first_use
    assert len(writes) == 1


def test_a_use_is_due_when_none_was_recorded_or_the_last_is_a_minute_old() -> None:
    now = utcnow()

    def principal(last_used_at: Any) -> keys.Principal:
        return keys.Principal(1, "acc_x", "enterprise", "UTC", last_used_at)

    assert keys.use_is_due(principal(None), now)
    assert keys.use_is_due(principal(now - timedelta(minutes=1)), now)
    assert not keys.use_is_due(principal(now - timedelta(seconds=59)), now)
    assert not keys.use_is_due(principal(now), now)


async def test_record_use_writes_in_the_callers_transaction_and_never_commits(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    found = await keys.authenticate(services.reader, account.key)
    assert found is not None
    principal, _ = found
    used_at = utcnow()

    async with services.sessions() as session:
        await keys.record_use(session, principal, used_at)
        await session.rollback()
    (stored,) = await _keys_of(services, account.id)
    assert stored.last_used_at is None

    async with services.sessions.begin() as session:
        await keys.record_use(session, principal, used_at)
    (stored,) = await _keys_of(services, account.id)
    assert stored.last_used_at == used_at


async def test_a_failed_request_still_counts_as_a_use_of_the_key(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    response = await client.get(f"{CALLS}/call_nope", headers=account.headers)
    assert response.status_code == 404
    starter = await make_account(plan="starter")
    assert (await client.get(CALLS, headers=starter.headers)).status_code == 403
    for key_owner in (account, starter):
        (stored,) = await _keys_of(services, key_owner.id)
        assert stored.last_used_at is not None


async def test_rotation_kills_the_old_key_at_once_and_is_audited(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200

    async with services.sessions.begin() as session:
        new_key = await keys.rotate(session, account.id, actor="operator:alice")
    assert tokens.is_well_formed(new_key)
    assert new_key != account.key

    response = await client.get(CALLS, headers=account.headers)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_api_key"
    openapi.check(response)
    rotated = TestAccount(account.id, new_key)
    response = await client.get(CALLS, headers=rotated.headers)
    assert response.status_code == 200
    openapi.check(response)

    old, new = await _keys_of(services, account.id)
    assert old.key_hash == tokens.hash_key(account.key)
    assert old.revoked_at is not None
    assert new.key_hash == tokens.hash_key(new_key)
    assert new.revoked_at is None

    events = await _audit_of(services, account.id)
    assert [event.action for event in events] == ["account.created", "api_key.rotated"]
    assert events[1].actor == "operator:alice"
    assert events[1].details == {"revoked_keys": 1, "new_key_prefix": new_key[:12]}

    async with services.sessions.begin() as session:
        newest = await keys.rotate(session, account.id, actor="operator:alice")
    assert (await client.get(CALLS, headers=rotated.headers)).status_code == 401
    assert (
        await client.get(CALLS, headers=TestAccount(account.id, newest).headers)
    ).status_code == 200


async def test_a_rotation_that_rolls_back_leaves_the_old_key_working(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    async with services.sessions() as session:
        await keys.rotate(session, account.id, actor="test")
        await session.rollback()
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200
    assert [event.action for event in await _audit_of(services, account.id)] == ["account.created"]


async def test_account_creation_and_plan_changes_are_audited_and_take_effect_at_once(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account(name="Acme Dental", plan="enterprise", timezone="America/Denver")
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200

    async with services.sessions.begin() as session:
        await accounts.set_plan(session, account.id, "starter", actor="operator:bob")
    response = await client.get(CALLS, headers=account.headers)
    assert response.status_code == 403
    assert response.json()["error"] == "plan_not_supported"

    async with services.sessions.begin() as session:
        await accounts.set_plan(session, account.id, "starter", actor="operator:bob")
        await accounts.set_plan(session, account.id, "enterprise", actor="operator:carol")
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200

    events = await _audit_of(services, account.id)
    assert [(event.action, event.actor, event.details) for event in events] == [
        (
            "account.created",
            "test",
            {"name": "Acme Dental", "plan": "enterprise", "timezone": "America/Denver"},
        ),
        ("account.plan_changed", "operator:bob", {"old_plan": "enterprise", "new_plan": "starter"}),
        (
            "account.plan_changed",
            "operator:carol",
            {"old_plan": "starter", "new_plan": "enterprise"},
        ),
    ]
    assert all(event.created_at is not None for event in events)


async def test_concurrent_rotations_of_one_account_leave_exactly_one_live_key(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()

    async def rotate() -> str:
        async with services.sessions.begin() as session:
            return await keys.rotate(session, account.id, actor="test")

    async with services.sessions.begin() as session:
        first = await keys.rotate(session, account.id, actor="test")
        # The second rotation starts while the first is still uncommitted.
        second_rotation = asyncio.create_task(rotate())
        await asyncio.sleep(0.3)
    second = await second_rotation

    live = [key for key in await _keys_of(services, account.id) if key.revoked_at is None]
    assert [key.key_hash for key in live] == [tokens.hash_key(second)]
    assert first != second


async def test_a_read_with_the_key_sees_only_the_keys_account(
    make_account: MakeAccount, add_calls: AddCalls, services: Services
) -> None:
    """The call detail is read in the key look-up's statement: the key still decides
    everything, and another account's call is no call at all."""
    owner = await make_account()
    other = await make_account()
    await add_calls(owner, [CallRecord(call_id="call_1", direction="inbound", started_at=5)])
    read = calls_service.detail_read("call_1")
    assert read is not None

    found = await keys.authenticate(services.reader, owner.key, read)
    assert found is not None
    principal, row = found
    assert principal.account_id == owner.id
    assert (row.call_id, row.direction) == ("call_1", "inbound")
    detail = [column.key for column in calls_repository.DETAIL_COLUMNS]
    assert row._fields[-len(detail) - 1 :] == (*detail, "questions")

    found = await keys.authenticate(services.reader, other.key, read)
    assert found is not None
    principal, row = found
    assert principal.account_id == other.id
    assert {getattr(row, name) for name in detail} == {None}, "another account's call"
    assert row.questions == []

    assert await keys.authenticate(services.reader, tokens.generate(), read) is None
    async with services.sessions.begin() as session:
        await keys.rotate(session, owner.id, actor="test")
    assert await keys.authenticate(services.reader, owner.key, read) is None
    assert calls_service.detail_read("call\x00") is None, "no call can have this id"


async def _live_id(services: Services, account_id: str) -> int:
    async with services.sessions() as session:
        live = await keys.live_key(session, account_id)
    assert live is not None
    return live.id


async def test_rotating_a_named_key_rotates_once_and_only_while_it_is_live(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account, other = await make_account(), await make_account()
    key_id = await _live_id(services, account.id)
    async with services.sessions.begin() as session:
        assert await keys.rotate_key(session, other.id, key_id, actor="user:1") is None
        new_key = await keys.rotate_key(session, account.id, key_id, actor="user:1")
    assert new_key is not None
    assert tokens.is_well_formed(new_key)
    async with services.sessions.begin() as session:
        assert await keys.rotate_key(session, account.id, key_id, actor="user:1") is None

    assert (await client.get(CALLS, headers=account.headers)).status_code == 401
    assert (await client.get(CALLS, headers=other.headers)).status_code == 200
    new_headers = TestAccount(account.id, new_key).headers
    assert (await client.get(CALLS, headers=new_headers)).status_code == 200
    stored = await _keys_of(services, account.id)
    assert [key.revoked_at is None for key in stored] == [False, True]
    assert stored[1].last_four == new_key[-4:]
    events = await _audit_of(services, account.id)
    assert [(event.action, event.actor, event.details) for event in events[1:]] == [
        ("api_key.rotated", "user:1", {"revoked_keys": 1, "new_key_prefix": new_key[:12]})
    ]


async def test_concurrent_rotations_of_one_named_key_rotate_once(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    key_id = await _live_id(services, account.id)

    async def rotate() -> str | None:
        async with services.sessions.begin() as session:
            return await keys.rotate_key(session, account.id, key_id, actor="test")

    async with services.sessions.begin() as session:
        first = await keys.rotate_key(session, account.id, key_id, actor="test")
        second_rotation = asyncio.create_task(rotate())
        await asyncio.sleep(0.3)
    assert first is not None
    assert await second_rotation is None
    live = [key for key in await _keys_of(services, account.id) if key.revoked_at is None]
    assert [key.key_hash for key in live] == [tokens.hash_key(first)]


async def test_the_last_rotation_names_its_actor_and_time(
    make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()
    async with services.sessions() as session:
        assert await keys.last_rotation(session, account.id) is None
    async with services.sessions.begin() as session:
        await keys.rotate(session, account.id, actor="cli")
    async with services.sessions.begin() as session:
        await keys.rotate(session, account.id, actor="user:7")
    async with services.sessions() as session:
        rotation = await keys.last_rotation(session, account.id)
    assert rotation is not None
    assert rotation.actor == "user:7"
    assert abs((utcnow() - rotation.at).total_seconds()) < 10
