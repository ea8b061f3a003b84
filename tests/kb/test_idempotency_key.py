"""POST /api/v1/kb with an Idempotency-Key: replays, conflicts, scoping and expiry."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from humanadd.dependencies import Services
from humanadd.idempotency.models import IdempotencyRecord
from tests.conftest import MakeAccount
from tests.kb.support import (
    JSON,
    KB,
    assert_invalid,
    assert_queued,
    count_changes,
    post_kb,
    stored_changes,
    stored_records,
)
from tests.openapi_check import OpenApiChecker

# --- Idempotency-Key ----------------------------------------------------------------------------


async def test_retry_with_same_key_replays_the_first_answer_and_queues_nothing(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    body = {"text": "Closed on July 4th.", "replace": False}

    first = await post_kb(client, account, body, key="retry-1")
    retry = await post_kb(client, account, body, key="retry-1")

    openapi.check(first)
    openapi.check(retry)
    change_id = assert_queued(first)
    assert "idempotent-replayed" not in first.headers
    assert retry.status_code == 200
    assert retry.content == first.content
    assert retry.headers["content-type"] == "application/json"
    assert retry.headers["idempotent-replayed"] == "true"
    assert [change.id for change in await stored_changes(services, account)] == [change_id]


async def test_equivalent_body_counts_as_the_same_request(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()

    first = await post_kb(client, account, content=b'{"text":"Hi"}', key="k", headers=JSON)
    reordered = await post_kb(
        client, account, content=b'{ "replace" : false,\n "text" : "Hi" }', key="k", headers=JSON
    )

    openapi.check(reordered)
    assert reordered.content == first.content
    assert reordered.headers["idempotent-replayed"] == "true"
    assert await count_changes(services, account) == 1


async def test_same_key_with_another_body_is_409_and_queues_nothing(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    first = await post_kb(client, account, {"text": "Open 9-5."}, key="reused")

    other_text = await post_kb(client, account, {"text": "Open 9-6."}, key="reused")
    other_replace = await post_kb(
        client, account, {"text": "Open 9-5.", "replace": True}, key="reused"
    )

    for response in (other_text, other_replace):
        openapi.check(response)
        assert response.status_code == 409
        assert response.json() == {
            "ok": False,
            "error": "idempotency_conflict",
            "message": "This Idempotency-Key was already used with a different request.",
        }
        assert "idempotent-replayed" not in response.headers
    assert [change.id for change in await stored_changes(services, account)] == [
        assert_queued(first)
    ]


async def test_requests_without_a_key_are_each_queued(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()

    first = assert_queued(await post_kb(client, account, {"text": "Same."}))
    second = assert_queued(await post_kb(client, account, {"text": "Same."}))

    assert first != second
    assert await count_changes(services, account) == 2
    assert await stored_records(services, account) == []


async def test_different_keys_queue_different_changes(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()

    first = assert_queued(await post_kb(client, account, {"text": "Same."}, key="a"))
    second = assert_queued(await post_kb(client, account, {"text": "Same."}, key="b"))

    assert first != second
    assert await count_changes(services, account) == 2


async def test_key_is_stored_with_the_answer_in_the_change_transaction(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()

    response = await post_kb(client, account, {"text": "Stored."}, key="stored-key")

    [record] = await stored_records(services, account)
    assert record.account_id == account.id
    assert record.key == "stored-key"
    assert record.response_status == 200
    assert record.response_body.encode() == response.content
    assert re.fullmatch(r"[0-9a-f]{64}", record.fingerprint)


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "has space", "tab\there", b"cl\xc3\xa9"],
    ids=["empty", "256-chars", "space", "tab", "non-ascii"],
)
async def test_malformed_key_is_400_naming_the_header(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
    key: str | bytes,
) -> None:
    account = await make_account()

    response = await post_kb(client, account, {"text": "Hours."}, key=key)

    openapi.check(response)
    assert_invalid(
        response, "Invalid header 'Idempotency-Key': use 1 to 255 visible ASCII characters."
    )
    assert await stored_changes(services, account) == []
    assert await stored_records(services, account) == []


async def test_key_of_255_visible_characters_is_accepted(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    key = ("!~" + "a" * 253)[:255]

    response = await post_kb(client, account, {"text": "Hours."}, key=key)

    openapi.check(response)
    assert_queued(response)
    [record] = await stored_records(services, account)
    assert record.key == key


async def test_keys_are_scoped_to_the_account(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    first_account = await make_account(name="First")
    second_account = await make_account(name="Second")

    first = await post_kb(client, first_account, {"text": "First's text."}, key="shared")
    second = await post_kb(client, second_account, {"text": "Second's text."}, key="shared")
    first_retry = await post_kb(client, first_account, {"text": "First's text."}, key="shared")

    openapi.check(second)
    assert assert_queued(first) != assert_queued(second)
    assert "idempotent-replayed" not in second.headers
    assert first_retry.content == first.content
    changes = await stored_changes(services, first_account, second_account)
    assert sorted((change.account_id, change.text) for change in changes) == sorted(
        [(first_account.id, "First's text."), (second_account.id, "Second's text.")]
    )


async def test_key_older_than_24_hours_is_treated_as_new(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    first = assert_queued(await post_kb(client, account, {"text": "Old."}, key="daily"))
    async with services.sessions.begin() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.account_id == account.id)
            .values(created_at=datetime.now(UTC) - timedelta(hours=24, seconds=1))
        )

    same_body = await post_kb(client, account, {"text": "Old."}, key="daily")
    other_body = await post_kb(client, account, {"text": "New."}, key="daily")

    openapi.check(same_body)
    openapi.check(other_body)
    renewed = assert_queued(same_body)
    assert "idempotent-replayed" not in same_body.headers
    assert renewed != first
    assert other_body.status_code == 409
    [record] = await stored_records(services, account)
    assert record.response_body.encode() == same_body.content
    assert datetime.now(UTC) - record.created_at < timedelta(minutes=1)
    assert await count_changes(services, account) == 2


async def test_key_used_on_a_refused_body_stays_free(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    account = await make_account()

    refused = await post_kb(client, account, {"text": " "}, key="fixme")
    fixed = await post_kb(client, account, {"text": "Fixed."}, key="fixme")

    assert refused.status_code == 400
    assert_queued(fixed)
    assert await count_changes(services, account) == 1


async def test_concurrent_first_requests_with_one_key_queue_one_change(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    body = {"text": "Sent twice at once."}
    # Once the key's `last_used_at` is fresh, authentication writes nothing, so the requests
    # meet first at the idempotency key rather than at the API key's row.
    await client.get("/api/v1/calls", headers=account.headers)

    responses = await asyncio.gather(
        *(post_kb(client, account, body, key="at-once") for _ in range(4))
    )

    for response in responses:
        openapi.check(response)
        assert response.content == responses[0].content
    change_id = assert_queued(responses[0])
    replayed = [response.headers.get("idempotent-replayed") for response in responses]
    assert sorted(replayed, key=str) == [None, "true", "true", "true"]
    assert [change.id for change in await stored_changes(services, account)] == [change_id]


# --- ambiguous requests ------------------------------------------------------------------------

DUPLICATE_TEXT = "The request body names the key 'text' more than once."


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"text":"first","text":"second"}', DUPLICATE_TEXT),
        (b'{"text":"a","replace":false,"text":"a"}', DUPLICATE_TEXT),
        (
            b'{"text":"a","replace":false,"replace":true}',
            "The request body names the key 'replace' more than once.",
        ),
        (b'{"text":"a","x":{"k":1,"k":2}}', "The request body names the key 'k' more than once."),
    ],
    ids=["text", "same-value", "replace", "nested"],
)
async def test_a_body_naming_a_key_twice_is_400_and_queues_nothing(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
    content: bytes,
    message: str,
) -> None:
    account = await make_account()
    response = await post_kb(client, account, content=content, headers=JSON, key="dup-1")
    openapi.check(response)
    assert_invalid(response, message)
    assert await stored_changes(services, account) == []
    assert await stored_records(services, account) == []


async def test_a_duplicate_key_body_is_never_taken_for_a_replay(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    """`{"text":"a","text":"b"}` then `{"text":"b"}` under one key used to be a replay."""
    account = await make_account()
    first = await post_kb(
        client, account, content=b'{"text":"a","text":"b"}', key="k", headers=JSON
    )
    assert_invalid(first, DUPLICATE_TEXT)
    second = await post_kb(client, account, {"text": "b"}, key="k")
    assert_queued(second)
    assert "idempotent-replayed" not in second.headers
    assert [change.text for change in await stored_changes(services, account)] == ["b"]


async def test_two_idempotency_key_headers_are_400_and_queue_nothing(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    for keys in (("a", "b"), ("a", "a")):
        headers = [*account.headers.items(), *JSON.items()]
        headers += [("Idempotency-Key", key) for key in keys]
        response = await client.post(KB, content=b'{"text":"Hi"}', headers=headers)
        openapi.check(response)
        assert_invalid(
            response, "The header 'Idempotency-Key' was sent more than once: send it once."
        )
    assert await stored_changes(services, account) == []
