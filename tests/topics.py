"""Caller questions and topics the tests decide, stored in the real tables.

Where a test is about what is done with stored topics (the stats, a call's detail, the `topic`
filter), it states the topics itself instead of asking the embedding model, whose grouping is
tested in tests/analytics and through `calls import`: here each folded wording of an account
(`questions.service.normalize`) is one topic, labelled with the wording that first brought it.
"""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from humanadd.calls.models import Call
from humanadd.dependencies import Services
from humanadd.ids import new_id
from humanadd.questions import repository
from humanadd.questions.models import CallQuestion, QuestionTopic
from humanadd.questions.service import normalize


async def _topic_of(session: AsyncSession, account_id: str, key: str, wording: str) -> str:
    statement = (
        select(CallQuestion.topic_id)
        .where(CallQuestion.account_id == account_id, CallQuestion.normalized == key)
        .limit(1)
    )
    topic_id = (await session.execute(statement)).scalar_one_or_none()
    if topic_id is None:
        topic_id = await new_topic(session, account_id, wording)
    return topic_id


async def new_topic(session: AsyncSession, account_id: str, label: str) -> str:
    """A topic of the account labelled `label`, without questions yet; its id."""
    topic = QuestionTopic(id=new_id("tq"), account_id=account_id, label=label, size=0, centroid=b"")
    await repository.add_topics(session, [topic])
    return topic.id


async def store_asked(
    session: AsyncSession,
    account_id: str,
    call_pk: int,
    started_at: int,
    texts: Sequence[str],
    *,
    topics: Sequence[str] | None = None,
) -> None:
    """The call's questions in the order asked, each folded wording once: in `topics` (one id
    per text) when given, else in the topic of its folded wording."""
    rows = []
    seen = set()
    for index, text in enumerate(texts):
        key = normalize(text)
        if key in seen:
            continue
        seen.add(key)
        topic_id = (
            topics[index] if topics is not None else await _topic_of(session, account_id, key, text)
        )
        rows.append(
            {
                "call_pk": call_pk,
                "account_id": account_id,
                "started_at": started_at,
                "normalized": key,
                "text": text,
                "topic_id": topic_id,
            }
        )
    await repository.insert_questions(session, rows)


async def ask(
    services: Services,
    account_id: str,
    call_id: str,
    texts: Sequence[str],
    topics: Sequence[str] | None = None,
) -> None:
    """`store_asked` for the stored call `call_id` of the account, in its own transaction."""
    async with services.sessions.begin() as session:
        statement = select(Call.id, Call.started_at).where(
            Call.account_id == account_id, Call.call_id == call_id
        )
        call_pk, started_at = (await session.execute(statement)).one()
        await store_asked(session, account_id, call_pk, started_at, texts, topics=topics)


async def topic_named(services: Services, account_id: str, label: str) -> str:
    """The id of the account's topic labelled `label`."""
    async with services.sessions.begin() as session:
        statement = select(QuestionTopic.id).where(
            QuestionTopic.account_id == account_id, QuestionTopic.label == label
        )
        return (await session.execute(statement)).scalar_one()


async def merge(services: Services, account_id: str, merged: dict[str, str]) -> None:
    """Merge each topic of `merged` into its survivor, as re-clustering does."""
    async with services.sessions.begin() as session:
        await repository.merge(session, account_id, merged)
