"""POST /api/v1/kb: validation and the queued change."""

from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest

from humanadd.dependencies import Services
from humanadd.kb import repository
from tests.conftest import MakeAccount
from tests.kb.support import (
    JSON,
    KB,
    assert_invalid,
    assert_queued,
    post_kb,
    stored_changes,
    stored_records,
)
from tests.openapi_check import OpenApiChecker

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


# --- OpenAPI ------------------------------------------------------------------------------------


def test_openapi_documents_body_key_header_and_statuses(openapi: OpenApiChecker) -> None:
    operation = openapi.document["paths"][KB]["post"]

    assert set(operation["responses"]) == {"200", "400", "401", "403", "405", "409", "429", "500"}
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
