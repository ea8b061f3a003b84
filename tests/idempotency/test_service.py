"""The generic idempotency service: claim, replay, conflict, expiry, concurrent first requests."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from humanadd.dependencies import Services
from humanadd.errors import IdempotencyConflict, InvalidRequest, NotFound
from humanadd.idempotency import service
from humanadd.idempotency.models import IdempotencyRecord
from humanadd.idempotency.service import Answer, IdempotentRequest
from tests.conftest import MakeAccount, TestAccount


class CountingOperation:
    """An operation that answers `{"n": <how many times it ran>}`."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> Answer:
        self.runs += 1
        return Answer(200, b'{"n":%d}' % self.runs)


def request(key: str = "key-1", payload: object = None) -> IdempotentRequest:
    fingerprint = service.fingerprint("POST", "/api/v1/things", payload or {"a": 1})
    return IdempotentRequest(key, fingerprint)


async def perform(
    services: Services,
    account: TestAccount,
    idempotent: IdempotentRequest | None,
    operation: CountingOperation,
) -> Answer:
    """`service.perform` in its own committed transaction, as a request would run it."""
    async with services.sessions.begin() as session:
        return await service.perform(session, account.id, idempotent, operation)


async def records_of(services: Services, account: TestAccount) -> list[IdempotencyRecord]:
    async with services.sessions() as session:
        statement = select(IdempotencyRecord).where(IdempotencyRecord.account_id == account.id)
        return list((await session.execute(statement)).scalars())


async def backdate(services: Services, account: TestAccount, age: timedelta) -> None:
    async with services.sessions.begin() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.account_id == account.id)
            .values(created_at=datetime.now(UTC) - age)
        )


# --- the key header and the fingerprint -------------------------------------------------------


@pytest.mark.parametrize("key", ["a", "x" * 255, "550e8400-e29b-41d4-a716-446655440000", "!~{}"])
def test_parse_key_accepts_1_to_255_visible_ascii_characters(key: str) -> None:
    assert service.parse_key(key) == key


def test_parse_key_without_a_header_is_none() -> None:
    assert service.parse_key(None) is None


@pytest.mark.parametrize(
    "key", ["", "x" * 256, "a b", " lead", "tab\t", "new\nline", "clé", "\x7f"]
)
def test_parse_key_refuses_anything_else_naming_the_header(key: str) -> None:
    with pytest.raises(InvalidRequest) as raised:
        service.parse_key(key)

    assert raised.value.message == (
        "Invalid header 'Idempotency-Key': use 1 to 255 visible ASCII characters."
    )


def test_fingerprint_ignores_key_order_but_not_content() -> None:
    base = service.fingerprint("POST", "/api/v1/kb", {"text": "a", "replace": False})

    assert base == service.fingerprint("post", "/api/v1/kb", {"replace": False, "text": "a"})
    assert base != service.fingerprint("POST", "/api/v1/kb", {"text": "a", "replace": True})
    assert base != service.fingerprint("POST", "/api/v1/kb", {"text": "b", "replace": False})
    assert base != service.fingerprint("PUT", "/api/v1/kb", {"text": "a", "replace": False})
    assert base != service.fingerprint("POST", "/api/v1/other", {"text": "a", "replace": False})
    assert len(base) == 64


def test_request_for_without_a_key_is_none_and_with_one_carries_the_fingerprint() -> None:
    assert service.request_for(None, "POST", "/api/v1/kb", {"text": "a"}) is None
    assert service.request_for("k", "POST", "/api/v1/kb", {"text": "a"}) == IdempotentRequest(
        "k", service.fingerprint("POST", "/api/v1/kb", {"text": "a"})
    )


def test_replayed_answer_says_so_in_a_header() -> None:
    assert Answer(200, b"{}").headers == {}
    assert Answer(200, b"{}", replayed=True).headers == {"Idempotent-Replayed": "true"}


# --- perform ------------------------------------------------------------------------------------


async def test_without_a_key_the_operation_runs_every_time_and_nothing_is_stored(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    operation = CountingOperation()

    first = await perform(services, account, None, operation)
    second = await perform(services, account, None, operation)

    assert (first, second) == (Answer(200, b'{"n":1}'), Answer(200, b'{"n":2}'))
    assert await records_of(services, account) == []


async def test_first_request_stores_its_answer_with_the_fingerprint(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    idempotent = request()

    answer = await perform(services, account, idempotent, CountingOperation())

    assert answer == Answer(200, b'{"n":1}', replayed=False)
    [record] = await records_of(services, account)
    assert (record.key, record.fingerprint) == (idempotent.key, idempotent.fingerprint)
    assert (record.response_status, record.response_body) == (200, '{"n":1}')
    assert datetime.now(UTC) - record.created_at < timedelta(minutes=1)


async def test_retry_replays_the_stored_answer_without_running_the_operation(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    operation = CountingOperation()

    await perform(services, account, request(), operation)
    replay = await perform(services, account, request(), operation)

    assert replay == Answer(200, b'{"n":1}', replayed=True)
    assert operation.runs == 1


async def test_same_key_with_another_request_is_a_conflict(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    operation = CountingOperation()
    await perform(services, account, request(payload={"a": 1}), operation)

    with pytest.raises(IdempotencyConflict):
        await perform(services, account, request(payload={"a": 2}), operation)

    assert operation.runs == 1
    [record] = await records_of(services, account)
    assert record.fingerprint == request(payload={"a": 1}).fingerprint


async def test_keys_are_scoped_to_the_account(
    services: Services, make_account: MakeAccount
) -> None:
    first_account = await make_account(name="First")
    second_account = await make_account(name="Second")
    operation = CountingOperation()

    first = await perform(services, first_account, request(payload={"a": 1}), operation)
    second = await perform(services, second_account, request(payload={"a": 2}), operation)

    assert (first.body, second.body) == (b'{"n":1}', b'{"n":2}')
    assert not second.replayed


async def test_record_older_than_24_hours_is_treated_as_absent_and_replaced(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    operation = CountingOperation()
    await perform(services, account, request(payload={"a": 1}), operation)
    await backdate(services, account, timedelta(hours=24, seconds=1))

    renewed = await perform(services, account, request(payload={"a": 2}), operation)

    assert renewed == Answer(200, b'{"n":2}')
    [record] = await records_of(services, account)
    assert record.fingerprint == request(payload={"a": 2}).fingerprint
    assert record.response_body == '{"n":2}'
    assert datetime.now(UTC) - record.created_at < timedelta(minutes=1)


async def test_record_younger_than_24_hours_is_still_replayed(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    operation = CountingOperation()
    await perform(services, account, request(), operation)
    await backdate(services, account, timedelta(hours=23, minutes=59))

    replay = await perform(services, account, request(), operation)

    assert replay.replayed
    assert operation.runs == 1


async def test_failed_operation_keeps_nothing_so_a_retry_runs_it_again(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()

    async def refuse() -> Answer:
        raise NotFound("No such thing.")

    with pytest.raises(NotFound):
        async with services.sessions.begin() as session:
            await service.perform(session, account.id, request(), refuse)
    assert await records_of(services, account) == []

    retried = await perform(services, account, request(), CountingOperation())

    assert retried == Answer(200, b'{"n":1}')


async def test_concurrent_first_request_waits_for_the_first_and_replays_its_answer(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    first_operation = CountingOperation()
    second_operation = CountingOperation()

    async with services.sessions.begin() as first_session:
        first = await service.perform(first_session, account.id, request(), first_operation)
        second_task = asyncio.create_task(perform(services, account, request(), second_operation))
        await asyncio.sleep(0.3)
        # The key is claimed by an open transaction: the second request must wait for it.
        assert not second_task.done()

    second = await second_task

    assert second == Answer(first.status_code, first.body, replayed=True)
    assert (first_operation.runs, second_operation.runs) == (1, 0)
    assert len(await records_of(services, account)) == 1


async def test_concurrent_request_acts_itself_when_the_first_rolls_back(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    second_operation = CountingOperation()

    async with services.sessions() as first_session:
        await first_session.begin()
        await service.perform(first_session, account.id, request(), CountingOperation())
        second_task = asyncio.create_task(perform(services, account, request(), second_operation))
        await asyncio.sleep(0.3)
        assert not second_task.done()
        await first_session.rollback()

    second = await second_task

    assert second == Answer(200, b'{"n":1}', replayed=False)
    assert second_operation.runs == 1
    [record] = await records_of(services, account)
    assert record.response_body == '{"n":1}'


async def test_claiming_a_key_purges_the_accounts_expired_records_only(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account(name="Busy")
    neighbour = await make_account(name="Neighbour")
    for key in ("old-1", "old-2"):
        await perform(services, account, request(key), CountingOperation())
    await perform(services, neighbour, request("old-n"), CountingOperation())
    await backdate(services, account, timedelta(hours=24, seconds=1))
    await backdate(services, neighbour, timedelta(hours=25))
    await perform(services, account, request("live"), CountingOperation())

    await perform(services, account, request("new"), CountingOperation())

    assert sorted(record.key for record in await records_of(services, account)) == [
        "live",
        "new",
    ]
    assert [record.key for record in await records_of(services, neighbour)] == ["old-n"]


async def test_a_replay_purges_expired_records_too(
    services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    await perform(services, account, request("old"), CountingOperation())
    await backdate(services, account, timedelta(hours=30))
    await perform(services, account, request("live"), CountingOperation())

    replayed = await perform(services, account, request("live"), CountingOperation())

    assert replayed.replayed
    assert [record.key for record in await records_of(services, account)] == ["live"]
