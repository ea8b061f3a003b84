"""An account's topic catalogue in the database: questions stored with topics, stable ids,
re-clustering that merges, and a merged id that answers as its survivor."""

from typing import Any

from sqlalchemy import select, update

from humanadd.analytics.embedding import Embedder
from humanadd.calls import repository as calls
from humanadd.calls.records import CallRecord
from humanadd.dependencies import Services
from humanadd.questions import service
from humanadd.questions.models import CallQuestion, QuestionTopic, TopicCatalogue
from humanadd.stats import service as stats
from tests.conftest import MakeAccount, TestAccount

NOW = 1_736_965_324_000


async def stored_calls(services: Services, account: TestAccount, count: int) -> list[int]:
    """`count` calls of the account, without questions; their row ids."""
    pks = []
    async with services.sessions.begin() as session:
        for n in range(count):
            record = CallRecord(call_id=f"call_{n}", direction="inbound", started_at=NOW - n)
            pk = await calls.upsert(session, account.id, record)
            assert pk is not None
            pks.append(pk)
    return pks


async def ask(
    services: Services, embedder: Embedder, account: TestAccount, pk: int, *texts: str
) -> None:
    async with services.sessions.begin() as session:
        await service.store(session, embedder, account.id, pk, NOW, list(texts))


async def questions_of(services: Services, account: TestAccount) -> list[tuple[int, str, str]]:
    """(call row id, wording, topic id) of every stored question of the account."""
    async with services.sessions() as session:
        rows = await session.execute(
            select(CallQuestion.call_pk, CallQuestion.text, CallQuestion.topic_id)
            .where(CallQuestion.account_id == account.id)
            .order_by(CallQuestion.call_pk, CallQuestion.id)
        )
        return [(pk, text, topic) for pk, text, topic in rows]


async def topics_of(services: Services, account: TestAccount) -> dict[str, Any]:
    async with services.sessions() as session:
        rows = await session.execute(
            select(QuestionTopic).where(QuestionTopic.account_id == account.id)
        )
        return {topic.id: topic for topic in rows.scalars()}


async def test_questions_are_stored_once_per_wording_each_with_a_topic(
    services: Services, embedder: Embedder, make_account: MakeAccount
) -> None:
    account = await make_account()
    (pk,) = await stored_calls(services, account, 1)

    await ask(services, embedder, account, pk, "What are your hours?", "what are your HOURS",
              "Do you take insurance?")  # fmt: skip

    stored = await questions_of(services, account)
    assert [text for _, text, _ in stored] == ["What are your hours?", "Do you take insurance?"]
    hours, insurance = (topic for _, _, topic in stored)
    assert hours.startswith("tq_")
    assert hours != insurance
    topics = await topics_of(services, account)
    assert {topic.label for topic in topics.values()} == {
        "What are your hours?",
        "Do you take insurance?",
    }


async def test_the_same_question_in_another_call_joins_its_topic_and_storing_again_changes_nothing(
    services: Services, embedder: Embedder, make_account: MakeAccount
) -> None:
    account = await make_account()
    first, second = await stored_calls(services, account, 2)
    await ask(services, embedder, account, first, "Do you take insurance?")
    await ask(services, embedder, account, second, "um do you take insurance")
    before = await questions_of(services, account)
    sizes = {
        topic_id: topic.size for topic_id, topic in (await topics_of(services, account)).items()
    }

    await ask(services, embedder, account, second, "um do you take insurance")  # analysed again

    assert await questions_of(services, account) == before
    assert len({topic for _, _, topic in before}) == 1
    assert (
        {topic_id: topic.size for topic_id, topic in (await topics_of(services, account)).items()}
        == sizes
        == {before[0][2]: 2}
    )


async def test_each_account_has_its_own_catalogue(
    services: Services, embedder: Embedder, make_account: MakeAccount
) -> None:
    one, other = await make_account(), await make_account()
    (pk_one,) = await stored_calls(services, one, 1)
    (pk_other,) = await stored_calls(services, other, 1)

    await ask(services, embedder, one, pk_one, "Do you take insurance?")
    await ask(services, embedder, other, pk_other, "Do you take insurance?")

    [(_, _, topic_one)] = await questions_of(services, one)
    [(_, _, topic_other)] = await questions_of(services, other)
    assert topic_one != topic_other
    assert list(await topics_of(services, other)) == [topic_other]


async def test_reclustering_merges_topics_that_mean_the_same_and_the_old_id_answers_as_its_survivor(
    services: Services, embedder: Embedder, make_account: MakeAccount
) -> None:
    account = await make_account()
    pks = await stored_calls(services, account, 3)
    for pk in pks:
        await ask(services, embedder, account, pk, "What are your hours?")
    (kept,) = {topic for _, _, topic in await questions_of(services, account)}
    # The state an older catalogue could leave: one of the calls' question in a topic of its own.
    async with services.sessions.begin() as session:
        copy = await session.get(QuestionTopic, kept)
        assert copy is not None
        session.add(QuestionTopic(id="tq_split", account_id=account.id, label=copy.label,
                                  size=1, centroid=copy.centroid))  # fmt: skip
        await session.flush()
        await session.execute(
            update(CallQuestion).where(CallQuestion.call_pk == pks[2]).values(topic_id="tq_split")
        )

    async with services.sessions.begin() as session:
        regrouping = await service.recluster(session, embedder, account.id)

    assert regrouping.merged == {"tq_split": kept}
    assert {topic for _, _, topic in await questions_of(services, account)} == {kept}
    topics = await topics_of(services, account)
    assert (topics["tq_split"].merged_into, topics[kept].merged_into, topics[kept].size) == (
        kept,
        None,
        3,
    )
    async with services.sessions() as session:
        asked = await stats.questions_asked(session, account.id, days=1, now_ms=NOW + 1)
    assert [(topic.topic_id, topic.count) for topic in asked] == [(kept, 3)]


async def test_a_catalogue_is_reclustered_once_it_has_grown_by_a_quarter(
    services: Services, embedder: Embedder, make_account: MakeAccount
) -> None:
    account = await make_account()
    pks = await stored_calls(services, account, service.RECLUSTER_MIN_NEW + 1)
    for pk in pks[:-2]:
        await ask(services, embedder, account, pk, "Is there parking?")
    async with services.sessions.begin() as session:
        assert not await service.recluster_if_grown(session, embedder, account.id)

    for pk in pks[-2:]:
        await ask(services, embedder, account, pk, "Is there parking?")
    async with services.sessions.begin() as session:
        assert await service.recluster_if_grown(session, embedder, account.id)
        assert not await service.recluster_if_grown(session, embedder, account.id)

    async with services.sessions() as session:
        catalogue = await session.get(TopicCatalogue, account.id)
    assert catalogue is not None
    assert (catalogue.questions, catalogue.questions_at_recluster) == (len(pks), len(pks))


async def test_a_catalogue_of_another_model_version_is_regrouped_before_it_changes(
    services: Services, embedder: Embedder, make_account: MakeAccount
) -> None:
    account = await make_account()
    first, second = await stored_calls(services, account, 2)
    await ask(services, embedder, account, first, "Do you do emergency repairs?")
    async with services.sessions.begin() as session:
        await session.execute(
            update(TopicCatalogue)
            .where(TopicCatalogue.account_id == account.id)
            .values(model_version=service.MODEL_VERSION - 1)
        )
        await session.execute(
            update(QuestionTopic)
            .where(QuestionTopic.account_id == account.id)
            .values(centroid=bytes(1024))  # vectors of another space
        )

    await ask(services, embedder, account, second, "do you do emergency repairs")

    stored = await questions_of(services, account)
    assert len({topic for _, _, topic in stored}) == 1
    async with services.sessions() as session:
        catalogue = await session.get(TopicCatalogue, account.id)
    assert catalogue is not None
    assert catalogue.model_version == service.MODEL_VERSION
