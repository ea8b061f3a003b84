"""GET /api/v1/kb, /kb/changes and /kb/changes/{id}: exact shapes, checked against the OpenAPI
document, and only the caller's own knowledge base."""

import re

import httpx

from humanadd.dependencies import Services
from tests.conftest import Cli, MakeAccount
from tests.kb.support import CHANGE_ID, assert_queued, post_kb, queue, review
from tests.openapi_check import OpenApiChecker

HOURS = "Our hours are 8am-6pm Monday to Friday."
PARKING = "Free parking is behind the building."
ISO_MS = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"


def is_timestamp(value: object) -> bool:
    return isinstance(value, str) and re.match(ISO_MS, value) is not None


async def test_an_empty_knowledge_base(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker
) -> None:
    account = await make_account()

    response = await client.get("/api/v1/kb", headers=account.headers)

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "kb": {"version": 0, "entries": [], "pushed": False, "pushed_at": None},
    }
    assert response.headers["x-ratelimit-limit"] == "60"
    openapi.check(response)


async def test_the_knowledge_base_after_changes(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    first = assert_queued(await post_kb(client, account, {"text": HOURS}))
    second = assert_queued(await post_kb(client, account, {"text": PARKING}))
    await review(services, account)

    response = await client.get("/api/v1/kb", headers=account.headers)

    body = response.json()
    added = [entry["added_at"] for entry in body["kb"]["entries"]]
    assert body == {
        "ok": True,
        "kb": {
            "version": 2,
            "entries": [
                {"text": HOURS, "change_id": first, "added_at": added[0]},
                {"text": PARKING, "change_id": second, "added_at": added[1]},
            ],
            "pushed": False,
            "pushed_at": None,
        },
    }
    assert all(is_timestamp(entry["added_at"]) for entry in body["kb"]["entries"])
    assert list(body["kb"]) == ["version", "entries", "pushed", "pushed_at"]
    openapi.check(response)


async def test_a_change_as_the_customer_sees_it(
    client: httpx.AsyncClient,
    cli: Cli,
    services: Services,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    change_id = assert_queued(await post_kb(client, account, {"text": HOURS, "replace": True}))

    queued = await client.get(f"/api/v1/kb/changes/{change_id}", headers=account.headers)

    assert queued.status_code == 200
    body = queued.json()
    assert body == {
        "ok": True,
        "change": {
            "change_id": change_id,
            "status": "pending_review",
            "replace": True,
            "findings": [],
            "created_at": body["change"]["created_at"],
            "decided_at": None,
            "pushed_at": None,
            "error": None,
        },
    }
    assert list(body["change"]) == [
        "change_id", "status", "replace", "findings", "created_at", "decided_at", "pushed_at",
        "error",
    ]  # fmt: skip
    assert is_timestamp(body["change"]["created_at"])
    openapi.check(queued)

    await cli("accounts", "set-kb-policy", account.id, "manual")
    await review(services, account)
    await cli("kb", "reject", change_id, "--reason", "Please send the full text.")
    rejected = (
        await client.get(f"/api/v1/kb/changes/{change_id}", headers=account.headers)
    ).json()["change"]
    assert (rejected["status"], rejected["error"]) == ("rejected", "Please send the full text.")
    assert is_timestamp(rejected["decided_at"])


async def test_findings_are_shown(
    client: httpx.AsyncClient, services: Services, make_account: MakeAccount
) -> None:
    account = await make_account()
    change_id = await queue(services, account, "Card 4242 4242 4242 4242, password: Tulip2026")
    await review(services, account)

    change = (await client.get(f"/api/v1/kb/changes/{change_id}", headers=account.headers)).json()[
        "change"
    ]

    assert (change["status"], change["findings"]) == ("held", ["card_number", "secret"])


async def test_recent_changes_newest_first(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    queued = [await queue(services, account, f"Fact number {n}.") for n in range(25)]
    default = await client.get("/api/v1/kb/changes", headers=account.headers)
    three = await client.get("/api/v1/kb/changes?limit=3", headers=account.headers)

    assert default.status_code == 200
    assert [c["change_id"] for c in default.json()["changes"]] == queued[::-1][:20]
    assert [c["change_id"] for c in three.json()["changes"]] == queued[::-1][:3]
    assert list(default.json()) == ["ok", "changes", "has_more", "next_cursor"]
    openapi.check(default)


async def test_changes_page_with_cursors_past_any_limit(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
) -> None:
    """The list used to stop at its largest `limit`, 100: older changes could not be read."""
    account = await make_account()
    queued = [await queue(services, account, f"Fact number {n}.") for n in range(23)]
    seen: list[str] = []
    url = "/api/v1/kb/changes?limit=10"
    pages = 0
    while True:
        response = await client.get(url, headers=account.headers)
        openapi.check(response)
        page = response.json()
        seen += [change["change_id"] for change in page["changes"]]
        pages += 1
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        url = f"/api/v1/kb/changes?limit=10&cursor={page['next_cursor']}"
    assert pages == 3
    assert seen == queued[::-1]


async def test_bad_limits_are_refused(client: httpx.AsyncClient, make_account: MakeAccount) -> None:
    account = await make_account()
    for limit in ("0", "101", "ten"):
        response = await client.get(f"/api/v1/kb/changes?limit={limit}", headers=account.headers)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_request"
        assert "'limit'" in response.json()["message"]
    unknown = await client.get("/api/v1/kb?verbose=1", headers=account.headers)
    assert unknown.status_code == 400
    assert "'verbose'" in unknown.json()["message"]


async def test_another_accounts_knowledge_base_is_invisible(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    openapi: OpenApiChecker,
) -> None:
    owner, other = await make_account(), await make_account("Other Dental")
    change_id = await queue(services, owner, HOURS)
    await review(services, owner)

    detail = await client.get(f"/api/v1/kb/changes/{change_id}", headers=other.headers)
    listed = await client.get("/api/v1/kb/changes", headers=other.headers)
    kb = await client.get("/api/v1/kb", headers=other.headers)

    assert detail.status_code == 404
    assert detail.json() == {
        "ok": False,
        "error": "not_found",
        "message": f"No knowledge-base change '{change_id}'.",
    }
    openapi.check(detail)
    assert listed.json() == {"ok": True, "changes": [], "has_more": False, "next_cursor": None}
    assert kb.json()["kb"]["version"] == 0
    assert CHANGE_ID.match(change_id)


async def test_reading_needs_an_enterprise_key(
    client: httpx.AsyncClient, make_account: MakeAccount
) -> None:
    starter = await make_account(plan="starter")
    for path in ("/api/v1/kb", "/api/v1/kb/changes", "/api/v1/kb/changes/kbc_x"):
        refused = await client.get(path, headers=starter.headers)
        assert refused.status_code == 403
        assert refused.json()["error"] == "plan_not_supported"
        anonymous = await client.get(path)
        assert anonymous.status_code == 401
        assert anonymous.json()["error"] == "missing_api_key"
