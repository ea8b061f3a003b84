"""The seeded demo shows our analysis: tags and `booked` computed, questions grouped by meaning."""

from collections import Counter
from typing import Any

import httpx
from sqlalchemy import func, select

from humanadd.analytics.tags import TAGS
from humanadd.calls.models import Call
from humanadd.clock import now_ms
from humanadd.demo.generator import EXAMPLE_CALL_ID
from humanadd.demo.service import DemoAccess
from humanadd.dependencies import Services
from humanadd.questions.models import CallQuestion, QuestionTopic
from humanadd.questions.service import normalize
from tests.demo.conftest import Seed

SEEDED_DAYS = 60


def _auth(access: DemoAccess) -> dict[str, str]:
    return {"Authorization": f"Bearer {access.api_key}"}


async def _analysed(services: Services, account_id: str) -> dict[str, tuple[Any, ...]]:
    """Each call's status, whether it has a transcript, sentiment, tags, booked and computed
    fields, by call id."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(
                Call.call_id, Call.status, Call.transcript.is_not(None), Call.sentiment, Call.tags,
                Call.booked,
                Call.computed_fields,
            ).where(Call.account_id == account_id)
        )  # fmt: skip
        return {row[0]: tuple(row[1:]) for row in rows.all()}


async def test_the_seeded_calls_tags_and_booked_are_our_analysis(
    seed: Seed, services: Services, client: httpx.AsyncClient
):
    access = await seed()

    calls = await _analysed(services, access.account_id)
    assert calls.pop(EXAMPLE_CALL_ID)[-1] == [], "the documented example keeps its values"
    ended = {call_id: call for call_id, call in calls.items() if call[0] != "ongoing" and call[1]}
    assert len(ended) > 400
    for _, _, _, tags, booked, computed in ended.values():
        # The provider's summary stays; tags and booked are always ours, sentiment when the
        # provider's was unknown.
        assert computed in (["tags", "booked"], ["sentiment", "tags", "booked"]), computed
        assert set(tags) <= set(TAGS)
        assert ("booking" in tags) >= booked
    fields = Counter(tuple(call[-1]) for call in ended.values())
    assert fields[("sentiment", "tags", "booked")] >= 10
    assert all(call[2] is not None for call in ended.values() if "sentiment" in call[-1])
    assert 100 < sum(call[4] for call in ended.values()) < 400
    assert {tag for call in ended.values() for tag in call[3]} >= {
        "booking", "inquiry", "pricing", "hours", "emergency", "complaint", "cancellation",
        "billing",
    }  # fmt: skip
    assert [call[3] for call in calls.values() if call[0] == "ongoing"] == [[], []]
    some_id = next(call_id for call_id, call in ended.items() if call[4])
    shown = (await client.get(f"/api/v1/calls/{some_id}", headers=_auth(access))).json()["call"]
    assert (shown["tags"], shown["booked"]) == (ended[some_id][3], True)


async def _topics(client: httpx.AsyncClient, access: DemoAccess) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/questions?days={SEEDED_DAYS}", headers=_auth(access))
    assert response.status_code == 200, response.text
    topics: list[dict[str, Any]] = response.json()["questions"]
    return topics


async def test_the_demos_top_questions_are_topics_that_gather_paraphrases(
    seed: Seed, client: httpx.AsyncClient
):
    access = await seed()

    stats = await client.get(f"/api/v1/stats?days={SEEDED_DAYS}", headers=_auth(access))
    topics = await _topics(client, access)

    top = stats.json()["stats"]["topQuestions"]
    assert len(top) == 10
    by_id = {topic["topic_id"]: topic for topic in topics}
    assert [(q["question"], q["count"]) for q in top] == [
        (by_id[q["topic_id"]]["label"], by_id[q["topic_id"]]["count"]) for q in top
    ]
    paraphrased = [
        by_id[q["topic_id"]]
        for q in top
        if q["count"] > 1 and len({normalize(w) for w in by_id[q["topic_id"]]["examples"]}) >= 2
    ]
    assert len(paraphrased) >= 4, paraphrased
    payment = next(topic for topic in topics if "Do you offer payment plans?" in topic["examples"])
    assert {"can I pay in installments", "Do you offer financing?", "Can I pay monthly?"} <= set(
        payment["examples"]
    )
    assert payment["topic_id"] in [q["topic_id"] for q in top]
    emergency = next(
        topic for topic in topics if "Do you offer emergency service?" in topic["examples"]
    )
    assert "do you do emergency calls at night" in emergency["examples"]


async def test_the_same_seed_gives_the_same_analysis_and_topics(
    seed: Seed, services: Services, client: httpx.AsyncClient
):
    now = now_ms()
    first = await seed(now=now)
    calls = await _analysed(services, first.account_id)
    topics = await _topics(client, first)

    second = await seed(now=now)

    assert await _analysed(services, second.account_id) == calls
    again = await _topics(client, second)
    assert [{**t, "topic_id": None} for t in again] == [{**t, "topic_id": None} for t in topics]


async def test_each_demo_question_is_in_one_topic_whose_size_is_its_questions(
    seed: Seed, services: Services
):
    """Many calls ask in the very same words: equal similarities everywhere, where rounding
    once made the clustering's chain loop back and count questions in two topics."""
    access = await seed()

    async with services.sessions() as session:
        members = await session.execute(
            select(CallQuestion.topic_id, func.count())
            .where(CallQuestion.account_id == access.account_id)
            .group_by(CallQuestion.topic_id)
        )
        sizes = await session.execute(
            select(QuestionTopic.id, QuestionTopic.size).where(
                QuestionTopic.account_id == access.account_id,
                QuestionTopic.merged_into.is_(None),
                QuestionTopic.size > 0,
            )
        )
        assert dict(sizes.all()) == dict(members.all())
