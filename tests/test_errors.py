"""Every row of the API's error table and the extra codes, in docs/errors.md's order of checks."""

import base64
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from humanadd.calls import service as calls_service
from humanadd.calls.records import CallRecord
from humanadd.config import Settings
from humanadd.dependencies import Services
from humanadd.errors import ErrorBody, describe_validation_error, quote
from humanadd.kb import repository as kb_repository
from humanadd.keys import repository as keys_repository
from humanadd.keys import service as keys_service
from humanadd.keys import tokens
from tests.conftest import AddCalls, MakeAccount, Statement, client_for
from tests.openapi_check import OpenApiChecker

CALLS = "/api/v1/calls"


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    """The exact envelope, the status and a request id."""
    assert response.status_code == status, response.text
    assert response.json() == {"ok": False, "error": code, "message": message}
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"].startswith("req_")
    if status == 401:
        assert response.headers["www-authenticate"] == CHALLENGE


def assert_envelope_only(response: httpx.Response) -> None:
    """For responses outside any documented operation (unknown routes, wrong methods)."""
    jsonschema.validate(response.json(), ErrorBody.model_json_schema())


def bad_checksum(key: str) -> str:
    """`key` with its last checksum character changed: well shaped, but mistyped."""
    last = key[-1]
    return key[:-1] + ("A" if last != "A" else "B")


CHALLENGE = 'Bearer realm="humanadd"'

# --- 401 missing_api_key ------------------------------------------------------------------

MISSING = "No API key sent. Use the header 'Authorization: Bearer hak_…'."


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer    "},
        {"X-Api-Key": "hak_x"},
    ],
    ids=["none", "empty", "bare-scheme", "empty-bearer", "blank-bearer", "other"],
)
async def test_request_without_a_bearer_key_is_401_missing_api_key(
    client: httpx.AsyncClient, openapi: OpenApiChecker, headers: dict[str, str]
) -> None:
    response = await client.get(CALLS, headers=headers)
    assert_error(response, 401, "missing_api_key", MISSING)
    openapi.check(response)
    assert "x-ratelimit-limit" not in response.headers


NOT_BEARER = (
    "The Authorization header is not a Bearer API key. Use the header "
    "'Authorization: Bearer hak_…'."
)


@pytest.mark.parametrize(
    "value",
    ["Basic dXNlcjpwYXNz", "Token hak_x", "hak_" + "a" * 38, "Bearer: hak_x"],
    ids=["basic", "token", "bare-key", "colon"],
)
async def test_an_authorization_header_that_is_not_a_bearer_key_says_so(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker, value: str
) -> None:
    account = await make_account()
    for header in (value, value.replace("hak_" + "a" * 38, account.key)):
        response = await client.get(CALLS, headers={"Authorization": header})
        assert_error(response, 401, "invalid_api_key", NOT_BEARER)
        openapi.check(response)


async def test_two_authorization_headers_are_400_whichever_is_right(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    other = await make_account()
    for pair in ((account.key, other.key), (account.key, account.key), ("x", account.key)):
        headers = [("Authorization", f"Bearer {key}") for key in pair]
        response = await client.get(CALLS, headers=headers)
        assert_error(
            response,
            400,
            "invalid_request",
            "The header 'Authorization' was sent more than once: send it once.",
        )
        openapi.check(response)
        assert "x-ratelimit-limit" not in response.headers


async def test_bearer_scheme_is_case_insensitive(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    response = await client.get(CALLS, headers={"Authorization": f"bearer {account.key}"})
    assert response.status_code == 200
    openapi.check(response)


# --- 401 invalid_api_key ------------------------------------------------------------------

INVALID = "API key not recognized."


@pytest.mark.parametrize(
    "key",
    [
        "hak_your_api_key_here",
        "not-a-key",
        "hak_" + "a" * 37,
        "hak_" + "a" * 39,
        "sk_" + "a" * 38,
    ],
    ids=["doc-placeholder", "garbage", "short", "long", "other-prefix"],
)
async def test_malformed_key_is_401_invalid_api_key(
    client: httpx.AsyncClient, openapi: OpenApiChecker, key: str
) -> None:
    response = await client.get(CALLS, headers={"Authorization": f"Bearer {key}"})
    assert_error(response, 401, "invalid_api_key", INVALID)
    openapi.check(response)


async def test_unknown_well_formed_key_is_401_invalid_api_key(
    client: httpx.AsyncClient, openapi: OpenApiChecker
) -> None:
    key = tokens.generate()
    assert tokens.is_well_formed(key)
    response = await client.get(f"{CALLS}/call_x", headers={"Authorization": f"Bearer {key}"})
    assert_error(response, 401, "invalid_api_key", INVALID)
    openapi.check(response)


async def test_key_with_bad_checksum_is_refused_without_a_database_query(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    statements: list[Statement],
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    statements.clear()

    response = await client.get(
        CALLS, headers={"Authorization": f"Bearer {bad_checksum(account.key)}"}
    )
    assert_error(response, 401, "invalid_api_key", INVALID)
    openapi.check(response)
    assert statements == []

    # The counter does see the look-up of a key whose checksum is right.
    response = await client.get(CALLS, headers={"Authorization": f"Bearer {tokens.generate()}"})
    assert_error(response, 401, "invalid_api_key", INVALID)
    assert any("api_keys" in sql for sql, _ in statements)


async def test_rotated_key_is_401_invalid_api_key(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    assert (await client.get(CALLS, headers=account.headers)).status_code == 200
    async with services.sessions.begin() as session:
        new_key = await keys_service.rotate(session, account.id, actor="test")

    response = await client.get(CALLS, headers=account.headers)
    assert_error(response, 401, "invalid_api_key", INVALID)
    openapi.check(response)
    response = await client.get(CALLS, headers={"Authorization": f"Bearer {new_key}"})
    assert response.status_code == 200


# --- 403 plan_not_supported ---------------------------------------------------------------


@pytest.mark.parametrize("plan", ["starter", "pro"])
async def test_key_of_an_account_not_on_enterprise_is_403_plan_not_supported(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker, plan: str
) -> None:
    account = await make_account(plan=plan)
    for path in (CALLS, f"{CALLS}/call_x", f"{CALLS}/call_x/recording"):
        response = await client.get(path, headers=account.headers)
        assert_error(
            response, 403, "plan_not_supported", "The API is available on the Enterprise plan only."
        )
        openapi.check(response)
        assert response.headers["x-ratelimit-limit"] == "60"


# --- 404 not_found ------------------------------------------------------------------------


async def test_unknown_call_is_404_not_found(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    for path in (f"{CALLS}/call_nope", f"{CALLS}/call_nope/recording"):
        response = await client.get(path, headers=account.headers)
        assert_error(response, 404, "not_found", "No call 'call_nope'.")
        openapi.check(response)


async def test_call_of_another_account_is_404_like_an_unknown_one(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    owner = await make_account(name="Owner")
    stranger = await make_account(name="Stranger")
    await add_calls(
        owner,
        [CallRecord(call_id="call_private", direction="inbound", started_at=1_700_000_000_000)],
    )
    assert (await client.get(f"{CALLS}/call_private", headers=owner.headers)).status_code == 200
    for path in (f"{CALLS}/call_private", f"{CALLS}/call_private/recording"):
        response = await client.get(path, headers=stranger.headers)
        assert_error(response, 404, "not_found", "No call 'call_private'.")
        openapi.check(response)


async def test_text_no_store_can_hold_is_a_miss_not_a_500(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()
    for path in (f"{CALLS}/a%00b", f"{CALLS}/a%00b/recording"):
        response = await client.get(path, headers=account.headers)
        assert_error(response, 404, "not_found", "No call 'a\ufffdb'.")
        openapi.check(response)
    response = await client.get(f"{CALLS}/{'x' * 300}", headers=account.headers)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        f"{CALLS}/{{text}}",
        f"{CALLS}/{{text}}/recording",
        "/api/v1/kb/changes/{text}",
        "/api/v1/webhooks/deliveries/{text}/redeliver",
        f"{CALLS}?{{text}}=1",
    ],
)
async def test_an_error_message_quotes_at_most_100_characters_of_the_input(
    client: httpx.AsyncClient, make_account: MakeAccount, path: str
) -> None:
    """A 60 kB id used to come back whole, as a Python repr."""
    account = await make_account()
    text = "%01" + "x" * 60_000
    method = "POST" if path.endswith("redeliver") else "GET"
    response = await client.request(method, path.format(text=text), headers=account.headers)
    assert response.status_code in (400, 404), response.text
    message = response.json()["message"]
    assert f"'\ufffd{'x' * 99}…'" in message
    assert len(message) < 200
    assert "\\x" not in message


def test_quote_shows_short_text_whole_and_cuts_long_text() -> None:
    assert quote("call_1") == "'call_1'"
    assert quote("a\nb\x00c\u202e") == "'a\ufffdb\ufffdc\ufffd'"
    assert quote("é" * 100) == "'" + "é" * 100 + "'"
    assert quote("é" * 101) == "'" + "é" * 100 + "…'"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope",
        "/api/v2/calls",
        "/nope",
        "/api/v1/calls/a/b/c",
        "/api/v1/calls/",
        "/api/v1/calls/call_x/",
        "/api/v1/stats/",
        "/api/v1/kb/",
        "/healthz/",
    ],
)
async def test_unknown_route_is_404_not_found_envelope(
    client: httpx.AsyncClient, make_account: MakeAccount, path: str
) -> None:
    account = await make_account()
    for headers in ({}, account.headers):
        response = await client.get(path, headers=headers)
        assert_error(response, 404, "not_found", "No such route.")
        assert_envelope_only(response)
        assert "location" not in response.headers


async def test_the_root_leads_to_the_dashboard(client: httpx.AsyncClient) -> None:
    response = await client.get("/")

    assert response.status_code == 307
    assert response.headers["location"] == "/dashboard"


# --- 400 invalid_request ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=abc", "limit"),
        ("limit=1.5", "limit"),
        ("after=-1", "after"),
        ("after=abc", "after"),
        ("after=99999999999999999999999", "after"),
        ("before=-5", "before"),
        ("before=soon", "before"),
        ("before=9223372036854775808", "before"),
        ("direction=sideways", "direction"),
        ("status=done", "status"),
        ("sentiment=happy", "sentiment"),
        ("booked=maybe", "booked"),
        ("cursor=abc", "cursor"),
        ("cursor=", "cursor"),
        ("tag=" + "x" * 65, "tag"),
        ("tag=a%00b", "tag"),
        # Integers are digits: no fraction, exponent, sign '+', spaces or '_' (pydantic's lax
        # parsing took `limit=10.0` as 10).
        ("limit=10.0", "limit"),
        ("limit=+5", "limit"),
        ("limit=%205", "limit"),
        ("limit=5%20", "limit"),
        ("limit=1_0", "limit"),
        ("limit=", "limit"),
        ("after=1.5", "after"),
        ("after=1000.0", "after"),
        ("after=1e3", "after"),
        ("before=10.0", "before"),
    ],
)
async def test_bad_list_parameter_is_400_naming_it(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
    query: str,
    parameter: str,
) -> None:
    account = await make_account()
    response = await client.get(f"{CALLS}?{query}", headers=account.headers)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["ok"] is False
    assert body["error"] == "invalid_request"
    assert body["message"].startswith(f"Invalid query parameter '{parameter}': "), body
    assert set(body) == {"ok", "error", "message"}
    assert response.headers["x-request-id"].startswith("req_")
    assert response.headers["x-ratelimit-limit"] == "60"
    openapi.check(response)


async def test_cursor_that_was_tampered_with_is_400(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            CallRecord(call_id=f"call_{n}", direction="inbound", started_at=1_700_000_000_000 + n)
            for n in range(3)
        ],
    )
    first = (await client.get(f"{CALLS}?limit=1", headers=account.headers)).json()
    cursor = first["next_cursor"]
    assert cursor
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    flipped = raw[:20] + bytes([raw[20] ^ 1]) + raw[21:]
    tampered = [
        base64.urlsafe_b64encode(flipped).decode().rstrip("="),
        cursor[:-1] + ("A" if cursor[-1] != "A" else "B"),
        cursor[:10] + ("x" if cursor[10] != "x" else "y") + cursor[11:],
        cursor + "AA",
        cursor[:-4],
    ]
    for text in tampered:
        response = await client.get(f"{CALLS}?cursor={text}", headers=account.headers)
        assert_error(
            response,
            400,
            "invalid_request",
            "Invalid query parameter 'cursor': not a cursor we issued.",
        )
        openapi.check(response)


@pytest.mark.parametrize("days", ["7.0", "+7", "7%20", "1e1", "seven", "0", "366", "-1"])
async def test_bad_stats_days_is_400_naming_it(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker, days: str
) -> None:
    account = await make_account()
    response = await client.get(f"/api/v1/stats?days={days}", headers=account.headers)
    assert response.status_code == 400, response.text
    assert response.json()["message"].startswith("Invalid query parameter 'days': ")
    openapi.check(response)


API_OPERATIONS = [
    ("GET", CALLS),
    ("GET", f"{CALLS}/call_x"),
    ("GET", f"{CALLS}/call_x/recording"),
    ("GET", "/api/v1/stats"),
    ("POST", "/api/v1/kb"),
]


@pytest.mark.parametrize(("method", "path"), API_OPERATIONS)
async def test_unknown_query_parameter_is_400_naming_it_on_every_route(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
    method: str,
    path: str,
) -> None:
    """A misspelt filter must not silently return unfiltered data."""
    account = await make_account()
    body = {"json": {"text": "Open 8am-7pm."}} if method == "POST" else {}
    response = await client.request(
        method, f"{path}?limit=5&directon=inbound", headers=account.headers, **body
    )
    if path != CALLS:  # `limit` is unknown there too, and comes first
        assert_error(response, 400, "invalid_request", "Unknown query parameter 'limit'.")
    else:
        assert_error(response, 400, "invalid_request", "Unknown query parameter 'directon'.")
    openapi.check(response)
    assert response.headers["x-ratelimit-limit"] == "60"


async def test_known_parameters_of_the_list_are_accepted(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    account = await make_account()
    query = (
        "limit=5&after=0&before=9999999999999&direction=inbound&status=ended"
        "&sentiment=unknown&booked=false&tag=x"
    )
    response = await client.get(f"{CALLS}?{query}", headers=account.headers)
    assert response.status_code == 200, response.text
    response = await client.get("/api/v1/stats?days=007", headers=account.headers)
    assert response.status_code == 200, response.text
    assert response.json()["period_days"] == 7


async def test_unknown_query_parameter_comes_after_authentication_rate_limit_and_plan(
    settings: Settings, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    starter = await make_account(plan="starter")
    enterprise = await make_account()
    path = f"{CALLS}?directon=inbound"
    async with client_for(settings.model_copy(update={"rate_limit_per_minute": 1})) as client:
        assert_error(await client.get(path), 401, "missing_api_key", MISSING)
        response = await client.get(path, headers={"Authorization": f"Bearer {tokens.generate()}"})
        assert_error(response, 401, "invalid_api_key", INVALID)
        response = await client.get(path, headers=starter.headers)
        assert_error(
            response, 403, "plan_not_supported", "The API is available on the Enterprise plan only."
        )
        response = await client.get(path, headers=enterprise.headers)
        assert_error(response, 400, "invalid_request", "Unknown query parameter 'directon'.")
        response = await client.get(path, headers=enterprise.headers)
        assert_error(response, 429, "rate_limited", _RATE_LIMITED)
        openapi.check(response)


NOT_OURS = "Invalid query parameter 'cursor': not a cursor we issued."


async def test_a_cursor_issued_to_another_account_is_400_on_every_paged_list(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    add_calls: AddCalls,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    """A cursor of account B used with A's key used to page A's calls from B's position."""
    owner, other = await make_account(name="Owner"), await make_account(name="Other")
    for account in (owner, other):
        await add_calls(
            account,
            [
                CallRecord(call_id=f"call_{n}", direction="inbound", started_at=1_700_000_000_000)
                for n in range(3)
            ],
        )
        async with services.sessions.begin() as session:
            for n in range(3):
                await kb_repository.add_change(
                    session, account.id, text=f"Fact {n}.", replace=False
                )
    for path in (CALLS, "/api/v1/kb/changes"):
        first = await client.get(f"{path}?limit=1", headers=owner.headers)
        cursor = first.json()["next_cursor"]
        assert cursor
        mine = await client.get(path, params={"cursor": cursor}, headers=owner.headers)
        assert mine.status_code == 200
        response = await client.get(path, params={"cursor": cursor}, headers=other.headers)
        assert_error(response, 400, "invalid_request", NOT_OURS)
        openapi.check(response)
    calls_cursor = (await client.get(f"{CALLS}?limit=1", headers=owner.headers)).json()
    response = await client.get(
        "/api/v1/kb/changes", params={"cursor": calls_cursor["next_cursor"]}, headers=owner.headers
    )
    assert_error(response, 400, "invalid_request", NOT_OURS)


async def test_a_cursor_is_opaque(
    client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    """It used to decode to plain JSON holding the position and the filters."""
    account = await make_account()
    await add_calls(
        account,
        [
            CallRecord(call_id=f"call_seen_{n}", direction="inbound", started_at=1_700_000_000_000)
            for n in range(3)
        ],
    )
    page = await client.get(f"{CALLS}?limit=1&direction=inbound", headers=account.headers)
    cursor = page.json()["next_cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    for clear in (b"call_seen", b"inbound", b"1700000000000", b'"t":'):
        assert clear not in raw


# --- 405, 500 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", CALLS), ("POST", CALLS), ("PUT", f"{CALLS}/call_x"), ("PATCH", f"{CALLS}/x")],
)
async def test_wrong_method_is_405_method_not_allowed(
    client: httpx.AsyncClient, make_account: MakeAccount, method: str, path: str
) -> None:
    account = await make_account()
    response = await client.request(method, path, headers=account.headers)
    assert_error(
        response, 405, "method_not_allowed", "This method is not allowed on this resource."
    )
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert_envelope_only(response)


INTERNAL = "Something went wrong on our side."


async def test_unexpected_fault_is_500_internal_error_without_details(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    async def explode() -> None:
        raise RuntimeError("secret detail: password=hunter2")

    app.add_api_route("/api/v1/explode", explode)
    response = await client.get("/api/v1/explode")
    assert_error(response, 500, "internal_error", INTERNAL)
    assert_envelope_only(response)
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    ("module", "query", "path"),
    [
        (calls_service.repository, "list_page", CALLS),
        (keys_repository, "find_active_by_hash", f"{CALLS}/call_1"),
    ],
)
async def test_database_failure_is_500_internal_error(
    client: httpx.AsyncClient,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
    monkeypatch: pytest.MonkeyPatch,
    module: object,
    query: str,
    path: str,
) -> None:
    """The list's page is read after its key counted, so its 500 carries the rate-limit
    headers; a call's detail, served by `api.middleware.Paths`, is read in the key look-up
    itself."""
    account = await make_account()

    async def failing_query(*_args: Any, **_kwargs: Any) -> None:
        raise OperationalError("SELECT secret_table", {}, Exception("connection lost"))

    monkeypatch.setattr(module, query, failing_query)
    response = await client.get(path, headers=account.headers)
    assert_error(response, 500, "internal_error", INTERNAL)
    openapi.check(response)
    assert "secret_table" not in response.text
    assert response.headers["x-request-id"].startswith("req_")
    if path == CALLS:
        assert response.headers["x-ratelimit-remaining"] == "59"
    else:
        assert "x-ratelimit-remaining" not in response.headers


# --- the order of checks: 401 → 429 → 403 → 400/404 ---------------------------------------


async def test_missing_or_invalid_key_wins_over_a_bad_parameter_or_unknown_call(
    client: httpx.AsyncClient, openapi: OpenApiChecker
) -> None:
    for path in (f"{CALLS}?limit=0&direction=x", f"{CALLS}/call_nope"):
        response = await client.get(path)
        assert_error(response, 401, "missing_api_key", MISSING)
        openapi.check(response)
        response = await client.get(path, headers={"Authorization": f"Bearer {tokens.generate()}"})
        assert_error(response, 401, "invalid_api_key", INVALID)
        openapi.check(response)


async def test_plan_check_wins_over_a_bad_parameter_or_unknown_call(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    starter = await make_account(plan="starter")
    for path in (f"{CALLS}?limit=0", f"{CALLS}/call_nope", f"{CALLS}/call_nope/recording"):
        response = await client.get(path, headers=starter.headers)
        assert_error(
            response, 403, "plan_not_supported", "The API is available on the Enterprise plan only."
        )
        openapi.check(response)


async def test_rate_limit_wins_over_the_plan_check_and_bad_parameters(
    settings: Settings, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    starter = await make_account(plan="starter")
    enterprise = await make_account()
    async with client_for(settings.model_copy(update={"rate_limit_per_minute": 2})) as client:
        for _ in range(2):
            response = await client.get(CALLS, headers=starter.headers)
            assert response.status_code == 403
            response = await client.get(f"{CALLS}?limit=0", headers=enterprise.headers)
            assert response.status_code == 400
        response = await client.get(CALLS, headers=starter.headers)
        assert_error(response, 429, "rate_limited", _RATE_LIMITED)
        openapi.check(response)
        response = await client.get(f"{CALLS}?limit=0", headers=enterprise.headers)
        assert_error(response, 429, "rate_limited", _RATE_LIMITED)
        openapi.check(response)
        response = await client.get(f"{CALLS}/call_nope", headers=enterprise.headers)
        assert_error(response, 429, "rate_limited", _RATE_LIMITED)
        openapi.check(response)


_RATE_LIMITED = "Too many requests. Retry after the number of seconds in Retry-After."


async def test_every_response_carries_a_distinct_request_id(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    account = await make_account()
    responses = [
        await client.get(CALLS, headers=account.headers),
        await client.get(CALLS),
        await client.get("/nope"),
        await client.get("/healthz"),
        await client.delete(CALLS),
        await client.get("/api/v1/openapi.json"),
    ]
    ids = [response.headers["x-request-id"] for response in responses]
    assert all(request_id.startswith("req_") and len(request_id) == 28 for request_id in ids)
    assert len(set(ids)) == len(ids)


# --- one message builder for every validation error --------------------------------------


@pytest.mark.parametrize(
    ("errors", "location", "message"),
    [
        (
            [{"type": "int_parsing", "loc": ("query", "limit"), "msg": "Input should be x"}],
            (),
            "Invalid query parameter 'limit': Input should be x.",
        ),
        (
            [{"type": "missing", "loc": ("header", "Range"), "msg": "Field required"}],
            (),
            "Invalid header 'Range': Field required.",
        ),
        (
            [{"type": "json_invalid", "loc": ("body", 3), "msg": "JSON decode error"}],
            (),
            "The request body is not valid JSON.",
        ),
        (
            [{"type": "extra_forbidden", "loc": ("colour",), "msg": "Extra inputs"}],
            ("body",),
            "Unknown body field 'colour'.",
        ),
        (
            [
                {"type": "string_type", "loc": ("text",), "msg": "Input should be a string"},
                {"type": "bool_type", "loc": ("replace",), "msg": "Input should be a boolean"},
            ],
            ("body",),
            "Invalid body field 'text': Input should be a string.",
        ),
        (
            [{"type": "model_type", "loc": (), "msg": "Input should be an object"}],
            ("body",),
            "The request body is not valid: Input should be an object.",
        ),
    ],
)
def test_validation_errors_are_described_in_one_line_naming_the_field(
    errors: list[dict[str, Any]], location: tuple[str, ...], message: str
) -> None:
    assert describe_validation_error(errors, location) == message
