"""A call's `questions` in its detail and the `topic` filter of the list (docs/pagination.md,
docs/stats.md): topics as stored, a merged one answering as its survivor, never another
account's."""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, update

from humanadd.analytics.embedding import Embedder
from humanadd.calls import importer
from humanadd.calls.records import CallRecord
from humanadd.dependencies import Services
from humanadd.questions.models import CallQuestion
from tests.calls.test_pagination import insert_calls
from tests.conftest import AddCalls, MakeAccount, Statement, TestAccount
from tests.openapi_check import OpenApiChecker
from tests.topics import ask, merge, new_topic

CALLS = "/api/v1/calls"
STARTED = 1736965324000


def call(call_id: str, started_at: int = STARTED, **fields: Any) -> CallRecord:
    return CallRecord(call_id=call_id, direction="inbound", started_at=started_at, **fields)


def ids(response: httpx.Response) -> list[str]:
    return [item["call_id"] for item in response.json()["calls"]]


@dataclass
class Catalogue:
    account: TestAccount
    hours: str
    opening: str
    """Merged into `hours`."""
    parking: str


@pytest.fixture
async def catalogue(
    services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> Catalogue:
    """Calls c1 (oldest) … c5: hours asked in c1 and c3, opening (merged into hours) in c2
    and c3, parking in c4; c5 asks nothing."""
    account = await make_account()
    async with services.sessions.begin() as session:
        hours = await new_topic(session, account.id, "What are your hours?")
        opening = await new_topic(session, account.id, "When do you open?")
        parking = await new_topic(session, account.id, "Is there parking?")
    await add_calls(account, [call(f"c{n}", STARTED + n) for n in range(1, 6)])
    await ask(services, account.id, "c1", ["What are your hours?"], [hours])
    await ask(services, account.id, "c2", ["When do you open?"], [opening])
    await ask(services, account.id, "c3", ["Open at 7?", "Hours on Sunday?"], [opening, hours])
    await ask(services, account.id, "c4", ["Where do I park?"], [parking])
    await merge(services, account.id, {opening: hours})
    return Catalogue(account, hours, opening, parking)


async def test_detail_lists_the_questions_in_the_order_asked_with_the_topic_answering(
    client: httpx.AsyncClient, catalogue: Catalogue, openapi: OpenApiChecker
) -> None:
    response = await client.get(f"{CALLS}/c3", headers=catalogue.account.headers)
    assert response.status_code == 200, response.text
    openapi.check(response)
    # "Open at 7?" was asked first, under the topic merged since: it answers as hours.
    assert response.json()["call"]["questions"] == [
        {"text": "Open at 7?", "topic_id": catalogue.hours, "topic": "What are your hours?"},
        {"text": "Hours on Sunday?", "topic_id": catalogue.hours, "topic": "What are your hours?"},
    ]
    response = await client.get(f"{CALLS}/c4", headers=catalogue.account.headers)
    assert response.json()["call"]["questions"] == [
        {"text": "Where do I park?", "topic_id": catalogue.parking, "topic": "Is there parking?"}
    ]
    response = await client.get(f"{CALLS}/c5", headers=catalogue.account.headers)
    assert response.json()["call"]["questions"] == []


async def test_a_question_stored_before_topics_has_null_ones(
    client: httpx.AsyncClient, services: Services, catalogue: Catalogue, openapi: OpenApiChecker
) -> None:
    async with services.sessions.begin() as session:
        await session.execute(
            update(CallQuestion)
            .where(CallQuestion.topic_id == catalogue.parking)
            .values(topic_id=None)
        )
    response = await client.get(f"{CALLS}/c4", headers=catalogue.account.headers)
    openapi.check(response)
    assert response.json()["call"]["questions"] == [
        {"text": "Where do I park?", "topic_id": None, "topic": None}
    ]


async def test_the_detail_with_its_questions_is_one_statement(
    client: httpx.AsyncClient, catalogue: Catalogue, statements: list[Statement]
) -> None:
    headers = catalogue.account.headers
    await client.get(f"{CALLS}/c1", headers=headers)  # notes the key's use, once a minute
    statements.clear()
    response = await client.get(f"{CALLS}/c3", headers=headers)
    assert len(response.json()["call"]["questions"]) == 2
    assert len(statements) == 1, statements


async def test_calls_imported_show_the_questions_our_analysis_found(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    embedder: Embedder,
) -> None:
    account = await make_account()
    record = call(
        "c_imported",
        transcript="AI: Acme Dental, how can I help?\n"
        "Caller: Hi. Do you take Delta Dental insurance?\n"
        "AI: We do.\n"
        "Caller: Great. And what time do you close on Fridays?",
    )
    async with services.sessions.begin() as session:
        await importer.import_calls(session, account.id, [record], embedder=embedder)
    detail = await client.get(f"{CALLS}/c_imported", headers=account.headers)
    questions = detail.json()["call"]["questions"]
    assert [question["text"] for question in questions] == [
        "Do you take Delta Dental insurance?",
        "what time do you close on Fridays?",
    ]
    asked = await client.get("/api/v1/questions?days=365", headers=account.headers)
    assert asked.json()["questions"] == []  # the call started long ago
    for question in questions:
        assert question["topic_id"].startswith("tq_")
        listed = await client.get(
            CALLS, params={"topic": question["topic_id"]}, headers=account.headers
        )
        assert ids(listed) == ["c_imported"]


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("hours", ["c3", "c2", "c1"]),  # c3 asked it twice: listed once
        ("opening", ["c3", "c2", "c1"]),  # a merged id answers as its survivor
        ("parking", ["c4"]),
    ],
)
async def test_the_topic_filter_lists_the_calls_that_asked_it(
    client: httpx.AsyncClient,
    catalogue: Catalogue,
    openapi: OpenApiChecker,
    topic: str,
    expected: list[str],
) -> None:
    topic_id = getattr(catalogue, topic)
    response = await client.get(
        CALLS, params={"topic": topic_id}, headers=catalogue.account.headers
    )
    assert response.status_code == 200, response.text
    openapi.check(response)
    assert ids(response) == expected
    forward = await client.get(
        CALLS, params={"topic": topic_id, "after": 0}, headers=catalogue.account.headers
    )
    assert ids(forward) == expected[::-1]


async def test_the_topic_filter_combines_and_its_cursor_keeps_it(
    client: httpx.AsyncClient, catalogue: Catalogue
) -> None:
    headers = catalogue.account.headers
    first = await client.get(CALLS, params={"topic": catalogue.hours, "limit": 2}, headers=headers)
    assert (ids(first), first.json()["has_more"]) == (["c3", "c2"], True)
    cursor = first.json()["next_cursor"]
    # The cursor's own filter wins over the request's.
    second = await client.get(
        CALLS, params={"cursor": cursor, "topic": catalogue.parking}, headers=headers
    )
    assert (ids(second), second.json()["has_more"]) == (["c1"], False)
    combined = await client.get(
        CALLS, params={"topic": catalogue.hours, "before": STARTED + 3}, headers=headers
    )
    assert ids(combined) == ["c2", "c1"]


async def test_another_accounts_or_an_unknown_topic_gives_an_empty_page(
    client: httpx.AsyncClient,
    catalogue: Catalogue,
    make_account: MakeAccount,
    add_calls: AddCalls,
    services: Services,
    openapi: OpenApiChecker,
) -> None:
    theirs = await make_account(name="Theirs")
    await add_calls(theirs, [call("c1", questions=["What are your hours?"])])
    response = await client.get(CALLS, params={"topic": catalogue.hours}, headers=theirs.headers)
    openapi.check(response)
    assert response.json() == {
        "ok": True,
        "count": 0,
        "calls": [],
        "has_more": False,
        "next_cursor": None,
    }
    unknown = "tq_" + "0" * 20
    response = await client.get(CALLS, params={"topic": unknown}, headers=catalogue.account.headers)
    assert (response.status_code, response.json()["calls"]) == (200, [])
    response = await client.get(f"{CALLS}/c1", headers=theirs.headers)
    assert catalogue.hours not in response.text


@pytest.mark.parametrize(
    "value",
    ["", "tq_", "tq_123", "TQ_" + "a" * 20, "tq_" + "a" * 21, "tq_" + "a" * 19 + "-", "hours"],
)
async def test_a_malformed_topic_is_400(
    client: httpx.AsyncClient, make_account: MakeAccount, openapi: OpenApiChecker, value: str
) -> None:
    account = await make_account()
    response = await client.get(CALLS, params={"topic": value}, headers=account.headers)
    openapi.check(response)
    assert (response.status_code, response.json()) == (
        400,
        {
            "ok": False,
            "error": "invalid_request",
            "message": "Invalid query parameter 'topic': "
            "Input should be a topic id: tq_ and 20 letters or digits.",
        },
    )


async def test_a_topic_page_is_driven_by_the_question_index(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    statements: list[Statement],
) -> None:
    account = await make_account(name="Busy Clinic")
    calls = await insert_calls(
        services,
        account.id,
        [
            {"call_id": f"call_{n:05}", "direction": "inbound", "started_at": STARTED + n}
            for n in range(4000)
        ],
    )
    async with services.sessions.begin() as session:
        topics = [await new_topic(session, account.id, f"Question {n}?") for n in range(40)]
        await session.execute(
            insert(CallQuestion),
            [
                {
                    "call_pk": call_pk,
                    "account_id": account.id,
                    "started_at": started_at,
                    "normalized": f"question {index % 40}",
                    "text": f"Question {index % 40}?",
                    "topic_id": topics[index % 40],
                }
                for index, (started_at, call_pk, _) in enumerate(calls)
            ],
        )
    async with services.engine.begin() as connection:
        await connection.exec_driver_sql("ANALYZE")
    response = await client.get(CALLS, params={"topic": topics[7]}, headers=account.headers)
    assert response.json()["count"] == 50
    (page,) = [(sql, parameters) for sql, parameters in statements if "FROM calls" in sql]
    async with services.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        explain = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN "
        result = await connection.exec_driver_sql(explain + page[0], page[1])
        plan = "\n".join(str(row[-1]) for row in result)
    assert "ix_call_questions_account_topic" in plan, plan
    assert "Seq Scan on call_questions" not in plan, plan
    assert "SCAN asked" not in plan, plan
