"""POST /api/v1/kb: validation, the queued change, and Idempotency-Key replays."""

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select, update

from humanadd.dependencies import Services
from humanadd.idempotency.models import IdempotencyRecord
from humanadd.kb import repository
from humanadd.kb.models import KbChange
from tests.conftest import MakeAccount, TestAccount
from tests.openapi_check import OpenApiChecker

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


# --- success ----------------------------------------------------------------------------------


async def test_post_kb_queues_the_change_as_pending_review(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    before = datetime.now(UTC)

    response = await post_kb(
        client, account, {"text": "Our new hours are 8am-7pm M-F.", "replace": False}
    )

    openapi.check(response)
    change_id = assert_queued(response)
    assert "idempotent-replayed" not in response.headers
    [change] = await stored_changes(services, account)
    assert change.id == change_id
    assert change.account_id == account.id
    assert change.text == "Our new hours are 8am-7pm M-F."
    assert change.replace is False
    assert change.status == "pending_review"
    assert change.findings == []
    assert change.error is None
    assert change.decided_at is None
    assert change.pushed_at is None
    assert before <= change.created_at <= datetime.now(UTC)
    assert change.updated_at == change.created_at


async def test_replace_defaults_to_false_and_true_is_stored(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()

    defaulted = await post_kb(client, account, {"text": "We now take Amex."})
    replacing = await post_kb(client, account, {"text": "Everything anew.", "replace": True})

    openapi.check(defaulted)
    openapi.check(replacing)
    changes = {change.id: change for change in await stored_changes(services, account)}
    assert changes[assert_queued(defaulted)].replace is False
    assert changes[assert_queued(replacing)].replace is True


@pytest.mark.parametrize(
    ("text", "content_type"),
    [
        ("x" * 100_000, "application/json"),
        ("é" * 100_000, "application/json"),
        ("  padded text  ", "application/json; charset=utf-8"),
        ("vendor media type", "application/vnd.api+json"),
    ],
    ids=["100000-ascii", "100000-non-ascii", "charset", "plus-json"],
)
async def test_accepted_bodies_store_the_text_verbatim(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
    text: str,
    content_type: str,
) -> None:
    account = await make_account()

    response = await post_kb(
        client,
        account,
        content=orjson.dumps({"text": text}),
        headers={"Content-Type": content_type},
    )

    openapi.check(response)
    assert_queued(response)
    [change] = await stored_changes(services, account)
    assert change.text == text


async def test_change_is_only_visible_to_its_own_account(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    owner = await make_account(name="Owner")
    other = await make_account(name="Other")
    change_id = assert_queued(await post_kb(client, owner, {"text": "Owner's hours."}))

    async with services.sessions() as session:
        mine = await repository.get_change(session, owner.id, change_id)
        theirs = await repository.get_change(session, other.id, change_id)

    assert mine is not None
    assert mine.text == "Owner's hours."
    assert theirs is None


# --- bad bodies ---------------------------------------------------------------------------------

TOO_LONG = "Invalid body field 'text': String should have at most 100000 characters."
BLANK = "Invalid body field 'text': must contain at least one non-space character."
NOT_TEXT = "Invalid body field 'text': Input should be a valid string."
NUL = "Invalid body field 'text': must not contain NUL characters (U+0000)."
NOT_BOOL = "Invalid body field 'replace': Input should be a valid boolean."
NOT_OBJECT = "The request body must be a JSON object."
NOT_JSON = "The request body is not valid JSON."
CONTENT_TYPE = (
    "Invalid header 'Content-Type': send the body as JSON with 'Content-Type: application/json'."
)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "Invalid body field 'text': Field required."),
        ({"replace": True}, "Invalid body field 'text': Field required."),
        ({"text": ""}, BLANK),
        ({"text": "   "}, BLANK),
        ({"text": " \t\r\n\u00a0\u2003"}, BLANK),
        ({"text": "x" * 100_001}, TOO_LONG),
        ({"text": "8am\u0000-7pm"}, NUL),
        ({"text": "\u0000"}, NUL),
        ({"text": 5}, NOT_TEXT),
        ({"text": None}, NOT_TEXT),
        ({"text": ["hours"]}, NOT_TEXT),
        ({"text": {"hours": "8-7"}}, NOT_TEXT),
        ({"text": "ok", "replace": "true"}, NOT_BOOL),
        ({"text": "ok", "replace": 1}, NOT_BOOL),
        ({"text": "ok", "replace": 0}, NOT_BOOL),
        ({"text": "ok", "replace": None}, NOT_BOOL),
        ({"text": "ok", "extra": 1}, "Unknown body field 'extra'."),
        ({"text": "ok", "replace": False, "Text": "x"}, "Unknown body field 'Text'."),
        ([{"text": "ok"}], NOT_OBJECT),
        ("ok", NOT_OBJECT),
        (1, NOT_OBJECT),
        (None, NOT_OBJECT),
    ],
    ids=[
        "empty-object",
        "text-missing",
        "text-empty",
        "text-spaces",
        "text-unicode-whitespace",
        "text-too-long",
        "text-nul",
        "text-only-nul",
        "text-number",
        "text-null",
        "text-list",
        "text-object",
        "replace-string",
        "replace-one",
        "replace-zero",
        "replace-null",
        "extra-field",
        "extra-field-case",
        "body-list",
        "body-string",
        "body-number",
        "body-null",
    ],
)
async def test_bad_body_is_400_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
    body: Any,
    message: str,
) -> None:
    account = await make_account()

    response = await post_kb(client, account, body, key="bad-body-key")

    openapi.check(response)
    assert_invalid(response, message)
    assert await stored_changes(services, account) == []
    assert await stored_records(services, account) == []


@pytest.mark.parametrize(
    ("content", "headers", "message"),
    [
        (b'{"text": "ok"', JSON, NOT_JSON),
        (b"", JSON, NOT_JSON),
        (b"text=ok", JSON, NOT_JSON),
        (b'{"text": "ok", "replace": NaN}', JSON, NOT_JSON),
        (b'{"text": "\xff"}', JSON, NOT_JSON),
        (b'{"text": "ok"}', {}, CONTENT_TYPE),
        (b'{"text": "ok"}', {"Content-Type": "text/plain"}, CONTENT_TYPE),
        (b"text=ok", {"Content-Type": "application/x-www-form-urlencoded"}, CONTENT_TYPE),
        (b"--b--", {"Content-Type": "multipart/form-data; boundary=b"}, CONTENT_TYPE),
        (b'{"text": "ok"}', {"Content-Type": "application/jsonx"}, CONTENT_TYPE),
        (
            b"x" * (2 * 1024 * 1024 + 1),
            JSON,
            "The request body is too large: body field 'text' holds at most 100,000 characters.",
        ),
    ],
    ids=[
        "truncated-json",
        "empty-body",
        "form-as-json",
        "nan",
        "invalid-utf8",
        "no-content-type",
        "text-plain",
        "form-urlencoded",
        "multipart",
        "lookalike-type",
        "oversized",
    ],
)
async def test_non_json_body_is_400_envelope_and_stores_nothing(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
    content: bytes,
    headers: dict[str, str],
    message: str,
) -> None:
    account = await make_account()

    response = await post_kb(client, account, content=content, headers=headers)

    openapi.check(response)
    assert_invalid(response, message)
    assert response.headers["content-type"] == "application/json"
    assert await stored_changes(services, account) == []


@pytest.mark.parametrize(
    ("authorization", "error"),
    [({}, "missing_api_key"), ({"Authorization": "Bearer hak_mistyped"}, "invalid_api_key")],
    ids=["no-key", "bad-key"],
)
async def test_authentication_is_checked_before_the_body(
    client: httpx.AsyncClient,
    openapi: OpenApiChecker,
    authorization: dict[str, str],
    error: str,
) -> None:
    response = await client.post(
        KB,
        content=b"{not json",
        headers={"Content-Type": "text/plain", "Idempotency-Key": "", **authorization},
    )

    openapi.check(response)
    assert response.status_code == 401
    assert response.json()["error"] == error


@pytest.mark.parametrize("plan", ["starter", "pro"])
async def test_plans_below_enterprise_are_403_and_store_nothing(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
    plan: str,
) -> None:
    account = await make_account(plan=plan)

    response = await post_kb(client, account, {"text": "Hours."}, key="plan-key")

    openapi.check(response)
    assert response.status_code == 403
    assert response.json() == {
        "ok": False,
        "error": "plan_not_supported",
        "message": "The API is available on the Enterprise plan only.",
    }
    assert await stored_changes(services, account) == []
    assert await stored_records(services, account) == []


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


# --- OpenAPI ------------------------------------------------------------------------------------


def test_openapi_documents_body_key_header_and_statuses(openapi: OpenApiChecker) -> None:
    operation = openapi.document["paths"][KB]["post"]

    assert set(operation["responses"]) == {"200", "400", "401", "403", "409", "429", "500"}
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/KbChangeQueued"
    }
    assert "Idempotent-Replayed" in operation["responses"]["200"]["headers"]
    [parameter] = operation["parameters"]
    assert parameter["name"] == "Idempotency-Key"
    assert parameter["in"] == "header"
    assert parameter["required"] is False
    assert parameter["schema"]["maxLength"] == 255
    body = operation["requestBody"]
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["text"]
    assert schema["additionalProperties"] is False
    assert schema["properties"]["text"]["maxLength"] == 100_000
    assert schema["properties"]["replace"] == {
        "default": False,
        "description": schema["properties"]["replace"]["description"],
        "title": "Replace",
        "type": "boolean",
    }
