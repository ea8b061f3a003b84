"""Methods: `Allow` names every method of a path, HEAD works wherever GET does, OPTIONS
answers with `Allow`, and anything else is 405 (`humanadd.api.middleware.Paths`)."""

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.types import Receive, Scope, Send

from humanadd.calls.records import CallRecord
from tests.conftest import AddCalls, MakeAccount

ALLOW = {
    "/api/v1/calls": "GET, HEAD, OPTIONS",
    "/api/v1/calls/call_1": "GET, HEAD, OPTIONS",
    "/api/v1/calls/call_1/recording": "GET, HEAD, OPTIONS",
    "/api/v1/stats": "GET, HEAD, OPTIONS",
    "/api/v1/kb": "GET, HEAD, POST, OPTIONS",
    "/api/v1/kb/changes": "GET, HEAD, OPTIONS",
    "/api/v1/kb/changes/kbc_1": "GET, HEAD, OPTIONS",
    "/api/v1/webhooks": "GET, HEAD, PUT, OPTIONS",
    "/api/v1/webhooks/test": "POST, OPTIONS",
    "/api/v1/webhooks/deliveries": "GET, HEAD, OPTIONS",
    "/api/v1/webhooks/deliveries/whd_1/redeliver": "POST, OPTIONS",
    "/healthz": "GET, HEAD, OPTIONS",
    "/readyz": "GET, HEAD, OPTIONS",
    "/ingest/retell": "POST, OPTIONS",
    "/api/v1/openapi.json": "GET, HEAD, OPTIONS",
}


@pytest.mark.parametrize(("path", "allow"), ALLOW.items())
async def test_a_method_the_path_lacks_is_405_allowing_all_of_its_methods(
    client: httpx.AsyncClient, make_account: MakeAccount, path: str, allow: str
) -> None:
    """`DELETE /webhooks` said `Allow: GET` though PUT exists, `PUT /kb` said `Allow: POST`."""
    account = await make_account()
    for method in ("DELETE", "PATCH", "PUT", "POST"):
        if method in allow:
            continue
        response = await client.request(method, path, headers=account.headers)
        assert response.status_code == 405, (method, path, response.text)
        assert response.json() == {
            "ok": False,
            "error": "method_not_allowed",
            "message": "This method is not allowed on this resource.",
        }
        assert response.headers["allow"] == allow
        assert response.headers["x-request-id"].startswith("req_")


@pytest.mark.parametrize(("path", "allow"), ALLOW.items())
async def test_options_answers_204_with_allow(
    client: httpx.AsyncClient, path: str, allow: str
) -> None:
    response = await client.options(path)
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["allow"] == allow
    assert response.headers["x-request-id"].startswith("req_")


async def test_an_unknown_path_is_404_whatever_the_method(client: httpx.AsyncClient) -> None:
    for method in ("GET", "HEAD", "OPTIONS", "DELETE"):
        response = await client.request(method, "/api/v1/nope")
        assert response.status_code == 404
        assert "allow" not in response.headers


async def test_head_answers_what_get_would_without_a_body(
    client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    """HEAD was 405 on /calls, /calls/{id}, /stats and /kb."""
    account = await make_account()
    await add_calls(
        account, [CallRecord(call_id="call_1", direction="inbound", started_at=1_700_000_000_000)]
    )
    for path in (
        "/api/v1/calls?limit=1",
        "/api/v1/calls/call_1",
        "/api/v1/stats?days=7",
        "/api/v1/kb",
        "/api/v1/kb/changes",
        "/api/v1/calls/call_nope",
        "/api/v1/calls?limit=0",
        "/api/v1/webhooks",
    ):
        get = await client.get(path, headers=account.headers)
        head = await client.head(path, headers=account.headers)
        assert head.status_code == get.status_code, path
        assert head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"], path
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers["x-ratelimit-limit"] == "60"
    head = await client.head("/api/v1/calls")
    assert (head.status_code, head.content) == (401, b"")
    assert head.headers["www-authenticate"] == 'Bearer realm="humanadd"'


async def test_head_counts_against_the_rate_limit_like_get(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    account = await make_account()
    first = await client.get("/api/v1/calls", headers=account.headers)
    await client.head("/api/v1/calls", headers=account.headers)
    third = await client.get("/api/v1/calls", headers=account.headers)
    remaining = int(first.headers["x-ratelimit-remaining"])
    assert int(third.headers["x-ratelimit-remaining"]) == remaining - 2


async def test_the_api_answers_alike_when_mounted_under_a_prefix(
    app: FastAPI, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    """Under a `root_path`, `Paths` matches as Starlette's router does: the hot routes are
    still served, and every other path and method answers as at the root."""
    account = await make_account()
    await add_calls(
        account, [CallRecord(call_id="call_1", direction="inbound", started_at=1_700_000_000_000)]
    )
    outer = Starlette(routes=[Mount("/prefix", app=app)])
    transport = httpx.ASGITransport(app=outer)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        listed = await client.get("/prefix/api/v1/calls", headers=account.headers)
        assert [call["call_id"] for call in listed.json()["calls"]] == ["call_1"]
        detail = await client.get("/prefix/api/v1/calls/call_1", headers=account.headers)
        assert detail.json()["call"]["call_id"] == "call_1"
        stats = await client.get("/prefix/api/v1/stats", headers=account.headers)
        assert stats.status_code == 200
        options = await client.options("/prefix/api/v1/kb")
        assert options.headers["allow"] == "GET, HEAD, POST, OPTIONS"
        head = await client.head("/prefix/api/v1/calls/call_1", headers=account.headers)
        assert (head.status_code, head.content) == (200, b"")


async def test_fastapi_routing_a_hot_route_calls_its_one_handler(
    app: FastAPI, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    """The framework's handler of a hot route is the same code as the direct one: reached
    without `Paths` (the router itself), a call's detail still answers, not a 500."""
    account = await make_account()
    await add_calls(
        account, [CallRecord(call_id="call_1", direction="inbound", started_at=1_700_000_000_000)]
    )

    async def router_only(scope: Scope, receive: Receive, send: Send) -> None:
        await app.router({**scope, "app": app}, receive, send)

    transport = httpx.ASGITransport(app=router_only)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        detail = await client.get("/api/v1/calls/call_1", headers=account.headers)
        listed = await client.get("/api/v1/calls?limit=1", headers=account.headers)
    assert detail.status_code == 200, detail.text
    assert detail.json()["call"]["call_id"] == "call_1"
    assert listed.json()["count"] == 1
