"""What callers asked, by topic: `topQuestions` of the stats and `GET /api/v1/questions`
(docs/stats.md). Topics are stated by the tests (`tests.topics`): the counting is under test."""

from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from humanadd.dependencies import Services
from humanadd.stats.endpoints import request_time_ms
from humanadd.stats.repository import MS_PER_DAY
from tests.conftest import AddCalls, MakeAccount
from tests.openapi_check import OpenApiChecker
from tests.stats.builders import call
from tests.stats.conftest import NOW, ComputeStats
from tests.topics import ask, merge, new_topic, topic_named


@pytest.fixture(autouse=True)
def pinned_now(app: FastAPI) -> Iterator[None]:
    app.dependency_overrides[request_time_ms] = lambda: NOW
    yield
    app.dependency_overrides.pop(request_time_ms, None)


async def _topics(services: Services, account_id: str, *labels: str) -> list[str]:
    async with services.sessions.begin() as session:
        return [await new_topic(session, account_id, label) for label in labels]


async def test_top_questions_count_distinct_calls_per_topic_with_its_label_and_id(
    services: Services, make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    hours, visa = await _topics(services, account.id, "What are your hours?", "Do you take Visa?")
    records = [call(NOW - n) for n in range(1, 5)]
    await add_calls(account, records)
    # Two wordings of one topic in one call: the call counts once.
    await ask(
        services, account.id, records[0].call_id, ["When do you open?", "Hours?"], [hours] * 2
    )
    await ask(services, account.id, records[1].call_id, ["what are your hours"], [hours])
    await ask(services, account.id, records[2].call_id, ["Visa ok?", "Hours today?"], [visa, hours])
    await ask(services, account.id, records[3].call_id, ["Do you take Visa?"], [visa])
    stats = await stats_of(account)
    assert [q.model_dump() for q in stats.top_questions] == [
        {"question": "What are your hours?", "count": 3, "topic_id": hours},
        {"question": "Do you take Visa?", "count": 2, "topic_id": visa},
    ]


async def test_top_questions_are_at_most_ten_most_asked_first_ties_by_label(
    make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    asked = {
        f"Question {letter}?": count
        for letter, count in zip("abcdefghijkl", range(12), strict=True)
    }
    asked.update({"Question m?": 5, "Question n?": 5, "Another one?": 5, "question b?": 5})
    records = [
        call(NOW - 1000 * n - i, questions=[text])
        for n, (text, count) in enumerate(asked.items())
        for i in range(count)
    ]
    await add_calls(account, records)
    stats = await stats_of(account)
    assert [(q.question, q.count) for q in stats.top_questions] == [
        ("Question l?", 11),
        ("Question k?", 10),
        ("Question j?", 9),
        ("Question i?", 8),
        ("Question h?", 7),
        # "question b?" folds into the topic of "Question b?" (1 + 5 calls); ties by label,
        # character by character
        ("Question b?", 6),
        ("Question g?", 6),
        ("Another one?", 5),
        ("Question f?", 5),
        ("Question m?", 5),
    ]


async def test_a_merged_topic_counts_with_its_survivor(
    services: Services, make_account: MakeAccount, add_calls: AddCalls, stats_of: ComputeStats
) -> None:
    account = await make_account()
    hours, opening = await _topics(services, account.id, "What are your hours?", "When open?")
    records = [call(NOW - n) for n in range(1, 4)]
    await add_calls(account, records)
    await ask(services, account.id, records[0].call_id, ["What are your hours?"], [hours])
    await ask(services, account.id, records[1].call_id, ["When open?"], [opening])
    await ask(services, account.id, records[2].call_id, ["Hours?", "Open when?"], [hours, opening])
    await merge(services, account.id, {opening: hours})
    stats = await stats_of(account)
    assert [q.model_dump() for q in stats.top_questions] == [
        {"question": "What are your hours?", "count": 3, "topic_id": hours}
    ]


async def test_questions_lists_every_topic_with_its_calls_and_up_to_five_examples(
    client: httpx.AsyncClient,
    services: Services,
    make_account: MakeAccount,
    add_calls: AddCalls,
    openapi: OpenApiChecker,
) -> None:
    account = await make_account()
    hours, parking, visa = await _topics(
        services, account.id, "What are your hours?", "Is there parking?", "Do you take Visa?"
    )
    wordings = ["Hours?", "open when", "What are your hours?", "hours today", "Open Sunday?"]
    records = [call(NOW - n) for n in range(1, 15)]
    await add_calls(account, records)
    # Hours: seven wordings over 8 calls, "Hours?" and "What are your hours?" in 2 each.
    for index, wording in enumerate([*wordings, "Open at 6?", "What are your hours?"]):
        await ask(services, account.id, records[index].call_id, [wording], [hours])
    await ask(
        services, account.id, records[7].call_id, ["Hours?", "what are your hours"], [hours] * 2
    )
    for index in (8, 9):
        await ask(services, account.id, records[index].call_id, ["Parking?"], [parking])
    for index in (10, 11):
        await ask(services, account.id, records[index].call_id, ["Visa?"], [visa])
    await add_calls(account, [call(NOW - 31 * MS_PER_DAY, questions=["Too old?"])])
    response = await client.get("/api/v1/questions", headers=account.headers)
    assert response.status_code == 200, response.text
    openapi.check(response)
    assert response.json() == {
        "ok": True,
        "period_days": 30,
        "questions": [
            {
                "topic_id": hours,
                "label": "What are your hours?",
                "count": 8,
                # Most calls first, ties in character order (capitals first): 5 of 7.
                "examples": [
                    "Hours?",
                    "What are your hours?",
                    "Open Sunday?",
                    "Open at 6?",
                    "hours today",
                ],
            },
            {"topic_id": visa, "label": "Do you take Visa?", "count": 2, "examples": ["Visa?"]},
            {
                "topic_id": parking,
                "label": "Is there parking?",
                "count": 2,
                "examples": ["Parking?"],
            },
        ],
    }


async def test_questions_follow_the_window_of_days(
    client: httpx.AsyncClient, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    account = await make_account()
    await add_calls(
        account,
        [
            call(NOW - MS_PER_DAY, questions=["A day ago?"]),  # outside days=1
            call(NOW - MS_PER_DAY + 1, questions=["Just in time?"]),
            call(NOW + 1, questions=["From the future?"]),
        ],
    )
    response = await client.get("/api/v1/questions?days=1", headers=account.headers)
    assert response.json()["period_days"] == 1
    assert [topic["label"] for topic in response.json()["questions"]] == ["Just in time?"]
    response = await client.get("/api/v1/questions?days=2", headers=account.headers)
    assert [topic["label"] for topic in response.json()["questions"]] == [
        "A day ago?",
        "Just in time?",
    ]


async def test_questions_of_an_empty_period_and_another_account_are_none(
    client: httpx.AsyncClient, services: Services, make_account: MakeAccount, add_calls: AddCalls
) -> None:
    mine, theirs = await make_account(name="Mine"), await make_account(name="Theirs")
    await add_calls(theirs, [call(NOW - 1000, questions=["Is this a secret?"])])
    response = await client.get("/api/v1/questions?days=365", headers=mine.headers)
    assert response.json() == {"ok": True, "period_days": 365, "questions": []}
    response = await client.get("/api/v1/stats", headers=mine.headers)
    assert response.json()["stats"]["topQuestions"] == []
    topic_id = await topic_named(services, theirs.id, "Is this a secret?")
    response = await client.get("/api/v1/stats", headers=theirs.headers)
    assert response.json()["stats"]["topQuestions"] == [
        {"question": "Is this a secret?", "count": 1, "topic_id": topic_id}
    ]
