"""Keyset pagination over 10,000 calls, hundreds of which share each millisecond."""

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from humanadd.calls.models import Call, CallTag
from humanadd.clock import iso_from_ms
from humanadd.config import Settings
from humanadd.dependencies import Services
from tests.conftest import MakeAccount, Statement, TestAccount
from tests.openapi_check import OpenApiChecker

CALLS = "/api/v1/calls"
BASE_MS = 1_750_000_000_000
TOTAL = 10_000
DISTINCT_MILLISECONDS = 37  # about 270 calls in each millisecond


@pytest.fixture
def settings(database_url: str, tmp_path: Any) -> Settings:
    """Paging 10,000 calls takes more than 60 requests: raise the limit for this module."""
    return Settings(
        database_url=database_url,
        data_dir=tmp_path / "data",
        redis_url=None,
        rate_limit_per_minute=100_000,
    )


@dataclass
class Loaded:
    account: TestAccount
    order: list[tuple[int, str]]
    """(started_at, call_id) of every call, in ascending keyset order."""
    tagged: set[str]
    inbound: set[str]


async def insert_calls(
    services: Services, account_id: str, rows: list[dict[str, Any]]
) -> list[tuple[int, int, str]]:
    """Bulk insert (one executemany); returns (started_at, id, call_id) of each row."""
    values = [
        {
            "account_id": account_id,
            "status": "ended",
            "tags": [],
            "booked": False,
            "duration_seconds": 30,
            **row,
        }
        for row in rows
    ]
    async with services.sessions.begin() as session:
        result = await session.execute(
            insert(Call).returning(
                Call.started_at, Call.id, Call.call_id, sort_by_parameter_order=True
            ),
            values,
        )
        inserted = [(row.started_at, row.id, row.call_id) for row in result]
        tag_rows = [
            {"call_pk": call_pk, "account_id": account_id, "tag": tag}
            for (_, call_pk, _), value in zip(inserted, values, strict=True)
            for tag in value["tags"]
        ]
        if tag_rows:
            await session.execute(insert(CallTag), tag_rows)
    return inserted


Load = Callable[[int, int], Awaitable[Loaded]]


@pytest.fixture
def load(make_account: MakeAccount, services: Services) -> Load:
    """`load(total, distinct_milliseconds)`: an account with that many calls over so many ms."""

    async def make(total: int, distinct_milliseconds: int) -> Loaded:
        account = await make_account(name="Busy Clinic")
        rng = random.Random(20250115)
        rows = []
        for number in range(total):
            tagged = number % 7 == 0
            rows.append(
                {
                    "call_id": f"call_{number:05}",
                    "direction": "inbound" if number % 3 else "outbound",
                    "started_at": BASE_MS + rng.randrange(distinct_milliseconds) * 1000,
                    "tags": ["booking"] if tagged else [],
                }
            )
        rng.shuffle(rows)  # row ids follow neither call ids nor times
        inserted = await insert_calls(services, account.id, rows)
        return Loaded(
            account=account,
            order=sorted((started_at, call_id) for started_at, _, call_id in inserted),
            tagged={row["call_id"] for row in rows if row["tags"]},
            inbound={row["call_id"] for row in rows if row["direction"] == "inbound"},
        )

    return make


@pytest.fixture
async def loaded(load: Load) -> Loaded:
    return await load(TOTAL, DISTINCT_MILLISECONDS)


async def walk(
    client: httpx.AsyncClient,
    account: TestAccount,
    openapi: OpenApiChecker,
    first_query: str,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Follow `next_cursor` from the first page until there is no more; every item and page."""
    items: list[dict[str, Any]] = []
    pages: list[dict[str, Any]] = []
    response = await client.get(f"{CALLS}?{first_query}", headers=account.headers)
    for _ in range(TOTAL + 1):
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        items += body["calls"]
        if not body["has_more"]:
            openapi.check(response)
            return items, pages
        assert len(body["calls"]) == body["count"] > 0
        response = await client.get(
            CALLS, params={"cursor": body["next_cursor"], "limit": 200}, headers=account.headers
        )
    raise AssertionError("the pages never ended")


async def test_newest_first_pages_visit_every_call_once_in_order(
    client: httpx.AsyncClient, loaded: Loaded, openapi: OpenApiChecker
) -> None:
    items, pages = await walk(client, loaded.account, openapi, "limit=200")
    expected = [call_id for _, call_id in reversed(loaded.order)]
    assert [item["call_id"] for item in items] == expected
    assert len(set(expected)) == TOTAL
    assert len(pages) == TOTAL // 200
    assert all(page["next_cursor"] for page in pages[:-1])
    assert pages[-1]["next_cursor"] is None
    assert pages[-1]["has_more"] is False
    assert items[0]["started_at"] == iso_from_ms(loaded.order[-1][0])


async def test_forward_pages_visit_every_call_once_and_resume_without_loss(
    client: httpx.AsyncClient,
    loaded: Loaded,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    items, pages = await walk(client, loaded.account, openapi, f"after={BASE_MS - 1}&limit=200")
    assert [item["call_id"] for item in items] == [call_id for _, call_id in loaded.order]
    assert all(page["next_cursor"] for page in pages), "forward pages always carry a cursor"
    resume_at = pages[-1]["next_cursor"]

    # Nothing new yet: an empty page that still hands back a cursor.
    response = await client.get(CALLS, params={"cursor": resume_at}, headers=loaded.account.headers)
    openapi.check(response)
    assert response.json()["calls"] == []
    assert response.json()["has_more"] is False
    assert response.json()["next_cursor"]

    # New calls arrive in the last millisecond seen, and one later.
    last_ms = loaded.order[-1][0]
    await insert_calls(
        services,
        loaded.account.id,
        [{"call_id": f"late_{n}", "direction": "inbound", "started_at": last_ms} for n in range(3)]
        + [{"call_id": "later", "direction": "inbound", "started_at": last_ms + 1}],
    )
    response = await client.get(CALLS, params={"cursor": resume_at}, headers=loaded.account.headers)
    openapi.check(response)
    assert [item["call_id"] for item in response.json()["calls"]] == [
        "late_0",
        "late_1",
        "late_2",
        "later",
    ]
    # `after` is strictly later: it skips calls of the millisecond it names (the cursor does not).
    response = await client.get(f"{CALLS}?after={last_ms}", headers=loaded.account.headers)
    assert [item["call_id"] for item in response.json()["calls"]] == ["later"]


async def test_pages_of_one_stay_exact_inside_a_crowded_millisecond(
    client: httpx.AsyncClient, load: Load
) -> None:
    loaded = await load(1000, 5)
    crowded_ms = BASE_MS + 3000
    inside = [call_id for started, call_id in loaded.order if started == crowded_ms]
    assert len(inside) > 150  # hundreds in one millisecond
    seen: list[str] = []
    params: dict[str, Any] = {"after": crowded_ms - 1, "limit": 1}
    for _ in inside:
        response = await client.get(CALLS, params=params, headers=loaded.account.headers)
        body = response.json()
        assert body["count"] == 1
        seen += [item["call_id"] for item in body["calls"]]
        params = {"cursor": body["next_cursor"], "limit": 1}
    assert seen == inside


@pytest.mark.parametrize("forward", [False, True], ids=["newest-first", "forward"])
async def test_filtered_pages_keep_their_filters_through_the_cursor(
    client: httpx.AsyncClient, load: Load, openapi: OpenApiChecker, forward: bool
) -> None:
    loaded = await load(3000, DISTINCT_MILLISECONDS)
    query = "tag=booking&direction=inbound&limit=97"
    if forward:
        query += f"&after={BASE_MS - 1}"
    items, pages = await walk(client, loaded.account, openapi, query)
    expected = [
        call_id
        for _, call_id in loaded.order
        if call_id in loaded.tagged and call_id in loaded.inbound
    ]
    if not forward:
        expected.reverse()
    assert [item["call_id"] for item in items] == expected
    assert len(pages) > 1


async def test_before_bounds_every_page(
    client: httpx.AsyncClient, load: Load, openapi: OpenApiChecker
) -> None:
    loaded = await load(3000, DISTINCT_MILLISECONDS)
    before = BASE_MS + 10_000
    items, _ = await walk(client, loaded.account, openapi, f"before={before}&limit=200")
    expected = [call_id for started, call_id in reversed(loaded.order) if started < before]
    assert [item["call_id"] for item in items] == expected
    assert 200 < len(expected) < 3000


@pytest.mark.parametrize(
    "query",
    ["limit=50", f"after={BASE_MS + 3000}&limit=50", "direction=inbound&limit=50"],
    ids=["newest-first", "forward", "filtered"],
)
async def test_pages_are_keyset_queries_on_the_index_without_offset(
    client: httpx.AsyncClient,
    loaded: Loaded,
    services: Services,
    statements: list[Statement],
    query: str,
) -> None:
    first = await client.get(f"{CALLS}?{query}", headers=loaded.account.headers)
    cursor = first.json()["next_cursor"]
    await client.get(CALLS, params={"cursor": cursor}, headers=loaded.account.headers)
    pages = [(sql, parameters) for sql, parameters in statements if "FROM calls" in sql]
    assert len(pages) == 2

    async with services.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("ANALYZE calls")
        for number, (statement, parameters) in enumerate(pages):
            if "OFFSET" in statement:  # SQLAlchemy's SQLite dialect always writes OFFSET 0
                assert statement.endswith("OFFSET ?")
                assert parameters[-1] == 0
            explain = "EXPLAIN QUERY PLAN " if connection.dialect.name == "sqlite" else "EXPLAIN "
            result = await connection.exec_driver_sql(explain + statement, parameters)
            plan = "\n".join(str(row[-1]) for row in result)
            assert "ix_calls_account_started" in plan, plan
            assert "TEMP B-TREE" not in plan, plan
            assert "Sort" not in plan, plan
            # The position is a condition of the index search, not a filter on what it reads:
            # on PostgreSQL that holds only while the query compares call ids in the index's
            # collation.
            searches = [
                line for line in plan.splitlines() if "Index Cond" in line or "USING INDEX" in line
            ]
            if number == 1:
                assert any("started_at" in line and "call_id" in line for line in searches), plan
            elif query.startswith("after="):
                assert any("started_at" in line for line in searches), plan


async def cursor_payload(services: Services, account: TestAccount, cursor: str) -> dict[str, Any]:
    """What a cursor holds, opened with the service's key as the account's request would."""
    payload: dict[str, Any] = await services.cursors.open("calls", account.id, cursor)
    return payload


async def test_cursor_holds_the_last_call_id_and_no_row_id(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    crowd = await make_account(name="Crowd")
    await insert_calls(
        services,
        crowd.id,
        [
            {"call_id": f"other_{n}", "direction": "inbound", "started_at": BASE_MS}
            for n in range(50)
        ],
    )
    account = await make_account()
    await insert_calls(
        services,
        account.id,
        [{"call_id": f"call_{n}", "direction": "inbound", "started_at": BASE_MS} for n in range(3)],
    )
    response = await client.get(f"{CALLS}?limit=2&tag=x", headers=account.headers)
    assert response.json()["next_cursor"] is None  # no call has that tag
    response = await client.get(f"{CALLS}?limit=2&direction=inbound", headers=account.headers)
    assert [call["call_id"] for call in response.json()["calls"]] == ["call_2", "call_1"]
    assert await cursor_payload(services, account, response.json()["next_cursor"]) == {
        "t": BASE_MS,
        "c": "call_1",
        "a": False,
        "f": {"direction": "inbound"},
    }
    response = await client.get(f"{CALLS}?after={BASE_MS - 1}&limit=1", headers=account.headers)
    assert await cursor_payload(services, account, response.json()["next_cursor"]) == {
        "t": BASE_MS,
        "c": "call_0",
        "a": True,
        "f": {},
    }
    # An empty forward page hands back the position it was asked for: the millisecond's edge.
    response = await client.get(f"{CALLS}?after={BASE_MS}", headers=account.headers)
    assert response.json()["calls"] == []
    assert await cursor_payload(services, account, response.json()["next_cursor"]) == {
        "t": BASE_MS,
        "c": None,
        "a": True,
        "f": {},
    }
    response = await client.get(
        CALLS, params={"cursor": response.json()["next_cursor"]}, headers=account.headers
    )
    assert response.status_code == 200
    assert response.json()["calls"] == []


async def test_cursors_do_not_depend_on_other_tenants_calls(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    """Row ids count every tenant's calls: a cursor built from one would tell how many calls
    other accounts stored in between. Two accounts with the same calls get the same positions."""
    rows = [
        {"call_id": f"call_{n}", "direction": "inbound", "started_at": BASE_MS + n // 2}
        for n in range(6)
    ]
    first = await make_account(name="First")
    await insert_calls(services, first.id, rows)
    stranger = await make_account(name="Stranger")
    await insert_calls(
        services,
        stranger.id,
        [{"call_id": f"x_{n}", "direction": "inbound", "started_at": BASE_MS} for n in range(25)],
    )
    second = await make_account(name="Second")
    await insert_calls(services, second.id, rows)

    for query in ("limit=3", f"after={BASE_MS - 1}&limit=3"):
        payloads = []
        for account in (first, second):
            response = await client.get(f"{CALLS}?{query}", headers=account.headers)
            payloads.append(await cursor_payload(services, account, response.json()["next_cursor"]))
        assert payloads[0] == payloads[1], query


async def test_calls_sharing_a_millisecond_page_in_code_point_order_of_their_ids(
    client: httpx.AsyncClient, make_account: MakeAccount, services: Services
) -> None:
    """Ties go to the call id compared character by character, the same on SQLite and on
    PostgreSQL whatever its locale (a linguistic collation would put 'call_a' before 'call_B')."""
    call_ids = ["call_a", "call_B", "Call_b", "call_Z", "call__", "call_é", "call_10", "call_9"]
    account = await make_account()
    await insert_calls(
        services,
        account.id,
        [
            {"call_id": call_id, "direction": "inbound", "started_at": BASE_MS}
            for call_id in call_ids
        ]
        + [{"call_id": "call_earlier", "direction": "inbound", "started_at": BASE_MS - 1}],
    )
    for first_query, expected in (
        (f"after={BASE_MS - 1}&limit=1", sorted(call_ids)),
        ("limit=1", [*sorted(call_ids, reverse=True), "call_earlier"]),
    ):
        seen: list[str] = []
        response = await client.get(f"{CALLS}?{first_query}", headers=account.headers)
        while True:
            body = response.json()
            seen += [call["call_id"] for call in body["calls"]]
            if not body["has_more"]:
                break
            response = await client.get(
                CALLS, params={"cursor": body["next_cursor"], "limit": 1}, headers=account.headers
            )
        assert seen == expected

    async with services.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            collation = await connection.exec_driver_sql(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'calls' AND column_name = 'call_id'"
            )
            assert collation.scalar_one() == "C"
